using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using PgWire.Iceberg;
using PgWire.Protocol.Replication.PgOutput;

namespace PgWire.Actors.Replication.Iceberg;

/// <summary>
/// Applies a table's row changes to an Iceberg table, one commit at a time: inserts are buffered and
/// written as Parquet data files, updates and deletes become position deletes of the rows they
/// replace, found through a key index (row key to data file and position), and
/// <see cref="CommitAsync"/> makes all of it one snapshot. Nothing before a commit is visible to
/// readers or counts as written.
/// </summary>
/// <remarks>
/// <para>
/// The key of a row is its identifier fields (the PostgreSQL primary key), or, for a table without
/// one (REPLICA IDENTITY FULL), the whole row: such a table may hold equal rows, and a delete
/// removes exactly one of them, as PostgreSQL did. The index is rebuilt from the table's live rows
/// when the applier opens, so it survives any restart without a file of its own.
/// </para>
/// <para>
/// Inserts of a table of primitive fields are gathered in a <see cref="ColumnBatch"/> (typed
/// values read straight from the tuple), other rows in a row buffer. A buffered row changed again
/// before the commit never reaches a file: the buffer drops it. A row of the column batch cannot be
/// dropped from it: it is written, and deleted by position like a row in a file. A row in a file
/// (committed, or written for the coming commit) gets a position delete; by the spec's rule a
/// delete of the same sequence number applies to the data files of its own commit too.
/// </para>
/// </remarks>
internal sealed class IcebergChangeApplier
{
    private const int BufferFile = -1;

    /// <summary>The file of a row in the column batch of inserts (<see cref="_batch"/>), by its row there.</summary>
    private const int BatchFile = -2;

    private readonly IFileIO _io;
    private readonly Func<CancellationToken, Task<IcebergTable>> _load;
    private readonly long _targetFileBytes;
    private KeyIndex _index = new KeyIndex<string>(KeyOf, DescribeKey, StringComparer.Ordinal);
    private int _width;
    private readonly List<string> _files = [];
    private readonly Dictionary<string, int> _fileIds = new(StringComparer.Ordinal);

    // What the next commit holds: inserts of a table of primitive fields go into a column batch
    // (typed values, nothing per value), other rows (updates' new rows, tables with lists) into _buffer.
    private readonly List<object?[]> _buffer = [];
    private ColumnBatch? _batch;
    private ColumnBatch? _spareBatch;
    private ColumnBatch? _encodingBatch;
    // Rows of _batch removed again before it was written: they are written, then deleted by position.
    private readonly List<int> _batchRemoved = [];
    private object?[] _keyRow = [];
    private readonly List<DataFile> _written = [];

    // The data file the coming commit's inserts are appended to, in batches (row groups), each
    // encoded on the thread pool while the next is applied: _encoding is the batch in progress.
    private DataFileAppender? _appender;
    private Task _encoding = Task.CompletedTask;
    private long _appenderBytes;
    private readonly List<PositionDelete> _deletes = [];
    private long _bufferBytes;
    private long _writtenBytes;
    private bool _truncated;
    private long _unrepresentable;
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    private IcebergTable _table;
    private int[] _keyFields = [];
    private TableRelation? _relation;
    private int[] _columnField = [];
    private IcebergType[] _columnType = [];
    private PostgresValues.ValueReader[] _textReaders = [];
    private PostgresValues.ValueReader?[] _binaryReaders = [];
    private readonly ArrayBufferWriter<byte> _binaryText = new(64);

    private IcebergChangeApplier(IFileIO io, IcebergTable table, Func<CancellationToken, Task<IcebergTable>> load, long targetFileBytes)
    {
        _io = io;
        _table = table;
        _load = load;
        _targetFileBytes = targetFileBytes;
    }

    /// <summary>Where the table's files are.</summary>
    public IFileIO IO => _io;

    /// <summary>The table as of the last commit (or load).</summary>
    public IcebergTable Table => _table;

    /// <summary>Set when applying or committing failed part way: only <see cref="ResetAsync"/> makes the applier usable again.</summary>
    public bool Broken { get; set; }

    /// <summary>Row changes applied since the last commit.</summary>
    public int PendingChanges { get; private set; }

    /// <summary>An estimate of what the next commit writes (buffered rows and files written for it).</summary>
    public long PendingBytes => BufferedBytes + _writtenBytes + _appenderBytes;

    private long BufferedBytes => _bufferBytes + (_batch?.EstimatedBytes ?? 0);

    /// <summary>
    /// Whether the buffered rows are handed to the data file: at <see cref="BufferBytes"/>, where a
    /// column batch's estimate (its values' bytes) counts twice, since two batches are kept and
    /// encoding one takes about its size again.
    /// </summary>
    private bool BufferFull => _bufferBytes + (2 * (_batch?.EstimatedBytes ?? 0)) >= BufferBytes;

    /// <summary>Values written as null since the last commit because the Iceberg type cannot hold them.</summary>
    public long Unrepresentable => _unrepresentable;

    /// <summary>Warnings (one per column and kind) for the log.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Loads the table and builds the key index from its live rows.</summary>
    public static async Task<IcebergChangeApplier> OpenAsync(IFileIO io, Func<CancellationToken, Task<IcebergTable>> load, long targetFileBytes, Action<string>? warn, CancellationToken ct)
    {
        var table = await load(ct).ConfigureAwait(false);
        var applier = new IcebergChangeApplier(io, table, load, targetFileBytes) { Warn = warn };
        await applier.BuildIndexAsync(ct).ConfigureAwait(false);
        return applier;
    }

    /// <summary>Forgets everything not committed, reloads the table and rebuilds the index.</summary>
    public async Task ResetAsync(CancellationToken ct)
    {
        ClearPending();
        _table = await _load(ct).ConfigureAwait(false);
        await BuildIndexAsync(ct).ConfigureAwait(false);
        Broken = false;
    }

    private async Task BuildIndexAsync(CancellationToken ct)
    {
        _files.Clear();
        _fileIds.Clear();
        _relation = null;
        var schema = _table.Metadata.CurrentSchema;
        _keyFields = KeyFieldPositions(schema);
        _index = KeyIndex.For(schema, _keyFields);
        var ids = _keyFields.Select(i => schema.Fields[i].Id).ToArray();
        var positions = Enumerable.Range(0, ids.Length).ToArray();
        if (_table.Metadata.CurrentSnapshot is null)
        {
            return;
        }

        await foreach (var row in TableScan.ReadLiveAsync(_io, _table.Metadata, ids, ct).ConfigureAwait(false))
        {
            _index.Add(row.Values, positions, new Location(FileId(row.FilePath), row.Position));
        }
    }

    private static int[] KeyFieldPositions(IcebergSchema schema)
    {
        if (schema.IdentifierFieldIds.Count > 0)
        {
            return [.. schema.IdentifierFieldIds.Select(id => IndexOfField(schema, id))];
        }

        // No identifier fields: a row is known by all its (primitive) values.
        return [.. Enumerable.Range(0, schema.Fields.Count)];
    }

    private static int IndexOfField(IcebergSchema schema, int id)
    {
        for (var i = 0; i < schema.Fields.Count; i++)
        {
            if (schema.Fields[i].Id == id)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"identifier field {id} is not a top-level field");
    }

    private int FileId(string path)
    {
        if (!_fileIds.TryGetValue(path, out var id))
        {
            id = _files.Count;
            _files.Add(path);
            _fileIds.Add(path, id);
        }

        return id;
    }

    /// <summary>Applies one row change (insert, update, delete) of a committed transaction.</summary>
    public async ValueTask ApplyAsync(ChangeKind kind, TableRelation relation, object?[]? oldValues, object?[]? newValues, bool[]? unchanged, CancellationToken ct)
    {
        switch (kind)
        {
            case ChangeKind.Insert:
                Insert(newValues!);
                break;
            case ChangeKind.Update:
            {
                var oldKey = oldValues ?? newValues!;
                if (unchanged is not null)
                {
                    await FillUnchangedAsync(oldKey, newValues!, unchanged, ct).ConfigureAwait(false);
                }

                if (!Remove(oldKey))
                {
                    throw new LreplException($"an update of {relation} changes a row that is not in the Iceberg table (key {_index.Describe(oldKey, _keyFields)}); the table no longer matches the replicated one");
                }

                Insert(newValues!);
                break;
            }

            case ChangeKind.Delete:
            {
                if (!Remove(oldValues!))
                {
                    throw new LreplException($"a delete of {relation} removes a row that is not in the Iceberg table (key {_index.Describe(oldValues!, _keyFields)}); the table no longer matches the replicated one");
                }

                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        PendingChanges++;
        if (BufferFull)
        {
            await WriteBufferAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies an insert straight from its tuple (of the relation last given to
    /// <see cref="UseRelationAsync"/>): into the column batch where the table's fields are all
    /// primitive, else as a row through <see cref="ApplyAsync"/>. The tuple is read before anything is awaited.
    /// </summary>
    public ValueTask InsertAsync(TableRelation relation, TupleData tuple, CancellationToken ct)
    {
        if (_batch is not { } batch)
        {
            return ApplyAsync(ChangeKind.Insert, relation, null, Row(relation, tuple, out _), null, ct);
        }

        var i = 0;
        foreach (var column in tuple)
        {
            if (i >= _columnField.Length)
            {
                break;
            }

            var field = _columnField[i];
            bool unrepresentable;
            switch (column.Kind)
            {
                case TupleKind.Text:
                    var text = tuple.GetValue(column);
                    batch.AppendText(field, text, out unrepresentable);
                    if (unrepresentable)
                    {
                        CountUnrepresentable(relation.Columns[i], i, text);
                    }

                    break;
                case TupleKind.Binary:
                    var binary = tuple.GetValue(column);
                    var info = relation.Columns[i];
                    if (_batchBinary[i])
                    {
                        batch.AppendBinary(field, info.TypeOid, binary, out unrepresentable);
                        if (unrepresentable)
                        {
                            CountUnrepresentable(info, i, info.BinaryAsText(binary, _binaryText));
                        }
                    }
                    else
                    {
                        var asText = info.BinaryAsText(binary, _binaryText);
                        batch.AppendText(field, asText, out unrepresentable);
                        if (unrepresentable)
                        {
                            CountUnrepresentable(info, i, asText);
                        }
                    }

                    break;
                default:
                    // Null (an insert has no unchanged TOAST values; one would read null, as in a row).
                    batch.AppendNull(field);
                    break;
            }

            i++;
        }

        // Fields the relation lacks are null.
        batch.EndRow();
        var row = batch.RowCount - 1;
        foreach (var k in _keyFields)
        {
            _keyRow[k] = batch.GetValue(k, row);
        }

        _index.AddBatched(_keyRow, _keyFields, row);
        PendingChanges++;
        return BufferFull ? new ValueTask(WriteBufferAsync(ct)) : ValueTask.CompletedTask;
    }

    /// <summary>TRUNCATE: the next commit starts the table over; what was pending for it is dropped.</summary>
    public void Truncate()
    {
        ClearPending();
        _index = KeyIndex.For(_table.Metadata.CurrentSchema, _keyFields);
        _files.Clear();
        _fileIds.Clear();
        _truncated = true;
        PendingChanges++;
    }

    private void Insert(object?[] row)
    {
        // A key may be present twice for a moment (a deferrable primary key in the middle of a
        // transaction): the index keeps both, and the older goes first.
        _index.AddBuffered(row, _keyFields, _buffer.Count);
        _buffer.Add(row);
        _bufferBytes += EstimateBytes(row);
    }

    /// <summary>Removes the oldest row with the key of <paramref name="keyRow"/>: from the buffer, or by a position delete.</summary>
    private bool Remove(object?[] keyRow)
    {
        if (!_index.RemoveFirst(keyRow, _keyFields, out var location))
        {
            return false;
        }

        if (location.File == BufferFile)
        {
            _buffer[(int)location.Position] = null!;
        }
        else if (location.File == BatchFile)
        {
            _batchRemoved.Add((int)location.Position);
        }
        else
        {
            _deletes.Add(new PositionDelete(_files[location.File], location.Position));
        }

        return true;
    }

    /// <summary>Values the server left out of an update (unchanged TOAST) are taken from the row it replaces.</summary>
    private async ValueTask FillUnchangedAsync(object?[] oldKey, object?[] row, bool[] unchanged, CancellationToken ct)
    {
        if (!_index.TryFirst(oldKey, _keyFields, out var location))
        {
            return;
        }

        if (location.File == BatchFile)
        {
            // The row is in the column batch: it is written and its file closed first, so that it can be read.
            await WriteBufferAsync(ct).ConfigureAwait(false);
            await CompleteFileAsync(ct).ConfigureAwait(false);
            if (!_index.TryFirst(oldKey, _keyFields, out location))
            {
                return;
            }
        }

        object?[] old;
        if (location.File == BufferFile)
        {
            old = _buffer[(int)location.Position];
        }
        else
        {
            if (_appender is { } open && _files[location.File] == open.Location)
            {
                // The row is in the file still being written: it is closed first, so that it can be read.
                await CompleteFileAsync(ct).ConfigureAwait(false);
            }

            var rows = await TableScan.ReadRowsAtAsync(_io, _table.Metadata, _files[location.File], [location.Position], ct).ConfigureAwait(false);
            old = rows[0];
        }

        for (var i = 0; i < unchanged.Length; i++)
        {
            if (unchanged[i])
            {
                var field = _columnField[i];
                if (field >= 0 && field < old.Length)
                {
                    row[field] = old[field];
                }
            }
        }
    }

    /// <summary>
    /// Buffered rows are handed to the data file at about this many (estimated) bytes, and become
    /// one row group of it: memory stays bounded in a large transaction, and rows are dropped soon
    /// after they are applied.
    /// </summary>
    private const long BufferBytes = 16L << 20;

    /// <summary>
    /// Hands the buffered rows still live to the coming commit's data file (rolled at the target
    /// size), to be encoded on the thread pool while the applier goes on; the index points at their
    /// places in the file at once. The previous batch is waited for first (its failure is thrown here).
    /// </summary>
    private async Task WriteBufferAsync(CancellationToken ct)
    {
        await EncodedAsync().ConfigureAwait(false);
        if (_appender is { } full && full.EstimatedBytes >= _targetFileBytes)
        {
            await CompleteFileAsync(ct).ConfigureAwait(false);
        }

        var live = new List<object?[]>(_buffer.Count);
        var schema = _table.Metadata.CurrentSchema;
        var width = schema.Fields.Count;
        DataFileAppender? appender = null;
        var id = 0;
        long start = 0;

        // The column batch goes first (one row group), the rows after it (another).
        var batch = _batch is { RowCount: > 0 } b ? b : null;
        if (batch is not null)
        {
            appender = _appender ??= OpenAppender(schema);
            id = FileId(appender.Location);
            start = appender.RecordCount;
            for (var r = 0; r < batch.RowCount; r++)
            {
                _index.MoveBatched(r, new Location(id, start + r));
            }

            // Rows removed again are in the file, and deleted from it by position in the same commit.
            foreach (var r in _batchRemoved)
            {
                _deletes.Add(new PositionDelete(appender.Location, start + r));
            }

            start += batch.RowCount;
        }

        for (var i = 0; i < _buffer.Count; i++)
        {
            if (_buffer[i] is not { } row)
            {
                continue;
            }

            if (row.Length != width)
            {
                throw new InvalidOperationException("a buffered row does not fit the table's schema");
            }

            if (appender is null)
            {
                appender = _appender ??= OpenAppender(schema);
                id = FileId(appender.Location);
                start = appender.RecordCount;
            }

            _index.MoveBuffered(i, new Location(id, start + live.Count));
            live.Add(row);
        }

        _buffer.Clear();
        _index.ClearBuffered();
        _bufferBytes = 0;
        _batchRemoved.Clear();
        if (batch is not null)
        {
            // The batch is encoded beside the applier; the one encoded before (now done) is filled next.
            _encodingBatch = batch;
            _batch = _spareBatch ?? new ColumnBatch(schema, batch.RowCount);
            _spareBatch = null;
        }

        if (appender is null)
        {
            return;
        }

        _encoding = batch is null
            ? Task.Run(() => appender.AppendAsync(live, ct), ct)
            : Task.Run(
                async () =>
                {
                    await appender.AppendAsync(batch, ct).ConfigureAwait(false);
                    if (live.Count > 0)
                    {
                        await appender.AppendAsync(live, ct).ConfigureAwait(false);
                    }
                },
                ct);
    }

    private DataFileAppender OpenAppender(IcebergSchema schema)
    {
        var appender = DataFileWriter.Open(_io, _table.NewDataFileLocation(), schema);
        // Each batch handed on is one row group, encoded at once: its rows are not kept.
        appender.RowGroupTargetBytes = 0;
        return appender;
    }

    /// <summary>Waits for the batch being encoded; throws its failure.</summary>
    private async Task EncodedAsync()
    {
        var encoding = _encoding;
        _encoding = Task.CompletedTask;
        await encoding.ConfigureAwait(false);
        _appenderBytes = _appender?.EstimatedBytes ?? 0;
        if (_encodingBatch is { } done)
        {
            // Kept for the next batch while the table's schema stays the same.
            _encodingBatch = null;
            if (_batch is not null && done.Schema.Equals(_batch.Schema))
            {
                done.Clear();
                _spareBatch = done;
            }
        }
    }

    /// <summary>Closes the data file being appended to; it joins the coming commit.</summary>
    private async Task CompleteFileAsync(CancellationToken ct)
    {
        await EncodedAsync().ConfigureAwait(false);
        if (_appender is not { } appender)
        {
            return;
        }

        _appender = null;
        _appenderBytes = 0;
        var file = await appender.CompleteAsync(ct).ConfigureAwait(false);
        _written.Add(file);
        _writtenBytes += file.FileSizeInBytes;
    }

    /// <summary>
    /// Makes everything applied since the last commit one snapshot with <paramref name="summary"/>
    /// (the replication position it holds). Returns the snapshot.
    /// </summary>
    public async Task<Snapshot> CommitAsync(IReadOnlyDictionary<string, string> summary, CancellationToken ct)
    {
        await WriteBufferAsync(ct).ConfigureAwait(false);
        await CompleteFileAsync(ct).ConfigureAwait(false);
        var deletes = _deletes.OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Position).ToList();
        var extra = new Dictionary<string, string>(summary, StringComparer.Ordinal);
        if (_unrepresentable > 0)
        {
            extra["pgwire.unrepresentable-values"] = _unrepresentable.ToString(CultureInfo.InvariantCulture);
        }

        var snapshot = await _table.CommitAsync(_written, deletes, _truncated, extra, ct).ConfigureAwait(false);
        _written.Clear();
        _deletes.Clear();
        _writtenBytes = 0;
        _truncated = false;
        _unrepresentable = 0;
        PendingChanges = 0;
        return snapshot;
    }

    private void ClearPending()
    {
        // An appender not completed writes nothing; a batch still being encoded into it is left to
        // finish on its own (its failure, if any, no longer matters).
        _encoding.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _encoding = Task.CompletedTask;
        _encodingBatch = null;
        _appender = null;
        _appenderBytes = 0;
        _buffer.Clear();
        _batch?.Clear();
        _batchRemoved.Clear();
        _index.ClearBuffered();
        _written.Clear();
        _deletes.Clear();
        _bufferBytes = 0;
        _writtenBytes = 0;
        _truncated = false;
        _unrepresentable = 0;
        PendingChanges = 0;
    }

    // ---- columns of the replicated relation and their values

    /// <summary>
    /// Maps the relation's columns to the table's fields by name. A column the table lacks is added
    /// as a new optional field (an ALTER TABLE ADD COLUMN on the server); a field the relation no
    /// longer has stays and reads null in new rows.
    /// </summary>
    public async Task UseRelationAsync(TableRelation relation, Func<ColumnInfo, IcebergType> typeOf, CancellationToken ct)
    {
        if (ReferenceEquals(relation, _relation))
        {
            return;
        }

        var schema = _table.Metadata.CurrentSchema;
        var missing = relation.Columns.Where(c => !schema.Fields.Any(f => f.Name == c.Name)).ToList();
        if (missing.Count > 0)
        {
            // Rows buffered for the old schema are written with it first.
            await WriteBufferAsync(ct).ConfigureAwait(false);
            await CompleteFileAsync(ct).ConfigureAwait(false);
            await _table.AddColumnsAsync(missing.Select(c => (c.Name, typeOf(c))), ct).ConfigureAwait(false);
            schema = _table.Metadata.CurrentSchema;
        }

        // Widenings the spec allows (int to long, float to double, a wider decimal) change the field's type.
        var promoted = new List<(string Name, IcebergType Type)>();
        foreach (var column in relation.Columns)
        {
            var field = schema.Fields.First(f => f.Name == column.Name);
            var wanted = typeOf(column);
            if (!Fits(field.Type, wanted) && Promotes(field.Type, wanted))
            {
                promoted.Add((column.Name, wanted));
            }
        }

        if (promoted.Count > 0)
        {
            await WriteBufferAsync(ct).ConfigureAwait(false);
            await CompleteFileAsync(ct).ConfigureAwait(false);
            await _table.PromoteColumnsAsync(promoted, ct).ConfigureAwait(false);
            schema = _table.Metadata.CurrentSchema;
        }

        _columnField = new int[relation.Columns.Count];
        _columnType = new IcebergType[relation.Columns.Count];
        _textReaders = new PostgresValues.ValueReader[relation.Columns.Count];
        _binaryReaders = new PostgresValues.ValueReader?[relation.Columns.Count];
        for (var i = 0; i < relation.Columns.Count; i++)
        {
            var column = relation.Columns[i];
            var position = schema.Fields.ToList().FindIndex(f => f.Name == column.Name);
            _columnField[i] = position;
            var field = schema.Fields[position];
            var wanted = typeOf(column);
            if (!Fits(field.Type, wanted))
            {
                throw new LreplException($"column \"{column.Name}\" of {relation} is now {wanted}, but the Iceberg field is {field.Type}; Iceberg allows only widening int to long, float to double and a decimal's precision, so the run stops here");
            }

            _columnType[i] = field.Type;
            _textReaders[i] = PostgresValues.TextReader(field.Type);
            _binaryReaders[i] = PostgresValues.BinaryReader(field.Type, column.TypeOid);
        }

        _width = schema.Fields.Count;
        _relation = relation;

        // Inserts go into a column batch of the table's schema where it takes every field.
        if (_batch is null || !_batch.Schema.Equals(schema))
        {
            if (_batch is { RowCount: > 0 })
            {
                await WriteBufferAsync(ct).ConfigureAwait(false);
                await CompleteFileAsync(ct).ConfigureAwait(false);
            }

            _batch = ColumnBatch.Supports(schema) ? new ColumnBatch(schema) : null;
            _spareBatch = null;
        }

        _keyRow = new object?[_width];
        _batchBinary = new bool[relation.Columns.Count];
        for (var i = 0; i < relation.Columns.Count; i++)
        {
            _batchBinary[i] = ColumnBatch.ReadsBinary(schema.Fields[_columnField[i]].Type, relation.Columns[i].TypeOid);
        }
    }

    /// <summary>Which of the relation's columns the column batch reads in binary form.</summary>
    private bool[] _batchBinary = [];

    /// <summary>Whether values of a column mapped to <paramref name="wanted"/> can be stored in a field of type <paramref name="have"/>.</summary>
    internal static bool Fits(IcebergType have, IcebergType wanted)
    {
        if (have.Equals(wanted))
        {
            return true;
        }

        return (have, wanted) switch
        {
            (PrimitiveType { Name: "long" }, PrimitiveType { Name: "int" }) => true,
            (PrimitiveType { Name: "double" }, PrimitiveType { Name: "float" }) => true,
            (PrimitiveType { Name: "decimal" } h, PrimitiveType { Name: "decimal" } w) => h.Scale == w.Scale && h.Precision >= w.Precision,
            (PrimitiveType { Name: "string" }, _) => true,
            (ListType h, ListType w) => Fits(h.Element, w.Element),
            _ => false,
        };
    }

    /// <summary>Whether a field of type <paramref name="have"/> may be widened to <paramref name="wanted"/> (the spec's promotions).</summary>
    internal static bool Promotes(IcebergType have, IcebergType wanted) => (have, wanted) switch
    {
        (PrimitiveType { Name: "int" }, PrimitiveType { Name: "long" }) => true,
        (PrimitiveType { Name: "float" }, PrimitiveType { Name: "double" }) => true,
        (PrimitiveType { Name: "decimal" } h, PrimitiveType { Name: "decimal" } w) => h.Scale == w.Scale && w.Precision > h.Precision,
        _ => false,
    };

    /// <summary>The row (in schema field order) of a tuple of the relation last given to <see cref="UseRelationAsync"/>.</summary>
    public object?[] Row(TableRelation relation, TupleData tuple, out bool[]? unchanged)
    {
        var row = new object?[_width];
        unchanged = null;
        var i = 0;
        foreach (var column in tuple)
        {
            if (i >= _columnField.Length)
            {
                break;
            }

            switch (column.Kind)
            {
                case TupleKind.Null:
                    break;
                case TupleKind.UnchangedToast:
                    (unchanged ??= new bool[_columnField.Length])[i] = true;
                    break;
                case TupleKind.Text:
                    row[_columnField[i]] = Value(relation.Columns[i], i, tuple.GetValue(column));
                    break;
                case TupleKind.Binary:
                    row[_columnField[i]] = BinaryValue(relation.Columns[i], i, tuple.GetValue(column));
                    break;
            }

            i++;
        }

        return row;
    }

    /// <summary>The value of column <paramref name="index"/> from its binary form: read as it is where it maps straight onto the field's type, else through its text form.</summary>
    private object? BinaryValue(ColumnInfo column, int index, ReadOnlySpan<byte> binary)
    {
        if (_binaryReaders[index] is not { } reader)
        {
            return Value(column, index, column.BinaryAsText(binary, _binaryText));
        }

        var value = reader(binary, out var unrepresentable);
        if (unrepresentable)
        {
            CountUnrepresentable(column, index, column.BinaryAsText(binary, _binaryText));
        }

        return value;
    }

    private void CountUnrepresentable(ColumnInfo column, int index, ReadOnlySpan<byte> text)
    {
        _unrepresentable++;
        if (_warned.Add(column.Name))
        {
            Warn?.Invoke($"column \"{column.Name}\": the value '{Encoding.UTF8.GetString(text)}' cannot be held by the Iceberg type {_columnType[index]} and is written as null (counted in the snapshot summary as pgwire.unrepresentable-values)");
        }
    }

    /// <summary>The value of column <paramref name="index"/> from its text form.</summary>
    public object? Value(ColumnInfo column, int index, ReadOnlySpan<byte> text)
    {
        var value = _textReaders[index](text, out var unrepresentable);
        if (unrepresentable)
        {
            CountUnrepresentable(column, index, text);
        }

        return value;
    }

    // ---- keys

    /// <summary>The index key of a row: the values at <paramref name="positions"/> in a canonical text form.</summary>
    internal static string KeyOf(object?[] row, int[] positions)
    {
        var sb = new StringBuilder();
        foreach (var p in positions)
        {
            sb.Append('\u001f');
            Append(sb, p < row.Length ? row[p] : null);
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append('\u0000');
                break;
            case string s:
                sb.Append('s').Append(s);
                break;
            case byte[] b:
                sb.Append('b').Append(Convert.ToBase64String(b));
                break;
            case decimal d:
                // 1.0 and 1.00 are the same number; a file may give back another scale than the text had.
                sb.Append('d').Append((d / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture));
                break;
            case double f:
                sb.Append('f').Append(f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case float f:
                sb.Append('f').Append(((double)f).ToString("R", CultureInfo.InvariantCulture));
                break;
            case int n:
                sb.Append('i').Append(n.ToString(CultureInfo.InvariantCulture));
                break;
            case long n:
                sb.Append('i').Append(n.ToString(CultureInfo.InvariantCulture));
                break;
            case DateTime t:
                sb.Append('t').Append(t.Ticks.ToString(CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset t:
                sb.Append('t').Append(t.UtcTicks.ToString(CultureInfo.InvariantCulture));
                break;
            case IList list:
                sb.Append('[');
                foreach (var item in list)
                {
                    Append(sb, item);
                    sb.Append('\u001e');
                }

                sb.Append(']');
                break;
            case IFormattable f:
                sb.Append('o').Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append('o').Append(value);
                break;
        }
    }

    private static string DescribeKey(string key) => key.Replace('\u001f', ' ').Replace('\u0000', '∅').Trim();

    private static long EstimateBytes(object?[] row)
    {
        long bytes = 32 + 8L * row.Length;
        foreach (var value in row)
        {
            bytes += value switch
            {
                null => 0,
                string s => 24 + 2L * s.Length,
                byte[] b => 24 + b.Length,
                IList l => 32 + 16L * l.Count,
                _ => 24,
            };
        }

        return bytes;
    }

    /// <summary>A row's place: a data file (by its id in the applier's file list) or the buffer (<see cref="BufferFile"/>), and its position there. 12 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly record struct Location(int File, long Position);

    /// <summary>
    /// The key index: the places of the rows of each key, oldest first (almost always one; several
    /// for equal rows of a table without a key, or a deferred primary key for a moment). A
    /// one-column integer or uuid key is held as a number (<see cref="KeyIndex{TKey}"/> of long or
    /// Guid: no string and no object per row); any other key as a canonical text (<see cref="KeyOf"/>).
    /// Keys of buffered rows are remembered by their buffer position, so that they are not worked out again.
    /// </summary>
    private abstract class KeyIndex
    {
        public static KeyIndex For(IcebergSchema schema, int[] keyFields)
        {
            if (schema.IdentifierFieldIds.Count == 1 && keyFields.Length == 1)
            {
                switch (schema.Fields[keyFields[0]].Type)
                {
                    case PrimitiveType { Name: "int" or "long" }:
                        return new KeyIndex<long>(LongKey, static key => key.ToString(CultureInfo.InvariantCulture), null);
                    case PrimitiveType { Name: "uuid" }:
                        return new KeyIndex<Guid>(UuidKey, static key => key.ToString("D"), null);
                }
            }

            return new KeyIndex<string>(KeyOf, DescribeKey, StringComparer.Ordinal);
        }

        private static long LongKey(object?[] row, int[] positions) => row[positions[0]] switch
        {
            int i => i,
            long l => l,
            var other => throw new LreplException($"a row has {(other is null ? "no value" : "a " + other.GetType().Name)} in its key column, which is an integer"),
        };

        private static Guid UuidKey(object?[] row, int[] positions) => row[positions[0]] is Guid g
            ? g
            : throw new LreplException("a row has no uuid in its key column");

        public abstract void Add(object?[] row, int[] positions, Location location);

        /// <summary>Adds a buffered row at <paramref name="bufferPosition"/>.</summary>
        public abstract void AddBuffered(object?[] row, int[] positions, int bufferPosition);

        /// <summary>Adds the row at <paramref name="batchRow"/> of the column batch (its key fields in <paramref name="row"/>).</summary>
        public abstract void AddBatched(object?[] row, int[] positions, int batchRow);

        /// <summary>The column batch's row <paramref name="batchRow"/> is now at <paramref name="to"/>.</summary>
        public abstract void MoveBatched(int batchRow, Location to);

        /// <summary>The buffered row at <paramref name="bufferPosition"/> is now at <paramref name="to"/>.</summary>
        public abstract void MoveBuffered(int bufferPosition, Location to);

        /// <summary>Forgets the buffered rows' keys (after they moved or were dropped).</summary>
        public abstract void ClearBuffered();

        public abstract bool TryFirst(object?[] keyRow, int[] positions, out Location location);

        public abstract bool RemoveFirst(object?[] keyRow, int[] positions, out Location location);

        /// <summary>The key of <paramref name="keyRow"/> for a message.</summary>
        public abstract string Describe(object?[] keyRow, int[] positions);
    }

    private sealed class KeyIndex<TKey>(Func<object?[], int[], TKey> keyOf, Func<TKey, string> describe, IEqualityComparer<TKey>? comparer) : KeyIndex
        where TKey : notnull
    {
        // The oldest place of each key; the later ones of a key present more than once, in order.
        private readonly Dictionary<TKey, Location> _first = new(comparer);
        private Dictionary<TKey, Queue<Location>>? _more;
        private readonly List<TKey> _buffered = [];
        private readonly List<TKey> _batched = [];

        public override void Add(object?[] row, int[] positions, Location location) => Add(keyOf(row, positions), location);

        public override void AddBuffered(object?[] row, int[] positions, int bufferPosition)
        {
            var key = keyOf(row, positions);
            Add(key, new Location(BufferFile, bufferPosition));
            _buffered.Add(key);
        }

        private void Add(TKey key, Location location)
        {
            ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(_first, key, out var exists);
            if (!exists)
            {
                first = location;
                return;
            }

            _more ??= new Dictionary<TKey, Queue<Location>>(comparer);
            if (!_more.TryGetValue(key, out var more))
            {
                _more.Add(key, more = new Queue<Location>());
            }

            more.Enqueue(location);
        }

        public override void AddBatched(object?[] row, int[] positions, int batchRow)
        {
            if (batchRow != _batched.Count)
            {
                throw new InvalidOperationException("the key index lost count of the column batch's rows");
            }

            var key = keyOf(row, positions);
            Add(key, new Location(BatchFile, batchRow));
            _batched.Add(key);
        }

        public override void MoveBuffered(int bufferPosition, Location to) => Move(_buffered[bufferPosition], new Location(BufferFile, bufferPosition), to);

        public override void MoveBatched(int batchRow, Location to) => Move(_batched[batchRow], new Location(BatchFile, batchRow), to);

        private void Move(TKey key, Location from, Location to)
        {
            ref var first = ref CollectionsMarshal.GetValueRefOrNullRef(_first, key);
            if (!Unsafe.IsNullRef(ref first) && first == from)
            {
                first = to;
                return;
            }

            if (_more is not null && _more.TryGetValue(key, out var more) && more.Contains(from))
            {
                var items = more.ToArray();
                more.Clear();
                foreach (var item in items)
                {
                    more.Enqueue(item == from ? to : item);
                }
            }
        }

        public override void ClearBuffered()
        {
            _buffered.Clear();
            _batched.Clear();
        }

        public override bool TryFirst(object?[] keyRow, int[] positions, out Location location) =>
            _first.TryGetValue(keyOf(keyRow, positions), out location);

        public override bool RemoveFirst(object?[] keyRow, int[] positions, out Location location)
        {
            var key = keyOf(keyRow, positions);
            if (!_first.TryGetValue(key, out location))
            {
                return false;
            }

            if (_more is not null && _more.TryGetValue(key, out var more))
            {
                _first[key] = more.Dequeue();
                if (more.Count == 0)
                {
                    _more.Remove(key);
                }
            }
            else
            {
                _first.Remove(key);
            }

            return true;
        }

        public override string Describe(object?[] keyRow, int[] positions) => describe(keyOf(keyRow, positions));
    }
}
