using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace PgWire.Actors.Replication;

/// <summary>
/// An Akka logger that appends log events to the file named by <c>pgwire.lrepl.log-file</c>, so a
/// command-line run keeps its terminal for its own one-line messages while the details (journal
/// errors with their stack traces, say) stay available. A log line that cannot be written (a full
/// disk) is dropped.
/// </summary>
public sealed class LreplFileLogger : UntypedActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly StreamWriter? _writer;

    public LreplFileLogger()
    {
        var path = Context.System.Settings.Config.GetString("pgwire.lrepl.log-file", "");
        if (path.Length > 0)
        {
            try
            {
                _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _writer = null;
            }
        }

    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                break;
            case LogEvent e:
                Write(e);
                break;
        }
    }

    private void Write(LogEvent e)
    {
        try
        {
            _writer?.WriteLine(e.ToString());
        }
        catch (IOException)
        {
            // Nothing to do about a log line that does not fit.
        }
    }

    protected override void PostStop() => _writer?.Dispose();
}
