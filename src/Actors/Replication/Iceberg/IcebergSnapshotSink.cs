using System.Collections.Concurrent;
using System.Globalization;
using PgWire.Iceberg;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication.Iceberg;

/// <summary>
/// A table's initial copy into an Iceberg table: each ctid range's rows are parsed into typed values
/// and written as Parquet data files of their own (rolled at the target size), and
/// <see cref="CompleteAsync"/> commits them all as one snapshot that replaces whatever the table held,
/// with the slot's consistent point as its replication position. Until then nothing is visible; a
/// copy that does not complete leaves only files no snapshot references.
/// </summary>
internal sealed class IcebergSnapshotSink : ISnapshotSink
{
    private readonly IcebergTable _table;
    private readonly IFileIO _io;
    private readonly long _targetFileBytes;
    private readonly ConcurrentBag<(int Part, int Sequence, DataFile File)> _files = [];
    private readonly Action<string>? _warn;
    private TableRelation? _relation;
    private Lsn _consistentPoint;
    private long _unrepresentable;

    public IcebergSnapshotSink(IcebergTable table, IFileIO io, long targetFileBytes, Action<string>? warn = null)
    {
        _table = table;
        _io = io;
        _targetFileBytes = targetFileBytes;
        _warn = warn;
    }

    public void Begin(TableRelation table, Lsn consistentPoint, int parts)
    {
        _relation = table;
        _consistentPoint = consistentPoint;
        _files.Clear();
    }

    public ISnapshotPartWriter OpenPart(int index)
    {
        var schema = _table.Metadata.CurrentSchema;
        var fields = new int[_relation!.Columns.Count];
        var types = new IcebergType[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var name = _relation.Columns[i].Name;
            fields[i] = schema.Fields.ToList().FindIndex(f => f.Name == name);
            if (fields[i] < 0)
            {
                throw new LreplException($"column \"{name}\" of {_relation} has no field in the Iceberg table");
            }

            types[i] = schema.Fields[fields[i]].Type;
        }

        return ColumnBatch.Supports(schema)
            ? new ColumnPart(this, index, new ColumnParser(_relation.Columns, fields, types, this), schema)
            : new Part(this, index, new RowParser(_relation.Columns, schema.Fields.Count, fields, types, this));
    }

    public async Task<long> CompleteAsync(CancellationToken ct)
    {
        var files = _files.OrderBy(f => f.Part).ThenBy(f => f.Sequence).Select(f => f.File).ToList();
        var summary = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The commits before the consistent point: a transaction committed exactly at it is streamed, not in the snapshot.
            [IcebergSinkActor.CommitLsnProperty] = new Lsn(LsnAckActor.SnapshotCommitLsn(_consistentPoint.Value)).ToString(),
            [IcebergSinkActor.EndLsnProperty] = _consistentPoint.ToString(),
            ["pgwire.snapshot"] = "true",
        };
        if (_unrepresentable > 0)
        {
            summary["pgwire.unrepresentable-values"] = _unrepresentable.ToString(CultureInfo.InvariantCulture);
        }

        var committed = await _table.CommitAsync(files, [], removeAllExisting: true, summary, ct).ConfigureAwait(false);
        return committed.SnapshotId;
    }

    public void Discard()
    {
        // The files written are referenced by no snapshot: readers never see them, and table
        // upkeep removes such files.
        _files.Clear();
    }

    private void Unrepresentable(string column, string value, IcebergType type)
    {
        Interlocked.Increment(ref _unrepresentable);
        if (_warnedColumns.TryAdd(column, true))
        {
            _warn?.Invoke($"column \"{column}\": the value '{value}' cannot be held by the Iceberg type {type} and is written as null (counted in the snapshot summary as pgwire.unrepresentable-values)");
        }
    }

    private readonly ConcurrentDictionary<string, bool> _warnedColumns = new(StringComparer.Ordinal);

    /// <summary>Parses COPY text rows into rows of the table's schema.</summary>
    private sealed class RowParser(IReadOnlyList<ColumnInfo> columns, int width, int[] fields, IcebergType[] types, IcebergSnapshotSink sink)
        : CopyTextRowWriter(columns, 16)
    {
        public List<object?[]> Parsed { get; } = [];

        private readonly PostgresValues.ValueReader[] _readers = [.. types.Select(PostgresValues.TextReader)];

        protected override void EncodeRow(ReadOnlySpan<byte> row)
        {
            var values = new object?[width];
            for (var i = 0; i < fields.Length; i++)
            {
                if (IsNull(i))
                {
                    continue;
                }

                var text = Value(i, row);
                var value = _readers[i](text, out var unrepresentable);
                if (unrepresentable)
                {
                    sink.Unrepresentable(Columns[i].Name, System.Text.Encoding.UTF8.GetString(text), types[i]);
                }

                values[fields[i]] = value;
            }

            Parsed.Add(values);
        }
    }

    /// <summary>The COPY text parser of Iceberg snapshots, for <see cref="StartupWarmUp"/>.</summary>
    internal static Type ColumnParserType => typeof(ColumnParser);

    /// <summary>Parses COPY text rows straight into a column batch (typed values, no object per value).</summary>
    private sealed class ColumnParser(IReadOnlyList<ColumnInfo> columns, int[] fields, IcebergType[] types, IcebergSnapshotSink sink)
        : CopyTextRowWriter(columns, 16)
    {
        /// <summary>Where rows go; set before each write.</summary>
        public ColumnBatch Batch { get; set; } = null!;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        protected override void EncodeRow(ReadOnlySpan<byte> row)
        {
            var batch = Batch;
            for (var i = 0; i < fields.Length; i++)
            {
                if (IsNull(i))
                {
                    batch.AppendNull(fields[i]);
                    continue;
                }

                var text = Value(i, row);
                batch.AppendText(fields[i], text, out var unrepresentable);
                if (unrepresentable)
                {
                    sink.Unrepresentable(Columns[i].Name, System.Text.Encoding.UTF8.GetString(text), types[i]);
                }
            }

            batch.EndRow();
        }
    }

    /// <summary>
    /// What both kinds of range writer share: one batch at a time is appended to the range's data
    /// file on the thread pool while the COPY worker parses the next, the file is rolled at the
    /// target size, and what is left is completed at the end (or disposed when the copy fails).
    /// </summary>
    private abstract class RangePart(IcebergSnapshotSink sink, int index, CopyTextRowWriter parser) : ISnapshotPartWriter
    {
        private int _sequence;
        private DataFileAppender? _appender;

        /// <summary>The table's current schema, for a writer that does not carry its own.</summary>
        protected IcebergSchema TableSchema => sink._table.Metadata.CurrentSchema;

        /// <summary>The batch being appended; awaited before the next is handed on.</summary>
        protected Task Writing { get; set; } = Task.CompletedTask;

        public abstract long Rows { get; }

        public abstract void Write(ReadOnlySpan<byte> copyText);

        /// <summary>Hands what is parsed to <see cref="AppendAsync"/> (after the previous batch is written).</summary>
        protected abstract Task HandOnAsync();

        public async Task CompleteAsync()
        {
            parser.Complete();
            await HandOnAsync().ConfigureAwait(false);
            await Writing.ConfigureAwait(false);
            if (_appender is { RecordCount: > 0 } appender)
            {
                _appender = null;
                sink._files.Add((index, _sequence++, await appender.CompleteAsync(CancellationToken.None).ConfigureAwait(false)));
            }
        }

        /// <summary>Appends one batch to the range's current file, and completes the file once it reaches the target size.</summary>
        protected async Task AppendAsync(IcebergSchema schema, Func<DataFileAppender, Task> append)
        {
            var appender = _appender ??= DataFileWriter.Open(sink._io, sink._table.NewDataFileLocation(), schema);
            await append(appender).ConfigureAwait(false);
            if (appender.EstimatedBytes >= sink._targetFileBytes)
            {
                _appender = null;
                sink._files.Add((index, _sequence++, await appender.CompleteAsync(CancellationToken.None).ConfigureAwait(false)));
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Writing.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Reported by CompleteAsync; a snapshot that fails is discarded.
            }

            if (_appender is { } appender)
            {
                await appender.DisposeAsync().ConfigureAwait(false);
            }

            parser.Dispose();
        }
    }

    /// <summary>
    /// One range's rows, parsed on the COPY worker's thread into a column batch; a batch of a row
    /// group's size is handed to the data file on the thread pool while the worker fills the other
    /// (two batches, reused, so memory stays bounded), rolled into a new file at the target size.
    /// </summary>
    private sealed class ColumnPart : RangePart
    {
        /// <summary>
        /// A batch (one row group) is handed on at this many estimated bytes, half the appender's
        /// default: about 130,000 rows of a narrow table, near the row groups DuckDB writes. What is
        /// written after the COPY's last row (the batch being written then and the last one) is
        /// work no other thread shares, so smaller batches end the copy sooner; files grow by under 1%.
        /// </summary>
        internal const long BatchTargetBytes = DataFileAppender.DefaultRowGroupTargetBytes / 2;

        private readonly ColumnParser _parser;
        private readonly IcebergSchema _schema;
        private ColumnBatch? _spare;

        public ColumnPart(IcebergSnapshotSink sink, int index, ColumnParser parser, IcebergSchema schema)
            : base(sink, index, parser)
        {
            _parser = parser;
            _schema = schema;
            parser.Batch = new ColumnBatch(schema);
        }

        public override long Rows => _parser.Rows;

        public override void Write(ReadOnlySpan<byte> copyText)
        {
            _parser.Write(copyText);
            var batch = _parser.Batch;
            if (batch.EstimatedBytes >= BatchTargetBytes || batch.RowCount >= DataFileAppender.RowGroupMaxRows)
            {
                // Waits only when the previous batch is still being written.
                HandOnAsync().GetAwaiter().GetResult();
            }
        }

        protected override async Task HandOnAsync()
        {
            await Writing.ConfigureAwait(false);
            var batch = _parser.Batch;
            if (batch.RowCount == 0)
            {
                return;
            }

            // The second batch is made as large as the first became.
            _parser.Batch = _spare ?? new ColumnBatch(_schema, batch.RowCount);
            _spare = null;
            Writing = Task.Run(() => AppendAsync(_schema, async appender =>
            {
                await appender.AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
                batch.Clear();
                _spare = batch;
            }));
        }
    }

    /// <summary>
    /// One range's rows: parsed on the COPY worker's thread, handed in batches to a data file
    /// appender that encodes them on the thread pool meanwhile (one batch at a time, so memory
    /// stays bounded), rolled into a new file at the target size.
    /// </summary>
    private sealed class Part(IcebergSnapshotSink sink, int index, RowParser parser) : RangePart(sink, index, parser)
    {
        private const int BatchRows = 16384;
        private long _handedRows;

        public override long Rows => parser.Parsed.Count + _handedRows;

        public override void Write(ReadOnlySpan<byte> copyText)
        {
            parser.Write(copyText);
            if (parser.Parsed.Count >= BatchRows)
            {
                // Waits only when the previous batch is still being encoded.
                HandOnAsync().GetAwaiter().GetResult();
            }
        }

        protected override async Task HandOnAsync()
        {
            await Writing.ConfigureAwait(false);
            if (parser.Parsed.Count == 0)
            {
                return;
            }

            var batch = parser.Parsed.ToArray();
            parser.Parsed.Clear();
            _handedRows += batch.Length;
            Writing = Task.Run(() => AppendAsync(TableSchema, appender => appender.AppendAsync(batch, CancellationToken.None)));
        }
    }
}
