namespace PgWire.Protocol.Replication;

/// <summary>
/// Conversions between <see cref="DateTimeOffset"/> and PostgreSQL's timestamp representation in the
/// replication protocol: microseconds since 2000-01-01 00:00:00 UTC.
/// </summary>
public static class PgEpoch
{
    public static readonly DateTimeOffset Origin = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly long MinMicros = (DateTimeOffset.MinValue.UtcTicks - Origin.UtcTicks) / TimeSpan.TicksPerMicrosecond;
    private static readonly long MaxMicros = (DateTimeOffset.MaxValue.UtcTicks - Origin.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Microseconds since the PostgreSQL epoch; sub-microsecond ticks are truncated.</summary>
    public static long ToMicroseconds(DateTimeOffset value) =>
        (value.UtcTicks - Origin.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Converts microseconds since the PostgreSQL epoch to a UTC <see cref="DateTimeOffset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside the range of <see cref="DateTimeOffset"/>.</exception>
    public static DateTimeOffset FromMicroseconds(long micros) =>
        TryFromMicroseconds(micros, out var value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(micros), micros, "timestamp is outside the range of DateTimeOffset");

    public static bool TryFromMicroseconds(long micros, out DateTimeOffset value)
    {
        if (micros < MinMicros || micros > MaxMicros)
        {
            value = default;
            return false;
        }

        value = Origin.AddTicks(micros * TimeSpan.TicksPerMicrosecond);
        return true;
    }

    /// <summary>Microseconds since the PostgreSQL epoch for the current time.</summary>
    public static long Now() => ToMicroseconds(DateTimeOffset.UtcNow);
}
