using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

public sealed class SparkTableTests(ITestOutputHelper output)
{
    private static string TableDir => Path.Combine(Fixtures.IcebergDir!, "spark-bunnies");

    private static LocalFileIO Io => new LocalFileIO().Map("s3a://hyperparam-iceberg/spark/bunnies", TableDir);

    private static TableMetadata Metadata(int version) =>
        MetadataJson.Parse(File.ReadAllText(Path.Combine(TableDir, "metadata", $"v{version}.metadata.json")));

    [IcebergFixtureTheory]
    [InlineData(2, 21)]
    [InlineData(3, 20)]
    [InlineData(4, 20)]
    [InlineData(5, 20)]
    public async Task Each_metadata_version_reads_the_rows_the_fixture_lists(int version, int rows)
    {
        var result = await TableScan.ReadAsync(Io, Metadata(version));
        foreach (var row in result.Rows)
        {
            output.WriteLine(string.Join(" | ", row.Select(v => v?.ToString() ?? "null")));
        }

        Assert.Equal(rows, result.Rows.Count);
    }

    [IcebergFixtureFact]
    public async Task Position_delete_removes_one_row_and_only_from_its_snapshot_on()
    {
        var before = await TableScan.ReadAsync(Io, Metadata(2));
        var after = await TableScan.ReadAsync(Io, Metadata(3));
        var names = after.Rows.Select(r => (string)r[0]!).ToHashSet();
        var gone = before.Rows.Where(r => !names.Contains((string)r[0]!)).ToList();
        Assert.Single(gone);
        Assert.Equal(21, before.Rows.Select(r => (string)r[0]!).Distinct().Count());
    }

    [IcebergFixtureFact]
    public async Task An_added_column_reads_as_null_in_rows_written_before_it()
    {
        var metadata = Metadata(4);
        var result = await TableScan.ReadAsync(Io, metadata);
        Assert.Equal(9, result.Schema.Fields.Count);
        Assert.Equal(9, result.Schema.Fields[8].Id);
        Assert.Equal(PrimitiveType.Int, result.Schema.Fields[8].Type);
        Assert.All(result.Rows, r => Assert.Null(r[8]));
        Assert.All(result.Rows, r => Assert.IsType<string>(r[0]));
        Assert.All(result.Rows, r => Assert.True(r[3] is null or long));
    }

    [IcebergFixtureFact]
    public async Task Rewritten_data_file_carries_the_new_column_by_field_id()
    {
        var result = await TableScan.ReadAsync(Io, Metadata(5));
        // Spark rewrote the rows with breed_name_length filled in: its value is the name's length.
        Assert.All(result.Rows, r => Assert.Equal(((string)r[0]!).Length, (int)r[8]!));
    }

    [IcebergFixtureFact]
    public async Task Manifests_report_sequence_numbers_and_contents()
    {
        var metadata = Metadata(5);
        var (data, deletes) = await TableScan.PlanAsync(Io, metadata.CurrentSnapshot!);
        var file = Assert.Single(data);
        Assert.Equal(3, file.Seq);
        Assert.Equal(20, file.File.RecordCount);
        var delete = Assert.Single(deletes);
        Assert.Equal(FileContent.PositionDeletes, delete.File.Content);
        Assert.Equal(2, delete.Seq);
        Assert.True(file.File.LowerBounds.ContainsKey(1));
    }

    [IcebergFixtureFact]
    public async Task Live_rows_of_the_spark_table_skip_the_deleted_position()
    {
        var metadata = Metadata(3);
        var live = new List<LiveRow>();
        await foreach (var row in TableScan.ReadLiveAsync(Io, metadata, [1], default))
        {
            live.Add(row);
        }

        Assert.Equal(20, live.Count);
        var file = Assert.Single(live.Select(r => r.FilePath).Distinct());
        var missing = Assert.Single(Enumerable.Range(0, 21).Select(i => (long)i).Except(live.Select(r => r.Position)));
        // The deleted row is still in the file, and is the one the scan no longer returns.
        var deleted = Assert.Single(await TableScan.ReadRowsAtAsync(Io, metadata, file, [missing], default));
        var before = (await TableScan.ReadAsync(Io, Metadata(2))).Rows.Select(r => (string)r[0]!).ToHashSet();
        var after = (await TableScan.ReadAsync(Io, metadata)).Rows.Select(r => (string)r[0]!).ToHashSet();
        Assert.Equal(before.Except(after), [(string)deleted[0]!]);
        var at = await TableScan.ReadRowsAtAsync(Io, metadata, file, [.. live.Select(r => r.Position)], default);
        Assert.Equal(live.Select(r => r.Values[0]), at.Select(r => r[0]));
    }
}
