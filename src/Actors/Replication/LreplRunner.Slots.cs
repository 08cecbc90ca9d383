using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>Replication slots a config dir owns: refusing others', checking a resumed slot's position, dropping its own, and --drop.</summary>
public static partial class LreplRunner
{
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
        List<string> served;
        try
        {
            await using (var client = await ConnectAsync(system, Resolve(options, null), options, cancellationToken).ConfigureAwait(false))
            {
                var slot = SlotFor(options, dir);
                served = [.. dir.TablesOf(slot) ?? []];
                var exists = (await QueryAsync(client, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", [slot], cancellationToken).ConfigureAwait(false))[0][0] != "0";
                if (dir.OwnsSlot(slot))
                {
                    if (exists)
                    {
                        await DropOwnSlotAsync(client, options with { Slot = slot }, log, cancellationToken, unfinished: false).ConfigureAwait(false);
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

            // Every table the slot served loses its way to continue with it: each one's state goes.
            var tables = options.Tables.Select(t => options.ForTable(t, options.SlotName)).ToList();
            foreach (var name in served)
            {
                if (!tables.Any(t => t.TableKey == LreplOptions.KeyOf(name)))
                {
                    tables.Add(options.ForTable(name, options.SlotName));
                }
            }

            for (var i = 0; i < tables.Count; i++)
            {
                var table = tables[i];
                var eraser = system.ActorOf(LsnAckActor.Props(dir.PersistenceId(table.StateId ?? "lrepl-" + table.Table)), "lrepl-erase-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var stopped = eraser.WatchAsync(CancellationToken.None);
                var erase = eraser.Ask<object>(EraseLreplState.Instance, TimeSpan.FromSeconds(30), cancellationToken);
                if (await Task.WhenAny(erase, stopped).ConfigureAwait(false) != erase || await erase.ConfigureAwait(false) is Status.Failure)
                {
                    throw new LreplException($"the replication state of {table.Table} could not be dropped (see {options.LogPath}); the slot is gone, so the next run starts over");
                }

                log.WriteLine($"lrepl: dropped the replication state of {table.Table} in {options.ConfigDir}");
                if (File.Exists(table.DataPath))
                {
                    log.WriteLine($"lrepl: kept {table.DataPath}; move it away before the next run, which starts over with a new snapshot");
                }
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

            if (options.Sink == LreplSink.Iceberg)
            {
                log.WriteLine("lrepl: the Iceberg table is kept; the next run with --sink iceberg replaces its rows with a new snapshot");
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
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

    /// <summary>Removes an unfinished snapshot's data file (best effort).</summary>
    private static void RemoveUnfinishedSnapshot(LreplOptions options, TextWriter log)
    {
        try
        {
            if (options.WritesDataFile)
            {
                File.Delete(options.DataPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"lrepl: could not remove the unfinished snapshot {options.DataPath}: {LreplConfigDir.Reason(ex)}");
        }
    }

    /// <summary>The name under which the config dir records a copy into the table's data file; null when the sink keeps no file.</summary>
    private static string? CopyingName(LreplOptions options) => options.WritesDataFile ? Path.GetFileName(options.DataPath) : null;

    /// <summary>Records that the table's copy is about to write its data file (see <see cref="LreplConfigDir.RecordCopying"/>).</summary>
    private static void RecordCopying(LreplConfigDir dir, LreplOptions options)
    {
        if (CopyingName(options) is { } name)
        {
            dir.RecordCopying(name);
        }
    }

    /// <summary>Forgets the table's copy once it is recorded or removed; a failure to save leaves it for the next run.</summary>
    private static void ForgetCopying(LreplConfigDir dir, LreplOptions options, TextWriter log)
    {
        try
        {
            if (CopyingName(options) is { } name)
            {
                dir.ForgetCopying(name);
            }
        }
        catch (LreplException ex)
        {
            log.WriteLine("lrepl: " + ex.Message);
        }
    }

    /// <summary>Removes a copy that did not finish, and the dir's record of it once the file is gone.</summary>
    private static void DiscardUnfinishedCopy(LreplConfigDir dir, LreplOptions options, TextWriter log)
    {
        RemoveUnfinishedSnapshot(options, log);
        if (!File.Exists(options.DataPath))
        {
            ForgetCopying(dir, options, log);
        }
    }

    /// <summary>
    /// A data file whose copy a run of this dir started and did not record (the process was killed
    /// between the two) is that run's unfinished snapshot: it is removed, and the table is copied again.
    /// A copy whose state was recorded just before the kill is kept.
    /// </summary>
    private static async Task RemoveUnrecordedCopyAsync(TableRun run, LreplConfigDir dir, TextWriter log)
    {
        if (CopyingName(run.Options) is not { } name || !dir.IsCopying(name))
        {
            return;
        }

        if (run.HasDataFile)
        {
            run.Ack.EnsureStarted();
            if (!(await run.Ack.Recovered.ConfigureAwait(false)).SnapshotDone)
            {
                log.WriteLine($"lrepl: removing {run.Options.DataPath}: an earlier run of this config dir was stopped while copying it, before the copy was recorded");
                RemoveUnfinishedSnapshot(run.Options, log);
                run.HasDataFile = File.Exists(run.Options.DataPath);
                if (run.HasDataFile)
                {
                    return;
                }
            }
        }

        dir.ForgetCopying(name);
    }

    /// <summary>Drops the slot of an unfinished snapshot (best effort, a few seconds at most).</summary>
    private static async Task DiscardSlotAsync(PgClient repl, LreplOptions options, string slotName, LreplConfigDir dir, TextWriter log)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await QueryAsync(repl, "DROP_REPLICATION_SLOT " + ReplicationCommands.QuoteSlotName(slotName), null, timeout.Token).ConfigureAwait(false);
            dir.ForgetSlot(slotName);
        }
        catch (Exception ex) when (ex is LreplException or OperationCanceledException or PgConnectionException or InvalidOperationException)
        {
            // Still recorded as this dir's own: the next run drops it.
            log.WriteLine($"lrepl: the slot {slotName} of the unfinished snapshot is left for the next run to drop: {ex.Message}");
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
}
