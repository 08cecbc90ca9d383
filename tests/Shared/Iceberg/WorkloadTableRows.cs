using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgWire.Iceberg;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// The rows of a <see cref="LreplWorkload"/> table (id, v, n, note) as PostgreSQL has them and as
/// an Iceberg table written by lrepl holds them, read by our <see cref="TableScan"/>, by icebird
/// and by DuckDB: each row one canonical line (a JSON array of the values as text), sorted, and
/// duplicates kept, so a row written twice shows as an extra line.
/// </summary>
public static class WorkloadTableRows
{
    private static readonly string[] Columns = ["id", "v", "n", "note"];

    private static string Line(IEnumerable<string?> values) => JsonSerializer.Serialize(values.ToArray());

    private static List<string> Sorted(IEnumerable<string> lines) => [.. lines.Order(StringComparer.Ordinal)];

    public static List<string> Postgres(string table)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", $"SELECT json_build_array(id::text, v, n::text, note) FROM {table}");
        Assert.True(code == 0, stderr);
        return Sorted(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Line(JsonNode.Parse(l)!.AsArray().Select(v => (string?)v))));
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>The current rows, deletes applied, as our own reader gives them.</summary>
    public static async Task<List<string>> TableScanAsync(IcebergTable table)
    {
        var scan = await table.ReadAsync();
        var fields = scan.Schema.Fields.ToList();
        var index = Columns.Select(n => fields.FindIndex(f => f.Name == n)).ToArray();
        Assert.DoesNotContain(-1, index);
        return Sorted(scan.Rows.Select(r => Line(index.Select(i => Text(r[i])))));
    }

    /// <summary>The current rows as icebird reads them from the metadata file the catalog points at.</summary>
    public static List<string> Icebird(string metadataLocation, string? s3Endpoint = null) =>
        Sorted(NpmTools.IcebirdRead(metadataLocation, s3Endpoint).Select(r => Line(Columns.Select(c => r![c] is { } v ? v.GetValueKind() == JsonValueKind.String ? (string?)v : v.ToJsonString() : null))));

    private static string LocalPath(string location) => location.StartsWith("file:", StringComparison.Ordinal) ? new Uri(location).LocalPath : location;

    private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The current rows of a table in a local warehouse as DuckDB reads them: the Parquet data files
    /// of the current snapshot with the rows of its position-delete files removed by an anti-join
    /// on (file_path, pos). Which files make the snapshot comes from its manifests (our reader);
    /// DuckDB reads every row and applies the deletes.
    /// </summary>
    public static async Task<List<string>> DuckDbAsync(IFileIO io, IcebergTable table)
    {
        if (table.Metadata.CurrentSnapshot is not { } snapshot)
        {
            return [];
        }

        var (data, deletes) = await TableScan.PlanAsync(io, snapshot);
        Assert.All(deletes, d => Assert.Equal(FileContent.PositionDeletes, d.File.Content));
        if (data.Count == 0)
        {
            return [];
        }

        var files = string.Join(", ", data.Select(d => Quote(LocalPath(d.File.FilePath))));
        var names = string.Join(", ", data.Select(d => $"({Quote(LocalPath(d.File.FilePath))}, {Quote(d.File.FilePath)})"));
        var sql = new StringBuilder($"""
            with d as (select * from read_parquet([{files}], filename = true, file_row_number = true, union_by_name = true)),
                 m(path, location) as (values {names})
            """);
        if (deletes.Count > 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $", x as (select file_path, pos from read_parquet([{string.Join(", ", deletes.Select(d => Quote(LocalPath(d.File.FilePath))))}]))");
        }

        sql.Append(" select cast(id as varchar) id, v, cast(n as varchar) n, note from d join m on d.filename = m.path");
        if (deletes.Count > 0)
        {
            sql.Append(" anti join x on x.file_path = m.location and x.pos = d.file_row_number");
        }

        var result = NpmTools.DuckDbQuery(new Dictionary<string, string> { ["rows"] = sql.ToString() });
        return Sorted(result["rows"]!.AsArray().Select(r => Line(Columns.Select(c => (string?)r![c]))));
    }

    /// <summary>The current snapshot and its ancestors, oldest first.</summary>
    public static List<Snapshot> Chain(TableMetadata m)
    {
        var chain = new List<Snapshot>();
        for (var s = m.CurrentSnapshot; s is not null; s = s.ParentSnapshotId is { } p ? m.Snapshots.FirstOrDefault(x => x.SnapshotId == p) : null)
        {
            chain.Add(s);
        }

        chain.Reverse();
        return chain;
    }

    /// <summary>Every snapshot of the chain records a later pgwire.commit-lsn than its parent: no LSN range was committed twice.</summary>
    public static void AssertCommitLsnsIncrease(TableMetadata m)
    {
        var chain = Chain(m);
        Assert.NotEmpty(chain);
        var lsns = chain.Select(s => Protocol.Replication.Lsn.Parse(s.Summary["pgwire.commit-lsn"])).ToList();
        for (var i = 1; i < lsns.Count; i++)
        {
            Assert.True(lsns[i] > lsns[i - 1], $"snapshot {chain[i].SnapshotId} records commit {lsns[i]}, not after its parent's {lsns[i - 1]}");
        }
    }

    /// <summary>A readable difference of two sorted line lists (a multiset comparison).</summary>
    public static void AssertSameRows(List<string> expected, List<string> actual, string reader)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        var missing = Minus(expected, actual);
        var extra = Minus(actual, expected);
        Assert.Fail($"{reader}: {actual.Count} rows, {expected.Count} expected; missing {missing.Count} (e.g. {string.Join(" ", missing.Take(3))}); extra {extra.Count} (e.g. {string.Join(" ", extra.Take(3))})");
    }

    private static List<string> Minus(List<string> a, List<string> b)
    {
        var counts = b.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var x in a)
        {
            if (counts.TryGetValue(x, out var c) && c > 0)
            {
                counts[x] = c - 1;
            }
            else
            {
                result.Add(x);
            }
        }

        return result;
    }
}
