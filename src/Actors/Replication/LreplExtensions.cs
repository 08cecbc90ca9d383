using Akka;
using Akka.Actor;
using Akka.Event;

namespace PgWire.Actors.Replication;

/// <summary>
/// Tells a <see cref="ReplicationStreamActor"/> (directly or through its back-off supervisor) to
/// stop cleanly: batches in flight are let finish, the durable position is reported to the server
/// as flushed, the connection is closed, then the actor stops.
/// </summary>
public sealed class StopReplicationStream
{
    public static readonly StopReplicationStream Instance = new();
    private StopReplicationStream()
    {
    }
}

/// <summary>One table's replication pipeline running inside an actor system.</summary>
public sealed class LreplHandle
{
    private readonly CancellationTokenSource _stop = new();

    internal LreplHandle(ActorSystem system, LreplOptions options, LreplRunner.EarlyStart? early)
    {
        Options = options;
        Completion = Task.Run(() => LreplRunner.RunInAsync(system, options, Progress, early, _stop.Token));
    }

    public LreplOptions Options { get; }

    /// <summary>Counters updated while the pipeline runs.</summary>
    public LreplProgress Progress { get; } = new();

    /// <summary>
    /// Completes with the final progress once the pipeline has stopped and its actors are gone; faults
    /// with <see cref="LreplException"/> when a check fails, and is cancelled when stopped before
    /// streaming started.
    /// </summary>
    public Task<LreplProgress> Completion { get; }

    /// <summary>Asks the pipeline to stop; see <see cref="StopAsync"/> to wait for it.</summary>
    public void RequestStop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Stops the pipeline: the stream reports its durable position to the server and closes its
    /// connection, the sink and the position actor are stopped. Failures of the pipeline surface
    /// here, except a stop before streaming started, which is not an error.
    /// </summary>
    public async Task StopAsync()
    {
        RequestStop();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>Runs <c>lrepl</c> pipelines inside an actor system owned by the caller.</summary>
public static class LreplExtensions
{
    /// <summary>
    /// Starts the replication of <see cref="LreplOptions.Table"/> into <see cref="LreplOptions.DataPath"/>
    /// inside <paramref name="system"/>: the snapshot on the first run, then streaming until stopped.
    /// The system's config must name a durable journal and snapshot store (<c>akka.persistence.journal.plugin</c>
    /// and <c>akka.persistence.snapshot-store.plugin</c>), where the durable position is kept under
    /// <see cref="LreplOptions.StateId"/>; <see cref="LreplRunner.PersistenceConfig(LreplOptions)"/>
    /// gives one for the options' state store. The pipeline is stopped cleanly by
    /// <see cref="LreplHandle.StopAsync"/> or when the system shuts down through CoordinatedShutdown.
    /// Several pipelines may share a system as long as their slots (and so their actor names) differ.
    /// </summary>
    public static LreplHandle StartLogicalReplication(this ActorSystem system, LreplOptions options) => StartLogicalReplication(system, options, null);

    /// <summary>As the public overload, with what a standalone run prepared while its system started.</summary>
    internal static LreplHandle StartLogicalReplication(this ActorSystem system, LreplOptions options, LreplRunner.EarlyStart? early)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var config = system.Settings.Config;
        if (string.IsNullOrEmpty(config.GetString("akka.persistence.journal.plugin", "")) ||
            string.IsNullOrEmpty(config.GetString("akka.persistence.snapshot-store.plugin", "")))
        {
            throw new LreplException("the actor system has no akka.persistence journal or snapshot store; add LreplRunner.PersistenceConfig(options) to its config");
        }

        var handle = new LreplHandle(system, options, early);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "lrepl-" + options.SlotName, async () =>
        {
            if (handle.Completion.IsCompleted)
            {
                // Already ended; whoever awaited Completion has seen how.
                return Done.Instance;
            }

            try
            {
                await handle.StopAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                system.Log.Warning("lrepl {0}: {1}", options.Table, ex.Message);
            }

            return Done.Instance;
        });
        return handle;
    }
}
