using System.Buffers;
using System.Text;
using Parquet;
using Parquet.Schema;
using Meta = Parquet.Meta;

namespace PgWire.Iceberg;

/// <summary>
/// Writes one top-level primitive column of a row group: the rows' values go to Parquet.Net as one
/// typed array, and the column's metrics (value, null and NaN counts, lowest and highest value) are
/// gathered in the same pass, without boxing or allocating per value.
/// </summary>
internal static class ParquetValueColumns
{
    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static Task WriteAsync(ParquetRowGroupWriter rowGroup, Meta.FileMetaData footer, DataField field, NestedField iceberg, PrimitiveType type, IReadOnlyList<object?[]> rows, int column, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
    {
        var c = new Column(rowGroup, footer, field, iceberg, rows, column, metrics);
        return type.Name switch
        {
            "string" => StringsAsync(c, ct),
            "binary" => BinaryAsync(c, ct),
            "boolean" => ValuesAsync(c, static v => (bool)v, static b => b, null, ct),
            "int" => ValuesAsync(c, static v => (int)v, static b => b, null, ct),
            "date" => ValuesAsync(c, static v => ((DateOnly)v).DayNumber - EpochDay, static d => DateOnly.FromDayNumber(d + EpochDay), null, ct),
            "long" => ValuesAsync(c, static v => (long)v, static b => b, null, ct),
            "time" => ValuesAsync(c, static v => ((TimeOnly)v).Ticks / 10, static micros => new TimeOnly(micros * 10), null, ct),
            // Bounds stay microseconds: SingleValue and the comparison take them as they are.
            "timestamp" or "timestamptz" => ValuesAsync(c, Micros.FromValue, static micros => micros, null, ct),
            "float" => ValuesAsync(c, static v => (float)v, static b => b, null, ct),
            "double" => ValuesAsync(c, static v => (double)v, static b => b, null, ct),
            "uuid" => ValuesAsync(c, static v => (Guid)v, static b => b, CompareUuid, ct),
            "decimal" => ValuesAsync(c, static v => (decimal)v, static b => b, null, ct),
            _ => throw new NotSupportedException($"writing {type} is not supported yet"),
        };
    }

    /// <summary>Iceberg's order of strings: by their UTF-8 bytes, which is code point order (UTF-16 order puts U+E000..U+FFFF above surrogate pairs).</summary>
    public static int CompareUtf8(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var common = a.CommonPrefixLength(b);
        if (common == a.Length || common == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        return Rank(a[common]).CompareTo(Rank(b[common]));

        // Surrogates (code points above U+FFFF) move above U+E000..U+FFFF; the rest keep their order.
        static int Rank(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }

    /// <summary>uuids as unsigned big-endian bytes (Guid.CompareTo orders by its own fields).</summary>
    public static int CompareUuid(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, bigEndian: true, out _);
        b.TryWriteBytes(y, bigEndian: true, out _);
        return x.SequenceCompareTo(y);
    }

    private static ArgumentException Required(NestedField iceberg, int row) =>
        new($"row {row}: column {iceberg.Name} is required but the value is null");

    private static async Task ValuesAsync<T>(Column c, Func<object, T> convert, Func<T, object> bound, Func<T, T, int>? compare, CancellationToken ct)
        where T : struct, IComparable<T>
    {
        var n = c.Rows.Count;
        var nullable = c.Field.IsNullable ? new T?[n] : null;
        var values = nullable is null ? new T[n] : null;
        T min = default, max = default;
        var any = false;
        long nulls = 0, nans = 0;
        for (var i = 0; i < n; i++)
        {
            var o = c.Rows[i][c.Index];
            if (o is null)
            {
                if (values is not null)
                {
                    throw Required(c.Iceberg, i);
                }

                nulls++;
                continue;
            }

            var v = convert(o);
            if (values is not null)
            {
                values[i] = v;
            }
            else
            {
                nullable![i] = v;
            }

            // NaN is counted, not a bound (the type tests are constants for each T).
            if ((typeof(T) == typeof(double) && double.IsNaN((double)(object)v)) || (typeof(T) == typeof(float) && float.IsNaN((float)(object)v)))
            {
                nans++;
                continue;
            }

            if (!any)
            {
                min = max = v;
                any = true;
            }
            else if ((compare is null ? v.CompareTo(min) : compare(v, min)) < 0)
            {
                min = v;
            }
            else if ((compare is null ? v.CompareTo(max) : compare(v, max)) > 0)
            {
                max = v;
            }
        }

        c.Metrics.Add(n, nulls, nans, any ? bound(min) : null, any ? bound(max) : null);
        if (values is not null)
        {
            await c.RowGroup.WriteAsync<T>(c.Field, values.AsMemory(), null, null, ct);
        }
        else
        {
            await c.RowGroup.WriteAsync<T>(c.Field, nullable.AsMemory(), null, null, ct);
        }
    }

    /// <summary>Strings encoded to UTF-8 into buffers of <see cref="ChunkBytes"/> from the shared pool, handed to Parquet.Net as slices.</summary>
    private static async Task StringsAsync(Column c, CancellationToken ct)
    {
        var n = c.Rows.Count;
        var nullable = c.Field.IsNullable ? new ReadOnlyMemory<byte>?[n] : null;
        var values = nullable is null ? new ReadOnlyMemory<byte>[n] : null;
        var chunks = new List<byte[]>();
        try
        {
            byte[] chunk = [];
            var used = 0;
            string? min = null, max = null;
            long nulls = 0;
            for (var i = 0; i < n; i++)
            {
                if (c.Rows[i][c.Index] is not string s)
                {
                    if (values is not null)
                    {
                        throw Required(c.Iceberg, i);
                    }

                    nulls++;
                    continue;
                }

                var most = Encoding.UTF8.GetMaxByteCount(s.Length);
                if (chunk.Length - used < most)
                {
                    chunk = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkBytes, most));
                    chunks.Add(chunk);
                    used = 0;
                }

                var length = Encoding.UTF8.GetBytes(s, chunk.AsSpan(used));
                var value = new ReadOnlyMemory<byte>(chunk, used, length);
                used += length;
                if (values is not null)
                {
                    values[i] = value;
                }
                else
                {
                    nullable![i] = value;
                }

                if (min is null)
                {
                    min = max = s;
                }
                else if (CompareUtf8(s, min) < 0)
                {
                    min = s;
                }
                else if (CompareUtf8(s, max!) > 0)
                {
                    max = s;
                }
            }

            c.Metrics.Add(n, nulls, 0, min, max);
            if (values is not null)
            {
                await c.RowGroup.WriteAsync<ReadOnlyMemory<byte>>(c.Field, values.AsMemory(), null, null, ct);
            }
            else
            {
                await c.RowGroup.WriteAsync<ReadOnlyMemory<byte>>(c.Field, nullable.AsMemory(), null, null, ct);
            }

            DataFileWriter.SetChunkBounds(c.Footer, Encoding.UTF8.GetBytes(min ?? ""), Encoding.UTF8.GetBytes(max ?? ""), min is not null);
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    private const int ChunkBytes = 1 << 20;

    private static async Task BinaryAsync(Column c, CancellationToken ct)
    {
        var n = c.Rows.Count;
        var nullable = c.Field.IsNullable ? new ReadOnlyMemory<byte>?[n] : null;
        var values = nullable is null ? new ReadOnlyMemory<byte>[n] : null;
        byte[]? min = null, max = null;
        long nulls = 0;
        for (var i = 0; i < n; i++)
        {
            if (c.Rows[i][c.Index] is not byte[] b)
            {
                if (values is not null)
                {
                    throw Required(c.Iceberg, i);
                }

                nulls++;
                continue;
            }

            if (values is not null)
            {
                values[i] = b;
            }
            else
            {
                nullable![i] = b;
            }

            if (min is null)
            {
                min = max = b;
            }
            else if (b.AsSpan().SequenceCompareTo(min) < 0)
            {
                min = b;
            }
            else if (b.AsSpan().SequenceCompareTo(max) > 0)
            {
                max = b;
            }
        }

        c.Metrics.Add(n, nulls, 0, min, max);
        if (values is not null)
        {
            await c.RowGroup.WriteAsync<ReadOnlyMemory<byte>>(c.Field, values.AsMemory(), null, null, ct);
        }
        else
        {
            await c.RowGroup.WriteAsync<ReadOnlyMemory<byte>>(c.Field, nullable.AsMemory(), null, null, ct);
        }
    }

    private sealed record Column(ParquetRowGroupWriter RowGroup, Meta.FileMetaData Footer, DataField Field, NestedField Iceberg, IReadOnlyList<object?[]> Rows, int Index, DataFileWriter.ColumnMetrics Metrics);
}
