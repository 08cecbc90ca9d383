using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace PgWire.Iceberg;

/// <summary>
/// PostgreSQL values in their text output form (as a server with DateStyle ISO sends them) turned
/// into the objects <see cref="DataFileWriter"/> takes for the Iceberg type
/// <see cref="PostgresTypeMapping"/> chose: int, long, decimal, float, double, bool, string,
/// DateOnly, TimeOnly, DateTime (timestamp, unspecified kind), DateTimeOffset (timestamptz, UTC),
/// Guid, byte[] (bytea, hex or escape form), and object?[] for one-dimensional arrays.
/// </summary>
/// <remarks>
/// A value the Iceberg type cannot hold comes back as null with <c>unrepresentable</c> set:
/// numeric NaN and ±Infinity, a numeric beyond the column's precision or scale (or beyond the 28
/// to 29 digits of System.Decimal), dates and timestamps BC, beyond year 9999 or ±infinity,
/// time 24:00:00, and a multi-dimensional array in a list column. In an array such an element is
/// null and the flag is set for the whole value. float4 and float8 keep NaN and ±Infinity.
/// Arrays are read with the ',' delimiter (box[] uses ';' and is not split correctly).
/// Malformed text throws <see cref="FormatException"/>.
/// </remarks>
public static class PostgresValues
{
    public static object? FromText(IcebergType type, ReadOnlySpan<byte> utf8Text, out bool unrepresentable)
    {
        unrepresentable = false;
        switch (type)
        {
            case ListType list:
                return Array(list.Element, utf8Text, out unrepresentable);
            case PrimitiveType p:
                var value = Primitive(p, utf8Text);
                unrepresentable = value is Unrepresentable;
                return unrepresentable ? null : value;
            default:
                throw new ArgumentException($"PostgreSQL values are not mapped to {type}", nameof(type));
        }
    }

    /// <summary>Reads one value of a column; sets <c>unrepresentable</c> (and gives null) for a value the Iceberg type cannot hold.</summary>
    public delegate object? ValueReader(ReadOnlySpan<byte> value, out bool unrepresentable);

    /// <summary>
    /// The reader of a column's values in their text form for <paramref name="type"/>: the same as
    /// <see cref="FromText"/>, with the type looked at once rather than per value.
    /// </summary>
    public static ValueReader TextReader(IcebergType type) => type is PrimitiveType { Name: "string" }
        ? ReadString
        : (ReadOnlySpan<byte> text, out bool unrepresentable) => FromText(type, text, out unrepresentable);

    private static object? ReadString(ReadOnlySpan<byte> text, out bool unrepresentable)
    {
        unrepresentable = false;
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>
    /// The reader of a column's values in PostgreSQL's binary send form, for the built-in types
    /// whose binary form maps straight onto <paramref name="type"/>: bool, int2, int4, int8,
    /// float4, float8, uuid, date, time, timestamp and timestamptz, and text and varchar into a
    /// string (by type OID; a domain's own OID is not among them). It gives the same value
    /// <see cref="FromText"/> gives for the value's text, without formatting and parsing it. Null
    /// for any other type or column type (the caller goes through the text form). A value of the
    /// wrong length is a <see cref="FormatException"/>.
    /// </summary>
    public static ValueReader? BinaryReader(IcebergType type, uint typeOid) => (typeOid, (type as PrimitiveType)?.Name) switch
    {
        (16, "boolean") => static (ReadOnlySpan<byte> v, out bool u) => Fixed(v, 1, out u)[0] != 0 ? BoxedTrue : BoxedFalse,
        (21, "int") => static (ReadOnlySpan<byte> v, out bool u) => (int)BinaryPrimitives.ReadInt16BigEndian(Fixed(v, 2, out u)),
        (21, "long") => static (ReadOnlySpan<byte> v, out bool u) => (long)BinaryPrimitives.ReadInt16BigEndian(Fixed(v, 2, out u)),
        (23, "int") => static (ReadOnlySpan<byte> v, out bool u) => BinaryPrimitives.ReadInt32BigEndian(Fixed(v, 4, out u)),
        (23, "long") => static (ReadOnlySpan<byte> v, out bool u) => (long)BinaryPrimitives.ReadInt32BigEndian(Fixed(v, 4, out u)),
        (20, "long") => static (ReadOnlySpan<byte> v, out bool u) => BinaryPrimitives.ReadInt64BigEndian(Fixed(v, 8, out u)),
        (700, "float") => static (ReadOnlySpan<byte> v, out bool u) => BinaryPrimitives.ReadSingleBigEndian(Fixed(v, 4, out u)),
        (700, "double") => static (ReadOnlySpan<byte> v, out bool u) => (double)BinaryPrimitives.ReadSingleBigEndian(Fixed(v, 4, out u)),
        (701, "double") => static (ReadOnlySpan<byte> v, out bool u) => BinaryPrimitives.ReadDoubleBigEndian(Fixed(v, 8, out u)),
        (2950, "uuid") => static (ReadOnlySpan<byte> v, out bool u) => new Guid(Fixed(v, 16, out u), bigEndian: true),
        (1082, "date") => BinaryDate,
        (1083, "time") => BinaryTime,
        (1114, "timestamp") => static (ReadOnlySpan<byte> v, out bool u) => BinaryTimestamp(v, out u) is { } ticks ? new DateTime(ticks, DateTimeKind.Unspecified) : null,
        (1184, "timestamptz") => static (ReadOnlySpan<byte> v, out bool u) => BinaryTimestamp(v, out u) is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null,
        // text and varchar: the binary form is the text itself.
        (25 or 1043, "string") => ReadString,
        _ => null,
    };

    /// <summary>
    /// A value in PostgreSQL's binary send form, where <see cref="BinaryReader"/> has a reader for
    /// the column type: true with the value, or false (the caller goes through the text form).
    /// </summary>
    public static bool TryFromBinary(IcebergType type, uint typeOid, ReadOnlySpan<byte> value, out object? result, out bool unrepresentable)
    {
        if (BinaryReader(type, typeOid) is not { } reader)
        {
            result = null;
            unrepresentable = false;
            return false;
        }

        result = reader(value, out unrepresentable);
        return true;
    }

    private static ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> value, int length, out bool unrepresentable)
    {
        unrepresentable = false;
        return value.Length == length
            ? value
            : throw new FormatException($"a binary value of {value.Length} bytes where {length} were expected");
    }

    /// <summary>Days from 2000-01-01; int.MinValue and int.MaxValue are -infinity and infinity.</summary>
    private static object? BinaryDate(ReadOnlySpan<byte> value, out bool unrepresentable)
    {
        var day = (long)BinaryPrimitives.ReadInt32BigEndian(Fixed(value, 4, out _)) + PostgresEpochDay;
        unrepresentable = day < DateOnly.MinValue.DayNumber || day > DateOnly.MaxValue.DayNumber;
        return unrepresentable ? null : DateOnly.FromDayNumber((int)day);
    }

    /// <summary>Microseconds from midnight; 24:00:00 is unrepresentable.</summary>
    private static object? BinaryTime(ReadOnlySpan<byte> value, out bool unrepresentable)
    {
        var micros = BinaryPrimitives.ReadInt64BigEndian(Fixed(value, 8, out _));
        unrepresentable = micros < 0 || micros >= TimeSpan.TicksPerDay / 10;
        return unrepresentable ? null : new TimeOnly(micros * 10);
    }

    /// <summary>
    /// Ticks of a timestamp in microseconds from 2000-01-01 00:00 (UTC for timestamptz); null
    /// (unrepresentable) for the infinities (long.MinValue and long.MaxValue) and years out of 1 to 9999.
    /// </summary>
    private static long? BinaryTimestamp(ReadOnlySpan<byte> value, out bool unrepresentable)
    {
        var micros = BinaryPrimitives.ReadInt64BigEndian(Fixed(value, 8, out _));
        // Beyond DateTime's ticks either way (and clear of overflow in ticks).
        const long maxMicros = 315_537_897_600_000_000;
        unrepresentable = true;
        if (micros is > maxMicros or < -maxMicros)
        {
            return null;
        }

        var ticks = PostgresEpochTicks + (micros * 10);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return null;
        }

        unrepresentable = false;
        return ticks;
    }

    private static readonly int PostgresEpochDay = new DateOnly(2000, 1, 1).DayNumber;
    /// <summary>Ticks of 2000-01-01 00:00, PostgreSQL's epoch.</summary>
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    // One box each for every boolean value.
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    /// <summary>Marks a value the type cannot hold.</summary>
    private sealed class Unrepresentable
    {
        public static readonly Unrepresentable Value = new();
    }

    private static object Primitive(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        switch (type.Name)
        {
            case "string":
                return Encoding.UTF8.GetString(text);
            case "int":
                return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : throw Bad(type, text);
            case "long":
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : throw Bad(type, text);
            case "float":
                return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw Bad(type, text);
            case "double":
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(type, text);
            case "boolean":
                // The output function prints t and f; a cast to text true and false.
                return text.SequenceEqual("t"u8) || text.SequenceEqual("true"u8) ? BoxedTrue
                    : text.SequenceEqual("f"u8) || text.SequenceEqual("false"u8) ? BoxedFalse
                    : throw Bad(type, text);
            case "decimal":
                return Decimal(type, text);
            case "uuid":
                return Utf8Parser.TryParse(text, out Guid g, out var used, 'D') && used == text.Length ? g : throw Bad(type, text);
            case "binary":
                return Bytea(text);
            case "date":
                return Date(type, text);
            case "time":
                return Time(type, text);
            case "timestamp":
            case "timestamptz":
                return Timestamp(type, text);
            default:
                throw new ArgumentException($"PostgreSQL values are not mapped to {type}", nameof(type));
        }
    }

    private static FormatException Bad(IcebergType type, ReadOnlySpan<byte> text) =>
        new($"not a PostgreSQL text value for Iceberg {type}: \"{Encoding.UTF8.GetString(text)}\"");

    /// <summary>numeric(p,s): NaN, ±Infinity, more integer digits than p - s, more fraction digits than s, or more than System.Decimal holds are unrepresentable.</summary>
    private static object Decimal(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        if (text.SequenceEqual("NaN"u8) || text.SequenceEqual("Infinity"u8) || text.SequenceEqual("-Infinity"u8))
        {
            return Unrepresentable.Value;
        }

        var digits = text.Length > 0 && text[0] is (byte)'-' or (byte)'+' ? text[1..] : text;
        var point = digits.IndexOf((byte)'.');
        var integer = point < 0 ? digits : digits[..point];
        var fraction = point < 0 ? [] : digits[(point + 1)..];
        if (integer.Length + fraction.Length == 0 || integer.ContainsAnyExceptInRange((byte)'0', (byte)'9') || fraction.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            throw Bad(type, text);
        }

        var significant = integer.TrimStart((byte)'0').Length;
        if (significant > type.Precision - type.Scale || fraction.TrimEnd((byte)'0').Length > type.Scale)
        {
            return Unrepresentable.Value;
        }

        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            // Beyond System.Decimal's range (precision over 28 integer digits).
            return Unrepresentable.Value;
        }

        // System.Decimal holds 28 to 29 significant digits and rounds beyond them.
        if (significant + fraction.Length > 28)
        {
            var back = value.ToString("F" + fraction.Length.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var expected = Encoding.ASCII.GetString(text).TrimStart('+');
            if (!Same(back, expected))
            {
                return Unrepresentable.Value;
            }
        }

        return value;

        static bool Same(string a, string b)
        {
            static string Norm(string s)
            {
                var negative = s.StartsWith('-');
                var t = s.TrimStart('-').TrimStart('0');
                return (negative ? "-" : "") + (t.StartsWith('.') || t.Length == 0 ? "0" + t : t);
            }

            return Norm(a) == Norm(b);
        }
    }

    /// <summary>bytea in the hex form (\x0102) or the escape form (octal \nnn and \\).</summary>
    private static byte[] Bytea(ReadOnlySpan<byte> text)
    {
        if (text.StartsWith("\\x"u8))
        {
            var hex = text[2..];
            if (hex.Length % 2 != 0)
            {
                throw Bad(PrimitiveType.Binary, text);
            }

            var result = new byte[hex.Length / 2];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = (byte)((Hex(hex[2 * i], text) << 4) | Hex(hex[(2 * i) + 1], text));
            }

            return result;
        }

        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                bytes.Add(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == '\\')
            {
                bytes.Add((byte)'\\');
                i++;
            }
            else if (i + 3 < text.Length && Octal(text[i + 1]) <= 3 && Octal(text[i + 2]) < 8 && Octal(text[i + 3]) < 8)
            {
                bytes.Add((byte)((Octal(text[i + 1]) << 6) | (Octal(text[i + 2]) << 3) | Octal(text[i + 3])));
                i += 3;
            }
            else
            {
                throw Bad(PrimitiveType.Binary, text);
            }
        }

        return [.. bytes];

        static int Octal(byte b) => b is >= (byte)'0' and <= (byte)'7' ? b - '0' : 8;
    }

    private static int Hex(byte b, ReadOnlySpan<byte> text) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => throw Bad(PrimitiveType.Binary, text),
    };

    private static bool IsInfinity(ReadOnlySpan<byte> text) => text.SequenceEqual("infinity"u8) || text.SequenceEqual("-infinity"u8);

    /// <summary>YYYY-MM-DD (the year may have more digits), optionally followed by " BC".</summary>
    private static object Date(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        if (IsInfinity(text) || text.EndsWith(" BC"u8))
        {
            return Unrepresentable.Value;
        }

        var pos = 0;
        return ReadDate(text, ref pos, type) is { } date && pos == text.Length ? date : Unrepresentable.Value;
    }

    /// <summary>A date at <paramref name="pos"/>; null when the year is beyond 9999.</summary>
    private static DateOnly? ReadDate(ReadOnlySpan<byte> text, ref int pos, PrimitiveType type)
    {
        var year = Number(text, ref pos, 4, 9, type);
        Expect(text, ref pos, (byte)'-', type);
        var month = Number(text, ref pos, 2, 2, type);
        Expect(text, ref pos, (byte)'-', type);
        var day = Number(text, ref pos, 2, 2, type);
        if (year > 9999)
        {
            return null;
        }

        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day)
            : throw Bad(type, text);
    }

    /// <summary>HH:MM:SS with up to six fraction digits; 24:00:00 is unrepresentable.</summary>
    private static object Time(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        var pos = 0;
        var ticks = ReadTime(text, ref pos, type);
        if (pos != text.Length)
        {
            throw Bad(type, text);
        }

        return ticks >= TimeSpan.TicksPerDay ? Unrepresentable.Value : new TimeOnly(ticks);
    }

    /// <summary>Ticks of a unit in the last place of 1 to 6 fraction digits.</summary>
    private static readonly long[] TicksPerFractionDigit = [0, 1_000_000, 100_000, 10_000, 1_000, 100, 10];

    private static long ReadTime(ReadOnlySpan<byte> text, ref int pos, PrimitiveType type)
    {
        var hour = Number(text, ref pos, 2, 2, type);
        Expect(text, ref pos, (byte)':', type);
        var minute = Number(text, ref pos, 2, 2, type);
        Expect(text, ref pos, (byte)':', type);
        var second = Number(text, ref pos, 2, 2, type);
        long fraction = 0;
        if (pos < text.Length && text[pos] == '.')
        {
            pos++;
            var start = pos;
            var f = Number(text, ref pos, 1, 6, type);
            fraction = f * TicksPerFractionDigit[pos - start];
        }

        if (hour > 24 || minute > 59 || second > 60)
        {
            throw Bad(type, text);
        }

        return (((hour * 60L) + minute) * 60 + second) * TimeSpan.TicksPerSecond + fraction;
    }

    /// <summary>
    /// YYYY-MM-DD HH:MM:SS[.ffffff], for timestamptz followed by the offset (+01, -05:30,
    /// +00:19:32), then optionally " BC".
    /// </summary>
    private static object Timestamp(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        if (TimestampTicks(type, text) is not { } ticks)
        {
            return Unrepresentable.Value;
        }

        // (object) on both: a DateTime would otherwise convert to DateTimeOffset.
        return type.Name == "timestamptz"
            ? (object)new DateTimeOffset(ticks, TimeSpan.Zero)
            : (object)new DateTime(ticks, DateTimeKind.Unspecified);
    }

    /// <summary>
    /// A timestamp or timestamptz in its text form as microseconds from 1970-01-01 (UTC for
    /// timestamptz), the value <see cref="FromText"/> gives without making it: false where that
    /// gives null as unrepresentable; malformed text throws <see cref="FormatException"/> the same way.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static bool TryTimestampMicros(PrimitiveType type, ReadOnlySpan<byte> text, out long micros)
    {
        var fixedTicks = FixedTimestampTicks(type.Name == "timestamptz", text);
        if (fixedTicks >= 0)
        {
            micros = (fixedTicks - DateTime.UnixEpoch.Ticks) / 10;
            return true;
        }

        if (TimestampTicks(type, text) is { } ticks)
        {
            micros = (ticks - DateTime.UnixEpoch.Ticks) / 10;
            return true;
        }

        micros = 0;
        return false;
    }

    /// <summary>
    /// The ticks (UTC for timestamptz) of a timestamp in the form PostgreSQL prints with its default
    /// DateStyle, read at fixed places: YYYY-MM-DD HH:MM:SS, up to six fraction digits, and for
    /// timestamptz the offset (+HH, +HH:MM or +HH:MM:SS). -1 for anything else (another form, a value
    /// out of range, malformed text), which <see cref="TimestampTicks"/> then reads or refuses.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long FixedTimestampTicks(bool withOffset, ReadOnlySpan<byte> text)
    {
        if (text.Length < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':')
        {
            return -1;
        }

        uint y0 = Digit(text[0]), y1 = Digit(text[1]), y2 = Digit(text[2]), y3 = Digit(text[3]);
        uint mo0 = Digit(text[5]), mo1 = Digit(text[6]), d0 = Digit(text[8]), d1 = Digit(text[9]);
        uint h0 = Digit(text[11]), h1 = Digit(text[12]), mi0 = Digit(text[14]), mi1 = Digit(text[15]), s0 = Digit(text[17]), s1 = Digit(text[18]);
        if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9)
        {
            return -1;
        }

        var year = (int)((y0 * 1000) + (y1 * 100) + (y2 * 10) + y3);
        var month = (int)((mo0 * 10) + mo1);
        var day = (int)((d0 * 10) + d1);
        var hour = (h0 * 10) + h1;
        var minute = (mi0 * 10) + mi1;
        var second = (s0 * 10) + s1;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 24 || minute > 59 || second > 60)
        {
            return -1;
        }

        var ticks = ((((hour * 60L) + minute) * 60) + second) * TimeSpan.TicksPerSecond;
        var pos = 19;
        if (pos < text.Length && text[pos] == '.')
        {
            pos++;
            var start = pos;
            long fraction = 0;
            while (pos < text.Length && pos - start < 6 && Digit(text[pos]) is var f && f <= 9)
            {
                fraction = (fraction * 10) + f;
                pos++;
            }

            if (pos == start)
            {
                return -1;
            }

            ticks += fraction * TicksPerFractionDigit[pos - start];
        }

        long offsetSeconds = 0;
        if (withOffset)
        {
            if (pos + 3 > text.Length || text[pos] is not ((byte)'+' or (byte)'-') || Digit(text[pos + 1]) > 9 || Digit(text[pos + 2]) > 9)
            {
                return -1;
            }

            var negative = text[pos] == '-';
            offsetSeconds = ((Digit(text[pos + 1]) * 10) + Digit(text[pos + 2])) * 3600L;
            pos += 3;
            for (var unit = 60; unit >= 1 && pos < text.Length && text[pos] == ':'; unit /= 60)
            {
                if (pos + 3 > text.Length || Digit(text[pos + 1]) > 9 || Digit(text[pos + 2]) > 9)
                {
                    return -1;
                }

                offsetSeconds += ((Digit(text[pos + 1]) * 10) + Digit(text[pos + 2])) * (long)unit;
                pos += 3;
            }

            if (negative)
            {
                offsetSeconds = -offsetSeconds;
            }
        }

        if (pos != text.Length)
        {
            return -1;
        }

        var utcTicks = (new DateOnly(year, month, day).DayNumber * TimeSpan.TicksPerDay) + ticks - (offsetSeconds * TimeSpan.TicksPerSecond);
        return utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks ? -1 : utcTicks;

        static uint Digit(byte b) => (uint)(b - '0');
    }

    /// <summary>A timestamp's ticks (UTC for timestamptz); null when unrepresentable.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long? TimestampTicks(PrimitiveType type, ReadOnlySpan<byte> text)
    {
        if (IsInfinity(text) || text.EndsWith(" BC"u8))
        {
            return null;
        }

        var pos = 0;
        var date = ReadDate(text, ref pos, type);
        Expect(text, ref pos, (byte)' ', type);
        var ticks = ReadTime(text, ref pos, type);
        long offsetSeconds = 0;
        if (type.Name == "timestamptz")
        {
            if (pos >= text.Length || text[pos] is not ((byte)'+' or (byte)'-'))
            {
                throw Bad(type, text);
            }

            var sign = text[pos++] == '-' ? -1 : 1;
            offsetSeconds = Number(text, ref pos, 2, 2, type) * 3600L;
            for (var unit = 60; unit >= 1 && pos < text.Length && text[pos] == ':'; unit /= 60)
            {
                pos++;
                offsetSeconds += Number(text, ref pos, 2, 2, type) * (long)unit;
            }

            offsetSeconds *= sign;
        }

        if (pos != text.Length)
        {
            throw Bad(type, text);
        }

        if (date is not { } d)
        {
            return null;
        }

        var utcTicks = d.DayNumber * TimeSpan.TicksPerDay + ticks - (offsetSeconds * TimeSpan.TicksPerSecond);
        return utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks ? null : utcTicks;
    }

    private static int Number(ReadOnlySpan<byte> text, ref int pos, int minDigits, int maxDigits, PrimitiveType type)
    {
        var start = pos;
        var value = 0;
        while (pos < text.Length && pos - start < maxDigits && text[pos] is >= (byte)'0' and <= (byte)'9')
        {
            value = (value * 10) + (text[pos++] - '0');
        }

        return pos - start >= minDigits ? value : throw Bad(type, text);
    }

    private static void Expect(ReadOnlySpan<byte> text, ref int pos, byte c, PrimitiveType type)
    {
        if (pos >= text.Length || text[pos] != c)
        {
            throw Bad(type, text);
        }

        pos++;
    }

    /// <summary>
    /// A one-dimensional array in array_out's form: optional bounds ([0:2]=), then {a,b,...}
    /// where an element is NULL, a bare word, or a double-quoted string with \-escapes.
    /// </summary>
    private static object? Array(IcebergType elementType, ReadOnlySpan<byte> text, out bool unrepresentable)
    {
        unrepresentable = false;
        var type = new ListType(0, elementType, false);
        var pos = 0;
        if (text.Length > 0 && text[0] == '[')
        {
            var eq = text.IndexOf((byte)'=');
            if (eq < 0)
            {
                throw Bad(type, text);
            }

            if (text[..eq].Count((byte)'[') > 1)
            {
                unrepresentable = true;
                return null;
            }

            pos = eq + 1;
        }

        if (pos >= text.Length || text[pos] != '{' || text[^1] != '}')
        {
            throw Bad(type, text);
        }

        pos++;
        var end = text.Length - 1;
        var result = new List<object?>();
        if (pos == end)
        {
            return result.ToArray();
        }

        if (text[pos] == '{')
        {
            // More than one dimension: a list column holds one.
            unrepresentable = true;
            return null;
        }

        var buffer = new List<byte>();
        while (true)
        {
            buffer.Clear();
            bool quoted = false;
            if (pos < end && text[pos] == '"')
            {
                quoted = true;
                pos++;
                while (true)
                {
                    if (pos >= end)
                    {
                        throw Bad(type, text);
                    }

                    var c = text[pos++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (pos >= end)
                        {
                            throw Bad(type, text);
                        }

                        c = text[pos++];
                    }

                    buffer.Add(c);
                }
            }
            else
            {
                while (pos < end && text[pos] != ',')
                {
                    var c = text[pos++];
                    if (c == '\\' && pos < end)
                    {
                        c = text[pos++];
                    }

                    buffer.Add(c);
                }
            }

            var element = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer);
            if (!quoted && element.Length == 4 && Ascii.EqualsIgnoreCase(element, "NULL"u8))
            {
                result.Add(null);
            }
            else
            {
                if (!quoted && element.Length == 0)
                {
                    throw Bad(type, text);
                }

                result.Add(FromText(elementType, element, out var u));
                unrepresentable |= u;
            }

            if (pos == end)
            {
                return result.ToArray();
            }

            if (text[pos] != ',')
            {
                throw Bad(type, text);
            }

            pos++;
        }
    }
}
