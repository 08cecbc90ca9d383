using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

public sealed class DuckDbReadTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task<(string File, List<object?[]> Rows)> WriteAsync()
    {
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, TableWriteTests.Schema());
        var rows = Enumerable.Range(1, 10).Select(i => TableWriteTests.Row(i)).ToList();
        var snapshot = await table.AppendAsync(rows);
        var (data, _) = await TableScan.PlanAsync(new LocalFileIO(), snapshot);
        return (data.Single().File.FilePath, rows);
    }

    private JsonObject Query(Dictionary<string, string> queries)
    {
        var result = DuckDb.Query(queries);
        output.WriteLine(result.ToJsonString());
        return result;
    }

    [DuckDbFact]
    public async Task DuckDB_reads_the_rows_written()
    {
        var (file, rows) = await WriteAsync();
        var r = Query(new()
        {
            ["rows"] = $"""select id, name, cast(price as varchar) price, cast(created as varchar) created, epoch_us(updated) updated, cast("day" as varchar) "day", cast("at" as varchar) "at", flag, n, cast(uid as varchar) uid, hex(blob) blob from read_parquet('{file}') order by id""",

        });
        var read = r["rows"]!.AsArray();
        Assert.Equal(rows.Count, read.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = rows[i];
            var actual = read[i]!;
            Assert.Equal(((long)expected[0]!).ToString(System.Globalization.CultureInfo.InvariantCulture), actual["id"]!.ToString());
            Assert.Equal((string?)expected[1], (string?)actual["name"]);
            Assert.Equal(((decimal?)expected[2])?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), (string?)actual["price"]);
            Assert.Equal(((DateTime)expected[3]!).ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('.'), (string?)actual["created"]);
            Assert.Equal(Micros.FromValue(expected[4]!).ToString(System.Globalization.CultureInfo.InvariantCulture), actual["updated"]!.ToString());
            Assert.Equal(((DateOnly)expected[5]!).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), (string?)actual["day"]);
            Assert.Equal(((TimeOnly)expected[6]!).ToString("HH:mm:ss.FFFFFF", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('.'), (string?)actual["at"]);
            Assert.Equal((bool)expected[7]!, (bool)actual["flag"]!);
            Assert.Equal((int)expected[10]!, (int)actual["n"]!);
            Assert.Equal(((Guid)expected[11]!).ToString("D"), (string?)actual["uid"]);
            Assert.Equal(expected[12] is byte[] b ? Convert.ToHexString(b) : null, (string?)actual["blob"]);
        }
    }

    [DuckDbFact]
    public async Task DuckDB_sees_field_ids_and_timestamp_types()
    {
        var (file, _) = await WriteAsync();
        var r = Query(new() { ["schema"] = $"select name, field_id, logical_type, type from parquet_schema('{file}')" });
        var columns = r["schema"]!.AsArray().Where(c => c!["field_id"] is not null).ToDictionary(c => (string)c!["name"]!, c => c!);
        foreach (var f in TableWriteTests.Schema().Fields)
        {
            Assert.Equal(f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), columns[f.Name]["field_id"]!.ToString());
        }

        Assert.Equal("INT64", (string?)columns["created"]["type"]);
        Assert.Contains("MICROS", (string?)columns["created"]["logical_type"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("isAdjustedToUTC=0", (string?)columns["created"]["logical_type"], StringComparison.Ordinal);
        Assert.Contains("isAdjustedToUTC=1", (string?)columns["updated"]["logical_type"], StringComparison.Ordinal);
        Assert.Contains("MICROS", (string?)columns["at"]["logical_type"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Date", (string?)columns["day"]["logical_type"], StringComparison.OrdinalIgnoreCase);
    }

    [DuckDbFact]
    public async Task DuckDB_statistics_and_pruning_agree_with_the_timestamps()
    {
        var (file, rows) = await WriteAsync();
        var created = rows.Select(r => (DateTime)r[3]!).ToList();
        var cut = created[4];
        var r = Query(new()
        {
            ["stats"] = $"select path_in_schema, stats_min, stats_max from parquet_metadata('{file}') where path_in_schema in ('created', 'updated')",
            ["after"] = $"select count(*) n from read_parquet('{file}') where created > TIMESTAMP '{cut:yyyy-MM-dd HH:mm:ss.ffffff}'",
            ["between"] = $"select count(*) n from read_parquet('{file}') where created between TIMESTAMP '{created.Min():yyyy-MM-dd HH:mm:ss.ffffff}' and TIMESTAMP '{created.Max():yyyy-MM-dd HH:mm:ss.ffffff}'",
        });
        Assert.Equal(created.Count(c => c > cut).ToString(System.Globalization.CultureInfo.InvariantCulture), r["after"]![0]!["n"]!.ToString());
        Assert.Equal(rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), r["between"]![0]!["n"]!.ToString());
        var stats = r["stats"]!.AsArray().ToDictionary(s => (string)s!["path_in_schema"]!, s => s!);
        Assert.StartsWith(created.Min().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), (string?)stats["created"]["stats_min"]);
        Assert.StartsWith(created.Max().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), (string?)stats["created"]["stats_max"]);
    }
}
