using System.Buffers.Binary;
using System.Text;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class JsonLineEncoderTests
{
    private static readonly ColumnInfo[] Columns =
    [
        new("id", 20, true),
        new("f", 701, false),
        new("g", 700, false),
        new("ok", 16, false),
        new("n", 1700, false),
        new("doc", 3802, false),
        new("big", 25, false),
        new("t", 25, false),
    ];

    private static byte[] UpdateMessage(params (char Kind, string? Value)[] columns)
    {
        var bytes = new List<byte> { (byte)'U', 0, 0, 0, 42, (byte)'N' };
        var count = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(count, (short)columns.Length);
        bytes.AddRange(count);
        foreach (var (kind, value) in columns)
        {
            bytes.Add((byte)kind);
            if (value is not null)
            {
                var data = Encoding.UTF8.GetBytes(value);
                var len = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
                bytes.AddRange(len);
                bytes.AddRange(data);
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void Values_are_typed_by_oid_and_unchanged_toast_is_left_out()
    {
        var payload = UpdateMessage(('t', "7"), ('t', "NaN"), ('t', "-Infinity"), ('t', "t"), ('t', "1.10"), ('t', "{\"a\": [1, null]}"), ('u', null), ('n', null));
        var encoder = new JsonLineEncoder();
        var decoder = new PgOutputDecoder(1);
        var message = decoder.Decode(payload);
        encoder.WriteChange(Columns, message, new Lsn(0x16B3748), 123, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var line = Encoding.UTF8.GetString(encoder.WrittenSpan);
        Assert.Equal(
            "{\"op\":\"u\",\"lsn\":\"0/16B3748\",\"xid\":123,\"commit_ts\":\"2026-01-02T03:04:05.000000Z\",\"key\":{\"id\":7},\"before\":null,"
            + "\"after\":{\"id\":7,\"f\":\"NaN\",\"g\":\"-Infinity\",\"ok\":true,\"n\":\"1.10\",\"doc\":{\"a\": [1, null]},\"t\":null}}\n",
            line);
    }

    [Fact]
    public void Truncate_has_null_key_and_images()
    {
        var encoder = new JsonLineEncoder();
        encoder.WriteTruncate(new Lsn(0x1_0000_0010), 9, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Equal(
            "{\"op\":\"t\",\"lsn\":\"1/10\",\"xid\":9,\"commit_ts\":\"2026-01-02T03:04:05.000000Z\",\"key\":null,\"before\":null,\"after\":null}\n",
            Encoding.UTF8.GetString(encoder.WrittenSpan));
    }

    private static void Tuple(List<byte> bytes, (char Kind, byte[]? Value)[] columns)
    {
        bytes.Add((byte)(columns.Length >> 8));
        bytes.Add((byte)columns.Length);
        foreach (var (kind, value) in columns)
        {
            bytes.Add((byte)kind);
            if (value is not null)
            {
                bytes.AddRange([(byte)(value.Length >> 24), (byte)(value.Length >> 16), (byte)(value.Length >> 8), (byte)value.Length]);
                bytes.AddRange(value);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Change_fields_are_the_bytes_the_json_writer_makes(int seed)
    {
        // EncodeChangeFields writes into a span; WriteChange goes through Utf8JsonWriter. Random
        // inserts, updates (with and without old key or row) and deletes, with null, unchanged
        // TOAST, text and binary values, including strings that need escaping, must agree.
        var random = new Random(seed);
        var catalog = new PgWire.Protocol.Types.PgTypeCatalog(150000);
        ColumnInfo Col(string name, uint oid, bool key)
        {
            PgWire.Protocol.Types.BinaryTextFormatter.TryResolve(oid, catalog, out var binary);
            return new ColumnInfo(name, oid, key, binary);
        }

        ColumnInfo[] columns = [Col("id", 23, true), Col("k2", 25, true), Col("t", 25, false), Col("b", 16, false), Col("f", 701, false), Col("j", 3802, false), Col("n", 1700, false), Col("naïve \"col\"", 25, false)];
        string[] texts = ["plain", "", "tab\there", "quote\"d", "back\\slash", "\u00e9\u20ac", "\u0001", "\u007f", "\u2028", "NULL"];
        (char, byte[]?) Value(int c)
        {
            var roll = random.Next(10);
            if (roll == 0)
            {
                return ('n', null);
            }

            if (roll == 1 && c >= 2)
            {
                return ('u', null);
            }

            var binary = roll >= 7;
            return c switch
            {
                0 => binary ? ('b', [0, 0, (byte)random.Next(256), (byte)random.Next(256)]) : ('t', Encoding.UTF8.GetBytes(random.Next(100000).ToString(System.Globalization.CultureInfo.InvariantCulture))),
                3 => binary ? ('b', [(byte)random.Next(2)]) : ('t', random.Next(2) == 0 ? "t"u8.ToArray() : "f"u8.ToArray()),
                4 => ('t', Encoding.UTF8.GetBytes(new[] { "1.5", "NaN", "-Infinity", "1e+300", "-0" }[random.Next(5)])),
                5 => ('t', Encoding.UTF8.GetBytes(new[] { "{}", "{\"a\": [1, \"x\"]}", "[]", "\"s\"" }[random.Next(4)])),
                6 => ('t', Encoding.UTF8.GetBytes(new[] { "1.10", "-0.000100", "NaN" }[random.Next(3)])),
                _ => (binary ? 'b' : 't', Encoding.UTF8.GetBytes(texts[random.Next(texts.Length)] + texts[random.Next(texts.Length)])),
            };
        }

        (char, byte[]?)[] Row(bool keyOnly) =>
            [.. Enumerable.Range(0, columns.Length).Select(c => keyOnly && !columns[c].IsKey ? ('n', (byte[]?)null) : c < 2 ? (random.Next(2) == 0 ? ('t', Encoding.UTF8.GetBytes("k" + random.Next(9))) : Value(c) is var v && v.Item1 is 'n' or 'u' ? ('t', "1"u8.ToArray()) : v) : Value(c))];

        var decoder = new PgOutputDecoder(1);
        var viaWriter = new JsonLineEncoder();
        var viaSpan = new JsonLineEncoder();
        for (var i = 0; i < 500; i++)
        {
            var bytes = new List<byte>();
            var type = "IUD"[random.Next(3)];
            bytes.Add((byte)type);
            bytes.AddRange([0, 0, 0, 42]);
            if (type == 'D' || (type == 'U' && random.Next(3) > 0))
            {
                var old = random.Next(2) == 0 ? 'K' : 'O';
                bytes.Add((byte)old);
                Tuple(bytes, Row(keyOnly: old == 'K'));
            }

            if (type != 'D')
            {
                bytes.Add((byte)'N');
                Tuple(bytes, Row(keyOnly: false));
            }

            var message = decoder.Decode(bytes.ToArray());
            viaWriter.Clear();
            viaWriter.WriteChange(columns, message, new Lsn(0x16B3748), 7, DateTimeOffset.UnixEpoch);
            var line = Encoding.UTF8.GetString(viaWriter.WrittenSpan).TrimEnd('\n');
            var expected = line[line.IndexOf("\"key\":", StringComparison.Ordinal)..];
            Assert.Equal(expected, Encoding.UTF8.GetString(viaSpan.EncodeChangeFields(columns, message)));
        }
    }
}
