using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>
/// Rows of a data file gathered column by column as typed values, for
/// <see cref="DataFileAppender.AppendAsync(ColumnBatch, CancellationToken)"/>, which writes them as
/// one row group: numbers, booleans, dates and times go into arrays of their Parquet type, strings
/// into shared character buffers, and each column's metrics (counts, bounds) are gathered as values
/// are added. No object is made per value for the common types, so a batch costs a few arrays
/// however many rows it holds, and <see cref="Clear"/> keeps them for the next batch.
/// </summary>
/// <remarks>
/// Values are added in PostgreSQL's text output form (<see cref="AppendText"/>, read as
/// <see cref="PostgresValues.FromText"/> reads them) or as null, field by field in any order;
/// <see cref="EndRow"/> ends a row, and a field given no value in it is null. Only schemas of
/// primitive fields are taken (<see cref="Supports"/>): lists go through the row-based
/// <see cref="DataFileAppender.AppendAsync(IReadOnlyList{object?[]}, CancellationToken)"/>.
/// The per-value methods are compiled fully optimized on first use: a million rows are read in
/// about a second, before tiered compilation would promote them. Not for concurrent use.
/// </remarks>
public sealed class ColumnBatch
{
    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private readonly Column[] _columns;

    /// <param name="schema">The data file's schema.</param>
    /// <param name="capacity">Rows to make room for at once (a batch grows as needed; a good guess saves the copies of growing).</param>
    public ColumnBatch(IcebergSchema schema, int capacity = 0)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!Supports(schema))
        {
            throw new NotSupportedException("a column batch takes primitive fields only (lists are written row by row)");
        }

        Schema = schema;
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _columns = [.. schema.Fields.Select(f => ColumnFor(f, Math.Max(capacity, 256)))];
    }

    /// <summary>Whether every field of <paramref name="schema"/> is of a type a batch holds (a primitive other than fixed).</summary>
    public static bool Supports(IcebergSchema schema) =>
        schema.Fields.All(f => f.Type is PrimitiveType p && p.Name is not "fixed");

    public IcebergSchema Schema { get; }

    /// <summary>Rows ended so far.</summary>
    public int RowCount { get; private set; }

    /// <summary>The rows' estimated uncompressed size in bytes (as the row-based appender estimates it).</summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>
    /// Adds field <paramref name="field"/>'s value of the current row from its PostgreSQL text form;
    /// a value the Iceberg type cannot hold is added as null with <paramref name="unrepresentable"/> set.
    /// Malformed text throws <see cref="FormatException"/>, null in a required field <see cref="ArgumentException"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AppendText(int field, ReadOnlySpan<byte> utf8Text, out bool unrepresentable)
    {
        var column = _columns[field];
        EstimatedBytes += column.AppendText(utf8Text, out unrepresentable)
            ?? Null(column, RowCount);
    }

    /// <summary>Adds null as field <paramref name="field"/>'s value of the current row (refused for a required field).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AppendNull(int field) => EstimatedBytes += Null(_columns[field], RowCount);

    /// <summary>Ends the current row; a field that got no value in it is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EndRow()
    {
        var next = RowCount + 1;
        foreach (var column in _columns)
        {
            if (column.Count != next)
            {
                if (column.Count != RowCount)
                {
                    throw new InvalidOperationException($"row {RowCount}: column {column.Field.Name} was given more than one value");
                }

                EstimatedBytes += Null(column, RowCount);
            }
        }

        RowCount = next;
    }

    /// <summary>Empties the batch for reuse (its buffers are kept).</summary>
    public void Clear()
    {
        foreach (var column in _columns)
        {
            column.Clear();
        }

        RowCount = 0;
        EstimatedBytes = 0;
    }

    /// <summary>Writes the rows as one row group and adds their metrics to <paramref name="metrics"/> (one per field).</summary>
    internal async Task WriteRowGroupAsync(ParquetWriter writer, List<Field> parquetFields, DataFileWriter.ColumnMetrics[] metrics, CancellationToken ct)
    {
        if (_columns.Any(c => c.Count != RowCount))
        {
            throw new InvalidOperationException("the batch's last row was not ended");
        }

        using var rowGroup = writer.CreateRowGroup();
        for (var c = 0; c < _columns.Length; c++)
        {
            await _columns[c].WriteAsync(rowGroup, (DataField)parquetFields[c], metrics[c], ct).ConfigureAwait(false);
        }
    }

    private static long Null(Column column, int row)
    {
        if (column.Field.Required)
        {
            throw new ArgumentException($"row {row}: column {column.Field.Name} is required but the value is null");
        }

        column.AppendNull();
        return 1;
    }

    /// <summary>Reads a value from its text: false when the type cannot hold it.</summary>
    private delegate bool Parse<T>(ReadOnlySpan<byte> text, out T value);

    private static Column ColumnFor(NestedField field, int capacity)
    {
        var type = (PrimitiveType)field.Type;

        // Anything without a reader of its own goes through the general text reader and is unboxed at once.
        Parse<T> General<T>(Func<object, T> convert)
            where T : struct => (ReadOnlySpan<byte> text, out T value) =>
        {
            var o = PostgresValues.FromText(type, text, out var unrepresentable);
            value = o is null ? default : convert(o);
            return !unrepresentable;
        };

        return type.Name switch
        {
            "string" => new Strings(field, capacity),
            "binary" => new Binary(field, capacity),
            "boolean" => new Values<bool>(field, capacity, 1, ParseBool(General(static o => (bool)o)), static b => b),
            "int" => new Values<int>(field, capacity, 4, ParseInt(General(static o => (int)o)), static v => v),
            "long" => new Values<long>(field, capacity, 8, ParseLong(General(static o => (long)o)), static v => v),
            "float" => new Values<float>(field, capacity, 4, ParseFloat(General(static o => (float)o)), static v => v),
            "double" => new Values<double>(field, capacity, 8, ParseDouble(General(static o => (double)o)), static v => v),
            "date" => new Values<int>(field, capacity, 4, General(static o => ((DateOnly)o).DayNumber - EpochDay), static d => DateOnly.FromDayNumber(d + EpochDay)),
            "time" => new Values<long>(field, capacity, 8, General(static o => ((TimeOnly)o).Ticks / 10), static micros => new TimeOnly(micros * 10)),
            // Bounds stay microseconds, as the row-based writer keeps them.
            "timestamp" or "timestamptz" => new Values<long>(field, capacity, 8, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out long micros) => PostgresValues.TryTimestampMicros(type, text, out micros), static micros => micros),
            "uuid" => new Values<Guid>(field, capacity, 16, General(static o => (Guid)o), static g => g, ParquetValueColumns.CompareUuid),
            "decimal" => new Values<decimal>(field, capacity, 16, General(static o => (decimal)o), static d => d),
            _ => throw new NotSupportedException($"column {field.Name}: writing {type} is not supported yet"),
        };
    }

    // The common forms read straight from the bytes; anything else (and malformed text, for its message) goes the general way.
    private static Parse<bool> ParseBool(Parse<bool> general) => [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out bool value) =>
    {
        if (text.Length == 1 && text[0] is (byte)'t' or (byte)'f')
        {
            value = text[0] == (byte)'t';
            return true;
        }

        return general(text, out value);
    };

    private static Parse<int> ParseInt(Parse<int> general) => [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || general(text, out value);

    private static Parse<long> ParseLong(Parse<long> general) => [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || general(text, out value);

    private static Parse<float> ParseFloat(Parse<float> general) => [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out float value) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || general(text, out value);

    private static Parse<double> ParseDouble(Parse<double> general) => [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || general(text, out value);

    private abstract class Column(NestedField field, int capacity)
    {
        /// <summary>Rows given a value (or null) so far.</summary>
        public int Count;

        public NestedField Field { get; } = field;

        /// <summary>Adds a value; its estimated size, or null when the type cannot hold it (the caller adds null).</summary>
        public abstract long? AppendText(ReadOnlySpan<byte> text, out bool unrepresentable);

        public abstract void AppendNull();

        public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct);

        public abstract void Clear();

        /// <summary>Definition levels of a nullable column (1 present, 0 null), else null.</summary>
        protected int[]? Levels { get; private set; } = field.Required ? null : new int[capacity];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected void Level(int level)
        {
            if (Levels is { } levels)
            {
                if (Count == levels.Length)
                {
                    Levels = levels = Grow(levels);
                }

                levels[Count] = level;
            }

            Count++;
        }

        protected static T[] Grow<T>(T[] array)
        {
            var grown = new T[array.Length * 2];
            array.AsSpan().CopyTo(grown);
            return grown;
        }

        protected Task WriteValuesAsync<T>(ParquetRowGroupWriter rowGroup, DataField field, T[] values, int valueCount, CancellationToken ct)
            where T : struct =>
            Levels is { } levels
                ? rowGroup.WriteAllPartsAsync<T>(field, values.AsMemory(0, valueCount), levels.AsMemory(0, Count), null, ct)
                : rowGroup.WriteAsync<T>(field, values.AsMemory(0, valueCount), null, null, ct);
    }

    /// <summary>A column of fixed-size values: the non-null ones in order, with definition levels when nullable.</summary>
    private sealed class Values<T>(NestedField field, int capacity, int size, Parse<T> parse, Func<T, object> bound, Func<T, T, int>? compare = null) : Column(field, capacity)
        where T : struct, IComparable<T>
    {
        private T[] _values = new T[capacity];
        private int _valueCount;
        private long _nulls;
        private long _nans;
        private T _min;
        private T _max;
        private bool _any;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override long? AppendText(ReadOnlySpan<byte> text, out bool unrepresentable)
        {
            if (!parse(text, out var v))
            {
                unrepresentable = true;
                return null;
            }

            unrepresentable = false;
            if (_valueCount == _values.Length)
            {
                _values = Grow(_values);
            }

            _values[_valueCount++] = v;
            Level(1);

            // NaN is counted, not a bound (the type tests are constants for each T).
            if ((typeof(T) == typeof(double) && double.IsNaN((double)(object)v)) || (typeof(T) == typeof(float) && float.IsNaN((float)(object)v)))
            {
                _nans++;
            }
            else if (!_any)
            {
                _min = _max = v;
                _any = true;
            }
            else if ((compare is null ? v.CompareTo(_min) : compare(v, _min)) < 0)
            {
                _min = v;
            }
            else if ((compare is null ? v.CompareTo(_max) : compare(v, _max)) > 0)
            {
                _max = v;
            }

            return size;
        }

        public override void AppendNull()
        {
            _nulls++;
            Level(0);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
        {
            metrics.Add(Count, _nulls, _nans, _any ? bound(_min) : null, _any ? bound(_max) : null);
            await WriteValuesAsync(rowGroup, field, _values, _valueCount, ct).ConfigureAwait(false);
        }

        public override void Clear()
        {
            Count = _valueCount = 0;
            _nulls = _nans = 0;
            _any = false;
            _min = _max = default;
        }
    }

    /// <summary>Strings decoded from UTF-8 into shared character buffers, handed to Parquet.Net as slices.</summary>
    private sealed class Strings(NestedField field, int capacity) : Column(field, capacity)
    {
        private const int ChunkChars = 1 << 20;
        private readonly List<char[]> _chunks = [];
        private ReadOnlyMemory<char>[] _values = new ReadOnlyMemory<char>[capacity];
        private int _valueCount;
        private int _chunk = -1;
        private int _used;
        private long _nulls;
        private ReadOnlyMemory<char> _min;
        private ReadOnlyMemory<char> _max;
        private bool _any;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override long? AppendText(ReadOnlySpan<byte> text, out bool unrepresentable)
        {
            unrepresentable = false;
            // A UTF-8 text never decodes to more UTF-16 units than it has bytes.
            if (_chunk < 0 || _chunks[_chunk].Length - _used < text.Length)
            {
                NextChunk(text.Length);
            }

            var buffer = _chunks[_chunk];
            var length = Encoding.UTF8.GetChars(text, buffer.AsSpan(_used));
            var value = new ReadOnlyMemory<char>(buffer, _used, length);
            _used += length;
            if (_valueCount == _values.Length)
            {
                _values = Grow(_values);
            }

            _values[_valueCount++] = value;
            Level(1);
            if (!_any)
            {
                _min = _max = value;
                _any = true;
            }
            else if (ParquetValueColumns.CompareUtf8(value.Span, _min.Span) < 0)
            {
                _min = value;
            }
            else if (ParquetValueColumns.CompareUtf8(value.Span, _max.Span) > 0)
            {
                _max = value;
            }

            return 4 + length;
        }

        private void NextChunk(int atLeast)
        {
            // Chunks are kept for the next batch; one too small for a long value is replaced.
            _chunk++;
            _used = 0;
            if (_chunk == _chunks.Count)
            {
                _chunks.Add(new char[Math.Max(ChunkChars, atLeast)]);
            }
            else if (_chunks[_chunk].Length < atLeast)
            {
                _chunks[_chunk] = new char[atLeast];
            }
        }

        public override void AppendNull()
        {
            _nulls++;
            Level(0);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
        {
            metrics.Add(Count, _nulls, 0, _any ? _min.ToString() : null, _any ? _max.ToString() : null);
            await WriteValuesAsync(rowGroup, field, _values, _valueCount, ct).ConfigureAwait(false);
        }

        public override void Clear()
        {
            Array.Clear(_values, 0, _valueCount);
            Count = _valueCount = 0;
            _chunk = -1;
            _used = 0;
            _nulls = 0;
            _any = false;
            _min = _max = default;
        }
    }

    /// <summary>bytea values (one array each, as the text reader makes them).</summary>
    private sealed class Binary(NestedField field, int capacity) : Column(field, capacity)
    {
        private ReadOnlyMemory<byte>[] _values = new ReadOnlyMemory<byte>[capacity];
        private int _valueCount;
        private long _nulls;
        private byte[]? _min;
        private byte[]? _max;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override long? AppendText(ReadOnlySpan<byte> text, out bool unrepresentable)
        {
            if (PostgresValues.FromText(PrimitiveType.Binary, text, out unrepresentable) is not byte[] b)
            {
                return null;
            }

            if (_valueCount == _values.Length)
            {
                _values = Grow(_values);
            }

            _values[_valueCount++] = b;
            Level(1);
            if (_min is null)
            {
                _min = _max = b;
            }
            else if (b.AsSpan().SequenceCompareTo(_min) < 0)
            {
                _min = b;
            }
            else if (b.AsSpan().SequenceCompareTo(_max) > 0)
            {
                _max = b;
            }

            return 4 + b.Length;
        }

        public override void AppendNull()
        {
            _nulls++;
            Level(0);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
        {
            metrics.Add(Count, _nulls, 0, _min, _max);
            await WriteValuesAsync(rowGroup, field, _values, _valueCount, ct).ConfigureAwait(false);
        }

        public override void Clear()
        {
            Array.Clear(_values, 0, _valueCount);
            Count = _valueCount = 0;
            _nulls = 0;
            _min = _max = null;
        }
    }
}
