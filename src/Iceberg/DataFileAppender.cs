using Parquet;
using Parquet.Schema;

namespace PgWire.Iceberg;

/// <summary>
/// One data file written in batches (from <see cref="DataFileWriter.Open"/>): appended rows are
/// checked at once, kept by reference until about <see cref="RowGroupTargetBytes"/> of them are
/// pending, then encoded as a row group; only the compressed file and the column metrics stay in
/// memory. <see cref="CompleteAsync"/> writes the footer and then the file at its location.
/// Disposing an appender that was not completed writes nothing.
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

    /// <summary>
    /// Zstandard at its default level (Parquet.Net's default, the smallest size, is many times
    /// slower for a few percent); dictionary encoding judged from a sample, not a scan of the column.
    /// </summary>
    private static ParquetOptions Options => new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Optimal,
        DictionaryEncodingSampleSize = 10_000,
    };

    private readonly IFileIO _io;
    private readonly IcebergSchema _schema;
    private readonly List<Field> _parquetFields;
    private readonly DataFileWriter.FooterPatches _patches;
    private readonly DataFileWriter.ColumnMetrics[] _metrics;
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

        foreach (var row in rows)
        {
            for (var c = 0; c < _metrics.Length; c++)
            {
                _metrics[c].Add(row[c]);
            }

            _pending.Add(row);
            _records++;
        }

        _pendingBytes += bytes;
        if (_pendingBytes >= RowGroupTargetBytes || _pending.Count >= RowGroupMaxRows)
        {
            await FlushAsync(ct);
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

        if (_writer is null)
        {
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_parquetFields), _buffer, Options, cancellationToken: ct);
            DataFileWriter.PatchFooter(_writer, _patches);
        }

        await DataFileWriter.WriteRowGroupAsync(_writer, _schema, _parquetFields, _pending, ct);
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
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_parquetFields), _buffer, Options, cancellationToken: ct);
            DataFileWriter.PatchFooter(_writer, _patches);
            await DataFileWriter.WriteRowGroupAsync(_writer, _schema, _parquetFields, [], ct);
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

                    bytes += Size(element, item, index, f.Name);
                }

                continue;
            }

            bytes += Size((PrimitiveType)f.Type, v, index, f.Name);
        }

        return bytes;
    }

    /// <summary>A value's estimated uncompressed size; a value of the wrong type is refused.</summary>
    private static long Size(PrimitiveType type, object v, long index, string column)
    {
        (bool Ok, long Size) r = (type.Name, v) switch
        {
            ("boolean", bool) => (true, 1),
            ("int", int) => (true, 4),
            ("long", long) => (true, 8),
            ("float", float) => (true, 4),
            ("double", double) => (true, 8),
            ("decimal", decimal) => (true, 16),
            ("date", DateOnly) => (true, 4),
            ("time", TimeOnly) => (true, 8),
            ("timestamp" or "timestamptz", DateTime or DateTimeOffset or long) => (true, 8),
            ("uuid", Guid) => (true, 16),
            ("string", string s) => (true, 4 + (long)s.Length),
            ("binary", byte[] b) => (true, 4 + (long)b.Length),
            _ => (false, 0L),
        };
        return r.Ok
            ? r.Size
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
