using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>The first run's snapshot: the slot created, the table copied under its snapshot, and the snapshot recorded.</summary>
public static partial class LreplRunner
{
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
        bool fresh,
        LreplProgress progress,
        TextWriter log,
        CancellationToken ct,
        IcebergTarget? iceberg = null)
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
        var copy = ReportFileErrors(SnapshotCopier.CopyAsync(system, normalSettings, new SnapshotTable(table.Qualified, table.Oid, table.KeyColumns) { Schema = table.Schema, Name = table.Name, Columns = table.PublishedColumns, RowFilter = table.RowFilter }, snapshotName, consistentPoint, SnapshotSinkFor(options, iceberg, log), progress, SnapshotCopyOptions.Default with { JsonFormat = options.Format == LreplFormat.Csv ? JsonLineFormat.V1 : SnapshotCopyOptions.Default.JsonFormat, Connection = options.ConnectionOptions }, copyCancel.Token, copyConnection), options.DataPath);
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

            var result = await copy.ConfigureAwait(false);

            // From here the snapshot may be recorded: what it made is kept whatever happens.
            recording = true;
            var persisted = await AskStateAsync<Persisted>(ack.Ref, new SnapshotCompleted(consistentPoint.Value, result.Bytes, result.Rows, result.JsonFormat), ack.Stopped, progress, CancellationToken.None).ConfigureAwait(false);
            log.WriteLine(iceberg is null
                ? $"lrepl: snapshot of {table.Qualified} done: {result}; consistent point {consistentPoint}"
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"lrepl: snapshot of {table.Qualified} done: {result.Rows} rows into Iceberg table {iceberg.Ident} (snapshot {result.Bytes}), {result.Workers} connection(s), {result.Ranges} ctid range(s), copy {result.CopyTime.TotalSeconds:F2} s; consistent point {consistentPoint}"));
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
