using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>
/// Top-level list columns of primitives in Parquet's three-level form (an optional group with a
/// repeated "list" group holding "element"), written and read through definition and repetition levels.
/// </summary>
internal static class ParquetLists
{
    /// <summary>The Parquet.Net field for an Iceberg list column; the element carries its field id.</summary>
    public static ListField Field(NestedField field, ListType list)
    {
        if (list.Element is not PrimitiveType p)
        {
            throw new NotSupportedException($"column {field.Name}: lists of {list.Element} are not supported yet");
        }

        DataField element = p.Name switch
        {
            "boolean" => new DataField<bool>("element", !list.ElementRequired),
            "int" => new DataField<int>("element", !list.ElementRequired),
            "long" => new DataField<long>("element", !list.ElementRequired),
            "float" => new DataField<float>("element", !list.ElementRequired),
            "double" => new DataField<double>("element", !list.ElementRequired),
            "string" => new DataField<string>("element", !list.ElementRequired),
            "binary" => new DataField<byte[]>("element", !list.ElementRequired),
            "uuid" => new DataField<Guid>("element", !list.ElementRequired),
            "decimal" => new DecimalDataField("element", p.Precision, p.Scale, isNullable: !list.ElementRequired),
            // Logical types (DATE, TIME, TIMESTAMP in microseconds) are set on the footer by the writer.
            "date" => new DataField<int>("element", !list.ElementRequired),
            "time" or "timestamp" or "timestamptz" => new DataField<long>("element", !list.ElementRequired),
            _ => throw new NotSupportedException($"column {field.Name}: lists of {p} are not supported yet"),
        };
        element.FieldId = list.ElementId;
        return new ListField(field.Name, element);
    }

    /// <summary>Writes one list column: each row's value is null or an IEnumerable of element values; counts its elements and null elements into <paramref name="metrics"/>.</summary>
    public static async Task WriteAsync(ParquetRowGroupWriter rowGroup, ListField field, ListType list, IReadOnlyList<object?[]> rows, int column, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
    {
        long elements = 0, nullElements = 0;
        // Definition levels: 0 null list, 1 empty list, 2 null element, 3 (or 2 when elements are required) a value.
        var present = list.ElementRequired ? 2 : 3;
        var definition = new List<int>();
        var repetition = new List<int>();
        var values = new List<object>();
        foreach (var row in rows)
        {
            if (row[column] is not System.Collections.IEnumerable items || row[column] is string)
            {
                if (row[column] is not null)
                {
                    throw new ArgumentException($"column {field.Name}: a list value must be an IEnumerable, not {row[column]!.GetType().Name}");
                }

                definition.Add(0);
                repetition.Add(0);
                continue;
            }

            var first = true;
            foreach (var item in items)
            {
                elements++;
                repetition.Add(first ? 0 : 1);
                first = false;
                if (item is null)
                {
                    if (list.ElementRequired)
                    {
                        throw new ArgumentException($"column {field.Name}: a null element in a list whose elements are required");
                    }

                    definition.Add(2);
                    nullElements++;
                }
                else
                {
                    definition.Add(present);
                    values.Add(item);
                }
            }

            if (first)
            {
                definition.Add(1);
                repetition.Add(0);
            }
        }

        metrics.Add(elements, nullElements, 0, null, null);
        var element = (DataField)field.Item;
        var def = definition.ToArray().AsMemory();
        var rep = repetition.ToArray().AsMemory();
        switch (((PrimitiveType)list.Element).Name)
        {
            case "boolean":
                await rowGroup.WriteAllPartsAsync<bool>(element, values.Cast<bool>().ToArray(), def, rep, ct);
                break;
            case "int":
                await rowGroup.WriteAllPartsAsync<int>(element, values.Cast<int>().ToArray(), def, rep, ct);
                break;
            case "long":
                await rowGroup.WriteAllPartsAsync<long>(element, values.Cast<long>().ToArray(), def, rep, ct);
                break;
            case "float":
                await rowGroup.WriteAllPartsAsync<float>(element, values.Cast<float>().ToArray(), def, rep, ct);
                break;
            case "double":
                await rowGroup.WriteAllPartsAsync<double>(element, values.Cast<double>().ToArray(), def, rep, ct);
                break;
            case "string":
                await rowGroup.WriteAllPartsAsync<ReadOnlyMemory<char>>(element, values.Cast<string>().Select(v => v.AsMemory()).ToArray(), def, rep, ct);
                break;
            case "binary":
                await rowGroup.WriteAllPartsAsync<ReadOnlyMemory<byte>>(element, values.Cast<byte[]>().Select(v => new ReadOnlyMemory<byte>(v)).ToArray(), def, rep, ct);
                break;
            case "uuid":
                await rowGroup.WriteAllPartsAsync<Guid>(element, values.Cast<Guid>().ToArray(), def, rep, ct);
                break;
            case "decimal":
                await rowGroup.WriteAllPartsAsync<decimal>(element, values.Cast<decimal>().ToArray(), def, rep, ct);
                break;
            case "date":
                var epoch = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
                await rowGroup.WriteAllPartsAsync<int>(element, values.Cast<DateOnly>().Select(d => d.DayNumber - epoch).ToArray(), def, rep, ct);
                break;
            case "time":
                await rowGroup.WriteAllPartsAsync<long>(element, values.Cast<TimeOnly>().Select(t => t.Ticks / 10).ToArray(), def, rep, ct);
                break;
            case "timestamp":
            case "timestamptz":
                await rowGroup.WriteAllPartsAsync<long>(element, values.Select(Micros.FromValue).ToArray(), def, rep, ct);
                break;
        }
    }

    /// <summary>Reads one list column of a row group: per row null or an object?[] of elements.</summary>
    public static async Task<object?[]> ReadAsync(ParquetRowGroupReader rowGroup, DataField element, int maxDefinition, PrimitiveType type, CancellationToken ct)
    {
        var n = checked((int)rowGroup.RowCount);
        object?[] values;
        int[] definition, repetition;
        async Task<(object?[], int[], int[])> Raw<T>(Func<T, object> box)
            where T : struct
        {
            // The typed read into buffers of our own: ReadRawColumnDataBaseAsync picks T by reflection
            // and awaits through `dynamic`, which natively compiled code cannot do for a new T.
            var count = checked((int)(rowGroup.GetMetadata(element)?.MetaData?.NumValues
                ?? throw new IcebergFormatException($"list column {element.Name}: no column chunk in this row group")));
            var raw = new T[count];
            var def = element.MaxDefinitionLevel > 0 ? new int[count] : null;
            var rep = element.MaxRepetitionLevel > 0 ? new int[count] : null;
            await rowGroup.ReadRawAsync<T>(element, raw, def, rep, ct);
            var v = new object?[raw.Length];
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = box(raw[i]);
            }

            return (v, def ?? [], rep ?? []);
        }

        var t = element.ClrType;
        (values, definition, repetition) = t switch
        {
            _ when t == typeof(bool) => await Raw<bool>(x => x),
            _ when t == typeof(int) => await Raw<int>(x => x),
            _ when t == typeof(long) => await Raw<long>(x => x),
            _ when t == typeof(float) => await Raw<float>(x => x),
            _ when t == typeof(double) => await Raw<double>(x => x),
            _ when t == typeof(ReadOnlyMemory<char>) => await Raw<ReadOnlyMemory<char>>(x => x.ToString()),
            _ when t == typeof(ReadOnlyMemory<byte>) => await Raw<ReadOnlyMemory<byte>>(x => type.Name == "string" ? System.Text.Encoding.UTF8.GetString(x.Span) : x.ToArray()),
            _ when t == typeof(decimal) => await Raw<decimal>(x => x),
            _ when t == typeof(BigDecimal) => await Raw<BigDecimal>(x => x),
            _ when t == typeof(Guid) => await Raw<Guid>(x => x),
            _ when t == typeof(DateTime) => await Raw<DateTime>(x => x),
            _ when t == typeof(DateOnly) => await Raw<DateOnly>(x => x),
            _ when t == typeof(TimeSpan) => await Raw<TimeSpan>(x => x),
            _ when t == typeof(TimeOnly) => await Raw<TimeOnly>(x => x),
            _ => throw new IcebergFormatException($"list column {element.Name}: element type {t.Name} is not read yet"),
        };

        var rows = new object?[n];
        List<object?>? current = null;
        var row = -1;
        var next = 0;
        for (var i = 0; i < definition.Length; i++)
        {
            if (repetition.Length == 0 || repetition[i] == 0)
            {
                if (current is not null)
                {
                    rows[row] = current.ToArray();
                }

                row++;
                current = definition[i] == 0 ? null : [];
                if (definition[i] <= 1)
                {
                    if (current is not null)
                    {
                        rows[row] = Array.Empty<object?>();
                        current = null;
                    }

                    continue;
                }

                current ??= [];
            }

            current!.Add(definition[i] == maxDefinition ? IcebergValues.FromParquet(values[next++], type) : null);
        }

        if (current is not null)
        {
            rows[row] = current.ToArray();
        }

        return rows;
    }
}
