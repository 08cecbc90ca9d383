using System.Diagnostics;
using System.Globalization;
using PgWire.Actors.Replication;
using PgWire.Iceberg;
using PgWire.Protocol.Replication;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Actors.Tests.Replication;

/// <summary>
/// lrepl into Iceberg with real components, configured as a user would with --iceberg-config: a
/// PostgreSQL catalog (a database of the test cluster) and a warehouse on s3rver or a local
/// folder. A seeded random workload runs on the source table; the Iceberg table must then equal
/// it row for row (duplicates count), as our reader, icebird and DuckDB read it. Each test starts
/// s3rver of its own; the outage tests share their table's name, so they run one after another (one class).
/// </summary>
public sealed class IcebergEndToEndTests(ITestOutputHelper output)
{
    /// <summary>The workload's seed: LREPL_TEST_SEED when set (to replay a failure), else this fixed one.</summary>
    private const int DefaultSeed = 20261205;

    private int Seed(string test)
    {
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        output.WriteLine($"{test}: seed {seed} (LREPL_TEST_SEED={seed} replays it)");
        return seed;
    }

    /// <summary>A database on the test cluster for the catalog's tables, dropped when disposed.</summary>
    private sealed class CatalogDatabase : IDisposable
    {
        public CatalogDatabase(string name)
        {
            Name = name;
            Drop();
            StreamTestSupport.Psql($"CREATE DATABASE {name}");
        }

        public string Name { get; }

        public string Uri => string.Create(CultureInfo.InvariantCulture, $"postgresql://{TestCluster.SuperUser}:{TestCluster.SuperUserPassword}@{TestCluster.Host}:{TestCluster.Port}/{Name}");

        private void Drop() => TestCluster.RunPsql("-X", "-q", "-c", $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");

        public void Dispose()
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            Drop();
        }
    }

    private sealed record Target(IcebergSettings Settings, SqlCatalog Catalog, IcebergTableIdent Ident)
    {
        public Task<IcebergTable> LoadAsync() => Catalog.LoadTableAsync(Ident.Namespace, Ident.Name);

        public async Task<string> MetadataLocationAsync() => await Catalog.MetadataLocationAsync(Ident.Namespace, Ident.Name) ?? throw new InvalidOperationException("no table " + Ident);
    }

    private static async Task<Target> OpenAsync(string configFile, string dir, string table)
    {
        var settings = IcebergSettings.Load(configFile, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        return new Target(settings, catalog, settings.TableFor("public", table, onlyTable: true));
    }

    private static Func<LreplOptions, LreplOptions> Iceberg(string configFile) =>
        o => o with { Sink = LreplSink.Iceberg, IcebergConfigFile = configFile, CommitInterval = TimeSpan.FromMilliseconds(300) };

    /// <summary>Waits until our reader gives the source's rows; fails with the difference after <paramref name="timeout"/>.</summary>
    private static async Task<List<string>> WaitForMatchAsync(Target target, string table, TimeSpan timeout)
    {
        var expected = WorkloadTableRows.Postgres(table);
        var deadline = DateTime.UtcNow + timeout;
        List<string> actual = [];
        while (true)
        {
            try
            {
                actual = await WorkloadTableRows.TableScanAsync(await target.LoadAsync());
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or Amazon.S3.AmazonS3Exception or HttpRequestException)
            {
                actual = ["(" + ex.Message + ")"];
            }

            if (actual.SequenceEqual(expected) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(300);
        }

        WorkloadTableRows.AssertSameRows(expected, actual, "TableScan");
        return expected;
    }

    /// <summary>The seeded workload: batches of transactions around one TRUNCATE, while lrepl streams.</summary>
    private static int RunWorkload(LreplWorkload workload, Random random, int batches)
    {
        for (var b = 0; b < batches; b++)
        {
            if (b == batches / 2)
            {
                workload.TruncateAndRefill(random.Next(20, 60));
            }

            Assert.True(workload.RunBatch(random.Next(5, 20), 0.002), "a workload batch failed");
        }

        return workload.Transactions;
    }

    private async Task RunWorkloadIntoAsync(string name, Func<string, string> configLines, Func<Target, string, List<string>, Task> readIndependently)
    {
        var watch = Stopwatch.StartNew();
        var seed = Seed(name);
        using var scratch = new StreamTestSupport.Scratch(name);
        using var catalogDb = new CatalogDatabase(name + "_catalog");
        var configFile = Path.Combine(scratch.Dir, "iceberg.env");
        File.WriteAllText(configFile, $"CATALOG_URI={catalogDb.Uri}\n" + configLines(scratch.Dir));
        var workload = new LreplWorkload(scratch.Table, seed);
        var random = new Random(seed);
        StreamTestSupport.Psql(workload.CreateSql(300));

        var run = await StreamTestSupport.StartAsync(scratch.Table, scratch.Publication, scratch.Dir, configure: Iceberg(configFile));
        var transactions = RunWorkload(workload, random, 12);
        var target = await OpenAsync(configFile, scratch.Dir, scratch.Table);
        var expected = await WaitForMatchAsync(target, scratch.Table, TimeSpan.FromSeconds(60));
        await run.StopAsync();
        output.WriteLine($"{transactions} transactions, {workload.Changes} changes, {expected.Count} rows; matched after {watch.Elapsed}");

        var table = await target.LoadAsync();
        WorkloadTableRows.AssertCommitLsnsIncrease(table.Metadata);
        Assert.Equal(expected, await WorkloadTableRows.TableScanAsync(table));
        await readIndependently(target, await target.MetadataLocationAsync(), expected);
        output.WriteLine($"{WorkloadTableRows.Chain(table.Metadata).Count} snapshots; done in {watch.Elapsed}");
    }

    [ClusterNpmFact(S3rver = true, Icebird = true)]
    public async Task A_random_workload_into_an_s3_warehouse_with_a_postgresql_catalog_reads_back_equal_with_icebird()
    {
        using var s3 = new S3rverProcess();
        await RunWorkloadIntoAsync("ice_e2e_s3", _ => s3.ConfigLines("lake/" + Guid.NewGuid().ToString("N")), (target, location, expected) =>
        {
            Assert.StartsWith($"s3://{S3rverProcess.Bucket}/lake/", location, StringComparison.Ordinal);
            WorkloadTableRows.AssertSameRows(expected, WorkloadTableRows.Icebird(location, s3.Endpoint), "icebird");
            return Task.CompletedTask;
        });
    }

    [ClusterNpmFact(Icebird = true, DuckDb = true)]
    public async Task A_random_workload_into_a_local_warehouse_with_a_postgresql_catalog_reads_back_equal_with_icebird_and_duckdb()
    {
        await RunWorkloadIntoAsync("ice_e2e_local", dir => $"WAREHOUSE={Path.Combine(dir, "lake")}\n", async (target, location, expected) =>
        {
            WorkloadTableRows.AssertSameRows(expected, WorkloadTableRows.Icebird(location), "icebird");
            var table = await target.LoadAsync();
            var io = target.Settings.OpenFileIO();
            var (data, deletes) = await TableScan.PlanAsync(io, table.Metadata.CurrentSnapshot!);
            output.WriteLine($"DuckDB reads {data.Count} data files and {deletes.Count} position-delete files");
            Assert.NotEmpty(deletes);
            WorkloadTableRows.AssertSameRows(expected, await WorkloadTableRows.DuckDbAsync(io, table), "DuckDB");
        });
    }

    private static string ConfirmedFlush(string slot) =>
        StreamTestSupport.Scalar($"SELECT coalesce(confirmed_flush_lsn::text, '') FROM pg_replication_slots WHERE slot_name = '{slot}'");

    [ClusterNpmFact(S3rver = true)]
    public Task An_s3_outage_of_30_seconds_keeps_the_run_alive_acknowledges_nothing_meanwhile_and_loses_and_repeats_nothing() => OutageAsync(hang: false);

    [ClusterNpmFact(S3rver = true)]
    public Task An_s3_server_hanging_for_15_seconds_delays_the_commits_acknowledges_nothing_meanwhile_and_loses_and_repeats_nothing() => OutageAsync(hang: true);

    /// <summary>
    /// s3rver killed (connections refused) for 30 s, or stopped (connections open but unanswered: the
    /// commit under way waits) for 15 s, while the workload goes on.
    /// </summary>
    private async Task OutageAsync(bool hang)
    {
        var watch = Stopwatch.StartNew();
        var seed = Seed("ice_s3_outage");
        using var s3 = new S3rverProcess();
        using var scratch = new StreamTestSupport.Scratch("ice_s3_outage");
        using var catalogDb = new CatalogDatabase("ice_s3_outage_catalog");
        var configFile = Path.Combine(scratch.Dir, "iceberg.env");
        File.WriteAllText(configFile, $"CATALOG_URI={catalogDb.Uri}\n" + s3.ConfigLines("outage"));
        // A long run: rare truncates, so that the table keeps rows to compare.
        var workload = new LreplWorkload(scratch.Table, seed) { TruncateChance = 0.002 };
        var random = new Random(seed);
        StreamTestSupport.Psql(workload.CreateSql(200));
        var run = await StreamTestSupport.StartAsync(scratch.Table, scratch.Publication, scratch.Dir, configure: Iceberg(configFile));
        var target = await OpenAsync(configFile, scratch.Dir, scratch.Table);

        using var stop = new CancellationTokenSource();
        var load = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.True(workload.RunBatch(random.Next(2, 8), 0.01), "a workload batch failed");
            }
        });

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var before = ConfirmedFlush(scratch.Slot);
            if (hang)
            {
                s3.Suspend(true);
            }
            else
            {
                s3.Kill();
            }

            var killed = DateTimeOffset.UtcNow;
            output.WriteLine($"s3rver {(hang ? "stopped (SIGSTOP)" : "killed")} after {watch.Elapsed}; confirmed_flush_lsn {before}");

            // The outage: the workload goes on, lrepl must neither exit nor confirm what is not in a snapshot.
            var confirmed = new List<Lsn>();
            while (DateTimeOffset.UtcNow - killed < TimeSpan.FromSeconds(hang ? 15 : 30))
            {
                await Task.Delay(1000);
                Assert.False(run.Task.IsCompleted, "lrepl ended during the S3 outage: " + run.Log);
                Assert.False(load.IsFaulted, "the workload failed: " + load.Exception);
                confirmed.Add(Lsn.Parse(ConfirmedFlush(scratch.Slot)));
            }

            var walAtRestart = Lsn.Parse(StreamTestSupport.Scalar("SELECT pg_current_wal_insert_lsn()::text"));
            if (hang)
            {
                s3.Suspend(false);
            }
            else
            {
                s3.Start();
            }

            var restarted = DateTimeOffset.UtcNow;
            output.WriteLine($"s3rver {(hang ? "continued" : "started again")} after {watch.Elapsed}; confirmed_flush_lsn during the outage {confirmed.First()} .. {confirmed.Max()}, WAL at {walAtRestart}");

            await Task.Delay(TimeSpan.FromSeconds(3));
            await stop.CancelAsync();
            await load;
            Assert.False(run.Task.IsCompleted, "lrepl ended after the S3 outage: " + run.Log);
            var expected = await WaitForMatchAsync(target, scratch.Table, TimeSpan.FromSeconds(90));
            Assert.False(run.Task.IsCompleted, "lrepl ended: " + run.Log);
            await run.StopAsync();
            output.WriteLine($"{workload.Transactions} transactions, {expected.Count} rows; matched after {watch.Elapsed}");

            var table = await target.LoadAsync();
            WorkloadTableRows.AssertCommitLsnsIncrease(table.Metadata);
            var chain = WorkloadTableRows.Chain(table.Metadata);
            var beforeRestart = chain.Where(s => s.TimestampMs < restarted.ToUnixTimeMilliseconds()).ToList();
            Assert.NotEmpty(beforeRestart);
            Assert.Contains(chain, s => s.TimestampMs > restarted.ToUnixTimeMilliseconds());

            // Nothing could be committed while S3 was down (only a commit begun just before the kill may carry a later timestamp).
            Assert.DoesNotContain(beforeRestart, s => s.TimestampMs > killed.AddSeconds(2).ToUnixTimeMilliseconds());
            var durableEnd = beforeRestart.Max(s => Lsn.Parse(s.Summary["pgwire.end-lsn"]));
            // A position past the last snapshot's end is fine when it was confirmed before the outage
            // (an idle stream records the WAL it has seen when nothing of the table is pending); during
            // the outage, with the table's changes pending, nothing further may be confirmed.
            var confirmedBefore = Lsn.Parse(before);
            var bound = durableEnd > confirmedBefore ? durableEnd : confirmedBefore;
            Assert.True(confirmed.Max() <= bound, $"the slot was confirmed up to {confirmed.Max()} during the outage, past both the last snapshot's end {durableEnd} and the position confirmed before it {confirmedBefore}");
            Assert.True(walAtRestart > durableEnd, $"the workload wrote nothing during the outage (WAL {walAtRestart}, table at {durableEnd}): the check above proves nothing");
            if (!hang)
            {
                // The sink met the outage (and said so) rather than idling through it.
                var failures = run.Log.ToString().Split('\n').Where(l => l.Contains("not streaming since", StringComparison.Ordinal) && l.Contains("Iceberg table", StringComparison.Ordinal) && l.Contains("Connection refused", StringComparison.Ordinal)).ToList();
                output.WriteLine($"{failures.Count} progress lines of the outage, e.g.: {string.Join(" | ", failures.Take(2))}");
                Assert.NotEmpty(failures);

                // The progress line counts the stream's attempts to start again while the table cannot be read (backoff from 0.5 s).
                var retries = System.Text.RegularExpressions.Regex.Matches(run.Log.ToString(), @"\((\d+) retr(?:y|ies)\)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
                output.WriteLine($"{retries} retries reported");
                Assert.True(retries >= 3, $"the progress line reported {retries} retries over a 30 s outage");
            }

            output.WriteLine($"done in {watch.Elapsed}; {chain.Count} snapshots, the last before the outage ends at {durableEnd}");
        }
        finally
        {
            await stop.CancelAsync();
            await load.ContinueWith(_ => { }, TaskScheduler.Default);
            if (!run.Task.IsCompleted)
            {
                await run.StopAsync();
            }
        }
    }
}
