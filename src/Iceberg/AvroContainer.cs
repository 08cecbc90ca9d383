using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace PgWire.Iceberg;

/// <summary>
/// Avro binary encoding (zig-zag varints, length-prefixed bytes and strings, blocked arrays) for
/// the few record shapes Iceberg writes.
/// </summary>
internal sealed class AvroEncoder
{
    private readonly MemoryStream _out = new();

    public int Length => (int)_out.Length;

    public byte[] ToArray() => _out.ToArray();

    public void Reset() => _out.SetLength(0);

    public void Long(long value)
    {
        var n = (ulong)((value << 1) ^ (value >> 63));
        while (n >= 0x80)
        {
            _out.WriteByte((byte)(n | 0x80));
            n >>= 7;
        }

        _out.WriteByte((byte)n);
    }

    public void Int(int value) => Long(value);

    public void Bool(bool value) => _out.WriteByte(value ? (byte)1 : (byte)0);

    public void Bytes(ReadOnlySpan<byte> value)
    {
        Long(value.Length);
        _out.Write(value);
    }

    public void String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    /// <summary>The branch index of a ["null", T] union: 0 for null, 1 for a value.</summary>
    public void UnionIndex(bool present) => Long(present ? 1 : 0);

    public void OptionalLong(long? value)
    {
        UnionIndex(value.HasValue);
        if (value is { } v)
        {
            Long(v);
        }
    }

    public void OptionalInt(int? value)
    {
        UnionIndex(value.HasValue);
        if (value is { } v)
        {
            Int(v);
        }
    }

    /// <summary>An array: one block with its count, the items, then the end marker (0).</summary>
    public void Array<T>(IReadOnlyCollection<T> items, Action<AvroEncoder, T> item)
    {
        if (items.Count > 0)
        {
            Long(items.Count);
            foreach (var i in items)
            {
                item(this, i);
            }
        }

        Long(0);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);
}

/// <summary>
/// Writes an Avro object container file with a schema text given verbatim, so that attributes
/// such as Iceberg's "field-id" and "logicalType":"map" reach the file unchanged. Blocks are
/// deflate-compressed.
/// </summary>
internal sealed class AvroContainerWriter
{
    private const int RecordsPerBlock = 1000;
    private readonly Stream _stream;
    private readonly byte[] _sync = RandomNumberGenerator.GetBytes(16);
    private readonly AvroEncoder _block = new();
    private int _count;

    public AvroContainerWriter(Stream stream, string schema, IReadOnlyDictionary<string, string> metadata)
    {
        _stream = stream;
        var header = new AvroEncoder();
        header.Raw("Obj\u0001"u8);
        var entries = new List<KeyValuePair<string, byte[]>>
        {
            new("avro.schema", Encoding.UTF8.GetBytes(schema)),
            new("avro.codec", "deflate"u8.ToArray()),
        };
        entries.AddRange(metadata.Select(kv => new KeyValuePair<string, byte[]>(kv.Key, Encoding.UTF8.GetBytes(kv.Value))));
        header.Array(entries, (e, kv) =>
        {
            e.String(kv.Key);
            e.Bytes(kv.Value);
        });
        header.Raw(_sync);
        _stream.Write(header.ToArray());
    }

    /// <summary>Appends one record, encoded by <paramref name="write"/>.</summary>
    public void Append(Action<AvroEncoder> write)
    {
        write(_block);
        if (++_count == RecordsPerBlock)
        {
            Flush();
        }
    }

    public void Finish() => Flush();

    private void Flush()
    {
        if (_count == 0)
        {
            return;
        }

        byte[] compressed;
        using (var buffer = new MemoryStream())
        {
            using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(_block.ToArray());
            }

            compressed = buffer.ToArray();
        }

        var head = new AvroEncoder();
        head.Long(_count);
        head.Long(compressed.Length);
        _stream.Write(head.ToArray());
        _stream.Write(compressed);
        _stream.Write(_sync);
        _block.Reset();
        _count = 0;
    }
}

/// <summary>Iceberg's single-value serialization of a bound (the spec's appendix D).</summary>
public static class SingleValue
{
    public static byte[] Serialize(PrimitiveType type, object value)
    {
        switch (type.Name)
        {
            case "boolean":
                return [(bool)value ? (byte)1 : (byte)0];
            case "int":
                return LittleEndian4((int)value);
            case "date":
                return LittleEndian4(((DateOnly)value).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
            case "long":
                return LittleEndian8((long)value);
            case "float":
                return LittleEndian4(BitConverter.SingleToInt32Bits((float)value));
            case "double":
                return LittleEndian8(BitConverter.DoubleToInt64Bits((double)value));
            case "time":
                return LittleEndian8(((TimeOnly)value).Ticks / 10);
            case "timestamp":
            case "timestamptz":
                return LittleEndian8(Micros.FromValue(value));
            case "string":
                return Encoding.UTF8.GetBytes((string)value);
            case "uuid":
                return ((Guid)value).ToByteArray(bigEndian: true);
            case "binary":
            case "fixed":
                return (byte[])value;
            case "decimal":
                return Decimal((decimal)value, type.Scale);
            default:
                throw new ArgumentException($"no single-value serialization for {type}", nameof(type));
        }
    }

    /// <summary>The unscaled value as two's-complement big-endian, in the fewest bytes.</summary>
    private static byte[] Decimal(decimal value, int scale)
    {
        var unscaled = new System.Numerics.BigInteger(decimal.Round(value, scale) * Pow10(scale));
        return unscaled.ToByteArray(isUnsigned: false, isBigEndian: true);
    }

    private static decimal Pow10(int n)
    {
        var r = 1m;
        for (var i = 0; i < n; i++)
        {
            r *= 10;
        }

        return r;
    }

    private static byte[] LittleEndian4(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        return b;
    }

    private static byte[] LittleEndian8(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return b;
    }
}

/// <summary>Microseconds since 1970-01-01 00:00:00 (UTC for timestamptz), Iceberg's timestamp representation.</summary>
public static class Micros
{
    public static long FromValue(object value) => value switch
    {
        DateTimeOffset o => (o.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
        DateTime t => (t.Ticks - DateTime.UnixEpoch.Ticks) / 10,
        long micros => micros,
        _ => throw new ArgumentException($"not a timestamp: {value.GetType().Name}", nameof(value)),
    };
}
