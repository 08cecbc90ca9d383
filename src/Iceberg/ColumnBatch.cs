using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using Parquet;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>
/// Rows of a data file gathered column by column as typed values, for
/// <see cref="DataFileAppender.AppendAsync(ColumnBatch, CancellationToken)"/>, which writes them as
/// one row group: numbers, booleans, dates and times go into arrays of their Parquet type, strings
/// as their UTF-8 into shared byte buffers, and each column's metrics (counts, bounds) are gathered as values
/// are added. No object is made per value for the common types, so a batch costs a few arrays
/// however many rows it holds, and <see cref="Clear"/> keeps them for the next batch.
/// </summary>
/// <remarks>
/// Values are added in PostgreSQL's text output form (<see cref="AppendText"/>, read as
/// <see cref="PostgresValues.FromText"/> reads them), in its binary send form for the types
/// <see cref="ReadsBinary"/> names (<see cref="AppendBinary"/>), or as null, field by field in any order;
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

    /// <summary>The rows' estimated uncompressed size in bytes (as the row-based appender estimates it, but strings by their UTF-8 bytes where it counts UTF-16 units).</summary>
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

    /// <summary>
    /// Whether values of PostgreSQL type <paramref name="typeOid"/> can be added to a field of
    /// <paramref name="type"/> in their binary send form (<see cref="AppendBinary"/>): bool, int2,
    /// int4, int8, float4, float8, uuid, date, time, timestamp, timestamptz, text and varchar,
    /// where <see cref="PostgresValues.BinaryReader"/> reads them too.
    /// </summary>
    public static bool ReadsBinary(IcebergType type, uint typeOid) =>
        type is PrimitiveType p && p.Name is not ("binary" or "decimal" or "fixed") && PostgresValues.BinaryReader(type, typeOid) is not null;

    /// <summary>
    /// Adds field <paramref name="field"/>'s value of the current row from its PostgreSQL binary
    /// send form of type <paramref name="typeOid"/> (one <see cref="ReadsBinary"/> takes); the
    /// value is the one <see cref="PostgresValues.BinaryReader"/> gives. A value the Iceberg type
    /// cannot hold is added as null with <paramref name="unrepresentable"/> set; a value of the
    /// wrong length throws <see cref="FormatException"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AppendBinary(int field, uint typeOid, ReadOnlySpan<byte> value, out bool unrepresentable)
    {
        var column = _columns[field];
        EstimatedBytes += column.AppendBinary(typeOid, value, out unrepresentable)
            ?? Null(column, RowCount);
    }

    /// <summary>
    /// The value of field <paramref name="field"/> in row <paramref name="row"/> (an ended row, or
    /// the current one once the field has its value), as <see cref="PostgresValues.FromText"/> gives
    /// it: int, long, string, DateOnly, DateTime or DateTimeOffset for timestamps, and so on. Quick
    /// for the last row given a value and for required fields; other rows of a nullable field count
    /// the nulls before them.
    /// </summary>
    public object? GetValue(int field, int row)
    {
        var column = _columns[field];
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, column.Count);
        return column.Get(row);
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

        var footer = DataFileWriter.Footer(writer);
        using var rowGroup = writer.CreateRowGroup();
        for (var c = 0; c < _columns.Length; c++)
        {
            await _columns[c].WriteAsync(rowGroup, (DataField)parquetFields[c], metrics[c], ct).ConfigureAwait(false);
            _columns[c].SetChunkStatistics(footer);
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

        // Timestamps are kept as microseconds from 1970 and given back as the text reader makes them.
        Func<long, object> timestampBox = type.Name == "timestamptz"
            ? static micros => new DateTimeOffset(DateTime.UnixEpoch.Ticks + (micros * 10), TimeSpan.Zero)
            : static micros => new DateTime(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Unspecified);

        return type.Name switch
        {
            "string" => new Strings(field, capacity),
            "binary" => new Binary(field, capacity),
            "boolean" => new Values<bool>(field, capacity, 1, ParseBool(General(static o => (bool)o)), static b => b, binary: BinaryBool),
            "int" => new Values<int>(field, capacity, 4, ParseInt(General(static o => (int)o)), static v => v, binary: BinaryInt),
            "long" => new Values<long>(field, capacity, 8, ParseLong(General(static o => (long)o)), static v => v, binary: BinaryLong),
            "float" => new Values<float>(field, capacity, 4, ParseFloat(General(static o => (float)o)), static v => v, binary: BinaryFloat),
            "double" => new Values<double>(field, capacity, 8, ParseDouble(General(static o => (double)o)), static v => v, binary: BinaryDouble),
            "date" => new Values<int>(field, capacity, 4, General(static o => ((DateOnly)o).DayNumber - EpochDay), static d => DateOnly.FromDayNumber(d + EpochDay), binary: BinaryDate),
            "time" => new Values<long>(field, capacity, 8, General(static o => ((TimeOnly)o).Ticks / 10), static micros => new TimeOnly(micros * 10), binary: BinaryTime),
            // Bounds stay microseconds, as the row-based writer keeps them.
            "timestamp" or "timestamptz" => new Values<long>(field, capacity, 8, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ReadOnlySpan<byte> text, out long micros) => PostgresValues.TryTimestampMicros(type, text, out micros), static micros => micros, timestampBox, BinaryTimestamp(type.Name)),
            "uuid" => new Values<Guid>(field, capacity, 16, General(static o => (Guid)o), static g => g, compare: ParquetValueColumns.CompareUuid, binary: BinaryUuid),
            "decimal" => new Values<decimal>(field, capacity, 16, General(static o => (decimal)o), static d => d),
            _ => throw new NotSupportedException($"column {field.Name}: writing {type} is not supported yet"),
        };
    }

    // ---- binary send forms (big-endian), by PostgreSQL type OID; null for a type not read this way

    private static ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> value, int length) => value.Length == length
        ? value
        : throw new FormatException($"a binary value of {value.Length} bytes where {length} were expected");

    private static Parse<bool>? BinaryBool(uint oid) => oid == 16
        ? static (ReadOnlySpan<byte> v, out bool value) => { value = Fixed(v, 1)[0] != 0; return true; }
        : null;

    private static Parse<int>? BinaryInt(uint oid) => oid switch
    {
        21 => static (ReadOnlySpan<byte> v, out int value) => { value = BinaryPrimitives.ReadInt16BigEndian(Fixed(v, 2)); return true; },
        23 => static (ReadOnlySpan<byte> v, out int value) => { value = BinaryPrimitives.ReadInt32BigEndian(Fixed(v, 4)); return true; },
        _ => null,
    };

    private static Parse<long>? BinaryLong(uint oid) => oid switch
    {
        21 => static (ReadOnlySpan<byte> v, out long value) => { value = BinaryPrimitives.ReadInt16BigEndian(Fixed(v, 2)); return true; },
        23 => static (ReadOnlySpan<byte> v, out long value) => { value = BinaryPrimitives.ReadInt32BigEndian(Fixed(v, 4)); return true; },
        20 => static (ReadOnlySpan<byte> v, out long value) => { value = BinaryPrimitives.ReadInt64BigEndian(Fixed(v, 8)); return true; },
        _ => null,
    };

    private static Parse<float>? BinaryFloat(uint oid) => oid == 700
        ? static (ReadOnlySpan<byte> v, out float value) => { value = BinaryPrimitives.ReadSingleBigEndian(Fixed(v, 4)); return true; }
        : null;

    private static Parse<double>? BinaryDouble(uint oid) => oid switch
    {
        700 => static (ReadOnlySpan<byte> v, out double value) => { value = BinaryPrimitives.ReadSingleBigEndian(Fixed(v, 4)); return true; },
        701 => static (ReadOnlySpan<byte> v, out double value) => { value = BinaryPrimitives.ReadDoubleBigEndian(Fixed(v, 8)); return true; },
        _ => null,
    };

    private static Parse<Guid>? BinaryUuid(uint oid) => oid == 2950
        ? static (ReadOnlySpan<byte> v, out Guid value) => { value = new Guid(Fixed(v, 16), bigEndian: true); return true; }
        : null;

    private static readonly int PostgresEpochDay = new DateOnly(2000, 1, 1).DayNumber;

    /// <summary>Microseconds from 1970 of PostgreSQL's epoch, 2000-01-01.</summary>
    private const long PostgresEpochMicros = 946_684_800_000_000;

    /// <summary>Days from 2000-01-01 (int.MinValue and int.MaxValue are the infinities); beyond DateOnly is unrepresentable.</summary>
    private static Parse<int>? BinaryDate(uint oid) => oid == 1082
        ? static (ReadOnlySpan<byte> v, out int value) =>
        {
            var day = (long)BinaryPrimitives.ReadInt32BigEndian(Fixed(v, 4)) + PostgresEpochDay;
            var fits = day >= DateOnly.MinValue.DayNumber && day <= DateOnly.MaxValue.DayNumber;
            value = fits ? (int)day - EpochDay : 0;
            return fits;
        }
        : null;

    /// <summary>Microseconds from midnight; 24:00:00 is unrepresentable.</summary>
    private static Parse<long>? BinaryTime(uint oid) => oid == 1083
        ? static (ReadOnlySpan<byte> v, out long value) =>
        {
            value = BinaryPrimitives.ReadInt64BigEndian(Fixed(v, 8));
            return value >= 0 && value < TimeSpan.TicksPerDay / 10;
        }
        : null;

    /// <summary>Microseconds from 2000-01-01 (UTC for timestamptz); the infinities and years out of 1 to 9999 are unrepresentable.</summary>
    private static Func<uint, Parse<long>?> BinaryTimestamp(string typeName) => oid => (oid, typeName) is (1114, "timestamp") or (1184, "timestamptz")
        ? static (ReadOnlySpan<byte> v, out long value) =>
        {
            var micros = BinaryPrimitives.ReadInt64BigEndian(Fixed(v, 8));
            // DateTime's range in microseconds from 1970 (and clear of overflow).
            const long min = -62_135_596_800_000_000, max = 253_402_300_799_999_999;
            var fits = micros is >= min - PostgresEpochMicros and <= max - PostgresEpochMicros;
            value = fits ? micros + PostgresEpochMicros : 0;
            return fits;
        }
        : null;

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

        /// <summary>Adds a value from its binary send form; as <see cref="AppendText"/>.</summary>
        public abstract long? AppendBinary(uint typeOid, ReadOnlySpan<byte> value, out bool unrepresentable);

        public abstract void AppendNull();

        /// <summary>The value of a row that has one, boxed as the text reader gives it.</summary>
        public abstract object? Get(int row);

        public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct);

        public abstract void Clear();

        /// <summary>Completes the statistics of the column chunk <see cref="WriteAsync"/> has just written, where Parquet.Net leaves something out.</summary>
        public virtual void SetChunkStatistics(Parquet.Meta.FileMetaData footer)
        {
        }

        /// <summary>Where row <paramref name="row"/>'s value is among the non-null values; -1 for null.</summary>
        protected int ValueIndex(int row, int valueCount)
        {
            if (Levels is not { } levels)
            {
                return row;
            }

            if (levels[row] == 0)
            {
                return -1;
            }

            if (row == Count - 1)
            {
                return valueCount - 1;
            }

            var index = 0;
            for (var r = 0; r < row; r++)
            {
                index += levels[r];
            }

            return index;
        }

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
    private sealed class Values<T>(NestedField field, int capacity, int size, Parse<T> parse, Func<T, object> bound, Func<T, object>? box = null, Func<uint, Parse<T>?>? binary = null, Func<T, T, int>? compare = null) : Column(field, capacity)
        where T : struct, IComparable<T>
    {
        private readonly Func<T, object> _box = box ?? bound;
        private uint _binaryOid;
        private Parse<T>? _binaryParse;
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
            return Add(v);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override long? AppendBinary(uint typeOid, ReadOnlySpan<byte> value, out bool unrepresentable)
        {
            if (typeOid != _binaryOid || _binaryParse is null)
            {
                _binaryParse = binary?.Invoke(typeOid) ?? throw new NotSupportedException($"column {Field.Name}: values of type OID {typeOid} are not read in binary form");
                _binaryOid = typeOid;
            }

            if (!_binaryParse(value, out var v))
            {
                unrepresentable = true;
                return null;
            }

            unrepresentable = false;
            return Add(v);
        }

        public override object? Get(int row) => ValueIndex(row, _valueCount) is >= 0 and var i ? _box(_values[i]) : null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long Add(T v)
        {
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

    /// <summary>
    /// Strings kept as their UTF-8 in shared byte buffers, handed to Parquet.Net as slices; bounds
    /// by unsigned byte order, which is code point order. Text that is not valid UTF-8 is kept
    /// with U+FFFD for each bad sequence, as decoding it would.
    /// </summary>
    private sealed class Strings(NestedField field, int capacity) : Column(field, capacity)
    {
        private const int ChunkBytes = 1 << 20;
        private readonly List<byte[]> _chunks = [];
        private ReadOnlyMemory<byte>[] _values = new ReadOnlyMemory<byte>[capacity];
        private int _valueCount;
        private int _chunk = -1;
        private int _used;
        private long _nulls;
        private ReadOnlyMemory<byte> _min;
        private ReadOnlyMemory<byte> _max;
        private bool _any;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override long? AppendText(ReadOnlySpan<byte> text, out bool unrepresentable)
        {
            unrepresentable = false;
            if (!Utf8.IsValid(text))
            {
                return Add(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(text)));
            }

            return Add(text);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long Add(ReadOnlySpan<byte> text)
        {
            if (_chunk < 0 || _chunks[_chunk].Length - _used < text.Length)
            {
                NextChunk(text.Length);
            }

            var buffer = _chunks[_chunk];
            text.CopyTo(buffer.AsSpan(_used));
            var value = new ReadOnlyMemory<byte>(buffer, _used, text.Length);
            _used += text.Length;
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
            else if (text.SequenceCompareTo(_min.Span) < 0)
            {
                _min = value;
            }
            else if (text.SequenceCompareTo(_max.Span) > 0)
            {
                _max = value;
            }

            return 4 + text.Length;
        }

        /// <summary>text and varchar: the binary form is the text.</summary>
        public override long? AppendBinary(uint typeOid, ReadOnlySpan<byte> value, out bool unrepresentable) => typeOid is 25 or 1043
            ? AppendText(value, out unrepresentable)
            : throw new NotSupportedException($"column {Field.Name}: values of type OID {typeOid} are not read in binary form");

        public override object? Get(int row) => ValueIndex(row, _valueCount) is >= 0 and var i ? Encoding.UTF8.GetString(_values[i].Span) : null;

        private void NextChunk(int atLeast)
        {
            // Chunks are kept for the next batch; one too small for a long value is replaced.
            _chunk++;
            _used = 0;
            if (_chunk == _chunks.Count)
            {
                _chunks.Add(new byte[Math.Max(ChunkBytes, atLeast)]);
            }
            else if (_chunks[_chunk].Length < atLeast)
            {
                _chunks[_chunk] = new byte[atLeast];
            }
        }

        public override void AppendNull()
        {
            _nulls++;
            Level(0);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, DataFileWriter.ColumnMetrics metrics, CancellationToken ct)
        {
            metrics.Add(Count, _nulls, 0, _any ? Encoding.UTF8.GetString(_min.Span) : null, _any ? Encoding.UTF8.GetString(_max.Span) : null);
            await WriteValuesAsync(rowGroup, field, _values, _valueCount, ct).ConfigureAwait(false);
        }

        public override void SetChunkStatistics(Parquet.Meta.FileMetaData footer) => DataFileWriter.SetChunkBounds(footer, _min.Span, _max.Span, _any);

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

        public override long? AppendBinary(uint typeOid, ReadOnlySpan<byte> value, out bool unrepresentable) =>
            throw new NotSupportedException($"column {Field.Name}: bytea is not read in binary form");

        public override object? Get(int row) => ValueIndex(row, _valueCount) is >= 0 and var i ? _values[i].ToArray() : null;

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
