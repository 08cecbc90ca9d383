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
}
