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

        // The actor system starts on a thread of its own. Meanwhile the config dir is taken for this
        // process and both connections get under way (socket, TLS, startup message): what is left
        // for the system is authentication and what follows. Nothing is created on the server
        // before the config dir is taken; that order stays the pipeline's (RunOnceAsync).
        var systemStart = StartSystem(options);
        StartupWarmUp.Start(localSocketsOnly: false, snapshot: !File.Exists(options.DataPath));
        EarlyStart early;
        try
        {
            early = EarlyStart.Begin(options);
        }
        catch
        {
            await TerminateAsync(systemStart).ConfigureAwait(false);
            throw;
        }

        using (early)
        {
            CompilePipelineStart();
            var system = await systemStart.ConfigureAwait(false);
            try
            {
                var handle = system.StartLogicalReplication(options, early);
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
    }

    /// <summary>Terminates the actor system being started, once it is up (a failed start has nothing to terminate).</summary>
    private static async Task TerminateAsync(Task<ActorSystem> systemStart)
    {
        try
        {
            await (await systemStart.ConfigureAwait(false)).Terminate().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The error being reported is the caller's.
        }
    }

    /// <summary>
    /// The pipeline inside <paramref name="system"/>, whose config must hold the journal and snapshot
    /// store; the actors it starts are stopped before the returned task completes.
    /// </summary>
    /// <param name="early">What a standalone run prepared while its actor system started, for the first start of the pipeline.</param>
    internal static async Task<LreplProgress> RunInAsync(ActorSystem system, LreplOptions options, LreplProgress progress, EarlyStart? early, CancellationToken cancellationToken)
    {
        while (true)
        {
            var run = options;
            if (options.AllTables)
            {
                var tables = await PublicationTablesAsync(system, options, early?.Normal, cancellationToken).ConfigureAwait(false);
                run = options with { Table = tables[0], Tables = tables };
            }

            progress.ResetNewTable();
            var again = await RunOnceAsync(system, run, progress, early, cancellationToken).ConfigureAwait(false);
            early = null;
            if (!again)
            {
                return progress;
            }
        }
    }

    /// <summary>
    /// Every table of the publication, as lrepl names them (<c>orders</c> in public,
    /// <c>sales.items</c> otherwise, quoted where PostgreSQL needs it), public ones first.
    /// </summary>
    private static async Task<IReadOnlyList<string>> PublicationTablesAsync(ActorSystem system, LreplOptions options, EarlyConnection? early, CancellationToken ct)
    {
        await using var client = await ConnectAsync(system, Resolve(options, null), options, ct, early).ConfigureAwait(false);
        var rows = await QueryAsync(client, "SELECT p.pubname, t.schemaname, t.tablename FROM pg_publication p LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname WHERE p.pubname = $1 ORDER BY t.schemaname <> 'public', t.schemaname, t.tablename", [options.Publication], ct).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new LreplException($"publication \"{options.Publication}\" does not exist; --all-tables follows the tables of an existing publication (CREATE PUBLICATION {ReplicationCommands.QuoteIdentifier(options.Publication)} FOR TABLE ...)");
        }

        if (rows[0][1] is null)
        {
            throw new LreplException($"publication \"{options.Publication}\" has no tables");
        }

        return [.. rows.Select(r => TableName(r[1]!, r[2]!))];
    }

    /// <summary>A table as lrepl names it: <c>orders</c> in public, <c>sales.items</c> otherwise, quoted where PostgreSQL needs it.</summary>
    private static string TableName(string schema, string table)
    {
        static string Name(string part) => System.Text.RegularExpressions.Regex.IsMatch(part, "^[a-z_][a-z0-9_]*$") ? part : ReplicationCommands.QuoteIdentifier(part);
        return schema == "public" ? Name(table) : Name(schema) + "." + Name(table);
    }

    /// <summary>
    /// One start of the pipeline until it is stopped; true when it stopped to start again because
    /// the stream met a table added to the publication (<see cref="LreplOptions.AllTables"/>).
    /// </summary>
    private static async Task<bool> RunOnceAsync(ActorSystem system, LreplOptions options, LreplProgress progress, EarlyStart? early, CancellationToken cancellationToken)
    {
        var log = options.Log ?? TextWriter.Null;
        if (options.Changes is not null && options.Tables.Count > 1)
        {
            throw new LreplException("an application's change stream follows one table; start one per table");
        }

        // One process per config dir; the dir knows which slots its runs created.
        using var dir = early?.TakeDir() ?? LreplConfigDir.Open(options.ConfigDir, options.DataPath);

        // The slot of an earlier run of any of these tables stays theirs, whatever the order or
        // length of the list now; else the first table names it.
        var slotName = SlotFor(options, dir);
        var prefix = "lrepl-" + slotName + "-";
        var started = new List<IActorRef>();
        IActorRef Start(Props props, string name)
        {
            var actor = system.ActorOf(props, prefix + name);
            started.Add(actor);
            return actor;
        }

        try
        {
            // Each table has its own state journal (persistence id per table) and progress counters;
            // the first table's counters are the run's.
            // The state journal's first start (its tables, its recovery) takes a good part of a
            // core for a moment. Before a snapshot (no data file yet) it is started once the copy is
            // under way, where it overlaps the server's work instead of the connections'; otherwise
            // it recovers while the connections are established.
            // The journal actor stops when the store fails it; its supervisor starts it again with
            // backoff, answering StateStoreUnavailable meanwhile. Before streaming a failure ends the
            // run (StateActor.Stopped); while streaming it is ridden out: the stream stops
            // acknowledging and starts again from what the store recorded once it answers.
            var runs = new List<TableRun>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in options.Tables)
            {
                var tableOptions = options.ForTable(name, slotName);
                if (!keys.Add(tableOptions.TableKey))
                {
                    throw new LreplException($"table {tableOptions.TableKey} is named twice");
                }

                var index = runs.Count;
                var suffix = index == 0 ? "" : "-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // Under --all-tables a table may join later: each has counters of its own from the start.
                var tableProgress = options.Tables.Count == 1 && !options.AllTables ? progress : new LreplProgress();
                var journal = LsnAckActor.Props(dir.PersistenceId(tableOptions.StateId ?? "lrepl-" + tableOptions.Table), tableOptions.StateSnapshotEvery, tableProgress);

                // The table's pipeline owns its journal (made on the first message for it) and,
                // once the state is known, its sink; it is the one address of both.
                var pipeline = Start(PipelineProps(journal), "table" + suffix);
                var ack = new StateActor(pipeline, tableProgress, cancellationToken);

                // The change stream keeps no file: its state alone says how far the application got.
                runs.Add(new TableRun(index, suffix, tableOptions, tableProgress, ack) { HasDataFile = tableOptions.WritesDataFile && File.Exists(tableOptions.DataPath) });
            }

            var owned = dir.OwnsSlot(slotName);
            foreach (var run in runs)
            {
                if (run.HasDataFile || owned)
                {
                    run.Ack.EnsureStarted();
                }
            }

            var normalSettings = Resolve(options, null);
            var replicationSettings = Resolve(options, "database");
            var stateStoreTask = CheckStateStoreAsync(system, options, cancellationToken);
            var clientTask = ConnectAsync(system, normalSettings, options, cancellationToken, early?.Normal);
            var replTask = ConnectAsync(system, replicationSettings, options, cancellationToken, early?.Replication);

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
            BinaryStreaming? binary;
            await using (var client = await DisposeOnFailure(clientTask, identifiedTask).ConfigureAwait(false))
            {
                // Nothing (a publication, a slot) is created before the state store has answered.
                await DisposeOnFailure(Then(stateStoreTask, true), identifiedTask).ConfigureAwait(false);
                SlotInfo? slot = null;
                foreach (var run in runs)
                {
                    (run.Table, var tableSlot) = await DisposeOnFailure(CheckAsync(client, run.Options, dir, cancellationToken), identifiedTask).ConfigureAwait(false);
                    slot ??= tableSlot;
                }

                var slotExists = slot is not null;
                await using var repl = await identifiedTask.ConfigureAwait(false);

                foreach (var run in runs)
                {
                    await RemoveUnrecordedCopyAsync(run, dir, log).ConfigureAwait(false);
                }

                var first = runs[0];
                if (slotExists && !owned && dir.LegacyState && first.HasDataFile && (await first.Ack.Recovered.ConfigureAwait(false)).SnapshotDone)
                {
                    // A config dir from before dirs recorded their slots: its finished snapshot was
                    // made from this slot.
                    dir.RecordSlot(slotName);
                    owned = true;
                }

                if (slotExists && !owned)
                {
                    throw NotOwnSlot(first.Options, slot!);
                }

                // Neither a slot of its own nor a data file: a first run, or one stopped before its
                // snapshot created anything. The snapshot starts while the state journal is still
                // recovering; the state is checked before the snapshot is recorded (SnapshotAsync).
                foreach (var run in runs)
                {
                    run.Fresh = !owned && !run.HasDataFile;
                    run.State = run.Fresh ? new LreplState() : await run.Ack.Recovered.ConfigureAwait(false);
                }

                var previous = dir.TablesOf(slotName);
                if (!slotExists || !runs.Any(r => r.State.SnapshotDone))
                {
                    // The first run (or one whose snapshot did not finish): every table is copied
                    // under the one snapshot of a new slot.
                    foreach (var run in runs)
                    {
                        if (run.State.SnapshotDone)
                        {
                            throw MissingSlot(run.Options, run.State);
                        }

                        if (run.HasDataFile && !owned)
                        {
                            throw new LreplException($"{run.Options.DataPath} exists, but this config dir has no replication state for it (dropped with --drop, or made elsewhere); move it away, and the next run starts over with a new snapshot");
                        }
                    }

                    if (slotExists)
                    {
                        // Left by this dir's own run that did not finish its snapshot.
                        await DropOwnSlotAsync(client, first.Options, log, cancellationToken).ConfigureAwait(false);
                    }

                    foreach (var run in runs)
                    {
                        await PrepareTableSnapshotAsync(client, run, dir, cancellationToken).ConfigureAwait(false);
                    }

                    // The stream's transfer format is settled on the check connection while the slot is
                    // created; then that connection imports the slot's snapshot and runs the (first) COPY.
                    var binaryTask = BinaryStreamingAsync(client, options, [.. runs.Select(r => r.Table)], log, cancellationToken);
                    var lead = Then(binaryTask, client);
                    try
                    {
                        // A failed snapshot's slot and files are gone: a new slot gives a new snapshot.
                        await RetakingAsync(() => SnapshotAsync(system, repl, normalSettings, lead, options, slotName, dir, runs, progress, log, cancellationToken), "taking a new snapshot", log).ConfigureAwait(false);
                    }
                    finally
                    {
                        await Quietly(binaryTask).ConfigureAwait(false);
                    }

                    binary = await binaryTask.ConfigureAwait(false);
                }
                else
                {
                    var sync = new List<TableRun>();
                    foreach (var run in runs)
                    {
                        if (!run.State.SnapshotDone)
                        {
                            if (run.HasDataFile)
                            {
                                throw new LreplException($"{run.Options.DataPath} exists, but this config dir has no replication state for it (dropped with --drop, or made elsewhere); move it away, and the next run starts over with a new snapshot");
                            }

                            sync.Add(run);
                            continue;
                        }

                        if (previous is not null && !previous.Any(t => LreplOptions.KeyOf(t) == run.Options.TableKey) && slot!.ConfirmedFlush > new Lsn(run.State.EndLsn))
                        {
                            // Left out of the last run while the slot moved on: the changes in
                            // between were never kept, so the table is copied again.
                            SetAside(run, log);
                            sync.Add(run);
                            continue;
                        }

                        CheckSlotPosition(run.Options, dir, slot!, run.State, log);
                        var dataPath = run.Options.DataPath;
                        var length = !run.Options.WritesDataFile ? run.State.FileOffset : run.HasDataFile ? new FileInfo(dataPath).Length : 0;
                        if (length < run.State.FileOffset)
                        {
                            throw new LreplException($"{dataPath} is {length} bytes but {run.State.FileOffset} bytes were recorded as durable; remove {options.StatePath} to start over");
                        }

                        if (length > run.State.FileOffset)
                        {
                            // The file sink repairs itself as it starts: it cuts the file back to the recorded offset.
                            log.WriteLine($"lrepl: cutting {length - run.State.FileOffset} bytes of unacknowledged tail from {dataPath}");
                        }

                        if (run.Options.Sink == LreplSink.Iceberg)
                        {
                            // The catalog and the table are checked before the slot is used.
                            run.Iceberg = await PrepareIcebergAsync(client, run.Options, dir, run.Table, run.State, cancellationToken).ConfigureAwait(false);
                        }

                        run.Csv = run.Options.WritesDataFile ? ResumeFormat(run.Options) : null;
                        run.Progress.SnapshotRows = run.State.SnapshotRows;
                        if (run.Progress != progress)
                        {
                            progress.SnapshotRows += run.State.SnapshotRows;
                        }
                        log.WriteLine(run.Iceberg is not null
                            ? $"lrepl: resuming {run.Options.Table} from {new Lsn(run.State.CommitLsn)} (Iceberg table {run.Iceberg.Ident})"
                            : $"lrepl: resuming {run.Options.Table} from {new Lsn(run.State.CommitLsn)} ({run.State.FileOffset} bytes durable)");
                    }

                    foreach (var run in sync)
                    {
                        await PrepareTableSnapshotAsync(client, run, dir, cancellationToken).ConfigureAwait(false);
                        await RetakingAsync(() => SyncTableAsync(system, repl, normalSettings, client, slotName, dir, run, log, cancellationToken), "copying it again", log).ConfigureAwait(false);

                        if (run.Progress != progress)
                        {
                            progress.SnapshotRows += run.Progress.SnapshotRows;
                        }
                    }

                    binary = await BinaryStreamingAsync(client, options, [.. runs.Select(r => r.Table)], log, cancellationToken).ConfigureAwait(false);
                }

                // A text stream types the values of enums, domains and arrays from the catalog too (a binary one has it).
                foreach (var run in runs)
                {
                    if (binary is null && run.Iceberg is null && JsonLineFormat.OfRecorded(run.State.JsonFormat) >= JsonLineFormat.V2)
                    {
                        run.Types = await JsonValueType.LoadCatalogAsync(client, run.Table.Oid, cancellationToken).ConfigureAwait(false);
                    }
                }

                // What this slot's runs follow: a table left out and later named again is copied again.
                dir.RecordTables(slotName, runs.Select(r => r.Options.Table));
            }

            progress.SetDurable(new Lsn(runs.Min(r => r.State.CommitLsn)));
            var routes = new List<StreamSinkRoute>();
            var spillDirectory = Path.Combine(options.ConfigDir, "spill", slotName);

            // JSON data files take a large transaction's changes as they arrive (encoded before the commit).
            var streamedParts = options.Changes is null && runs.All(r => r.Iceberg is null && r.Csv is null);
            foreach (var run in runs)
            {
                run.Progress.SetDurable(new Lsn(run.State.CommitLsn));
                var sinkProps = run.Iceberg is not null
                    ? await IcebergSinkPropsAsync(run.Options, run.Iceberg, run.Ack.Ref, run.State, run.Progress, log, cancellationToken).ConfigureAwait(false)
                    : options.Changes is { } changes
                        ? StreamSinkActor.Props(changes, new Lsn(run.State.CommitLsn), run.Ack.Ref)
                        : FileSinkActor.Props(run.Options.DataPath, new Lsn(run.State.CommitLsn), run.State.FileOffset, run.Ack.Ref, run.Csv, spillDirectory, options.SpillThreshold);
                run.Ack.Ref.Tell(new TablePipelineActor.StartSink(sinkProps));
                routes.Add(new StreamSinkRoute(run.Ack.Ref, run.Ack.Ref, run.Progress));
            }

            // A pipeline stops when its sink cannot go on.
            var sinkStopped = Task.WhenAny(runs.Select(r => r.Ack.Ref.WatchAsync(CancellationToken.None)));
            // A table added to the publication while the stream runs joins it without stopping it:
            // it is copied under a temporary slot while its changes are kept back (see TableAdditions).
            var added = System.Threading.Channels.Channel.CreateUnbounded<TableAddition>();
            var additions = options.AllTables && options.Changes is null
                ? new TableAdditions(runs.Count, options.Format == LreplFormat.Csv ? JsonLineFormat.V1 : SnapshotCopyOptions.Default.JsonFormat)
                {
                    Started = a => added.Writer.TryWrite(a),
                    GivenUp = a =>
                    {
                        log.WriteLine($"lrepl: more than {options.AdditionHoldBytes} bytes of changes of {TableName(a.Schema, a.Table)} were kept back while it is copied");
                        progress.NewTableSeen(a.Schema + "." + a.Table);
                    },
                }
                : null;
            var target = new StreamTarget(runs[0].Table.Schema, runs[0].Table.Name, slotName, options.Publication)
            {
                Additions = additions,
                AdditionHoldBytes = options.AdditionHoldBytes,
                Tables = runs.Count == 1 ? null : [.. runs.Select(r => new StreamTable(r.Table.Schema, r.Table.Name, JsonLineFormat.OfRecorded(r.State.JsonFormat), r.Types))],
                ProtocolVersion = options.ProtocolVersion,
                ReceiveTimeout = options.ReceiveTimeout,
                SpillDirectory = spillDirectory,
                StreamedParts = streamedParts,
                SpillThreshold = options.SpillThreshold,
                Binary = binary,
                JsonFormat = JsonLineFormat.OfRecorded(runs[0].State.JsonFormat),
                Types = runs[0].Types,
                OnUnknownTable = options.AllTables ? progress.NewTableSeen : null,
            };
            var streamProps = ReplicationStreamActor.Props(replicationSettings, target, routes, progress, options.ConnectionOptions);
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
            var fatal = Task.WhenAny(runs.Select(r => r.Progress.Fatal).Append(progress.Fatal));
            var lastReport = DateTime.UtcNow;
            var newTable = options.AllTables ? progress.NewTable : new TaskCompletionSource<string>().Task;
            var restart = false;
            var lastLines = new Dictionary<TableRun, string>();
            using var addCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var adding = new List<(TableAddition Added, Task<TableRun?> Task)>();
            var nextAdded = added.Reader.ReadAsync(CancellationToken.None).AsTask();
            var live = new LiveAdd(system, options, slotName, dir, normalSettings, replicationSettings, log, [.. runs.Select(r => r.Options.Table)], Start);
            try
            {
                while (true)
                {
                    var tick = Task.Delay(options.ProgressInterval - (DateTime.UtcNow - lastReport) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, CancellationToken.None);
                    await Task.WhenAny(adding.Select(a => (Task)a.Task).Concat([fatal, sinkStopped, stopped.Task, streamingStarted ?? never, newTable, nextAdded, tick])).ConfigureAwait(false);

                    if (runs.Select(r => r.Progress.FatalError).Prepend(progress.FatalError).FirstOrDefault(e => e is not null) is { } error)
                    {
                        throw new LreplException($"{error}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                    }

                    if (sinkStopped.IsCompleted)
                    {
                        // Without it nothing more can become durable: stop with the reason. The next
                        // run cuts the file back to the last recorded position and goes on from there.
                        var lastError = runs.Select(r => r.Progress.LastError).FirstOrDefault(e => e is not null);
                        throw new LreplException($"the sink stopped: {lastError ?? "see the log"}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                    }

                    if (options.Abort.IsCancellationRequested)
                    {
                        return false;
                    }

                    if (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    if (nextAdded.IsCompleted)
                    {
                        var addition = await nextAdded.ConfigureAwait(false);
                        nextAdded = added.Reader.ReadAsync(CancellationToken.None).AsTask();
                        log.WriteLine($"lrepl: table {addition.Schema}.{addition.Table} was added to publication {options.Publication}: copying it while the other tables stream on");
                        adding.Add((addition, live.CopyAndJoinAsync(addition, live.Prepare(addition, cancellationToken), supervisor, addCancel.Token)));
                    }

                    if (adding.Find(a => a.Task.IsCompleted) is { Task: not null } done)
                    {
                        adding.Remove(done);
                        TableRun? joined = null;
                        try
                        {
                            joined = await done.Task.ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            // A stop cancels it: nothing to say then.
                            if (!cancellationToken.IsCancellationRequested)
                            {
                                log.WriteLine($"lrepl: copying {TableName(done.Added.Schema, done.Added.Table)} while streaming failed: {ex.Message}");
                            }
                        }

                        if (joined is null)
                        {
                            if (!cancellationToken.IsCancellationRequested)
                            {
                                // Copied when the run starts again, as a table new to the slot.
                                log.WriteLine($"lrepl: starting again to copy {TableName(done.Added.Schema, done.Added.Table)}");
                                restart = true;
                                break;
                            }
                        }
                        else
                        {
                            runs.Add(joined);
                            progress.SnapshotRows += joined.Progress.SnapshotRows;
                            sinkStopped = Task.WhenAny(runs.Select(r => r.Ack.Ref.WatchAsync(CancellationToken.None)));
                            fatal = Task.WhenAny(runs.Select(r => r.Progress.Fatal).Append(progress.Fatal));
                            log.WriteLine($"lrepl: {joined.Options.Table} joined the stream from {new Lsn(joined.State.EndLsn)}");
                        }
                    }

                    if (newTable.IsCompleted)
                    {
                        // A table that cannot join the running stream (see TableAdditions): stopped as
                        // for a stop request; the next start copies the new table under a temporary
                        // slot while the others go on from their recorded positions.
                        log.WriteLine($"lrepl: table {newTable.Result} was added to publication {options.Publication}: starting again to copy it");
                        restart = true;
                        break;
                    }

                    if (streamingStarted is { IsCompleted: true })
                    {
                        streamingStarted = null;
                        options.OnStreaming?.Invoke();
                    }

                    // A line per table when something changed, at most one per interval.
                    if (DateTime.UtcNow - lastReport >= options.ProgressInterval)
                    {
                        lastReport = DateTime.UtcNow;
                        foreach (var run in runs)
                        {
                            var p = run.Progress;
                            var line = $"lrepl: {run.Options.Table}: snapshot rows {p.SnapshotRows}, changes streamed {p.Changes}, lag {p.LagBytes} bytes / {p.Lag.TotalSeconds:0.0} s, last durable LSN {p.DurableLsn}{NotStreaming(progress, p)}";
                            if (!lastLines.TryGetValue(run, out var last) || line != last)
                            {
                                lastLines[run] = line;
                                log.WriteLine(line);
                            }
                        }
                    }
                }
            }
            finally
            {
                // A copy under way is given up (its temporary slot dropped, its file removed): the next
                // run copies the table again. One already recorded joins that run from its copy.
                await addCancel.CancelAsync().ConfigureAwait(false);
                if (!options.Abort.IsCancellationRequested)
                {
                    foreach (var (_, task) in adding)
                    {
                        await Quietly(task).ConfigureAwait(false);
                    }
                }
            }

            await StopStreamAsync(system, supervisor).ConfigureAwait(false);
            await Task.WhenAll(runs.Select(r => r.Ack.Ref.Ask<SinkPosition>(GetSinkPosition.Instance, TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
            // A state store that is away answers StateStoreUnavailable, or nothing while its
            // journal retries: the position last recorded stands. The tables are asked together.
            var finals = await Task.WhenAll(runs.Select(async run =>
            {
                try
                {
                    return await run.Ack.Ref.Ask<object>(GetLreplState.Instance, TimeSpan.FromSeconds(2)).ConfigureAwait(false) as LreplState;
                }
                catch (AskTimeoutException)
                {
                    return null;
                }
            })).ConfigureAwait(false);
            foreach (var (run, final) in runs.Zip(finals))
            {
                if (final is not null)
                {
                    run.Progress.SetDurable(new Lsn(final.CommitLsn));
                    run.State = final;
                }
            }

            progress.SetDurable(new Lsn(runs.Min(r => r.State.CommitLsn)));
            foreach (var run in runs)
            {
                log.WriteLine($"lrepl: {run.Options.Table}: stopped; snapshot rows {run.Progress.SnapshotRows}, changes streamed {run.Progress.Changes}, last durable LSN {run.Progress.DurableLsn}");
            }

            return restart;
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

    /// <summary>How many times a snapshot that a TRUNCATE or table rewrite made worthless is taken before the run gives up.</summary>
    private const int MaxSnapshotAttempts = 5;

    /// <summary>Runs a snapshot or table copy again while it fails in a way a new snapshot cures (<see cref="LreplException.RetakeSnapshot"/>).</summary>
    private static async Task RetakingAsync(Func<Task> copy, string retry, TextWriter log)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await copy().ConfigureAwait(false);
                return;
            }
            catch (LreplException ex) when (ex.RetakeSnapshot && attempt < MaxSnapshotAttempts)
            {
                log.WriteLine($"lrepl: {ex.Message}; {retry} (attempt {attempt + 1} of {MaxSnapshotAttempts})");
            }
        }
    }

    /// <summary>The run's slot: --slot, else the slot an earlier run of any of these tables used, else one named after the first table.</summary>
    private static string SlotFor(LreplOptions options, LreplConfigDir dir) =>
        options.Slot ?? options.Tables.Select(dir.SlotOf).FirstOrDefault(s => s is not null) ?? options.SlotName;

    /// <summary>One table of a run: its options (file, state id), progress, state journal, and what the start found and made.</summary>
    private sealed class TableRun(int index, string suffix, LreplOptions options, LreplProgress progress, StateActor ack)
    {
        public int Index { get; } = index;

        /// <summary>Tells its actors' names apart from the other tables' ("" for the first).</summary>
        public string Suffix { get; } = suffix;
        public LreplOptions Options { get; } = options;
        public LreplProgress Progress { get; } = progress;
        public StateActor Ack { get; } = ack;
        public bool HasDataFile { get; set; }

        /// <summary>Neither the slot nor a data file existed: the state journal may still be recovering while the snapshot runs.</summary>
        public bool Fresh { get; set; }
        public TableInfo Table { get; set; } = null!;
        public LreplState State { get; set; } = new();
        public IcebergTarget? Iceberg { get; set; }
        public CsvLineEncoder? Csv { get; set; }
        public IPgTypeCatalog? Types { get; set; }
    }

    /// <summary>Before a table's snapshot: what an unfinished one recorded is reset, the Iceberg table checked, the CSV header fixed.</summary>
    private static async Task PrepareTableSnapshotAsync(PgClient client, TableRun run, LreplConfigDir dir, CancellationToken ct)
    {
        if (!run.Fresh && (run.State.FileOffset != 0 || run.State.CommitLsn != 0 || run.State.SnapshotDone))
        {
            run.State = (await AskStateAsync<Persisted>(run.Ack.Ref, ResetLreplState.Instance, run.Ack.Stopped, run.Progress, ct).ConfigureAwait(false)).State;
        }

        if (run.Options.Sink == LreplSink.Iceberg)
        {
            // The catalog and the table are checked before a slot is created or used.
            run.Iceberg = await PrepareIcebergAsync(client, run.Options, dir, run.Table, null, ct).ConfigureAwait(false);
        }

        if (run.Options.Format == LreplFormat.Csv)
        {
            run.Csv = new CsvLineEncoder([.. run.Table.PublishedColumns ?? []]);
        }
    }

    /// <summary>
    /// A table left out of the last run of its slot, named again after the slot moved on: its data
    /// file is renamed aside (never removed) before the table is copied again.
    /// </summary>
    private static void SetAside(TableRun run, TextWriter log)
    {
        log.WriteLine($"lrepl: {run.Options.Table} was left out of this slot's last run, which moved on past its last recorded position {new Lsn(run.State.EndLsn)}: it is copied again");
        if (!run.HasDataFile)
        {
            return;
        }

        var path = run.Options.DataPath;
        var aside = path + ".replaced-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            File.Move(path, aside);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LreplException($"cannot rename {path} aside to {aside}: {LreplConfigDir.Reason(ex)}", ex);
        }

        run.HasDataFile = false;
        log.WriteLine($"lrepl: renamed {path} to {aside}");
    }

    /// <summary>Nothing while streaming; otherwise since when and why, for the progress line.</summary>
    private static string NotStreaming(LreplProgress progress, LreplProgress table) => progress.Streaming
        ? ""
        : (table.StateStoreDownSince ?? progress.StateStoreDownSince) is { } down
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

    private static async Task<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, LreplOptions options, CancellationToken cancellationToken, EarlyConnection? early = null)
    {
        try
        {
            return await PgClient.ConnectAsync(system, settings, options.ConnectionOptions, cancellationToken, early).ConfigureAwait(false);
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
    /// A table's pipeline as the address of its state journal, which the pipeline makes on the
    /// first message for it: the watch and the first answer (the recovered state) are taken then.
    /// </summary>
    private sealed class StateActor(IActorRef pipeline, LreplProgress progress, CancellationToken ct)
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
                _ref = pipeline;
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
