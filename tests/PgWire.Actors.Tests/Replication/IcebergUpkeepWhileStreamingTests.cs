using System.Globalization;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Iceberg;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>Table upkeep (<see cref="TableMaintenance"/>) of the Iceberg table lrepl is writing to, while it streams updates.</summary>
public sealed class IcebergUpkeepWhileStreamingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<IcebergTable> LoadAsync(string dir, string table)
    {
        var settings = IcebergSettings.Load(null, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", table, onlyTable: true);
        return await catalog.LoadTableAsync(ident.Namespace, ident.Name);
    }

    private static List<string> Expected(string table) =>
        [.. StreamTestSupport.Scalar($"SELECT string_agg(id || '|' || name, E'\\n') FROM {table}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    private static async Task<List<string>> ActualAsync(string dir, string table)
    {
        var scan = await (await LoadAsync(dir, table)).ReadAsync();
        return [.. scan.Rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r[0]}|{r[1]}")).Order(StringComparer.Ordinal)];
    }

    [ClusterFact]
    public async Task Upkeep_beside_a_running_lrepl_loses_no_commit_and_keeps_its_position()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_upkeep_beside");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(1, 50) g");
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with { Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(100) });

        // Single-row updates in their own transactions while upkeep runs again and again.
        using var stop = new CancellationTokenSource();
        var updates = Task.Run(() =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                StreamTestSupport.Psql($"UPDATE {table} SET name = 'v{i}' WHERE id = {i % 50 + 1}");
            }
        });
        var results = new List<MaintenanceResult>();
        var io = new LocalFileIO();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1500);
            IcebergTable upkeep;
            try
            {
                upkeep = await LoadAsync(dir, table);
            }
            catch (InvalidOperationException)
            {
                continue;
            }

            // A day ahead and no retention: every snapshot but the current one goes; orphan removal
            // keeps its grace period (lrepl's files in flight are younger than an hour).
            results.Add(await TableMaintenance.RunAsync(upkeep, io, new MaintenanceOptions { SnapshotRetention = TimeSpan.Zero }));
        }

        await stop.CancelAsync();
        await updates;
        StreamTestSupport.Psql($"UPDATE {table} SET name = 'last' WHERE id = 7");

        var expected = Expected(table);
        List<string> actual = [];
        var wait = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < wait && !(actual = await ActualAsync(dir, table)).SequenceEqual(expected))
        {
            await Task.Delay(200);
        }

        var log = run.Log.ToString();
        foreach (var r in results)
        {
            output.WriteLine(r.ToString());
        }

        await run.StopAsync();
        Assert.True(expected.SequenceEqual(actual), "rows differ; lrepl said: " + log);
        Assert.Contains(results, r => r.ReplaceSnapshotId is not null && r.DataFilesRewritten > 1);
        Assert.Contains(results, r => r.SnapshotsExpired > 0);
        Assert.All(results, r => Assert.Null(r.CompactionSkipped));

        // The current snapshot still holds lrepl's position, and a restart repeats nothing.
        var loaded = await LoadAsync(dir, table);
        Assert.True(loaded.Metadata.CurrentSnapshot!.Summary.ContainsKey("pgwire.commit-lsn"));
        StreamTestSupport.Psql($"UPDATE {table} SET name = 'after restart' WHERE id = 8");
        var restarted = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with { Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(100) });
        Assert.DoesNotContain("snapshot of", restarted.Log.ToString(), StringComparison.Ordinal);
        expected = Expected(table);
        wait = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < wait && !(actual = await ActualAsync(dir, table)).SequenceEqual(expected))
        {
            await Task.Delay(200);
        }

        await restarted.StopAsync();
        Assert.Equal(expected, actual);
    }
}
