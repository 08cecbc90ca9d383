using System.Reflection;
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
/// Top-level string columns are written the same way, as plain byte arrays of their UTF-8 made
/// STRING (converted type UTF8) in the footer, with the chunk statistics Parquet.Net gives its
/// own string columns (lowest and highest value) set there too (the data pages' own headers
/// carry the null count only); readers see the string column Parquet.Net would have written. Lists of strings are still Parquet.Net's string columns.
/// Top-level primitive columns and lists of primitives so far (no maps, structs or fixed).
/// </remarks>
public static class DataFileWriter
{
    /// <summary>Writes <paramref name="rows"/> (values in schema field order) as one data file of one row group.</summary>
    public static async Task<DataFile> WriteAsync(IFileIO io, string location, IcebergSchema schema, IReadOnlyList<object?[]> rows, CancellationToken ct = default)
    {
        await using var appender = Open(io, location, schema);
        appender.RowGroupTargetBytes = long.MaxValue;
        await appender.AppendAsync(rows, ct);
        return await appender.CompleteAsync(ct);
    }

    /// <summary>
    /// Starts a data file written in batches: <see cref="DataFileAppender.AppendAsync"/> adds
    /// rows, which go out as row groups of about <see cref="DataFileAppender.RowGroupTargetBytes"/>;
    /// <see cref="DataFileAppender.CompleteAsync"/> writes the file to <paramref name="location"/>.
    /// </summary>
    public static DataFileAppender Open(IFileIO io, string location, IcebergSchema schema) => new(io, location, schema);

    /// <summary>
    /// How data pages are compressed: zstd at its fastest level. Parquet.Net's default level
    /// (SmallestSize) is zstd's slowest (ultra) setting: with distinct values it compressed well
    /// under 1 MB/s and made writing 1M rows take minutes, for files only about 15% smaller.
    /// </summary>
    internal static ParquetOptions Options() => new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
    };

    /// <summary>The Parquet schema of an Iceberg schema, and the footer patches Parquet.Net cannot express.</summary>
    internal static (List<Field> Fields, FooterPatches Patches) ParquetFields(IcebergSchema schema)
    {
        var parquetFields = new List<Field>();
        var patches = new FooterPatches();
        foreach (var f in schema.Fields)
        {
            if (f.Type is ListType list)
            {
                parquetFields.Add(ParquetLists.Field(f, list));
                patches.GroupIds[f.Name] = f.Id;
                if (list.Element is PrimitiveType element && Patch(element) is { } elementPatch)
                {
                    patches.Elements[f.Name] = elementPatch;
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
                // UTF-8 bytes as they are, from slices of shared buffers (Parquet.Net's string
                // columns take UTF-16 and encode it again); the footer patch makes it STRING.
                "string" => new DataField<byte[]>(f.Name, nullable),
                "binary" => new DataField<byte[]>(f.Name, nullable),
                "uuid" => new DataField<Guid>(f.Name, nullable),
                "decimal" => new DecimalDataField(f.Name, p.Precision, p.Scale, isNullable: nullable),
                _ => throw new NotSupportedException($"column {f.Name}: writing {p} is not supported yet"),
            };
            field.FieldId = f.Id;
            parquetFields.Add(field);
            if ((p.Name == "string" ? StringPatch() : Patch(p)) is { } patch)
            {
                patches.Columns[f.Name] = patch;
            }
        }

        return (parquetFields, patches);
    }

    /// <summary>Logical types by top-level column name, list element logical types by list name, and list field ids by list name.</summary>
    internal sealed class FooterPatches
    {
        public Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)> Columns { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (Meta.LogicalType Logical, Meta.ConvertedType Converted)> Elements { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> GroupIds { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Writes one row group of <paramref name="rows"/> and adds its values to <paramref name="metrics"/> (one per field).</summary>
    internal static async Task WriteRowGroupAsync(ParquetWriter writer, IcebergSchema schema, List<Field> parquetFields, IReadOnlyList<object?[]> rows, ColumnMetrics[] metrics, CancellationToken ct)
    {
        var fields = schema.Fields;
        var footer = Footer(writer);
        using var rowGroup = writer.CreateRowGroup();
        for (var c = 0; c < fields.Count; c++)
        {
            if (fields[c].Type is ListType list)
            {
                await ParquetLists.WriteAsync(rowGroup, (ListField)parquetFields[c], list, rows, c, metrics[c], ct);
                continue;
            }

            await ParquetValueColumns.WriteAsync(rowGroup, footer, (DataField)parquetFields[c], fields[c], (PrimitiveType)fields[c].Type, rows, c, metrics[c], ct);
        }
    }

    /// <summary>
    /// Bytes each column takes in the file (compressed, over all row groups) by field id, and
    /// where each row group starts (the split offsets), from the written footer.
    /// </summary>
    internal static async Task<(Dictionary<int, long> Sizes, List<long> Offsets)> FooterFactsAsync(Stream file, CancellationToken ct)
    {
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: ct);
        var byName = ParquetColumns.ByFieldId(reader).ToDictionary(kv => kv.Value.Name, kv => kv.Key, StringComparer.Ordinal);
        var sizes = new Dictionary<int, long>();
        var offsets = new List<long>();
        foreach (var group in reader.Metadata!.RowGroups)
        {
            if (group.Columns.FirstOrDefault()?.MetaData is { } first)
            {
                offsets.Add(group.FileOffset ?? first.DictionaryPageOffset ?? first.DataPageOffset);
            }

            foreach (var chunk in group.Columns)
            {
                if (chunk.MetaData is { PathInSchema: [var name] } meta && byName.TryGetValue(name, out var id))
                {
                    sizes[id] = sizes.GetValueOrDefault(id) + meta.TotalCompressedSize;
                }
            }
        }

        return (sizes, offsets);
    }

    /// <summary>What Parquet.Net's own string columns have in the footer: STRING, converted type UTF8.</summary>
    private static (Meta.LogicalType Logical, Meta.ConvertedType Converted) StringPatch() =>
        (new Meta.LogicalType { STRING = new Meta.StringType() }, Meta.ConvertedType.UTF8);

    private static Meta.TimeUnit MicrosUnit() => new() { MICROS = new Meta.MicroSeconds() };

    /// <summary>The logical type a column of <paramref name="p"/> (written as int32 days or int64 microseconds) gets in the footer.</summary>
    private static (Meta.LogicalType Logical, Meta.ConvertedType Converted)? Patch(PrimitiveType p) => p.Name switch
    {
        "date" => (new Meta.LogicalType { DATE = new Meta.DateType() }, Meta.ConvertedType.DATE),
        "time" => (new Meta.LogicalType { TIME = new Meta.TimeType { IsAdjustedToUTC = false, Unit = MicrosUnit() } }, Meta.ConvertedType.TIME_MICROS),
        "timestamp" or "timestamptz" => (new Meta.LogicalType { TIMESTAMP = new Meta.TimestampType { IsAdjustedToUTC = p.Name == "timestamptz", Unit = MicrosUnit() } }, Meta.ConvertedType.TIMESTAMP_MICROS),
        _ => null,
    };

    /// <summary>The footer <paramref name="writer"/> builds as it goes (schema, row groups, column chunks), written when it is disposed.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The natively compiled build keeps Parquet.Net whole (PgWire.Host.csproj), fields included.")]
    internal static Meta.FileMetaData Footer(ParquetWriter writer)
    {
        const BindingFlags flags = BindingFlags.NonPublic | BindingFlags.Instance;
        var footer = typeof(ParquetWriter).GetField("_footer", flags)?.GetValue(writer);
        return footer?.GetType().GetField("_fileMeta", flags)?.GetValue(footer) as Meta.FileMetaData
            ?? throw new InvalidOperationException("this Parquet.Net version does not keep its footer where expected; the data file writer needs checking");
    }

    /// <summary>
    /// Sets the lowest and highest value (UTF-8, in byte order) on the statistics of the column chunk
    /// just written, the last of the last row group: Parquet.Net leaves them out for byte arrays,
    /// and gives its string columns both the current fields (min_value, max_value) and the
    /// deprecated ones (min, max), which this sets alike. Nothing for a chunk without values.
    /// </summary>
    internal static void SetChunkBounds(Meta.FileMetaData footer, ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, bool any)
    {
        if (!any)
        {
            return;
        }

        var chunk = footer.RowGroups[^1].Columns[^1].MetaData
            ?? throw new InvalidOperationException("the column chunk just written has no metadata");
        var stats = chunk.Statistics ??= new Meta.Statistics();
        stats.MinValue = stats.Min = min.ToArray();
        stats.MaxValue = stats.Max = max.ToArray();
    }

    /// <summary>Sets logical types and list field ids on the footer's schema elements before the footer is written.</summary>
    internal static void PatchFooter(ParquetWriter writer, FooterPatches patches)
    {
        if (patches.Columns.Count == 0 && patches.GroupIds.Count == 0)
        {
            return;
        }

        var meta = Footer(writer);
        // Top-level elements only: children follow their group, so skip over them.
        for (var i = 1; i < meta.Schema.Count; i = ParquetColumns.Skip(meta.Schema, i))
        {
            var element = meta.Schema[i];
            if ((element.NumChildren ?? 0) == 0 && patches.Columns.TryGetValue(element.Name, out var patch))
            {
                element.LogicalType = patch.Logical;
                element.ConvertedType = patch.Converted;
            }
            else if ((element.NumChildren ?? 0) > 0 && patches.GroupIds.TryGetValue(element.Name, out var id))
            {
                // Parquet.Net has no field id for groups; Iceberg puts the list's own id here.
                element.FieldId = id;
                // group > repeated group "list" > "element"
                if (patches.Elements.TryGetValue(element.Name, out var elementPatch) && i + 2 < meta.Schema.Count)
                {
                    meta.Schema[i + 2].LogicalType = elementPatch.Logical;
                    meta.Schema[i + 2].ConvertedType = elementPatch.Converted;
                }
            }
        }
    }

    /// <summary>
    /// Metrics of one column over the row groups written: value, null and NaN counts and the lowest
    /// and highest value (NaN left out). A list column's metrics are kept for its element (the leaf
    /// column): counts only, no bounds.
    /// </summary>
    internal sealed class ColumnMetrics(int id, PrimitiveType type, bool list)
    {
        public int Id { get; } = id;

        public PrimitiveType Type { get; } = type;

        public long Values { get; private set; }

        public long Nulls { get; private set; }

        public long NaNs { get; private set; }

        public object? Min { get; private set; }

        public object? Max { get; private set; }

        public bool Floating => Type.Name is "float" or "double";

        public static ColumnMetrics For(NestedField field) => field.Type switch
        {
            ListType { Element: PrimitiveType element } l => new ColumnMetrics(l.ElementId, element, list: true),
            ListType l => throw new NotSupportedException($"column {field.Name}: lists of {l.Element} are not supported yet"),
            PrimitiveType p => new ColumnMetrics(field.Id, p, list: false),
            _ => throw new NotSupportedException($"column {field.Name}: writing {field.Type} is not supported yet"),
        };

        /// <summary>Adds a row group's counts and its lowest and highest value (null when it has none, and for lists).</summary>
        public void Add(long values, long nulls, long nans, object? min, object? max)
        {
            Values += values;
            Nulls += nulls;
            NaNs += nans;
            if (list)
            {
                return;
            }

            if (min is not null && (Min is null || Compare(Type, min, Min) < 0))
            {
                Min = min;
            }

            if (max is not null && (Max is null || Compare(Type, max, Max) > 0))
            {
                Max = max;
            }
        }
    }

    /// <summary>The data file entry of a written file, with the metrics of its rows.</summary>
    internal static DataFile Describe(string location, long records, long size, IReadOnlyList<ColumnMetrics> metrics, Dictionary<int, long> sizes, List<long> offsets) => new()
    {
        Content = FileContent.Data,
        FilePath = location,
        FileFormat = "PARQUET",
        RecordCount = records,
        FileSizeInBytes = size,
        ColumnSizes = sizes,
        ValueCounts = metrics.ToDictionary(s => s.Id, s => s.Values),
        NullValueCounts = metrics.ToDictionary(s => s.Id, s => s.Nulls),
        NanValueCounts = metrics.Where(s => s.Floating).ToDictionary(s => s.Id, s => s.NaNs),
        LowerBounds = metrics.Where(s => s.Min is not null).ToDictionary(s => s.Id, s => SingleValue.Serialize(s.Type, Bounds.TruncateLower(s.Min!))),
        UpperBounds = metrics.Select(s => (s.Id, s.Type, Max: s.Max is null ? null : Bounds.TruncateUpper(s.Max)))
            .Where(s => s.Max is not null).ToDictionary(s => s.Id, s => SingleValue.Serialize(s.Type, s.Max!)),
        SplitOffsets = offsets.Count > 0 ? offsets : null,
    };

    /// <summary>
    /// Two strings in the order of their UTF-8 bytes (code point order), without encoding them:
    /// UTF-16 order differs only where a surrogate meets a unit from U+E000 on, so surrogates are
    /// moved above those before comparing.
    /// </summary>
    internal static int CompareUtf8(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return Fix(a[i]) - Fix(b[i]);
            }
        }

        return a.Length - b.Length;

        static int Fix(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }

    /// <summary>Iceberg's order: strings by their UTF-8 bytes, binary and uuid as unsigned bytes, numbers and times by value.</summary>
    internal static int Compare(PrimitiveType type, object a, object b) => type.Name switch
    {
        "string" => ParquetValueColumns.CompareUtf8((string)a, (string)b),
        "binary" => ((byte[])a).AsSpan().SequenceCompareTo((byte[])b),
        "uuid" => ParquetValueColumns.CompareUuid((Guid)a, (Guid)b),
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
