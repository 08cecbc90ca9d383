using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;
using static PgWire.Actors.Replication.RecordFieldNames;

namespace PgWire.Actors.Replication;

/// <summary>The table a snapshot copies: quoted qualified name, OID and key column names.</summary>
public sealed record SnapshotTable(string Qualified, uint Oid, IReadOnlySet<string> KeyColumns)
{
    /// <summary>The columns to copy, in table order (a publication's column list); null copies all.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>A condition rows must meet (a publication's row filter), as SQL; null copies every row.</summary>
    public string? RowFilter { get; init; }
}

/// <summary>How a snapshot is split between connections.</summary>
public sealed record SnapshotCopyOptions
{
    public static SnapshotCopyOptions Default { get; } = new();

    /// <summary>
    /// Workers for a large table; 0 picks half the processor count, clamped to 1..4, as every COPY
    /// keeps a server backend busy besides its decoding here.
    /// </summary>
    public int Workers { get; init; }

    /// <summary>Tables with fewer heap blocks than this are copied by one connection without a ctid filter.</summary>
    public long ParallelMinBlocks { get; init; } = 2048;

    /// <summary>Heap blocks per ctid range; 0 gives one range per worker.</summary>
    public long BlocksPerRange { get; init; }

    /// <summary>Receive buffer and backpressure of each copy connection (<c>pgwire.connection</c>).</summary>
    public ConnectionOptions Connection { get; init; } = ConnectionOptions.Default;

    /// <summary>The <see cref="JsonLineFormat"/> version of the lines written (a CSV file is made from version 1 lines).</summary>
    public int JsonFormat { get; init; } = JsonLineFormat.Current;
}

/// <summary>What a finished snapshot copy wrote.</summary>
public sealed record SnapshotCopyResult(long Rows, long Bytes, int Workers, int Ranges)
{
    /// <summary>Time spent in COPY by all workers together, until the last one finished.</summary>
    public TimeSpan CopyTime { get; init; }

    /// <summary>Time spent joining the range files into the data file.</summary>
    public TimeSpan JoinTime { get; init; }

    /// <summary>Time spent in the final fsync.</summary>
    public TimeSpan SyncTime { get; init; }

    /// <summary>The <see cref="JsonLineFormat"/> version of the lines written.</summary>
    public int JsonFormat { get; init; } = JsonLineFormat.Current;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Rows} rows, {Bytes} bytes, {Workers} connection(s), {Ranges} ctid range(s); copy {CopyTime.TotalSeconds:F2} s, join {JoinTime.TotalSeconds:F2} s, fsync {SyncTime.TotalSeconds:F2} s");
}

/// <summary>
/// Copies a table under an exported snapshot into JSON lines (op "r"): COPY ... TO STDOUT in text
/// format, rows decoded straight from the CopyData bytes. Large tables are split into ctid ranges
/// copied by several connections that all import the same snapshot; each range goes to its own
/// file and the files are joined in range order, then the data file is fsynced.
/// </summary>
public static partial class SnapshotCopier
{
    private const int DrainThreshold = 1 << 20;

    /// <summary>The COPY observer type, for <see cref="StartupWarmUp"/>.</summary>
    internal static Type CopyObserverType => typeof(CopyToJsonObserver);

    public static async Task<SnapshotCopyResult> CopyAsync(
        ActorSystem system,
        ConnectionSettings settings,
        SnapshotTable table,
        string snapshotName,
        Lsn lsn,
        string dataPath,
        LreplProgress progress,
        SnapshotCopyOptions options,
        CancellationToken ct,
        Task<PgClient>? leadConnection = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(options);
        DeleteParts(dataPath);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var counter = new RowCounter(progress);
        // A connection lent by the caller stays open; one made here is closed here.
        await using var own = leadConnection is null ? await ConnectAsync(system, settings, options.Connection, ct).ConfigureAwait(false) : null;
        var lead = own ?? await leadConnection!.ConfigureAwait(false);

        // One round trip: import the snapshot, then read the columns, the size and (for typed JSON
        // values) the enums, domains and arrays the columns are made of under it.
        var shapeList = table.Columns is null ? "*" : string.Join(", ", table.Columns.Select(ReplicationCommands.QuoteIdentifier));
        var format = options.JsonFormat;
        var shape = new ShapeObserver(format >= JsonLineFormat.V2 ? new PgTypeCatalog(lead.Session.ServerVersionNumber) : null);
        await lead.ExecuteAsync(
            BeginSnapshotSql(snapshotName)
                + "; SELECT " + shapeList + " FROM " + table.Qualified + " LIMIT 0"
                + $"; SELECT pg_relation_size({table.Oid.ToString(CultureInfo.InvariantCulture)}::oid::regclass) / current_setting('block_size')::int8"
                + (shape.Types is null ? "" : "; " + PgTypeCatalog.LoadQueryForRelation(table.Oid)),
            shape,
            ct).ConfigureAwait(false);
        shape.ThrowIfFailed("reading the columns and the size of " + table.Qualified + " under the snapshot");
        var columns = shape.Fields.Select(f => new ColumnInfo(f.Name, f.TypeOid, table.KeyColumns.Contains(f.Name), default, JsonValueType.Resolve(f.TypeOid, format, shape.Types))).ToArray();
        var selectList = columns.Length == 0 ? "" : string.Join(", ", columns.Select(c => ReplicationCommands.QuoteIdentifier(c.Name)));
        var blocks = long.Parse(shape.First ?? throw new LreplException("no size for " + table.Qualified), CultureInfo.InvariantCulture);
        var ranges = PlanRanges(blocks, lead.Session.ServerVersionNumber, options, out var workers);

        var paths = new string[ranges.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = i == 0 ? dataPath : PartPath(dataPath, i);
        }

        var next = -1;
        async Task WorkAsync(PgClient client)
        {
            using var registration = failure.Token.Register(client.Cancel);
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= ranges.Count || failure.IsCancellationRequested)
                {
                    break;
                }

                var sql = "COPY (SELECT " + selectList + " FROM " + table.Qualified + ranges[index].WhereAnd(table.RowFilter) + ") TO STDOUT";
                await using var file = new FileStream(paths[index], FileMode.Create, FileAccess.Write, FileShare.Read, 1);
                var observer = new CopyToJsonObserver(columns, lsn, file, counter);
                await client.ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
                await observer.FinishAsync().ConfigureAwait(false);
            }

            await ScalarAsync(client, "COMMIT", ct, allowEmpty: true).ConfigureAwait(false);
        }

        async Task HelperAsync()
        {
            await using var client = await ConnectAsync(system, settings, options.Connection, failure.Token).ConfigureAwait(false);
            await BeginSnapshotAsync(client, snapshotName, failure.Token).ConfigureAwait(false);
            await WorkAsync(client).ConfigureAwait(false);
        }

        Exception? firstError = null;
        async Task Guard(Func<Task> work)
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref firstError, ex, null);
                await failure.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        var tasks = new List<Task> { Guard(() => WorkAsync(lead)) };
        for (var w = 1; w < workers; w++)
        {
            tasks.Add(Task.Run(() => Guard(HelperAsync), CancellationToken.None));
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (ct.IsCancellationRequested)
        {
            // Stopped by the caller: the server's "canceling statement" error is only the echo of that.
            throw new OperationCanceledException(ct);
        }
        catch when (firstError is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstError);
        }

        ct.ThrowIfCancellationRequested();
        var copied = clock.Elapsed;
        TimeSpan joined;
        long length;
        await using (var data = new FileStream(dataPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1))
        {
            for (var i = 1; i < paths.Length; i++)
            {
                await using (var part = new FileStream(paths[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                {
                    await AppendAsync(part, data, ct).ConfigureAwait(false);
                }

                File.Delete(paths[i]);
            }

            joined = clock.Elapsed;
            data.Flush(flushToDisk: true);
            length = data.Length;
        }

        progress.SnapshotRows = counter.Total;
        return new SnapshotCopyResult(counter.Total, length, workers, ranges.Count)
        {
            CopyTime = copied,
            JoinTime = joined - copied,
            SyncTime = clock.Elapsed - joined,
            JsonFormat = format,
        };
    }

    /// <summary>
    /// Appends <paramref name="source"/> to <paramref name="destination"/>: in the kernel with
    /// copy_file_range where that works, else through a buffer.
    /// </summary>
    private static async Task AppendAsync(FileStream source, FileStream destination, CancellationToken ct)
    {
        if (OperatingSystem.IsLinux() && TryKernelCopy(source, destination))
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DrainThreshold);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, DrainThreshold), ct).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryKernelCopy(FileStream source, FileStream destination)
    {
        destination.Flush();
        var length = source.Length;
        var inOffset = source.Position;
        var outOffset = destination.Position;
        var start = outOffset;
        try
        {
            while (inOffset < length)
            {
                var n = CopyFileRange((int)source.SafeFileHandle.DangerousGetHandle(), ref inOffset, (int)destination.SafeFileHandle.DangerousGetHandle(), ref outOffset, (nuint)Math.Min(length - inOffset, 1L << 30), 0);
                if (n <= 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        if (inOffset == length)
        {
            destination.Position = outOffset;
            source.Position = inOffset;
            return true;
        }

        // Nothing or part was copied: put both back where they were for the buffered copy.
        destination.SetLength(start);
        destination.Position = start;
        source.Position = 0;
        return false;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint length, uint flags);

    /// <summary>A ctid range as a WHERE clause (empty for the whole table).</summary>
    internal readonly record struct CtidRange(long From, long? To)
    {
        public string Where => (From, To) switch
        {
            (0, null) => "",
            (_, null) => $" WHERE ctid >= '({From.ToString(CultureInfo.InvariantCulture)},0)'::tid",
            (0, _) => $" WHERE ctid < '({To.Value.ToString(CultureInfo.InvariantCulture)},0)'::tid",
            _ => $" WHERE ctid >= '({From.ToString(CultureInfo.InvariantCulture)},0)'::tid AND ctid < '({To.Value.ToString(CultureInfo.InvariantCulture)},0)'::tid",
        };

        /// <summary><see cref="Where"/> together with <paramref name="condition"/>, when there is one.</summary>
        public string WhereAnd(string? condition) => condition is null
            ? Where
            : (Where.Length == 0 ? " WHERE (" : Where + " AND (") + condition + ")";
    }

    /// <summary>
    /// Splits <paramref name="blocks"/> heap blocks into ranges. The last range is open-ended so rows
    /// in blocks added after the size was read are still covered. Servers before 14 have no TID range
    /// scan, so there every range would read the whole table: one range there.
    /// </summary>
    internal static List<CtidRange> PlanRanges(long blocks, int serverVersion, SnapshotCopyOptions options, out int workers)
    {
        workers = Math.Clamp(options.Workers > 0 ? options.Workers : Environment.ProcessorCount / 2, 1, 4);
        if (workers == 1 || blocks < Math.Max(2, options.ParallelMinBlocks) || serverVersion < 140000)
        {
            workers = 1;
            return [new CtidRange(0, null)];
        }

        var per = options.BlocksPerRange > 0 ? options.BlocksPerRange : (blocks + workers - 1) / workers;
        var count = (int)Math.Min(4096, (blocks + per - 1) / per);
        per = (blocks + count - 1) / count;
        workers = Math.Min(workers, count);
        var ranges = new List<CtidRange>(count);
        for (var i = 0; i < count; i++)
        {
            ranges.Add(new CtidRange(i * per, i == count - 1 ? null : (i + 1) * per));
        }

        return ranges;
    }

    internal static string PartPath(string dataPath, int index) => dataPath + ".part" + index.ToString(CultureInfo.InvariantCulture);

    private static void DeleteParts(string dataPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(dataPath))!;
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var stale in Directory.EnumerateFiles(dir, Path.GetFileName(dataPath) + ".part*"))
        {
            File.Delete(stale);
        }
    }

    private static async Task<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, ConnectionOptions connection, CancellationToken ct)
    {
        try
        {
            return await PgClient.ConnectAsync(system, settings, connection, ct).ConfigureAwait(false);
        }
        catch (PgConnectionException ex)
        {
            throw new LreplException(ex.Message, ex);
        }
    }

    private static Task BeginSnapshotAsync(PgClient client, string snapshotName, CancellationToken ct) =>
        ScalarAsync(client, BeginSnapshotSql(snapshotName), ct, allowEmpty: true);

    private static string BeginSnapshotSql(string snapshotName) =>
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " + ReplicationCommands.QuoteLiteral(snapshotName);

    private static async Task<string> ScalarAsync(PgClient client, string sql, CancellationToken ct, bool allowEmpty = false)
    {
        var observer = new ShapeObserver();
        await client.ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
        observer.ThrowIfFailed(sql);
        if (observer.First is null && !allowEmpty)
        {
            throw new LreplException($"no value from: {sql}");
        }

        return observer.First ?? "";
    }

    private sealed class RowCounter(LreplProgress progress)
    {
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public void Add(long rows) => progress.SnapshotRows = Interlocked.Add(ref _total, rows);
    }

    private class BaseObserver : QueryObserver
    {
        public void ThrowIfFailed(string what)
        {
            if (Error is { } error)
            {
                throw new LreplException($"snapshot copy failed ({what}): {error.Severity}:  {error.Message}");
            }
        }
    }

    /// <summary>
    /// The fields of the first result that has them, the first value of the first row, and the rows
    /// of a third result (<see cref="PgTypeCatalog.LoadQueryForRelation"/>) added to <see cref="Types"/>.
    /// </summary>
    private sealed class ShapeObserver(PgTypeCatalog? types = null) : BaseObserver
    {
        private IReadOnlyList<FieldDescription>? _fields;
        private int _results;

        public IReadOnlyList<FieldDescription> Fields => _fields ?? [];

        public string? First { get; private set; }

        public PgTypeCatalog? Types { get; } = types;

        public override void OnRowDescription(RowDescription description)
        {
            _fields ??= description.Fields;
            _results++;
        }

        public override void OnRow(ReadOnlySpan<byte> dataRow)
        {
            if (_results == 3 && Types is not null)
            {
                var reader = new DataRowReader(dataRow);
                Span<uint> oids = stackalloc uint[3];
                var typtype = ' ';
                for (var i = 0; i < 4 && reader.MoveNext(out var value, out var isNull); i++)
                {
                    if (i == 1)
                    {
                        typtype = isNull || value.IsEmpty ? ' ' : (char)value[0];
                    }
                    else if (isNull || !System.Buffers.Text.Utf8Parser.TryParse(value, out oids[i == 0 ? 0 : i - 1], out _))
                    {
                        throw new LreplException("unexpected row in the table's types");
                    }
                }

                Types.AddRow(oids[0], typtype, oids[1], oids[2]);
                return;
            }

            if (First is null)
            {
                var reader = new DataRowReader(dataRow);
                if (reader.MoveNext(out var value, out var isNull) && !isNull)
                {
                    First = Encoding.UTF8.GetString(value);
                }
            }
        }
    }

    /// <summary>
    /// Feeds COPY TO STDOUT text data through a <see cref="CopyTextJsonWriter"/> into a file. On
    /// Linux the kernel is asked to start writing each further 8 MB to disk while the copy goes on
    /// (sync_file_range), so the fsync at the end waits for the last part only.
    /// </summary>
    private sealed class CopyToJsonObserver : BaseObserver
    {
        private const long WritebackChunk = 8L << 20;
        private readonly CopyTextJsonWriter _writer;
        private readonly Stream _file;
        private readonly RowCounter _counter;
        private long _reported;
        private long _written;
        private long _submitted;
        private Task _writeback = Task.CompletedTask;
        private bool _writebackFailed;

        public CopyToJsonObserver(IReadOnlyList<ColumnInfo> columns, Lsn lsn, Stream file, RowCounter counter)
        {
            _writer = new CopyTextJsonWriter(columns, lsn, DrainThreshold + (DrainThreshold / 4));
            _file = file;
            _counter = counter;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void OnCopyOutData(ReadOnlySpan<byte> data)
        {
            _writer.Write(data);
            if (_writer.Length >= DrainThreshold)
            {
                Drain();
            }
        }

        public async Task FinishAsync()
        {
            ThrowIfFailed("COPY");
            _writer.Complete();
            Drain();
            _writer.Dispose();
            await _writeback.ConfigureAwait(false);
        }

        private void Drain()
        {
            var data = _writer.WrittenSpan;
            _file.Write(data);
            _written += data.Length;
            _writer.Clear();
            _counter.Add(_writer.Rows - _reported);
            _reported = _writer.Rows;
            if (_written - _submitted >= WritebackChunk && _writeback.IsCompleted && !_writebackFailed && OperatingSystem.IsLinux() && _file is FileStream { SafeFileHandle: var handle })
            {
                var from = _submitted;
                var length = _written - from;
                _submitted = _written;
                _writeback = Task.Run(() =>
                {
                    // Advisory: a file system without it (or any error) leaves it all to the fsync.
                    if (SyncFileRange(handle, from, length, SyncFileRangeWrite) != 0)
                    {
                        _writebackFailed = true;
                    }
                });
            }
        }
    }

    private const uint SyncFileRangeWrite = 2;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long length, uint flags);
}

/// <summary>
/// Turns COPY text-format data (tab separated, <c>\N</c> for NULL, backslash escapes) into snapshot
/// JSON lines (op "r"), typed like <see cref="JsonLineEncoder"/> through
/// <see cref="JsonLineEncoder.WriteTextValue"/>. Fields without escapes are written from the
/// input bytes; escaped fields are decoded into a reused buffer. No string is made per value.
/// </summary>
/// <remarks>
/// The per-row methods are compiled fully optimized on first use: a snapshot of a million rows is
/// over in about half a second, before tiered compilation would promote them, and the span helpers
/// they inline would otherwise run as unoptimized code for much of it.
/// </remarks>
public sealed class CopyTextJsonWriter : IDisposable
{
    private const byte Tab = (byte)'\t';
    private const byte Newline = (byte)'\n';
    private const byte Backslash = (byte)'\\';

    private readonly ColumnInfo[] _columns;
    private readonly int[] _keyIndexes;
    private readonly byte[] _prefix;
    private readonly int _fixedLength;
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Field[] _fields;
    private JsonValues.Fallback? _fallback;
    private byte[] _scratch;
    private byte[] _carry;
    private int _carryLength;

    public CopyTextJsonWriter(IReadOnlyList<ColumnInfo> columns, Lsn lsn, int initialCapacity = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _keyIndexes = [.. Enumerable.Range(0, _columns.Length).Where(i => _columns[i].IsKey)];
        _prefix = MakePrefix(lsn);
        _fixedLength = _prefix.Length + Middle.Length + End.Length;
        foreach (var column in _columns)
        {
            _fixedLength += 2 * column.CommaNameBytes.Length;
        }

        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _fields = new Field[_columns.Length];
        _scratch = ArrayPool<byte>.Shared.Rent(4096);
        _carry = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Bytes of JSON waiting in the buffer.</summary>
    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Clear() => _buffer.Clear();

    /// <summary>Takes the next piece of COPY data; a row may be split over several calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ReadOnlySpan<byte> data)
    {
        if (_carryLength > 0)
        {
            var end = data.IndexOf(Newline);
            if (end < 0)
            {
                AppendCarry(data);
                return;
            }

            AppendCarry(data[..end]);
            WriteRow(_carry.AsSpan(0, _carryLength));
            _carryLength = 0;
            data = data[(end + 1)..];
        }

        while (!data.IsEmpty)
        {
            var end = data.IndexOf(Newline);
            if (end < 0)
            {
                AppendCarry(data);
                return;
            }

            WriteRow(data[..end]);
            data = data[(end + 1)..];
        }
    }

    /// <summary>Checks that the data ended with a whole row.</summary>
    public void Complete()
    {
        if (_carryLength > 0)
        {
            throw new LreplException("COPY data ended in the middle of a row");
        }
    }

    /// <summary>Writes one COPY text row (without its newline) as a JSON line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteRow(ReadOnlySpan<byte> row)
    {
        if (_scratch.Length < row.Length)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(row.Length);
        }

        Split(row);
        if (row.Length > LargeRow)
        {
            WriteLargeRow(row);
            return;
        }

        // Worst case: every value byte escaped as \uXXXX (key columns appear twice), plus the fixed
        // parts and quotes or a null literal per column.
        var span = _buffer.GetSpan(_fixedLength + (2 * JsonValues.MaxLength(row.Length)) + (_columns.Length * 2 * JsonValues.MaxLength(0)));
        _prefix.CopyTo(span);
        var n = _prefix.Length;
        foreach (var i in _keyIndexes)
        {
            n += WriteColumn(span[n..], KeyName(i), i, row);
        }

        Middle.CopyTo(span[n..]);
        n += Middle.Length;
        for (var i = 0; i < _columns.Length; i++)
        {
            n += WriteColumn(span[n..], AfterName(i), i, row);
        }

        End.CopyTo(span[n..]);
        n += End.Length;
        _buffer.Advance(n);
        Rows++;
    }

    /// <summary>A row longer than this gets a buffer span per value rather than one for the whole line.</summary>
    private const int LargeRow = 16 * 1024;

    private void WriteLargeRow(ReadOnlySpan<byte> row)
    {
        _buffer.Write(_prefix);
        foreach (var i in _keyIndexes)
        {
            AppendColumn(KeyName(i), i, row);
        }

        _buffer.Write(Middle);
        for (var i = 0; i < _columns.Length; i++)
        {
            AppendColumn(AfterName(i), i, row);
        }

        _buffer.Write(End);
        Rows++;
    }

    private void AppendColumn(byte[] name, int index, ReadOnlySpan<byte> row)
    {
        var span = _buffer.GetSpan(name.Length + JsonValues.MaxLength(_fields[index].Length));
        _buffer.Advance(WriteColumn(span, name, index, row));
    }

    /// <summary><c>"name":</c> of a column in "key", with a comma unless it is the first key column.</summary>
    private byte[] KeyName(int index) => index == _keyIndexes[0] ? _columns[index].NameBytes : _columns[index].CommaNameBytes;

    /// <summary><c>"name":</c> of a column in "after", with a comma unless it is the first column.</summary>
    private byte[] AfterName(int index) => index == 0 ? _columns[index].NameBytes : _columns[index].CommaNameBytes;

    private static ReadOnlySpan<byte> Middle => "},\"before\":null,\"after\":{"u8;

    private static ReadOnlySpan<byte> End => "}}\n"u8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WriteColumn(Span<byte> destination, byte[] name, int index, ReadOnlySpan<byte> row)
    {
        name.CopyTo(destination);
        var n = name.Length;
        var field = _fields[index];
        if (field.Kind == FieldKind.Null)
        {
            "null"u8.CopyTo(destination[n..]);
            return n + 4;
        }

        var value = field.Kind == FieldKind.Raw ? row.Slice(field.Start, field.Length) : _scratch.AsSpan(field.Start, field.Length);
        return n + JsonValues.WriteText(destination[n..], _columns[index].JsonType, value, ref _fallback);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split(ReadOnlySpan<byte> row)
    {
        if (_fields.Length == 0)
        {
            if (!row.IsEmpty)
            {
                throw new LreplException("COPY row has values but the table has no columns");
            }

            return;
        }

        var position = 0;
        var scratchLength = 0;
        for (var i = 0; i < _fields.Length; i++)
        {
            var rest = row[position..];
            var tab = rest.IndexOf(Tab);
            if (i == _fields.Length - 1)
            {
                if (tab >= 0)
                {
                    throw new LreplException($"COPY row has more than the {_fields.Length} expected columns");
                }

                tab = rest.Length;
            }
            else if (tab < 0)
            {
                throw new LreplException($"COPY row has {i + 1} columns, expected {_fields.Length}");
            }

            var value = rest[..tab];
            if (value.IndexOf(Backslash) < 0)
            {
                _fields[i] = new Field(FieldKind.Raw, position, tab);
            }
            else if (value.Length == 2 && value[1] == (byte)'N')
            {
                _fields[i] = new Field(FieldKind.Null, 0, 0);
            }
            else
            {
                var written = Unescape(value, _scratch.AsSpan(scratchLength));
                _fields[i] = new Field(FieldKind.Decoded, scratchLength, written);
                scratchLength += written;
            }

            position += tab + 1;
        }
    }

    /// <summary>
    /// Decodes the COPY text escapes of one field: <c>\b \f \n \r \t \v</c>, <c>\ooo</c> (1-3 octal
    /// digits), <c>\xhh</c> (1-2 hex digits), and a backslash before any other byte for that byte.
    /// The output is never longer than the input.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var written = 0;
        var i = 0;
        while (i < value.Length)
        {
            var slash = value[i..].IndexOf(Backslash);
            if (slash < 0)
            {
                value[i..].CopyTo(destination[written..]);
                written += value.Length - i;
                break;
            }

            value.Slice(i, slash).CopyTo(destination[written..]);
            written += slash;
            i += slash + 1;
            if (i >= value.Length)
            {
                destination[written++] = Backslash;
                break;
            }

            var c = value[i++];
            switch (c)
            {
                case (byte)'b':
                    destination[written++] = 8;
                    break;
                case (byte)'f':
                    destination[written++] = 12;
                    break;
                case (byte)'n':
                    destination[written++] = 10;
                    break;
                case (byte)'r':
                    destination[written++] = 13;
                    break;
                case (byte)'t':
                    destination[written++] = 9;
                    break;
                case (byte)'v':
                    destination[written++] = 11;
                    break;
                case >= (byte)'0' and <= (byte)'7':
                    {
                        var v = c - '0';
                        for (var n = 0; n < 2 && i < value.Length && value[i] is >= (byte)'0' and <= (byte)'7'; n++)
                        {
                            v = (v << 3) + (value[i++] - '0');
                        }

                        destination[written++] = (byte)v;
                        break;
                    }

                case (byte)'x' when i < value.Length && HexValue(value[i]) >= 0:
                    {
                        var v = HexValue(value[i++]);
                        if (i < value.Length && HexValue(value[i]) is var low and >= 0)
                        {
                            v = (v << 4) + low;
                            i++;
                        }

                        destination[written++] = (byte)v;
                        break;
                    }

                default:
                    destination[written++] = c;
                    break;
            }
        }

        return written;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private void AppendCarry(ReadOnlySpan<byte> data)
    {
        if (_carry.Length - _carryLength < data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_carry.Length * 2, _carryLength + data.Length));
            _carry.AsSpan(0, _carryLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = bigger;
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += data.Length;
    }

    /// <summary>The fixed start of every line, up to the opening brace of "key".</summary>
    private static byte[] MakePrefix(Lsn lsn)
    {
        var output = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString(Op, "r");
            writer.WriteString(LsnName, ((uint)(lsn.Value >> 32)).ToString("X", CultureInfo.InvariantCulture) + "/" + ((uint)lsn.Value).ToString("X", CultureInfo.InvariantCulture));
            writer.WriteNull(Xid);
            writer.WriteNull(CommitTs);
            writer.WritePropertyName(Key);
            writer.WriteStartObject();
        }

        return output.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        _fallback?.Dispose();
        ArrayPool<byte>.Shared.Return(_scratch);
        ArrayPool<byte>.Shared.Return(_carry);
        _scratch = [];
        _carry = [];
    }

    private enum FieldKind : byte
    {
        Raw,
        Null,
        Decoded,
    }

    private readonly record struct Field(FieldKind Kind, int Start, int Length);
}
