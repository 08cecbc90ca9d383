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
    private readonly TimeSpan _repeatInterval;
    private readonly Dictionary<string, Repeats> _seen = new(StringComparer.Ordinal);
    private ICancelable? _flush;

    public LreplFileLogger()
    {
        var config = Context.System.Settings.Config;
        _path = config.GetString("pgwire.lrepl.log-file", "");
        _repeatInterval = config.GetTimeSpan("pgwire.lrepl.log-repeat-interval", TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// How many repeat intervals a kind stays known after it was last seen: an error retried with
    /// backoff (every 30 s at most) is still only counted, and written in full again once it has
    /// been away for a while (5 minutes at the default interval).
    /// </summary>
    private const int ForgetAfterIntervals = 30;

    /// <summary>At most this many kinds are remembered (messages with changing parts make new kinds); the oldest go first.</summary>
    private const int MaxKinds = 1000;

    private sealed class Repeats(DateTime first)
    {
        public DateTime Since { get; set; } = first;

        public DateTime LastSeen { get; set; } = first;

        public int Count { get; set; }
    }

    private sealed class FlushRepeats
    {
        public static readonly FlushRepeats Instance = new();
    }

    protected override void PreStart()
    {
        if (_repeatInterval > TimeSpan.Zero)
        {
            _flush = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(_repeatInterval, _repeatInterval, Self, FlushRepeats.Instance, Self);
        }
    }

    protected override void PostStop()
    {
        _flush?.Cancel();
        WriteRepeats(all: true);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                break;
            case FlushRepeats:
                WriteRepeats(all: false);
                break;
            case LogEvent e when _path.Length > 0:
                Log(e);
                break;
        }
    }

    /// <summary>
    /// The first event of a kind (its level, source and first line of its message) is written in
    /// full, each exception's stack cut to its first <see cref="FramesKept"/> frames; the same again
    /// is only counted, in one line per interval for as long as it goes on. A kind not seen for
    /// <see cref="ForgetAfterIntervals"/> intervals is forgotten, and written in full when it comes back.
    /// </summary>
    private void Log(LogEvent e)
    {
        var key = e.LogLevel() + " " + e.LogSource + " " + FirstLine(e.Message?.ToString() ?? "") + " " + (e is Error { Cause: { } cause } ? cause.GetType().FullName + ": " + FirstLine(cause.Message) : "");
        if (_repeatInterval > TimeSpan.Zero && _seen.TryGetValue(key, out var repeats))
        {
            repeats.Count++;
            repeats.LastSeen = DateTime.UtcNow;
            return;
        }

        if (_seen.Count >= MaxKinds)
        {
            _seen.Remove(_seen.MinBy(k => k.Value.LastSeen).Key);
        }

        _seen[key] = new Repeats(DateTime.UtcNow);
        LreplErrorLog.Append(_path, ShortenStacks(e.ToString()) + Environment.NewLine);
    }

    /// <summary>How many frames of each stack trace an entry keeps.</summary>
    public const int FramesKept = 6;

    /// <summary>
    /// <paramref name="text"/> with every run of stack frames ("   at ...") past the first
    /// <see cref="FramesKept"/> replaced by one line that counts them: a store that fails deep in
    /// its driver (nested exceptions, each with dozens of frames) keeps its entry to a few kilobytes.
    /// </summary>
    internal static string ShortenStacks(string text)
    {
        var lines = text.Split('\n');
        var result = new StringBuilder(text.Length);
        var frames = 0;
        var dropped = 0;
        void EndRun()
        {
            if (dropped > 0)
            {
                result.Append(CultureInfo.InvariantCulture, $"   ... {dropped} more frame(s)\n");
            }

            frames = 0;
            dropped = 0;
        }

        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("at ", StringComparison.Ordinal) || trimmed.StartsWith("--- End of stack trace from previous location", StringComparison.Ordinal))
            {
                if (++frames > FramesKept)
                {
                    dropped++;
                    continue;
                }
            }
            else
            {
                EndRun();
            }

            result.Append(line).Append('\n');
        }

        EndRun();
        result.Length--;
        return result.ToString();
    }

    /// <summary>
    /// Every interval: one line for each kind repeated during it (kept, counting again), and kinds
    /// not seen for <see cref="ForgetAfterIntervals"/> intervals forgotten; at the end, the counts left.
    /// </summary>
    private void WriteRepeats(bool all)
    {
        var now = DateTime.UtcNow;
        foreach (var (key, repeats) in _seen.ToList())
        {
            if (!all && now - repeats.Since < _repeatInterval)
            {
                continue;
            }

            if (repeats.Count > 0 && _path.Length > 0)
            {
                LreplErrorLog.Append(_path, $"{now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} [repeated {repeats.Count} more time(s) since {repeats.Since.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {key.Trim()}{Environment.NewLine}");
            }

            if (repeats.Count > 0 && !all)
            {
                repeats.Count = 0;
                repeats.Since = now;
            }
            else if (all || now - repeats.LastSeen >= _repeatInterval * ForgetAfterIntervals)
            {
                _seen.Remove(key);
            }
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).TrimEnd();
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
    private static readonly ConcurrentDictionary<string, (long MaxBytes, int Keep)> Rotation = new(StringComparer.Ordinal);

    /// <summary>
    /// Rotates <paramref name="path"/> once it passes <paramref name="maxBytes"/>: it becomes
    /// <c>.1</c> (older ones shift up, the oldest past <paramref name="keep"/> goes) and a new file is begun.
    /// </summary>
    public static void Configure(string path, long maxBytes, int keep)
    {
        ArgumentNullException.ThrowIfNull(path);
        Rotation[Key(path)] = (maxBytes, keep);
    }

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
                RotateIfFull(path, bytes.Length);
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

    private static void RotateIfFull(string path, int adding)
    {
        if (!Rotation.TryGetValue(Key(path), out var rotation) || !File.Exists(path) || new FileInfo(path).Length + adding <= rotation.MaxBytes)
        {
            return;
        }

        if (rotation.Keep == 0)
        {
            File.Delete(path);
            return;
        }

        File.Delete(path + "." + rotation.Keep.ToString(CultureInfo.InvariantCulture));
        for (var i = rotation.Keep - 1; i >= 1; i--)
        {
            var older = path + "." + i.ToString(CultureInfo.InvariantCulture);
            if (File.Exists(older))
            {
                File.Move(older, path + "." + (i + 1).ToString(CultureInfo.InvariantCulture));
            }
        }

        File.Move(path, path + ".1");
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
