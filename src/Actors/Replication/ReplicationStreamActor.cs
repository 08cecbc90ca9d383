using System.Buffers;
using Akka.Actor;
using Akka.Event;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>Counters shared with whoever reports progress; updated by the actors, read from any thread.</summary>
public sealed class LreplProgress
{
    private long _snapshotRows;
    private long _changes;
    private long _durableLsn;
    private long _flushedLsn;
    private long _restarts;

    public long SnapshotRows { get => Interlocked.Read(ref _snapshotRows); set => Interlocked.Exchange(ref _snapshotRows, value); }
    public long Changes => Interlocked.Read(ref _changes);
    public Lsn DurableLsn => new((ulong)Interlocked.Read(ref _durableLsn));

    /// <summary>
    /// The recorded flush position: the durable commit's end, or the position the stream had
    /// caught up to while nothing was pending (never behind <see cref="DurableLsn"/> in meaning).
    /// </summary>
    public Lsn FlushedLsn => new((ulong)Math.Max(Interlocked.Read(ref _flushedLsn), Interlocked.Read(ref _durableLsn)));
    public long Restarts => Interlocked.Read(ref _restarts);
    public volatile string? LastError;

    private readonly TaskCompletionSource<string> _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamingStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _streaming;

    /// <summary>An error that retrying cannot cure; the run stops with it (see <see cref="Fatal"/>).</summary>
    public string? FatalError => _fatal.Task.IsCompleted ? _fatal.Task.Result : null;

    /// <summary>Completes with the first error that retrying cannot cure: whoever runs the pipeline stops it then.</summary>
    public Task<string> Fatal => _fatal.Task;

    /// <summary>Records an error that retrying cannot cure; the first one wins.</summary>
    public void SetFatal(string reason) => _fatal.TrySetResult(reason);

    private long _outageStartTicks;
    private long _outageRetries;

    /// <summary>Whether the stream is connected and streaming now.</summary>
    public bool Streaming
    {
        get => _streaming;
        set
        {
            _streaming = value;
            if (value)
            {
                Interlocked.Exchange(ref _outageStartTicks, 0);
                Interlocked.Exchange(ref _outageRetries, 0);
                _streamingStarted.TrySetResult();
            }
        }
    }

    /// <summary>
    /// While the stream is down after having streamed: since when (UTC) and how many restarts it
    /// took so far; null while streaming.
    /// </summary>
    public (DateTime Since, long Retries)? Outage
    {
        get
        {
            var since = Interlocked.Read(ref _outageStartTicks);
            return since == 0 || _streaming ? null : (new DateTime(since, DateTimeKind.Utc), Interlocked.Read(ref _outageRetries));
        }
    }

    /// <summary>Completes the first time streaming starts.</summary>
    public Task StreamingStarted => _streamingStarted.Task;

    private volatile TaskCompletionSource<string> _newTable = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the name of a published table the stream met and does not follow (see <see cref="StreamTarget.OnUnknownTable"/>).</summary>
    public Task<string> NewTable => _newTable.Task;

    public void NewTableSeen(string table) => _newTable.TrySetResult(table);

    /// <summary>Before the pipeline starts again with the new table: the next one is waited for afresh.</summary>
    internal void ResetNewTable()
    {
        if (_newTable.Task.IsCompleted)
        {
            _newTable = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private readonly TaskCompletionSource _stateStoreFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _stateStoreDownTicks;

    /// <summary>Completes the first time the state store fails (a position not recorded, a recovery failed).</summary>
    public Task StateStoreFailed => _stateStoreFailed.Task;

    /// <summary>Since when (UTC) the state store has been failing; null while it answers.</summary>
    public DateTime? StateStoreDownSince => Interlocked.Read(ref _stateStoreDownTicks) is var t and > 0 ? new DateTime(t, DateTimeKind.Utc) : null;

    /// <summary>The state store failed: the stream stops acknowledging and retries until it records positions again.</summary>
    public void StateStoreDown(string error)
    {
        LastError = error;
        Interlocked.CompareExchange(ref _stateStoreDownTicks, DateTime.UtcNow.Ticks, 0);
        _stateStoreFailed.TrySetResult();
    }

    /// <summary>The state store recorded a position or recovered.</summary>
    public void StateStoreUp() => Interlocked.Exchange(ref _stateStoreDownTicks, 0);

    private long _serverWalEnd;
    private long _lastSampleTick;
    private readonly Queue<(long Tick, ulong Lsn)> _samples = new();

    /// <summary>The newest WAL position the server reported (XLogData or keepalive).</summary>
    public Lsn ServerWalEnd => new((ulong)Interlocked.Read(ref _serverWalEnd));

    /// <summary>WAL bytes the server has that are not durable here yet.</summary>
    public long LagBytes
    {
        get
        {
            var server = ServerWalEnd.Value;
            var durable = FlushedLsn.Value;
            return server > durable ? (long)(server - durable) : 0;
        }
    }

    /// <summary>
    /// How long ago the server first reported WAL beyond the durable position (zero when caught up):
    /// the age of the oldest change not yet durable here, at the sampling resolution of 100 ms.
    /// </summary>
    public TimeSpan Lag
    {
        get
        {
            var durable = FlushedLsn.Value;
            if (ServerWalEnd.Value <= durable)
            {
                return TimeSpan.Zero;
            }

            lock (_samples)
            {
                while (_samples.Count > 0 && _samples.Peek().Lsn <= durable)
                {
                    _samples.Dequeue();
                }

                return _samples.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - _samples.Peek().Tick);
            }
        }
    }

    /// <summary>Records a position the server reported; cheap enough to call for every message.</summary>
    public void ServerPosition(Lsn lsn)
    {
        if ((long)lsn.Value > Interlocked.Read(ref _serverWalEnd))
        {
            Interlocked.Exchange(ref _serverWalEnd, (long)lsn.Value);
        }

        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastSampleTick) < 100)
        {
            return;
        }

        Interlocked.Exchange(ref _lastSampleTick, now);
        lock (_samples)
        {
            _samples.Enqueue((now, lsn.Value));
            while (_samples.Count > 36_000)
            {
                _samples.Dequeue();
            }
        }
    }

    public void AddChanges(int count) => Interlocked.Add(ref _changes, count);
    public void SetDurable(Lsn lsn) => Interlocked.Exchange(ref _durableLsn, (long)lsn.Value);

    /// <summary>Records the flush position recorded and reported to the server (see <see cref="FlushedLsn"/>).</summary>
    public void SetFlushed(Lsn lsn) => Interlocked.Exchange(ref _flushedLsn, (long)lsn.Value);
    public void Restarted()
    {
        Interlocked.Increment(ref _restarts);
        Interlocked.CompareExchange(ref _outageStartTicks, DateTime.UtcNow.Ticks, 0);
        Interlocked.Increment(ref _outageRetries);
    }
}

/// <summary>One table a stream follows, and how its values are typed.</summary>
/// <param name="JsonFormat">The <see cref="JsonLineFormat"/> version of the table's data file.</param>
/// <param name="Types">The database's enums, domains and arrays for typing a text stream's JSON values; null knows the built-in types only.</param>
public sealed record StreamTable(string Schema, string Table, int JsonFormat = JsonLineFormat.Current, IPgTypeCatalog? Types = null);

/// <summary>
/// What the stream actor and its decoder need to know about the tables they follow: one table
/// (<see cref="Schema"/>, <see cref="Table"/>), or several from one slot (<see cref="Tables"/>).
/// </summary>
public sealed record StreamTarget(string Schema, string Table, string Slot, string Publication)
{
    /// <summary>
    /// Several tables of one slot, each its own route (index into this list) to its own sink; null
    /// follows <see cref="Schema"/>.<see cref="Table"/> alone.
    /// </summary>
    public IReadOnlyList<StreamTable>? Tables { get; init; }

    /// <summary>
    /// Called (on the decoder's thread) with <c>schema.name</c> when the stream carries a table it
    /// does not follow: with every table of the publication followed, one added to it since that
    /// cannot join the running stream (see <see cref="Additions"/>).
    /// </summary>
    public Action<string>? OnUnknownTable { get; init; }

    /// <summary>
    /// Tables added to the stream while it runs (routes after <see cref="Routes"/>): a table the
    /// stream carries and does not follow is added here instead of <see cref="OnUnknownTable"/>
    /// being called, unless its values need the database's type catalog. Null adds none.
    /// </summary>
    public TableAdditions? Additions { get; init; }

    /// <summary>The tables followed, in route order.</summary>
    public IReadOnlyList<StreamTable> Routes => Tables ?? [new StreamTable(Schema, Table, JsonFormat, Types)];

    /// <summary>pgoutput proto_version to request; null picks the highest the server speaks. Streaming of large transactions is on from version 2.</summary>
    public int? ProtocolVersion { get; init; }

    /// <summary>Where transactions larger than <see cref="SpillThreshold"/> are spilled; null keeps them in memory.</summary>
    public string? SpillDirectory { get; init; }

    /// <summary>Bytes of one transaction's changes held in memory before it spills to a file.</summary>
    public int SpillThreshold { get; init; } = 16 << 20;

    /// <summary>
    /// Whether the sinks of <see cref="Routes"/> take a streamed transaction's changes as they
    /// arrive, before its commit (<see cref="StreamedPart"/>): the stream then hands them on in
    /// parts of about <see cref="BatchBytes"/> instead of keeping the whole transaction until its
    /// commit. Tables added while the stream runs always get whole transactions.
    /// </summary>
    public bool StreamedParts { get; init; }

    /// <summary>
    /// Bytes of parts (<see cref="StreamedParts"/>) that may wait for a sink while the stream goes
    /// on reading (held in memory); beyond them, or while a whole transaction waits, reading stops
    /// until the sink catches up.
    /// </summary>
    public long PartsReadAhead { get; init; } = 64L << 20;

    /// <summary>
    /// Nothing received (no data, no keepalive) for this long drops the connection, and the stream
    /// restarts; after half of it the server is asked for a reply. Zero never.
    /// </summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Bytes of an added table's transactions kept back while it is copied (see <see cref="Additions"/>);
    /// beyond them the table is given up, and the run starts again to copy it.
    /// </summary>
    public long AdditionHoldBytes { get; init; } = 256L << 20;

    /// <summary>Buffered change bytes per <see cref="TransactionBatch"/> (a single larger transaction is one batch of its own).</summary>
    public int BatchBytes { get; init; } = 4 << 20;

    /// <summary>Binary transfer of column values (pgoutput <c>binary</c>) when set and not switched off; null streams text.</summary>
    public BinaryStreaming? Binary { get; init; }

    /// <summary>The <see cref="JsonLineFormat"/> version of the lines written: the one the data file was started with.</summary>
    public int JsonFormat { get; init; } = JsonLineFormat.Current;

    /// <summary>
    /// The database's enums, domains and arrays for typing JSON values (version 2) when the stream is
    /// text; a binary stream uses <see cref="BinaryStreaming.Catalog"/>. Null knows the built-in types only.
    /// </summary>
    public IPgTypeCatalog? Types { get; init; }
}

/// <summary>
/// Binary transfer for a stream whose column types all have a binary form decoded here
/// (<see cref="BinaryTextFormatter"/>). Shared by the stream's restarts: once a relation shows a type
/// that cannot be decoded, or the server cannot send one, the stream goes back to text for good.
/// </summary>
public sealed class BinaryStreaming(IPgTypeCatalog catalog)
{
    private volatile string? _textReason;

    public IPgTypeCatalog Catalog { get; } = catalog;

    /// <summary>Why the stream went back to text; null while binary is on.</summary>
    public string? TextReason => _textReason;

    public bool Enabled => _textReason is null;

    public void SwitchToText(string reason) => _textReason ??= reason;
}

/// <summary>
/// Follows one table over a replication connection. Its children are the connection and a
/// <see cref="PgOutputDecoderActor"/>; a failure of either fails this actor, and the back-off
/// supervisor above restarts the three together from the durable position, dropping whatever was
/// buffered.
/// <para>
/// This actor starts pgoutput streaming (protocol version, <c>binary</c> unless switched to text) from
/// the durable position and passes each <see cref="FrameBatch"/> of CopyData to the decoder, one
/// message per batch. The decoder answers <see cref="FrameBatchDecoded"/> with the transactions
/// committed in the batch, the WAL position reached and whether anything is still open; only then is
/// the batch acknowledged to the connection, and not while committed transactions wait for the sink,
/// so that reading stops while the sink is behind (parts of streamed transactions may wait up to
/// <see cref="StreamTarget.PartsReadAhead"/> bytes while reading goes on). Committed transactions go to the sink as typed
/// <see cref="TransactionBatch"/>es of bounded size, at most a few in flight; the sink encodes and
/// writes them and has the position persisted at the end of each batch. Answers keepalives and
/// reports the durable LSN as flushed, or the latest WAL position received while nothing is being
/// decoded, open, buffered or on its way to the sink.
/// </para>
/// <para>
/// A table added to the stream while it runs (<see cref="StreamTarget.Additions"/>) is a route that
/// has not joined until its copy is recorded: its committed transactions are kept back, neither
/// sent nor recorded, and the flush position reported stays at the one reported when the table was
/// first routed. When it joins (<see cref="AdditionJoined"/>), what its copy holds is dropped and
/// the rest goes to its sink; a restarted stream finds it in the additions as it was.
/// </para>
/// </summary>
public sealed class ReplicationStreamActor : UntypedActor, IWithTimers
{
    private const int MaxInFlight = 4;
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How long a stream read waits for its low-water mark before taking what has come: a change is
    /// seen at most this much later, and a fast stream arrives in fewer, larger reads (each a
    /// wake-up and a hand-off through the actors). 10 ms took 8% (native build) to 25% (JIT build)
    /// off lrepl's CPU on a million-row stream against 2 ms (bench/README.md, "The stream's read delay").
    /// </summary>
    private static readonly TimeSpan StreamReadCoalesceDelay = TimeSpan.FromMilliseconds(10);
    private const int StreamReceiveBufferSize = 512 * 1024;

    private readonly ConnectionSettings _settings;
    private readonly ConnectionOptions _connectionOptions;
    private readonly StreamTarget _target;
    private readonly List<Route> _routes;
    private readonly LreplProgress _progress;

    private IActorRef? _connection;
    private IActorRef? _decoder;
    private bool _binary;
    private Lsn _skipUpTo;
    private Lsn _received;
    private Lsn _decodedEnd;
    private Lsn _reported;
    private long _lastReceiveTick;
    private bool _pinged;
    private long _lastStatusTick;
    private int _deferredAcks;

    // Batches handed to the decoder and not answered yet, and whether it holds unfinished transactions.
    private int _decoding;
    private bool _decoderOpen;

    /// <summary>One table's way out: its sink and position store, and what is on its way there.</summary>
    private sealed class Route(int index, StreamSinkRoute way)
    {
        public int Index { get; } = index;
        public IActorRef Sink { get; set; } = way.Sink;
        public IActorRef Ack { get; set; } = way.Ack;
        public LreplProgress? Progress { get; set; } = way.Progress;

        /// <summary>A table added while the stream runs; null for the tables it started with.</summary>
        public TableAddition? Addition { get; init; }

        /// <summary>
        /// False for an added table until its copy is recorded: its transactions are kept back (never
        /// sent, never recorded), and its <see cref="Flushed"/> is the hold.
        /// </summary>
        public bool Joined { get; set; } = true;

        /// <summary>Bytes of the transactions kept back while the table is not joined.</summary>
        public long HeldBytes { get; set; }

        /// <summary>Answers of the sink and the store come through this child, tagged with the route.</summary>
        public IActorRef Relay { get; set; } = ActorRefs.Nobody;
        public Queue<CommittedTransaction> Pending { get; } = new();
        public int InFlight { get; set; }

        // The last commit the sink accepted without making it durable yet (BatchAccepted), and the
        // last commit recorded as durable: while the first is ahead, the route is not idle.
        public Lsn Accepted { get; set; }
        public Lsn DurableCommit { get; set; }

        /// <summary>The flush position recorded for this table: every change of it up to here is durable.</summary>
        public Lsn Flushed { get; set; }
        public bool RecordingPosition { get; set; }
        public long LastPositionRecordTick { get; set; }

        /// <summary>
        /// Nothing of this table is buffered, on its way to the sink, or accepted and not yet durable;
        /// an added table that has not joined holds nothing back from the rest of the stream.
        /// </summary>
        public bool Idle => !Joined || (Pending.Count == 0 && InFlight == 0 && Accepted <= DurableCommit);
    }

    /// <summary>An answer for one route, as its relay passes it on.</summary>
    private sealed record RouteMessage(int Route, object Message);

    /// <summary>Passes every message to the stream, tagged with its route.</summary>
    private sealed class RouteRelay(int route, IActorRef stream) : UntypedActor
    {
        protected override void OnReceive(object message) => stream.Tell(new RouteMessage(route, message), Sender);
    }

    public ReplicationStreamActor(ConnectionSettings settings, StreamTarget target, IActorRef sink, IActorRef ack, LreplProgress progress, ConnectionOptions? connectionOptions = null)
        : this(settings, target, [new StreamSinkRoute(sink, ack)], progress, connectionOptions)
    {
    }

    public ReplicationStreamActor(ConnectionSettings settings, StreamTarget target, IReadOnlyList<StreamSinkRoute> routes, LreplProgress progress, ConnectionOptions? connectionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(target);
        if (routes.Count != target.Routes.Count || routes.Count == 0 || (target.Additions is { } additions && additions.FirstRoute != routes.Count))
        {
            throw new ArgumentException($"{routes.Count} sink routes for {target.Routes.Count} tables", nameof(routes));
        }

        _settings = settings;
        // The stream's reads wait a little for more data, so that a trickle of changes arrives in
        // larger batches; and a fast stream is read in pieces of up to StreamReceiveBufferSize,
        // each a hand-off through the actors, unless the configuration asks for larger ones.
        var options = connectionOptions ?? ConnectionOptions.Default;
        _connectionOptions = options with
        {
            ReadCoalesceDelay = StreamReadCoalesceDelay,
            ReceiveBufferSize = Math.Max(options.ReceiveBufferSize, StreamReceiveBufferSize),
        };
        _target = target;
        _routes = [.. routes.Select((r, i) => new Route(i, r))];
        _progress = progress;

        // Tables added before a restart: joined ones are routes like the others, the rest still held.
        foreach (var added in target.Additions?.All ?? [])
        {
            _routes.Add(new Route(added.Route, added.Way ?? Unjoined) { Addition = added, Joined = added.Way is not null });
        }
    }

    // Switches, not ReceiveActor's handlers: those are matched through expression trees, which a
    // native build interprets, with a reflection call per message.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case FrameBatch batch:
                OnFrameBatch(batch);
                break;
            case FrameBatchDecoded decoded:
                OnDecoded(decoded);
                break;
            case RouteMessage routed:
                OnRouteMessage(routed);
                break;
            case SendStatusTick:
                SendStatus(false);
                break;
            case ReceiveCheck:
                CheckReceiving();
                break;
            case StartFrom start:
                OnStartFrom(start);
                break;
            case Status.Failure f:
            {
                // E.g. the sink's storage is out of reach: counted as a retry of the outage like a failed connection.
                var reason = f.Cause is LreplException ? f.Cause.Message : "could not read the durable position: " + f.Cause.Message;
                Failed(reason);
                throw new InvalidOperationException(reason, f.Cause);
            }

            case Connected connected:
                OnConnected(connected);
                break;
            case ConnectionFailed f:
                Fail(f.Error.Message);
                break;
            case ConnectionClosed c:
                Fail(c.Error?.Message ?? "replication connection closed");
                break;
            case QueryFailed f:
                if (_binary && f.Error.Message.Contains("binary", StringComparison.OrdinalIgnoreCase))
                {
                    // E.g. a published table has a type without a send function.
                    _target.Binary?.SwitchToText(f.Error.Message);
                }

                Fail($"START_REPLICATION failed: {f.Error.Message}");
                break;
            case CopyStarted:
                _progress.Streaming = true;
                Received();
                if (_target.ReceiveTimeout > TimeSpan.Zero)
                {
                    var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, Math.Min(_target.ReceiveTimeout.Ticks / 4, TimeSpan.TicksPerSecond * 5)));
                    Timers.StartPeriodicTimer("receive", ReceiveCheck.Instance, every);
                }

                SendStatus(false);
                break;
            case QueryDone:
                Fail("replication stream ended");
                break;
            case StopReplicationStream:
                BeginStop();
                break;
            case AdditionJoined:
                JoinAdded();
                break;
        }
    }

    private static readonly StreamSinkRoute Unjoined = new(ActorRefs.Nobody, ActorRefs.Nobody);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConnectionSettings settings, StreamTarget target, IActorRef sink, IActorRef ack, LreplProgress progress, ConnectionOptions? connectionOptions = null) =>
        DelegateProps.Create(() => new ReplicationStreamActor(settings, target, sink, ack, progress, connectionOptions));

    /// <summary>A stream of several tables (<see cref="StreamTarget.Tables"/>), each to its own sink and position store, in route order.</summary>
    public static Props Props(ConnectionSettings settings, StreamTarget target, IReadOnlyList<StreamSinkRoute> routes, LreplProgress progress, ConnectionOptions? connectionOptions = null) =>
        DelegateProps.Create(() => new ReplicationStreamActor(settings, target, routes, progress, connectionOptions));

    /// <summary>Nothing is being decoded, open, buffered or on its way to a sink: everything received is durable or irrelevant.</summary>
    private bool Idle => _decoding == 0 && !_decoderOpen && _routes.All(r => r.Idle);

    private bool BackedUp => _routes.Any(r => r.Joined && r.Pending.Count > 0 && !ReadsAhead(r));

    /// <summary>
    /// Whether what waits for the route's sink is only parts of streamed transactions, less than
    /// <see cref="StreamTarget.PartsReadAhead"/> bytes: reading goes on meanwhile, so that the
    /// server decodes the next block of the transaction while the sink encodes this one.
    /// </summary>
    private bool ReadsAhead(Route route)
    {
        long bytes = 0;
        foreach (var waiting in route.Pending)
        {
            if (waiting.Part is not (StreamedPart.Changes or StreamedPart.Abort))
            {
                return false;
            }

            bytes += waiting.Buffer.Bytes;
        }

        return bytes < _target.PartsReadAhead;
    }

    /// <summary>The flush position recorded for every table: the lowest of the routes'.</summary>
    private Lsn Flushed => _routes.Min(r => r.Flushed);

    /// <summary>The recorded positions of the joined routes, in the order of <paramref name="Routes"/>.</summary>
    private sealed record StartFrom(int[] Routes, Lsn[] SkipUpTo, Lsn[] Flushed);

    private sealed class SendStatusTick
    {
        public static readonly SendStatusTick Instance = new();
    }

    private sealed class ReceiveCheck
    {
        public static readonly ReceiveCheck Instance = new();
    }

    private void Received()
    {
        _lastReceiveTick = Environment.TickCount64;
        _pinged = false;
    }

    /// <summary>
    /// As PostgreSQL's walreceiver: after half the receive timeout without a word the server is asked
    /// for a reply; after all of it the connection is taken for dead (a flow a NAT or firewall
    /// dropped never ends by itself) and the stream fails, to be restarted with a new connection.
    /// </summary>
    private void CheckReceiving()
    {
        var silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastReceiveTick);
        if (silent >= _target.ReceiveTimeout)
        {
            _connection?.Tell(Terminate.Instance);
            Fail($"nothing received from the server for {silent.TotalSeconds:0} s (no data, no keepalive): the connection is taken for dead and made again");
        }

        if (!_pinged && silent >= _target.ReceiveTimeout / 2)
        {
            _pinged = true;
            SendStatus(true);
        }
    }

    protected override void PreStart()
    {
        ClearSpillDirectory();
        foreach (var route in _routes)
        {
            MakeRelay(route);
        }

        var joined = _routes.Where(r => r.Joined).ToArray();
        var sinkTasks = joined.Select(r => r.Sink.Ask<SinkPosition>(GetSinkPosition.Instance, TimeSpan.FromSeconds(30))).ToArray();
        var ackTasks = joined.Select(r => AskDurableStateAsync(r.Ack)).ToArray();
        // The failure itself (not the cancellation of a continuation) goes to the handler, which reports it.
        Task.WhenAll(Task.WhenAll(sinkTasks), Task.WhenAll(ackTasks))
            .ContinueWith(
                t => t.IsCompletedSuccessfully
                    ? new StartFrom([.. joined.Select(r => r.Index)], [.. sinkTasks.Select(s => s.Result.CommitLsn)], [.. ackTasks.Select(a => new Lsn(a.Result.EndLsn))])
                    : (object)new Status.Failure(t.Exception?.GetBaseException() ?? new TaskCanceledException("asking for the durable position was canceled")),
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    /// <summary>
    /// The recorded state, asked for again every few seconds for up to 30 s: a journal whose recovery
    /// failed (a state store that froze) is stopped with the question still unanswered, and the
    /// journal started again after it answers the next one; while the journal is stopped between two
    /// tries it is asked again a second later. After 30 s the stream fails (and is started again with backoff).
    /// </summary>
    private static async Task<LreplState> AskDurableStateAsync(IActorRef ack)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            try
            {
                var reply = await ack.Ask<object>(GetLreplState.Instance, left < AskAgainAfter ? left : AskAgainAfter).ConfigureAwait(false);
                if (reply is StateStoreUnavailable && DateTime.UtcNow + TimeSpan.FromSeconds(1) < deadline)
                {
                    // The journal is between two tries: asked again once it may be back.
                    await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                    continue;
                }

                return reply switch
                {
                    LreplState state => state,
                    StateStoreUnavailable => throw new LreplException("could not read the durable position: the state store did not answer within 30 s"),
                    Status.Failure failure => throw new LreplException("could not read the durable position: " + failure.Cause.Message, failure.Cause),
                    _ => throw new LreplException("could not read the durable position: unexpected answer " + reply.GetType().Name),
                };
            }
            catch (AskTimeoutException) when (DateTime.UtcNow + TimeSpan.FromMilliseconds(100) < deadline)
            {
            }
            catch (AskTimeoutException)
            {
                throw new LreplException("could not read the durable position: the state store did not answer within 30 s");
            }
        }
    }

    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A failing child (decoder or connection) fails the whole stream: the backoff supervisor above
    /// restarts stream, decoder and connection together from the durable position, so no child
    /// outlives state the others lost.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
    {
        Failed(ex.Message);
        return Directive.Escalate;
    });

    protected override void PostStop()
    {
        // Batches already sent belong to the sinks, which dispose them.
        foreach (var route in _routes)
        {
            foreach (var committed in route.Pending)
            {
                committed.Buffer.Dispose();
            }
        }
    }

    private void ClearSpillDirectory()
    {
        if (_target.SpillDirectory is { } dir && Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.spill"))
            {
                File.Delete(file);
            }
        }
    }

    private void MakeRelay(Route route)
    {
        var self = Self;
        var index = route.Index;
        route.Relay = Context.ActorOf(DelegateProps.Create(() => new RouteRelay(index, self)), "route-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private void OnStartFrom(StartFrom start)
    {
        for (var i = 0; i < start.Routes.Length; i++)
        {
            var route = _routes[start.Routes[i]];
            var skip = start.SkipUpTo[i];
            route.DurableCommit = skip;
            route.Flushed = start.Flushed[i].IsValid ? start.Flushed[i] : skip;
            route.Progress?.SetFlushed(route.Flushed);
        }

        // An added table not joined yet goes on holding where it was first routed (or, made by a
        // stream that stopped before it routed the table, where this one starts).
        var from = _routes.Where(r => r.Joined).Min(r => r.Flushed);
        foreach (var route in _routes.Where(r => !r.Joined))
        {
            route.Flushed = route.DurableCommit = route.Addition!.HoldAt(from);
        }

        _skipUpTo = _routes.Min(r => r.DurableCommit);
        JoinAdded();
        _reported = Flushed;
        _progress.SetFlushed(_reported);
        _connection = Context.ActorOf(ConnectionActor.Props(_settings, _connectionOptions, Self), "replication");
    }

    private void OnConnected(Connected connected)
    {
        var version = _target.ProtocolVersion ?? ReplicationCommands.ChooseProtocolVersion(connected.Session.ServerVersionNumber);
        _binary = _target.Binary is { Enabled: true } && connected.Session.ServerVersionNumber >= 140000;
        var options = new PgOutputOptions(version, [_target.Publication])
        {
            Streaming = version >= 2 ? StreamingMode.On : StreamingMode.Off,
            Binary = _binary,
        };
        _decoder = Context.ActorOf(PgOutputDecoderActor.Props(_target, options.ProtocolVersion, _skipUpTo, _binary), "decoder");
        _connection!.Tell(new Query(ReplicationCommands.StartLogicalReplication(_target.Slot, Flushed, options)));
        Timers.StartPeriodicTimer("status", SendStatusTick.Instance, StatusInterval);
    }

    private void Fail(string message)
    {
        Failed(message);
        throw new LreplException(message);
    }

    private void Failed(string message)
    {
        _progress.LastError = message;
        _progress.Streaming = false;
        _progress.Restarted();
    }

    private void OnFrameBatch(FrameBatch batch)
    {
        Received();
        _decoding++;
        _decoder!.Tell(batch);
    }

    private void OnDecoded(FrameBatchDecoded decoded)
    {
        _decoding--;
        _decoderOpen = decoded.Open;
        RouteAdded();
        foreach (var committed in decoded.Committed)
        {
            var route = _routes[committed.Route];
            if (!route.Joined && route.Addition!.IsGivenUp)
            {
                // The run starts again and copies the table then; the flush position stays held.
                committed.Buffer.Dispose();
            }
            else
            {
                route.Pending.Enqueue(committed);
                if (!route.Joined)
                {
                    route.HeldBytes += committed.Buffer.Bytes;
                }
            }

            if (committed.EndLsn > _decodedEnd)
            {
                _decodedEnd = committed.EndLsn;
            }
        }

        foreach (var route in _routes)
        {
            if (!route.Joined && route.HeldBytes > _target.AdditionHoldBytes)
            {
                GiveUp(route);
            }
        }

        if (decoded.WalEnd.IsValid)
        {
            _progress.ServerPosition(decoded.WalEnd);
            foreach (var route in _routes)
            {
                if (route.Progress is { } p && p != _progress)
                {
                    p.ServerPosition(decoded.WalEnd);
                }
            }

            if (decoded.WalEnd > _received)
            {
                _received = decoded.WalEnd;
            }
        }

        foreach (var route in _routes)
        {
            Pump(route);
        }

        if (BackedUp)
        {
            _deferredAcks++;
        }
        else
        {
            _connection!.Tell(BatchAck.Instance);
        }

        if (decoded.ReplyRequested || (decoded.Keepalive && Idle && _received > _reported))
        {
            SendStatus(false);
        }
    }

    /// <summary>
    /// Routes the tables the decoder added since the last batch: each holds the flush position
    /// reported so far (the server keeps the WAL from there) until its copy joins it.
    /// </summary>
    private void RouteAdded()
    {
        if (_target.Additions is not { } additions)
        {
            return;
        }

        while (_routes.Count < additions.FirstRoute + additions.Count)
        {
            var added = additions[_routes.Count];
            var route = new Route(added.Route, Unjoined) { Addition = added, Joined = false };
            route.Flushed = route.DurableCommit = added.HoldAt(_reported);
            _routes.Add(route);
            MakeRelay(route);
            if (added.Hold < _skipUpTo)
            {
                _skipUpTo = added.Hold;
            }
        }

        JoinAdded();
    }

    /// <summary>
    /// An added table whose copy is recorded (<see cref="TableAddition.Join"/>) joins the stream: what
    /// was kept back and is in the copy is dropped, the rest goes to its sink, and its recorded
    /// position replaces the hold.
    /// </summary>
    private void JoinAdded()
    {
        foreach (var route in _routes)
        {
            if (route.Joined || route.Addition!.Way is not { } way)
            {
                continue;
            }

            route.Sink = way.Sink;
            route.Ack = way.Ack;
            route.Progress = way.Progress;
            route.Joined = true;
            route.HeldBytes = 0;
            route.DurableCommit = route.Addition.SkipUpTo;
            route.Flushed = route.Addition.Flushed;
            route.Progress?.SetFlushed(route.Flushed);
            if (_received.IsValid)
            {
                route.Progress?.ServerPosition(_received);
            }

            var kept = route.Pending.Count;
            while (route.Pending.TryPeek(out var first) && first.CommitLsn <= route.DurableCommit)
            {
                route.Pending.Dequeue().Buffer.Dispose();
            }

            Context.GetLogger().Info("{0}.{1} joined the stream at {2}: {3} of {4} transactions kept back are in its copy", route.Addition.Schema, route.Addition.Table, route.Addition.Flushed, kept - route.Pending.Count, kept);
            Pump(route);
        }

        _progress.SetFlushed(Flushed);
    }

    /// <summary>
    /// Too much of an added table was kept back while it is copied: it is dropped, the flush position
    /// stays held, and the run is told to start again (the table is then copied as one new to the slot).
    /// </summary>
    private void GiveUp(Route route)
    {
        if (!route.Addition!.GiveUp())
        {
            // Joined in the meantime.
            JoinAdded();
            return;
        }

        while (route.Pending.TryDequeue(out var held))
        {
            held.Buffer.Dispose();
        }

        route.HeldBytes = 0;
        _target.Additions!.GivenUp?.Invoke(route.Addition);
    }

    /// <summary>Hands a table's committed transactions to its sink in batches while fewer than the limit are in flight.</summary>
    private void Pump(Route route)
    {
        if (!route.Joined)
        {
            return;
        }

        while (route.InFlight < MaxInFlight && route.Pending.Count > 0)
        {
            var batch = new List<CommittedTransaction>();
            long bytes = 0;
            while (route.Pending.TryPeek(out var next) && (batch.Count == 0 || bytes + next.Buffer.Bytes <= _target.BatchBytes))
            {
                batch.Add(route.Pending.Dequeue());
                bytes += next.Buffer.Bytes;
            }

            route.Sink.Tell(new TransactionBatch(batch, route.Relay));
            route.InFlight++;
        }
    }

    private void OnPersisted(Route route, Persisted persisted)
    {
        route.Flushed = new Lsn(persisted.State.EndLsn);
        var durable = new Lsn(persisted.State.CommitLsn);
        if (durable > route.DurableCommit)
        {
            route.DurableCommit = durable;
        }

        if (route.Progress is { } p && p != _progress)
        {
            p.SetDurable(durable);
            p.SetFlushed(route.Flushed);
            p.AddChanges(persisted.Changes);
        }

        _progress.SetDurable(_routes.Min(r => r.DurableCommit));
        _progress.SetFlushed(Flushed);
        _progress.AddChanges(persisted.Changes);
        if (!persisted.Accepted)
        {
            BatchDone(route);
        }

        // The server hears of a new durable position within a second, not only at the next
        // status interval: it may then free WAL, and a waiting synchronous commit goes on.
        if (!_stopping && Flushed > _reported && Environment.TickCount64 - _lastStatusTick >= 1000)
        {
            SendStatus(false);
        }
    }

    /// <summary>An answer of a table's sink or state journal; while stopping, the stop finishes once nothing is in flight.</summary>
    private void OnRouteMessage(RouteMessage message)
    {
        var route = _routes[message.Route];
        switch (message.Message)
        {
            case Persisted persisted:
                OnPersisted(route, persisted);
                break;
            case BatchSkipped:
                BatchDone(route);
                break;
            case BatchAccepted accepted:
                OnAccepted(route, accepted);
                if (_stopping)
                {
                    route.Sink.Tell(FlushSink.Instance, route.Relay);
                }

                break;
            case PositionRecorded recorded:
                // While stopping, one begun before the stop is reported if it lands before the final status.
                OnPositionRecorded(route, recorded);
                break;
            case SinkWriteFailed failed when _stopping:
                // Nothing of it became durable; the stop reports the position before it.
                _progress.LastError = failed.Reason;
                route.InFlight--;
                break;
            case SinkWriteFailed failed:
                if (failed.Permanent)
                {
                    _progress.SetFatal(failed.Reason);
                }

                Fail(failed.Reason);
                break;
            case StateWriteFailed failed when !_stopping:
                // Nothing more is acknowledged: the stream starts again (with backoff) from what the store recorded.
                Fail(failed.Reason);
                break;
        }

        if (_stopping)
        {
            FinishStopWhenDrained();
        }
    }

    /// <summary>The sink applied a batch and will make it durable with its next commit: the next batch may go.</summary>
    private void OnAccepted(Route route, BatchAccepted accepted)
    {
        if (accepted.CommitLsn > route.Accepted)
        {
            route.Accepted = accepted.CommitLsn;
        }

        BatchDone(route);
    }

    private void BatchDone(Route route)
    {
        route.InFlight--;
        Pump(route);
        ReleaseAcks();
    }

    private void ReleaseAcks()
    {
        while (_deferredAcks > 0 && !BackedUp)
        {
            _deferredAcks--;
            _connection?.Tell(BatchAck.Instance);
        }
    }

    /// <summary>
    /// Reports the recorded flush position (the lowest of the tables') to the server. A table with
    /// nothing pending has the position the stream has caught up to recorded first (at most once
    /// a second, or when the server asks for a reply): everything received when the decoder is idle,
    /// else the end of the last transaction it handed on, since transactions come in commit order.
    /// It is reported once its state journal has it: the server is never told a position that a
    /// restart would not find recorded.
    /// </summary>
    private void SendStatus(bool replyRequested)
    {
        if (_connection is null || !_progress.Streaming)
        {
            return;
        }

        if (!_stopping)
        {
            var caughtUp = _decoding == 0 && !_decoderOpen ? _received : _decodedEnd;
            foreach (var route in _routes)
            {
                if (route.Joined && route.Idle && caughtUp > route.Flushed && !route.RecordingPosition &&
                    (replyRequested || Environment.TickCount64 - route.LastPositionRecordTick >= 1000))
                {
                    route.RecordingPosition = true;
                    route.LastPositionRecordTick = Environment.TickCount64;
                    route.Ack.Tell(new CaughtUp(caughtUp.Value), route.Relay);
                }
            }
        }

        var flush = Flushed;
        if (flush < _reported)
        {
            flush = _reported;
        }

        _reported = flush;
        _lastStatusTick = Environment.TickCount64;
        var buffer = new byte[StandbyStatusUpdate.Length];
        StandbyStatusUpdate.Write(buffer, flush, flush, flush, PgEpoch.Now(), replyRequested);
        _connection.Tell(new SendCopyData(buffer));
    }

    private void OnPositionRecorded(Route route, PositionRecorded recorded)
    {
        route.RecordingPosition = false;
        var position = new Lsn(recorded.EndLsn);
        if (position > route.Flushed)
        {
            var before = Flushed;
            route.Flushed = position;
            route.Progress?.SetFlushed(position);
            if (Flushed > before)
            {
                _progress.SetFlushed(Flushed);
                SendStatus(false);
            }
        }
    }

    // ---- graceful stop: batches in flight are let finish, the durable position is reported, then the connection is closed

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(3);
    private bool _closing;
    private bool _stopping;

    /// <summary>While stopping: batches still coming are dropped, routes finish, the connection's end ends the actor.</summary>
    private void Stopping(object message)
    {
        switch (message)
        {
            case FrameBatchDecoded d:
                foreach (var committed in d.Committed)
                {
                    committed.Buffer.Dispose();
                }

                break;
            case RouteMessage routed:
                OnRouteMessage(routed);
                break;
            case StopReplicationStream:
                Context.Stop(Self);
                break;
            case Terminated t when t.ActorRef.Equals(_connection):
                Context.Stop(Self);
                break;
        }
    }

    private void BeginStop()
    {
        // No new position is recorded from here: one recorded after the last status would be
        // ahead of what the server was told.
        _stopping = true;
        Timers.CancelAll();
        Timers.StartSingleTimer("stop", StopReplicationStream.Instance, StopTimeout);
        Become(Stopping);
        foreach (var route in _routes)
        {
            if (route.Accepted > route.DurableCommit)
            {
                // What the sink accepted is committed now rather than at its next interval.
                route.Sink.Tell(FlushSink.Instance, route.Relay);
            }
        }

        FinishStopWhenDrained();
    }

    private void FinishStopWhenDrained()
    {
        if (_routes.Any(r => r.InFlight > 0 || r.Accepted > r.DurableCommit) || _closing)
        {
            return;
        }

        _closing = true;
        if (_connection is null)
        {
            Context.Stop(Self);
            return;
        }

        SendStatus(false);
        Context.Watch(_connection);
        _connection.Tell(Terminate.Instance);
    }
}

/// <summary>Where one table of a stream goes: its sink, its position store, and the counters of its progress line (null: only the stream's).</summary>
public sealed record StreamSinkRoute(IActorRef Sink, IActorRef Ack, LreplProgress? Progress = null);

/// <summary>A replication failure with a message meant for the user.</summary>
public sealed class LreplException : Exception
{
    public LreplException(string message)
        : base(message)
    {
    }

    public LreplException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public LreplException()
    {
    }

    /// <summary>
    /// The snapshot failed in a way a new snapshot cures (the table was truncated or rewritten
    /// between the slot's creation and the copy): the run takes it again by itself.
    /// </summary>
    public bool RetakeSnapshot { get; init; }
}
