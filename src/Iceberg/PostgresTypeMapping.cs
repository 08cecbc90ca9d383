namespace PgWire.Iceberg;

/// <summary>
/// The Iceberg type a PostgreSQL column is stored as. A pure function of the type name (as in
/// pg_type.typname; arrays as "_elem" or "elem[]") and the type modifier (atttypmod, -1 for none).
/// </summary>
public static class PostgresTypeMapping
{
    /// <param name="typeName">pg_type.typname, e.g. int4, numeric, _text; a few SQL spellings (integer, bigint, ...) are accepted too.</param>
    /// <param name="typeModifier">atttypmod: for numeric ((precision &lt;&lt; 16) | scale) + 4, else -1.</param>
    /// <param name="nextFieldId">Hands out the field id of a list's element.</param>
    public static IcebergType ToIceberg(string typeName, int typeModifier, Func<int> nextFieldId)
    {
        var name = typeName.Trim().ToLowerInvariant();
        if (name.StartsWith('_') || name.EndsWith("[]", StringComparison.Ordinal))
        {
            var element = name.StartsWith('_') ? name[1..] : name[..^2];
            // An array's modifier is its element's (numeric(10,2)[] has the numeric modifier).
            var elementType = ToIceberg(element, typeModifier, nextFieldId);
            return new ListType(nextFieldId(), elementType, ElementRequired: false);
        }

        return name switch
        {
            "int2" or "smallint" or "int4" or "integer" or "int" => PrimitiveType.Int,
            "int8" or "bigint" => PrimitiveType.Long,
            "numeric" or "decimal" => Numeric(typeModifier),
            "float4" or "real" => PrimitiveType.Float,
            "float8" or "double precision" => PrimitiveType.Double,
            "bool" or "boolean" => PrimitiveType.Boolean,
            "text" or "varchar" or "character varying" or "bpchar" or "character" or "char" or "name" => PrimitiveType.String,
            "date" => PrimitiveType.Date,
            "time" or "time without time zone" => PrimitiveType.Time,
            "timestamp" or "timestamp without time zone" => PrimitiveType.Timestamp,
            "timestamptz" or "timestamp with time zone" => PrimitiveType.TimestampTz,
            "uuid" => PrimitiveType.Uuid,
            "bytea" => PrimitiveType.Binary,
            "json" or "jsonb" => PrimitiveType.String,
            _ => PrimitiveType.String,
        };
    }

    /// <summary>numeric(p,s) with p &lt;= 38 and 0 &lt;= s &lt;= p is a decimal; unconstrained, wider or negative-scale numerics are text.</summary>
    private static PrimitiveType Numeric(int typeModifier)
    {
        if (typeModifier < 4)
        {
            return PrimitiveType.String;
        }

        var mod = typeModifier - 4;
        var precision = (mod >> 16) & 0xFFFF;
        // The scale is an 11-bit signed number since PostgreSQL 15.
        var scale = ((mod & 0x7FF) ^ 0x400) - 0x400;
        return precision is >= 1 and <= 38 && scale >= 0 && scale <= precision
            ? PrimitiveType.Decimal(precision, scale)
            : PrimitiveType.String;
    }
}
