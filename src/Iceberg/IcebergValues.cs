using Parquet.Data;

namespace PgWire.Iceberg;

/// <summary>Conversions between what Parquet.Net reads and the values a scan returns for each Iceberg type.</summary>
public static class IcebergValues
{
    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    public static object? FromParquet(object? value, PrimitiveType type)
    {
        if (value is null)
        {
            return null;
        }

        return type.Name switch
        {
            "int" => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture),
            "long" => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
            "float" => Convert.ToSingle(value, System.Globalization.CultureInfo.InvariantCulture),
            "double" => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            "boolean" => (bool)value,
            "string" => value as string ?? throw Unexpected(value, type),
            "binary" or "fixed" => value as byte[] ?? throw Unexpected(value, type),
            "uuid" => value switch
            {
                Guid g => g,
                byte[] { Length: 16 } b => new Guid(b, bigEndian: true),
                _ => throw Unexpected(value, type),
            },
            "decimal" => value switch
            {
                decimal d => d,
                BigDecimal b => (decimal)b.UnscaledValue / Pow10(b.Scale),
                _ => throw Unexpected(value, type),
            },
            "date" => value switch
            {
                DateOnly d => d,
                DateTime t => DateOnly.FromDateTime(t),
                int days => DateOnly.FromDayNumber(DateOnly.FromDateTime(Epoch).DayNumber + days),
                _ => throw Unexpected(value, type),
            },
            "time" => value switch
            {
                TimeOnly t => t,
                TimeSpan s => TimeOnly.FromTimeSpan(s),
                long micros => new TimeOnly(micros * 10),
                _ => throw Unexpected(value, type),
            },
            "timestamp" => value switch
            {
                DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Unspecified),
                long micros => Epoch.AddTicks(micros * 10),
                _ => throw Unexpected(value, type),
            },
            "timestamptz" => value switch
            {
                DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
                DateTimeOffset o => o.ToUniversalTime(),
                long micros => new DateTimeOffset(Epoch.AddTicks(micros * 10), TimeSpan.Zero),
                _ => throw Unexpected(value, type),
            },
            _ => throw Unexpected(value, type),
        };
    }

    public static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        _ => Equals(a, b),
    };

    private static decimal Pow10(int scale)
    {
        var result = 1m;
        for (var i = 0; i < scale; i++)
        {
            result *= 10;
        }

        return result;
    }

    private static IcebergFormatException Unexpected(object value, PrimitiveType type) =>
        new($"a Parquet value of type {value.GetType().Name} cannot be read as Iceberg {type}");
}
