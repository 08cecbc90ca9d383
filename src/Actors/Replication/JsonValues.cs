using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PgWire.Actors.Replication;

/// <summary>
/// Writes PostgreSQL text-format values as JSON straight into a span, byte for byte what
/// <see cref="JsonLineEncoder.WriteTextValue"/> writes through a <see cref="Utf8JsonWriter"/>:
/// plain ASCII strings, numbers and booleans are copied here, anything that needs escaping or
/// validation goes through a <see cref="Fallback"/> writer.
/// </summary>
internal static class JsonValues
{
    /// <summary>Bytes a string value may be copied with: printable ASCII except the quote and backslash.</summary>
    private static readonly SearchValues<byte> NeedsEscaping = SearchValues.Create(MakeEscapingSet());

    /// <summary>The most bytes <see cref="WriteText"/> writes for a value of <paramref name="length"/> bytes.</summary>
    public static int MaxLength(int length) => (length * 6) + 8;

    /// <summary><c>"name":</c>, with a leading comma unless it is the first property of its object.</summary>
    public static byte[] PropertyName(JsonEncodedText name, bool comma)
    {
        var encoded = name.EncodedUtf8Bytes;
        var bytes = new byte[encoded.Length + 3 + (comma ? 1 : 0)];
        var n = 0;
        if (comma)
        {
            bytes[n++] = (byte)',';
        }

        bytes[n++] = (byte)'"';
        encoded.CopyTo(bytes.AsSpan(n));
        n += encoded.Length;
        bytes[n++] = (byte)'"';
        bytes[n] = (byte)':';
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="value"/>, the text form of a value of type <paramref name="typeOid"/>,
    /// into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns the
    /// bytes written.
    /// </summary>
    public static int WriteText(Span<byte> destination, uint typeOid, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        switch (typeOid)
        {
            case 20: // int8
            case 21: // int2
            case 23: // int4
            case 26: // oid
                value.CopyTo(destination);
                return value.Length;
            case 700: // float4
            case 701: // float8
                if (value.Length > 0 && (value[0] is (byte)'N' or (byte)'I' || (value.Length > 1 && value[1] == (byte)'I')))
                {
                    return WriteString(destination, value, ref fallback);
                }

                value.CopyTo(destination);
                return value.Length;
            case 16: // bool
                if (value.Length > 0 && value[0] == (byte)'t')
                {
                    "true"u8.CopyTo(destination);
                    return 4;
                }

                "false"u8.CopyTo(destination);
                return 5;
            case 114: // json
            case 3802: // jsonb
                return (fallback ??= new Fallback()).Write(destination, typeOid, value);
            default:
                return WriteString(destination, value, ref fallback);
        }
    }

    private static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        if (value.IndexOfAny(NeedsEscaping) >= 0)
        {
            return (fallback ??= new Fallback()).Write(destination, 25, value);
        }

        destination[0] = (byte)'"';
        value.CopyTo(destination[1..]);
        destination[value.Length + 1] = (byte)'"';
        return value.Length + 2;
    }

    private static byte[] MakeEscapingSet()
    {
        var set = new List<byte>();
        for (var b = 0; b < 256; b++)
        {
            if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\')
            {
                set.Add((byte)b);
            }
        }

        return [.. set];
    }

    /// <summary>A <see cref="Utf8JsonWriter"/> for the values the fast path leaves to it.</summary>
    internal sealed class Fallback : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _output = new(256);
        private readonly Utf8JsonWriter _writer;

        public Fallback() =>
            _writer = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

        public int Write(Span<byte> destination, uint typeOid, ReadOnlySpan<byte> value)
        {
            _output.ResetWrittenCount();
            _writer.Reset(_output);
            JsonLineEncoder.WriteTextValue(_writer, typeOid, value);
            _writer.Flush();
            var written = _output.WrittenSpan;
            written.CopyTo(destination);
            return written.Length;
        }

        public void Dispose() => _writer.Dispose();
    }
}
