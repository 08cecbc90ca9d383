using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using PgWire.Iceberg;

namespace PgWire.Benchmarks;

/// <summary>
/// A full scan of an Iceberg table after lrepl-like commits, before and after upkeep: 1,000 rows
/// in one file, then commits that each update some rows (position deletes of their old places and
/// one data file of the new ones), as lrepl's sink commits every 10 s. <see cref="Workload"/> is
/// COMMITSxUPDATES: 2000x1, a day of single-row commits (2,001 data files, 2,000 delete files and
/// 4,001 manifests before upkeep); 360x278, 100,080 single-row updates over an hour's worth of
/// commits. <see cref="ScanBefore"/> reads the last of those snapshots, <see cref="ScanAfter"/> the
/// snapshot that <see cref="TableMaintenance"/> commits, and <see cref="ScanFresh"/> a new table
/// holding the same rows written at once. All three read the same rows; the setup checks that
/// and prints how long the upkeep took and how many files each snapshot has.
/// </summary>
public class IcebergUpkeepBenchmarks
{
    private const int Rows = 1000;

    private readonly LocalFileIO _io = new();
    private string _dir = "";
    private TableMetadata _before = null!;
    private TableMetadata _after = null!;
    private TableMetadata _fresh = null!;

    [Params("2000x1", "360x278")]
    public string Workload { get; set; } = "2000x1";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pgwire-bench-upkeep-" + Guid.NewGuid().ToString("N"));
        var schema = new IcebergSchema(0, [
            new NestedField(1, "id", true, PrimitiveType.Long),
            new NestedField(2, "name", false, PrimitiveType.String),
            new NestedField(3, "amount", false, PrimitiveType.Decimal(12, 2)),
            new NestedField(4, "at", false, PrimitiveType.TimestampTz),
        ], [1]);
        var table = await IcebergTable.CreateAsync(_io, _dir, schema);
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        object?[] Row(long id, int version) => [id, $"customer-{id}-v{version}", id + (version / 100m), t0.AddSeconds(version * 10)];

        var sw = Stopwatch.StartNew();
        var first = await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), schema, [.. Enumerable.Range(0, Rows).Select(i => Row(i, 0))]);
        await table.CommitAsync([first], [], removeAllExisting: false, Lsn(0));
        var where = Enumerable.Range(0, Rows).ToDictionary(i => (long)i, i => new PositionDelete(first.FilePath, i));
        var shape = Workload.Split('x');
        var commits = int.Parse(shape[0], System.Globalization.CultureInfo.InvariantCulture);
        var updates = int.Parse(shape[1], System.Globalization.CultureInfo.InvariantCulture);
        for (var c = 1; c <= commits; c++)
        {
            // Distinct rows within a commit (7919 is prime to 1,000), spread over the table.
            var ids = Enumerable.Range(0, updates).Select(k => (long)((((long)c * updates) + k) * 7919 % Rows)).ToList();
            var file = await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), schema, [.. ids.Select(id => Row(id, c))]);
            await table.CommitAsync([file], [.. ids.Select(id => where[id])], removeAllExisting: false, Lsn(c));
            for (var k = 0; k < ids.Count; k++)
            {
                where[ids[k]] = new PositionDelete(file.FilePath, k);
            }
        }

        Console.WriteLine($"// {commits} commits of {updates} update(s) written in {sw.Elapsed.TotalSeconds:0.0} s");
        _before = table.Metadata;

        // Compaction and manifest merging only: the old snapshots stay (a day of retention),
        // so both snapshots can be scanned.
        var options = new MaintenanceOptions();
        sw.Restart();
        var result = await TableMaintenance.CompactAsync(table, _io, options, new MaintenanceResult());
        Console.WriteLine($"// compaction and manifest merge took {sw.Elapsed.TotalSeconds:0.00} s: {result}");
        _after = table.Metadata;
        sw.Restart();
        await TableMaintenance.RemoveOrphanFilesAsync(table, _io, options, result);
        Console.WriteLine($"// orphan search over {table.Metadata.Snapshots.Count} snapshots took {sw.Elapsed.TotalSeconds:0.00} s");

        var beforeRows = (await TableScan.ReadAsync(_io, _before)).Rows;
        var before = Canonical(beforeRows);
        var after = Canonical((await TableScan.ReadAsync(_io, _after)).Rows);
        if (before.Count != Rows || !before.SequenceEqual(after))
        {
            throw new InvalidOperationException("the compacted snapshot does not read the same rows");
        }

        // The same rows written at once into a new table: what a scan of a fresh table costs.
        var freshTable = await IcebergTable.CreateAsync(_io, Path.Combine(_dir, "fresh"), schema);
        var freshFile = await DataFileWriter.WriteAsync(_io, freshTable.NewDataFileLocation(), schema, [.. beforeRows]);
        await freshTable.CommitAsync([freshFile], [], removeAllExisting: false, Lsn(0));
        _fresh = freshTable.Metadata;
        if (!Canonical((await TableScan.ReadAsync(_io, _fresh)).Rows).SequenceEqual(before))
        {
            throw new InvalidOperationException("the fresh table does not read the same rows");
        }

        foreach (var (name, m) in new[] { ("before upkeep", _before), ("after upkeep", _after), ("fresh", _fresh) })
        {
            var summary = m.CurrentSnapshot!.Summary;
            Console.WriteLine($"// {name}: {summary["total-data-files"]} data file(s), {summary["total-delete-files"]} delete file(s)");
        }

        // A plain timing beside BenchmarkDotNet's: the median of 7 scans of each snapshot.
        async Task<double> MedianMs(TableMetadata m)
        {
            var times = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                var w = Stopwatch.StartNew();
                await TableScan.ReadAsync(_io, m);
                times.Add(w.Elapsed.TotalMilliseconds);
            }

            return times.Order().ElementAt(3);
        }

        Console.WriteLine($"// median full scan: before upkeep {await MedianMs(_before):0.0} ms, after {await MedianMs(_after):0.0} ms, fresh {await MedianMs(_fresh):0.0} ms");
    }

    private static Dictionary<string, string> Lsn(int c) => new() { ["pgwire.commit-lsn"] = $"0/{0x1000 + c:X}" };

    private static List<string> Canonical(IReadOnlyList<object?[]> rows) =>
        [.. rows.Select(r => string.Join('|', r.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))).Order(StringComparer.Ordinal)];

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark(Baseline = true)]
    public int ScanBefore() => TableScan.ReadAsync(_io, _before).GetAwaiter().GetResult().Rows.Count;

    [Benchmark]
    public int ScanAfter() => TableScan.ReadAsync(_io, _after).GetAwaiter().GetResult().Rows.Count;

    [Benchmark]
    public int ScanFresh() => TableScan.ReadAsync(_io, _fresh).GetAwaiter().GetResult().Rows.Count;
}
