using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>
/// The first run's snapshot (the slot created, every table copied under its one snapshot, each
/// table's snapshot recorded), and the copy of a table added later (under a temporary slot).
/// </summary>
public static partial class LreplRunner
{
    /// <summary>
    /// Creates the slot, copies every table under its snapshot, one after another (each in
    /// parallel ctid ranges), and records each table's snapshot as done once all are copied.
    /// A table that is <see cref="TableRun.Fresh"/> has its state journal start and recover while
    /// the copy runs; a state that turns out to record a finished snapshot (its slot and data file
    /// gone) stops the copy, removes what it made and fails as the normal start would.
    /// </summary>
    private static async Task SnapshotAsync(
        ActorSystem system,
        PgClient repl,
        ConnectionSettings normalSettings,
        Task<PgClient> copyConnection,
        LreplOptions options,
        string slotName,
        LreplConfigDir dir,
        IReadOnlyList<TableRun> runs,
        LreplProgress progress,
        TextWriter log,
        CancellationToken ct)
    {
        // Recorded before the slot exists: a crash between the two leaves a slot this dir knows as its own.
        var first = runs[0].Options;
        dir.RecordSlot(slotName);
        List<string?[]> slot;
        try
        {
            slot = await QueryAsync(repl, ReplicationCommands.CreateLogicalSlot(slotName, repl.Session.ServerVersionNumber), null, ct).ConfigureAwait(false);
        }
        catch (LreplException ex) when (ex.Message.Contains("already exists", StringComparison.Ordinal))
        {
            // Created by someone else since the checks ran: not ours.
            dir.ForgetSlot(slotName);
            throw new LreplException($"replication slot \"{slotName}\" was just created by someone else; pass another --slot, or run lrepl --drop with the config dir that owns it", ex);
        }
        catch
        {
            // Nothing was created (or the server will not finish creating it once the connection goes).
            await ForgetUnlessCreatedAsync(repl, first, dir, log).ConfigureAwait(false);
            throw;
        }

        var consistentPoint = Lsn.Parse(slot[0][1]!);
        var snapshotName = slot[0][2]!;
        var recording = false;
        using var copyCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? copy = null;
        try
        {
            var results = new List<SnapshotCopyResult>();
            foreach (var run in runs)
            {
                RecordCopying(dir, run.Options);
            }

            foreach (var run in runs)
            {
                log.WriteLine(runs.Count == 1 || run.Index == 0
                    ? $"lrepl: created slot {slotName} at {consistentPoint}; copying snapshot of {run.Table.Qualified}"
                    : $"lrepl: copying snapshot of {run.Table.Qualified}");
                var tableCopy = CopyTableAsync(system, normalSettings, copyConnection, run, snapshotName, consistentPoint, log, copyCancel.Token);
                copy = tableCopy;
                await AwaitCopyAndStateAsync(tableCopy, run, copyCancel, ct).ConfigureAwait(false);
                results.Add(await tableCopy.ConfigureAwait(false));
            }

            // From here the snapshots may be recorded: what they made is kept whatever happens. A
            // table whose record fails is copied again by the next run, under a temporary slot.
            recording = true;
            foreach (var run in runs)
            {
                var result = results[run.Index];
                var persisted = await AskStateAsync<Persisted>(run.Ack.Ref, new SnapshotCompleted(consistentPoint.Value, result.Bytes, result.Rows, result.JsonFormat), run.Ack.Stopped, run.Progress, CancellationToken.None).ConfigureAwait(false);
                run.State = persisted.State;
                ForgetCopying(dir, run.Options, log);
                LogSnapshotDone(log, run, result, consistentPoint);
            }

            if (runs[0].Progress != progress)
            {
                progress.SnapshotRows = runs.Sum(r => r.Progress.SnapshotRows);
            }
        }
        catch when (!recording)
        {
            // A snapshot that did not finish is worth nothing: its files go, and so does its slot,
            // which would otherwise hold WAL on the server until the next run.
            await copyCancel.CancelAsync().ConfigureAwait(false);
            if (copy is not null)
            {
                await Quietly(copy).ConfigureAwait(false);
            }

            foreach (var run in runs)
            {
                DiscardUnfinishedCopy(dir, run.Options, log);
            }

            await DiscardSlotAsync(repl, first, slotName, dir, log).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Copies a table named on a later run of the slot, as PostgreSQL's own table synchronization
    /// does: a temporary slot (dropped when done, or with the connection) gives a snapshot and its
    /// consistent point; the table is copied under it and recorded as durable up to that point,
    /// so the shared slot's stream delivers exactly the table's changes committed after it.
    /// </summary>
    private static async Task SyncTableAsync(
        ActorSystem system,
        PgClient repl,
        ConnectionSettings normalSettings,
        PgClient client,
        string slotName,
        LreplConfigDir dir,
        TableRun run,
        TextWriter log,
        CancellationToken ct)
    {
        RecordCopying(dir, run.Options);

        // Never taken for another's: named after the shared slot and the table, with a part of its own.
        var temporary = TemporarySlotName(slotName, run.Table.Oid);
        var slot = await QueryAsync(repl, ReplicationCommands.CreateLogicalSlot(temporary, repl.Session.ServerVersionNumber, temporary: true), null, ct).ConfigureAwait(false);
        var consistentPoint = Lsn.Parse(slot[0][1]!);
        log.WriteLine($"lrepl: {run.Table.Qualified} is new to slot {slotName}: copying it under temporary slot {temporary} at {consistentPoint}");
        using var copyCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var copy = CopyTableAsync(system, normalSettings, Task.FromResult(client), run, slot[0][2]!, consistentPoint, log, copyCancel.Token);
        var recording = false;
        try
        {
            await AwaitCopyAndStateAsync(copy, run, copyCancel, ct).ConfigureAwait(false);
            var result = await copy.ConfigureAwait(false);
            recording = true;
            var persisted = await AskStateAsync<Persisted>(run.Ack.Ref, new SnapshotCompleted(consistentPoint.Value, result.Bytes, result.Rows, result.JsonFormat), run.Ack.Stopped, run.Progress, CancellationToken.None).ConfigureAwait(false);
            run.State = persisted.State;
            ForgetCopying(dir, run.Options, log);
            LogSnapshotDone(log, run, result, consistentPoint);
        }
        catch when (!recording)
        {
            await copyCancel.CancelAsync().ConfigureAwait(false);
            await Quietly(copy).ConfigureAwait(false);
            DiscardUnfinishedCopy(dir, run.Options, log);
            throw;
        }
        finally
        {
            // A temporary slot goes with its connection anyway; dropped now, it holds no WAL while the stream runs.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await QueryAsync(repl, "DROP_REPLICATION_SLOT " + ReplicationCommands.QuoteSlotName(temporary), null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is LreplException or OperationCanceledException or PgConnectionException or InvalidOperationException)
            {
                log.WriteLine($"lrepl: temporary slot {temporary} is dropped when its connection closes ({ex.Message})");
            }
        }
    }

    /// <summary>A temporary slot's name: the shared slot's, the table's OID and a random part, within PostgreSQL's 63 bytes.</summary>
    internal static string TemporarySlotName(string slot, uint tableOid)
    {
        var tail = "_sync_" + tableOid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..8];
        var head = new string([.. slot.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_')]);
        return (head.Length + tail.Length > 63 ? head[..(63 - tail.Length)] : head) + tail;
    }

    private static Task<SnapshotCopyResult> CopyTableAsync(ActorSystem system, ConnectionSettings normalSettings, Task<PgClient> copyConnection, TableRun run, string snapshotName, Lsn consistentPoint, TextWriter log, CancellationToken ct)
    {
        var options = run.Options;
        var table = run.Table;
        return ReportFileErrors(
            SnapshotCopier.CopyAsync(
                system,
                normalSettings,
                new SnapshotTable(table.Qualified, table.Oid, table.KeyColumns) { Schema = table.Schema, Name = table.Name, Columns = table.PublishedColumns, RowFilter = table.RowFilter },
                snapshotName,
                consistentPoint,
                SnapshotSinkFor(options, run.Iceberg, log),
                run.Progress,
                SnapshotCopyOptions.Default with { JsonFormat = options.Format == LreplFormat.Csv ? JsonLineFormat.V1 : SnapshotCopyOptions.Default.JsonFormat, Connection = options.ConnectionOptions },
                ct,
                copyConnection),
            options.DataPath);
    }

    /// <summary>
    /// Waits for a table's copy; for a fresh table also for its state journal, whose recovery
    /// overlaps the copy: a state recording a finished snapshot fails the run (its slot and data
    /// file are gone), any other is reset so that the journal's write path is ready.
    /// </summary>
    private static async Task AwaitCopyAndStateAsync(Task<SnapshotCopyResult> copy, TableRun run, CancellationTokenSource copyCancel, CancellationToken ct)
    {
        if (!run.Fresh)
        {
            await copy.ConfigureAwait(false);
            return;
        }

        var pendingState = run.Ack.Recovered;

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
                await AskStateAsync<Persisted>(run.Ack.Ref, ResetLreplState.Instance, run.Ack.Stopped, run.Progress, ct).ConfigureAwait(false);
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
            throw MissingSlot(run.Options, recorded);
        }

        await copy.ConfigureAwait(false);
    }

    private static void LogSnapshotDone(TextWriter log, TableRun run, SnapshotCopyResult result, Lsn consistentPoint) =>
        log.WriteLine(run.Iceberg is null
            ? $"lrepl: snapshot of {run.Table.Qualified} done: {result}; consistent point {consistentPoint}"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"lrepl: snapshot of {run.Table.Qualified} done: {result.Rows} rows into Iceberg table {run.Iceberg.Ident} (snapshot {result.Bytes}), {result.Workers} connection(s), {result.Ranges} ctid range(s), copy {result.CopyTime.TotalSeconds:F2} s; consistent point {consistentPoint}"));

    private static ISnapshotSink SnapshotSinkFor(LreplOptions options, IcebergTarget? iceberg, TextWriter log) =>
        iceberg is not null ? new Iceberg.IcebergSnapshotSink(iceberg.Table, iceberg.IO, iceberg.Settings.TargetFileSize, line => log.WriteLine("lrepl: " + line))
        : options.Changes is { } changes ? new StreamSnapshotSink(changes)
        : new FileSnapshotSink(options.DataPath, options.Format);

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
}
