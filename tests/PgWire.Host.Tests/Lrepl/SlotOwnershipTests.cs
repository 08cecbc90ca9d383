using System.Diagnostics;
using System.Text.Json;
using PgWire.Protocol.Replication;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>
/// A replication slot belongs to the config dir that created it: another dir is refused, never
/// allowed to drop or stream from it; a slot dropped, recreated or moved behind lrepl's back is an
/// error, never a silent gap; <c>--drop</c> tears down only what the dir made.
/// </summary>
public sealed class SlotOwnershipTests
{
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(5);

    private static string Scalar(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
        return stdout.Trim();
    }

    /// <summary>A table, its publication and slot names, and config dirs, all removed afterwards.</summary>
    private sealed class Scratch : IDisposable
    {
        private readonly List<string> _dirs = [];

        public Scratch(string prefix)
        {
            Table = prefix + "_" + Guid.NewGuid().ToString("N")[..8];
            Scalar($"CREATE TABLE {Table} (id int PRIMARY KEY, v text); INSERT INTO {Table} VALUES (1, 'a')");
        }

        public string Table { get; }
        public string Publication => Table + "_pub";
        public string Slot => Table + "_slot";
        public string DataFile(string dir) => Path.Combine(dir, Table + ".data");

        public string NewDir()
        {
            var dir = Path.Combine(Path.GetTempPath(), "lrepl-own-" + Guid.NewGuid().ToString("N"));
            _dirs.Add(dir);
            return dir;
        }

        public List<string> Args(string dir, params string[] extra) => [.. LreplProcess.Arguments(Table, Publication, dir), .. extra];

        public bool SlotExists => Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{Slot}'") == "1";

        public void Dispose()
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Slot}'");
            TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {Publication}; DROP TABLE IF EXISTS {Table}");
            foreach (var dir in _dirs.Where(Directory.Exists))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    /// <summary>Runs lrepl until its snapshot or resume is done and the table's file has <paramref name="lines"/> lines, then stops it with SIGTERM.</summary>
    private static async Task<string> RunUntilAsync(Scratch s, string dir, int lines, params string[] extra)
    {
        using var process = LreplProcess.Start(s.Args(dir, extra));
        Assert.True(await WaitForAnyAsync(process, [" done: ", "lrepl: resuming "]), process.Stderr);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited && LineCount(s.DataFile(dir)) < lines)
        {
            await Task.Delay(50);
        }

        Assert.False(process.HasExited, process.Stderr);
        Assert.Equal(lines, LineCount(s.DataFile(dir)));
        Assert.Equal(0, await process.TerminateAsync(TimeSpan.FromSeconds(30)));
        return process.Stderr;
    }

    private static async Task<bool> WaitForAnyAsync(LreplProcess process, string[] texts)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (texts.Any(t => process.Stderr.Contains(t, StringComparison.Ordinal)))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return texts.Any(t => process.Stderr.Contains(t, StringComparison.Ordinal));
    }

    private static int LineCount(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    /// <summary>The ids of the rows in a data file, in file order (inserts only in these tests).</summary>
    private static List<int> Ids(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("after").GetProperty("id").GetInt32())];

    /// <summary>Starts lrepl and expects it to be refused with exit 1 and one line, within the refusal budget.</summary>
    private static async Task<string> RefusedAsync(IEnumerable<string> args)
    {
        var clock = Stopwatch.StartNew();
        using var process = LreplProcess.Start(args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var elapsed = clock.Elapsed;
        Assert.True(code == 1, $"exit {code}: {process.Stderr}");
        Assert.True(elapsed < Refusal, $"refused after {elapsed.TotalSeconds:0.0} s: {process.Stderr}");
        var lines = process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, process.Stderr);
        return lines[0];
    }

    [ClusterFact]
    public async Task A_second_config_dir_is_refused_while_the_owner_is_stopped_and_the_owner_loses_nothing()
    {
        using var s = new Scratch("own_stopped");
        var c1 = s.NewDir();
        var c2 = s.NewDir();
        await RunUntilAsync(s, c1, 1, "--create-publication");
        Scalar($"INSERT INTO {s.Table} VALUES (2, 'b')");
        var confirmed = Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.Slot}'");

        var line = await RefusedAsync(s.Args(c2));
        Assert.Equal($"pgwire lrepl: replication slot \"{s.Slot}\" already exists and was not created by config dir {c2}; pass another --slot, or run lrepl --drop with the config dir that owns it (or drop it yourself if no config dir does)", line);
        Assert.True(s.SlotExists);
        Assert.Equal(confirmed, Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"));
        Assert.False(File.Exists(s.DataFile(c2)));

        Scalar($"INSERT INTO {s.Table} VALUES (3, 'c')");
        await RunUntilAsync(s, c1, 3);
        Assert.Equal([1, 2, 3], Ids(s.DataFile(c1)));
    }

    [ClusterFact]
    public async Task A_second_config_dir_is_refused_while_the_owner_runs_and_the_owner_streams_on()
    {
        using var s = new Scratch("own_running");
        var c1 = s.NewDir();
        var c2 = s.NewDir();
        using var owner = LreplProcess.Start(s.Args(c1, "--create-publication"));
        Assert.True(await owner.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), owner.Stderr);
        await Task.Delay(300);

        var line = await RefusedAsync(s.Args(c2));
        Assert.StartsWith($"pgwire lrepl: replication slot \"{s.Slot}\" already exists (in use by server process ", line, StringComparison.Ordinal);
        Assert.Contains($"and was not created by config dir {c2}", line, StringComparison.Ordinal);

        Scalar($"INSERT INTO {s.Table} VALUES (2, 'b')");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && LineCount(s.DataFile(c1)) < 2)
        {
            await Task.Delay(50);
        }

        Assert.False(owner.HasExited, owner.Stderr);
        Assert.Equal(0, await owner.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([1, 2], Ids(s.DataFile(c1)));
    }

    [ClusterFact]
    public async Task A_second_process_on_the_same_config_dir_is_refused_at_once()
    {
        using var s = new Scratch("own_lock");
        var c1 = s.NewDir();
        using var owner = LreplProcess.Start(s.Args(c1, "--create-publication"));
        Assert.True(await owner.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), owner.Stderr);

        var line = await RefusedAsync(s.Args(c1));
        Assert.Equal($"pgwire lrepl: config dir {c1} is in use by another lrepl process (it holds {Path.Combine(c1, "lrepl.lock")}); one config dir serves one process at a time", line);
        Assert.False(owner.HasExited, owner.Stderr);
        Assert.Equal(0, await owner.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    [ClusterFact]
    public async Task A_slot_dropped_and_recreated_behind_lrepls_back_is_refused_with_what_cannot_be_recovered()
    {
        using var s = new Scratch("own_recreated");
        var c1 = s.NewDir();
        await RunUntilAsync(s, c1, 1, "--create-publication");
        Scalar($"SELECT pg_drop_replication_slot('{s.Slot}')");
        Scalar($"INSERT INTO {s.Table} VALUES (2, 'lost')");
        Scalar($"SELECT pg_create_logical_replication_slot('{s.Slot}', 'pgoutput')");
        var confirmed = Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.Slot}'");
        Scalar($"INSERT INTO {s.Table} VALUES (3, 'c')");

        var line = await RefusedAsync(s.Args(c1));
        Assert.StartsWith($"pgwire lrepl: replication slot \"{s.Slot}\" has confirmed position {confirmed}, past ", line, StringComparison.Ordinal);
        Assert.Contains("cannot be recovered", line, StringComparison.Ordinal);
        Assert.Equal([1], Ids(s.DataFile(c1)));
        Assert.True(s.SlotExists, "the slot someone else made is left alone");
    }

    [ClusterFact]
    public async Task A_slot_advanced_by_someone_else_is_refused()
    {
        using var s = new Scratch("own_advanced");
        var c1 = s.NewDir();
        await RunUntilAsync(s, c1, 1, "--create-publication");
        Scalar($"INSERT INTO {s.Table} VALUES (2, 'skipped')");
        // The test cluster commits asynchronously: advance once the insert is flushed.
        var target = Scalar("SELECT pg_current_wal_insert_lsn()");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Scalar($"SELECT pg_current_wal_flush_lsn() >= '{target}'") != "t" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Scalar($"SELECT pg_replication_slot_advance('{s.Slot}', '{target}')");

        var line = await RefusedAsync(s.Args(c1));
        Assert.Contains("was dropped and recreated or advanced outside lrepl", line, StringComparison.Ordinal);
        Assert.Equal([1], Ids(s.DataFile(c1)));
    }

    [ClusterFact]
    public async Task An_idle_table_records_the_caught_up_position_before_reporting_it_and_shows_no_lag()
    {
        using var s = new Scratch("own_idle");
        var c1 = s.NewDir();
        var other = s.Table + "_other";
        var config = Path.Combine(Path.GetTempPath(), "lrepl-idle-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(config, "pgwire.lrepl.progress-interval = 200ms\n");
        Scalar($"CREATE TABLE {other} (id int)");
        try
        {
            using var process = LreplProcess.Start(s.Args(c1, "--create-publication", "--config", config));
            Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), process.Stderr);
            var snapshotPoint = Lsn.Parse(Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"));

            // WAL moves on for another table only: the slot's table stays idle.
            Scalar($"INSERT INTO {other} SELECT g FROM generate_series(1, 1000) g");
            var target = Lsn.Parse(Scalar("SELECT pg_current_wal_insert_lsn()"));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            Lsn confirmed;
            while ((confirmed = Lsn.Parse(Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"))) < target && DateTime.UtcNow < deadline)
            {
                Scalar("SELECT pg_logical_emit_message(false, 'tick', 'x')");
                await Task.Delay(200);
            }

            Assert.True(confirmed >= target, $"the idle slot stayed at {confirmed}, behind {target} (snapshot at {snapshotPoint})");
            // The progress line measures lag from the recorded position, which follows the server's
            // WAL while the table is idle: at most the second or so before the next record (other
            // tests keep the WAL moving), never growing without end as it used to.
            for (var i = 0; i < 20; i++)
            {
                Scalar("SELECT pg_logical_emit_message(false, 'tick', 'x')");
                await Task.Delay(200);
            }

            var progress = process.Stderr.Split('\n').Last(l => l.Contains(", lag ", StringComparison.Ordinal));
            var seconds = double.Parse(progress.Split(", lag ")[1].Split(" bytes / ")[1].Split(" s,")[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(seconds < 2.5, progress);
            Assert.Equal(0, await process.TerminateAsync(TimeSpan.FromSeconds(30)));

            // The position the slot confirmed was recorded first: the next run resumes instead of refusing.
            Scalar($"INSERT INTO {s.Table} VALUES (2, 'b')");
            await RunUntilAsync(s, c1, 2);
            Assert.Equal([1, 2], Ids(s.DataFile(c1)));
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"DROP TABLE IF EXISTS {other}");
            File.Delete(config);
        }
    }

    [ClusterFact]
    public async Task Drop_tears_down_what_the_dir_made_keeps_the_data_file_and_the_next_run_starts_over()
    {
        using var s = new Scratch("own_drop");
        var c1 = s.NewDir();
        var c2 = s.NewDir();
        Directory.CreateDirectory(c2);
        await RunUntilAsync(s, c1, 1, "--create-publication");

        // Another dir's --drop leaves the slot alone.
        using (var foreign = LreplProcess.Start([.. LreplProcess.Arguments(s.Table, s.Publication, c2), "--drop"]))
        {
            Assert.True(await foreign.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, foreign.Stderr);
            Assert.Contains($"replication slot {s.Slot} exists but was not created by config dir {c2}: left alone", foreign.Stderr, StringComparison.Ordinal);
        }

        Assert.True(s.SlotExists);

        using (var drop = LreplProcess.Start([.. LreplProcess.Arguments(s.Table, "", c1).Where(a => a is not ("-L" or "")), "--drop"]))
        {
            Assert.True(await drop.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, drop.Stderr);
            Assert.Contains($"lrepl: dropped replication slot {s.Slot}", drop.Stderr, StringComparison.Ordinal);
            Assert.Contains($"lrepl: dropped publication {s.Publication} (created by --create-publication)", drop.Stderr, StringComparison.Ordinal);
            Assert.Contains($"lrepl: dropped the replication state of {s.Table} in {c1}", drop.Stderr, StringComparison.Ordinal);
            Assert.Contains($"lrepl: kept {s.DataFile(c1)}", drop.Stderr, StringComparison.Ordinal);
        }

        Assert.False(s.SlotExists);
        Assert.Equal("0", Scalar($"SELECT count(*) FROM pg_publication WHERE pubname = '{s.Publication}'"));
        Assert.Equal([1], Ids(s.DataFile(c1)));

        Scalar($"INSERT INTO {s.Table} VALUES (2, 'b')");
        var line = await RefusedAsync(s.Args(c1, "--create-publication"));
        Assert.Equal($"pgwire lrepl: {s.DataFile(c1)} exists, but this config dir has no replication state for it (dropped with --drop, or made elsewhere); move it away, and the next run starts over with a new snapshot", line);
        Assert.False(s.SlotExists, "a refused run left a slot");

        File.Move(s.DataFile(c1), s.DataFile(c1) + ".old");
        var stderr = await RunUntilAsync(s, c1, 2, "--create-publication");
        Assert.Contains("created slot", stderr, StringComparison.Ordinal);
        Assert.Equal([1, 2], Ids(s.DataFile(c1)));
    }

    [ClusterFact]
    public async Task A_config_dir_that_cannot_be_used_is_one_line_and_leaves_no_slot()
    {
        using var s = new Scratch("own_baddir");
        var file = Path.Combine(Path.GetTempPath(), "lrepl-file-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "not a directory");
        try
        {
            var line = await RefusedAsync(s.Args(file, "--create-publication"));
            Assert.Equal($"pgwire lrepl: config dir {file} is a file, not a directory", line);

            var under = Path.Combine(file, "sub");
            line = await RefusedAsync(s.Args(under, "--create-publication"));
            Assert.StartsWith($"pgwire lrepl: cannot create config dir {under}: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("'", line.Split(": ", 3)[2], StringComparison.Ordinal);

            line = await RefusedAsync(s.Args("/proc/lrepl-config", "--create-publication"));
            Assert.StartsWith("pgwire lrepl: cannot create config dir /proc/lrepl-config: ", line, StringComparison.Ordinal);
            Assert.False(s.SlotExists);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
