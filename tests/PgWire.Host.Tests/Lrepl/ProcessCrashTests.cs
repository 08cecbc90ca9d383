using System.Diagnostics;
using System.Globalization;
using PgWire.Protocol.Replication;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>
/// Tests that restart the shared test server: they run alone, after the others, since every
/// connection another test has open or opens meanwhile would fail ("the database system is
/// shutting down").
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestartCollection
{
    public const string Name = "restarts the test server";
}

/// <summary>The real pgwire lrepl process under SIGKILL, server restarts and clean signals.</summary>
[Collection(ServerRestartCollection.Name)]
public sealed class ProcessCrashTests
{
    private readonly ITestOutputHelper _output;

    public ProcessCrashTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static void Psql(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
    }

    private static string Scalar(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
        return stdout.Trim();
    }

    private static void Cleanup(string table)
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'");
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
    }

    private static string NewDir(string table)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-" + table + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static List<string> Args(string table, string dir) =>
        [.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication"];

    /// <summary>Waits until replaying the file gives the table's rows (and, when known, the expected line count).</summary>
    private static async Task<(List<string> Replay, int Lines)> WaitForMatchAsync(string table, string path, long? expectedLines, TimeSpan timeout, LreplProcess process)
    {
        var expected = LreplWorkload.TableRows(table);
        var deadline = DateTime.UtcNow + timeout;
        List<string> actual = [];
        var lines = 0;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            actual = File.Exists(path) ? LreplWorkload.ReplayJson(path, out lines) : [];
            if (actual.SequenceEqual(expected) && (expectedLines is null || lines == expectedLines))
            {
                break;
            }

            await Task.Delay(250);
        }

        return (actual, lines);
    }

    [ClusterFact]
    public async Task Sigkill_at_random_points_loses_and_duplicates_nothing()
    {
        const string table = "lr_proc_kill";
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        _output.WriteLine("seed " + seed);
        var random = new Random(seed);
        var workload = new LreplWorkload(table, seed);
        const int initialRows = 300;
        Psql(workload.CreateSql(initialRows));
        var watch = Stopwatch.StartNew();
        try
        {
            using (var first = LreplProcess.Start(Args(table, dir)))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(30)), first.Stderr);
                first.KillHard();
            }

            using var stop = new CancellationTokenSource();
            var load = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    workload.RunBatch(random.Next(3, 15), 0.01);
                }
            });

            var kills = 0;
            var unexpectedExits = 0;
            while (kills < 12)
            {
                using var process = LreplProcess.Start(Args(table, dir));
                if (random.Next(2) == 0)
                {
                    await process.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(20));
                }

                await Task.Delay(random.Next(100, 2500));
                if (process.HasExited)
                {
                    unexpectedExits++;
                    _output.WriteLine("exited on its own: " + process.Stderr);
                    Assert.True(unexpectedExits < 5, process.Stderr);
                    continue;
                }

                process.KillHard();
                kills++;
            }

            await stop.CancelAsync();
            await load;
            _output.WriteLine($"{kills} kills in {watch.Elapsed}; {workload.Transactions} transactions in {workload.Batches} batches, {workload.Changes} changes");
            Assert.True(workload.Exact, "a workload batch failed");
            Assert.True(workload.Transactions > 100, "workload too small: " + workload.Transactions);

            // The last killed run may have written every change already: a batch made after this run
            // starts can only reach the file through its stream, so it is streaming when the file matches.
            using var last = LreplProcess.Start(Args(table, dir));
            Assert.True(workload.RunBatch(5, 0), "the last workload batch failed");
            var expectedLines = initialRows + workload.Changes;
            var (replay, lines) = await WaitForMatchAsync(table, path, expectedLines, TimeSpan.FromSeconds(40), last);
            var code = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, last.Stderr);
            Assert.Contains("stopped;", last.Stderr, StringComparison.Ordinal);

            (replay, lines) = (LreplWorkload.ReplayJson(path, out var finalLines), 0);
            lines = finalLines;
            Assert.Equal(LreplWorkload.TableRows(table), replay);
            Assert.Equal(expectedLines, lines);
            _output.WriteLine($"done in {watch.Elapsed}: {lines} lines");
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Every "id" of the data file's lines, in order.</summary>
    private static List<long> Ids(string path) =>
        [.. File.ReadLines(path).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("key").GetProperty("id").GetInt64())];

    [ClusterFact]
    public async Task Sigkill_in_the_middle_of_a_large_streamed_transaction_then_resume_writes_it_exactly_once()
    {
        const string table = "lr_proc_streamkill";
        const int bigRows = 200_000;
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var spill = Path.Combine(dir, "spill");
        Psql($"CREATE TABLE {table} (id bigint PRIMARY KEY, pad text)");
        try
        {
            using (var first = LreplProcess.Start(Args(table, dir)))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(30)), first.Stderr);
                first.KillHard();
            }

            // Committed while nothing streams: a small transaction, one too large for the server's
            // logical_decoding_work_mem (64MB by default, so it is streamed in blocks), another small one.
            Psql($"INSERT INTO {table} VALUES (0, 'before')");
            Psql($"INSERT INTO {table} SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, {bigRows}) g");
            Psql($"INSERT INTO {table} VALUES ({bigRows + 1}, 'after')");

            using (var second = LreplProcess.Start(Args(table, dir)))
            {
                // Killed while the big transaction's pending lines are spilled: encoded, not yet committed.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!(Directory.Exists(spill) && Directory.EnumerateFiles(spill, "*.spill", SearchOption.AllDirectories).Any()) && DateTime.UtcNow < deadline && !second.HasExited)
                {
                    await Task.Delay(5);
                }

                Assert.False(second.HasExited, second.Stderr);
                Assert.True(DateTime.UtcNow < deadline, "no pending lines were spilled: " + second.Stderr);
                second.KillHard();
            }

            var partial = File.Exists(path) ? File.ReadLines(path).Count() : 0;
            _output.WriteLine($"killed with {partial} lines in the data file");
            Assert.True(partial < bigRows, $"{partial} lines: the big transaction was complete before the kill");

            using var last = LreplProcess.Start(Args(table, dir));
            var (replay, lines) = await WaitForMatchAsync(table, path, bigRows + 2, TimeSpan.FromSeconds(120), last);
            var code = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, last.Stderr);
            Assert.Equal(LreplWorkload.TableRows(table), replay);
            Assert.Equal(bigRows + 2, lines);
            var ids = Ids(path);
            Assert.Equal(Enumerable.Range(0, bigRows + 2).Select(i => (long)i), ids);
            Assert.Empty(Directory.EnumerateFiles(spill, "*.spill", SearchOption.AllDirectories));
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Sigkill_during_the_snapshot_copy_starts_the_snapshot_over_and_loses_and_duplicates_nothing()
    {
        const string table = "lr_proc_snapkill";
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var workload = new LreplWorkload(table, 777);
        const int initialRows = 250_000;
        Psql(workload.CreateSql(initialRows));
        try
        {
            using (var first = LreplProcess.Start(Args(table, dir)))
            {
                Assert.True(await first.WaitForStderrAsync("copying snapshot", TimeSpan.FromSeconds(30)), first.Stderr);

                // Killed once the copy has begun writing, long before it can be done.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
                while (!(File.Exists(path) && new FileInfo(path).Length > 0) && DateTime.UtcNow < deadline && !first.HasExited)
                {
                    await Task.Delay(5);
                }

                first.KillHard();
                Assert.DoesNotContain(" done: ", first.Stderr, StringComparison.Ordinal);
            }

            var partial = new FileInfo(path).Length;
            _output.WriteLine($"killed with {partial} bytes of the snapshot written");
            Assert.True(partial > 0, "the copy had not started writing");

            // Committed between the kill and the next run: the new snapshot must hold them, once.
            Assert.True(workload.RunBatch(5, 0));
            var snapshotRows = workload.RowCount;
            var changesBefore = workload.Changes;
            using var second = LreplProcess.Start(Args(table, dir));
            Assert.True(await second.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(120)), second.Stderr);
            Assert.True(workload.RunBatch(10, 0));

            // Exactly one line per snapshot row and per change after it.
            var expectedLines = snapshotRows + (workload.Changes - changesBefore);
            var (replay, lines) = await WaitForMatchAsync(table, path, expectedLines, TimeSpan.FromSeconds(60), second);
            var code = await second.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, second.Stderr);

            replay = LreplWorkload.ReplayJson(path, out lines);
            Assert.Equal(LreplWorkload.TableRows(table), replay);
            Assert.Equal(expectedLines, lines);
            Assert.Empty(Directory.GetFiles(dir, table + ".data.part*"));
            Assert.Equal("1", Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{table}%'"));
            var confirmed = Lsn.Parse(Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{table}_slot'"));
            var written = Lsn.Parse(Scalar("SELECT pg_current_wal_lsn()"));
            Assert.True(confirmed > Lsn.Invalid && confirmed <= written, $"confirmed_flush_lsn {confirmed}");
            _output.WriteLine($"{lines} lines: {snapshotRows} snapshot rows and {workload.Changes - changesBefore} changes");
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Server_restart_mid_stream_is_survived()
    {
        const string table = "lr_proc_srv";
        Assert.True(TestCluster.BinDir is not null && TestCluster.DataDir is not null, "PGWIRE_TEST_BINDIR and PGWIRE_TEST_DATADIR are needed");
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var workload = new LreplWorkload(table, 4242);
        Psql(workload.CreateSql(100));
        try
        {
            using var process = LreplProcess.Start(Args(table, dir));
            Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(30)), process.Stderr);

            using var stop = new CancellationTokenSource();
            var load = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (!workload.RunBatch(5, 0.02))
                    {
                        await Task.Delay(300);
                    }
                }
            });

            await Task.Delay(2000);
            var linesBefore = File.ReadAllLines(path).Length;
            RestartServer();
            await Task.Delay(4000);
            await stop.CancelAsync();
            await load;
            Assert.True(workload.Batches - workload.FailedBatches > 10, "workload too small");

            // A batch cut by the restart leaves the count of its changes unknown; otherwise it is exact.
            var (replay, lines) = await WaitForMatchAsync(table, path, workload.Exact ? 100 + workload.Changes : null, TimeSpan.FromSeconds(60), process);
            Assert.False(process.HasExited, process.Stderr);
            Assert.Equal(LreplWorkload.TableRows(table), replay);
            if (workload.Exact)
            {
                Assert.Equal(100 + workload.Changes, lines);
            }

            Assert.True(lines > linesBefore, $"nothing streamed after the restart ({lines} lines)");
            var code = await process.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, process.Stderr);
            _output.WriteLine(process.Stderr);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Sigterm_and_sigint_flush_acknowledge_and_exit_0()
    {
        const string table = "lr_proc_term";
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var workload = new LreplWorkload(table, 7);
        Psql(workload.CreateSql(10));
        try
        {
            var expectedLines = 10L;
            foreach (var signal in new[] { "TERM", "INT" })
            {
                using var process = LreplProcess.Start(Args(table, dir));
                Assert.True(await process.WaitForStderrAsync(signal == "TERM" ? " done: " : "resuming", TimeSpan.FromSeconds(30)), process.Stderr);
                Assert.True(workload.RunBatch(20, 0));
                expectedLines = 10 + workload.Changes;
                var (replay, lines) = await WaitForMatchAsync(table, path, expectedLines, TimeSpan.FromSeconds(30), process);
                Assert.True(expectedLines == lines, $"SIG{signal}: {lines} lines, expected {expectedLines}\n{process.Stderr}");
                process.Signal(signal);
                var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.True(code == 0, $"SIG{signal}: exit {code}\n{process.Stderr}");
                Assert.Contains("stopped;", process.Stderr, StringComparison.Ordinal);
                Assert.Equal(LreplWorkload.TableRows(table), replay);
            }

            var lastLsn = File.ReadLines(path).Last().Split("\"lsn\":\"", 2)[1].Split('"', 2)[0];
            using (var again = LreplProcess.Start(Args(table, dir)))
            {
                Assert.True(await again.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(30)), again.Stderr);
                Assert.DoesNotContain("cutting", again.Stderr, StringComparison.Ordinal);
                Assert.Contains("resuming " + table + " from " + lastLsn, again.Stderr, StringComparison.Ordinal);
                var code = await again.TerminateAsync(TimeSpan.FromSeconds(30));
                Assert.True(code == 0, again.Stderr);
            }

            var confirmed = Scalar($"SELECT confirmed_flush_lsn >= '{lastLsn}'::pg_lsn FROM pg_replication_slots WHERE slot_name = '{table}_slot'");
            _output.WriteLine($"slot confirmed_flush_lsn >= last commit {lastLsn}: {confirmed}");
            Assert.Equal(expectedLines, File.ReadAllLines(path).Length);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    private static void RestartServer()
    {
        var pgCtl = Path.Combine(TestCluster.BinDir!, "pg_ctl");
        var asRoot = Environment.UserName == "root";
        var psi = new ProcessStartInfo(asRoot ? "runuser" : pgCtl) { UseShellExecute = false };
        if (asRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", pgCtl })
            {
                psi.ArgumentList.Add(a);
            }
        }

        var log = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(TestCluster.DataDir!))!, "log", "server.log");
        foreach (var a in new[] { "-D", TestCluster.DataDir!, "-l", log, "-s", "restart", "-m", "fast", "-w", "-t", "60" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(90)), "pg_ctl restart timed out");
        Assert.True(p.ExitCode == 0, "pg_ctl restart failed with " + p.ExitCode);
    }
}
