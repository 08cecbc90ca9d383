using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
using Akka.Persistence.Sql;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>What to replicate and where.</summary>
/// <param name="Connection">libpq keywords (host, port, user, password, dbname, ...).</param>
/// <param name="Environment">Where PGPASSWORD, ~/.pgpass and the like come from; the process environment when null.</param>
public sealed record LreplOptions(IReadOnlyDictionary<string, string?> Connection, string Table, string Publication, string ConfigDir)
{
    public ISettingsEnvironment? Environment { get; init; }

    public string? Slot { get; init; }
    public bool CreatePublication { get; init; }

    /// <summary>How the data file is written: JSON lines (the default) or CSV with a header.</summary>
    public LreplFormat Format { get; init; } = LreplFormat.JsonLines;
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>linq2db provider name of the state journal (Akka.Persistence.Sql), e.g. "SQLite.MS" or "PostgreSQL.15".</summary>
    public string StateProvider { get; init; } = "SQLite.MS";

    /// <summary>Connection string of the state journal; null means SQLite at <see cref="StatePath"/>.</summary>
    public string? StateConnectionString { get; init; }

    /// <summary>Journal persistence id; null means "lrepl-" + table.</summary>
    public string? StateId { get; init; }

    /// <summary>A journal snapshot is saved (and older events deleted) after this many persisted positions.</summary>
    public int StateSnapshotEvery { get; init; } = 100;
    public TextWriter? Log { get; init; }

    /// <summary>pgoutput protocol version (1 to 4); null picks the highest the server speaks.</summary>
    public int? ProtocolVersion { get; init; }

    /// <summary>
    /// Binary transfer of column values (pgoutput <c>binary</c>, PostgreSQL 14 and later) when every
    /// column type of the table has a binary form decoded here; the data file is the same either way.
    /// </summary>
    public bool Binary { get; init; } = true;

    /// <summary>Bytes of one transaction held in memory before it spills under <see cref="SpillDirectory"/>.</summary>
    public int SpillThreshold { get; init; } = 16 << 20;

    public string SpillDirectory => Path.Combine(ConfigDir, "spill", SlotName);

    /// <summary>Called once streaming has started (tests use it to begin a workload).</summary>
    public Action? OnStreaming { get; init; }

    /// <summary>When signalled, the actor system is torn down at once with no drain (crash tests).</summary>
    internal CancellationToken Abort { get; init; }

    public string SlotName => Slot ?? SanitizeSlot(PlainTableName) + "_slot";
    public string DataPath => Path.Combine(ConfigDir, PlainTableName.Replace('/', '_') + ".data");

    /// <summary>
    /// The table name as PostgreSQL reads it, without quotes: unquoted parts folded to lower case,
    /// quoted parts kept as written (<c>"Mixed Case"</c> gives <c>Mixed Case</c>, <c>Sales.Orders</c>
    /// gives <c>sales.orders</c>).
    /// </summary>
    public string PlainTableName
    {
        get
        {
            var sb = new StringBuilder(Table.Length);
            var quoted = false;
            for (var i = 0; i < Table.Length; i++)
            {
                var c = Table[i];
                if (c == '"')
                {
                    if (quoted && i + 1 < Table.Length && Table[i + 1] == '"')
                    {
                        sb.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = !quoted;
                    }
                }
                else
                {
                    sb.Append(quoted ? c : char.ToLowerInvariant(c));
                }
            }

            return sb.ToString();
        }
    }
    public string StatePath => Path.Combine(ConfigDir, "lrepl-state.db");

    /// <summary>Where a standalone run (<see cref="LreplRunner.RunAsync"/>) writes Akka's log.</summary>
    public string LogPath => Path.Combine(ConfigDir, "lrepl.log");

    private static string SanitizeSlot(string table)
    {
        var sb = new StringBuilder(table.Length);
        foreach (var c in table.ToLowerInvariant())
        {
            sb.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        return sb.ToString();
    }
}

/// <summary>The data file's format.</summary>
public enum LreplFormat
{
    /// <summary>One JSON object per line: op, lsn, xid, commit_ts, key, before, after.</summary>
    JsonLines,

    /// <summary>RFC 4180 CSV: a header, then op, lsn and the table's columns in text format (see <see cref="CsvLineEncoder"/>).</summary>
    Csv,
}

/// <summary>
/// Runs one table's logical replication into a JSON lines file: checks, consistent snapshot on the
/// first run, then streaming until cancelled, with the durable position persisted after every fsync.
/// </summary>
public static class LreplRunner
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
    /// Tears down what this config dir's replication of <see cref="LreplOptions.Table"/> holds: the
    /// slot it created, the publication a run created (once no slot of the dir is left), and its
    /// replicated state; the data file stays. Each thing dropped or left is one line on
    /// <see cref="LreplOptions.Log"/>. A slot another dir or tool created is never dropped.
    /// </summary>
    public static async Task DropAsync(LreplOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.ConfigDir))
        {
            throw new LreplException($"config dir {options.ConfigDir} does not exist; there is nothing to drop");
        }

        var log = options.Log ?? TextWriter.Null;
        using var dir = LreplConfigDir.Open(options.ConfigDir, options.DataPath);
        var system = CreateSystem(options);
        try
        {
            await using (var client = await ConnectAsync(system, Resolve(options, null), cancellationToken).ConfigureAwait(false))
            {
                var slot = options.SlotName;
                var exists = (await QueryAsync(client, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", [slot], cancellationToken).ConfigureAwait(false))[0][0] != "0";
                if (dir.OwnsSlot(slot))
                {
                    if (exists)
                    {
                        await DropOwnSlotAsync(client, options, log, cancellationToken, unfinished: false).ConfigureAwait(false);
                    }
                    else
                    {
                        log.WriteLine($"lrepl: replication slot {slot} no longer exists");
                    }

                    dir.ForgetSlot(slot);
                }
                else if (exists)
                {
                    log.WriteLine($"lrepl: replication slot {slot} exists but was not created by config dir {options.ConfigDir}: left alone");
                }
                else
                {
                    log.WriteLine($"lrepl: config dir {options.ConfigDir} has no replication slot {slot}");
                }

                foreach (var publication in dir.Publications.ToList())
                {
                    if (dir.Slots.Count > 0)
                    {
                        log.WriteLine($"lrepl: kept publication {publication}: this config dir still has slot {string.Join(", ", dir.Slots)}");
                        continue;
                    }

                    var pubExists = (await QueryAsync(client, "SELECT count(*) FROM pg_publication WHERE pubname = $1", [publication], cancellationToken).ConfigureAwait(false))[0][0] != "0";
                    if (pubExists)
                    {
                        await QueryAsync(client, "DROP PUBLICATION " + ReplicationCommands.QuoteIdentifier(publication), null, cancellationToken).ConfigureAwait(false);
                        log.WriteLine($"lrepl: dropped publication {publication} (created by --create-publication)");
                    }

                    dir.ForgetPublication(publication);
                }
            }

            var eraser = system.ActorOf(LsnAckActor.Props(dir.PersistenceId(options.StateId ?? "lrepl-" + options.Table)), "lrepl-erase");
            var stopped = eraser.WatchAsync(CancellationToken.None);
            var erase = eraser.Ask<object>(EraseLreplState.Instance, TimeSpan.FromSeconds(30), cancellationToken);
            if (await Task.WhenAny(erase, stopped).ConfigureAwait(false) != erase || await erase.ConfigureAwait(false) is Status.Failure)
            {
                throw new LreplException($"the replication state of {options.Table} could not be dropped (see {options.LogPath}); the slot is gone, so the next run starts over");
            }

            try
            {
                if (Directory.Exists(options.SpillDirectory))
                {
                    Directory.Delete(options.SpillDirectory, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"lrepl: could not remove {options.SpillDirectory}: {LreplConfigDir.Reason(ex)}");
            }

            log.WriteLine($"lrepl: dropped the replication state of {options.Table} in {options.ConfigDir}");
            if (File.Exists(options.DataPath))
            {
                log.WriteLine($"lrepl: kept {options.DataPath}; move it away before the next run, which starts over with a new snapshot");
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>An actor system of its own for a standalone run: the state journal, and Akka's log in <c>lrepl.log</c>.</summary>
    private static ActorSystem CreateSystem(LreplOptions options)
    {
        // Akka's own log (warnings and errors, with stack traces) goes to <config-dir>/lrepl.log.
        var own = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            pgwire.lrepl.log-file = {{Hocon(options.LogPath)}}
            """);
        return ActorSystem.Create("lrepl", own.WithFallback(PersistenceConfig(options)));
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
            var ack = new StateActor(() => Start(LsnAckActor.Props(dir.PersistenceId(options.StateId ?? "lrepl-" + options.Table), options.StateSnapshotEvery, progress), "lsn"), progress, cancellationToken);
            var hasDataFile = File.Exists(options.DataPath);
            var owned = dir.OwnsSlot(options.SlotName);
            if (hasDataFile || owned)
            {
                ack.EnsureStarted();
            }

            var normalSettings = Resolve(options, null);
            var replicationSettings = Resolve(options, "database");
            var clientTask = ConnectAsync(system, normalSettings, cancellationToken);
            var replTask = ConnectAsync(system, replicationSettings, cancellationToken);

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
            await using (var client = await DisposeOnFailure(clientTask, identifiedTask).ConfigureAwait(false))
            {
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

                    Func<IActorRef> snapshotAck = () => ack.Ref;
                    if (options.Format == LreplFormat.Csv)
                    {
                        var encoder = csv = new CsvLineEncoder([.. table.PublishedColumns ?? []]);
                        snapshotAck = () => Start(CsvSnapshotActor.Props(options.DataPath, encoder, ack.Ref), "csv-snapshot");
                    }

                    // The stream's transfer format is settled on the check connection while the slot is
                    // created; then that connection imports the slot's snapshot and runs the (first) COPY.
                    var binaryTask = BinaryStreamingAsync(client, options, table, log, cancellationToken);
                    var lead = Then(binaryTask, client);
                    try
                    {
                        state = await SnapshotAsync(system, repl, normalSettings, lead, options, dir, table, ack, snapshotAck, fresh, progress, log, cancellationToken).ConfigureAwait(false);
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

                    var length = hasDataFile ? new FileInfo(options.DataPath).Length : 0;
                    if (length < state.FileOffset)
                    {
                        throw new LreplException($"{options.DataPath} is {length} bytes but {state.FileOffset} bytes were recorded as durable; remove {options.StatePath} to start over");
                    }

                    if (length > state.FileOffset)
                    {
                        log.WriteLine($"lrepl: cutting {length - state.FileOffset} bytes of unacknowledged tail from {options.DataPath}");
                        using var f = new FileStream(options.DataPath, FileMode.Open, FileAccess.Write);
                        f.SetLength(state.FileOffset);
                        f.Flush(flushToDisk: true);
                    }

                    csv = ResumeFormat(options);
                    binary = await BinaryStreamingAsync(client, options, table, log, cancellationToken).ConfigureAwait(false);
                    progress.SnapshotRows = state.SnapshotRows;
                    log.WriteLine($"lrepl: resuming {options.Table} from {new Lsn(state.CommitLsn)} ({state.FileOffset} bytes durable)");
                }

                // A text stream types the values of enums, domains and arrays from the catalog too (a binary one has it).
                if (binary is null && JsonLineFormat.OfRecorded(state.JsonFormat) >= JsonLineFormat.V2)
                {
                    types = await JsonValueType.LoadCatalogAsync(client, table.Oid, cancellationToken).ConfigureAwait(false);
                }
            }

            progress.SetDurable(new Lsn(state.CommitLsn));
            var sink = Start(FileSinkActor.Props(options.DataPath, new Lsn(state.CommitLsn), state.FileOffset, ack.Ref, csv), "sink");
            var sinkStopped = sink.WatchAsync(CancellationToken.None);
            var target = new StreamTarget(table.Schema, table.Name, options.SlotName, options.Publication)
            {
                ProtocolVersion = options.ProtocolVersion,
                SpillDirectory = options.SpillDirectory,
                SpillThreshold = options.SpillThreshold,
                SinkAcceptsParts = true,
                Binary = binary,
                JsonFormat = JsonLineFormat.OfRecorded(state.JsonFormat),
                Types = types,
            };
            var streamProps = ReplicationStreamActor.Props(replicationSettings, target, sink, ack.Ref, progress);
            var supervisor = Start(
                BackoffSupervisor.Props(Backoff.OnFailure(streamProps, "stream", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.2, -1)),
                "stream-supervisor");

            var notified = false;
            var lastReport = DateTime.UtcNow;
            string? lastLine = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (progress.FatalError is { } fatal)
                {
                    throw new LreplException($"{fatal}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                }

                if (ack.Stopped.IsCompleted || sinkStopped.IsCompleted)
                {
                    // Without them nothing more can become durable: stop with the reason. The next
                    // run cuts the file back to the last recorded position and goes on from there.
                    throw new LreplException($"{(ack.Stopped.IsCompleted ? "the state journal" : "the file sink")} stopped: {progress.LastError ?? "see the log"}; the last durable LSN is {progress.DurableLsn}, and the next run continues from there");
                }

                if (options.Abort.IsCancellationRequested)
                {
                    return progress;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (!notified && progress.Streaming)
                {
                    notified = true;
                    options.OnStreaming?.Invoke();
                }

                // A line when something changed, at most one per interval.
                if (DateTime.UtcNow - lastReport >= options.ProgressInterval)
                {
                    var line = $"lrepl: {options.Table}: snapshot rows {progress.SnapshotRows}, changes streamed {progress.Changes}, lag {progress.LagBytes} bytes / {progress.Lag.TotalSeconds:0.0} s, last durable LSN {progress.DurableLsn}{(progress.Streaming ? "" : ", not streaming: " + progress.LastError)}";
                    if (line != lastLine)
                    {
                        lastReport = DateTime.UtcNow;
                        lastLine = line;
                        log.WriteLine(line);
                    }
                }
            }

            await StopStreamAsync(system, supervisor).ConfigureAwait(false);
            await sink.Ask<SinkPosition>(GetSinkPosition.Instance, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            var final = await ack.Ref.Ask<LreplState>(GetLreplState.Instance, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            progress.SetDurable(new Lsn(final.CommitLsn));
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

    public static Config PersistenceConfig(string statePath) => PersistenceConfig("SQLite.MS", "Data Source=" + statePath);

    /// <summary>
    /// Akka.Persistence.Sql journal and snapshot store for the options' state provider, as the default
    /// plugins: what an actor system that runs <see cref="LreplExtensions.StartLogicalReplication"/> needs.
    /// </summary>
    public static Config PersistenceConfig(LreplOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PersistenceConfig(options.StateProvider, options.StateConnectionString ?? "Data Source=" + options.StatePath);
    }

    /// <summary>A HOCON quoted string holding <paramref name="value"/>.</summary>
    private static string Hocon(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static Config PersistenceConfig(string provider, string connectionString)
    {
        var cs = Hocon(connectionString);
        var pn = provider.Replace("\"", "", StringComparison.Ordinal);
        var hocon = $$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql {
              connection-string = {{cs}}
              provider-name = "{{pn}}"
              auto-initialize = on
            }
            akka.persistence.snapshot-store.sql {
              connection-string = {{cs}}
              provider-name = "{{pn}}"
              auto-initialize = on
            }
            """;
        return ConfigurationFactory.ParseString(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
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

    /// <param name="PublishedColumns">The columns the publication's changes carry, in table order: its column list (PostgreSQL 15 and later) without the generated columns pgoutput leaves out; null for a table without columns.</param>
    /// <param name="RowFilter">The publication's row filter for the table (PostgreSQL 15 and later), as SQL; null means every row.</param>
    internal sealed record TableInfo(string Schema, string Name, string Qualified, uint Oid, IReadOnlySet<string> KeyColumns, IReadOnlyList<string>? PublishedColumns = null, string? RowFilter = null);

    /// <summary>
    /// Run-time settings of every lrepl session, snapshot and stream alike: values are written in
    /// one form whatever the server's or role's defaults (timestamptz in UTC, ISO dates, shortest
    /// exact floats, hex bytea), and binary values are turned into exactly that text.
    /// </summary>
    internal static readonly KeyValuePair<string, string>[] SessionParameters =
    [
        new("DateStyle", "ISO, MDY"),
        new("IntervalStyle", "postgres"),
        new("TimeZone", "UTC"),
        new("extra_float_digits", "1"),
        new("bytea_output", "hex"),
    ];

    private static ConnectionSettings Resolve(LreplOptions options, string? replication)
    {
        var overrides = new Dictionary<string, string?>(options.Connection, StringComparer.Ordinal)
        {
            ["replication"] = replication,
        };
        try
        {
            return ConnectionSettings.Resolve(null, overrides, options.Environment).WithStartupParameters(SessionParameters);
        }
        catch (ConnectionSettingsException ex)
        {
            throw new LreplException(ex.Message, ex);
        }
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

    private static async Task<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await PgClient.ConnectAsync(system, settings, null, cancellationToken).ConfigureAwait(false);
        }
        catch (PgConnectionException ex)
        {
            throw new LreplException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Everything a run checks before it starts, read in one round trip: wal_level, the table, its
    /// replica identity columns, the publication and its membership, and whether the slot exists.
    /// One row per replica identity column (one row with a null column when there is none).
    /// </summary>
    /// <remarks>
    /// A partitioned table's changes are decoded under the name of the partition they land in
    /// unless the publication says publish_via_partition_root; only then do they reach this table's
    /// stream, so a partitioned table needs a publication that does. From PostgreSQL 15 on, the
    /// publication's column list and row filter for the table are read too: the snapshot copies
    /// what the stream will carry, as the server's own table synchronization does. Generated
    /// columns are left out the same way the stream leaves them out.
    /// </remarks>
    private static string CheckQuery(LreplOptions options, int serverVersion)
    {
        var publication = SqlLiteral(options.Publication);

        // The publication's entry for the table: its column list and row filter from 15 on.
        var entry = serverVersion >= 150000
            ? $"SELECT pt.attnames, pt.rowfilter FROM pg_publication_tables pt WHERE pt.pubname = {publication} AND pt.schemaname = n.nspname AND pt.tablename = c.relname"
            : "SELECT NULL::name[], NULL::text";

        // Generated columns are never published before 18; from 18 on, when the entry lists them.
        var generated = serverVersion switch
        {
            < 120000 => "",
            < 180000 => "AND a.attgenerated = ''",
            _ => "AND (a.attgenerated = '' OR a.attname = ANY (pt.attnames))",
        };
        return $"""
            SELECT current_setting('wal_level'), n.nspname, c.relname, c.oid::int8::text, c.relreplident::text,
                   (SELECT {(serverVersion >= 130000 ? "pubviaroot" : "false")} FROM pg_publication WHERE pubname = {publication}),
                   EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = {publication} AND schemaname = n.nspname AND tablename = c.relname),
                   EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = {SqlLiteral(options.SlotName)}),
                   k.attname, c.relkind::text,
                   (SELECT to_json(array_agg(a.attname ORDER BY a.attnum))::text FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      AND (pt.attnames IS NULL OR a.attname = ANY (pt.attnames)) {generated}),
                   pt.rowfilter,
                   (SELECT concat_ws('|', slot_type, coalesce(confirmed_flush_lsn::text, ''), coalesce(active_pid::text, ''), coalesce(plugin, ''), coalesce(database, ''))
                    FROM pg_replication_slots WHERE slot_name = {SqlLiteral(options.SlotName)})
            FROM (SELECT to_regclass({SqlLiteral(options.Table)})) r (oid)
            LEFT JOIN pg_class c ON c.oid = r.oid
            LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN LATERAL ({entry}) pt (attnames, rowfilter) ON true
            LEFT JOIN LATERAL (
                SELECT a.attname FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND (c.relreplident = 'f' OR a.attnum = ANY (
                      SELECT unnest(i.indkey) FROM pg_index i
                      WHERE i.indrelid = c.oid AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END))
            ) k ON true
            """;
    }

    /// <summary>A SQL string literal that reads the same whatever standard_conforming_strings is.</summary>
    private static string SqlLiteral(string value) =>
        "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task<(TableInfo Table, SlotInfo? Slot)> CheckAsync(PgClient client, LreplOptions options, LreplConfigDir dir, CancellationToken ct)
    {
        var serverVersion = client.Session.ServerVersionNumber;
        var rows = await QueryAsync(client, CheckQuery(options, serverVersion), null, ct).ConfigureAwait(false);
        var first = rows[0];
        var walLevel = first[0];
        if (walLevel != "logical")
        {
            throw new LreplException($"wal_level is '{walLevel}'; logical replication needs wal_level = logical (ALTER SYSTEM SET wal_level = logical, then restart the server)");
        }

        if (first[1] is null)
        {
            throw new LreplException($"table \"{options.Table}\" does not exist");
        }

        if (first[9] is not ("r" or "p"))
        {
            var kind = first[9] switch
            {
                "v" => "a view",
                "m" => "a materialized view",
                "f" => "a foreign table",
                "S" => "a sequence",
                "i" or "I" => "an index",
                _ => "not a table",
            };
            throw new LreplException($"\"{options.Table}\" is {kind}; logical replication publishes tables only");
        }

        var schema = first[1]!;
        var name = first[2]!;
        var oid = uint.Parse(first[3]!, System.Globalization.CultureInfo.InvariantCulture);
        var qualified = ReplicationCommands.QuoteIdentifier(schema) + "." + ReplicationCommands.QuoteIdentifier(name);
        var keys = rows.Where(r => r[8] is not null).Select(r => r[8]!).ToHashSet(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            throw new LreplException($"table {qualified} has no usable replica identity (add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL or USING INDEX)");
        }

        var partitioned = first[9] == "p";
        if (partitioned && serverVersion < 130000)
        {
            throw new LreplException($"table {qualified} is partitioned; publishing a partitioned table needs PostgreSQL 13 or later");
        }

        var publicationName = ReplicationCommands.QuoteIdentifier(options.Publication);
        var viaRoot = partitioned ? " WITH (publish_via_partition_root = true)" : "";
        // Column 5: null without the publication, else whether it publishes via partition roots.
        if (first[5] is null)
        {
            if (!options.CreatePublication)
            {
                throw new LreplException($"publication \"{options.Publication}\" does not exist (create it with CREATE PUBLICATION {publicationName} FOR TABLE {qualified}{viaRoot}, or pass --create-publication)");
            }

            // Recorded first, so that --drop in this dir knows the publication is its own.
            dir.RecordPublication(options.Publication);
            try
            {
                await QueryAsync(client, $"CREATE PUBLICATION {publicationName} FOR TABLE {qualified}{viaRoot}", null, ct).ConfigureAwait(false);
            }
            catch (LreplException)
            {
                dir.ForgetPublication(options.Publication);
                throw;
            }
        }
        else if (partitioned && first[5] != "t")
        {
            throw new LreplException($"publication \"{options.Publication}\" publishes the changes of partitioned table {qualified} under the names of its partitions; lrepl needs them under the table's own name (ALTER PUBLICATION {publicationName} SET (publish_via_partition_root = true))");
        }
        else if (first[6] != "t")
        {
            throw new LreplException($"publication \"{options.Publication}\" does not include table {qualified}");
        }

        List<string>? published = null;
        if (first[10] is { } json)
        {
            // A JSON array of column names (no serializer: its first use costs more than this whole check).
            using var names = System.Text.Json.JsonDocument.Parse(json);
            published = [.. names.RootElement.EnumerateArray().Select(e => e.GetString()!)];
        }

        return (new TableInfo(schema, name, qualified, oid, keys, published, first[11]), first[7] == "t" ? SlotInfo.Parse(options.SlotName, first[12]) : null);
    }

    /// <summary>A replication slot as pg_replication_slots shows it.</summary>
    internal sealed record SlotInfo(string Name, string Type, Lsn ConfirmedFlush, int? ActivePid, string Plugin, string Database)
    {
        /// <summary>Reads the <c>type|confirmed|pid|plugin|database</c> column of the check query.</summary>
        public static SlotInfo Parse(string name, string? text)
        {
            var parts = (text ?? "").Split('|', 5);
            string Part(int i) => i < parts.Length ? parts[i] : "";
            return new SlotInfo(
                name,
                Part(0),
                Part(1).Length > 0 ? Lsn.Parse(Part(1)) : default,
                int.TryParse(Part(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null,
                Part(3),
                Part(4));
        }

        public string InUse => ActivePid is { } pid ? $" (in use by server process {pid})" : "";
    }

    /// <summary>A slot this config dir did not create: never dropped, recreated or streamed from.</summary>
    private static LreplException NotOwnSlot(LreplOptions options, SlotInfo slot) =>
        new($"replication slot \"{slot.Name}\" already exists{slot.InUse} and was not created by config dir {options.ConfigDir}; pass another --slot, or run lrepl --drop with the config dir that owns it (or drop it yourself if no config dir does)");

    /// <summary>
    /// Refuses to resume from a slot whose confirmed position is past what this dir recorded: the
    /// changes in between were confirmed to the server by someone else (the slot was dropped and
    /// recreated, or advanced), so streaming would skip them silently.
    /// </summary>
    private static void CheckSlotPosition(LreplOptions options, LreplConfigDir dir, SlotInfo slot, LreplState state, TextWriter log)
    {
        if (slot.Type != "logical" || (slot.Plugin.Length > 0 && slot.Plugin != "pgoutput"))
        {
            throw new LreplException($"replication slot \"{slot.Name}\" is a {slot.Type} slot{(slot.Plugin.Length > 0 ? " of plugin " + slot.Plugin : "")}, not the pgoutput slot this config dir created; it was replaced outside lrepl. Run lrepl --drop in {options.ConfigDir} to start over");
        }

        var recorded = new Lsn(state.EndLsn);
        if (slot.ConfirmedFlush <= recorded)
        {
            return;
        }

        if (dir.LegacyState)
        {
            // Runs before dirs recorded every flush position reported while idle: the slot may
            // legitimately be ahead of the state.
            log.WriteLine($"lrepl: replication slot {slot.Name} confirmed {slot.ConfirmedFlush}, beyond the recorded {recorded}; this config dir's state predates recording every reported position, so this is not checked");
            return;
        }

        throw new LreplException($"replication slot \"{slot.Name}\" has confirmed position {slot.ConfirmedFlush}, past {recorded}, the last position config dir {options.ConfigDir} recorded: the slot was dropped and recreated or advanced outside lrepl, and the changes committed between {recorded} and {slot.ConfirmedFlush} cannot be recovered from it. Run lrepl --drop in this config dir and start over with a new snapshot");
    }

    /// <summary>
    /// Creates the slot, copies the table under its snapshot and records the snapshot as done.
    /// When <paramref name="fresh"/> the state journal starts and recovers while the copy runs; a
    /// state that turns out to record a finished snapshot (its slot and data file gone) stops the
    /// copy, removes what it made and fails as the normal start would. Any other state is reset
    /// during the copy: that clears what an unfinished run left and makes the journal's write path
    /// ready before the snapshot is recorded.
    /// </summary>
    private static async Task<LreplState> SnapshotAsync(
        ActorSystem system,
        PgClient repl,
        ConnectionSettings normalSettings,
        Task<PgClient> copyConnection,
        LreplOptions options,
        LreplConfigDir dir,
        TableInfo table,
        StateActor ack,
        Func<IActorRef> snapshotAck,
        bool fresh,
        LreplProgress progress,
        TextWriter log,
        CancellationToken ct)
    {
        // Recorded before the slot exists: a crash between the two leaves a slot this dir knows as its own.
        dir.RecordSlot(options.SlotName);
        List<string?[]> slot;
        try
        {
            slot = await QueryAsync(repl, ReplicationCommands.CreateLogicalSlot(options.SlotName, repl.Session.ServerVersionNumber), null, ct).ConfigureAwait(false);
        }
        catch (LreplException ex) when (ex.Message.Contains("already exists", StringComparison.Ordinal))
        {
            // Created by someone else since the checks ran: not ours.
            dir.ForgetSlot(options.SlotName);
            throw new LreplException($"replication slot \"{options.SlotName}\" was just created by someone else; pass another --slot, or run lrepl --drop with the config dir that owns it", ex);
        }
        catch
        {
            // Nothing was created (or the server will not finish creating it once the connection goes).
            await ForgetUnlessCreatedAsync(repl, options, dir, log).ConfigureAwait(false);
            throw;
        }

        var consistentPoint = Lsn.Parse(slot[0][1]!);
        var snapshotName = slot[0][2]!;
        log.WriteLine($"lrepl: created slot {options.SlotName} at {consistentPoint}; copying snapshot of {table.Qualified}");

        using var copyCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var copy = ReportFileErrors(SnapshotCopier.CopyAsync(system, normalSettings, new SnapshotTable(table.Qualified, table.Oid, table.KeyColumns) { Columns = table.PublishedColumns, RowFilter = table.RowFilter }, snapshotName, consistentPoint, options.DataPath, progress, options.Format == LreplFormat.Csv ? SnapshotCopyOptions.Default with { JsonFormat = JsonLineFormat.V1 } : SnapshotCopyOptions.Default, copyCancel.Token, copyConnection), options.DataPath);
        var recording = false;
        try
        {
            if (fresh)
            {
                var pendingState = ack.Recovered;

                // A copy that fails (a full disk, say) is reported at once, not after the journal answers.
                if (await Task.WhenAny(copy, pendingState).ConfigureAwait(false) == copy && !copy.IsCompletedSuccessfully)
                {
                    // The journal's answer no longer matters (observed, not awaited: it may take long).
                    _ = pendingState.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    await copy.ConfigureAwait(false);
                }

                LreplState recorded;
                try
                {
                    recorded = await pendingState.ConfigureAwait(false);
                    if (!recorded.SnapshotDone)
                    {
                        await AskStateAsync<Persisted>(ack.Ref, ResetLreplState.Instance, ack.Stopped, progress, ct).ConfigureAwait(false);
                    }
                }
                catch
                {
                    // The data file's own error (a full disk, say, which also stops the journal) is the one to report.
                    await copyCancel.CancelAsync().ConfigureAwait(false);
                    await Quietly(copy).ConfigureAwait(false);
                    if (copy is { IsFaulted: true, Exception.InnerException: LreplException fileError })
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fileError);
                    }

                    throw;
                }

                if (recorded.SnapshotDone)
                {
                    throw MissingSlot(options, recorded);
                }
            }

            var recorder = snapshotAck();
            var result = await copy.ConfigureAwait(false);

            // From here the snapshot may be recorded: what it made is kept whatever happens.
            recording = true;
            var persisted = await AskStateAsync<Persisted>(recorder, new SnapshotCompleted(consistentPoint.Value, result.Bytes, result.Rows, result.JsonFormat), ack.Stopped, progress, CancellationToken.None).ConfigureAwait(false);
            log.WriteLine($"lrepl: snapshot of {table.Qualified} done: {result}; consistent point {consistentPoint}");
            return persisted.State;
        }
        catch when (!recording)
        {
            // A snapshot that did not finish is worth nothing: its file goes, and so does its slot,
            // which would otherwise hold WAL on the server until the next run.
            await copyCancel.CancelAsync().ConfigureAwait(false);
            await Quietly(copy).ConfigureAwait(false);
            await DiscardSnapshotAsync(repl, options, dir, log).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes an unfinished snapshot's data file and drops its slot (best effort, a few seconds at most).</summary>
    private static async Task DiscardSnapshotAsync(PgClient repl, LreplOptions options, LreplConfigDir dir, TextWriter log)
    {
        try
        {
            File.Delete(options.DataPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"lrepl: could not remove the unfinished snapshot {options.DataPath}: {LreplConfigDir.Reason(ex)}");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await QueryAsync(repl, "DROP_REPLICATION_SLOT " + ReplicationCommands.QuoteSlotName(options.SlotName), null, timeout.Token).ConfigureAwait(false);
            dir.ForgetSlot(options.SlotName);
        }
        catch (Exception ex) when (ex is LreplException or OperationCanceledException or PgConnectionException or InvalidOperationException)
        {
            // Still recorded as this dir's own: the next run drops it.
            log.WriteLine($"lrepl: the slot {options.SlotName} of the unfinished snapshot is left for the next run to drop: {ex.Message}");
        }
    }

    /// <summary>After a failed CREATE_REPLICATION_SLOT: forgets the slot unless the server made it after all.</summary>
    private static async Task ForgetUnlessCreatedAsync(PgClient repl, LreplOptions options, LreplConfigDir dir, TextWriter log)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            // A database replication connection runs plain SQL too.
            var rows = await QueryAsync(repl, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = {SqlLiteral(options.SlotName)}", null, timeout.Token).ConfigureAwait(false);
            if (rows.Count == 1 && rows[0][0] == "0")
            {
                dir.ForgetSlot(options.SlotName);
            }
        }
        catch (Exception ex) when (ex is LreplException or OperationCanceledException or PgConnectionException or InvalidOperationException)
        {
            // Unknown: it stays recorded as this dir's own, and the next run drops it if it exists.
            log.WriteLine($"lrepl: could not tell whether slot {options.SlotName} was created; the next run in this config dir drops it if so ({ex.Message})");
        }
    }

    /// <summary>
    /// Drops a slot this dir created for a snapshot that did not finish. While a server process
    /// still holds it (the walsender of a run that was killed), waits with back-off; never blocks
    /// inside the server (no WAIT), so a stop ends the wait at once.
    /// </summary>
    private static async Task DropOwnSlotAsync(PgClient client, LreplOptions options, TextWriter log, CancellationToken ct, bool unfinished = true)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        var said = false;
        while (true)
        {
            var rows = await QueryAsync(client, "SELECT pg_drop_replication_slot(slot_name), NULL FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NULL UNION ALL SELECT NULL, active_pid::text FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", [options.SlotName], ct).ConfigureAwait(false);
            if (rows.Count == 0 || rows[0][1] is null)
            {
                log.WriteLine(unfinished ? $"lrepl: dropped slot {options.SlotName} of this config dir's unfinished snapshot" : $"lrepl: dropped replication slot {options.SlotName}");
                return;
            }

            if (!said)
            {
                said = true;
                log.WriteLine($"lrepl: waiting for server process {rows[0][1]} to release slot {options.SlotName}");
            }

            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    /// <summary>
    /// Binary transfer for the stream when the options allow it, the server has it (14 and later)
    /// and every column type of the table has a binary form decoded here; otherwise null (text).
    /// </summary>
    private static async Task<BinaryStreaming?> BinaryStreamingAsync(PgClient client, LreplOptions options, TableInfo table, TextWriter log, CancellationToken ct)
    {
        var version = client.Session.ServerVersionNumber;
        if (!options.Binary || version < 140000)
        {
            return null;
        }

        var catalog = new PgTypeCatalog(version);
        foreach (var row in await QueryAsync(client, PgTypeCatalog.LoadQuery, null, ct).ConfigureAwait(false))
        {
            catalog.AddRow(ParseOid(row[0]), row[1]![0], ParseOid(row[2]), ParseOid(row[3]));
        }

        var columns = await QueryAsync(client, "SELECT attname, atttypid::int8::text, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [table.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct).ConfigureAwait(false);
        var textOnly = columns.Where(c => !BinaryTextFormatter.CanFormat(ParseOid(c[1]), catalog)).Select(c => $"{c[0]} ({c[2]})").ToList();
        if (textOnly.Count > 0)
        {
            log.WriteLine($"lrepl: streaming values as text: no binary form decoded here for {string.Join(", ", textOnly)}");
            return null;
        }

        log.WriteLine("lrepl: column values stream in binary");
        return new BinaryStreaming(catalog);
    }

    /// <summary>A snapshot that could not be written (a full disk, say) as one line; it is not recorded as done, so the next run starts it over.</summary>
    private static async Task<SnapshotCopyResult> ReportFileErrors(Task<SnapshotCopyResult> copy, string dataPath)
    {
        try
        {
            return await copy.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LreplException($"writing the snapshot into {dataPath} failed: {ex.Message}", ex);
        }
    }

    private static uint ParseOid(string? text) => uint.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);

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

        /// <summary>Completes when the actor stops (a position it could not write stops it).</summary>
        public Task Stopped => EnsureStarted()._stopped!;

        /// <summary>The state as recovered from the journal.</summary>
        public Task<LreplState> Recovered => EnsureStarted()._recovered!;

        public StateActor EnsureStarted()
        {
            if (_ref is null)
            {
                _ref = start();
                _stopped = _ref.WatchAsync(CancellationToken.None);
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
