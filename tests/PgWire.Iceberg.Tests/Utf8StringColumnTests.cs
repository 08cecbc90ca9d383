using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// String columns written from their UTF-8 (a byte-array field made STRING in the footer), by the
/// row-based writer and by a <see cref="ColumnBatch"/>: values of one to four bytes a character,
/// empty strings and nulls come back as written, to us and to other readers, and bounds and
/// column statistics follow code point order.
/// </summary>
public sealed class Utf8StringColumnTests : IDisposable
{
    private static readonly string Emoji20 = string.Concat(Enumerable.Repeat("😀", 20));
    private static readonly string E20 = string.Concat(Enumerable.Repeat("é", 20));
    private static readonly string Clef17 = string.Concat(Enumerable.Repeat("𝄞", 17)) + "z";

    // s: empty, null, two- to four-byte characters; its highest value is 20 emoji, above U+E000..U+FFFF
    // in code point (UTF-8) order though below them in UTF-16 order. t (required): no ASCII, its
    // lowest value 20 two-byte characters.
    private static readonly List<object?[]> Rows =
    [
        [1, "", E20],
        [2, null, "\uFFFD\uFFFD"],
        [3, "é", Clef17],
        [4, "日本語", "日本語"],
        [5, Emoji20, E20 + "a"],
        [6, "\uE000", "\uFFFF"],
        [7, "\uFFFD", "𝄞"],
        [8, "a😀b", "ë"],
        [9, null, "ü"],
        [10, "zé", "😀"],
    ];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFileIO _io = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static IcebergSchema Schema() => new(0,
    [
        new NestedField(1, "id", true, PrimitiveType.Int),
        new NestedField(2, "s", false, PrimitiveType.String),
        new NestedField(3, "t", true, PrimitiveType.String),
    ]);

    private static string Hex(string s) => Convert.ToHexString(Encoding.UTF8.GetBytes(s));

    private static void Append(ColumnBatch batch, IEnumerable<object?[]> rows)
    {
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                if (row[c] is { } v)
                {
                    batch.AppendText(c, Encoding.UTF8.GetBytes(Convert.ToString(v, CultureInfo.InvariantCulture)!), out _);
                }
                else
                {
                    batch.AppendNull(c);
                }
            }

            batch.EndRow();
        }
    }

    /// <summary>The rows as a data file of one row group per part: row-based or from column batches.</summary>
    private async Task<(IcebergTable Table, DataFile File)> WriteAsync(bool batch, params List<object?[]>[] parts)
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        var schema = table.Metadata.CurrentSchema;
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        appender.RowGroupTargetBytes = 1;
        foreach (var part in parts)
        {
            if (batch)
            {
                var b = new ColumnBatch(schema);
                Append(b, part);
                await appender.AppendAsync(b);
            }
            else
            {
                await appender.AppendAsync(part);
            }
        }

        var file = await appender.CompleteAsync();
        await table.CommitAsync([file], [], removeAllExisting: false);
        return (table, file);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Multi_byte_empty_and_null_strings_come_back_and_bounds_are_the_truncated_code_point_extremes(bool batch)
    {
        var (table, file) = await WriteAsync(batch, Rows);

        // As the UTF-16 writer made them: a lower bound cut to 16 code points, an upper bound cut
        // to 16 with its last code point incremented.
        Assert.Equal(Hex(""), Convert.ToHexString(file.LowerBounds[2]));
        Assert.Equal(Hex(string.Concat(Enumerable.Repeat("😀", 15)) + "😁"), Convert.ToHexString(file.UpperBounds[2]));
        Assert.Equal(Hex(string.Concat(Enumerable.Repeat("é", 16))), Convert.ToHexString(file.LowerBounds[3]));
        Assert.Equal(Hex("😀"), Convert.ToHexString(file.UpperBounds[3]));
        Assert.Equal(2, file.NullValueCounts[2]);
        Assert.Equal(0, file.NullValueCounts[3]);
        Assert.Equal(Rows.Count, file.ValueCounts[2]);

        var read = (await table.ReadAsync()).Rows.OrderBy(r => (int)r[0]!).ToList();
        Assert.Equal(Rows.Select(r => r[1]), read.Select(r => r[1]));
        Assert.Equal(Rows.Select(r => r[2]), read.Select(r => r[2]));
    }

    [Fact]
    public async Task Text_that_is_not_utf8_is_kept_with_replacement_characters_and_long_values_span_buffers()
    {
        var schema = Schema();
        var batch = new ColumnBatch(schema);
        var huge = string.Concat(Enumerable.Repeat("é😀", 300_000)); // 1.8 MB of UTF-8, more than a buffer
        batch.AppendText(0, "1"u8, out _);
        batch.AppendText(1, [0x61, 0xFF, 0x62, 0xC3], out var unrepresentable);
        Assert.False(unrepresentable);
        batch.AppendText(2, Encoding.UTF8.GetBytes(huge), out _);
        batch.EndRow();
        Assert.Equal("a\uFFFDb\uFFFD", batch.GetValue(1, 0));
        Assert.Equal(huge, batch.GetValue(2, 0));

        var table = await IcebergTable.CreateAsync(_io, _dir, schema);
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), table.Metadata.CurrentSchema);
        await appender.AppendAsync(batch);
        await appender.AppendAsync([[2, huge, "x"]]);
        var file = await appender.CompleteAsync();
        await table.CommitAsync([file], [], removeAllExisting: false);
        var read = (await table.ReadAsync()).Rows.OrderBy(r => (int)r[0]!).ToList();
        Assert.Equal(["a\uFFFDb\uFFFD", huge], read.Select(r => r[1]));
        Assert.Equal([huge, "x"], read.Select(r => r[2]));
        Assert.Equal(Hex("a\uFFFDb\uFFFD"), Convert.ToHexString(file.LowerBounds[2]));
    }

    [Fact]
    public async Task A_string_column_is_a_byte_array_field_that_parquet_readers_see_as_a_string()
    {
        var (fields, patches) = DataFileWriter.ParquetFields(Schema());
        Assert.Equal(typeof(ReadOnlyMemory<byte>), ((DataField)fields[1]).ClrType);
        Assert.True(patches.Columns.ContainsKey("s"));

        var (_, file) = await WriteAsync(batch: true, Rows);
        await using var stream = File.OpenRead(file.FilePath);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var s = reader.Schema.GetDataFields().Single(f => f.Name == "s");
        // What Parquet.Net makes of its own string columns' footer (a byte array column would be ReadOnlyMemory<byte>).
        Assert.Equal(typeof(ReadOnlyMemory<char>), s.ClrType);
        Assert.Equal("s", ParquetColumns.ByFieldId(reader)[2].Name);
        using var rowGroup = reader.OpenRowGroupReader(0);
        var values = new string?[rowGroup.RowCount];
        await rowGroup.ReadAsync(s, values.AsMemory(), null);
        Assert.Equal(Rows.Select(r => r[1]), values);
    }

    [DuckDbFact]
    public async Task DuckDB_sees_utf8_string_columns_with_statistics_in_byte_order_per_row_group()
    {
        foreach (var batch in new[] { false, true })
        {
            if (Directory.Exists(_dir))
            {
                Directory.Delete(_dir, recursive: true);
            }

            var (_, file) = await WriteAsync(batch, Rows[..5], Rows[5..]);
            var path = file.FilePath;
            var r = DuckDb.Query(new Dictionary<string, string>
            {
                ["schema"] = $"select name, type, converted_type, logical_type from parquet_schema('{path}') where name in ('s', 't') order by name",
                ["stats"] = $"select row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_min, stats_max, stats_null_count from parquet_metadata('{path}') where path_in_schema in ('s', 't') order by row_group_id, path_in_schema",
                ["emoji"] = $"select count(*) n from read_parquet('{path}') where s = '{Emoji20}'",
                ["clef"] = $"select count(*) n from read_parquet('{path}') where t >= '𝄞'",
                ["rows"] = $"select id, s, t from read_parquet('{path}') order by id",
            });

            foreach (var column in r["schema"]!.AsArray())
            {
                Assert.Equal("BYTE_ARRAY", (string?)column!["type"]);
                Assert.Equal("UTF8", (string?)column["converted_type"]);
                Assert.StartsWith("StringType", (string?)column["logical_type"], StringComparison.Ordinal);
            }

            // Row group 0: rows 1-5, row group 1: rows 6-10; the highest values are above the BMP.
            string?[][] expected =
            [
                ["0", "s", "", Emoji20, "1"],
                ["0", "t", E20, Clef17, "0"],
                ["1", "s", "a😀b", "\uFFFD", "1"],
                ["1", "t", "ë", "😀", "0"],
            ];
            var stats = r["stats"]!.AsArray();
            Assert.Equal(expected.Length, stats.Count);
            for (var i = 0; i < expected.Length; i++)
            {
                var row = stats[i]!;
                Assert.Equal(expected[i][0], row["row_group_id"]!.ToString());
                Assert.Equal(expected[i][1], (string?)row["path_in_schema"]);
                Assert.Equal(expected[i][2], (string?)row["stats_min_value"]);
                Assert.Equal(expected[i][3], (string?)row["stats_max_value"]);
                Assert.Equal(expected[i][2], (string?)row["stats_min"]);
                Assert.Equal(expected[i][3], (string?)row["stats_max"]);
                Assert.Equal(expected[i][4], row["stats_null_count"]!.ToString());
            }

            // DuckDB prunes row groups by these statistics: UTF-16 order would leave these rows out.
            Assert.Equal("1", r["emoji"]![0]!["n"]!.ToString());
            Assert.Equal("3", r["clef"]![0]!["n"]!.ToString());
            var rows = r["rows"]!.AsArray();
            Assert.Equal(Rows.Select(x => x[1]), rows.Select(x => (string?)x!["s"]));
            Assert.Equal(Rows.Select(x => x[2]), rows.Select(x => (string?)x!["t"]));
        }
    }

    [IcebirdFact]
    public async Task Icebird_reads_the_multi_byte_strings_of_a_batch()
    {
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        var table = await IcebergTable.CreateAsync(_io, url, Schema());
        var schema = table.Metadata.CurrentSchema;
        var batch = new ColumnBatch(schema);
        Append(batch, Rows);
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        await appender.AppendAsync(batch);
        await table.CommitAsync([await appender.CompleteAsync()], [], removeAllExisting: false);

        var theirs = Icebird.Read(url).OrderBy(r => int.Parse(r!["id"]!.ToString(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Rows.Select(x => x[1]), theirs.Select(x => (string?)x!["s"]));
        Assert.Equal(Rows.Select(x => x[2]), theirs.Select(x => (string?)x!["t"]));
    }
}
