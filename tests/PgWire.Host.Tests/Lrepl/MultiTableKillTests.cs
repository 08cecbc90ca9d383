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
}
