using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;

namespace PgWire.Actors;

/// <summary>
/// An executor for Akka dispatchers that runs an actor's mailbox on the thread that sent the
/// message, instead of queueing the run to a thread pool. The mailbox still processes one message
/// at a time (a message sent while the actor is running on another thread is queued and processed
/// by that thread before it lets go), so the actor keeps its guarantees; what goes away is the
/// hand-off to another thread for every message.
/// <para>
/// Meant for an actor whose messages are short and never block for long, with one caller at a
/// time, such as the connection behind <see cref="Connection.PgClient"/> in a short-lived client:
/// the caller's query runs up to the socket write on the caller's thread, and the socket read's
/// completion runs the actor on the thread that completed it.
/// </para>
/// </summary>
public sealed class CallingThreadExecutorConfigurator : ExecutorServiceConfigurator
{
    /// <summary>The dispatcher id <see cref="Connection.PgClient"/> runs its connection on when the actor system configures it.</summary>
    public const string DispatcherId = "pgwire.client-connection-dispatcher";

    /// <summary>The dispatcher's configuration, as it appears in an actor system's configuration.</summary>
    public const string DispatcherConfig = """
        pgwire.client-connection-dispatcher {
          type = Dispatcher
          executor = "PgWire.Actors.CallingThreadExecutorConfigurator, PgWire.Actors"
          # The thread that runs the mailbox empties it: nothing is rescheduled.
          throughput = 1000000
        }
        """;

    public CallingThreadExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
    }

    public override ExecutorService Produce(string id) => new CallingThreadExecutor(id);

    /// <summary>True when <paramref name="system"/> configures <see cref="DispatcherId"/>.</summary>
    public static bool IsConfigured(ActorSystem system) => system.Dispatchers.HasDispatcher(DispatcherId);

    private sealed class CallingThreadExecutor(string id) : ExecutorService(id)
    {
        public override void Execute(IRunnable run) => run.Run();

        public override void Shutdown()
        {
        }
    }
}
