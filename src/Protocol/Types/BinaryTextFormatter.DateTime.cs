using System.Buffers;

namespace PgWire.Protocol.Types;

public static partial class BinaryTextFormatter
{
    private const long UsecsPerSecond = 1_000_000;
    private const long UsecsPerMinute = 60 * UsecsPerSecond;
    private const long UsecsPerHour = 60 * UsecsPerMinute;
    private const long UsecsPerDay = 24 * UsecsPerHour;

    // Dates count days from 2000-01-01 and timestamps microseconds from 2000-01-01 00:00:00.
    // The valid range starts at Julian day 0 (4714-11-24 BC) and ends before 5874898-01-01 for
    // dates and before 294277-01-01 for timestamps; the extreme int values mean -infinity and
    // infinity.
    private const int DateMin = -2_451_545;
    private const int DateEnd = 2_145_031_949;
    private const long TimestampMin = -211_813_488_000_000_000;
    private const long TimestampEnd = 9_223_371_331_200_000_000;

    // Days from 0000-03-01 (proleptic Gregorian, year 0 = 1 BC) to 2000-01-01.
    private const long DaysFromMarchYear0To2000 = 730_425;
    private const long DaysPer400Years = 146_097;

    // timetz zones are limited to under 16 hours either way.
    private const int TimeZoneLimitSeconds = 16 * 3600;

    private static void FormatDate(int days, IBufferWriter<byte> output)
    {
        if (days == int.MinValue)
        {
            WriteAscii(output, "-infinity"u8);
            return;
        }

        if (days == int.MaxValue)
        {
            WriteAscii(output, "infinity"u8);
            return;
        }

        if (days < DateMin || days >= DateEnd)
        {
            throw Invalid(ScalarKind.Date, $"day {days} is out of range");
        }

        CivilFromDays(days, out var year, out var month, out var day);
        var span = output.GetSpan(24);
        var n = WriteIsoDate(span, year, month, day);
        if (year <= 0)
        {
            n += WriteBc(span[n..]);
        }

        output.Advance(n);
    }

    private static void FormatTime(long time, IBufferWriter<byte> output)
    {
        if (time < 0 || time > UsecsPerDay)
        {
            throw Invalid(ScalarKind.Time, $"{time} microseconds is not a time of day");
        }

        var span = output.GetSpan(16);
        var n = WriteTimeOfDay(span, time);
        output.Advance(n);
    }

    private static void FormatTimeTz(long time, int zone, IBufferWriter<byte> output)
    {
        if (time < 0 || time > UsecsPerDay)
        {
            throw Invalid(ScalarKind.TimeTz, $"{time} microseconds is not a time of day");
        }

        if (zone <= -TimeZoneLimitSeconds || zone >= TimeZoneLimitSeconds)
        {
            throw Invalid(ScalarKind.TimeTz, $"zone offset {zone} seconds is out of range");
        }

        var span = output.GetSpan(32);
        var n = WriteTimeOfDay(span, time);
        n += WriteZone(span[n..], zone);
        output.Advance(n);
    }

    private static void FormatTimestamp(long timestamp, bool withZone, IBufferWriter<byte> output)
    {
        if (timestamp == long.MinValue)
        {
            WriteAscii(output, "-infinity"u8);
            return;
        }

        if (timestamp == long.MaxValue)
        {
            WriteAscii(output, "infinity"u8);
            return;
        }

        if (timestamp < TimestampMin || timestamp >= TimestampEnd)
        {
            throw Invalid(withZone ? ScalarKind.TimestampTz : ScalarKind.Timestamp, $"{timestamp} microseconds is out of range");
        }

        var days = Math.DivRem(timestamp, UsecsPerDay, out var time);
        if (time < 0)
        {
            days--;
            time += UsecsPerDay;
        }

        CivilFromDays(days, out var year, out var month, out var day);
        var span = output.GetSpan(48);
        var n = WriteIsoDate(span, year, month, day);
        span[n++] = (byte)' ';
        n += WriteTimeOfDay(span[n..], time);
        if (withZone)
        {
            // TimeZone=UTC: the offset is always zero.
            span[n++] = (byte)'+';
            span[n++] = (byte)'0';
            span[n++] = (byte)'0';
        }

        if (year <= 0)
        {
            n += WriteBc(span[n..]);
        }

        output.Advance(n);
    }

    /// <summary>
    /// interval: int64 microseconds, int32 days, int32 months, printed in IntervalStyle postgres:
    /// "N year(s) N mon(s) N day(s) [+|-]HH:MM:SS[.ffffff]". Each non-zero field after a negative
    /// one gets an explicit "+"; the time part is shown when it is non-zero or nothing else is.
    /// </summary>
    private static void FormatInterval(long time, int days, int months, bool infinities, IBufferWriter<byte> output)
    {
        // PostgreSQL 17 and later reserve the all-minimum and all-maximum values for infinities.
        if (infinities && time == long.MinValue && days == int.MinValue && months == int.MinValue)
        {
            WriteAscii(output, "-infinity"u8);
            return;
        }

        if (infinities && time == long.MaxValue && days == int.MaxValue && months == int.MaxValue)
        {
            WriteAscii(output, "infinity"u8);
            return;
        }

        var years = months / 12;
        var mons = months % 12;
        var hours = time / UsecsPerHour;
        var rest = time - (hours * UsecsPerHour);
        var minutes = (int)(rest / UsecsPerMinute);
        rest -= minutes * UsecsPerMinute;
        var seconds = (int)(rest / UsecsPerSecond);
        var fraction = (int)(rest - (seconds * UsecsPerSecond));

        var span = output.GetSpan(96);
        var n = 0;
        var isZero = true;
        var isBefore = false;
        n += WriteIntervalPart(span[n..], years, "year"u8, ref isZero, ref isBefore);
        n += WriteIntervalPart(span[n..], mons, "mon"u8, ref isZero, ref isBefore);
        n += WriteIntervalPart(span[n..], days, "day"u8, ref isZero, ref isBefore);
        if (isZero || hours != 0 || minutes != 0 || seconds != 0 || fraction != 0)
        {
            var minus = hours < 0 || minutes < 0 || seconds < 0 || fraction < 0;
            if (!isZero)
            {
                span[n++] = (byte)' ';
            }

            if (minus)
            {
                span[n++] = (byte)'-';
            }
            else if (isBefore)
            {
                span[n++] = (byte)'+';
            }

            n += WriteUInt64(span[n..], (ulong)Math.Abs(hours), 2);
            span[n++] = (byte)':';
            WriteTwoDigits(span[n..], Math.Abs(minutes));
            n += 2;
            span[n++] = (byte)':';
            n += WriteSeconds(span[n..], Math.Abs(seconds), Math.Abs(fraction));
        }

        output.Advance(n);
    }

    private static int WriteIntervalPart(Span<byte> span, int value, ReadOnlySpan<byte> unit, ref bool isZero, ref bool isBefore)
    {
        if (value == 0)
        {
            return 0;
        }

        var n = 0;
        if (!isZero)
        {
            span[n++] = (byte)' ';
        }

        if (isBefore && value > 0)
        {
            span[n++] = (byte)'+';
        }

        n += WriteInt64(span[n..], value);
        span[n++] = (byte)' ';
        unit.CopyTo(span[n..]);
        n += unit.Length;
        if (value != 1)
        {
            span[n++] = (byte)'s';
        }

        isBefore = value < 0;
        isZero = false;
        return n;
    }

    /// <summary>Proleptic Gregorian calendar date of a day number counted from 2000-01-01.</summary>
    internal static void CivilFromDays(long days, out long year, out int month, out int day)
    {
        // Count from 0000-03-01 so that the leap day ends each 400-, 100- and 4-year cycle.
        var z = days + DaysFromMarchYear0To2000;
        var cycle = (z >= 0 ? z : z - (DaysPer400Years - 1)) / DaysPer400Years;
        var dayOfCycle = z - (cycle * DaysPer400Years);
        var yearOfCycle = (dayOfCycle - (dayOfCycle / 1460) + (dayOfCycle / 36524) - (dayOfCycle / (DaysPer400Years - 1))) / 365;
        var dayOfYear = dayOfCycle - ((365 * yearOfCycle) + (yearOfCycle / 4) - (yearOfCycle / 100));
        var marchMonth = ((5 * dayOfYear) + 2) / 153;
        day = (int)(dayOfYear - (((153 * marchMonth) + 2) / 5) + 1);
        month = (int)(marchMonth < 10 ? marchMonth + 3 : marchMonth - 9);
        year = yearOfCycle + (cycle * 400) + (month <= 2 ? 1 : 0);
    }

    /// <summary>YYYY-MM-DD with the year as written in BC dates (1 BC is year 0); no era suffix.</summary>
    private static int WriteIsoDate(Span<byte> span, long year, int month, int day)
    {
        var shown = year > 0 ? year : 1 - year;
        var n = WriteUInt64(span, (ulong)shown, 4);
        span[n++] = (byte)'-';
        WriteTwoDigits(span[n..], month);
        n += 2;
        span[n++] = (byte)'-';
        WriteTwoDigits(span[n..], day);
        return n + 2;
    }

    private static int WriteBc(Span<byte> span)
    {
        " BC"u8.CopyTo(span);
        return 3;
    }

    /// <summary>HH:MM:SS[.ffffff] of microseconds since midnight (24:00:00 included).</summary>
    private static int WriteTimeOfDay(Span<byte> span, long time)
    {
        var hours = (int)(time / UsecsPerHour);
        time -= hours * UsecsPerHour;
        var minutes = (int)(time / UsecsPerMinute);
        time -= minutes * UsecsPerMinute;
        var seconds = (int)(time / UsecsPerSecond);
        var fraction = (int)(time - (seconds * UsecsPerSecond));
        WriteTwoDigits(span, hours);
        span[2] = (byte)':';
        WriteTwoDigits(span[3..], minutes);
        span[5] = (byte)':';
        return 6 + WriteSeconds(span[6..], seconds, fraction);
    }

    /// <summary>Two-digit seconds, then the microseconds without trailing zeros when there are any.</summary>
    private static int WriteSeconds(Span<byte> span, int seconds, int fraction)
    {
        WriteTwoDigits(span, seconds);
        if (fraction == 0)
        {
            return 2;
        }

        span[2] = (byte)'.';
        var n = 3;
        var divisor = 100_000;
        while (fraction != 0)
        {
            var digit = fraction / divisor;
            span[n++] = (byte)('0' + digit);
            fraction -= digit * divisor;
            divisor /= 10;
        }

        return n;
    }

    /// <summary>
    /// A zone offset given in seconds west of UTC, printed the other way round as +hh, +hh:mm or
    /// +hh:mm:ss (east positive), with only as many fields as needed.
    /// </summary>
    private static int WriteZone(Span<byte> span, int secondsWest)
    {
        var total = Math.Abs(secondsWest);
        var hours = total / 3600;
        var minutes = total / 60 % 60;
        var seconds = total % 60;
        var n = 0;
        span[n++] = secondsWest <= 0 ? (byte)'+' : (byte)'-';
        n += WriteUInt64(span[n..], (ulong)hours, 2);
        if (minutes != 0 || seconds != 0)
        {
            span[n++] = (byte)':';
            WriteTwoDigits(span[n..], minutes);
            n += 2;
            if (seconds != 0)
            {
                span[n++] = (byte)':';
                WriteTwoDigits(span[n..], seconds);
                n += 2;
            }
        }

        return n;
    }
}
