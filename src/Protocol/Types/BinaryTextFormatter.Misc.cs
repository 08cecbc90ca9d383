using System.Buffers;

namespace PgWire.Protocol.Types;

public static partial class BinaryTextFormatter
{
    private const int ChunkBytes = 8192;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>bytea_output=hex: "\x" and two lowercase hex digits per byte.</summary>
    private static void FormatBytea(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        WriteAscii(output, "\\x"u8);
        while (!value.IsEmpty)
        {
            var take = Math.Min(value.Length, ChunkBytes);
            var span = output.GetSpan(take * 2);
            for (var i = 0; i < take; i++)
            {
                var b = value[i];
                span[2 * i] = HexDigits[b >> 4];
                span[(2 * i) + 1] = HexDigits[b & 0xF];
            }

            output.Advance(take * 2);
            value = value[take..];
        }
    }

    /// <summary>
    /// "char": one byte. Bytes with the high bit set print as a backslash and three octal digits
    /// (as they are before PostgreSQL 15), NUL prints as nothing, anything else as itself.
    /// </summary>
    private static void FormatChar(ReadOnlySpan<byte> value, bool rawHighBit, IBufferWriter<byte> output)
    {
        ExpectLength(ScalarKind.Char, value, 1);
        var b = value[0];
        if (b == 0)
        {
            return;
        }

        if (b < 0x80 || rawHighBit)
        {
            var one = output.GetSpan(1);
            one[0] = b;
            output.Advance(1);
            return;
        }

        var span = output.GetSpan(4);
        span[0] = (byte)'\\';
        span[1] = (byte)('0' + (b >> 6));
        span[2] = (byte)('0' + ((b >> 3) & 7));
        span[3] = (byte)('0' + (b & 7));
        output.Advance(4);
    }

    private static void FormatUuid(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(36);
        var n = 0;
        for (var i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                span[n++] = (byte)'-';
            }

            span[n++] = HexDigits[value[i] >> 4];
            span[n++] = HexDigits[value[i] & 0xF];
        }

        output.Advance(36);
    }

    /// <summary>jsonb: a version byte (1) and then the same text jsonb_out prints.</summary>
    private static ReadOnlySpan<byte> JsonbText(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, "binary jsonb value has no version byte");
        }

        if (value[0] != 1)
        {
            throw Invalid(ScalarKind.Jsonb, $"unsupported version {value[0]}");
        }

        return value[1..];
    }
}
