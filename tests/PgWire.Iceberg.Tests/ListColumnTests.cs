using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

public sealed class ListColumnTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static IcebergSchema Schema() => new(
        0,
        [
            new NestedField(1, "id", true, PrimitiveType.Long),
            new NestedField(2, "tags", false, new ListType(4, PrimitiveType.String, false)),
            new NestedField(3, "scores", false, new ListType(5, PrimitiveType.Long, true)),
        ],
        [1]);

    private static readonly List<object?[]> Rows =
    [
        [1L, null, new object?[] { 1L, 2L }],
        [2L, Array.Empty<object?>(), Array.Empty<object?>()],
        [3L, new object?[] { "a", null, "b" }, null],
        [4L, new object?[] { "x" }, new object?[] { 7L }],
    ];

    private static string Text(object? v) => v switch
    {
        null => "null",
        object?[] items => "[" + string.Join(",", items.Select(Text)) + "]",
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    private async Task<IcebergTable> WriteAsync()
    {
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, Schema());
        await table.AppendAsync(Rows);
        return table;
    }

    [Fact]
    public async Task Lists_read_back_with_null_empty_and_null_elements_kept_apart()
    {
        var table = await WriteAsync();
        var read = (await table.ReadAsync()).Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal(Rows.Select(r => string.Join("|", r.Select(Text))), read.Select(r => string.Join("|", r.Select(Text))));

        var (data, _) = await TableScan.PlanAsync(new LocalFileIO(), table.Metadata.CurrentSnapshot!);
        var file = data.Single().File;
        Assert.Equal(4, file.ValueCounts[4]);
        Assert.Equal(1, file.NullValueCounts[4]);
        Assert.Equal(3, file.ValueCounts[5]);
        Assert.False(file.LowerBounds.ContainsKey(4));
    }

    [DuckDbFact]
    public async Task DuckDB_reads_the_lists_and_their_field_ids()
    {
        var table = await WriteAsync();
        var (data, _) = await TableScan.PlanAsync(new LocalFileIO(), table.Metadata.CurrentSnapshot!);
        var file = data.Single().File.FilePath;
        var r = DuckDb.Query(new Dictionary<string, string>
        {
            ["rows"] = $"select id, cast(tags as varchar) tags, cast(scores as varchar) scores from read_parquet('{file}') order by id",
            ["schema"] = $"select name, field_id, repetition_type from parquet_schema('{file}')",
        });
        output.WriteLine(r.ToJsonString());
        var rows = r["rows"]!.AsArray().Select(x => $"{x!["id"]}|{(string?)x["tags"] ?? "null"}|{(string?)x["scores"] ?? "null"}").ToList();
        Assert.Equal(["1|null|[1, 2]", "2|[]|[]", "3|[a, NULL, b]|null", "4|[x]|[7]"], rows);
        var ids = r["schema"]!.AsArray().Select(x => $"{x!["name"]}:{x["field_id"]?.ToString() ?? "-"}").ToList();
        Assert.Contains("tags:2", ids);
        Assert.Contains("scores:3", ids);
        Assert.Contains("element:4", ids);
        Assert.Contains("element:5", ids);
    }
}
