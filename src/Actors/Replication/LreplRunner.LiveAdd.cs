using Akka.Actor;
using Akka.Pattern;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>
/// A table added to the publication while <c>--all-tables</c> streams: copied under a temporary slot
/// of its own while the stream goes on for the other tables, then joined to the stream at the copy's
/// consistent point (see <see cref="TableAdditions"/>).
/// </summary>
public static partial class LreplRunner
{
    /// <summary>A table's pipeline: its state journal under a back-off supervisor that answers <see cref="StateStoreUnavailable"/> while the store is away.</summary>
    private static Props PipelineProps(Props journal) =>
        TablePipelineActor.Props(BackoffSupervisor.Props(Backoff.OnStop(journal, "state", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1).WithReplyWhileStopped(StateStoreUnavailable.Instance)));

    /// <summary>
    /// Copies tables added to a running stream, one at a time. Crash safety rests on the stream's
    /// hold: until a table joins, the server is told no flush position past the one reported when
    /// the stream first met the table, so a run that starts again (after a kill, say) streams the
    /// table's changes again, whether it finds the copy recorded (it goes on from the copy's
    /// consistent point) or not (the unrecorded copy is removed and the table copied again).
    /// </summary>
    private sealed class LiveAdd(
        ActorSystem system,
        LreplOptions options,
        string slotName,
        LreplConfigDir dir,
        ConnectionSettings normalSettings,
        ConnectionSettings replicationSettings,
        TextWriter log,
        List<string> followed,
        Func<Props, string, IActorRef> start)
    {
        private readonly SemaphoreSlim _gate = new(1);

        /// <summary>The added table's run and pipeline (its state journal made and recovering).</summary>
        public TableRun Prepare(TableAddition added, CancellationToken ct)
        {
            var tableOptions = options.ForTable(TableName(added.Schema, added.Table), slotName);
            var suffix = "-" + added.Route.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var tableProgress = new LreplProgress();
            var journal = LsnAckActor.Props(dir.PersistenceId(tableOptions.StateId ?? "lrepl-" + tableOptions.Table), tableOptions.StateSnapshotEvery, tableProgress);
            var pipeline = start(PipelineProps(journal), "table" + suffix);
            var run = new TableRun(added.Route, suffix, tableOptions, tableProgress, new StateActor(pipeline, tableProgress, ct))
            {
                HasDataFile = tableOptions.WritesDataFile && File.Exists(tableOptions.DataPath),
            };
            run.Ack.EnsureStarted();
            return run;
        }

        /// <summary>
        /// Copies the table under a temporary slot, records the copy, starts its sink and joins it to
        /// the stream; null when it cannot join while running (a data file or a state of an earlier
        /// run, or the stream gave it up): the run then starts again and copies it as a table new to the slot.
        /// </summary>
        public async Task<TableRun?> CopyAndJoinAsync(TableAddition added, TableRun run, IActorRef stream, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                run.State = await run.Ack.Recovered.ConfigureAwait(false);
                if (run.HasDataFile || run.State.SnapshotDone || (CopyingName(run.Options) is { } name && dir.IsCopying(name)))
                {
                    // Followed by an earlier run (left out since, or stopped while copying): the start
                    // of a run sorts out which of its files and records still hold.
                    log.WriteLine($"lrepl: {run.Options.Table} has a data file or a recorded state of an earlier run");
                    return null;
                }

                await using var client = await ConnectAsync(system, normalSettings, options, ct).ConfigureAwait(false);
                (run.Table, _) = await CheckAsync(client, run.Options, dir, ct).ConfigureAwait(false);
                if (added.IsGivenUp)
                {
                    return null;
                }

                // Followed by this slot from here on, so the next run never takes it for one left out.
                followed.Add(run.Options.Table);
                dir.RecordTables(slotName, followed);
                await PrepareTableSnapshotAsync(client, run, dir, ct).ConfigureAwait(false);
                await using (var repl = await ConnectAsync(system, replicationSettings, options, ct).ConfigureAwait(false))
                {
                    await RetakingAsync(() => SyncTableAsync(system, repl, normalSettings, client, slotName, dir, run, log, ct), "copying it again", log).ConfigureAwait(false);
                }

                // Recorded as durable up to the copy's consistent point: its sink starts from there,
                // and the stream hands it the changes it kept back that the copy does not hold.
                var sinkProps = run.Iceberg is not null
                    ? await IcebergSinkPropsAsync(run.Options, run.Iceberg, run.Ack.Ref, run.State, run.Progress, log, ct).ConfigureAwait(false)
                    : FileSinkActor.Props(run.Options.DataPath, new Lsn(run.State.CommitLsn), run.State.FileOffset, run.Ack.Ref, run.Csv);
                run.Ack.Ref.Tell(new TablePipelineActor.StartSink(sinkProps));
                run.Progress.SetDurable(new Lsn(run.State.CommitLsn));
                if (!added.Join(new StreamSinkRoute(run.Ack.Ref, run.Ack.Ref, run.Progress), new Lsn(run.State.CommitLsn), new Lsn(run.State.EndLsn)))
                {
                    return null;
                }

                stream.Tell(AdditionJoined.Instance);
                return run;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
