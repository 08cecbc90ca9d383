using System.Reflection;
using System.Text;
using Parquet;
using Parquet.Schema;
using Meta = Parquet.Meta;

namespace PgWire.Iceberg;

/// <summary>
/// Writes rows as one Parquet data file with Iceberg field ids on its columns, and describes it
/// as a <see cref="DataFile"/> with value, null and NaN counts and lower/upper bounds per field.
/// </summary>
/// <remarks>
/// Dates are written as int32 days with the DATE type, times and timestamps as int64 microseconds
/// with TIME(MICROS) or TIMESTAMP(MICROS) (adjusted to UTC for timestamptz): Parquet.Net's own
/// timestamp columns get statistics in milliseconds, which engines that prune by statistics read
/// wrong, so the logical type is set on the footer's schema element of a plain int64 column.
/// Top-level primitive columns and lists of primitives so far (no maps, structs or fixed).
/// </remarks>
public static class DataFileWriter
{
    public static async Task<DataFile> WriteAsync(IFileIO io, string location, IcebergSchema schema, IReadOnlyList<object?[]> rows, CancellationToken ct = default)
    {
        var fields = schema.Fields;
        var parquetFields = new List<Field>();
        var groupIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var patches = new Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)>(StringComparer.Ordinal);
        var elementPatches = new Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            if (f.Type is ListType list)
            {
                parquetFields.Add(ParquetLists.Field(f, list));
                groupIds[f.Name] = f.Id;
                if (list.Element is PrimitiveType element && Patch(element) is { } elementPatch)
                {
                    elementPatches[f.Name] = elementPatch;
                }

                continue;
            }

            if (f.Type is not PrimitiveType p || p.Name == "fixed")
            {
                throw new NotSupportedException($"column {f.Name}: writing {f.Type} is not supported yet");
            }

            var nullable = !f.Required;
            DataField field = p.Name switch
            {
                "boolean" => new DataField<bool>(f.Name, nullable),
                "int" or "date" => new DataField<int>(f.Name, nullable),
                "long" or "time" or "timestamp" or "timestamptz" => new DataField<long>(f.Name, nullable),
                "float" => new DataField<float>(f.Name, nullable),
                "double" => new DataField<double>(f.Name, nullable),
                "string" => new DataField<string>(f.Name, nullable),
                "binary" => new DataField<byte[]>(f.Name, nullable),
                "uuid" => new DataField<Guid>(f.Name, nullable),
                "decimal" => new DecimalDataField(f.Name, p.Precision, p.Scale, isNullable: nullable),
                _ => throw new NotSupportedException($"column {f.Name}: writing {p} is not supported yet"),
            };
            field.FieldId = f.Id;
            parquetFields.Add(field);
            if (Patch(p) is { } patch)
            {
                patches[f.Name] = patch;
            }
        }

        using var buffer = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(parquetFields), buffer, new ParquetOptions { CompressionMethod = CompressionMethod.Zstd }, cancellationToken: ct))
        {
            PatchFooter(writer, patches, groupIds, elementPatches);
            using var rowGroup = writer.CreateRowGroup();
            for (var c = 0; c < fields.Count; c++)
            {
                if (fields[c].Type is ListType list)
                {
                    await ParquetLists.WriteAsync(rowGroup, (ListField)parquetFields[c], list, rows, c, ct);
                    continue;
                }

                await WriteColumnAsync(rowGroup, (DataField)parquetFields[c], fields[c], (PrimitiveType)fields[c].Type, rows, c, ct);
            }
        }

        var bytes = buffer.ToArray();
        await using (var output = io.Create(location))
        {
            await output.WriteAsync(bytes, ct);
        }

        var stats = ColumnStats(schema, rows);
        var sizes = await ColumnSizesAsync(bytes, ct);
        return new DataFile
        {
            Content = FileContent.Data,
            FilePath = location,
            FileFormat = "PARQUET",
            RecordCount = rows.Count,
            FileSizeInBytes = bytes.Length,
            ColumnSizes = sizes,
            ValueCounts = stats.ToDictionary(s => s.Id, s => s.Values ?? rows.Count),
            NullValueCounts = stats.ToDictionary(s => s.Id, s => s.Nulls),
            NanValueCounts = stats.Where(s => s.NaNs is not null).ToDictionary(s => s.Id, s => s.NaNs!.Value),
            LowerBounds = stats.Where(s => s.Min is not null).ToDictionary(s => s.Id, s => SingleValue.Serialize(s.Type, Bounds.TruncateLower(s.Min!))),
            UpperBounds = stats.Select(s => (s.Id, s.Type, Max: s.Max is null ? null : Bounds.TruncateUpper(s.Max)))
                .Where(s => s.Max is not null).ToDictionary(s => s.Id, s => SingleValue.Serialize(s.Type, s.Max!)),
            SplitOffsets = [4],
        };
    }

    /// <summary>Bytes each column takes in the file (compressed, over all row groups), by field id, from the written footer.</summary>
    private static async Task<Dictionary<int, long>> ColumnSizesAsync(byte[] file, CancellationToken ct)
    {
        using var stream = new MemoryStream(file, writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var byName = ParquetColumns.ByFieldId(reader).ToDictionary(kv => kv.Value.Name, kv => kv.Key, StringComparer.Ordinal);
        var sizes = new Dictionary<int, long>();
        foreach (var group in reader.Metadata!.RowGroups)
        {
            foreach (var chunk in group.Columns)
            {
                if (chunk.MetaData is { PathInSchema: [var name] } meta && byName.TryGetValue(name, out var id))
                {
                    sizes[id] = sizes.GetValueOrDefault(id) + meta.TotalCompressedSize;
                }
            }
        }

        return sizes;
    }

    private static Meta.TimeUnit MicrosUnit() => new() { MICROS = new Meta.MicroSeconds() };

    /// <summary>The logical type a column of <paramref name="p"/> (written as int32 days or int64 microseconds) gets in the footer.</summary>
    private static (Meta.LogicalType Logical, Meta.ConvertedType Converted)? Patch(PrimitiveType p) => p.Name switch
    {
        "date" => (new Meta.LogicalType { DATE = new Meta.DateType() }, Meta.ConvertedType.DATE),
        "time" => (new Meta.LogicalType { TIME = new Meta.TimeType { IsAdjustedToUTC = false, Unit = MicrosUnit() } }, Meta.ConvertedType.TIME_MICROS),
        "timestamp" or "timestamptz" => (new Meta.LogicalType { TIMESTAMP = new Meta.TimestampType { IsAdjustedToUTC = p.Name == "timestamptz", Unit = MicrosUnit() } }, Meta.ConvertedType.TIMESTAMP_MICROS),
        _ => null,
    };

    /// <summary>Sets logical types on the footer's schema elements before the footer is written.</summary>
    private static void PatchFooter(ParquetWriter writer, Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)> patches, Dictionary<string, int> groupIds, Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)> elementPatches)
    {
        if (patches.Count == 0 && groupIds.Count == 0)
        {
            return;
        }

        const BindingFlags flags = BindingFlags.NonPublic | BindingFlags.Instance;
        var footer = typeof(ParquetWriter).GetField("_footer", flags)?.GetValue(writer);
        var meta = footer?.GetType().GetField("_fileMeta", flags)?.GetValue(footer) as Meta.FileMetaData
            ?? throw new InvalidOperationException("this Parquet.Net version does not keep its footer where expected; the data file writer needs checking");
        // Top-level elements only: children follow their group, so skip over them.
        for (var i = 1; i < meta.Schema.Count; i = ParquetColumns.Skip(meta.Schema, i))
        {
            var element = meta.Schema[i];
            if ((element.NumChildren ?? 0) == 0 && patches.TryGetValue(element.Name, out var patch))
            {
                element.LogicalType = patch.Logical;
                element.ConvertedType = patch.Converted;
            }
            else if ((element.NumChildren ?? 0) > 0 && groupIds.TryGetValue(element.Name, out var id))
            {
                // Parquet.Net has no field id for groups; Iceberg puts the list's own id here.
                element.FieldId = id;
                // group > repeated group "list" > "element"
                if (elementPatches.TryGetValue(element.Name, out var elementPatch) && i + 2 < meta.Schema.Count)
                {
                    meta.Schema[i + 2].LogicalType = elementPatch.Logical;
                    meta.Schema[i + 2].ConvertedType = elementPatch.Converted;
                }
            }
        }
    }

    private static async Task WriteColumnAsync(ParquetRowGroupWriter rowGroup, DataField field, NestedField iceberg, PrimitiveType type, IReadOnlyList<object?[]> rows, int column, CancellationToken ct)
    {
        object? Value(int i)
        {
            var v = rows[i][column];
            if (v is null && iceberg.Required)
            {
                throw new ArgumentException($"row {i}: column {iceberg.Name} is required but the value is null");
            }

            return v;
        }

        switch (type.Name)
        {
            case "string":
                await rowGroup.WriteAsync(field, Enumerable.Range(0, rows.Count).Select(i => (string?)Value(i)).ToArray()!, null);
                return;
            case "binary":
                await rowGroup.WriteAsync(field, Enumerable.Range(0, rows.Count).Select(i => (byte[]?)Value(i)).ToArray()!, null);
                return;
            case "boolean":
                await Struct(rowGroup, field, rows.Count, i => (bool?)Value(i), ct);
                return;
            case "int":
                await Struct(rowGroup, field, rows.Count, i => (int?)Value(i), ct);
                return;
            case "date":
                await Struct(rowGroup, field, rows.Count, i => Value(i) is DateOnly d ? d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber : (int?)null, ct);
                return;
            case "long":
                await Struct(rowGroup, field, rows.Count, i => (long?)Value(i), ct);
                return;
            case "time":
                await Struct(rowGroup, field, rows.Count, i => Value(i) is TimeOnly t ? t.Ticks / 10 : (long?)null, ct);
                return;
            case "timestamp":
            case "timestamptz":
                await Struct(rowGroup, field, rows.Count, i => Value(i) is { } v ? Micros.FromValue(v) : (long?)null, ct);
                return;
            case "float":
                await Struct(rowGroup, field, rows.Count, i => (float?)Value(i), ct);
                return;
            case "double":
                await Struct(rowGroup, field, rows.Count, i => (double?)Value(i), ct);
                return;
            case "uuid":
                await Struct(rowGroup, field, rows.Count, i => (Guid?)Value(i), ct);
                return;
            case "decimal":
                await Struct(rowGroup, field, rows.Count, i => (decimal?)Value(i), ct);
                return;
            default:
                throw new NotSupportedException($"writing {type} is not supported yet");
        }
    }

    private static async Task Struct<T>(ParquetRowGroupWriter rowGroup, DataField field, int n, Func<int, T?> value, CancellationToken ct)
        where T : struct
    {
        if (field.IsNullable)
        {
            var values = new T?[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = value(i);
            }

            await rowGroup.WriteAsync<T>(field, values.AsMemory(), null, null, ct);
        }
        else
        {
            var values = new T[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = value(i)!.Value;
            }

            await rowGroup.WriteAsync<T>(field, values.AsMemory(), null, null, ct);
        }
    }

    private sealed record FieldStats(int Id, PrimitiveType Type, long Nulls, long? NaNs, object? Min, object? Max)
    {
        /// <summary>Values in the column, nulls included; null for a top-level column (one per row).</summary>
        public long? Values { get; init; }
    }

    private static List<FieldStats> ColumnStats(IcebergSchema schema, IReadOnlyList<object?[]> rows)
    {
        var result = new List<FieldStats>();
        for (var c = 0; c < schema.Fields.Count; c++)
        {
            if (schema.Fields[c].Type is ListType list)
            {
                if (list.Element is not PrimitiveType)
                {
                    throw new NotSupportedException($"column {schema.Fields[c].Name}: lists of {list.Element} are not supported yet");
                }

                // Metrics of a list are kept for its element (the leaf column): counts only, no bounds.
                long elements = 0, nullElements = 0;
                foreach (var row in rows)
                {
                    if (row[c] is System.Collections.IEnumerable items)
                    {
                        foreach (var item in items)
                        {
                            elements++;
                            nullElements += item is null ? 1 : 0;
                        }
                    }
                }

                result.Add(new FieldStats(list.ElementId, (PrimitiveType)list.Element, nullElements, null, null, null) { Values = elements });
                continue;
            }

            var type = (PrimitiveType)schema.Fields[c].Type;
            long nulls = 0, nans = 0;
            object? min = null, max = null;
            foreach (var row in rows)
            {
                var v = row[c];
                if (v is null)
                {
                    nulls++;
                    continue;
                }

                if (v is double d && double.IsNaN(d) || v is float f && float.IsNaN(f))
                {
                    nans++;
                    continue;
                }

                if (min is null || Compare(type, v, min) < 0)
                {
                    min = v;
                }

                if (max is null || Compare(type, v, max) > 0)
                {
                    max = v;
                }
            }

            var floating = type.Name is "float" or "double";
            result.Add(new FieldStats(schema.Fields[c].Id, type, nulls, floating ? nans : null, min, max));
        }

        return result;
    }

    /// <summary>Iceberg's order: strings by their UTF-8 bytes, binary and uuid as unsigned bytes, numbers and times by value.</summary>
    internal static int Compare(PrimitiveType type, object a, object b) => type.Name switch
    {
        "string" => Encoding.UTF8.GetBytes((string)a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes((string)b)),
        "binary" => ((byte[])a).AsSpan().SequenceCompareTo((byte[])b),
        "uuid" => ((Guid)a).ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(((Guid)b).ToByteArray(bigEndian: true)),
        "timestamp" or "timestamptz" => Micros.FromValue(a).CompareTo(Micros.FromValue(b)),
        _ => ((IComparable)a).CompareTo(b),
    };
}

/// <summary>
/// Bounds of strings and binary values cut to <see cref="Length"/> code points or bytes (the spec's
/// default metrics mode, truncate(16)), so long values do not bloat manifests. A cut lower bound
/// is a prefix; a cut upper bound is a prefix whose last character (byte) is incremented, or none
/// when no character can be.
/// </summary>
internal static class Bounds
{
    public const int Length = 16;

    public static object TruncateLower(object value) => value switch
    {
        string s when CodePoints(s).Count > Length => string.Concat(CodePoints(s).Take(Length).Select(char.ConvertFromUtf32)),
        byte[] b when b.Length > Length => b[..Length],
        _ => value,
    };

    /// <summary>The value, or a short value above it; null when there is none.</summary>
    public static object? TruncateUpper(object value)
    {
        switch (value)
        {
            case string s when CodePoints(s) is var points && points.Count > Length:
                {
                    var prefix = points.Take(Length).ToList();
                    for (var i = prefix.Count - 1; i >= 0; i--)
                    {
                        var next = prefix[i] + 1;
                        if (next is >= 0xD800 and <= 0xDFFF)
                        {
                            next = 0xE000;
                        }

                        if (next <= 0x10FFFF)
                        {
                            prefix[i] = next;
                            return string.Concat(prefix.Take(i + 1).Select(char.ConvertFromUtf32));
                        }
                    }

                    return null;
                }

            case byte[] b when b.Length > Length:
                {
                    var prefix = b[..Length];
                    for (var i = prefix.Length - 1; i >= 0; i--)
                    {
                        if (prefix[i] != 0xFF)
                        {
                            prefix[i]++;
                            return prefix[..(i + 1)];
                        }
                    }

                    return null;
                }

            default:
                return value;
        }
    }

    private static List<int> CodePoints(string s)
    {
        var points = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                points.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                points.Add(s[i]);
            }
        }

        return points;
    }
}
