using System.Text;
using Akka.Actor;
using Akka.Pattern;
using PgWire.Actors.Connection;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>
/// Runs one table's logical replication into a JSON lines file: checks, consistent snapshot on the
/// first run, then streaming until cancelled, with the durable position persisted after every fsync.
/// </summary>
public static partial class LreplRunner
{
    /// <summary>
    /// Runs the pipeline in an actor system of its own, configured with <see cref="PersistenceConfig(LreplOptions)"/>,
    /// until cancelled; signals are left to the caller.
    /// </summary>
    public static async Task<LreplProgress> RunAsync(LreplOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        LreplConfigDir.Prepare(options.ConfigDir);
        try
        {
            StartupWarmUp.Start(Resolve(options, null).SslMode, snapshot: !File.Exists(options.DataPath));
        }
        catch (LreplException)
        {
            // Reported where the settings are used.
        }

        var system = CreateSystem(options);
        try
        {
            var handle = system.StartLogicalReplication(options);
            await using (cancellationToken.Register(() => handle.RequestStop()).ConfigureAwait(false))
            {
                return await handle.Completion.ConfigureAwait(false);
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pipeline inside <paramref name="system"/>, whose config must hold the journal and snapshot
    /// store; the actors it starts are stopped before the returned task completes.
    /// </summary>
    internal static async Task<LreplProgress> RunInAsync(ActorSystem system, LreplOptions options, LreplProgress progress, CancellationToken cancellationToken)
    {
        var log = options.Log ?? TextWriter.Null;

        // One process per config dir; the dir knows which slots its runs created.
        using var dir = LreplConfigDir.Open(options.ConfigDir, options.DataPath);
        var prefix = "lrepl-" + options.SlotName + "-";
        var started = new List<IActorRef>();
        IActorRef Start(Props props, string name)
        {
            var actor = system.ActorOf(props, prefix + name);
            started.Add(actor);
            return actor;
        }

        try
        {
            // The state journal's first start (its tables, its recovery) takes a good part of a
            // core for a moment. Before a snapshot (no data file yet) it is started once the copy is
            // under way, where it overlaps the server's work instead of the connections'; otherwise
            // it recovers while the connections are established.
            // The journal actor stops when the store fails it; its supervisor starts it again with
            // backoff, answering StateStoreUnavailable meanwhile. Before streaming a failure ends the
            // run (StateActor.Stopped); while streaming it is ridden out: the stream stops
            // acknowledging and starts again from what the store recorded once it answers.
            var journal = LsnAckActor.Props(dir.PersistenceId(options.StateId ?? "lrepl-" + options.Table), options.StateSnapshotEvery, progress);
            var ack = new StateActor(
                () => Start(BackoffSupervisor.Props(Backoff.OnStop(journal, "journal", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1).WithReplyWhileStopped(StateStoreUnavailable.Instance)), "lsn"),
                progress,
                cancellationToken);
            // The change stream keeps no file: its state alone says how far the application got.
            var hasDataFile = options.WritesDataFile && File.Exists(options.DataPath);
            var owned = dir.OwnsSlot(options.SlotName);
            if (hasDataFile || owned)
            {
                ack.EnsureStarted();
            }

            var normalSettings = Resolve(options, null);
            var replicationSettings = Resolve(options, "database");
            var stateStoreTask = CheckStateStoreAsync(system, options, cancellationToken);
            var clientTask = ConnectAsync(system, normalSettings, options, cancellationToken);
            var replTask = ConnectAsync(system, replicationSettings, options, cancellationToken);

            // The replication connection identifies itself while the checks run on the other one.
            async Task<PgClient> IdentifiedAsync()
            {
                var connection = await replTask.ConfigureAwait(false);
                try
                {
                    await QueryAsync(connection, ReplicationCommands.IdentifySystem, null, cancellationToken).ConfigureAwait(false);
                    return connection;
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            var identifiedTask = IdentifiedAsync();
            TableInfo table;
            BinaryStreaming? binary;
            CsvLineEncoder? csv = null;
            LreplState state;
            IPgTypeCatalog? types = null;
            IcebergTarget? iceberg = null;
            await using (var client = await DisposeOnFailure(clientTask, identifiedTask).ConfigureAwait(false))
            {
                // Nothing (a publication, a slot) is created before the state store has answered.
                await DisposeOnFailure(Then(stateStoreTask, true), identifiedTask).ConfigureAwait(false);
                (table, var slot) = await DisposeOnFailure(CheckAsync(client, options, dir, cancellationToken), identifiedTask).ConfigureAwait(false);
                var slotExists = slot is not null;

                await using var repl = await identifiedTask.ConfigureAwait(false);

                if (slotExists && !owned && dir.LegacyState && hasDataFile && (await ack.Recovered.ConfigureAwait(false)).SnapshotDone)
                {
                    // A config dir from before dirs recorded their slots: its finished snapshot was
                    // made from this slot.
                    dir.RecordSlot(options.SlotName);
                    owned = true;
                }

                if (slotExists && !owned)
                {
                    throw NotOwnSlot(options, slot!);
                }

                // Neither a slot of its own nor a data file: a first run, or one stopped before its
                // snapshot created anything. The snapshot starts while the state journal is still
                // recovering; the state is checked before the snapshot is recorded (SnapshotAsync).
                var fresh = !owned && !hasDataFile;
                state = fresh ? new LreplState() : await ack.Recovered.ConfigureAwait(false);
                if (options.Sink == LreplSink.Iceberg)
                {
                    // The catalog and the table are checked before a slot is created or used.
                    iceberg = await PrepareIcebergAsync(client, options, dir, table, state.SnapshotDone ? state : null, cancellationToken).ConfigureAwait(false);
                }

                if (!state.SnapshotDone)
                {
                    if (hasDataFile && !owned)
                    {
                        throw new LreplException($"{options.DataPath} exists, but this config dir has no replication state for it (dropped with --drop, or made elsewhere); move it away, and the next run starts over with a new snapshot");
                    }

                    if (slotExists)
                    {
                        // Left by this dir's own run that did not finish its snapshot.
                        await DropOwnSlotAsync(client, options, log, cancellationToken).ConfigureAwait(false);
                    }

                    if (state.FileOffset != 0 || state.CommitLsn != 0)
                    {
                        state = (await AskStateAsync<Persisted>(ack.Ref, ResetLreplState.Instance, ack.Stopped, progress, cancellationToken).ConfigureAwait(false)).State;
                    }

                    if (options.Format == LreplFormat.Csv)
                    {
                        csv = new CsvLineEncoder([.. table.PublishedColumns ?? []]);
                    }

                    // The stream's transfer format is settled on the check connection while the slot is
                    // created; then that connection imports the slot's snapshot and runs the (first) COPY.
                    var binaryTask = BinaryStreamingAsync(client, options, table, log, cancellationToken);
                    var lead = Then(binaryTask, client);
                    try
                    {
                        state = await SnapshotAsync(system, repl, normalSettings, lead, options, dir, table, ack, fresh, progress, log, cancellationToken, iceberg).ConfigureAwait(false);
                    }
                    finally
                    {
                        await Quietly(binaryTask).ConfigureAwait(false);
                    }

                    binary = await binaryTask.ConfigureAwait(false);
                }
                else
                {
                    if (!slotExists)
                    {
                        throw MissingSlot(options, state);
                    }

                    CheckSlotPosition(options, dir, slot!, state, log);

                    var length = !options.WritesDataFile ? state.FileOffset : hasDataFile ? new FileInfo(options.DataPath).Length : 0;
                    if (length < state.FileOffset)
                    {
                        throw new LreplException($"{options.DataPath} is {length} bytes but {state.FileOffset} bytes were recorded as durable; remove {options.StatePath} to start over");
                    }

                    if (length > state.FileOffset)
                    {
                        // The file sink repairs itself as it starts: it cuts the file back to the recorded offset.
                        log.WriteLine($"lrepl: cutting {length - state.FileOffset} bytes of unacknowledged tail from {options.DataPath}");
                    }

                    csv = options.WritesDataFile ? ResumeFormat(options) : null;
                    binary = await BinaryStreamingAsync(client, options, table, log, cancellationToken).ConfigureAwait(false);
                    progress.SnapshotRows = state.SnapshotRows;
                    log.WriteLine(iceberg is not null
                        ? $"lrepl: resuming {options.Table} from {new Lsn(state.CommitLsn)} (Iceberg table {iceberg.Ident})"
                        : $"lrepl: resuming {options.Table} from {new Lsn(state.CommitLsn)} ({state.FileOffset} bytes durable)");
                }

                // A text stream types the values of enums, domains and arrays from the catalog too (a binary one has it).
                if (binary is null && iceberg is null && JsonLineFormat.OfRecorded(state.JsonFormat) >= JsonLineFormat.V2)
                {
                    types = await JsonValueType.LoadCatalogAsync(client, table.Oid, cancellationToken).ConfigureAwait(false);
                }
            }

            progress.SetDurable(new Lsn(state.CommitLsn));
            var sink = iceberg is not null
                ? await StartIcebergSinkAsync(Start, options, iceberg, ack.Ref, state, progress, log, cancellationToken).ConfigureAwait(false)
                : Start(
                    options.Changes is { } changes
                        ? StreamSinkActor.Props(changes, new Lsn(state.CommitLsn), ack.Ref)
                        : FileSinkActor.Props(options.DataPath, new Lsn(state.CommitLsn), state.FileOffset, ack.Ref, csv),
                    "sink");
            var sinkStopped = sink.WatchAsync(CancellationToken.None);
            var target = new StreamTarget(table.Schema, table.Name, options.SlotName, options.Publication)
            {
                ProtocolVersion = options.ProtocolVersion,
                ReceiveTimeout = options.ReceiveTimeout,
                SpillDirectory = options.SpillDirectory,
                SpillThreshold = options.SpillThreshold,
                Binary = binary,
                JsonFormat = JsonLineFormat.OfRecorded(state.JsonFormat),
                Types = types,
            };
            var streamProps = ReplicationStreamActor.Props(replicationSettings, target, sink, ack.Ref, progress, options.ConnectionOptions);
            var supervisor = Start(
                BackoffSupervisor.Props(Backoff.OnFailure(streamProps, "stream", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.2, -1)),
                "stream-supervisor");

            // Nothing is polled: the loop wakes for a fatal error, a stopped sink or state journal,
            // the start of streaming, a stop request, or the next progress line.
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var onCancel = cancellationToken.Register(() => stopped.TrySetResult()).ConfigureAwait(false);
            await using var onAbort = options.Abort.Register(() => stopped.TrySetResult()).ConfigureAwait(false);
            var streamingStarted = progress.StreamingStarted;
            var never = new TaskCompletionSource().Task;
            var lastReport = DateTime.UtcNow;
            string? lastLine = null;
            while (true)
            {
                var tick = Task.Delay(options.ProgressInterval - (DateTime.UtcNow - lastReport) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, CancellationToken.None);
                await Task.WhenAny(progress.Fatal, sinkStopped, stopped.Task, streamingStarted ?? never, tick).ConfigureAwait(false);

                if (progress.FatalError is { } fatal)
                {
                    throw new LreplException($"{fatal}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                }

                if (sinkStopped.IsCompleted)
                {
                    // Without it nothing more can become durable: stop with the reason. The next
                    // run cuts the file back to the last recorded position and goes on from there.
                    throw new LreplException($"the sink stopped: {progress.LastError ?? "see the log"}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                }

                if (options.Abort.IsCancellationRequested)
                {
                    return progress;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (streamingStarted is { IsCompleted: true })
                {
                    streamingStarted = null;
                    options.OnStreaming?.Invoke();
                }

                // A line when something changed, at most one per interval.
                if (DateTime.UtcNow - lastReport >= options.ProgressInterval)
                {
                    lastReport = DateTime.UtcNow;
                    var line = $"lrepl: {options.Table}: snapshot rows {progress.SnapshotRows}, changes streamed {progress.Changes}, lag {progress.LagBytes} bytes / {progress.Lag.TotalSeconds:0.0} s, last durable LSN {progress.DurableLsn}{NotStreaming(progress)}";
                    if (line != lastLine)
                    {
                        lastLine = line;
                        log.WriteLine(line);
                    }
                }
            }

            await StopStreamAsync(system, supervisor).ConfigureAwait(false);
            await sink.Ask<SinkPosition>(GetSinkPosition.Instance, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            try
            {
                // A state store that is away answers StateStoreUnavailable, or nothing while its
                // journal retries: the position last recorded stands.
                if (await ack.Ref.Ask<object>(GetLreplState.Instance, TimeSpan.FromSeconds(2)).ConfigureAwait(false) is LreplState final)
                {
                    progress.SetDurable(new Lsn(final.CommitLsn));
                }
            }
            catch (AskTimeoutException)
            {
            }
            log.WriteLine($"lrepl: {options.Table}: stopped; snapshot rows {progress.SnapshotRows}, changes streamed {progress.Changes}, last durable LSN {progress.DurableLsn}");
            return progress;
        }
        finally
        {
            if (!options.Abort.IsCancellationRequested)
            {
                for (var i = started.Count - 1; i >= 0; i--)
                {
                    try
                    {
                        await started[i].GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is TaskCanceledException or AskTimeoutException)
                    {
                    }
                }
            }
        }
    }

    /// <summary>Nothing while streaming; otherwise since when and why, for the progress line.</summary>
    private static string NotStreaming(LreplProgress progress) => progress.Streaming
        ? ""
        : progress.StateStoreDownSince is { } down
            ? $", waiting for the state store since {down:HH:mm:ss} UTC ({progress.Outage?.Retries ?? 0} {(progress.Outage?.Retries == 1 ? "retry" : "retries")}): {progress.LastError}"
        : progress.Outage is { } outage
            ? $", not streaming since {outage.Since:HH:mm:ss} UTC ({outage.Retries} {(outage.Retries == 1 ? "retry" : "retries")}): {progress.LastError}"
            : ", not streaming: " + progress.LastError;

    /// <summary>
    /// Asks the stream to report its durable position and close its connection, then stops the
    /// supervisor; while the stream is backing off there is no one to ask and it is stopped at once.
    /// </summary>
    private static async Task StopStreamAsync(ActorSystem system, IActorRef supervisor)
    {
        try
        {
            // A message to a supervisor without a child is dropped: asking the absent stream to stop
            // would only wait out the timeout, so the supervisor is stopped at once instead.
            var current = await supervisor.Ask<BackoffSupervisor.CurrentChild>(BackoffSupervisor.GetCurrentChild.Instance, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            if (current.Ref is not null)
            {
                await supervisor.GracefulStop(TimeSpan.FromSeconds(3.5), StopReplicationStream.Instance).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex) when (ex is TaskCanceledException or AskTimeoutException)
        {
        }

        try
        {
            await supervisor.GracefulStop(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TaskCanceledException or AskTimeoutException)
        {
            // Given up on: the actor system's termination takes it down with the rest.
        }
    }

    /// <summary>Checks that the existing data file has the requested format; for CSV, returns the encoder for the columns in its header.</summary>
    private static CsvLineEncoder? ResumeFormat(LreplOptions options)
    {
        var head = new byte[64 * 1024];
        int read;
        using (var f = new FileStream(options.DataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            read = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var text = Encoding.UTF8.GetString(head, 0, read);
        var isCsv = text.StartsWith("op,lsn", StringComparison.Ordinal);
        if (options.Format == LreplFormat.JsonLines)
        {
            return isCsv
                ? throw new LreplException($"{options.DataPath} is CSV; pass --format csv (or remove it and {options.StatePath} to start over)")
                : null;
        }

        if (!isCsv)
        {
            throw new LreplException($"{options.DataPath} is not CSV; pass --format jsonl (or remove it and {options.StatePath} to start over)");
        }

        return new CsvLineEncoder(CsvLineEncoder.ParseHeader(text));
    }

    /// <summary>Awaits <paramref name="task"/>; when it fails, the connection <paramref name="pending"/> is closed once it is made.</summary>
    private static async Task<T> DisposeOnFailure<T>(Task<T> task, Task<PgClient> pending)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch
        {
            _ = pending.ContinueWith(t => t.Result.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap();
            _ = pending.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    private static async Task<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, LreplOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await PgClient.ConnectAsync(system, settings, options.ConnectionOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (PgConnectionException ex)
        {
            throw new LreplException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Asks the state journal (directly or through the CSV snapshot actor) and waits for the answer,
    /// or fails at once with the journal's reason when it stops first (a position it could not
    /// write stops it), instead of waiting for the ask to time out.
    /// </summary>
    private static async Task<T> AskStateAsync<T>(IActorRef target, object message, Task stateStopped, LreplProgress progress, CancellationToken ct)
    {
        var ask = target.Ask<T>(message, TimeSpan.FromSeconds(60), ct);
        if (await Task.WhenAny(ask, stateStopped).ConfigureAwait(false) == ask || ask.IsCompleted)
        {
            return await ask.ConfigureAwait(false);
        }

        throw new LreplException($"the state journal stopped: {progress.LastError ?? "see the log"}");
    }

    /// <summary>
    /// The LSN-ack actor of a run, started on first use: its watch and its first answer (the
    /// recovered state) are taken when it starts.
    /// </summary>
    private sealed class StateActor(Func<IActorRef> start, LreplProgress progress, CancellationToken ct)
    {
        private IActorRef? _ref;
        private Task? _stopped;
        private Task<LreplState>? _recovered;

        public IActorRef Ref => EnsureStarted()._ref!;

        /// <summary>Completes when the state store first fails (a position it could not write, a recovery that failed).</summary>
        public Task Stopped => EnsureStarted()._stopped!;

        /// <summary>The state as recovered from the journal.</summary>
        public Task<LreplState> Recovered => EnsureStarted()._recovered!;

        public StateActor EnsureStarted()
        {
            if (_ref is null)
            {
                _ref = start();
                _stopped = Task.WhenAny(_ref.WatchAsync(CancellationToken.None), progress.StateStoreFailed).Unwrap();
                _recovered = AskStateAsync<LreplState>(_ref, GetLreplState.Instance, _stopped, progress, ct);
            }

            return this;
        }
    }

    private static LreplException MissingSlot(LreplOptions options, LreplState state) =>
        new($"replication slot \"{options.SlotName}\", created by config dir {options.ConfigDir}, no longer exists (dropped outside lrepl): the changes committed after {new Lsn(state.EndLsn)} cannot be recovered. Run lrepl --drop in this config dir, move {options.DataPath} away, and start over with a new snapshot");

    /// <summary><paramref name="value"/> once <paramref name="first"/> has succeeded.</summary>
    private static async Task<T> Then<T>(Task first, T value)
    {
        await first.ConfigureAwait(false);
        return value;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The caller reports the error that made it stop this task.
        }
    }

    internal static async Task<List<string?[]>> QueryAsync(PgClient client, string sql, IReadOnlyList<string?>? parameters, CancellationToken ct)
    {
        var observer = new TextRowsObserver();
        if (parameters is null)
        {
            await client.ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
        }
        else
        {
            await client.ExecuteExtendedAsync(sql, parameters, observer, ct).ConfigureAwait(false);
        }

        if (observer.Error is { } error)
        {
            throw new LreplException($"{error.Severity}:  {error.Message}");
        }

        return observer.Rows;
    }
}
