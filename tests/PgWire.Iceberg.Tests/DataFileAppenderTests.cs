using System.Globalization;
using Parquet;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class DataFileAppenderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFileIO _io = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static List<object?[]> Rows(int from, int count) => [.. Enumerable.Range(from, count).Select(i => TableWriteTests.Row(i))];

    private static async Task<int> RowGroupsAsync(string path)
    {
        await using var s = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(s);
        return reader.RowGroupCount;
    }

    /// <summary>100 rows appended in batches of 7 into row groups of about 2000 bytes.</summary>
    private async Task<(IcebergTable Table, DataFile File, List<object?[]> Rows, List<long> Estimates)> WriteInBatchesAsync()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        var rows = Rows(1, 100);
        var estimates = new List<long>();
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), table.Metadata.CurrentSchema);
        appender.RowGroupTargetBytes = 2000;
        foreach (var batch in rows.Chunk(7))
        {
            await appender.AppendAsync(batch);
            estimates.Add(appender.EstimatedBytes);
        }

        Assert.Equal(100, appender.RecordCount);
        Assert.False(File.Exists(appender.Location));
        var file = await appender.CompleteAsync();
        return (table, file, rows, estimates);
    }

    [Fact]
    public async Task Rows_appended_in_batches_become_row_groups_with_the_same_metrics_as_one_write()
    {
        var (table, file, rows, estimates) = await WriteInBatchesAsync();
        var groups = await RowGroupsAsync(file.FilePath);
        Assert.InRange(groups, 3, 50);
        Assert.Equal(groups, file.SplitOffsets!.Count);
        Assert.Equal(4, file.SplitOffsets[0]);
        Assert.Equal(file.SplitOffsets.Order(), file.SplitOffsets);
        Assert.Equal(100, file.RecordCount);
        Assert.Equal(new FileInfo(file.FilePath).Length, file.FileSizeInBytes);

        // Estimates grow with the file and end near its size.
        Assert.Equal(estimates.Order(), estimates);
        Assert.InRange(estimates[^1], file.FileSizeInBytes / 2, file.FileSizeInBytes * 2);

        var once = await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), table.Metadata.CurrentSchema, rows);
        Assert.Equal(1, await RowGroupsAsync(once.FilePath));
        Assert.Equal(once.ValueCounts, file.ValueCounts);
        Assert.Equal(once.NullValueCounts, file.NullValueCounts);
        Assert.Equal(once.NanValueCounts, file.NanValueCounts);
        Assert.Equal(once.LowerBounds.Keys.Order(), file.LowerBounds.Keys.Order());
        Assert.All(once.LowerBounds, kv => Assert.Equal(kv.Value, file.LowerBounds[kv.Key]));
        Assert.All(once.UpperBounds, kv => Assert.Equal(kv.Value, file.UpperBounds[kv.Key]));
        Assert.Equal(once.ColumnSizes.Keys.Order(), file.ColumnSizes.Keys.Order());
    }

    [Fact]
    public async Task Positions_across_row_groups_read_back()
    {
        var (table, file, rows, _) = await WriteInBatchesAsync();
        await table.CommitAsync([file], [new(file.FilePath, 0), new(file.FilePath, 50), new(file.FilePath, 99)], removeAllExisting: false);
        var read = (await table.ReadAsync()).Rows.Select(r => (long)r[0]!).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i).Where(i => i is not (1 or 51 or 100)), read);

        await foreach (var live in TableScan.ReadLiveAsync(_io, table.Metadata, [1], default))
        {
            Assert.Equal(live.Position + 1, (long)live.Values[0]!);
        }

        // Rows far apart (other row groups are skipped), in the order asked for.
        var at = await TableScan.ReadRowsAtAsync(_io, table.Metadata, file.FilePath, [97, 3, 50, 3], default);
        Assert.Equal([98L, 4L, 51L, 4L], at.Select(r => (long)r[0]!));
        Assert.Equal(rows[97][1], at[0][1]);
    }

    [DuckDbFact]
    public async Task DuckDB_reads_every_row_group()
    {
        var (_, file, rows, _) = await WriteInBatchesAsync();
        var r = DuckDb.Query(new Dictionary<string, string>
        {
            ["n"] = $"select count(*) n, sum(id) s, count(name) named from read_parquet('{file.FilePath}')",
            ["groups"] = $"select count(distinct row_group_id) g from parquet_metadata('{file.FilePath}')",
        });
        var n = r["n"]![0]!;
        Assert.Equal("100", n["n"]!.ToString());
        Assert.Equal("5050", n["s"]!.ToString());
        Assert.Equal(rows.Count(x => x[1] is not null).ToString(CultureInfo.InvariantCulture), n["named"]!.ToString());
        Assert.Equal(file.SplitOffsets!.Count.ToString(CultureInfo.InvariantCulture), r["groups"]![0]!["g"]!.ToString());
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_refused_with_the_batch()
    {
        await using var appender = DataFileWriter.Open(_io, Path.Combine(_dir, "x.parquet"), TableWriteTests.Schema());
        await appender.AppendAsync(Rows(1, 2));
        var bad = TableWriteTests.Row(3);
        bad[5] = new DateTime(2024, 1, 2);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => appender.AppendAsync([TableWriteTests.Row(4), bad]));
        Assert.Contains("row 3: column day (date) takes DateOnly, not DateTime", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, appender.RecordCount);
        var wide = TableWriteTests.Row(5);
        await Assert.ThrowsAsync<ArgumentException>(() => appender.AppendAsync([[.. wide, 1]]));
        var file = await appender.CompleteAsync();
        Assert.Equal(2, file.RecordCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => appender.AppendAsync(Rows(6, 1)));
    }

    [Fact]
    public async Task An_appender_disposed_before_completing_writes_nothing()
    {
        var location = Path.Combine(_dir, "abandoned.parquet");
        await using (var appender = DataFileWriter.Open(_io, location, TableWriteTests.Schema()))
        {
            appender.RowGroupTargetBytes = 100;
            await appender.AppendAsync(Rows(1, 10));
        }

        Assert.False(File.Exists(location));
    }

    [Fact]
    public async Task An_empty_file_has_the_schema_and_no_rows()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), table.Metadata.CurrentSchema);
        var file = await appender.CompleteAsync();
        Assert.Equal(0, file.RecordCount);
        await table.CommitAsync([file], [], removeAllExisting: false);
        Assert.Empty((await table.ReadAsync()).Rows);
    }

    [Fact]
    public async Task List_columns_span_row_groups()
    {
        var schema = new IcebergSchema(0, [
            new NestedField(1, "id", true, PrimitiveType.Int),
            new NestedField(2, "tags", false, new ListType(3, PrimitiveType.String, false)),
            new NestedField(4, "days", false, new ListType(5, PrimitiveType.Date, false)),
        ]);
        var rows = Enumerable.Range(0, 300).Select(i => new object?[]
        {
            i,
            i % 5 == 0 ? null : Enumerable.Range(0, i % 4).Select(k => k == 1 ? null : $"t{i}-{k}").ToArray(),
            i % 7 == 0 ? Array.Empty<object?>() : new object?[] { new DateOnly(2024, 1, 1).AddDays(i), null },
        }).ToList();
        var table = await IcebergTable.CreateAsync(_io, _dir, schema);
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        appender.RowGroupTargetBytes = 1500;
        foreach (var batch in rows.Chunk(11))
        {
            await appender.AppendAsync(batch);
        }

        var file = await appender.CompleteAsync();
        Assert.True(file.SplitOffsets!.Count > 3);
        Assert.Equal(rows.Sum(r => (r[1] as object?[])?.Length ?? 0), file.ValueCounts[3]);
        await table.CommitAsync([file], [], removeAllExisting: false);
        var read = (await table.ReadAsync()).Rows.OrderBy(r => (int)r[0]!).ToList();
        Assert.Equal(rows.Count, read.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i][1] as object?[], read[i][1] as object?[]);
            Assert.Equal(rows[i][2] as object?[], read[i][2] as object?[]);
        }
    }
}
