using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using PgWire.Iceberg;

namespace PgWire.Benchmarks;

/// <summary>
/// A full scan of an Iceberg table after a day of lrepl-like commits, before and after upkeep:
/// 1,000 rows in one file, then <see cref="Commits"/> commits that each update one row (a
/// position delete of its old place and a one-row data file), as lrepl's sink commits every
/// 10 s. <see cref="ScanBefore"/> reads the last of those snapshots (2,001 data files, 2,000
/// delete files, 4,001 manifests); <see cref="ScanAfter"/> the snapshot that
/// <see cref="TableMaintenance"/> commits (one data file, no deletes). Both read the same rows;
/// the setup checks that and prints how long the upkeep took.
/// </summary>
public class IcebergUpkeepBenchmarks
{
    private const int Rows = 1000;

    private readonly LocalFileIO _io = new();
    private string _dir = "";
    private TableMetadata _before = null!;
    private TableMetadata _after = null!;

    [Params(2000)]
    public int Commits { get; set; }

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
        for (var c = 1; c <= Commits; c++)
        {
            var id = (long)(c * 7919 % Rows);
            var file = await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), schema, [Row(id, c)]);
            await table.CommitAsync([file], [where[id]], removeAllExisting: false, Lsn(c));
            where[id] = new PositionDelete(file.FilePath, 0);
        }

        Console.WriteLine($"// {Commits} commits written in {sw.Elapsed.TotalSeconds:0.0} s");
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

        var before = Canonical((await TableScan.ReadAsync(_io, _before)).Rows);
        var after = Canonical((await TableScan.ReadAsync(_io, _after)).Rows);
        if (before.Count != Rows || !before.SequenceEqual(after))
        {
            throw new InvalidOperationException("the compacted snapshot does not read the same rows");
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

        Console.WriteLine($"// median full scan: before upkeep {await MedianMs(_before):0.0} ms, after {await MedianMs(_after):0.0} ms");
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
}
