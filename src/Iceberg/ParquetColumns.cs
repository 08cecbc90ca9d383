using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>Reads flat Parquet columns into object arrays, and finds each column's Iceberg field id.</summary>
internal static class ParquetColumns
{
    /// <summary>Top-level leaf columns by field id, read from the footer's schema (Parquet.Net does not report ids on DataField).</summary>
    public static Dictionary<int, DataField> ByFieldId(ParquetReader reader)
    {
        var elements = reader.Metadata!.Schema;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        // Element 0 is the root; top-level children follow, with their own children after them.
        var remaining = elements[0].NumChildren ?? 0;
        for (var i = 1; i < elements.Count && remaining > 0; remaining--)
        {
            var e = elements[i];
            if (e.FieldId is { } id && (e.NumChildren ?? 0) == 0)
            {
                ids[e.Name] = id;
            }

            i = Skip(elements, i);
        }

        var result = new Dictionary<int, DataField>();
        foreach (var field in reader.Schema.DataFields)
        {
            if (field.Path.Length == 1 && ids.TryGetValue(field.Name, out var id))
            {
                result[id] = field;
            }
        }

        return result;
    }

    internal static int Skip(List<Parquet.Meta.SchemaElement> elements, int i)
    {
        var children = elements[i].NumChildren ?? 0;
        i++;
        for (var c = 0; c < children; c++)
        {
            i = Skip(elements, i);
        }

        return i;
    }

    /// <summary>
    /// Top-level three-level list columns of primitives by the list's field id: the element's
    /// Parquet.Net field and the definition level of a present element.
    /// </summary>
    public static Dictionary<int, (DataField Element, int MaxDefinition)> ListsByFieldId(ParquetReader reader)
    {
        var elements = reader.Metadata!.Schema;
        var result = new Dictionary<int, (DataField, int)>();
        var top = reader.Schema.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        for (var i = 1; i < elements.Count; i = Skip(elements, i))
        {
            var e = elements[i];
            if (e.FieldId is not { } id || e.NumChildren != 1 || i + 2 >= elements.Count
                || top.GetValueOrDefault(e.Name) is not ListField { Item: DataField item })
            {
                continue;
            }

            static int Optional(Parquet.Meta.SchemaElement x) => x.RepetitionType == Parquet.Meta.FieldRepetitionType.REQUIRED ? 0 : 1;
            // group (0 or 1) + repeated group (1) + element (0 or 1)
            result[id] = (item, Optional(e) + 1 + Optional(elements[i + 2]));
        }

        return result;
    }

    /// <summary>One column of a row group as boxed values (null where the column is null).</summary>
    public static async Task<object?[]> ReadAsync(ParquetRowGroupReader rowGroup, DataField field, PrimitiveType type, CancellationToken ct = default)
    {
        var n = checked((int)rowGroup.RowCount);
        var t = field.ClrType;
        // Byte array columns may report ReadOnlyMemory types; the Iceberg type says whether they are text.
        var byteArray = t == typeof(ReadOnlyMemory<byte>) || t == typeof(ReadOnlyMemory<char>);
        if (t == typeof(string) || (byteArray && type.Name == "string"))
        {
            var values = new string?[n];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, ct);
            return values;
        }

        if (t == typeof(byte[]) || byteArray)
        {
            var values = new byte[]?[n];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, ct);
            return values;
        }

        return t switch
        {
            _ when t == typeof(bool) => await Struct<bool>(rowGroup, field, n, ct),
            _ when t == typeof(int) => await Struct<int>(rowGroup, field, n, ct),
            _ when t == typeof(long) => await Struct<long>(rowGroup, field, n, ct),
            _ when t == typeof(float) => await Struct<float>(rowGroup, field, n, ct),
            _ when t == typeof(double) => await Struct<double>(rowGroup, field, n, ct),
            _ when t == typeof(decimal) => await Struct<decimal>(rowGroup, field, n, ct),
            _ when t == typeof(DateTime) => await Struct<DateTime>(rowGroup, field, n, ct),
            _ when t == typeof(DateOnly) => await Struct<DateOnly>(rowGroup, field, n, ct),
            _ when t == typeof(TimeOnly) => await Struct<TimeOnly>(rowGroup, field, n, ct),
            _ when t == typeof(TimeSpan) => await Struct<TimeSpan>(rowGroup, field, n, ct),
            _ when t == typeof(Guid) => await Struct<Guid>(rowGroup, field, n, ct),
            _ when t == typeof(BigDecimal) => await Struct<BigDecimal>(rowGroup, field, n, ct),
            _ => throw new IcebergFormatException($"Parquet column {field.Name} has a type this reader does not handle ({t.Name})"),
        };
    }

    private static async Task<object?[]> Struct<T>(ParquetRowGroupReader rowGroup, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var result = new object?[n];
        if (field.IsNullable)
        {
            var values = new T?[n];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, ct);
            for (var i = 0; i < n; i++)
            {
                result[i] = values[i];
            }
        }
        else
        {
            var values = new T[n];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, ct);
            for (var i = 0; i < n; i++)
            {
                result[i] = values[i];
            }
        }

        return result;
    }
}
