using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace PgWire.Actors.Replication;

/// <summary>
/// An Akka logger that appends log events to the file named by <c>pgwire.lrepl.log-file</c>, so a
/// command-line run keeps its terminal for its own one-line messages while the details (journal
/// errors with their stack traces, say) stay available. Secrets registered for the file with
/// <see cref="LreplErrorLog.RegisterSecrets"/> are blanked out. A log line that cannot be written
/// (a full disk) is dropped.
/// </summary>
public sealed class LreplFileLogger : UntypedActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly string _path;

    public LreplFileLogger()
    {
        _path = Context.System.Settings.Config.GetString("pgwire.lrepl.log-file", "");
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                break;
            case LogEvent e when _path.Length > 0:
                LreplErrorLog.Append(_path, e + Environment.NewLine);
                break;
        }
    }
}

/// <summary>
/// The details behind a run's errors in its <c>lrepl.log</c>: a timestamp, what failed, and the
/// exception in full (type, message, inner exceptions, stack trace), with the run's secrets blanked out.
/// </summary>
public static class LreplErrorLog
{
    private const string Blank = "********";
    private static readonly ConcurrentDictionary<string, string[]> Secrets = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>
    /// Blanks each of <paramref name="secrets"/> (passwords, say) out of everything later written to
    /// <paramref name="path"/>, by <see cref="Write"/> and by <see cref="LreplFileLogger"/>.
    /// </summary>
    public static void RegisterSecrets(string path, IEnumerable<string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(secrets);

        // Longest first, so that a secret containing another is blanked whole.
        var list = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
        Secrets.AddOrUpdate(Key(path), list, (_, old) => [.. old.Concat(list).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)]);
    }

    /// <summary><paramref name="text"/> with the secrets registered for <paramref name="path"/> blanked out.</summary>
    public static string Redact(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Secrets.TryGetValue(Key(path), out var secrets))
        {
            foreach (var secret in secrets)
            {
                text = text.Replace(secret, Blank, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Appends an entry for <paramref name="what"/> and <paramref name="error"/>; false when the file cannot be written.</summary>
    public static bool Write(string path, string what, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(what);
        var entry = new StringBuilder();
        entry.Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(" [ERROR] ").Append(what).Append(Environment.NewLine);
        if (error is not null)
        {
            entry.Append(error).Append(Environment.NewLine);
        }

        return Append(path, entry.ToString());
    }

    /// <summary>Appends <paramref name="text"/>, secrets blanked out, to the file; false when it cannot be written.</summary>
    internal static bool Append(string path, string text)
    {
        // Opened for each entry: the logger and the command write to the same file, and errors are rare.
        var bytes = Encoding.UTF8.GetBytes(Redact(path, text));
        lock (Gate)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                file.Write(bytes);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return false;
            }
        }
    }

    private static string Key(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return path;
        }
    }
}
