using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Protocol.Types;

public static partial class BinaryTextFormatter
{
    private const int MaxArrayDimensions = 6;
    private const int ArrayHeaderBytes = 12;
    private const int ScratchKeepBytes = 1 << 20;

    // array_out quotes an element that is empty, spells NULL in any case, or holds one of these
    // bytes: the braces, the delimiter (',' for every supported type), a double quote, a
    // backslash or white space. Inside the quotes, '"' and '\' get a backslash.
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create("{},\"\\ \t\n\r\v\f"u8);
    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create("\"\\"u8);

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>
    /// array_send layout: int32 ndim, int32 has-nulls flag, uint32 element type, then (int32
    /// length, int32 lower bound) per dimension, then every element in row-major order as int32
    /// length (-1 for NULL) and bytes. Printed like array_out: "[lo:hi]=" decoration when any
    /// lower bound is not 1, nested braces per dimension, NULL unquoted, "{}" when empty.
    /// </summary>
    private static void FormatArray(in BinaryColumnType type, ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        if (value.Length < ArrayHeaderBytes)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary array value has {value.Length} bytes, expected at least {ArrayHeaderBytes}");
        }

        var ndim = BinaryPrimitives.ReadInt32BigEndian(value);
        var flags = BinaryPrimitives.ReadInt32BigEndian(value[4..]);
        var elementOid = BinaryPrimitives.ReadUInt32BigEndian(value[8..]);
        if (ndim < 0 || ndim > MaxArrayDimensions)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid binary array value: {ndim} dimensions");
        }

        if (flags is not (0 or 1))
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid binary array value: flags {flags}");
        }

        var kind = type.Kind;
        if (elementOid != type.ElementOid && ResolveScalar(elementOid, type.Catalog) != kind)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid binary array value: element type {elementOid} where type {type.ElementOid} was expected");
        }

        var headerLength = ArrayHeaderBytes + (8 * ndim);
        if (value.Length < headerLength)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary array value has {value.Length} bytes, its {ndim} dimensions need {headerLength}");
        }

        Span<int> lengths = stackalloc int[MaxArrayDimensions];
        Span<int> lowerBounds = stackalloc int[MaxArrayDimensions];
        long items = ndim == 0 ? 0 : 1;
        var decorate = false;
        for (var i = 0; i < ndim; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(value[(ArrayHeaderBytes + (8 * i))..]);
            var lower = BinaryPrimitives.ReadInt32BigEndian(value[(ArrayHeaderBytes + (8 * i) + 4)..]);
            if (length < 0)
            {
                throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid binary array value: dimension {i + 1} has length {length}");
            }

            if (length != 0 && (long)lower + length - 1 > int.MaxValue)
            {
                throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid binary array value: dimension {i + 1} upper bound overflows");
            }

            lengths[i] = length;
            lowerBounds[i] = lower;
            decorate |= lower != 1;
            items *= length;

            // Each element takes at least its four length bytes.
            if (items > (value.Length - headerLength) / 4)
            {
                throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary array value of {value.Length} bytes cannot hold {items} elements");
            }
        }

        var body = value[headerLength..];
        if (items == 0)
        {
            if (!body.IsEmpty)
            {
                throw new PgProtocolException(ProtocolErrorKind.TrailingBytes, $"empty binary array value has {body.Length} bytes after its header");
            }

            WriteAscii(output, "{}"u8);
            return;
        }

        if (decorate)
        {
            WriteDimensions(lengths[..ndim], lowerBounds[..ndim], output);
        }

        WriteRepeated(output, (byte)'{', ndim);
        Span<int> index = stackalloc int[MaxArrayDimensions];
        var pos = 0;
        for (long item = 0; item < items; item++)
        {
            if (item > 0)
            {
                // Advance the row-major index; every dimension that wraps closes and reopens a brace.
                var dim = ndim - 1;
                while (++index[dim] == lengths[dim])
                {
                    index[dim] = 0;
                    dim--;
                }

                var wrapped = ndim - 1 - dim;
                var span = output.GetSpan((2 * wrapped) + 1);
                span[..wrapped].Fill((byte)'}');
                span[wrapped] = (byte)',';
                span.Slice(wrapped + 1, wrapped).Fill((byte)'{');
                output.Advance((2 * wrapped) + 1);
            }

            if (body.Length - pos < 4)
            {
                throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary array value ends before element {item + 1} of {items}");
            }

            var elementLength = BinaryPrimitives.ReadInt32BigEndian(body[pos..]);
            pos += 4;
            if (elementLength == -1)
            {
                WriteAscii(output, "NULL"u8);
                continue;
            }

            if (elementLength < 0 || elementLength > body.Length - pos)
            {
                throw new PgProtocolException(
                    elementLength < 0 ? ProtocolErrorKind.InvalidLength : ProtocolErrorKind.Truncated,
                    $"binary array element {item + 1} of {items} has length {elementLength} with {body.Length - pos} bytes left");
            }

            FormatElement(kind, type.Quirks, body.Slice(pos, elementLength), output);
            pos += elementLength;
        }

        if (pos != body.Length)
        {
            throw new PgProtocolException(ProtocolErrorKind.TrailingBytes, $"binary array value has {body.Length - pos} bytes after its last element");
        }

        WriteRepeated(output, (byte)'}', ndim);
    }

    private static void FormatElement(ScalarKind kind, FormatQuirks quirks, ReadOnlySpan<byte> element, IBufferWriter<byte> output)
    {
        switch (kind)
        {
            // Their text never needs quoting: write it straight to the output.
            case ScalarKind.Bool or ScalarKind.Int2 or ScalarKind.Int4 or ScalarKind.Int8 or ScalarKind.Oid
                or ScalarKind.Float4 or ScalarKind.Float8 or ScalarKind.Numeric or ScalarKind.Uuid
                or ScalarKind.Time or ScalarKind.TimeTz or ScalarKind.Inet or ScalarKind.Cidr or ScalarKind.MacAddr or ScalarKind.MacAddr8:
                FormatScalar(kind, quirks, element, output);
                return;
            case ScalarKind.Text:
                WriteQuotedElement(element, output);
                return;
            case ScalarKind.Jsonb:
                WriteQuotedElement(JsonbText(element), output);
                return;
        }

        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        FormatScalar(kind, quirks, element, scratch);
        WriteQuotedElement(scratch.WrittenSpan, output);
        if (scratch.Capacity > ScratchKeepBytes)
        {
            t_scratch = null;
        }
    }

    private static void WriteQuotedElement(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        var quote = text.IsEmpty || text.ContainsAny(NeedsQuotes) || IsNullWord(text);
        if (!quote)
        {
            output.Write(text);
            return;
        }

        WriteAscii(output, "\""u8);
        while (true)
        {
            var at = text.IndexOfAny(NeedsEscape);
            if (at < 0)
            {
                output.Write(text);
                break;
            }

            output.Write(text[..at]);
            var span = output.GetSpan(2);
            span[0] = (byte)'\\';
            span[1] = text[at];
            output.Advance(2);
            text = text[(at + 1)..];
        }

        WriteAscii(output, "\""u8);
    }

    private static bool IsNullWord(ReadOnlySpan<byte> text) =>
        text.Length == 4 &&
        (text[0] | 0x20) == 'n' &&
        (text[1] | 0x20) == 'u' &&
        (text[2] | 0x20) == 'l' &&
        (text[3] | 0x20) == 'l';

    private static void WriteDimensions(ReadOnlySpan<int> lengths, ReadOnlySpan<int> lowerBounds, IBufferWriter<byte> output)
    {
        var span = output.GetSpan((lengths.Length * 25) + 1);
        var n = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            span[n++] = (byte)'[';
            n += WriteInt64(span[n..], lowerBounds[i]);
            span[n++] = (byte)':';
            n += WriteInt64(span[n..], (long)lowerBounds[i] + lengths[i] - 1);
            span[n++] = (byte)']';
        }

        span[n++] = (byte)'=';
        output.Advance(n);
    }

    private static void WriteRepeated(IBufferWriter<byte> output, byte b, int count)
    {
        var span = output.GetSpan(count);
        span[..count].Fill(b);
        output.Advance(count);
    }
}
