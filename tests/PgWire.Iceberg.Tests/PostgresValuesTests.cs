using System.Globalization;
using System.Text;
using Npgsql;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// PostgreSQL text values as the server prints them (under several TimeZone and bytea_output
/// settings) turned into Iceberg values, checked against Npgsql's binary reading of the same
/// values, then written and read back through a data file, and read by DuckDB.
/// </summary>
public sealed class PostgresValuesTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>What a case expects: Npgsql's reading of the value, the text itself, an unrepresentable value, or a given value.</summary>
    private abstract record Expect;

    private sealed record AsNpgsql : Expect;

    private sealed record AsText : Expect;

    private sealed record Unrepresentable(object? Value = null) : Expect;

    private static readonly Expect Npg = new AsNpgsql();
    private static readonly Expect Text = new AsText();
    private static readonly Expect Unrep = new Unrepresentable();

    private static readonly (string Type, string Literal, Expect Expect)[] Cases =
    [
        ("int2", "-32768", Npg),
        ("int4", "2147483647", Npg),
        ("int8", "-9223372036854775808", Npg),
        ("numeric(12,3)", "-123456789.125", Npg),
        ("numeric(12,3)", "0.5", Npg),
        ("numeric(38,10)", "1234567890123456789.0123456789", Npg),
        ("numeric(38,10)", "9999999999999999999999999999.0000000001", Unrep),
        ("numeric(38,0)", "12345678901234567890123456789012345678", Unrep),
        ("numeric(10,2)", "NaN", Unrep),
        ("numeric", "1e-20", Text),
        ("numeric", "Infinity", Text),
        ("float4", "NaN", Npg),
        ("float4", "-Infinity", Npg),
        ("float4", "1e-7", Npg),
        ("float4", "3.4028235e38", Npg),
        ("float8", "-0", Npg),
        ("float8", "Infinity", Npg),
        ("float8", "1.7976931348623157e308", Npg),
        ("float8", "0.1", Npg),
        ("bool", "true", Npg),
        ("bool", "false", Npg),
        ("text", "a \"b\" é 😀 \\ {x}", Npg),
        ("varchar(10)", "x y", Npg),
        ("char(3)", "a", Text),
        ("date", "2024-02-29", Npg),
        ("date", "0001-01-01", Npg),
        ("date", "9999-12-31", Npg),
        ("date", "0044-03-15 BC", Unrep),
        ("date", "infinity", Unrep),
        ("date", "-infinity", Unrep),
        ("date", "10000-01-01", Unrep),
        ("time", "00:00:00", Npg),
        ("time", "23:59:59.999999", Npg),
        ("time", "12:34:56.5", Npg),
        ("time", "24:00:00", Unrep),
        ("timestamp", "2024-01-02 03:04:05.123456", Npg),
        ("timestamp", "0001-01-01 00:00:00", Npg),
        ("timestamp", "9999-12-31 23:59:59.999999", Npg),
        ("timestamp", "2024-01-02 03:04:05 BC", Unrep),
        ("timestamp", "infinity", Unrep),
        ("timestamp", "12345-01-01 10:00", Unrep),
        ("timestamptz", "2024-07-01 12:00:00.5+02", Npg),
        ("timestamptz", "2024-01-01 00:00:00.000001+00", Npg),
        ("timestamptz", "1900-01-02 03:04:05+00", Npg),
        ("timestamptz", "0001-01-02 00:00:00+00", Npg),
        ("timestamptz", "-infinity", Unrep),
        ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Npg),
        ("bytea", "\\x00ff415c22", Npg),
        ("bytea", "", Npg),
        ("json", "{\"a\": [1, 2], \"b\": \"é\"}", Text),
        ("jsonb", "{\"a\": [1, 2], \"b\": \"é\"}", Text),
        ("interval", "1 day 02:00:00", Text),
        ("inet", "10.0.0.1/8", Text),
        ("int4[]", "{1,NULL,3}", Npg),
        ("int4[]", "[0:1]={5,6}", Npg),
        ("int4[]", "{}", Npg),
        ("int4[]", "{{1,2},{3,4}}", Unrep),
        ("int2[]", "{-1,2}", Npg),
        ("int8[]", "{9223372036854775807,NULL}", Npg),
        ("text[]", "{\"a b\",NULL,\"NULL\",\"x\\\"y\",\"c\\\\d\",\"\",\"{}\",\"a,b\",\" z \",é}", Npg),
        ("varchar[]", "{abc}", Npg),
        ("bool[]", "{t,f,NULL}", Npg),
        ("float4[]", "{1.5,NaN}", Npg),
        ("float8[]", "{NaN,-Infinity,1.5,NULL}", Npg),
        ("numeric(5,2)[]", "{1.5,NULL,-999.99}", Npg),
        ("numeric(5,2)[]", "{1.5,NaN}", new Unrepresentable(new object?[] { 1.5m, null })),
        ("date[]", "{2024-01-02,NULL}", Npg),
        ("date[]", "{infinity,2024-01-02}", new Unrepresentable(new object?[] { null, new DateOnly(2024, 1, 2) })),
        ("time[]", "{01:02:03.25}", Npg),
        ("timestamp[]", "{\"2024-01-02 03:04:05.5\",NULL}", Npg),
        ("timestamptz[]", "{\"2024-01-02 03:04:05.5+01\",NULL}", Npg),
        ("uuid[]", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}", Npg),
        ("bytea[]", "{\"\\\\x0102\",NULL,\"\\\\x\"}", Npg),
    ];

    // format('%s', v) prints v with its type's output function, as logical replication sends it
    // (v::text differs for bool: 'true' where the output function prints 't').

    /// <summary>Session settings under which the text forms are read: each must give the same values.</summary>
    private static readonly string[] Settings =
    [
        "set timezone = 'UTC'; set bytea_output = 'hex'",
        "set timezone = 'Europe/Amsterdam'; set bytea_output = 'escape'",
        "set timezone = 'Asia/Kolkata'; set bytea_output = 'hex'",
        "set timezone = 'America/St_Johns'; set bytea_output = 'escape'",
    ];

    private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    [ClusterDuckDbFact]
    public async Task Text_values_of_every_mapped_type_convert_write_and_read_back()
    {
        var connString = TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword, extra: new Dictionary<string, string> { ["Array Nullability Mode"] = "PerInstance" });
        await using var conn = new NpgsqlConnection(connString);
        await conn.OpenAsync();
        var table = "pgwire_values_" + Guid.NewGuid().ToString("N")[..8];
        var columns = string.Join(", ", Cases.Select((c, i) => $"c{i} {c.Type}"));
        await Exec(conn, $"create temp table {table} (id int, {columns})");
        await Exec(conn, $"insert into {table} values (1, {string.Join(", ", Cases.Select(c => Quote(c.Literal)))}), (2{string.Concat(Cases.Select(_ => ", null"))})");

        // The Iceberg schema the type mapping makes of the columns.
        var types = new List<IcebergType>();
        var nextId = Cases.Length + 1;
        await using (var cmd = new NpgsqlCommand($"select t.typname, a.atttypmod from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = '{table}'::regclass and a.attnum > 1 order by a.attnum", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                types.Add(PostgresTypeMapping.ToIceberg(reader.GetString(0), reader.GetInt32(1), () => ++nextId));
            }
        }

        // Npgsql's binary reading of each value (null where it cannot read one).
        var typed = new object?[Cases.Length];
        await using (var cmd = new NpgsqlCommand($"select * from {table} where id = 1", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            for (var i = 0; i < Cases.Length; i++)
            {
                try
                {
                    typed[i] = reader.GetValue(i + 1);
                }
                catch (Exception)
                {
                    typed[i] = null;
                }
            }
        }

        List<object?[]>? converted = null;
        string[]? utcTexts = null;
        foreach (var setting in Settings)
        {
            await Exec(conn, setting);
            var texts = new string?[Cases.Length];
            var values = new object?[Cases.Length];
            var nulls = new object?[Cases.Length];
            await using (var cmd = new NpgsqlCommand($"select {string.Join(", ", Cases.Select((_, i) => $"case when c{i} is not null then format('%s', c{i}) end"))} from {table} order by id", conn))
            await using (var reader = await cmd.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                for (var i = 0; i < Cases.Length; i++)
                {
                    texts[i] = reader.GetString(i);
                    var (type, literal, expect) = Cases[i];
                    var what = $"{type} {literal} as {setting}: text {texts[i]}";
                    output.WriteLine(what);
                    var value = PostgresValues.FromText(types[i], Encoding.UTF8.GetBytes(texts[i]!), out var unrepresentable);
                    switch (expect)
                    {
                        case AsNpgsql:
                            Assert.False(unrepresentable, what);
                            Assert.NotNull(typed[i]);
                            AssertSame(Normalize(typed[i]!, types[i]), value, what);
                            break;
                        case AsText:
                            Assert.False(unrepresentable, what);
                            Assert.Equal(texts[i], value);
                            break;
                        case Unrepresentable u:
                            Assert.True(unrepresentable, what);
                            AssertSame(u.Value, value, what);
                            break;
                    }

                    values[i] = value;
                }

                Assert.True(await reader.ReadAsync());
                for (var i = 0; i < Cases.Length; i++)
                {
                    Assert.True(reader.IsDBNull(i));
                }
            }

            if (converted is null)
            {
                converted = [values, nulls];
                utcTexts = texts!;
            }
            else
            {
                for (var i = 0; i < Cases.Length; i++)
                {
                    if (Cases[i].Expect is not AsText)
                    {
                        AssertSame(converted[0][i], values[i], $"{Cases[i].Type} {Cases[i].Literal} under {setting}");
                    }
                }
            }
        }

        // Through a data file and back.
        var schema = new IcebergSchema(0, [new NestedField(1, "id", true, PrimitiveType.Int), .. types.Select((t, i) => new NestedField(i + 2, $"c{i}", false, t))]);
        var iceberg = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, schema);
        object?[][] rows = [[1, .. converted![0]], [2, .. converted[1]]];
        var file = await DataFileWriter.WriteAsync(new LocalFileIO(), iceberg.NewDataFileLocation(), schema, rows);
        await iceberg.CommitAsync([file], [], removeAllExisting: false);
        var read = (await iceberg.ReadAsync()).Rows.OrderBy(r => (int)r[0]!).ToList();
        Assert.Equal(2, read.Count);
        for (var c = 0; c < schema.Fields.Count; c++)
        {
            AssertSame(rows[0][c], read[0][c], $"read back: column {schema.Fields[c].Name} {schema.Fields[c].Type}");
            AssertSame(c == 0 ? 2 : null, read[1][c], $"read back: column {schema.Fields[c].Name}");
        }

        // DuckDB reads the scalar columns as PostgreSQL printed them (UTC, hex bytea).
        var comparable = Enumerable.Range(0, Cases.Length)
            .Where(i => types[i] is PrimitiveType { Name: not ("float" or "double" or "boolean") } && converted[0][i] is not null && !Cases[i].Type.StartsWith("bytea", StringComparison.Ordinal))
            .ToList();
        var duck = DuckDb.Query(new Dictionary<string, string>
        {
            ["rows"] = $"select {string.Join(", ", comparable.Select(i => $"cast(c{i} as varchar) c{i}"))}, hex(c{Array.FindIndex(Cases, c => c.Literal == "\\x00ff415c22")}) bytes, c{Array.FindIndex(Cases, c => c.Literal == "true")} t from read_parquet('{file.FilePath}') where id = 1",
        })["rows"]![0]!;
        foreach (var i in comparable)
        {
            Assert.Equal(utcTexts![i], (string?)duck[$"c{i}"]);
        }

        Assert.Equal("00FF415C22", (string?)duck["bytes"]);
        Assert.True((bool)duck["t"]!);

        // Lists: the elements' logical types (dates, timestamps, decimals, uuids) as DuckDB reads them.
        static string Element(object? v) => v switch
        {
            null => "NULL",
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "+00",
            DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
            TimeOnly t => t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
            decimal m => m.ToString("0.00", CultureInfo.InvariantCulture),
            Guid g => g.ToString("D"),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture)!,
        };
        var lists = Enumerable.Range(0, Cases.Length)
            .Where(i => types[i] is ListType { Element: PrimitiveType { Name: "date" or "time" or "timestamp" or "timestamptz" or "decimal" or "uuid" or "long" } } && converted[0][i] is not null)
            .ToList();
        var duckLists = DuckDb.Query(new Dictionary<string, string>
        {
            ["rows"] = $"select {string.Join(", ", lists.Select(i => $"array_to_string(list_transform(c{i}, x -> coalesce(cast(x as varchar), 'NULL')), ', ') c{i}"))} from read_parquet('{file.FilePath}') where id = 1",
        })["rows"]![0]!;
        Assert.Equal(9, lists.Count);
        foreach (var i in lists)
        {
            Assert.Equal(string.Join(", ", ((object?[])converted[0][i]!).Select(Element)), (string?)duckLists[$"c{i}"]);
        }
    }

    /// <summary>
    /// The binary send form of each case (bool, integers, floats, uuid, date, time, timestamps)
    /// gives exactly the value its text gives, unrepresentable ones included; other types are
    /// left to the text path.
    /// </summary>
    [ClusterFact]
    public async Task Binary_values_give_what_their_text_gives()
    {
        await using var conn = new NpgsqlConnection(TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword));
        await conn.OpenAsync();
        var table = "pgwire_binary_" + Guid.NewGuid().ToString("N")[..8];
        await Exec(conn, $"create temp table {table} ({string.Join(", ", Cases.Select((c, i) => $"c{i} {c.Type}"))})");
        await Exec(conn, $"insert into {table} values ({string.Join(", ", Cases.Select(c => Quote(c.Literal)))})");
        var types = new List<(IcebergType Type, uint Oid, string Send)>();
        var nextId = Cases.Length + 1;
        await using (var cmd = new NpgsqlCommand($"select t.typname, a.atttypmod, t.oid::int8, t.typsend::text from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = '{table}'::regclass and a.attnum > 0 order by a.attnum", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                types.Add((PostgresTypeMapping.ToIceberg(reader.GetString(0), reader.GetInt32(1), () => ++nextId), (uint)reader.GetInt64(2), reader.GetString(3)));
            }
        }

        await using (var cmd = new NpgsqlCommand($"select {string.Join(", ", types.Select((t, i) => $"format('%s', c{i}), {t.Send}(c{i})"))} from {table}", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            var direct = 0;
            for (var i = 0; i < Cases.Length; i++)
            {
                var (type, oid, _) = types[i];
                var text = PostgresValues.FromText(type, Encoding.UTF8.GetBytes(reader.GetString(2 * i)), out var textUnrepresentable);
                var what = $"{Cases[i].Type} {Cases[i].Literal}";
                if (!PostgresValues.TryFromBinary(type, oid, (byte[])reader.GetValue((2 * i) + 1), out var binary, out var binaryUnrepresentable))
                {
                    Assert.False(ReadFromBinary(Cases[i].Type), $"{what}: not read from its binary form");
                    continue;
                }

                direct++;
                Assert.Equal(textUnrepresentable, binaryUnrepresentable);
                AssertSame(text, binary, what);
            }

            Assert.Equal(Cases.Count(c => ReadFromBinary(c.Type)), direct);
        }

        static bool ReadFromBinary(string type) => type is "int2" or "int4" or "int8" or "float4" or "float8" or "bool" or "uuid" or "date" or "time" or "timestamp" or "timestamptz" or "text" or "varchar(10)";
    }

    [Fact]
    public void Binary_integers_widen_to_a_long_field_text_is_its_own_binary_form_and_other_fields_take_text()
    {
        Assert.True(PostgresValues.TryFromBinary(PrimitiveType.Long, 23, [0xFF, 0xFF, 0xFF, 0xFE], out var value, out var u));
        Assert.Equal(-2L, value);
        Assert.False(u);
        Assert.False(PostgresValues.TryFromBinary(PrimitiveType.String, 23, [0, 0, 0, 1], out _, out _));
        Assert.Throws<FormatException>(() => PostgresValues.TryFromBinary(PrimitiveType.Int, 23, [0, 0, 1], out _, out _));
        Assert.True(PostgresValues.TryFromBinary(PrimitiveType.String, 25, "é x"u8, out value, out u));
        Assert.Equal("é x", value);
        Assert.False(u);
    }

    private static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Npgsql's value as the Iceberg value it should be.</summary>
    private static object? Normalize(object value, IcebergType type) => (value, type) switch
    {
        (DBNull, _) => null,
        (byte[] b, _) => b,
        (Array a, ListType l) when a.Rank == 1 => a.Cast<object?>().Select(x => x is null ? null : Normalize(x, l.Element)).ToArray(),
        (short s, _) => (int)s,
        (DateTime d, PrimitiveType { Name: "date" }) => DateOnly.FromDateTime(d),
        (DateTime d, PrimitiveType { Name: "timestamptz" }) => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        (TimeSpan t, PrimitiveType { Name: "time" }) => TimeOnly.FromTimeSpan(t),
        _ => value,
    };

    private static void AssertSame(object? expected, object? actual, string what)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{what}: expected null, got {actual}");
                break;
            case object?[] list:
                var items = Assert.IsType<object?[]>(actual);
                Assert.True(list.Length == items.Length, $"{what}: {list.Length} elements expected, got {items.Length}");
                for (var i = 0; i < list.Length; i++)
                {
                    AssertSame(list[i], items[i], $"{what} [{i}]");
                }

                break;
            case byte[] bytes:
                Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(Assert.IsType<byte[]>(actual)));
                break;
            case DateTimeOffset o:
                Assert.True(actual is DateTimeOffset, $"{what}: expected a DateTimeOffset, got {actual} ({actual?.GetType().Name})");
                var a = (DateTimeOffset)actual!;
                Assert.True(o == a && a.Offset == TimeSpan.Zero, $"{what}: expected {o:O}, got {a:O}");
                break;
            case DateTime t:
                Assert.True(actual is DateTime, $"{what}: expected a DateTime, got {actual} ({actual?.GetType().Name})");
                var dt = (DateTime)actual!;
                Assert.True(t.Ticks == dt.Ticks && dt.Kind == DateTimeKind.Unspecified, $"{what}: expected {t:O}, got {dt:O} ({dt.Kind})");
                break;
            default:
                Assert.True(actual is not null && expected.GetType() == actual.GetType() && expected.Equals(actual), $"{what}: expected {expected} ({expected.GetType().Name}), got {actual} ({actual?.GetType().Name})");
                break;
        }
    }

    [Theory]
    [InlineData("int", "12a")]
    [InlineData("boolean", "yes")]
    [InlineData("date", "2024-13-01")]
    [InlineData("timestamptz", "2024-01-02 03:04:05")]
    [InlineData("time", "1:02:03")]
    [InlineData("uuid", "not-a-uuid")]
    [InlineData("binary", "\\x0")]
    [InlineData("decimal(5,2)", "1.2.3")]
    public void Malformed_text_is_a_format_error_that_shows_the_value(string type, string text)
    {
        var e = Assert.Throws<FormatException>(() => PostgresValues.FromText(PrimitiveType.Parse(type), Encoding.UTF8.GetBytes(text), out _));
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.Contains(type, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{1,2")]
    [InlineData("{\"a}")]
    [InlineData("1,2")]
    [InlineData("{1,,2}")]
    public void Malformed_arrays_are_format_errors(string text) =>
        Assert.Throws<FormatException>(() => PostgresValues.FromText(new ListType(2, PrimitiveType.Int, false), Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Decimals_outside_the_column_type_are_unrepresentable()
    {
        var type = PrimitiveType.Decimal(5, 2);
        Assert.Equal(-999.99m, PostgresValues.FromText(type, "-999.99"u8, out var u));
        Assert.False(u);
        Assert.Null(PostgresValues.FromText(type, "1000.00"u8, out u));
        Assert.True(u);
        Assert.Null(PostgresValues.FromText(type, "1.005"u8, out u));
        Assert.True(u);
        Assert.Equal(1.5m, PostgresValues.FromText(type, "1.500"u8, out u));
        Assert.False(u);
        Assert.Equal(decimal.Parse("0.0000000000000000000000000001", CultureInfo.InvariantCulture), PostgresValues.FromText(PrimitiveType.Decimal(38, 28), "0.0000000000000000000000000001"u8, out u));
        Assert.False(u);
    }
}
