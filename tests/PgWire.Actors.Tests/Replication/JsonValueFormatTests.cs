using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PgWire.Actors.Replication;
using PgWire.Protocol.Types;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The JSON written for PostgreSQL text values in each version of the JSON line format, from hand-made server text.</summary>
public sealed class JsonValueFormatTests
{
    private const uint EnumOid = 70001;
    private const uint EnumArrayOid = 70002;
    private const uint PositiveOid = 70003;
    private const uint PositiveArrayOid = 70004;
    private const uint TagsDomainOid = 70005;
    private const uint StampDomainOid = 70006;

    private static readonly PgTypeCatalog Catalog = new PgTypeCatalog(150000)
        .AddEnum(EnumOid)
        .AddArray(EnumArrayOid, EnumOid)
        .AddDomain(PositiveOid, PgTypeOids.Int4)
        .AddArray(PositiveArrayOid, PositiveOid)
        .AddDomain(TagsDomainOid, PgTypeOids.TextArray)
        .AddDomain(StampDomainOid, PgTypeOids.TimestampTz);

    /// <summary>
    /// The JSON for <paramref name="text"/>, written by the span writer, checked against the
    /// Utf8JsonWriter path and for being one valid JSON value.
    /// </summary>
    private static string Json(uint typeOid, string text, int format = JsonLineFormat.V2)
    {
        var type = JsonValueType.Resolve(typeOid, format, Catalog);
        var value = Encoding.UTF8.GetBytes(text);
        var buffer = new byte[JsonValues.MaxLength(value.Length)];
        JsonValues.Fallback? fallback = null;
        var n = JsonValues.WriteText(buffer, type, value, ref fallback);
        fallback?.Dispose();
        var json = Encoding.UTF8.GetString(buffer, 0, n);

        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            JsonLineEncoder.WriteTextValue(writer, type, value);
        }

        Assert.Equal(json, Encoding.UTF8.GetString(output.WrittenSpan));
        using var parsed = JsonDocument.Parse(json);
        Assert.DoesNotContain('\n', json);
        return json;
    }

    [Theory]
    [InlineData("2026-01-01 08:00:00.123456+00", "\"2026-01-01T08:00:00.123456Z\"")]
    [InlineData("2026-01-01 08:00:00+00", "\"2026-01-01T08:00:00Z\"")]
    [InlineData("2026-01-01 08:00:00.5+00", "\"2026-01-01T08:00:00.5Z\"")]
    [InlineData("2026-01-01 08:00:00.12+00", "\"2026-01-01T08:00:00.12Z\"")]
    [InlineData("2026-01-01 08:00:00.000001+00", "\"2026-01-01T08:00:00.000001Z\"")]
    [InlineData("1999-12-31 23:59:59.999999+00", "\"1999-12-31T23:59:59.999999Z\"")]
    [InlineData("0001-01-01 00:00:00+00", "\"0001-01-01T00:00:00Z\"")]
    [InlineData("10000-01-01 00:00:00+00", "\"10000-01-01T00:00:00Z\"")]
    [InlineData("294276-12-31 23:59:59.999999+00", "\"294276-12-31T23:59:59.999999Z\"")]
    [InlineData("0044-03-15 12:00:00+00 BC", "\"0044-03-15 12:00:00+00 BC\"")]
    [InlineData("4713-11-24 00:00:00.25+00 BC", "\"4713-11-24 00:00:00.25+00 BC\"")]
    [InlineData("infinity", "\"infinity\"")]
    [InlineData("-infinity", "\"-infinity\"")]
    [InlineData("2026-01-01 08:00:00+05", "\"2026-01-01T08:00:00+05:00\"")]
    [InlineData("2026-01-01 08:00:00.1-03", "\"2026-01-01T08:00:00.1-03:00\"")]
    [InlineData("2026-01-01 08:00:00+05:30", "\"2026-01-01T08:00:00+05:30\"")]
    [InlineData("1900-01-01 00:00:00+00:53:28", "\"1900-01-01 00:00:00+00:53:28\"")]
    [InlineData("Thu Jan 01 08:00:00 2026 UTC", "\"Thu Jan 01 08:00:00 2026 UTC\"")]
    public void Timestamptz_is_iso_8601_in_utc_and_what_iso_cannot_say_stays_as_postgresql_prints_it(string text, string json)
    {
        Assert.Equal(json, Json(PgTypeOids.TimestampTz, text));
        Assert.Equal(json, Json(StampDomainOid, text));
    }

    [Theory]
    [InlineData("2026-01-01 08:00:00.123456", "\"2026-01-01T08:00:00.123456\"")]
    [InlineData("2026-01-01 08:00:00", "\"2026-01-01T08:00:00\"")]
    [InlineData("2026-01-01 08:00:00.9", "\"2026-01-01T08:00:00.9\"")]
    [InlineData("12026-06-30 00:00:01.01", "\"12026-06-30T00:00:01.01\"")]
    [InlineData("0044-03-15 12:00:00 BC", "\"0044-03-15 12:00:00 BC\"")]
    [InlineData("infinity", "\"infinity\"")]
    [InlineData("-infinity", "\"-infinity\"")]
    [InlineData("2026-01-01 08:00:00+00", "\"2026-01-01 08:00:00+00\"")]
    public void Timestamp_is_iso_8601_without_a_zone(string text, string json) =>
        Assert.Equal(json, Json(PgTypeOids.Timestamp, text));

    [Theory]
    [InlineData(PgTypeOids.Date, "2026-01-01", "\"2026-01-01\"")]
    [InlineData(PgTypeOids.Date, "0044-03-15 BC", "\"0044-03-15 BC\"")]
    [InlineData(PgTypeOids.Date, "infinity", "\"infinity\"")]
    [InlineData(PgTypeOids.Time, "08:00:00.5", "\"08:00:00.5\"")]
    [InlineData(PgTypeOids.TimeTz, "08:00:00+05:30", "\"08:00:00+05:30\"")]
    [InlineData(PgTypeOids.TimeTz, "08:00:00+00", "\"08:00:00+00\"")]
    [InlineData(PgTypeOids.Interval, "1 day 02:00:00", "\"1 day 02:00:00\"")]
    [InlineData(PgTypeOids.Numeric, "1.10", "\"1.10\"")]
    [InlineData(PgTypeOids.Numeric, "NaN", "\"NaN\"")]
    [InlineData(PgTypeOids.Int8, "-9223372036854775808", "-9223372036854775808")]
    [InlineData(PgTypeOids.Float8, "1.5e+300", "1.5e+300")]
    [InlineData(PgTypeOids.Float8, "-Infinity", "\"-Infinity\"")]
    [InlineData(PgTypeOids.Float4, "NaN", "\"NaN\"")]
    [InlineData(PgTypeOids.Bool, "t", "true")]
    [InlineData(PgTypeOids.Bool, "f", "false")]
    [InlineData(PgTypeOids.Text, "a \"q\" \\ b", "\"a \\\"q\\\" \\\\ b\"")]
    [InlineData(PgTypeOids.Jsonb, "{\"a\": [1, null]}", "{\"a\": [1, null]}")]
    [InlineData(PgTypeOids.Json, "{\"a\":\n 1}", "{\"a\":  1}")]
    [InlineData(EnumOid, "happy", "\"happy\"")]
    [InlineData(PositiveOid, "42", "42")]
    [InlineData(99999, "(1,2)", "\"(1,2)\"")]
    public void Other_scalars_keep_their_text_or_are_typed_json(uint oid, string text, string json) =>
        Assert.Equal(json, Json(oid, text));

    [Theory]
    [InlineData("\\x0102", "\"AQI=\"")]
    [InlineData("\\x", "\"\"")]
    [InlineData("\\x00ff7f80", "\"AP9/gA==\"")]
    [InlineData("\\xDEADBEEF", "\"3q2+7w==\"")]
    [InlineData("\\x616263", "\"YWJj\"")]
    [InlineData("\\x0", "\"\\\\x0\"")]
    [InlineData("\\xzz", "\"\\\\xzz\"")]
    [InlineData("abc", "\"abc\"")]
    public void Bytea_is_base64_with_padding(string text, string json) =>
        Assert.Equal(json, Json(PgTypeOids.Bytea, text));

    [Fact]
    public void Bytea_of_every_byte_value_reads_back_as_the_same_bytes()
    {
        var bytes = Enumerable.Range(0, 256).Select(b => (byte)b).Concat(new byte[] { 0, 1 }).ToArray();
        for (var length = 0; length <= bytes.Length; length += 37)
        {
            var slice = bytes[..length];
            var json = Json(PgTypeOids.Bytea, "\\x" + Convert.ToHexStringLower(slice));
            Assert.Equal(slice, Convert.FromBase64String(JsonSerializer.Deserialize<string>(json)!));
        }
    }

    [Theory]
    [InlineData(PgTypeOids.Int4Array, "{1,2,3}", "[1,2,3]")]
    [InlineData(PgTypeOids.Int4Array, "{}", "[]")]
    [InlineData(PgTypeOids.Int4Array, "{NULL,2}", "[null,2]")]
    [InlineData(PgTypeOids.Int4Array, "{{1,2},{3,NULL}}", "[[1,2],[3,null]]")]
    [InlineData(PgTypeOids.Int4Array, "{{{1},{2}},{{3},{4}}}", "[[[1],[2]],[[3],[4]]]")]
    [InlineData(PgTypeOids.Int8Array, "{-9223372036854775808}", "[-9223372036854775808]")]
    [InlineData(PgTypeOids.Float8Array, "{1.5,NaN,Infinity,-Infinity,-0}", "[1.5,\"NaN\",\"Infinity\",\"-Infinity\",-0]")]
    [InlineData(PgTypeOids.NumericArray, "{1.10,NaN}", "[\"1.10\",\"NaN\"]")]
    [InlineData(PgTypeOids.BoolArray, "{t,f,NULL}", "[true,false,null]")]
    [InlineData(PgTypeOids.TextArray, "{a,\"b c\",\"\",\"NULL\",NULL}", "[\"a\",\"b c\",\"\",\"NULL\",null]")]
    [InlineData(PgTypeOids.TextArray, "{\"a,b\",\"q\\\"uote\",\"back\\\\slash\",\"{br}\"}", "[\"a,b\",\"q\\\"uote\",\"back\\\\slash\",\"{br}\"]")]
    [InlineData(PgTypeOids.TextArray, "{\"tab\there\",é€}", "[\"tab\\there\",\"é€\"]")]
    [InlineData(PgTypeOids.TextArray, "{{a,b},{\"c}\",d}}", "[[\"a\",\"b\"],[\"c}\",\"d\"]]")]
    [InlineData(PgTypeOids.TimestampTzArray, "{\"2026-01-01 08:00:00.5+00\",infinity,NULL,\"0044-03-15 12:00:00+00 BC\"}", "[\"2026-01-01T08:00:00.5Z\",\"infinity\",null,\"0044-03-15 12:00:00+00 BC\"]")]
    [InlineData(PgTypeOids.TimestampArray, "{\"2026-01-01 08:00:00\"}", "[\"2026-01-01T08:00:00\"]")]
    [InlineData(PgTypeOids.DateArray, "{2026-01-01,\"0044-03-15 BC\"}", "[\"2026-01-01\",\"0044-03-15 BC\"]")]
    [InlineData(PgTypeOids.ByteaArray, "{\"\\\\x0102\",\"\\\\x\",NULL}", "[\"AQI=\",\"\",null]")]
    [InlineData(PgTypeOids.JsonbArray, "{\"{\\\"a\\\": 1}\",\"[1, 2]\",NULL,2}", "[{\"a\": 1},[1, 2],null,2]")]
    [InlineData(PgTypeOids.JsonArray, "{\"\\\"s\\\"\"}", "[\"s\"]")]
    [InlineData(PgTypeOids.UuidArray, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "[\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"]")]
    [InlineData(1020, "{(1,1),(0,0);(3,3),(2,2)}", "[\"(1,1),(0,0)\",\"(3,3),(2,2)\"]")]
    [InlineData(EnumArrayOid, "{happy,NULL,sad}", "[\"happy\",null,\"sad\"]")]
    [InlineData(PositiveArrayOid, "{1,2}", "[1,2]")]
    [InlineData(TagsDomainOid, "{x,y}", "[\"x\",\"y\"]")]
    public void Arrays_are_json_arrays_of_elements_typed_like_scalars(uint oid, string text, string json) =>
        Assert.Equal(json, Json(oid, text));

    [Theory]
    [InlineData(PgTypeOids.Int4Array, "[2:3]={1,2}", "{\"lower_bounds\":[2],\"elements\":[1,2]}")]
    [InlineData(PgTypeOids.Int4Array, "[0:0]={7}", "{\"lower_bounds\":[0],\"elements\":[7]}")]
    [InlineData(PgTypeOids.Int4Array, "[-5:-4][1:2]={{1,2},{3,4}}", "{\"lower_bounds\":[-5,1],\"elements\":[[1,2],[3,4]]}")]
    [InlineData(PgTypeOids.TextArray, "[1:1][3:4]={{a,\"b,c\"}}", "{\"lower_bounds\":[1,3],\"elements\":[[\"a\",\"b,c\"]]}")]
    public void Arrays_with_other_lower_bounds_keep_them_beside_the_elements(uint oid, string text, string json) =>
        Assert.Equal(json, Json(oid, text));

    [Theory]
    [InlineData("{1,2")]
    [InlineData("{1,,2}")]
    [InlineData("1,2")]
    [InlineData("{1}x")]
    [InlineData("{\"a}")]
    [InlineData("[2:3]{1,2}")]
    [InlineData("[x:3]={1,2}")]
    [InlineData("{1{2}}")]
    [InlineData("")]
    public void Text_that_is_not_an_array_is_written_as_a_string(string text) =>
        Assert.Equal(JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), Json(PgTypeOids.Int4Array, text));

    [Theory]
    [InlineData(PgTypeOids.TimestampTz, "2026-01-01 08:00:00.5+00", "\"2026-01-01 08:00:00.5+00\"")]
    [InlineData(PgTypeOids.Timestamp, "2026-01-01 08:00:00", "\"2026-01-01 08:00:00\"")]
    [InlineData(PgTypeOids.Bytea, "\\x0102", "\"\\\\x0102\"")]
    [InlineData(PgTypeOids.Int4Array, "{1,2}", "\"{1,2}\"")]
    [InlineData(PgTypeOids.Int8, "7", "7")]
    [InlineData(PgTypeOids.Float8, "NaN", "\"NaN\"")]
    [InlineData(PgTypeOids.Bool, "t", "true")]
    [InlineData(PgTypeOids.Jsonb, "{\"a\": 1}", "{\"a\": 1}")]
    [InlineData(PositiveOid, "42", "\"42\"")]
    [InlineData(EnumArrayOid, "{happy}", "\"{happy}\"")]
    public void Version_1_writes_everything_but_numbers_booleans_and_json_as_postgresql_text(uint oid, string text, string json) =>
        Assert.Equal(json, Json(oid, text, JsonLineFormat.V1));

    [Fact]
    public void A_recorded_version_of_0_is_version_1()
    {
        Assert.Equal(JsonLineFormat.V1, JsonLineFormat.OfRecorded(0));
        Assert.Equal(JsonLineFormat.V2, JsonLineFormat.OfRecorded(2));
        Assert.Equal(JsonLineFormat.V2, JsonLineFormat.Current);
    }

    [Fact]
    public void The_worst_case_array_fits_in_the_space_reserved_for_its_text()
    {
        // One-byte elements that grow most: booleans (t -> true) and control characters (\u0001).
        foreach (var (oid, element) in new[] { (PgTypeOids.BoolArray, "t"), (PgTypeOids.TextArray, "\u0001"), (PgTypeOids.JsonArray, "1") })
        {
            var text = "{" + string.Join(",", Enumerable.Repeat(element, 1000)) + "}";
            var json = Json(oid, text);
            Assert.True(Encoding.UTF8.GetByteCount(json) <= JsonValues.MaxLength(Encoding.UTF8.GetByteCount(text)));
        }
    }
}
