using System.Globalization;
using System.Text;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class ColumnBatchTests : IDisposable
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

    /// <summary>A value as a PostgreSQL server with DateStyle ISO prints it (null for NULL).</summary>
    private static string? PgText(object? v) => v switch
    {
        null => null,
        bool b => b ? "t" : "f",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "+00",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        double d => double.IsNaN(d) ? "NaN" : d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Guid g => g.ToString("D"),
        byte[] b => "\\x" + Convert.ToHexString(b).ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    private static void AppendRows(ColumnBatch batch, IEnumerable<object?[]> rows)
    {
        foreach (var row in rows)
        {
            // Fields in reverse order: a batch takes them in any order within a row.
            for (var c = row.Length - 1; c >= 0; c--)
            {
                if (PgText(row[c]) is { } text)
                {
                    batch.AppendText(c, Encoding.UTF8.GetBytes(text), out var unrepresentable);
                    Assert.False(unrepresentable);
                }
                else
                {
                    batch.AppendNull(c);
                }
            }

            batch.EndRow();
        }
    }

    private static List<object?[]> Rows(int from, int count) => [.. Enumerable.Range(from, count).Select(i => TableWriteTests.Row(i))];

    private static void AssertSameFile(DataFile expected, DataFile actual)
    {
        Assert.Equal(expected.RecordCount, actual.RecordCount);
        Assert.Equal(expected.ValueCounts, actual.ValueCounts);
        Assert.Equal(expected.NullValueCounts, actual.NullValueCounts);
        Assert.Equal(expected.NanValueCounts, actual.NanValueCounts);
        Assert.Equal(expected.LowerBounds!.ToDictionary(kv => kv.Key, kv => Convert.ToHexString(kv.Value)), actual.LowerBounds!.ToDictionary(kv => kv.Key, kv => Convert.ToHexString(kv.Value)));
        Assert.Equal(expected.UpperBounds!.ToDictionary(kv => kv.Key, kv => Convert.ToHexString(kv.Value)), actual.UpperBounds!.ToDictionary(kv => kv.Key, kv => Convert.ToHexString(kv.Value)));
        Assert.Equal(expected.SplitOffsets, actual.SplitOffsets);
        // Same values, same encoding: the same bytes as the row-based writer's file.
        Assert.Equal(File.ReadAllBytes(expected.FilePath), File.ReadAllBytes(actual.FilePath));
    }

    [Fact]
    public async Task Rows_from_their_postgresql_text_make_the_same_file_as_the_row_based_writer()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        var schema = table.Metadata.CurrentSchema;
        var rows = Rows(1, 300);
        var expected = await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), schema, rows);

        // Room for fewer rows than it gets: the batch grows.
        var batch = new ColumnBatch(schema, capacity: 10);
        AppendRows(batch, rows);
        Assert.Equal(300, batch.RowCount);
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        await appender.AppendAsync(batch);
        var actual = await appender.CompleteAsync();
        AssertSameFile(expected, actual);

        var snapshot = await table.CommitAsync([actual], [], removeAllExisting: false);
        var read = await TableScan.ReadAsync(_io, table.Metadata, snapshot.SnapshotId);
        Assert.Equal(rows.Count, read.Rows.Count);
    }

    [Fact]
    public async Task A_batch_cleared_and_refilled_adds_a_row_group_with_only_its_own_metrics()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        var schema = table.Metadata.CurrentSchema;
        var rows = Rows(1, 250);

        // The row-based appender, one row group per 100 rows, against batches of 100 rows reused.
        await using var byRows = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        var batch = new ColumnBatch(schema);
        await using var byBatch = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        foreach (var chunk in rows.Chunk(100))
        {
            await byRows.AppendAsync(chunk);
            await byRows.FlushAsync();
            batch.Clear();
            AppendRows(batch, chunk);
            await byBatch.AppendAsync(batch);
        }

        Assert.Equal(250, byBatch.RecordCount);
        AssertSameFile(await byRows.CompleteAsync(), await byBatch.CompleteAsync());
    }

    [Fact]
    public void Unrepresentable_values_are_null_and_flagged_missing_fields_are_null_and_bad_values_are_refused()
    {
        var schema = TableWriteTests.Schema();
        var batch = new ColumnBatch(schema);

        // numeric NaN and a date BC cannot be held: null, flagged.
        batch.AppendText(0, "7"u8, out _);
        batch.AppendText(2, "NaN"u8, out var nan);
        batch.AppendText(5, "0044-03-15 BC"u8, out var bc);
        Assert.True(nan);
        Assert.True(bc);
        batch.EndRow();
        Assert.Equal(1, batch.RowCount);
        Assert.Equal(8 + 13 - 1, batch.EstimatedBytes);

        Assert.Throws<FormatException>(() => batch.AppendText(10, "seven"u8, out _));
        Assert.Throws<FormatException>(() => batch.AppendText(7, "yes"u8, out _));
        // id is required.
        var e = Assert.Throws<ArgumentException>(() => batch.AppendNull(0));
        Assert.Contains("column id is required", e.Message, StringComparison.Ordinal);

        var other = new ColumnBatch(schema);
        other.AppendText(1, "x"u8, out _);
        e = Assert.Throws<ArgumentException>(other.EndRow);
        Assert.Contains("column id is required", e.Message, StringComparison.Ordinal);
        Assert.False(ColumnBatch.Supports(new IcebergSchema(0, [new NestedField(1, "tags", false, new ListType(2, PrimitiveType.String, false))], [])));
    }

    /// <summary>Big-endian bytes of a binary send form.</summary>
    private static byte[] Be(long value, int size)
    {
        var bytes = new byte[size];
        for (var i = size - 1; i >= 0; i--, value >>= 8)
        {
            bytes[i] = (byte)value;
        }

        return bytes;
    }

    private static byte[] Be(double value) => Be(BitConverter.DoubleToInt64Bits(value), 8);

    private static byte[] Be(float value) => Be(BitConverter.SingleToInt32Bits(value), 4);

    public static TheoryData<string, uint, byte[]> BinaryValues() => new()
    {
        { "boolean", 16, [1] },
        { "boolean", 16, [0] },
        { "int", 21, Be(-12345, 2) },
        { "int", 23, Be(int.MinValue, 4) },
        { "long", 21, Be(300, 2) },
        { "long", 23, Be(-7, 4) },
        { "long", 20, Be(long.MaxValue, 8) },
        { "float", 700, Be(1.5f) },
        { "float", 700, Be(float.NaN) },
        { "double", 700, Be(0.1f) },
        { "double", 701, Be(-2.5e300) },
        { "double", 701, Be(double.NaN) },
        { "uuid", 2950, Convert.FromHexString("0123456789abcdef0123456789abcdef") },
        { "date", 1082, Be(-10958, 4) },  // 1970-01-01
        { "date", 1082, Be(9000, 4) },
        { "date", 1082, Be(int.MaxValue, 4) },  // infinity: unrepresentable
        { "date", 1082, Be(-800_000, 4) },  // before year 1: unrepresentable
        { "time", 1083, Be(0, 8) },
        { "time", 1083, Be(86_399_999_999, 8) },
        { "time", 1083, Be(86_400_000_000, 8) },  // 24:00:00: unrepresentable
        { "timestamp", 1114, Be(0, 8) },
        { "timestamp", 1114, Be(-946_684_800_000_001, 8) },  // a microsecond before 1970
        { "timestamp", 1114, Be(252_455_615_999_999_999, 8) },  // 9999-12-31 23:59:59.999999
        { "timestamp", 1114, Be(252_455_616_000_000_000, 8) },  // year 10000: unrepresentable
        { "timestamp", 1114, Be(long.MinValue, 8) },  // -infinity: unrepresentable
        { "timestamptz", 1184, Be(-63_082_281_600_000_000, 8) },  // 0001-01-01 00:00:00+00
        { "timestamptz", 1184, Be(-63_082_281_600_000_001, 8) },  // just before: unrepresentable
        { "timestamptz", 1184, Be(long.MaxValue, 8) },
        { "string", 25, Encoding.UTF8.GetBytes("é 𝄞 text") },
        { "string", 1043, [] },
    };

    [Theory]
    [MemberData(nameof(BinaryValues))]
    public void Binary_values_equal_the_binary_reader_and_read_back_as_it_gives_them(string type, uint typeOid, byte[] value)
    {
        var primitive = PrimitiveType.Parse(type);
        var schema = new IcebergSchema(0, [new NestedField(1, "id", true, PrimitiveType.Int), new NestedField(2, "v", false, primitive)], []);
        Assert.True(ColumnBatch.ReadsBinary(primitive, typeOid));
        var expected = PostgresValues.BinaryReader(primitive, typeOid)!(value, out var expectedUnrepresentable);

        // The value among nulls: row 1 of three, and the last row; read back from either place.
        var batch = new ColumnBatch(schema);
        for (var row = 0; row < 4; row++)
        {
            batch.AppendText(0, Encoding.UTF8.GetBytes(row.ToString(CultureInfo.InvariantCulture)), out _);
            if (row is 1 or 3)
            {
                batch.AppendBinary(1, typeOid, value, out var unrepresentable);
                Assert.Equal(expectedUnrepresentable, unrepresentable);
            }
            else
            {
                batch.AppendNull(1);
            }

            batch.EndRow();
        }

        Assert.Equal(expected, batch.GetValue(1, 1));
        Assert.Equal(expected, batch.GetValue(1, 3));
        Assert.Null(batch.GetValue(1, 0));
        Assert.Null(batch.GetValue(1, 2));
        Assert.Equal(2, batch.GetValue(0, 2));
    }

    [Fact]
    public void Types_not_read_in_binary_are_told_and_a_wrong_length_is_refused()
    {
        Assert.False(ColumnBatch.ReadsBinary(PrimitiveType.Decimal(12, 2), 1700));
        Assert.False(ColumnBatch.ReadsBinary(PrimitiveType.Binary, 17));
        Assert.False(ColumnBatch.ReadsBinary(PrimitiveType.String, 1700));
        Assert.False(ColumnBatch.ReadsBinary(PrimitiveType.Int, 20));
        var schema = new IcebergSchema(0, [new NestedField(1, "n", false, PrimitiveType.Long)], []);
        var batch = new ColumnBatch(schema);
        var e = Assert.Throws<FormatException>(() => batch.AppendBinary(0, 20, [1, 2, 3], out _));
        Assert.Contains("3 bytes where 8 were expected", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => batch.AppendBinary(0, 1700, [0, 0], out _));
    }

    [Fact]
    public void Values_read_back_from_text_are_the_text_readers()
    {
        var schema = TableWriteTests.Schema();
        var rows = Rows(1, 50);
        var batch = new ColumnBatch(schema);
        AppendRows(batch, rows);
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < schema.Fields.Count; c++)
            {
                var text = PgText(rows[r][c]);
                var expected = text is null ? null : PostgresValues.FromText(schema.Fields[c].Type, Encoding.UTF8.GetBytes(text), out _);
                Assert.Equal(expected, batch.GetValue(c, r));
            }
        }
    }

    [Theory]
    [InlineData("timestamptz", "2024-06-01 12:00:00+00")]
    [InlineData("timestamptz", "2024-06-01 12:00:00.5+05:30")]
    [InlineData("timestamptz", "1969-12-31 23:59:59.999999-08")]
    [InlineData("timestamptz", "0001-01-01 00:00:00+00")]
    [InlineData("timestamptz", "0001-01-01 00:00:00+01")]
    [InlineData("timestamptz", "1900-02-28 01:02:03.000001+00:19:32")]
    [InlineData("timestamptz", "9999-12-31 23:59:59.999999+00")]
    [InlineData("timestamptz", "9999-12-31 23:59:59.999999-01")]
    [InlineData("timestamptz", "10000-01-01 00:00:00+00")]
    [InlineData("timestamptz", "0044-03-15 12:00:00+00 BC")]
    [InlineData("timestamptz", "infinity")]
    [InlineData("timestamptz", "-infinity")]
    [InlineData("timestamp", "2024-01-02 03:04:05.123456")]
    [InlineData("timestamp", "1950-07-01 00:00:00")]
    [InlineData("timestamp", "infinity")]
    [InlineData("timestamptz", "2024-02-29 23:59:60.25+00")]
    [InlineData("timestamptz", "2024-06-01 24:00:00-03:30")]
    [InlineData("timestamptz", "2024-06-01 12:00:00.1-12")]
    [InlineData("timestamptz", "2024-06-01 12:00:00.12345+14")]
    [InlineData("timestamptz", "0001-01-01 00:00:00-00:00:01")]
    [InlineData("timestamptz", "9999-12-31 23:59:59.999999-00:00:01")]
    [InlineData("timestamp", "2024-06-01 12:00:00.000001")]
    [InlineData("timestamp", "9999-12-31 23:59:59.999999")]
    public void Timestamps_read_as_microseconds_equal_the_general_reader(string type, string text)
    {
        var t = type == "timestamp" ? PrimitiveType.Timestamp : PrimitiveType.TimestampTz;
        var general = PostgresValues.FromText(t, Encoding.UTF8.GetBytes(text), out var unrepresentable);
        var ok = PostgresValues.TryTimestampMicros(t, Encoding.UTF8.GetBytes(text), out var micros);
        Assert.Equal(!unrepresentable, ok);
        Assert.Equal(general is null ? 0 : Micros.FromValue(general), micros);
    }

    [Theory]
    [InlineData("2024-06-01 12:00:00")]
    [InlineData("2024-06-01T12:00:00+00")]
    [InlineData("2024-13-01 12:00:00+00")]
    [InlineData("2024-06-01 12:00:00+00 AD")]
    [InlineData("2023-02-29 12:00:00+00")]
    [InlineData("0000-06-01 12:00:00+00")]
    [InlineData("2024-06-01 12:60:00+00")]
    [InlineData("2024-06-01 12:00:00.1234567+00")]
    [InlineData("2024-06-01 12:00:00.+00")]
    [InlineData("2024-06-01 12:00:00+0")]
    [InlineData("2024-06-01 12:00:00+00:3")]
    [InlineData("2024-06-01 1a:00:00+00")]
    public void Malformed_timestamps_are_refused_by_both_readers(string text)
    {
        Assert.Throws<FormatException>(() => PostgresValues.FromText(PrimitiveType.TimestampTz, Encoding.UTF8.GetBytes(text), out _));
        Assert.Throws<FormatException>(() => PostgresValues.TryTimestampMicros(PrimitiveType.TimestampTz, Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Timestamps_in_PostgreSQLs_output_form_read_as_the_general_reader_reads_them()
    {
        // Values as timestamptz_out and timestamp_out print them: fraction digits without trailing
        // zeros, offsets with minutes and seconds only when not zero.
        var random = new Random(20261205);
        for (var i = 0; i < 5000; i++)
        {
            var ticks = random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay) / 10 * 10;
            var local = new DateTime(ticks);
            var text = local.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var micros = ticks / 10 % 1_000_000;
            if (micros != 0)
            {
                text += "." + micros.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0');
            }

            var type = i % 2 == 0 ? PrimitiveType.Timestamp : PrimitiveType.TimestampTz;
            if (type == PrimitiveType.TimestampTz)
            {
                var offset = random.Next(-15 * 3600, 15 * 3600) / (i % 3 == 0 ? 1 : 900) * (i % 3 == 0 ? 1 : 900);
                var a = Math.Abs(offset);
                text += (offset < 0 ? "-" : "+") + (a / 3600).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                if (a % 3600 != 0)
                {
                    text += ":" + (a / 60 % 60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                    if (a % 60 != 0)
                    {
                        text += ":" + (a % 60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }

            var general = PostgresValues.FromText(type, Encoding.UTF8.GetBytes(text), out var unrepresentable);
            var ok = PostgresValues.TryTimestampMicros(type, Encoding.UTF8.GetBytes(text), out var read);
            Assert.True(ok == !unrepresentable, text);
            Assert.True((general is null ? 0 : Micros.FromValue(general)) == read, text);
        }
    }

    [DuckDbFact]
    public async Task DuckDB_reads_the_values_of_a_batch()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        var schema = table.Metadata.CurrentSchema;
        var rows = Rows(1, 20);
        var batch = new ColumnBatch(schema);
        AppendRows(batch, rows);
        await using var appender = DataFileWriter.Open(_io, table.NewDataFileLocation(), schema);
        await appender.AppendAsync(batch);
        var file = await appender.CompleteAsync();

        var r = DuckDb.Query(new Dictionary<string, string>
        {
            ["rows"] = $"""select id, name, cast(price as varchar) price, epoch_us(updated) updated, cast("day" as varchar) "day", flag, case when isnan(score) then 'nan' else cast(score as varchar) end score, n, hex(blob) blob from read_parquet('{file.FilePath}') order by id""",
        });
        var read = r["rows"]!.AsArray();
        Assert.Equal(rows.Count, read.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = rows[i];
            var actual = read[i]!;
            Assert.Equal(((long)expected[0]!).ToString(CultureInfo.InvariantCulture), actual["id"]!.ToString());
            Assert.Equal((string?)expected[1], (string?)actual["name"]);
            Assert.Equal(((decimal?)expected[2])?.ToString("0.00", CultureInfo.InvariantCulture), (string?)actual["price"]);
            Assert.Equal(Micros.FromValue(expected[4]!).ToString(CultureInfo.InvariantCulture), actual["updated"]!.ToString());
            Assert.Equal(((DateOnly)expected[5]!).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)actual["day"]);
            Assert.Equal((bool)expected[7]!, (bool)actual["flag"]!);
            var score = (string)actual["score"]!;
            Assert.Equal((double)expected[8]!, score == "nan" ? double.NaN : double.Parse(score, CultureInfo.InvariantCulture));
            Assert.Equal((int)expected[10]!, (int)actual["n"]!);
            Assert.Equal(expected[12] is byte[] b ? Convert.ToHexString(b) : null, (string?)actual["blob"]);
        }
    }
}
