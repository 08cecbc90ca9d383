using System.Globalization;

namespace PgWire.Iceberg;

/// <summary>An Iceberg type: a primitive, or a struct, list or map whose fields carry ids.</summary>
public abstract record IcebergType
{
    public abstract override string ToString();
}

/// <summary>
/// A primitive type by its spec name: boolean, int, long, float, double, date, time, timestamp,
/// timestamptz, string, uuid, binary, decimal(P,S), fixed[L].
/// </summary>
public sealed record PrimitiveType : IcebergType
{
    private PrimitiveType(string name, int precision = 0, int scale = 0, int length = 0)
    {
        Name = name;
        Precision = precision;
        Scale = scale;
        Length = length;
    }

    /// <summary>The kind without parameters: "decimal" for decimal(P,S), "fixed" for fixed[L].</summary>
    public string Name { get; }

    public int Precision { get; }

    public int Scale { get; }

    public int Length { get; }

    public static readonly PrimitiveType Boolean = new("boolean");
    public static readonly PrimitiveType Int = new("int");
    public static readonly PrimitiveType Long = new("long");
    public static readonly PrimitiveType Float = new("float");
    public static readonly PrimitiveType Double = new("double");
    public static readonly PrimitiveType Date = new("date");
    public static readonly PrimitiveType Time = new("time");
    public static readonly PrimitiveType Timestamp = new("timestamp");
    public static readonly PrimitiveType TimestampTz = new("timestamptz");
    public static readonly PrimitiveType String = new("string");
    public static readonly PrimitiveType Uuid = new("uuid");
    public static readonly PrimitiveType Binary = new("binary");

    public static PrimitiveType Decimal(int precision, int scale)
    {
        if (precision is < 1 or > 38 || scale < 0 || scale > precision)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), $"decimal({precision},{scale}) is not a valid Iceberg decimal (precision 1 to 38, 0 <= scale <= precision)");
        }

        return new("decimal", precision, scale);
    }

    public static PrimitiveType Fixed(int length) =>
        length > 0 ? new("fixed", length: length) : throw new ArgumentOutOfRangeException(nameof(length));

    /// <summary>Parses a primitive type name as the metadata JSON writes it.</summary>
    public static PrimitiveType Parse(string text)
    {
        var t = text.Trim();
        switch (t)
        {
            case "boolean": return Boolean;
            case "int": return Int;
            case "long": return Long;
            case "float": return Float;
            case "double": return Double;
            case "date": return Date;
            case "time": return Time;
            case "timestamp": return Timestamp;
            case "timestamptz": return TimestampTz;
            case "string": return String;
            case "uuid": return Uuid;
            case "binary": return Binary;
        }

        if (t.StartsWith("decimal(", StringComparison.Ordinal) && t.EndsWith(')'))
        {
            var parts = t[8..^1].Split(',');
            if (parts.Length == 2
                && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var p)
                && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            {
                return Decimal(p, s);
            }
        }

        if (t.StartsWith("fixed[", StringComparison.Ordinal) && t.EndsWith(']')
            && int.TryParse(t[6..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return Fixed(length);
        }

        throw new IcebergFormatException($"unknown Iceberg type \"{text}\"");
    }

    public override string ToString() => Name switch
    {
        "decimal" => string.Create(CultureInfo.InvariantCulture, $"decimal({Precision},{Scale})"),
        "fixed" => string.Create(CultureInfo.InvariantCulture, $"fixed[{Length}]"),
        _ => Name,
    };
}

/// <summary>A field of a struct (or a table schema): its id is what identifies it, never its name.</summary>
public sealed record NestedField(int Id, string Name, bool Required, IcebergType Type, string? Doc = null);

public sealed record StructType(IReadOnlyList<NestedField> Fields) : IcebergType
{
    public override string ToString() => "struct<" + string.Join(", ", Fields.Select(f => $"{f.Id}:{f.Name}:{f.Type}")) + ">";

    public bool Equals(StructType? other) => other is not null && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Fields.Count;
}

public sealed record ListType(int ElementId, IcebergType Element, bool ElementRequired) : IcebergType
{
    public override string ToString() => $"list<{Element}>";
}

public sealed record MapType(int KeyId, IcebergType Key, int ValueId, IcebergType Value, bool ValueRequired) : IcebergType
{
    public override string ToString() => $"map<{Key}, {Value}>";
}

/// <summary>Metadata, a manifest or a data file that does not follow the Iceberg spec.</summary>
public sealed class IcebergFormatException(string message, Exception? inner = null) : Exception(message, inner);
