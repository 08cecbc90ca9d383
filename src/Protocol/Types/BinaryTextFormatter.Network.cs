using System.Buffers;

namespace PgWire.Protocol.Types;

public static partial class BinaryTextFormatter
{
    private const byte FamilyIPv4 = 2;
    private const byte FamilyIPv6 = 3;

    /// <summary>
    /// inet and cidr: family (2 IPv4, 3 IPv6), mask bits, a cidr flag, the address length (4 or
    /// 16) and the address. IPv4 prints all four octets; IPv6 prints lowercase hex words with
    /// the longest run (at least two) of zero words shortened to "::", and the last four bytes
    /// dotted when the address is IPv4-compatible or IPv4-mapped. The mask follows unless it
    /// covers the whole address, except that cidr always shows it.
    /// </summary>
    private static void FormatNetwork(ReadOnlySpan<byte> value, bool isCidr, IBufferWriter<byte> output)
    {
        var kind = isCidr ? ScalarKind.Cidr : ScalarKind.Inet;
        if (value.Length < 4)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary {KindName(kind)} value has {value.Length} bytes, expected at least 4");
        }

        var family = value[0];
        int bits = value[1];
        int addressLength = value[3];
        var (expectedLength, maxBits) = family switch
        {
            FamilyIPv4 => (4, 32),
            FamilyIPv6 => (16, 128),
            _ => throw Invalid(kind, $"address family {family}"),
        };
        if (addressLength != expectedLength)
        {
            throw Invalid(kind, $"address length {addressLength} for family {family}");
        }

        ExpectLength(kind, value, 4 + addressLength);
        if (bits > maxBits)
        {
            throw Invalid(kind, $"{bits} mask bits");
        }

        var address = value[4..];
        var span = output.GetSpan(64);
        var n = family == FamilyIPv4 ? WriteIPv4(span, address) : WriteIPv6(span, address);
        if (bits != maxBits || isCidr)
        {
            span[n++] = (byte)'/';
            n += WriteUInt64(span[n..], (ulong)bits, 1);
        }

        output.Advance(n);
    }

    private static int WriteIPv4(Span<byte> span, ReadOnlySpan<byte> octets)
    {
        var n = 0;
        for (var i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                span[n++] = (byte)'.';
            }

            n += WriteUInt64(span[n..], octets[i], 1);
        }

        return n;
    }

    private static int WriteIPv6(Span<byte> span, ReadOnlySpan<byte> address)
    {
        Span<int> words = stackalloc int[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = (address[2 * i] << 8) | address[(2 * i) + 1];
        }

        // The first longest run of zero words; a single zero word is not shortened.
        int runStart = -1, runLength = 0;
        for (var i = 0; i < 8;)
        {
            if (words[i] != 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < 8 && words[i] == 0)
            {
                i++;
            }

            if (i - start > runLength)
            {
                runStart = start;
                runLength = i - start;
            }
        }

        if (runLength < 2)
        {
            runStart = -1;
        }

        var n = 0;
        for (var i = 0; i < 8; i++)
        {
            if (runStart >= 0 && i >= runStart && i < runStart + runLength)
            {
                if (i == runStart)
                {
                    span[n++] = (byte)':';
                }

                continue;
            }

            if (i != 0)
            {
                span[n++] = (byte)':';
            }

            var embeddedIPv4 = i == 6 && runStart == 0 &&
                (runLength == 6 || (runLength == 7 && words[7] != 1) || (runLength == 5 && words[5] == 0xFFFF));
            if (embeddedIPv4)
            {
                return n + WriteIPv4(span[n..], address[12..]);
            }

            n += WriteHexWord(span[n..], words[i]);
        }

        if (runStart >= 0 && runStart + runLength == 8)
        {
            span[n++] = (byte)':';
        }

        return n;
    }

    private static int WriteHexWord(Span<byte> span, int word)
    {
        var n = 0;
        for (var shift = 12; shift >= 0; shift -= 4)
        {
            var digit = (word >> shift) & 0xF;
            if (n > 0 || digit != 0 || shift == 0)
            {
                span[n++] = HexDigits[digit];
            }
        }

        return n;
    }

    /// <summary>macaddr and macaddr8: lowercase hex bytes separated by colons.</summary>
    private static void FormatMacAddress(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(3 * value.Length);
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (i > 0)
            {
                span[n++] = (byte)':';
            }

            span[n++] = HexDigits[value[i] >> 4];
            span[n++] = HexDigits[value[i] & 0xF];
        }

        output.Advance(n);
    }
}
