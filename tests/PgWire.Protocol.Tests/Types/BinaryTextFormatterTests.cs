using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PgWire.Protocol.Types;
using Xunit;

namespace PgWire.Protocol.Tests.Types;

public class BinaryTextFormatterTests
{
    // ---------------------------------------------------------------- helpers

    private static string Format(uint oid, byte[] value, IPgTypeCatalog? catalog = null)
    {
        var output = new ArrayBufferWriter<byte>();
        BinaryTextFormatter.Format(oid, value, output, catalog);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static byte[] I16(short v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(b, v);
        return b;
    }

    private static byte[] I32(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        return b;
    }

    private static byte[] I64(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, v);
        return b;
    }

    private static byte[] F8(double v) => I64(BitConverter.DoubleToInt64Bits(v));

    private static byte[] F4(float v) => I32(BitConverter.SingleToInt32Bits(v));

    private static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Numeric(short weight, ushort sign, short dscale, params short[] digits) =>
        Cat([I16((short)digits.Length), I16(weight), I16(unchecked((short)sign)), I16(dscale), .. digits.Select(I16)]);

    private static byte[] Interval(long time, int days, int months) => Cat(I64(time), I32(days), I32(months));

    private static byte[] Array(uint elementOid, int[] lengths, int[] lowerBounds, params byte[]?[] elements)
    {
        var parts = new List<byte[]> { I32(lengths.Length), I32(elements.Any(e => e is null) ? 1 : 0), I32(unchecked((int)elementOid)) };
        for (var i = 0; i < lengths.Length; i++)
        {
            parts.Add(I32(lengths[i]));
            parts.Add(I32(lowerBounds[i]));
        }

        foreach (var e in elements)
        {
            parts.Add(e is null ? I32(-1) : Cat(I32(e.Length), e));
        }

        return Cat([.. parts]);
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static PgProtocolException Malformed(uint oid, byte[] value, IPgTypeCatalog? catalog = null) =>
        Assert.Throws<PgProtocolException>(() => Format(oid, value, catalog));

    // ---------------------------------------------------------------- scalars

    [Fact]
    public void Integers_bool_and_oid()
    {
        Assert.Equal("-32768", Format(PgTypeOids.Int2, I16(short.MinValue)));
        Assert.Equal("2147483647", Format(PgTypeOids.Int4, I32(int.MaxValue)));
        Assert.Equal("-9223372036854775808", Format(PgTypeOids.Int8, I64(long.MinValue)));
        Assert.Equal("0", Format(PgTypeOids.Int8, I64(0)));
        Assert.Equal("4294967295", Format(PgTypeOids.Oid, I32(-1)));
        Assert.Equal("t", Format(PgTypeOids.Bool, [1]));
        Assert.Equal("f", Format(PgTypeOids.Bool, [0]));
    }

    [Theory]
    [InlineData(1e20, "1e+20")]
    [InlineData(1.5e-5, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e14, "100000000000000")]
    [InlineData(1e15, "1e+15")]
    [InlineData(123456789012345.6, "123456789012345.6")]
    [InlineData(-0.0, "-0")]
    [InlineData(0.0, "0")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    [InlineData(1e100, "1e+100")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.1, "0.1")]
    [InlineData(-12.5, "-12.5")]
    [InlineData(1e23, "9.999999999999999e+22")]
    [InlineData(27734131856540408.0, "2.7734131856540408e+16")]
    public void Float8_prints_the_shortest_form_in_postgres_layout(double value, string expected) =>
        Assert.Equal(expected, Format(PgTypeOids.Float8, F8(value)));

    [Theory]
    [InlineData(1e5f, "100000")]
    [InlineData(1e6f, "1e+06")]
    [InlineData(123456f, "123456")]
    [InlineData(1234567f, "1.234567e+06")]
    [InlineData(1.4e-45f, "1e-45")]
    [InlineData(0.1f, "0.1")]
    [InlineData(-0f, "-0")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    [InlineData(-108996944f, "-1.08996944e+08")]
    [InlineData(3.4028235e38f, "3.4028235e+38")]
    public void Float4_prints_its_own_shortest_form(float value, string expected) =>
        Assert.Equal(expected, Format(PgTypeOids.Float4, F4(value)));

    [Fact]
    public void Float_nan_ignores_its_sign_bit()
    {
        Assert.Equal("NaN", Format(PgTypeOids.Float8, I64(unchecked((long)0xFFF8000000000001))));
        Assert.Equal("NaN", Format(PgTypeOids.Float4, I32(unchecked((int)0xFFC00001))));
    }

    [Fact]
    public void Numeric_honours_weight_and_display_scale()
    {
        Assert.Equal("1.50", Format(PgTypeOids.Numeric, Numeric(0, 0, 2, 1, 5000)));
        Assert.Equal("0.00", Format(PgTypeOids.Numeric, Numeric(0, 0, 2)));
        Assert.Equal("0", Format(PgTypeOids.Numeric, Numeric(0, 0, 0)));
        Assert.Equal("10000", Format(PgTypeOids.Numeric, Numeric(1, 0, 0, 1)));
        Assert.Equal("100000000.0001", Format(PgTypeOids.Numeric, Numeric(2, 0, 4, 1, 0, 0, 1)));
        Assert.Equal("-12345.678", Format(PgTypeOids.Numeric, Numeric(1, 0x4000, 3, 1, 2345, 6780)));
        Assert.Equal("0.000012345", Format(PgTypeOids.Numeric, Numeric(-2, 0, 9, 1234, 5000)));
        Assert.Equal("0.0000123", Format(PgTypeOids.Numeric, Numeric(-2, 0, 7, 1234, 5000)));
        Assert.Equal("0.000000123450", Format(PgTypeOids.Numeric, Numeric(-2, 0, 12, 12, 3450)));
        Assert.Equal("123.4560000000", Format(PgTypeOids.Numeric, Numeric(0, 0, 10, 123, 4560)));
        Assert.Equal("NaN", Format(PgTypeOids.Numeric, Numeric(0, 0xC000, 0)));
        Assert.Equal("Infinity", Format(PgTypeOids.Numeric, Numeric(0, 0xD000, 0)));
        Assert.Equal("-Infinity", Format(PgTypeOids.Numeric, Numeric(0, 0xF000, 0)));
    }

    [Fact]
    public void Dates_count_days_from_2000_with_bc_years_and_infinities()
    {
        Assert.Equal("2000-01-01", Format(PgTypeOids.Date, I32(0)));
        Assert.Equal("1999-12-31", Format(PgTypeOids.Date, I32(-1)));
        Assert.Equal("2000-03-01", Format(PgTypeOids.Date, I32(60)));
        Assert.Equal("0001-01-01", Format(PgTypeOids.Date, I32(-730119)));
        Assert.Equal("0001-12-31 BC", Format(PgTypeOids.Date, I32(-730120)));
        Assert.Equal("4714-11-24 BC", Format(PgTypeOids.Date, I32(-2451545)));
        Assert.Equal("5874897-12-31", Format(PgTypeOids.Date, I32(2145031948)));
        Assert.Equal("infinity", Format(PgTypeOids.Date, I32(int.MaxValue)));
        Assert.Equal("-infinity", Format(PgTypeOids.Date, I32(int.MinValue)));
    }

    [Fact]
    public void Times_trim_trailing_fraction_zeros_and_print_zones_east_positive()
    {
        Assert.Equal("00:00:00", Format(PgTypeOids.Time, I64(0)));
        Assert.Equal("24:00:00", Format(PgTypeOids.Time, I64(86_400_000_000)));
        Assert.Equal("12:34:56.5", Format(PgTypeOids.Time, I64(45_296_500_000)));
        Assert.Equal("00:00:00.000001", Format(PgTypeOids.Time, I64(1)));

        // The zone field counts seconds west of UTC.
        Assert.Equal("01:00:00+05:30", Format(PgTypeOids.TimeTz, Cat(I64(3_600_000_000), I32(-19800))));
        Assert.Equal("01:00:00-01", Format(PgTypeOids.TimeTz, Cat(I64(3_600_000_000), I32(3600))));
        Assert.Equal("01:00:00+01:02:03", Format(PgTypeOids.TimeTz, Cat(I64(3_600_000_000), I32(-3723))));
        Assert.Equal("01:00:00+00", Format(PgTypeOids.TimeTz, Cat(I64(3_600_000_000), I32(0))));
        Assert.Equal("01:00:00-00:00:01", Format(PgTypeOids.TimeTz, Cat(I64(3_600_000_000), I32(1))));
    }

    [Fact]
    public void Timestamps_in_iso_style_with_utc_suffix_and_bc_after_it()
    {
        Assert.Equal("2000-01-01 00:00:00", Format(PgTypeOids.Timestamp, I64(0)));
        Assert.Equal("1999-12-31 23:59:59.999999", Format(PgTypeOids.Timestamp, I64(-1)));
        Assert.Equal("2000-01-01 00:00:00.25+00", Format(PgTypeOids.TimestampTz, I64(250_000)));
        Assert.Equal("294276-12-31 23:59:59.999999+00", Format(PgTypeOids.TimestampTz, I64(9_223_371_331_199_999_999)));
        Assert.Equal("4714-11-24 00:00:00+00 BC", Format(PgTypeOids.TimestampTz, I64(-211_813_488_000_000_000)));
        Assert.Equal("0001-12-31 23:59:59 BC", Format(PgTypeOids.Timestamp, I64((-730119 * 86_400_000_000L) - 1_000_000)));
        Assert.Equal("infinity", Format(PgTypeOids.TimestampTz, I64(long.MaxValue)));
        Assert.Equal("-infinity", Format(PgTypeOids.Timestamp, I64(long.MinValue)));
    }

    [Fact]
    public void Intervals_in_postgres_style()
    {
        Assert.Equal("00:00:00", Format(PgTypeOids.Interval, Interval(0, 0, 0)));
        Assert.Equal("1 year 2 mons -3 days +04:05:06.5", Format(PgTypeOids.Interval, Interval(14_706_500_000, -3, 14)));
        Assert.Equal("-1 years -2 mons +3 days -04:05:06", Format(PgTypeOids.Interval, Interval(-14_706_000_000, 3, -14)));
        Assert.Equal("1 mon", Format(PgTypeOids.Interval, Interval(0, 0, 1)));
        Assert.Equal("1 day -00:00:01", Format(PgTypeOids.Interval, Interval(-1_000_000, 1, 0)));
        Assert.Equal("-1 days +00:00:01", Format(PgTypeOids.Interval, Interval(1_000_000, -1, 0)));
        Assert.Equal("-00:00:00.000001", Format(PgTypeOids.Interval, Interval(-1, 0, 0)));
        Assert.Equal("100:00:00", Format(PgTypeOids.Interval, Interval(360_000_000_000, 0, 0)));
        Assert.Equal("-1 mons +1 day", Format(PgTypeOids.Interval, Interval(0, 1, -1)));
    }

    [Fact]
    public void Interval_infinities_depend_on_the_server_version()
    {
        var max = Interval(long.MaxValue, int.MaxValue, int.MaxValue);
        var min = Interval(long.MinValue, int.MinValue, int.MinValue);
        Assert.Equal("infinity", Format(PgTypeOids.Interval, max));
        Assert.Equal("-infinity", Format(PgTypeOids.Interval, min, new PgTypeCatalog(170000)));
        Assert.Equal("178956970 years 7 mons 2147483647 days 2562047788:00:54.775807", Format(PgTypeOids.Interval, max, new PgTypeCatalog(150018)));
        Assert.Equal("-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808", Format(PgTypeOids.Interval, min, new PgTypeCatalog(160000)));
    }

    [Fact]
    public void Uuid_bytea_char_jsonb_and_text()
    {
        var uuid = Convert.FromHexString("A0EEBC999C0B4EF8BB6D6BB9BD380A11");
        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Format(PgTypeOids.Uuid, uuid));
        Assert.Equal("\\x", Format(PgTypeOids.Bytea, []));
        Assert.Equal("\\x00ff10", Format(PgTypeOids.Bytea, [0x00, 0xFF, 0x10]));
        Assert.Equal("a", Format(PgTypeOids.Char, [(byte)'a']));
        Assert.Equal("", Format(PgTypeOids.Char, [0]));
        Assert.Equal("\\212", Format(PgTypeOids.Char, [0x8A]));
        Assert.Equal("\\377", Format(PgTypeOids.Char, [0xFF]));
        Assert.Equal("{\"a\": 1}", Format(PgTypeOids.Jsonb, [1, .. Utf8("{\"a\": 1}")]));
        Assert.Equal("ünï", Format(PgTypeOids.Text, Utf8("ünï")));
        Assert.Equal("", Format(PgTypeOids.Varchar, []));
    }

    [Fact]
    public void Char_before_postgres_15_prints_high_bytes_raw()
    {
        var output = new ArrayBufferWriter<byte>();
        BinaryTextFormatter.Format(PgTypeOids.Char, [0x8A], output, new PgTypeCatalog(140005));
        Assert.Equal(new byte[] { 0x8A }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Long_bytea_is_written_in_chunks_without_losing_bytes()
    {
        var value = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal("\\x" + Convert.ToHexString(value).ToLowerInvariant(), Format(PgTypeOids.Bytea, value));
    }

    [Fact]
    public void Network_addresses_print_like_inet_out_and_cidr_out()
    {
        static byte[] Inet(byte family, byte bits, bool cidr, params byte[] address) => [family, bits, cidr ? (byte)1 : (byte)0, (byte)address.Length, .. address];
        static byte[] V6(params ushort[] words) => words.SelectMany(w => new[] { (byte)(w >> 8), (byte)w }).ToArray();

        Assert.Equal("192.168.1.1/24", Format(PgTypeOids.Inet, Inet(2, 24, false, 192, 168, 1, 1)));
        Assert.Equal("1.2.3.4", Format(PgTypeOids.Inet, Inet(2, 32, false, 1, 2, 3, 4)));
        Assert.Equal("1.2.3.4/32", Format(PgTypeOids.Cidr, Inet(2, 32, true, 1, 2, 3, 4)));
        Assert.Equal("10.0.0.0/8", Format(PgTypeOids.Cidr, Inet(2, 8, true, 10, 0, 0, 0)));
        Assert.Equal("::", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(0, 0, 0, 0, 0, 0, 0, 0))));
        Assert.Equal("::1", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(0, 0, 0, 0, 0, 0, 0, 1))));
        Assert.Equal("::/0", Format(PgTypeOids.Cidr, Inet(3, 0, true, V6(0, 0, 0, 0, 0, 0, 0, 0))));
        Assert.Equal("2001:db8::1/64", Format(PgTypeOids.Inet, Inet(3, 64, false, V6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))));
        Assert.Equal("1:0:0:2::3", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(1, 0, 0, 2, 0, 0, 0, 3))));
        Assert.Equal("1::2:0:0:3:4", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(1, 0, 0, 2, 0, 0, 3, 4))));
        Assert.Equal("1:0:1:0:1:0:1:0", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(1, 0, 1, 0, 1, 0, 1, 0))));
        Assert.Equal("::ffff:1.2.3.4", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304))));
        Assert.Equal("::1.2.3.4", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(0, 0, 0, 0, 0, 0, 0x0102, 0x0304))));
        Assert.Equal("::102", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(0, 0, 0, 0, 0, 0, 0, 0x0102))));
        Assert.Equal("1::", Format(PgTypeOids.Inet, Inet(3, 128, false, V6(1, 0, 0, 0, 0, 0, 0, 0))));
        Assert.Equal("08:00:2b:01:02:03", Format(PgTypeOids.MacAddr, [0x08, 0x00, 0x2b, 0x01, 0x02, 0x03]));
        Assert.Equal("08:00:2b:ff:fe:01:02:03", Format(PgTypeOids.MacAddr8, [0x08, 0x00, 0x2b, 0xff, 0xfe, 0x01, 0x02, 0x03]));

        Assert.Contains("family 4", Malformed(PgTypeOids.Inet, Inet(4, 0, false, 1, 2, 3, 4)).Message, StringComparison.Ordinal);
        Assert.Contains("33 mask bits", Malformed(PgTypeOids.Inet, Inet(2, 33, false, 1, 2, 3, 4)).Message, StringComparison.Ordinal);
        Assert.Contains("address length 16", Malformed(PgTypeOids.Inet, Inet(2, 32, false, V6(1, 2, 3, 4, 5, 6, 7, 8))).Message, StringComparison.Ordinal);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Cidr, Inet(2, 32, false, 1, 2, 3, 4)[..7]).Kind);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.MacAddr, [1, 2, 3]).Kind);
    }

    // ---------------------------------------------------------------- arrays

    [Fact]
    public void Arrays_nest_braces_and_print_null_elements()
    {
        Assert.Equal("{1,2,NULL}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [3], [1], I32(1), I32(2), null)));
        Assert.Equal("{{1,2},{3,4}}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [2, 2], [1, 1], I32(1), I32(2), I32(3), I32(4))));
        Assert.Equal("{{{1},{2}},{{3},{4}}}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [2, 2, 1], [1, 1, 1], I32(1), I32(2), I32(3), I32(4))));
        Assert.Equal("{}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [], [])));
        Assert.Equal("{}", Format(PgTypeOids.TextArray, Array(PgTypeOids.Text, [0], [5])));
        Assert.Equal("{NULL}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [1], [1], [null])));
    }

    [Fact]
    public void Lower_bounds_other_than_one_are_printed_before_the_value()
    {
        Assert.Equal("[0:1]={1,2}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [2], [0], I32(1), I32(2))));
        Assert.Equal("[1:1][-3:-2]={{5,6}}", Format(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [1, 2], [1, -3], I32(5), I32(6))));
    }

    [Fact]
    public void Text_elements_are_quoted_and_escaped_like_array_out()
    {
        string[] elements = ["", "NULL", "null", "nulls", "a b", "a,b", "a\"b", "a\\b", "{x}", "x", "ü", "tab\t", "vt\v"];
        var value = Array(PgTypeOids.Text, [elements.Length], [1], [.. elements.Select(Utf8)]);
        Assert.Equal("{\"\",\"NULL\",\"null\",nulls,\"a b\",\"a,b\",\"a\\\"b\",\"a\\\\b\",\"{x}\",x,ü,\"tab\t\",\"vt\v\"}", Format(PgTypeOids.TextArray, value));
    }

    [Fact]
    public void Formatted_elements_with_spaces_or_backslashes_are_quoted()
    {
        Assert.Equal("{\"0001-12-31 BC\",2000-01-01}", Format(PgTypeOids.DateArray, Array(PgTypeOids.Date, [2], [1], I32(-730120), I32(0))));
        Assert.Equal("{\"2000-01-01 00:00:00+00\"}", Format(PgTypeOids.TimestampTzArray, Array(PgTypeOids.TimestampTz, [1], [1], I64(0))));
        Assert.Equal("{\"\\\\x01\"}", Format(PgTypeOids.ByteaArray, Array(PgTypeOids.Bytea, [1], [1], [0x01])));
        Assert.Equal("{\"\",\"\\\\212\",a}", Format(PgTypeOids.CharArray, Array(PgTypeOids.Char, [3], [1], [0], [0x8A], [(byte)'a'])));
        Assert.Equal("{\"{\\\"a\\\": 1}\"}", Format(PgTypeOids.JsonbArray, Array(PgTypeOids.Jsonb, [1], [1], [1, .. Utf8("{\"a\": 1}")])));
        Assert.Equal("{NaN,-Infinity,1e+20}", Format(PgTypeOids.Float8Array, Array(PgTypeOids.Float8, [3], [1], F8(double.NaN), F8(double.NegativeInfinity), F8(1e20))));
    }

    // ---------------------------------------------------------------- types and the catalog

    [Fact]
    public void Built_in_types_resolve_without_a_catalog_and_others_do_not()
    {
        uint[] supported = [16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 142, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802,
            1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1183, 1185, 1187, 1231, 1270, 199, 143, 2951, 3807,
            869, 650, 829, 774, 1041, 651, 1040, 775];
        Assert.All(supported, oid => Assert.True(BinaryTextFormatter.CanFormat(oid), $"OID {oid}"));

        // money, point, int4range, int2vector, oidvector, regclass, record, _money, unknown
        uint[] unsupported = [790, 600, 3904, 22, 30, 2205, 2249, 791, 0, 987654];
        Assert.All(unsupported, oid => Assert.False(BinaryTextFormatter.CanFormat(oid), $"OID {oid}"));
    }

    [Fact]
    public void Enums_domains_and_their_arrays_resolve_through_the_catalog()
    {
        var catalog = new PgTypeCatalog()
            .AddEnum(50000)
            .AddArray(50001, 50000)
            .AddDomain(50002, PgTypeOids.Numeric)
            .AddDomain(50003, 50002)
            .AddArray(50004, 50003)
            .AddDomain(50005, PgTypeOids.Int4Array)
            .AddArray(50006, 50005)
            .AddDomain(50007, 790)
            .AddArray(50008, 790);

        Assert.Equal("happy", Format(50000, Utf8("happy"), catalog));
        Assert.Equal("{happy,\"very sad\"}", Format(50001, Array(50000, [2], [1], Utf8("happy"), Utf8("very sad")), catalog));
        Assert.Equal("1.50", Format(50003, Numeric(0, 0, 2, 1, 5000), catalog));
        Assert.Equal("{1.50}", Format(50004, Array(50003, [1], [1], Numeric(0, 0, 2, 1, 5000)), catalog));
        Assert.Equal("{1.50}", Format(50004, Array(PgTypeOids.Numeric, [1], [1], Numeric(0, 0, 2, 1, 5000)), catalog));
        Assert.Equal("{7}", Format(50005, Array(PgTypeOids.Int4, [1], [1], I32(7)), catalog));

        Assert.True(BinaryTextFormatter.TryResolve(50004, catalog, out var type));
        Assert.True(type.IsArray);
        Assert.Equal(50003u, type.ElementOid);
        Assert.Equal(50004u, type.TypeOid);

        Assert.False(BinaryTextFormatter.CanFormat(50000), "an enum is unknown without the catalog");
        Assert.False(BinaryTextFormatter.CanFormat(50006, catalog), "arrays of array domains are not supported");
        Assert.False(BinaryTextFormatter.CanFormat(50007, catalog), "a domain over money");
        Assert.False(BinaryTextFormatter.CanFormat(50008, catalog), "an array of money");
    }

    [Fact]
    public void A_domain_cycle_in_a_bad_catalog_is_unsupported_rather_than_endless()
    {
        var catalog = new PgTypeCatalog().AddDomain(60000, 60001).AddDomain(60001, 60000).AddArray(60002, 60000);
        Assert.False(BinaryTextFormatter.CanFormat(60000, catalog));
        Assert.False(BinaryTextFormatter.CanFormat(60002, catalog));
    }

    [Fact]
    public void Catalog_rows_from_the_load_query_become_entries()
    {
        var catalog = new PgTypeCatalog(150000);
        Assert.True(catalog.AddRow(70000, 'e', 0, 0));
        Assert.True(catalog.AddRow(70001, 'b', 0, 70000));
        Assert.True(catalog.AddRow(70002, 'd', 25, 0));
        Assert.False(catalog.AddRow(70003, 'c', 0, 0));
        Assert.Equal(3, catalog.Count);
        Assert.Equal(150000, catalog.ServerVersionNumber);
        Assert.True(catalog.TryGetType(70001, out var info));
        Assert.Equal(new PgTypeInfo(PgTypeKind.Array, 70000), info);
    }

    [Fact]
    public void Unsupported_types_and_unresolved_handles_are_refused()
    {
        Assert.Throws<NotSupportedException>(() => Format(790, I64(1)));
        Assert.Throws<ArgumentException>(() => BinaryTextFormatter.Format(default(BinaryColumnType), I32(1), new ArrayBufferWriter<byte>()));
    }

    // ---------------------------------------------------------------- malformed input

    [Theory]
    [InlineData(PgTypeOids.Int2, 3)]
    [InlineData(PgTypeOids.Int4, 2)]
    [InlineData(PgTypeOids.Int8, 4)]
    [InlineData(PgTypeOids.Oid, 0)]
    [InlineData(PgTypeOids.Bool, 2)]
    [InlineData(PgTypeOids.Char, 0)]
    [InlineData(PgTypeOids.Float4, 8)]
    [InlineData(PgTypeOids.Float8, 4)]
    [InlineData(PgTypeOids.Date, 8)]
    [InlineData(PgTypeOids.Time, 7)]
    [InlineData(PgTypeOids.TimeTz, 8)]
    [InlineData(PgTypeOids.Timestamp, 9)]
    [InlineData(PgTypeOids.TimestampTz, 0)]
    [InlineData(PgTypeOids.Interval, 12)]
    [InlineData(PgTypeOids.Uuid, 15)]
    [InlineData(PgTypeOids.Numeric, 7)]
    [InlineData(PgTypeOids.Jsonb, 0)]
    [InlineData(PgTypeOids.Int4Array, 11)]
    public void A_value_of_the_wrong_length_is_a_protocol_error(uint oid, int length)
    {
        var ex = Malformed(oid, new byte[length]);
        Assert.True(ex.Kind is ProtocolErrorKind.Truncated or ProtocolErrorKind.TrailingBytes, ex.Kind.ToString());
        Assert.Contains("byte", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_with_a_bad_sign_digit_or_length_is_refused()
    {
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Numeric, Numeric(0, 0x8000, 0, 1)).Kind);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Numeric, Numeric(0, 0, 0, 10000)).Kind);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Numeric, Numeric(0, 0, 0x4000, 1)).Kind);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Numeric, Numeric(0, 0, 0, 1)[..9]).Kind);
        Assert.Equal(ProtocolErrorKind.TrailingBytes, Malformed(PgTypeOids.Numeric, [.. Numeric(0, 0, 0, 1), 0]).Kind);
    }

    [Fact]
    public void Out_of_range_date_and_time_values_are_refused()
    {
        Assert.Contains("out of range", Malformed(PgTypeOids.Date, I32(-2451546)).Message, StringComparison.Ordinal);
        Assert.Contains("out of range", Malformed(PgTypeOids.Timestamp, I64(-211_813_488_000_000_001)).Message, StringComparison.Ordinal);
        Assert.Contains("out of range", Malformed(PgTypeOids.TimestampTz, I64(9_223_371_331_200_000_000)).Message, StringComparison.Ordinal);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Time, I64(86_400_000_001)).Kind);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Time, I64(-1)).Kind);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.TimeTz, Cat(I64(0), I32(57600))).Kind);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Malformed(PgTypeOids.Jsonb, [2, (byte)'1']).Kind);
    }

    [Fact]
    public void Malformed_arrays_are_refused_with_a_clear_reason()
    {
        var good = Array(PgTypeOids.Int4, [2], [1], I32(1), I32(2));
        Assert.Equal("{1,2}", Format(PgTypeOids.Int4Array, good));

        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Int4Array, good[..^1]).Kind);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Int4Array, good[..^6]).Kind);
        Assert.Equal(ProtocolErrorKind.TrailingBytes, Malformed(PgTypeOids.Int4Array, [.. good, 0]).Kind);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Int4Array, good[..16]).Kind);
        Assert.Contains("7 dimensions", Malformed(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], I32(1))).Message, StringComparison.Ordinal);
        Assert.Contains("length -1", Malformed(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [-1], [1])).Message, StringComparison.Ordinal);
        Assert.Contains("element type 25", Malformed(PgTypeOids.Int4Array, Array(PgTypeOids.Text, [1], [1], Utf8("x"))).Message, StringComparison.Ordinal);
        Assert.Contains("upper bound", Malformed(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [2], [int.MaxValue], I32(1), I32(2))).Message, StringComparison.Ordinal);
        Assert.Equal(ProtocolErrorKind.Truncated, Malformed(PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [100000, 100000], [1, 1], I32(1))).Kind);

        var badFlags = (byte[])good.Clone();
        badFlags[7] = 2;
        Assert.Contains("flags 2", Malformed(PgTypeOids.Int4Array, badFlags).Message, StringComparison.Ordinal);

        // An element whose own bytes are malformed fails with that element's reason.
        var badElement = Array(PgTypeOids.Int4, [1], [1], I16(1));
        Assert.Contains("int4", Malformed(PgTypeOids.Int4Array, badElement).Message, StringComparison.Ordinal);
        var negativeLength = Cat(Array(PgTypeOids.Int4, [1], [1])[..20], I32(-2));
        Assert.Equal(ProtocolErrorKind.InvalidLength, Malformed(PgTypeOids.Int4Array, negativeLength).Kind);
    }

    [Fact]
    public void Random_bytes_give_text_or_a_protocol_error_never_anything_else()
    {
        var random = new Random(12345);
        uint[] oids = [16, 17, 18, 20, 21, 23, 25, 26, 700, 701, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802, 869, 650, 829, 774, 1007, 1009, 1231, 1185, 1187, 1002];
        var output = new ArrayBufferWriter<byte>();
        foreach (var oid in oids)
        {
            for (var i = 0; i < 3000; i++)
            {
                var value = new byte[random.Next(0, 48)];
                random.NextBytes(value);
                if (oid == PgTypeOids.Numeric && value.Length >= 8)
                {
                    // Mostly a plausible header, so the digit and scale checks get exercised too.
                    BinaryPrimitives.WriteInt16BigEndian(value, (short)((value.Length - 8) / 2));
                }
                else if (oid is 1007 or 1009 or 1231 or 1185 or 1187 or 1002 && value.Length >= 12)
                {
                    BinaryPrimitives.WriteInt32BigEndian(value, random.Next(0, 3));
                    BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(4), random.Next(0, 2));
                }

                output.ResetWrittenCount();
                try
                {
                    BinaryTextFormatter.Format(oid, value, output);
                }
                catch (PgProtocolException)
                {
                }
            }
        }
    }

    [Fact]
    public void Formatting_scalars_allocates_nothing()
    {
        var values = new (uint Oid, byte[] Value)[]
        {
            (PgTypeOids.Int4, I32(123456)),
            (PgTypeOids.Int8, I64(-9876543210)),
            (PgTypeOids.Float8, F8(1234.5678)),
            (PgTypeOids.Float4, F4(3.25f)),
            (PgTypeOids.Numeric, Numeric(1, 0, 4, 12, 3456, 7800)),
            (PgTypeOids.TimestampTz, I64(771_234_567_891_234)),
            (PgTypeOids.Date, I32(9000)),
            (PgTypeOids.Interval, Interval(14_706_500_000, -3, 14)),
            (PgTypeOids.Text, Utf8("some text value")),
            (PgTypeOids.Uuid, new byte[16]),
            (PgTypeOids.Bytea, new byte[32]),
            (PgTypeOids.Int4Array, Array(PgTypeOids.Int4, [3], [1], I32(1), I32(2), null)),
            (PgTypeOids.TextArray, Array(PgTypeOids.Text, [2], [1], Utf8("a b"), Utf8("c"))),
            (PgTypeOids.TimestampTzArray, Array(PgTypeOids.TimestampTz, [1], [1], I64(0))),
        };
        var types = values.Select(v => BinaryTextFormatter.TryResolve(v.Oid, null, out var t) ? t : throw new InvalidOperationException()).ToArray();
        var output = new ArrayBufferWriter<byte>(1 << 16);

        void FormatAll()
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryTextFormatter.Format(types[i], values[i].Value, output);
            }
        }

        FormatAll();
        output.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 100; round++)
        {
            output.ResetWrittenCount();
            FormatAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
