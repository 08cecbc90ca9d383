using System.Globalization;
using System.Text;

namespace PgWire.Actors.Tests.Types;

/// <summary>
/// One set of values of one type: a query yielding a single column, with an optional text-array
/// parameter, and the fewest rows it must produce (so a broken query cannot pass by returning nothing).
/// </summary>
public sealed record EquivalenceCase(string Name, string Sql, string? Parameter, int MinRows, bool Seeded);

/// <summary>The values the live equivalence test compares, by case name.</summary>
public static class BinaryTextCases
{
    private static readonly Dictionary<string, EquivalenceCase> ByName = Build().ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static IEnumerable<object[]> Names => ByName.Keys.Order(StringComparer.Ordinal).Select(n => new object[] { n });

    public static EquivalenceCase Get(string name) => ByName[name];

    private static IEnumerable<EquivalenceCase> Build()
    {
        // ---- integers, bool, oid
        yield return Literals("int2", "int2", "0", "1", "-1", "32767", "-32768", "10", "-100", "9999");
        yield return Generated("int2 random", "SELECT (random() * 65535 - 32768)::int2 FROM generate_series(1, 2000)", 2000);
        yield return Literals("int4", "int4", "0", "1", "-1", "2147483647", "-2147483648", "1000000", "-999999");
        yield return Generated("int4 random", "SELECT (random() * 4294967295 - 2147483648)::int4 FROM generate_series(1, 2000)", 2000);
        yield return Literals("int8", "int8", "0", "1", "-1", "9223372036854775807", "-9223372036854775808", "4294967296", "-10000000000");
        yield return Generated("int8 random", "SELECT ((random() - 0.5) * 1.8e19)::int8 FROM generate_series(1, 2000) UNION ALL SELECT (random() * 2000 - 1000)::int8 FROM generate_series(1, 500)", 2500);
        yield return Literals("oid", "oid", "0", "1", "4294967295", "2147483648", "12345");
        yield return Generated("oid random", "SELECT (random() * 4294967295)::int8::oid FROM generate_series(1, 1000)", 1000);
        yield return Literals("bool", "bool", "true", "false");

        // ---- floats
        yield return Literals("float8", "float8",
            "0", "-0", "1", "-1", "0.1", "0.5", "1.5", "100", "1e14", "1e15", "1e16", "123456789012345", "1234567890123456",
            "123456789012345.6", "9007199254740991", "9007199254740992", "9007199254740993", "1e20", "1e22", "1e23", "1e100", "1e-100",
            "0.0001", "0.00001", "0.000123", "1.5e-05", "1e-4", "9.999e-5", "1e308", "1.7976931348623157e308", "2.2250738585072014e-308",
            "2.225073858507201e-308", "5e-324", "-5e-324", "4.9406564584124654e-324", "3.141592653589793", "2.718281828459045",
            "0.30000000000000004", "1e-5", "12345.678", "999999999999999", "99999999999999.99", "NaN", "Infinity", "-Infinity",
            "1e-7", "123e300", "0.000099999", "100000000000000.5", "1e-310");
        yield return Generated("float8 random", """
            SELECT ((random() - 0.5) * 10 ^ (random() * 600 - 300))::float8 FROM generate_series(1, 2000)
            UNION ALL SELECT random() FROM generate_series(1, 500)
            UNION ALL SELECT (random() * 1e6)::int / 100.0::float8 FROM generate_series(1, 500)
            UNION ALL SELECT round(random() * 1e18)::float8 FROM generate_series(1, 500)
            """, 3500);
        yield return Literals("float8 bit patterns", "float8", RandomDoubles(3000));
        yield return Literals("float8 powers of two and neighbours", "float8", PowerOfTwoNeighbours(11, 52));
        yield return Generated("float8 decimal powers", """
            SELECT (m || 'e' || k)::float8 FROM generate_series(-320, 307) k, unnest(ARRAY['1', '2', '5', '9', '2.5', '1.5', '9.999']) m
            """, 4000);
        yield return Literals("float4", "float4",
            "0", "-0", "1", "-1", "0.1", "0.5", "1.5", "100", "1e5", "1e6", "123456", "1234567", "12345.67", "999999", "9999999",
            "1e-4", "1e-5", "0.0001234", "3.4028235e38", "1.17549435e-38", "1.4e-45", "-1.4e-45", "3.1415927", "16777216", "16777217",
            "NaN", "Infinity", "-Infinity", "1e10", "0.3", "100000.5", "1e-40");
        yield return Generated("float4 random", """
            SELECT ((random() - 0.5) * 10 ^ (random() * 70 - 35))::float4 FROM generate_series(1, 2000)
            UNION ALL SELECT random()::float4 FROM generate_series(1, 500)
            UNION ALL SELECT ((random() * 2e6)::int - 1e6)::float4 FROM generate_series(1, 500)
            UNION ALL SELECT (random() * 2e9)::int8::float4 FROM generate_series(1, 1000)
            """, 4000);
        yield return Literals("float4 bit patterns", "float4", RandomSingles(3000));
        yield return Literals("float4 powers of two and neighbours", "float4", PowerOfTwoNeighbours(8, 23));
        yield return Generated("float4 decimal powers", """
            SELECT (m || 'e' || k)::float4 FROM generate_series(-44, 37) k, unnest(ARRAY['1', '2', '5', '9', '2.5', '1.5', '9.999']) m
            """, 500);

        // ---- numeric
        yield return Literals("numeric", "numeric",
            "0", "0.0", "0.00", "-0.000", "1", "-1", "10", "100", "1000", "10000", "100000", "9999", "99999", "12345678",
            "0.1", "0.01", "0.001", "0.0001", "0.00001", "0.000000001", "1.5", "1.50", "1.500000", "-1.23456789", "3.14159265358979323846",
            "123456789012345678901234567890.123456789012345678901234567890", "1e-20", "1e20", "1.0e-300", "9.99e300", "12345.6789",
            "0.5000", "1234.0000", "-0.0001", "100000000.00000001", "NaN", "Infinity", "-Infinity");
        yield return Generated("numeric computed", """
            SELECT 1::numeric / 3 UNION ALL SELECT 2::numeric / 3 UNION ALL SELECT sqrt(2::numeric)
            UNION ALL SELECT exp(1::numeric) UNION ALL SELECT ln(10::numeric) UNION ALL SELECT 10::numeric ^ 40
            UNION ALL SELECT 0.1::numeric ^ 20 UNION ALL SELECT factorial(30)::numeric UNION ALL SELECT 1::numeric / 7 * 7
            UNION ALL SELECT round(2.5::numeric) UNION ALL SELECT trunc(-2.999::numeric, 2) UNION ALL SELECT 1.5::numeric(10, 4)
            """, 12);
        yield return Generated("numeric random", """
            SELECT round(((random() - 0.5) * 10 ^ (random() * 40 - 20))::numeric, (random() * 25)::int) FROM generate_series(1, 2000)
            UNION ALL SELECT (random() * 1e6)::numeric(20, 7) FROM generate_series(1, 500)
            UNION ALL SELECT ((random() * 2e6)::int8 - 1e6)::numeric / 10000 FROM generate_series(1, 500)
            """, 3000);
        yield return Literals("numeric digit strings", "numeric", RandomDecimals(3000));

        // ---- text-like
        string[] texts =
        [
            "", "a", "NULL", "null", "NuLl", "nulls", "a b", " lead", "trail ", "a,b", "a\"b", "a\\b", "\\", "\"", "{x}", "{", "}",
            "tab\there", "line\nbreak", "cr\rx", "vt\vx", "ff\fx", "ünïcödé", "日本語", "emoji 😀", "=", "[1:2]", "'quoted'",
            "semi;colon", new string('x', 5000), "\\x00", "NaN", "-", "0", "t",
        ];
        yield return Literals("text", "text", texts);
        yield return Literals("varchar", "varchar", texts);
        yield return Literals("bpchar", "char(6)", "", "a", "abc", "abcdef", "ü", " x", "a b");
        yield return Literals("bpchar unbounded", "bpchar", texts);
        yield return Literals("name", "name", "", "a", "pg_catalog", "with space", "ünï", new string('n', 63), "NULL");
        yield return Literals("json", "json", "{}", "[]", "null", "1", "\"s\"", "{\"a\": 1,   \"b\" : [1,2, {\"c\":null}]}", "[1.0e10, -0, 1E-5]", "{\"k\":\"ü\\u00e9\\n\"}", "  true  ");
        yield return Literals("jsonb", "jsonb", "{}", "[]", "null", "1", "\"s\"", "{\"b\": 1, \"a\": [1,2, {\"c\":null}]}", "[1.0e10, -0, 1E-5, 0.10]", "{\"k\":\"ü\\u00e9\\n\\\"\"}", "  true  ", "{\"a\":{\"a\":{\"a\":[[],{}]}}}", "123456789012345678901234567890.5");
        yield return Literals("xml", "xml", "<a/>", "<a>x &amp; y</a>", "<?xml version=\"1.0\"?><a>x</a>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><b/>", "<?xml version=\"1.0\" standalone=\"yes\"?><c/>", "text only", "<a>ü</a><b/>", "<?xml version=\"1.0\"?>\n<d/>");
        yield return Literals("enum", "pg_temp.mood", "sad", "ok", "very happy", "NULL", "quo\"te", "back\\slash", "ünï{c}", "a,b");
        yield return Generated("char all bytes", "SELECT i::\"char\" FROM generate_series(-128, 127) i", 256);
        yield return Literals("uuid", "uuid", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}");
        yield return Generated("uuid random", "SELECT md5(i::text)::uuid FROM generate_series(1, 500) i", 500);
        yield return Literals("bytea", "bytea", "\\x", "\\x00", "\\xff", "\\x00ff10abcdef", "plain text", "\\\\", "\\x" + new string('a', 20000));
        yield return Generated("bytea random", "SELECT decode(repeat(md5(i::text), i % 5), 'hex') FROM generate_series(1, 500) i", 500);

        // ---- date and time
        yield return Literals("date", "date",
            "2000-01-01", "1999-12-31", "1970-01-01", "0001-01-01", "0001-12-31 BC", "0001-01-01 BC", "4714-11-24 BC", "4713-01-01 BC",
            "0044-03-15 BC", "1900-02-28", "2000-02-29", "2100-03-01", "9999-12-31", "10000-01-01", "294276-12-31", "5874897-12-31",
            "infinity", "-infinity", "0099-06-30", "1582-10-04", "1582-10-15");
        yield return Generated("date random", """
            SELECT '4714-11-24 BC'::date + (random() * 2147483000)::int FROM generate_series(1, 1000)
            UNION ALL SELECT '1900-01-01'::date + (random() * 73000)::int FROM generate_series(1, 1000)
            UNION ALL SELECT '4714-11-24 BC'::date + (random() * 1721424)::int FROM generate_series(1, 1000)
            """, 3000);
        yield return Generated("date year boundaries", """
            SELECT make_date(y, 1, 1) + d FROM generate_series(-4713, 12000, 7) y, (VALUES (-1), (0), (58), (59), (60)) x(d) WHERE y <> 0
            """, 5000);
        yield return Literals("time", "time", "00:00:00", "24:00:00", "23:59:59.999999", "12:34:56.5", "01:02:03.000001", "00:00:00.1", "10:00:00.12", "13:14:15.123456", "07:08:09.050");
        yield return Generated("time random", "SELECT time '00:00' + (random() * 86400e6)::int8 * interval '1 microsecond' FROM generate_series(1, 1000)", 1000);
        yield return Literals("timetz", "timetz", "00:00:00+00", "00:00:00-00", "24:00:00+00", "12:00:00.25+14", "23:59:59.999999-12", "01:02:03+05:30", "01:02:03-03:30", "10:00:00+01:02:03", "10:00:00-15:59:59", "10:00:00+15:59", "10:00:00-00:00:01", "10:00:00+00:01");
        yield return Generated("timetz random", """
            SELECT ((time '00:00' + (random() * 86400e6)::int8 * interval '1 microsecond')::text
                    || (ARRAY['+00', '-00:30', '+05:30', '-03', '+14', '-12:45', '+01:02:03', '-15:59:59', '+15'])[1 + floor(random() * 9)::int])::timetz
            FROM generate_series(1, 1000)
            """, 1000);
        string[] stamps =
        [
            "2000-01-01 00:00:00", "1999-12-31 23:59:59.999999", "1970-01-01 00:00:00", "0001-01-01 00:00:00", "0001-12-31 23:59:59.999999 BC",
            "4714-11-24 00:00:00 BC", "0044-03-15 12:00:00 BC", "294276-12-31 23:59:59.999999", "10000-01-01 00:00:00", "9999-12-31 23:59:59.5",
            "2000-02-29 12:34:56.05", "2001-01-01 00:00:00.000001", "1900-01-01 00:00:00.1", "2024-06-30 23:59:59.12", "infinity", "-infinity",
            "1582-10-04 01:02:03.123456", "0099-01-01 00:00:00.1234",
        ];
        yield return Literals("timestamp", "timestamp", stamps);
        yield return Literals("timestamptz", "timestamptz", [.. stamps, "2000-01-01 00:00:00+05:30", "2000-01-01 00:00:00-08", "1800-01-01 00:00:00 America/New_York"]);
        yield return Generated("timestamp random", """
            SELECT '4714-11-24 00:00:00 BC'::timestamp + (random() * 109203000)::int * interval '1 day' + (random() * 86400e6)::int8 * interval '1 microsecond' FROM generate_series(1, 1000)
            UNION ALL SELECT '1900-01-01'::timestamp + random() * interval '200 years' FROM generate_series(1, 1000)
            UNION ALL SELECT '2000-01-01'::timestamp + (random() * 1e6)::int * interval '1 microsecond' * (10 ^ (random() * 6)::int) FROM generate_series(1, 1000)
            """, 3000);
        yield return Generated("timestamptz random", """
            SELECT '4714-11-24 00:00:00+00 BC'::timestamptz + (random() * 109203000)::int * interval '1 day' + (random() * 86400e6)::int8 * interval '1 microsecond' FROM generate_series(1, 1000)
            UNION ALL SELECT '1900-01-01 00:00:00+00'::timestamptz + random() * interval '200 years' FROM generate_series(1, 1000)
            UNION ALL SELECT to_timestamp(random() * 4e9 - 2e9) FROM generate_series(1, 1000)
            """, 3000);
        yield return Generated("timestamp year boundaries", """
            SELECT make_timestamp(y, 1, 1, 0, 0, 0) + x FROM generate_series(-4713, 12000, 7) y,
                (VALUES (interval '-1 microsecond'), (interval '0'), (interval '1 microsecond'), (interval '59 days 23:59:59.5')) v(x) WHERE y <> 0
            UNION ALL SELECT make_timestamp(y, 12, 31, 23, 59, 59.999999) FROM generate_series(294000, 294276) y
            """, 3000);
        yield return Generated("timestamptz year boundaries", """
            SELECT make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC') + x FROM generate_series(-4713, 12000, 7) y,
                (VALUES (interval '-1 microsecond'), (interval '0'), (interval '1 microsecond')) v(x) WHERE y <> 0
            UNION ALL SELECT make_timestamptz(y, 12, 31, 23, 59, 59.999999, 'UTC') FROM generate_series(294000, 294276) y
            """, 3000);
        yield return Literals("interval", "interval",
            "0", "1 year", "-1 year", "1 mon", "2 mons", "-1 mon", "1 day", "-1 days", "1 year 2 mons -3 days 04:05:06.5",
            "-1 year -2 mons +3 days -04:05:06", "1 day -00:00:01", "-1 day +00:00:01", "00:00:00.000001", "-00:00:00.000001",
            "1 year -1 mon", "-1 year 1 mon", "1 mon -1 day", "-1 mon 1 day", "1 mon 1 day 1 second", "-1 mon -1 day -1 second",
            "36 hours", "100000 hours", "2562047788 hours", "-2562047788 hours", "@ 1 minute ago", "1 year 1 mon 1 day 01:01:01",
            "178956970 years 7 mons 2147483647 days 2562047788:00:54.775807",
            "12 mons", "13 mons", "-13 mons", "0.5 seconds", "1.25 days", "-0.5 months", "1 year 00:00:00.1", "-1 days -00:00:00.5",
            "3 days 00:00:00", "-3 days", "1 day 1 hour", "1 year -00:00:00.000001");
        yield return Generated("interval extremes", """
            SELECT interval '-178956970 years -8 mons -2147483648 days' + interval '-2562047788 hours' + interval '-54.775808 seconds'
            UNION ALL SELECT interval '-2147483648 days' UNION ALL SELECT interval '-2562047788 hours' - interval '54.775808 seconds'
            UNION ALL SELECT interval '-178956970 years -8 mons'
            """, 4);
        yield return Generated("interval random", """
            SELECT make_interval(0, (random() * 400 - 200)::int, 0, (random() * 400 - 200)::int, 0, 0, (random() - 0.5) * 1e6) FROM generate_series(1, 1000)
            UNION ALL SELECT make_interval(0,
                CASE WHEN random() < 0.4 THEN 0 ELSE (random() * 30 - 15)::int END, 0,
                CASE WHEN random() < 0.4 THEN 0 ELSE (random() * 30 - 15)::int END, 0, 0,
                CASE WHEN random() < 0.4 THEN 0 ELSE round(((random() - 0.5) * 1e5)::numeric, (random() * 6)::int)::float8 END)
            FROM generate_series(1, 2000)
            """, 3000);

        // ---- network addresses
        yield return Literals("inet", "inet",
            "0.0.0.0", "255.255.255.255", "192.168.1.1/24", "10.0.0.0/8", "1.2.3.4/32", "1.2.3.4/0", "::", "::1", "::1/128", "::/0",
            "2001:db8::1", "2001:db8::/32", "2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:1.2.3.4", "::1.2.3.4", "::0.0.1.2",
            "::0.0.0.1", "1::", "1:0:0:1:0:0:0:1", "1:0:1:0:1:0:1:0", "1:2:3:4:5:6:7:8", "0:0:1::", "::ffff:0:1.2.3.4",
            "::ffff:ffff:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4/120", "fe80::abcd:ef01/64", "1:0:0:2:0:0:0:3", "0:0:0:0:0:1:0:0", "::2:3:4:5:6:7:8");
        yield return Literals("cidr", "cidr", "10.0.0.0/8", "192.168.0.0/16", "1.2.3.4/32", "0.0.0.0/0", "::/0", "2001:db8::/32", "::1/128", "10.1/16", "::ffff:1.2.3.0/120");
        yield return Generated("inet random", """
            SELECT set_masklen('0.0.0.0'::inet + (random() * 4294967295)::int8, (random() * 32)::int) FROM generate_series(1, 1000)
            UNION ALL SELECT set_masklen(array_to_string(ARRAY(
                    SELECT CASE WHEN random() < 0.5 THEN '0' ELSE substr(md5(i::text || '-' || j), 1, 1 + (random() * 3)::int) END
                    FROM generate_series(1, 8) j), ':')::inet, (random() * 128)::int)
                FROM generate_series(1, 2000) i
            UNION ALL SELECT ('::ffff:' || ('0.0.0.0'::inet + (random() * 4294967295)::int8)::text)::inet FROM generate_series(1, 200)
            UNION ALL SELECT ('::' || ('0.0.0.0'::inet + (random() * 4294967295)::int8)::text)::inet FROM generate_series(1, 200)
            """, 3400);
        yield return Generated("cidr random", """
            SELECT network(set_masklen('0.0.0.0'::inet + (random() * 4294967295)::int8, (random() * 32)::int)) FROM generate_series(1, 500)
            UNION ALL SELECT network(set_masklen(array_to_string(ARRAY(
                    SELECT CASE WHEN random() < 0.5 THEN '0' ELSE substr(md5(i::text || '-' || j), 1, 1 + (random() * 3)::int) END
                    FROM generate_series(1, 8) j), ':')::inet, (random() * 128)::int))
                FROM generate_series(1, 1000) i
            """, 1500);
        yield return Literals("macaddr", "macaddr", "08:00:2b:01:02:03", "00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF", "0800.2b01.0203");
        yield return Generated("macaddr random", "SELECT substr(md5(i::text), 1, 12)::macaddr FROM generate_series(1, 500) i", 500);
        yield return Literals("macaddr8", "macaddr8", "08:00:2b:01:02:03:04:05", "00:00:00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff:ff:ff", "08:00:2b:01:02:03");
        yield return Generated("macaddr8 random", "SELECT substr(md5(i::text), 1, 16)::macaddr8 FROM generate_series(1, 500) i", 500);

        // ---- domains
        yield return Literals("domain over int4", "pg_temp.posint", "1", "2147483647", "42");
        yield return Literals("domain over text", "pg_temp.label", texts);
        yield return Literals("domain over domain", "pg_temp.label2", "a", "a b", "NULL", "");
        yield return Literals("domain over numeric", "pg_temp.money2", "0", "1.5", "-1234567890.12", "0.005");
        yield return Literals("domain over enum", "pg_temp.mood_d", "sad", "very happy", "NULL");
        yield return Literals("domain over timestamptz", "pg_temp.stamp", "2000-01-01 00:00:00", "0044-03-15 12:00:00 BC", "infinity");
        yield return Literals("domain over int4[]", "pg_temp.intlist", "{}", "{1,2,NULL}", "{{1,2},{3,4}}", "[0:1]={5,6}");

        // ---- arrays written out
        yield return Literals("int4[]", "int4[]",
            "{}", "{1}", "{1,2,NULL}", "{{1,2},{3,4}}", "{{{1},{2}},{{3},{4}}}", "[0:1]={1,2}", "[-5:-4][3:4]={{1,2},{3,4}}", "{NULL}",
            "{NULL,NULL}", "[2147483645:2147483646]={1,2}", "{{{{{{1,2}}}}}}", "{-2147483648,2147483647}", "[1:1][2:2]={{7}}",
            "[-2147483648:-2147483647]={1,2}", "{{NULL,NULL},{NULL,NULL}}");
        yield return Literals("text[]", "text[]",
            "{}", "{\"\",NULL,\"NULL\",\"null\",\"NuLl\",nulls,\"a b\",\"a,b\",\"a\\\"b\",\"a\\\\b\",\"{x}\",x,ü,\"\\t\"}",
            "{{a,b},{\"c d\",NULL}}", "[0:0]={\" \"}", "{\"tab\there\",\"nl\nhere\"}", "{=,[,],:,;}");
        yield return Literals("float8[]", "float8[]", "{}", "{0,-0,NaN,Infinity,-Infinity,1e20,1.5e-05,0.1}", "{{1,2},{3,NULL}}");
        yield return Literals("numeric[]", "numeric[]", "{}", "{0.00,NaN,1.5,-Infinity,Infinity,NULL}", "[3:4]={1e-10,12345678901234567890}");
        yield return Literals("timestamp[]", "timestamp[]", "{\"2000-01-01 00:00:00\",infinity,-infinity,\"0044-03-15 12:00:00 BC\",NULL}");
        yield return Literals("timestamptz[]", "timestamptz[]", "{\"2000-01-01 00:00:00+00\",infinity,\"294276-12-31 23:59:59.999999+00\"}");
        yield return Literals("date[]", "date[]", "{2000-01-01,\"0001-01-01 BC\",infinity,NULL}");
        yield return Literals("interval[]", "interval[]", "{\"1 year 2 mons\",00:00:00,\"-1 days +01:00:00\",NULL}");
        yield return Literals("bytea[]", "bytea[]", "{\"\\\\x00ff\",\"\\\\x\",NULL}");
        yield return Literals("char[]", "\"char\"[]", "{a,\"\",\" \",\"\\\\\",\",\",NULL}");
        yield return Literals("jsonb[]", "jsonb[]", "{\"{\\\"a\\\": 1}\",null,\"[1, 2]\",NULL,\"\\\"s\\\"\"}");
        yield return Literals("json[]", "json[]", "{\"{\\\"a\\\":1}\",\"[1,2]\",NULL}");
        yield return Literals("uuid[]", "uuid[]", "{00000000-0000-0000-0000-000000000000,NULL}");
        yield return Literals("bool[]", "bool[]", "{t,f,NULL}", "{{t},{f}}");
        yield return Literals("enum[]", "pg_temp.mood[]", "{sad,ok,\"very happy\",\"NULL\",\"quo\\\"te\",\"back\\\\slash\",\"ünï{c}\",\"a,b\",NULL}");
        yield return Literals("domain[]", "pg_temp.posint[]", "{1,2,NULL}", "[0:1]={3,4}");
        yield return Literals("text domain[]", "pg_temp.label[]", "{\"\",\"a b\",NULL,\"NULL\"}");
        yield return Literals("name[]", "name[]", "{a,\"b c\",\"\"}");
        yield return Literals("bpchar[]", "char(3)[]", "{a,\"b c\",\"\"}");
        yield return Literals("xml[]", "xml[]", "{\"<a/>\",\"<b>x y</b>\"}");
        yield return Literals("time[]", "time[]", "{00:00:00,24:00:00,12:00:00.5}");
        yield return Literals("timetz[]", "timetz[]", "{00:00:00+00,\"12:00:00.5-05:30\"}");
        yield return Literals("oid[]", "oid[]", "{0,4294967295}");
        yield return Literals("int2[]", "int2[]", "{-32768,32767,NULL}");
        yield return Literals("int8[]", "int8[]", "{-9223372036854775808,9223372036854775807}");
        yield return Literals("float4[]", "float4[]", "{1e+06,100000,NaN,-0}");
        yield return Literals("varchar[]", "varchar[]", "{\"a b\",c,\"\"}");
        yield return Literals("inet[]", "inet[]", "{1.2.3.4/24,::1,NULL,::ffff:1.2.3.4}");
        yield return Literals("cidr[]", "cidr[]", "{10.0.0.0/8,::/0}");
        yield return Literals("macaddr[]", "macaddr[]", "{08:00:2b:01:02:03,NULL}");
        yield return Literals("macaddr8[]", "macaddr8[]", "{08:00:2b:01:02:03:04:05}");
    }

    private static EquivalenceCase Literals(string name, string type, params string[] values) =>
        new(name, $"SELECT CAST(v AS {type}) FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i", ArrayLiteral(values), values.Length, false);

    private static EquivalenceCase Generated(string name, string sql, int minRows) => new(name, sql, null, minRows, true);

    /// <summary>A text[] literal holding every value quoted.</summary>
    private static string ArrayLiteral(IEnumerable<string> values)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var v in values)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append('"').Append(v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.Append('}').ToString();
    }

    /// <summary>Doubles with uniformly random bit patterns (all exponents, subnormals, both signs).</summary>
    private static string[] RandomDoubles(int count)
    {
        var random = new Random(20240607);
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            double d;
            do
            {
                d = BitConverter.Int64BitsToDouble(random.NextInt64() ^ ((long)random.Next(2) << 63));
            }
            while (!double.IsFinite(d));

            values[i] = d.ToString("R", CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>
    /// Every finite power of two of a binary format with the given exponent and fraction widths,
    /// with the values one unit below and above (below a power of two the rounding interval is
    /// narrower), rendered exactly.
    /// </summary>
    private static string[] PowerOfTwoNeighbours(int exponentBits, int fractionBits)
    {
        var values = new List<string>();
        var maxExponent = (1L << exponentBits) - 1;
        for (long e = 0; e < maxExponent; e++)
        {
            var bits = e << fractionBits;
            foreach (var b in new[] { bits - 1, bits, bits + 1 })
            {
                if (b <= 0 || (b >> fractionBits) >= maxExponent)
                {
                    continue;
                }

                values.Add(fractionBits == 52
                    ? BitConverter.Int64BitsToDouble(b).ToString("R", CultureInfo.InvariantCulture)
                    : BitConverter.Int32BitsToSingle((int)b).ToString("R", CultureInfo.InvariantCulture));
            }
        }

        return [.. values];
    }

    private static string[] RandomSingles(int count)
    {
        var random = new Random(1999);
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            float f;
            do
            {
                f = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            }
            while (!float.IsFinite(f));

            values[i] = f.ToString("R", CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>Decimal strings of random integer and fraction lengths, including trailing zeros.</summary>
    private static string[] RandomDecimals(int count)
    {
        var random = new Random(77);
        var values = new string[count];
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Clear();
            if (random.Next(2) == 0)
            {
                sb.Append('-');
            }

            var integerDigits = random.Next(0, 45);
            var fractionDigits = random.Next(0, 45);
            if (integerDigits == 0)
            {
                sb.Append('0');
            }

            for (var d = 0; d < integerDigits; d++)
            {
                sb.Append((char)('0' + (d == 0 ? random.Next(1, 10) : random.Next(10))));
            }

            if (fractionDigits > 0)
            {
                sb.Append('.');
                for (var d = 0; d < fractionDigits; d++)
                {
                    // Runs of zeros exercise the base-10000 digit boundaries.
                    sb.Append(random.Next(3) == 0 ? '0' : (char)('0' + random.Next(10)));
                }
            }

            values[i] = sb.ToString();
        }

        return values;
    }
}
