using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        if (NeedsEscape(value))
        {
            return (fallback ??= new Fallback()).Write(destination, 25, value);
        }

        destination[0] = (byte)'"';
        value.CopyTo(destination[1..]);
        destination[value.Length + 1] = (byte)'"';
        return value.Length + 2;
    }

    /// <summary>
    /// Whether <paramref name="value"/> holds a byte a JSON string cannot carry as it is here:
    /// outside printable ASCII (control bytes, DEL, any byte of a multi-byte sequence), a quote or a
    /// backslash. Sixteen bytes at a time; the last block overlaps the one before it.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized on first use: this runs for every string value of a snapshot, and the
    /// framework's vectorized searches start out in unoptimized code in a short-lived process.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool NeedsEscape(ReadOnlySpan<byte> value)
    {
        if (Vector128.IsHardwareAccelerated && value.Length >= Vector128<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(value);
            var last = (nuint)(value.Length - Vector128<byte>.Count);
            for (nuint i = 0; ; i += (nuint)Vector128<byte>.Count)
            {
                if (i > last)
                {
                    i = last;
                }

                // As signed bytes, everything below a space and every byte from 0x80 up is negative or small.
                var v = Vector128.LoadUnsafe(ref start, i).AsSByte();
                var escape = Vector128.LessThan(v, Vector128.Create((sbyte)0x20))
                    | Vector128.Equals(v, Vector128.Create((sbyte)0x7F))
                    | Vector128.Equals(v, Vector128.Create((sbyte)'"'))
                    | Vector128.Equals(v, Vector128.Create((sbyte)'\\'));
                if (escape != Vector128<sbyte>.Zero)
                {
                    return true;
                }

                if (i == last)
                {
                    return false;
                }
            }
        }

        foreach (var b in value)
        {
            if (b is < 0x20 or >= 0x7F or (byte)'"' or (byte)'\\')
            {
                return true;
            }
        }

        return false;
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
