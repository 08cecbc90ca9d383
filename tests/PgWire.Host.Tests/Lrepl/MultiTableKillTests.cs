using System.Globalization;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>The real lrepl process following several tables from one slot under SIGKILL, a table joining half way.</summary>
public sealed class MultiTableKillTests
{
    private readonly ITestOutputHelper _output;

    public MultiTableKillTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private const string Prefix = "lr_mkill";

    private static void Cleanup()
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE '{Prefix}%' AND active_pid IS NOT NULL");
        Thread.Sleep(200);
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '{Prefix}%'");
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {Prefix}_pub; DROP TABLE IF EXISTS {Prefix}_a, {Prefix}_b, {Prefix}_c");
    }

    [ClusterFact]
    public async Task Sigkill_at_random_points_loses_and_duplicates_nothing_in_any_table()
    {
        Cleanup();
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-mkill-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        _output.WriteLine("seed " + seed);
        var random = new Random(seed);
        string[] tables = [Prefix + "_a", Prefix + "_b", Prefix + "_c"];
        var workloads = tables.Select((t, i) => new LreplWorkload(t, seed + i)).ToArray();
        const int initialRows = 200;
        foreach (var w in workloads)
        {
            TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", w.CreateSql(initialRows));
        }

        // The first two tables from the start, the third from the seventh run on.
        List<string> Args(int count)
        {
            var args = LreplProcess.Arguments(string.Join(",", tables.Take(count)), Prefix + "_pub", dir);
            args.Add("--create-publication");
            return args;
        }

        try
        {
            using (var first = LreplProcess.Start(Args(2)))
            {
                // Both tables' snapshots recorded: from here on every change of theirs is one line.
                // (A kill between the two records makes the next run copy the second table again,
                // which MultiTableTests covers.)
                Assert.True(await first.WaitForStderrAsync($"snapshot of \"public\".\"{tables[1]}\" done: ", TimeSpan.FromSeconds(30)), first.Stderr);
                first.KillHard();
            }

            using var stop = new CancellationTokenSource();
            var load = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    workloads[random.Next(workloads.Length)].RunBatch(random.Next(3, 12), 0.01);
                }
            });

            var kills = 0;
            var unexpectedExits = 0;
            var runs = 0;
            while (kills < 12)
            {
                using var process = LreplProcess.Start(Args(++runs > 6 ? 3 : 2));
                await Task.Delay(random.Next(200, 2500));
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
            Assert.All(workloads, w => Assert.True(w.Exact, "a workload batch failed"));
            _output.WriteLine(string.Join("; ", workloads.Select((w, i) => $"{tables[i]}: {w.Transactions} transactions, {w.Changes} changes")));

            using var last = LreplProcess.Start(Args(3));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            var matched = false;
            while (!matched && DateTime.UtcNow < deadline && !last.HasExited)
            {
                matched = tables.All(t =>
                {
                    var path = Path.Combine(dir, t + ".data");
                    return File.Exists(path) && LreplWorkload.ReplayJson(path, out _).SequenceEqual(LreplWorkload.TableRows(t));
                });
                await Task.Delay(250);
            }

            var code = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"exit {code}: {last.Stderr}");
            foreach (var (table, i) in tables.Select((t, i) => (t, i)))
            {
                // ChangeReplay fails on a change written twice or a row missing for an update or delete.
                var replay = LreplWorkload.ReplayJson(Path.Combine(dir, table + ".data"), out var lines);
                Assert.Equal(LreplWorkload.TableRows(table), replay);
                if (i < 2)
                {
                    // Followed from the first snapshot on: every change is one line.
                    Assert.Equal(initialRows + workloads[i].Changes, lines);
                }
            }

            Assert.Equal("1", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{Prefix}%'").Stdout.Trim());
        }
        finally
        {
            Cleanup();
            Directory.Delete(dir, true);
        }
    }

    private const string LivePrefix = "lr_mlive";

    private static void CleanupLive()
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE '{LivePrefix}%' AND active_pid IS NOT NULL");
        Thread.Sleep(200);
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '{LivePrefix}%'");
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {LivePrefix}_pub; " + string.Concat(Enumerable.Range(0, 8).Select(i => $"DROP TABLE IF EXISTS {LivePrefix}_{i};")));
    }

    /// <summary>
    /// Under --all-tables, tables are added to the publication one after another while lrepl streams
    /// and a workload writes to every table; each addition is followed by a SIGKILL at a point of its
    /// live copy (as it is met, while it is copied, once its copy is recorded, once it joined, or at a
    /// random time). The next start goes on from there; in the end every table's file replays to the
    /// table, and the tables followed from the start have every change exactly once.
    /// </summary>
    [ClusterFact]
    public async Task Sigkill_while_tables_join_a_running_stream_loses_and_duplicates_nothing()
    {
        CleanupLive();
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-mlive-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        _output.WriteLine("seed " + seed);
        var random = new Random(seed);
        const int rounds = 6;
        var tables = Enumerable.Range(0, rounds + 2).Select(i => $"{LivePrefix}_{i}").ToArray();
        var workloads = tables.Select((t, i) => new LreplWorkload(t, seed + i) { TruncateChance = 0.005 }).ToArray();
        const int initialRows = 200;
        for (var i = 0; i < tables.Length; i++)
        {
            // The tables added later are larger, so that their copy takes a moment.
            TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", workloads[i].CreateSql(i < 2 ? initialRows : 20_000));
        }

        TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", $"CREATE PUBLICATION {LivePrefix}_pub FOR TABLE {tables[0]}, {tables[1]}");
        var args = LreplProcess.Arguments(tables[0], LivePrefix + "_pub", dir);
        var t = args.IndexOf("-t");
        args.RemoveRange(t, 2);
        args.AddRange(["--all-tables", "--slot", LivePrefix + "_slot"]);

        var active = new List<LreplWorkload> { workloads[0], workloads[1] };
        var loadRandom = new Random(seed + 1000);
        using var stop = new CancellationTokenSource();
        Task? load = null;
        try
        {
            using (var first = LreplProcess.Start(args))
            {
                Assert.True(await first.WaitForStderrAsync($"snapshot of \"public\".\"{tables[1]}\" done: ", TimeSpan.FromSeconds(30)), first.Stderr);
                first.KillHard();
            }

            load = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    LreplWorkload next;
                    lock (active)
                    {
                        next = active[loadRandom.Next(active.Count)];
                    }

                    next.RunBatch(loadRandom.Next(3, 12), 0.01);
                }
            });

            // Where each round kills lrepl: as the table is met, as its copy starts, once the copy is recorded, once it joined, or at a random time.
            string[] points = ["was added to publication", "is new to slot", "done: ", "joined the stream", ""];
            for (var round = 0; round < rounds; round++)
            {
                var table = tables[round + 2];
                using var process = LreplProcess.Start(args);
                Assert.True(await process.WaitForStderrAsync("lag ", TimeSpan.FromSeconds(60)), process.Stderr);
                await Task.Delay(random.Next(100, 800));
                TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", $"ALTER PUBLICATION {LivePrefix}_pub ADD TABLE {table}");
                lock (active)
                {
                    active.Add(workloads[round + 2]);
                }

                var point = points[round % points.Length];
                var reached = point.Length == 0
                    ? await Task.Delay(random.Next(0, 3000)).ContinueWith(_ => true, TaskScheduler.Default)
                    : await process.WaitForStderrAsync(point switch
                    {
                        "was added to publication" => $"table public.{table} was added to publication",
                        "is new to slot" => $"\"public\".\"{table}\" is new to slot",
                        "done: " => $"snapshot of \"public\".\"{table}\" done: ",
                        _ => $"{table} joined the stream",
                    }, TimeSpan.FromSeconds(60));
                await Task.Delay(random.Next(0, 60));
                Assert.False(process.HasExited, process.Stderr);
                process.KillHard();
                _output.WriteLine($"round {round}: {table} killed at \"{point}\" (reached {reached}); " + string.Join(" | ", process.Stderr.Split('\n').Where(l => l.Contains(table, StringComparison.Ordinal) && !l.Contains("lag ", StringComparison.Ordinal))));
                Assert.True(reached, process.Stderr);

                // Recorded and not joined: the server was told no flush position past the copy's
                // consistent point, so the next run still streams the table's later changes.
                var stderr = process.Stderr;
                if (System.Text.RegularExpressions.Regex.Match(stderr, $"snapshot of \"public\".\"{table}\" done: .*; consistent point ([0-9A-F]+/[0-9A-F]+)") is { Success: true } done &&
                    !stderr.Contains($"{table} joined the stream", StringComparison.Ordinal))
                {
                    var held = TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT confirmed_flush_lsn <= '{done.Groups[1].Value}' FROM pg_replication_slots WHERE slot_name = '{LivePrefix}_slot'").Stdout.Trim();
                    Assert.True(held == "t", $"slot confirmed past {done.Groups[1].Value} before {table} joined: {stderr}");
                }
            }

            await stop.CancelAsync();
            await load;
            Assert.All(workloads, w => Assert.True(w.Exact, "a workload batch failed"));

            using var last = LreplProcess.Start(args);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            var matched = false;
            while (!matched && DateTime.UtcNow < deadline && !last.HasExited)
            {
                matched = tables.All(table =>
                {
                    var path = Path.Combine(dir, table + ".data");
                    return File.Exists(path) && LreplWorkload.ReplayJson(path, out _).SequenceEqual(LreplWorkload.TableRows(table));
                });
                await Task.Delay(250);
            }

            var code = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"exit {code}: {last.Stderr}");
            foreach (var (table, i) in tables.Select((table, i) => (table, i)))
            {
                // ChangeReplay fails on a change written twice or a row missing for an update or delete.
                var replay = LreplWorkload.ReplayJson(Path.Combine(dir, table + ".data"), out var lines);
                Assert.Equal(LreplWorkload.TableRows(table), replay);
                if (i < 2)
                {
                    Assert.Equal(initialRows + workloads[i].Changes, lines);
                }
            }

            Assert.Equal("1", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{LivePrefix}%'").Stdout.Trim());
        }
        finally
        {
            await stop.CancelAsync();
            if (load is not null)
            {
                await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30)));
            }

            CleanupLive();
            Directory.Delete(dir, true);
        }
    }
}
