using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace PgWire.Protocol.Types;

public static partial class BinaryTextFormatter
{
    // float4out/float8out with extra_float_digits > 0 print the shortest decimal that lies
    // strictly inside the value's rounding interval (PostgreSQL's Ryu never accepts a decimal
    // lying exactly on the interval's edge, whereas .NET does when the mantissa is even: 1e23 is
    // "9.999999999999999e+22" in PostgreSQL). Among the shortest, the one nearest the value wins.
    // Layout: plain notation while the decimal exponent of the first digit is in [-4, limit)
    // (limit 6 for float4, 15 for float8), otherwise d.ddde±XX with at least two exponent digits.
    // Zero keeps its sign ("-0").
    private const int Float4FixedLimit = 6;
    private const int Float8FixedLimit = 15;

    private static void FormatFloat8(double value, IBufferWriter<byte> output)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            WriteFloatSpecial(double.IsNaN(value), double.IsInfinity(value), double.IsNegative(value), output);
            return;
        }

        Span<byte> rendered = stackalloc byte[48];
        if (!value.TryFormat(rendered, out var n, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("float8 formatting overflowed its buffer");
        }

        var bits = BitConverter.DoubleToUInt64Bits(value);
        var biased = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & ((1UL << 52) - 1);
        var binary = biased == 0
            ? new BinaryFloat(fraction, -1074, false)
            : new BinaryFloat(fraction | (1UL << 52), biased - 1075, fraction == 0 && biased > 1);
        WriteShortest(rendered[..n], binary, Float8FixedLimit, output);
    }

    private static void FormatFloat4(float value, IBufferWriter<byte> output)
    {
        if (!float.IsFinite(value) || value == 0)
        {
            WriteFloatSpecial(float.IsNaN(value), float.IsInfinity(value), float.IsNegative(value), output);
            return;
        }

        Span<byte> rendered = stackalloc byte[48];
        if (!value.TryFormat(rendered, out var n, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("float4 formatting overflowed its buffer");
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var biased = (int)((bits >> 23) & 0xFF);
        var fraction = bits & ((1U << 23) - 1);
        var binary = biased == 0
            ? new BinaryFloat(fraction, -149, false)
            : new BinaryFloat(fraction | (1U << 23), biased - 150, fraction == 0 && biased > 1);
        WriteShortest(rendered[..n], binary, Float4FixedLimit, output);
    }

    /// <summary>
    /// A finite non-zero float as mantissa × 2^exponent. Its rounding interval reaches half a
    /// unit either way, except below an exact power of two (with a normal predecessor), where
    /// the gap to the next smaller value is half as wide.
    /// </summary>
    private readonly record struct BinaryFloat(ulong Mantissa, int Exponent, bool NarrowBelow);

    private static void WriteFloatSpecial(bool isNaN, bool isInfinity, bool isNegative, IBufferWriter<byte> output)
    {
        // NaN prints without a sign whatever its sign bit.
        if (isNaN)
        {
            WriteAscii(output, "NaN"u8);
        }
        else if (isInfinity)
        {
            WriteAscii(output, isNegative ? "-Infinity"u8 : "Infinity"u8);
        }
        else
        {
            WriteAscii(output, isNegative ? "-0"u8 : "0"u8);
        }
    }

    /// <summary>
    /// Takes the digits of a .NET shortest round-trip rendering ("123.45", "1E+20", "1.5E-05",
    /// "-0.0001") of a finite non-zero value, replaces them when they sit exactly on the edge of
    /// the rounding interval, and writes them the way PostgreSQL lays them out.
    /// </summary>
    private static void WriteShortest(ReadOnlySpan<byte> rendered, BinaryFloat binary, int fixedLimit, IBufferWriter<byte> output)
    {
        var negative = rendered[0] == (byte)'-';
        ParseRendering(negative ? rendered[1..] : rendered, out var digits, out var lastDigitExponent);
        if (IsOnIntervalEdge(digits, lastDigitExponent, binary))
        {
            ExactShortest(binary, out digits, out lastDigitExponent);
        }

        Span<byte> text = stackalloc byte[24];
        var count = WriteUInt64(text, digits, 1);
        WriteFloatLayout(negative, text[..count], lastDigitExponent + count - 1, fixedLimit, output);
    }

    /// <summary>Reads a plain or E-notation rendering (no sign) as digits × 10^exponent, trailing zeros dropped.</summary>
    private static void ParseRendering(ReadOnlySpan<byte> rendered, out ulong digits, out int exponent)
    {
        digits = 0;
        var fractionDigits = 0;
        var inFraction = false;
        var explicitExponent = 0;
        for (var i = 0; i < rendered.Length; i++)
        {
            var c = rendered[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                digits = (digits * 10) + (ulong)(c - '0');
                if (inFraction)
                {
                    fractionDigits++;
                }
            }
            else if (c == (byte)'.')
            {
                inFraction = true;
            }
            else if (c is (byte)'E' or (byte)'e')
            {
                explicitExponent = ParseExponent(rendered[(i + 1)..]);
                break;
            }
            else
            {
                throw new InvalidOperationException($"unexpected character in a float rendering: {(char)c}");
            }
        }

        exponent = explicitExponent - fractionDigits;
        while (digits != 0 && digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }
    }

    private static int ParseExponent(ReadOnlySpan<byte> text)
    {
        var negative = false;
        var i = 0;
        if (text.Length > 0 && text[0] is (byte)'+' or (byte)'-')
        {
            negative = text[0] == (byte)'-';
            i = 1;
        }

        var value = 0;
        for (; i < text.Length; i++)
        {
            value = (value * 10) + (text[i] - '0');
        }

        return negative ? -value : value;
    }

    /// <summary>
    /// True when digits × 10^exponent equals one of the two edges of the rounding interval:
    /// (2m + 1) × 2^(e-1) above, (2m - 1) × 2^(e-1) below, or (4m - 1) × 2^(e-2) below a power
    /// of two. Both sides are an odd number times a power of two, so they are equal when those
    /// parts are; the decimal's odd part is digits × 5^exponent with its factors of two removed.
    /// </summary>
    private static bool IsOnIntervalEdge(ulong digits, int exponent, BinaryFloat binary)
    {
        var twos = BitOperations.TrailingZeroCount(digits);
        var odd = digits >> twos;
        UInt128 oddPart;
        int twoPower;
        if (exponent >= 0)
        {
            // A power of five above 5^27 makes the odd part larger than any edge's (below 2^56).
            if (exponent > 27)
            {
                return false;
            }

            oddPart = (UInt128)odd * Pow5(exponent);
            twoPower = twos + exponent;
        }
        else
        {
            var fives = -exponent;
            if (fives > 27)
            {
                return false;
            }

            var divisor = Pow5(fives);
            if (odd % divisor != 0)
            {
                return false;
            }

            oddPart = odd / divisor;
            twoPower = twos - fives;
        }

        var m = (UInt128)binary.Mantissa;
        if (twoPower == binary.Exponent - 1 && (oddPart == (2 * m) + 1 || oddPart == (2 * m) - 1))
        {
            return !(oddPart == (2 * m) - 1 && binary.NarrowBelow);
        }

        return binary.NarrowBelow && twoPower == binary.Exponent - 2 && oddPart == (4 * m) - 1;
    }

    private static ulong Pow5(int n)
    {
        var result = 1UL;
        for (var i = 0; i < n; i++)
        {
            result *= 5;
        }

        return result;
    }

    /// <summary>
    /// The shortest decimal strictly inside the rounding interval, nearest to the value (ties to
    /// even), computed exactly. Only needed when the quick answer sits on the interval's edge.
    /// </summary>
    private static void ExactShortest(BinaryFloat binary, out ulong digits, out int exponent)
    {
        // Work in units of 2^(e-2): value 4m, upper edge 4m + 2, lower edge 4m - 2 (4m - 1 below a power of two).
        var m = new BigInteger(binary.Mantissa);
        var value = 4 * m;
        var upper = value + 2;
        var lower = value - (binary.NarrowBelow ? 1 : 2);
        var twoPower = binary.Exponent - 2;
        BigInteger denominatorTwos = BigInteger.One;
        if (twoPower >= 0)
        {
            value <<= twoPower;
            upper <<= twoPower;
            lower <<= twoPower;
        }
        else
        {
            denominatorTwos <<= -twoPower;
        }

        // Start at a scale with more digits than any float needs, then drop digits while a
        // multiple of the next power of ten still lies strictly inside the interval.
        var scale = (int)Math.Floor(BigInteger.Log10(value) - BigInteger.Log10(denominatorTwos)) - 20;
        while (HasCandidate(upper, lower, denominatorTwos, scale + 1))
        {
            scale++;
        }

        var (numerator, denominator) = Scaled(value, denominatorTwos, scale);
        var truncated = BigInteger.DivRem(numerator, denominator, out var remainder);
        var (lowerNumerator, lowerDenominator) = Scaled(lower, denominatorTwos, scale);
        var lowest = BigInteger.Divide(lowerNumerator, lowerDenominator);
        var twice = 2 * remainder;
        var roundUp = twice > denominator || (twice == denominator && !truncated.IsEven);
        var result = truncated == lowest || roundUp ? truncated + 1 : truncated;
        exponent = scale;
        while (!result.IsZero && (result % 10).IsZero)
        {
            result /= 10;
            exponent++;
        }

        digits = (ulong)result;
    }

    /// <summary>Whether some multiple of 10^scale lies strictly between lower and upper (both over the same denominator).</summary>
    private static bool HasCandidate(BigInteger upper, BigInteger lower, BigInteger denominatorTwos, int scale)
    {
        var (upperNumerator, denominator) = Scaled(upper, denominatorTwos, scale);
        var (lowerNumerator, _) = Scaled(lower, denominatorTwos, scale);
        var below = BigInteger.Divide(upperNumerator - 1, denominator);
        var floorLower = BigInteger.Divide(lowerNumerator, denominator);
        return below > floorLower;
    }

    /// <summary>x / denominatorTwos / 10^scale as an integer fraction.</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Scaled(BigInteger x, BigInteger denominatorTwos, int scale) =>
        scale >= 0
            ? (x, denominatorTwos * BigInteger.Pow(10, scale))
            : (x * BigInteger.Pow(10, -scale), denominatorTwos);

    /// <summary>Lays out significant digits (no trailing zeros) whose first digit has decimal exponent exp.</summary>
    private static void WriteFloatLayout(bool negative, ReadOnlySpan<byte> d, int exp, int fixedLimit, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(40);
        var n = 0;
        if (negative)
        {
            span[n++] = (byte)'-';
        }

        if (exp >= -4 && exp < fixedLimit)
        {
            if (exp < 0)
            {
                span[n++] = (byte)'0';
                span[n++] = (byte)'.';
                for (var z = -exp - 1; z > 0; z--)
                {
                    span[n++] = (byte)'0';
                }

                d.CopyTo(span[n..]);
                n += d.Length;
            }
            else if (d.Length <= exp + 1)
            {
                d.CopyTo(span[n..]);
                n += d.Length;
                for (var z = exp + 1 - d.Length; z > 0; z--)
                {
                    span[n++] = (byte)'0';
                }
            }
            else
            {
                d[..(exp + 1)].CopyTo(span[n..]);
                n += exp + 1;
                span[n++] = (byte)'.';
                d[(exp + 1)..].CopyTo(span[n..]);
                n += d.Length - exp - 1;
            }
        }
        else
        {
            span[n++] = d[0];
            if (d.Length > 1)
            {
                span[n++] = (byte)'.';
                d[1..].CopyTo(span[n..]);
                n += d.Length - 1;
            }

            span[n++] = (byte)'e';
            span[n++] = exp < 0 ? (byte)'-' : (byte)'+';
            n += WriteUInt64(span[n..], (ulong)Math.Abs(exp), 2);
        }

        output.Advance(n);
    }

    // ---------------------------------------------------------------- numeric

    private const ushort NumericPositive = 0x0000;
    private const ushort NumericNegative = 0x4000;
    private const ushort NumericNaN = 0xC000;
    private const ushort NumericPositiveInfinity = 0xD000;
    private const ushort NumericNegativeInfinity = 0xF000;
    private const int NumericMaxDisplayScale = 0x3FFF;

    /// <summary>
    /// numeric: int16 ndigits, int16 weight (of the first base-10000 digit), uint16 sign,
    /// uint16 dscale (decimal digits after the point), then ndigits base-10000 digits. Printed
    /// like get_str_from_var: the integer part without leading zeros ("0" when weight &lt; 0),
    /// then exactly dscale fraction digits, cut from (or padded with) the base-10000 digits.
    /// </summary>
    private static void FormatNumeric(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        const ScalarKind kind = ScalarKind.Numeric;
        if (value.Length < 8)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"binary numeric value has {value.Length} bytes, expected at least 8");
        }

        int ndigits = BinaryPrimitives.ReadUInt16BigEndian(value);
        int weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        int dscale = BinaryPrimitives.ReadUInt16BigEndian(value[6..]);
        ExpectLength(kind, value, 8 + (2 * ndigits));

        switch (sign)
        {
            case NumericNaN:
                WriteAscii(output, "NaN"u8);
                return;
            case NumericPositiveInfinity:
                WriteAscii(output, "Infinity"u8);
                return;
            case NumericNegativeInfinity:
                WriteAscii(output, "-Infinity"u8);
                return;
            case NumericPositive or NumericNegative:
                break;
            default:
                throw Invalid(kind, $"sign word 0x{sign:X4}");
        }

        if (dscale > NumericMaxDisplayScale)
        {
            throw Invalid(kind, $"display scale {dscale}");
        }

        var digits = value[8..];
        for (var i = 0; i < ndigits; i++)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(digits[(2 * i)..]) > 9999)
            {
                throw Invalid(kind, $"base-10000 digit {BinaryPrimitives.ReadUInt16BigEndian(digits[(2 * i)..])}");
            }
        }

        var integerGroups = weight < 0 ? 1 : weight + 1;
        var length = 1 + (4 * integerGroups) + 1 + dscale + 4;
        var span = output.GetSpan(length);
        var n = 0;
        if (sign == NumericNegative)
        {
            span[n++] = (byte)'-';
        }

        int d;
        if (weight < 0)
        {
            span[n++] = (byte)'0';
            d = weight + 1;
        }
        else
        {
            for (d = 0; d <= weight; d++)
            {
                var group = d < ndigits ? BinaryPrimitives.ReadUInt16BigEndian(digits[(2 * d)..]) : 0;
                n += WriteUInt64(span[n..], (ulong)group, d == 0 ? 1 : 4);
            }
        }

        if (dscale > 0)
        {
            span[n++] = (byte)'.';
            for (var written = 0; written < dscale; d++, written += 4)
            {
                var group = d >= 0 && d < ndigits ? BinaryPrimitives.ReadUInt16BigEndian(digits[(2 * d)..]) : 0;
                var take = Math.Min(4, dscale - written);
                span[n] = (byte)('0' + (group / 1000));
                if (take > 1)
                {
                    span[n + 1] = (byte)('0' + (group / 100 % 10));
                }

                if (take > 2)
                {
                    span[n + 2] = (byte)('0' + (group / 10 % 10));
                }

                if (take > 3)
                {
                    span[n + 3] = (byte)('0' + (group % 10));
                }

                n += take;
            }
        }

        output.Advance(n);
    }
}
