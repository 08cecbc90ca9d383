using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using PgWire.Iceberg;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>The real <c>pgwire lrepl --sink iceberg</c> process killed with SIGKILL again and again while a workload runs.</summary>
public sealed class IcebergKillTests(ITestOutputHelper output)
{
    /// <summary>The workload's seed: LREPL_TEST_SEED when set (to replay a failure), else this fixed one.</summary>
    private const int DefaultSeed = 4051;

    private static void Cleanup(string table)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{table}_slot' AND active_pid IS NOT NULL");
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'");
            if (TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim() == "0")
            {
                break;
            }

            Thread.Sleep(250);
        }

        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
    }

    private static List<string> Args(string table, string dir, string? configFile) =>
        [.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication", "--sink", "iceberg", "--commit-interval", "300ms", .. configFile is null ? Array.Empty<string>() : ["--iceberg-config", configFile]];

    /// <summary>The table the process writes: without a config file the embedded default, a SQLite catalog and a local warehouse in the config dir.</summary>
    private static async Task<(IcebergTable Table, string MetadataLocation, IFileIO IO)> LoadAsync(string dir, string table, string? configFile)
    {
        var settings = IcebergSettings.Load(configFile, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", table, onlyTable: true);
        var location = await catalog.MetadataLocationAsync(ident.Namespace, ident.Name) ?? throw new InvalidOperationException("no table " + ident);
        return (await catalog.LoadTableAsync(ident.Namespace, ident.Name), location, settings.OpenFileIO());
    }

    private static async Task<List<string>> WaitForMatchAsync(string dir, string table, string? configFile, TimeSpan timeout, LreplProcess process)
    {
        var expected = WorkloadTableRows.Postgres(table);
        var deadline = DateTime.UtcNow + timeout;
        List<string> actual = [];
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                actual = await WorkloadTableRows.TableScanAsync((await LoadAsync(dir, table, configFile)).Table);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or SqliteException or Npgsql.NpgsqlException or Amazon.S3.AmazonS3Exception)
            {
                actual = ["(" + ex.Message + ")"];
            }

            if (actual.SequenceEqual(expected))
            {
                break;
            }

            await Task.Delay(300);
        }

        WorkloadTableRows.AssertSameRows(expected, actual, "TableScan (stderr: " + process.Stderr + ")");
        return expected;
    }

    [ClusterNpmFact(Icebird = true, DuckDb = true)]
    public Task Sigkill_at_random_points_commits_no_lsn_range_twice_and_the_table_equals_the_source() =>
        KillLoopAsync("ice_proc_kill", 11, null);

    /// <summary>The same with a PostgreSQL catalog and an S3 warehouse (s3rver): kills land in uploads and catalog commits.</summary>
    [ClusterNpmFact(S3rver = true, Icebird = true)]
    public async Task Sigkill_at_random_points_with_a_postgresql_catalog_and_an_s3_warehouse_commits_no_lsn_range_twice()
    {
        const string table = "ice_proc_kill_s3";
        using var s3 = new S3rverProcess();
        var catalog = table + "_catalog";
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP DATABASE IF EXISTS {catalog} WITH (FORCE)");
        Assert.True(TestCluster.RunPsql("-X", "-q", "-c", $"CREATE DATABASE {catalog}").ExitCode == 0);
        var configDir = Path.Combine(Path.GetTempPath(), "lrepl-ice-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(configDir);
        var configFile = Path.Combine(configDir, "iceberg.env");
        File.WriteAllText(configFile, string.Create(CultureInfo.InvariantCulture, $"CATALOG_URI=postgresql://{TestCluster.SuperUser}:{TestCluster.SuperUserPassword}@{TestCluster.Host}:{TestCluster.Port}/{catalog}\n") + s3.ConfigLines("kills"));
        try
        {
            await KillLoopAsync(table, 8, configFile, s3.Endpoint);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            TestCluster.RunPsql("-X", "-q", "-c", $"DROP DATABASE IF EXISTS {catalog} WITH (FORCE)");
            Directory.Delete(configDir, true);
        }
    }

    /// <summary>For a failure's report: the table's snapshots with their positions, and the slot's.</summary>
    private async Task DescribeAsync(string dir, string table, string? configFile)
    {
        try
        {
            var (iceberg, location, _) = await LoadAsync(dir, table, configFile);
            output.WriteLine("metadata " + location);
            foreach (var snapshot in WorkloadTableRows.Chain(iceberg.Metadata))
            {
                output.WriteLine($"  snapshot {snapshot.SnapshotId} at {snapshot.TimestampMs}: {string.Join(", ", snapshot.Summary.Where(kv => kv.Key.StartsWith("pgwire.", StringComparison.Ordinal) || kv.Key is "total-records" or "added-records" or "deleted-records").Select(kv => kv.Key + "=" + kv.Value))}");
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SqliteException or Npgsql.NpgsqlException or Amazon.S3.AmazonS3Exception)
        {
            output.WriteLine("the table cannot be read: " + ex.Message);
        }

        output.WriteLine("slot: " + TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT restart_lsn, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim());
    }

    private async Task KillLoopAsync(string table, int killCount, string? configFile, string? s3Endpoint = null)
    {
        Cleanup(table);
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-" + table + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        output.WriteLine($"seed {seed} (LREPL_TEST_SEED={seed} replays it)");
        var random = new Random(seed);
        var workload = new LreplWorkload(table, seed);
        Assert.True(TestCluster.RunPsql("-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", workload.CreateSql(500)).ExitCode == 0);
        var watch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var load = Task.CompletedTask;
        try
        {
            var loadRandom = new Random(seed + 1);
            load = Task.Run(() =>
            {
                for (var batch = 0; !stop.IsCancellationRequested; batch++)
                {
                    if (batch == 15)
                    {
                        workload.TruncateAndRefill(loadRandom.Next(50, 150));
                    }

                    Assert.True(workload.RunBatch(loadRandom.Next(3, 12), 0.01), "a workload batch failed");
                }
            });

            // The first run is killed once its snapshot is in the table, at a random point of the stream.
            using (var first = LreplProcess.Start(Args(table, dir, configFile)))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), first.Stderr);
                await Task.Delay(random.Next(0, 1000));
                first.KillHard();
            }

            var kills = 1;
            var resumed = 0;
            var unexpectedExits = 0;
            var delays = new List<int>();
            while (kills < killCount)
            {
                using var process = LreplProcess.Start(Args(table, dir, configFile));
                // Half the kills land while streaming, the others anywhere from the start on.
                if (random.Next(2) == 0 && await process.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(30)))
                {
                    resumed++;
                }

                var delay = random.Next(100, 2500);
                await Task.Delay(delay);
                if (process.HasExited)
                {
                    unexpectedExits++;
                    output.WriteLine("exited on its own: " + process.Stderr);
                    await DescribeAsync(dir, table, configFile);
                    Assert.True(unexpectedExits < 3, process.Stderr);
                    continue;
                }

                process.KillHard();
                output.WriteLine($"killed after {delay} ms: {string.Join(" / ", process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("changes streamed", StringComparison.Ordinal)).TakeLast(2))}");
                delays.Add(delay);
                kills++;
            }

            await stop.CancelAsync();
            await load;
            output.WriteLine($"{kills} kills ({resumed} after resuming, then {string.Join(", ", delays)} ms), in {watch.Elapsed}; {workload.Transactions} transactions in {workload.Batches} batches, {workload.Changes} changes");
            Assert.True(workload.Transactions > 100, "workload too small: " + workload.Transactions);

            using var last = LreplProcess.Start(Args(table, dir, configFile));
            var expected = await WaitForMatchAsync(dir, table, configFile, TimeSpan.FromSeconds(60), last);
            var code = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, last.Stderr);

            var (iceberg, location, io) = await LoadAsync(dir, table, configFile);
            WorkloadTableRows.AssertCommitLsnsIncrease(iceberg.Metadata);
            // The snapshot, commits of killed runs and of the last one: the resumes were exercised
            // (on a loaded machine most kills may land before a run's first commit).
            Assert.True(WorkloadTableRows.Chain(iceberg.Metadata).Count >= 3, $"only {WorkloadTableRows.Chain(iceberg.Metadata).Count} snapshots: the killed runs committed nothing");
            WorkloadTableRows.AssertSameRows(expected, await WorkloadTableRows.TableScanAsync(iceberg), "TableScan");
            WorkloadTableRows.AssertSameRows(expected, WorkloadTableRows.Icebird(location, s3Endpoint), "icebird");
            if (s3Endpoint is null)
            {
                WorkloadTableRows.AssertSameRows(expected, await WorkloadTableRows.DuckDbAsync(io, iceberg), "DuckDB");
            }
            output.WriteLine($"done in {watch.Elapsed}: {expected.Count} rows, {WorkloadTableRows.Chain(iceberg.Metadata).Count} snapshots");
        }
        finally
        {
            await stop.CancelAsync();
            await load.ContinueWith(_ => { }, TaskScheduler.Default);
            SqliteConnection.ClearAllPools();
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }
}
