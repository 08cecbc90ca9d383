using System.Buffers;
using System.Buffers.Text;
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
    /// Writes <paramref name="value"/>, the text form of a value of <paramref name="type"/>, into
    /// <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns the bytes
    /// written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int WriteText(Span<byte> destination, in JsonValueType type, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        if (type.IsArray)
        {
            var written = WriteArray(destination, type, value, ref fallback);
            return written >= 0 ? written : WriteString(destination, value, ref fallback);
        }

        return WriteScalar(destination, type.Scalar, value, ref fallback);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteScalar(Span<byte> destination, JsonScalar scalar, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        switch (scalar)
        {
            case JsonScalar.Integer:
                value.CopyTo(destination);
                return value.Length;
            case JsonScalar.Float:
                if (value.Length > 0 && (value[0] is (byte)'N' or (byte)'I' || (value.Length > 1 && value[1] == (byte)'I')))
                {
                    return WriteString(destination, value, ref fallback);
                }

                value.CopyTo(destination);
                return value.Length;
            case JsonScalar.Bool:
                if (value.Length > 0 && value[0] == (byte)'t')
                {
                    "true"u8.CopyTo(destination);
                    return 4;
                }

                "false"u8.CopyTo(destination);
                return 5;
            case JsonScalar.Json:
                return (fallback ??= new Fallback()).WriteJson(destination, value);
            case JsonScalar.Timestamp:
            case JsonScalar.TimestampTz:
                return WriteTimestamp(destination, value, scalar == JsonScalar.TimestampTz, ref fallback);
            case JsonScalar.Bytea:
                return WriteBytea(destination, value, ref fallback);
            default:
                return WriteString(destination, value, ref fallback);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        if (NeedsEscape(value))
        {
            return (fallback ??= new Fallback()).WriteString(destination, value);
        }

        destination[0] = (byte)'"';
        value.CopyTo(destination[1..]);
        destination[value.Length + 1] = (byte)'"';
        return value.Length + 2;
    }

    private static readonly SearchValues<byte> TimestampBytes = SearchValues.Create("0123456789-:.+ "u8);

    /// <summary>
    /// A timestamp in PostgreSQL's ISO text (<c>2026-01-01 08:00:00.5+00</c>, any number of year
    /// digits) as ISO 8601: <c>T</c> between date and time, the fraction as it is, and for timestamptz
    /// <c>Z</c> for a zero offset, <c>+hh:00</c> for whole hours and <c>+hh:mm</c> as it is. Anything
    /// else (infinity, BC, an offset with seconds, another DateStyle) is written as the string it is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WriteTimestamp(Span<byte> destination, ReadOnlySpan<byte> value, bool withZone, ref Fallback? fallback)
    {
        // The common shape first: a four-digit year and, with a zone, UTC ("+00"). One copy, then
        // the space becomes T and "+00" becomes Z.
        var length = value.Length;
        if (length is >= 19 and <= 29 && value[10] == (byte)' ' && value[4] == (byte)'-' && value[7] == (byte)'-' && value[13] == (byte)':' && value[16] == (byte)':'
            && (withZone ? length >= 22 && value[length - 3] == (byte)'+' && value[length - 2] == (byte)'0' && value[length - 1] == (byte)'0' : value[length - 1] != (byte)'C')
            && (length == (withZone ? 22 : 19) || value[19] == (byte)'.') && !NeedsEscape(value))
        {
            destination[0] = (byte)'"';
            value.CopyTo(destination[1..]);
            destination[11] = (byte)'T';
            if (withZone)
            {
                destination[length - 2] = (byte)'Z';
                destination[length - 1] = (byte)'"';
                return length;
            }

            destination[length + 1] = (byte)'"';
            return length + 2;
        }

        // The date ends at the space, four characters at least after the year's four digits.
        var space = value.IndexOf((byte)' ');
        if (space < 10 || value.Length < space + 9 || value.IndexOfAnyExcept(TimestampBytes) >= 0
            || value[space - 3] != (byte)'-' || value[space - 6] != (byte)'-' || value[space + 3] != (byte)':' || value[space + 6] != (byte)':')
        {
            return WriteString(destination, value, ref fallback);
        }

        var end = space + 9;
        if (end < value.Length && value[end] == (byte)'.')
        {
            end++;
            while (end < value.Length && (uint)(value[end] - '0') <= 9)
            {
                end++;
            }
        }

        var zone = value[end..];
        ReadOnlySpan<byte> suffix;
        var hourOnly = false;
        if (!withZone)
        {
            if (!zone.IsEmpty)
            {
                return WriteString(destination, value, ref fallback);
            }

            suffix = default;
        }
        else if (zone.Length == 3 && zone[0] is (byte)'+' or (byte)'-')
        {
            suffix = zone.SequenceEqual("+00"u8) ? "Z"u8 : zone;
            hourOnly = suffix.Length == 3;
        }
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == (byte)':')
        {
            suffix = zone;
        }
        else
        {
            return WriteString(destination, value, ref fallback);
        }

        destination[0] = (byte)'"';
        value[..space].CopyTo(destination[1..]);
        destination[space + 1] = (byte)'T';
        value[(space + 1)..end].CopyTo(destination[(space + 2)..]);
        var n = end + 1;
        suffix.CopyTo(destination[n..]);
        n += suffix.Length;
        if (hourOnly)
        {
            ":00"u8.CopyTo(destination[n..]);
            n += 3;
        }

        destination[n] = (byte)'"';
        return n + 1;
    }

    /// <summary>bytea in hex text (<c>\x0102</c>) as base64 with padding; any other text as the string it is.</summary>
    private static int WriteBytea(Span<byte> destination, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        if (value.Length < 2 || value[0] != (byte)'\\' || value[1] != (byte)'x' || (value.Length & 1) != 0)
        {
            return WriteString(destination, value, ref fallback);
        }

        // The bytes go where their base64 will be, and are encoded in place.
        var bytes = (value.Length - 2) / 2;
        var target = destination[1..];
        if (Convert.FromHexString(value[2..], target, out _, out var decoded) != OperationStatus.Done || decoded != bytes
            || Base64.EncodeToUtf8InPlace(target, bytes, out var encoded) != OperationStatus.Done)
        {
            return WriteString(destination, value, ref fallback);
        }

        destination[0] = (byte)'"';
        destination[encoded + 1] = (byte)'"';
        return encoded + 2;
    }

    /// <summary>
    /// An array in PostgreSQL's text form as a JSON array (nested for more dimensions) of its elements
    /// written by the scalar rules, unquoted NULL as null. With bounds other than 1
    /// (<c>[2:3]={1,2}</c>) it becomes <c>{"lower_bounds":[2],"elements":[1,2]}</c>. Returns -1 for
    /// text that is not an array.
    /// </summary>
    private static int WriteArray(Span<byte> destination, in JsonValueType type, ReadOnlySpan<byte> value, ref Fallback? fallback)
    {
        var n = 0;
        var i = 0;
        var decorated = !value.IsEmpty && value[0] == (byte)'[';
        if (decorated)
        {
            "{\"lower_bounds\":["u8.CopyTo(destination);
            n = 17;
            while (i < value.Length && value[i] == (byte)'[')
            {
                var colon = value[i..].IndexOf((byte)':');
                if (colon < 0 || !IsInteger(value.Slice(i + 1, colon - 1)))
                {
                    return -1;
                }

                if (n > 17)
                {
                    destination[n++] = (byte)',';
                }

                value.Slice(i + 1, colon - 1).CopyTo(destination[n..]);
                n += colon - 1;
                i += colon + 1;
                var close = value[i..].IndexOf((byte)']');
                if (close < 0 || !IsInteger(value.Slice(i, close)))
                {
                    return -1;
                }

                i += close + 1;
            }

            if (i >= value.Length || value[i] != (byte)'=')
            {
                return -1;
            }

            i++;
            "],\"elements\":"u8.CopyTo(destination[n..]);
            n += 13;
        }

        if (i >= value.Length || value[i] != (byte)'{')
        {
            return -1;
        }

        // afterValue: an element or a closing brace came last, so a delimiter or a closing brace must follow.
        var delimiter = type.Delimiter;
        var depth = 0;
        var afterValue = false;
        while (true)
        {
            if (i >= value.Length)
            {
                return -1;
            }

            var b = value[i];
            if (b == (byte)'}')
            {
                if (!afterValue && destination[n - 1] != (byte)'[')
                {
                    return -1;
                }

                destination[n++] = (byte)']';
                i++;
                afterValue = true;
                if (--depth == 0)
                {
                    break;
                }

                continue;
            }

            if (afterValue)
            {
                if (b != delimiter)
                {
                    return -1;
                }

                destination[n++] = (byte)',';
                i++;
                afterValue = false;
                continue;
            }

            if (b == (byte)'{')
            {
                destination[n++] = (byte)'[';
                depth++;
                i++;
                continue;
            }

            afterValue = true;

            ReadOnlySpan<byte> element;
            var escaped = false;
            if (b == (byte)'"')
            {
                var start = ++i;
                while (i < value.Length && value[i] != (byte)'"')
                {
                    if (value[i] == (byte)'\\')
                    {
                        escaped = true;
                        i++;
                    }

                    i++;
                }

                if (i >= value.Length)
                {
                    return -1;
                }

                element = value[start..i];
                i++;
            }
            else
            {
                var start = i;
                while (i < value.Length && value[i] != delimiter && value[i] != (byte)'}' && value[i] != (byte)'{' && value[i] != (byte)'"')
                {
                    escaped |= value[i] == (byte)'\\';
                    i++;
                }

                element = value[start..i];
                if (element.IsEmpty)
                {
                    return -1;
                }

                if (!escaped && element.Length == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' && (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l')
                {
                    "null"u8.CopyTo(destination[n..]);
                    n += 4;
                    continue;
                }
            }

            if (escaped)
            {
                element = (fallback ??= new Fallback()).Unescape(element);
            }

            n += WriteScalar(destination[n..], type.Scalar, element, ref fallback);
        }

        if (i != value.Length)
        {
            return -1;
        }

        if (decorated)
        {
            destination[n++] = (byte)'}';
        }

        return n;
    }

    private static bool IsInteger(ReadOnlySpan<byte> text)
    {
        if (!text.IsEmpty && text[0] == (byte)'-')
        {
            text = text[1..];
        }

        return !text.IsEmpty && text.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
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

    /// <summary>
    /// A <see cref="Utf8JsonWriter"/> for the values the fast path leaves to it (strings that need
    /// escapes, JSON to check), and a reused buffer for array elements with backslash escapes.
    /// </summary>
    internal sealed class Fallback : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _output = new(256);
        private readonly Utf8JsonWriter _writer;
        private byte[] _element = new byte[256];

        public Fallback() =>
            _writer = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

        /// <summary>Writes <paramref name="value"/> as a JSON string.</summary>
        public int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
        {
            Begin();
            _writer.WriteStringValue(value);
            return End(destination);
        }

        /// <summary>
        /// Writes <paramref name="value"/>, JSON text, as it is after checking it. Line breaks, which
        /// valid JSON holds only as white space between tokens, become spaces so the line stays one line.
        /// </summary>
        public int WriteJson(Span<byte> destination, ReadOnlySpan<byte> value)
        {
            Begin();
            _writer.WriteRawValue(value, skipInputValidation: false);
            var n = End(destination);
            if (value.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
            {
                destination[..n].Replace((byte)'\n', (byte)' ');
                destination[..n].Replace((byte)'\r', (byte)' ');
            }

            return n;
        }

        /// <summary>An array element without its backslash escapes; valid until the next call.</summary>
        public ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> element)
        {
            if (_element.Length < element.Length)
            {
                _element = new byte[Math.Max(element.Length, _element.Length * 2)];
            }

            var n = 0;
            for (var i = 0; i < element.Length; i++)
            {
                if (element[i] == (byte)'\\' && i + 1 < element.Length)
                {
                    i++;
                }

                _element[n++] = element[i];
            }

            return _element.AsSpan(0, n);
        }

        private void Begin()
        {
            _output.ResetWrittenCount();
            _writer.Reset(_output);
        }

        private int End(Span<byte> destination)
        {
            _writer.Flush();
            var written = _output.WrittenSpan;
            written.CopyTo(destination);
            return written.Length;
        }

        public void Dispose() => _writer.Dispose();
    }
}
