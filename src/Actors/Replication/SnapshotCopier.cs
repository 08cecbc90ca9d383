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
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;
using static PgWire.Actors.Replication.RecordFieldNames;

namespace PgWire.Actors.Replication;

/// <summary>The table a snapshot copies: quoted qualified name, OID and key column names.</summary>
public sealed record SnapshotTable(string Qualified, uint Oid, IReadOnlySet<string> KeyColumns)
{
    /// <summary>The schema, unquoted, as the sink is told it.</summary>
    public string Schema { get; init; } = "";

    /// <summary>The table's name, unquoted, as the sink is told it; the qualified name when not set.</summary>
    public string? Name { get; init; }

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
/// Copies a table under an exported snapshot into a <see cref="ISnapshotSink"/>: COPY ... TO STDOUT
/// in text format, the CopyData bytes handed on as they come. Large tables are split into ctid
/// ranges copied by several connections that all import the same snapshot, each range into its own
/// part of the sink; the sink makes the whole durable in range order at the end.
/// </summary>
public static partial class SnapshotCopier
{
    /// <summary>The COPY observer type, for <see cref="StartupWarmUp"/>.</summary>
    internal static Type CopyObserverType => typeof(CopyToSinkObserver);

    /// <summary>Copies into the data file at <paramref name="dataPath"/> as JSON lines.</summary>
    public static Task<SnapshotCopyResult> CopyAsync(
        ActorSystem system,
        ConnectionSettings settings,
        SnapshotTable table,
        string snapshotName,
        Lsn lsn,
        string dataPath,
        LreplProgress progress,
        SnapshotCopyOptions options,
        CancellationToken ct,
        Task<PgClient>? leadConnection = null) =>
        CopyAsync(system, settings, table, snapshotName, lsn, new FileSnapshotSink(dataPath, LreplFormat.JsonLines), progress, options, ct, leadConnection);

    public static async Task<SnapshotCopyResult> CopyAsync(
        ActorSystem system,
        ConnectionSettings settings,
        SnapshotTable table,
        string snapshotName,
        Lsn lsn,
        ISnapshotSink sink,
        LreplProgress progress,
        SnapshotCopyOptions options,
        CancellationToken ct,
        Task<PgClient>? leadConnection = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(options);

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
                + SizeUnlessRewrittenSql(table.Oid)
                + (shape.Types is null ? "" : "; " + PgTypeCatalog.LoadQueryForRelation(table.Oid)),
            shape,
            ct).ConfigureAwait(false);
        shape.ThrowIfFailed("reading the columns and the size of " + table.Qualified + " under the snapshot");
        var columns = shape.Fields.Select(f => new ColumnInfo(f.Name, f.TypeOid, table.KeyColumns.Contains(f.Name), default, JsonValueType.Resolve(f.TypeOid, format, shape.Types))).ToArray();
        var selectList = columns.Length == 0 ? "" : string.Join(", ", columns.Select(c => ReplicationCommands.QuoteIdentifier(c.Name)));
        if (shape.First is null)
        {
            // The lead connection is lent: its snapshot transaction ends here, so that it can take the next one.
            await ScalarAsync(lead, "ROLLBACK", ct, allowEmpty: true).ConfigureAwait(false);
            throw new LreplException($"{table.Qualified} was truncated or rewritten (TRUNCATE, VACUUM FULL, CLUSTER or a rewriting ALTER TABLE) after the slot's snapshot was taken, and PostgreSQL shows such a table empty to that snapshot: the snapshot is not taken from it") { RetakeSnapshot = true };
        }

        var blocks = long.Parse(shape.First, CultureInfo.InvariantCulture);
        var ranges = PlanRanges(blocks, lead.Session.ServerVersionNumber, options, out var workers);

        sink.Begin(new TableRelation(table.Oid, table.Schema, table.Name ?? table.Qualified, ReplicaIdentity.Default, columns), lsn, ranges.Count);

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
                await using var part = sink.OpenPart(index);
                var observer = new CopyToSinkObserver(part, counter);
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
        var length = await sink.CompleteAsync(ct).ConfigureAwait(false);
        progress.SnapshotRows = counter.Total;
        return new SnapshotCopyResult(counter.Total, length, workers, ranges.Count)
        {
            CopyTime = copied,
            JoinTime = sink is FileSnapshotSink file ? file.JoinTime : TimeSpan.Zero,
            SyncTime = sink is FileSnapshotSink synced ? synced.SyncTime : clock.Elapsed - copied,
            JsonFormat = format,
        };
    }

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
    /// <summary>
    /// The table's size in blocks, or null when its storage was replaced since the snapshot was
    /// taken. TRUNCATE and table rewrites are not MVCC-safe: a transaction on an older snapshot reads
    /// the new, empty storage, so a TRUNCATE that committed between the slot's creation and the
    /// first read of the table (whose lock then keeps it away) would make the copy silently empty
    /// while its rows are never streamed either. pg_class read under the snapshot still names the
    /// old file node; pg_relation_filenode, from the catalog cache, names the current one.
    /// </summary>
    private static string SizeUnlessRewrittenSql(uint oid)
    {
        var rel = oid.ToString(CultureInfo.InvariantCulture) + "::oid::regclass";
        // A partitioned table has no storage of its own (file node 0, pg_relation_filenode null): not checked here.
        return $"; SELECT CASE WHEN (SELECT NULLIF(relfilenode, 0) FROM pg_catalog.pg_class WHERE oid = {rel}) <> pg_catalog.pg_relation_filenode({rel}) THEN NULL"
            + $" ELSE pg_catalog.pg_relation_size({rel}) / current_setting('block_size')::int8 END";
    }

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

    /// <summary>Hands COPY TO STDOUT data to a snapshot part as it arrives and counts its rows.</summary>
    private sealed class CopyToSinkObserver(ISnapshotPartWriter part, RowCounter counter) : BaseObserver
    {
        private long _reported;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void OnCopyOutData(ReadOnlySpan<byte> data)
        {
            part.Write(data);
            var rows = part.Rows;
            if (rows - _reported >= 4096)
            {
                counter.Add(rows - _reported);
                _reported = rows;
            }
        }

        public async Task FinishAsync()
        {
            ThrowIfFailed("COPY");
            await part.CompleteAsync().ConfigureAwait(false);
            counter.Add(part.Rows - _reported);
            _reported = part.Rows;
        }
    }
}
