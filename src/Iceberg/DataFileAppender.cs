using Parquet;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>
/// One data file written in batches (from <see cref="DataFileWriter.Open"/>): appended rows are
/// checked at once, kept by reference until about <see cref="RowGroupTargetBytes"/> of them are
/// pending, then encoded as a row group (which is when the column metrics are gathered); only the
/// compressed file and the column metrics stay in memory. A <see cref="ColumnBatch"/> (typed
/// columns, its metrics already gathered) is written at once as a row group of its own.
/// <see cref="CompleteAsync"/> writes the
/// footer and then the file at its location. Disposing an appender that was not completed writes nothing.
/// </summary>
/// <remarks>Not for concurrent use.</remarks>
public sealed class DataFileAppender : IAsyncDisposable
{
    /// <summary>
    /// Pending rows are written as a row group at this many (estimated, uncompressed) bytes or
    /// <see cref="RowGroupMaxRows"/> rows. Pending rows are the caller's objects, which take
    /// several times their estimate in memory (boxed values, arrays).
    /// </summary>
    public const long DefaultRowGroupTargetBytes = 16L << 20;

    public const int RowGroupMaxRows = 1 << 20;

    private readonly IFileIO _io;
    private readonly IcebergSchema _schema;
    private readonly List<Field> _parquetFields;
    private readonly DataFileWriter.FooterPatches _patches;
    private readonly DataFileWriter.ColumnMetrics[] _metrics;
    private readonly ValueKind[] _kinds;
    private readonly MemoryStream _buffer = new();
    private readonly List<object?[]> _pending = [];
    private ParquetWriter? _writer;
    private long _pendingBytes;
    private long _flushedRawBytes;
    private long _records;
    private bool _done;

    internal DataFileAppender(IFileIO io, string location, IcebergSchema schema)
    {
        _io = io;
        Location = location;
        _schema = schema;
        (_parquetFields, _patches) = DataFileWriter.ParquetFields(schema);
        _metrics = [.. schema.Fields.Select(DataFileWriter.ColumnMetrics.For)];
        _kinds = [.. schema.Fields.Select(f => KindOf(f.Type is ListType l ? l.Element : f.Type))];
    }

    public string Location { get; }

    /// <summary>Rows appended so far.</summary>
    public long RecordCount => _records;

    /// <summary>Where pending rows become a row group (estimated uncompressed bytes); set before appending.</summary>
    public long RowGroupTargetBytes { get; set; } = DefaultRowGroupTargetBytes;

    /// <summary>
    /// The file's size so far, estimated: row groups written (compressed) plus pending rows at the
    /// compression ratio seen so far (uncompressed before the first row group). For rolling files
    /// at a target size.
    /// </summary>
    public long EstimatedBytes => _buffer.Length + (_flushedRawBytes == 0 ? _pendingBytes : (long)(_pendingBytes * ((double)_buffer.Length / _flushedRawBytes)));

    /// <summary>Adds rows (values in schema field order). A value of the wrong type, or null in a required column, is refused here, before anything of the batch is kept.</summary>
    public async Task AppendAsync(IReadOnlyList<object?[]> rows, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        long bytes = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            bytes += Check(rows[r], _records + r);
        }

        _pending.AddRange(rows);
        _records += rows.Count;

        _pendingBytes += bytes;
        if (_pendingBytes >= RowGroupTargetBytes || _pending.Count >= RowGroupMaxRows)
        {
            await FlushAsync(ct);
        }
    }

    /// <summary>
    /// Writes <paramref name="batch"/>'s rows as a row group of their own (after any pending rows,
    /// which go out as theirs). The batch may be cleared and reused once this has returned.
    /// </summary>
    public async Task AppendAsync(ColumnBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_done, this);
        if (!batch.Schema.Fields.Select(f => (f.Id, f.Type, f.Required)).SequenceEqual(_schema.Fields.Select(f => (f.Id, f.Type, f.Required))))
        {
            throw new ArgumentException("the batch's schema is not the data file's", nameof(batch));
        }

        if (batch.RowCount == 0)
        {
            return;
        }

        await FlushAsync(ct);
        await EnsureWriterAsync(ct);
        await batch.WriteRowGroupAsync(_writer!, _parquetFields, _metrics, ct);
        _records += batch.RowCount;
        _flushedRawBytes += batch.EstimatedBytes;
    }

    private async Task EnsureWriterAsync(CancellationToken ct)
    {
        if (_writer is null)
        {
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_parquetFields), _buffer, DataFileWriter.Options(), cancellationToken: ct);
            DataFileWriter.PatchFooter(_writer, _patches);
        }
    }

    /// <summary>Writes the pending rows as a row group (if any).</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_pending.Count == 0)
        {
            return;
        }

        await EnsureWriterAsync(ct);
        await DataFileWriter.WriteRowGroupAsync(_writer!, _schema, _parquetFields, _pending, _metrics, ct);
        _flushedRawBytes += _pendingBytes;
        _pending.Clear();
        _pendingBytes = 0;
    }

    /// <summary>Writes the last row group and the footer, then the file; describes it with its metrics.</summary>
    public async Task<DataFile> CompleteAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_writer is null && _pending.Count == 0)
        {
            // A file without rows still has its schema: one empty row group.
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_parquetFields), _buffer, DataFileWriter.Options(), cancellationToken: ct);
            DataFileWriter.PatchFooter(_writer, _patches);
            await DataFileWriter.WriteRowGroupAsync(_writer, _schema, _parquetFields, [], _metrics, ct);
        }

        await FlushAsync(ct);
        await _writer!.DisposeAsync();
        _writer = null;
        _done = true;

        _buffer.Position = 0;
        await using (var output = _io.Create(Location))
        {
            await _buffer.CopyToAsync(output, ct);
        }

        _buffer.Position = 0;
        var (sizes, offsets) = await DataFileWriter.FooterFactsAsync(_buffer, ct);
        var file = DataFileWriter.Describe(Location, _records, _buffer.Length, _metrics, sizes, offsets);
        await _buffer.DisposeAsync();
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        _done = true;
        _pending.Clear();
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }

        await _buffer.DisposeAsync();
    }

    /// <summary>Checks one row against the schema; returns its estimated uncompressed size.</summary>
    private long Check(object?[] row, long index)
    {
        var fields = _schema.Fields;
        if (row.Length != fields.Count)
        {
            throw new ArgumentException($"row {index}: {row.Length} values for {fields.Count} columns");
        }

        long bytes = 0;
        for (var c = 0; c < fields.Count; c++)
        {
            var f = fields[c];
            var v = row[c];
            if (v is null)
            {
                if (f.Required)
                {
                    throw new ArgumentException($"row {index}: column {f.Name} is required but the value is null");
                }

                bytes += 1;
                continue;
            }

            if (f.Type is ListType list)
            {
                if (v is string || v is not System.Collections.IEnumerable items)
                {
                    throw new ArgumentException($"row {index}: column {f.Name} ({f.Type}) takes a list of values, not {v.GetType().Name}");
                }

                var element = (PrimitiveType)list.Element;
                foreach (var item in items)
                {
                    if (item is null)
                    {
                        if (list.ElementRequired)
                        {
                            throw new ArgumentException($"row {index}: column {f.Name} has a null element but its elements are required");
                        }

                        bytes += 1;
                        continue;
                    }

                    bytes += Size(_kinds[c], element, item, index, f.Name);
                }

                continue;
            }

            bytes += Size(_kinds[c], (PrimitiveType)f.Type, v, index, f.Name);
        }

        return bytes;
    }

    /// <summary>The CLR values a column takes, decided once per column rather than by type name per value.</summary>
    private enum ValueKind
    {
        Other,
        Boolean,
        Int,
        Long,
        Float,
        Double,
        Decimal,
        Date,
        Time,
        Timestamp,
        Uuid,
        String,
        Binary,
    }

    private static ValueKind KindOf(IcebergType type) => (type as PrimitiveType)?.Name switch
    {
        "boolean" => ValueKind.Boolean,
        "int" => ValueKind.Int,
        "long" => ValueKind.Long,
        "float" => ValueKind.Float,
        "double" => ValueKind.Double,
        "decimal" => ValueKind.Decimal,
        "date" => ValueKind.Date,
        "time" => ValueKind.Time,
        "timestamp" or "timestamptz" => ValueKind.Timestamp,
        "uuid" => ValueKind.Uuid,
        "string" => ValueKind.String,
        "binary" => ValueKind.Binary,
        _ => ValueKind.Other,
    };

    /// <summary>A value's estimated uncompressed size; a value of the wrong type is refused.</summary>
    private static long Size(ValueKind kind, PrimitiveType type, object v, long index, string column)
    {
        var size = kind switch
        {
            ValueKind.Boolean => v is bool ? 1 : -1,
            ValueKind.Int => v is int ? 4 : -1,
            ValueKind.Long => v is long ? 8 : -1,
            ValueKind.Float => v is float ? 4 : -1,
            ValueKind.Double => v is double ? 8 : -1,
            ValueKind.Decimal => v is decimal ? 16 : -1,
            ValueKind.Date => v is DateOnly ? 4 : -1,
            ValueKind.Time => v is TimeOnly ? 8 : -1,
            ValueKind.Timestamp => v is DateTime or DateTimeOffset or long ? 8 : -1,
            ValueKind.Uuid => v is Guid ? 16 : -1,
            ValueKind.String => v is string s ? 4 + (long)s.Length : -1,
            ValueKind.Binary => v is byte[] b ? 4 + (long)b.Length : -1,
            _ => -1,
        };
        return size >= 0
            ? size
            : throw new ArgumentException($"row {index}: column {column} ({type}) takes {Expected(type)}, not {v.GetType().Name}");
    }

    private static string Expected(PrimitiveType type) => type.Name switch
    {
        "boolean" => "bool",
        "int" => "int",
        "long" => "long",
        "float" => "float",
        "double" => "double",
        "decimal" => "decimal",
        "date" => "DateOnly",
        "time" => "TimeOnly",
        "timestamp" or "timestamptz" => "DateTime, DateTimeOffset or long microseconds",
        "uuid" => "Guid",
        "string" => "string",
        "binary" => "byte[]",
        _ => type.ToString(),
    };
}
