using System.Buffers;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>Counters shared with whoever reports progress; updated by the actors, read from any thread.</summary>
public sealed class LreplProgress
{
    private long _snapshotRows;
    private long _changes;
    private long _durableLsn;
    private long _restarts;

    public long SnapshotRows { get => Interlocked.Read(ref _snapshotRows); set => Interlocked.Exchange(ref _snapshotRows, value); }
    public long Changes => Interlocked.Read(ref _changes);
    public Lsn DurableLsn => new((ulong)Interlocked.Read(ref _durableLsn));
    public long Restarts => Interlocked.Read(ref _restarts);
    public volatile string? LastError;
    public volatile bool Streaming;

    public void AddChanges(int count) => Interlocked.Add(ref _changes, count);
    public void SetDurable(Lsn lsn) => Interlocked.Exchange(ref _durableLsn, (long)lsn.Value);
    public void Restarted() => Interlocked.Increment(ref _restarts);
}

/// <summary>What the stream actor needs to know about the table it follows.</summary>
public sealed record StreamTarget(string Schema, string Table, string Slot, string Publication);

/// <summary>
/// Owns a replication connection: starts pgoutput streaming from the durable position, decodes
/// each FrameBatch into JSON lines of the target table, and hands committed transactions to the
/// file sink as one message per batch. Answers keepalives and reports the durable LSN as flushed.
/// </summary>
public sealed class ReplicationStreamActor : ReceiveActor, IWithTimers
{
    private const int MaxInFlight = 4;
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(10);

    private readonly ConnectionSettings _settings;
    private readonly StreamTarget _target;
    private readonly IActorRef _sink;
    private readonly IActorRef _ack;
    private readonly LreplProgress _progress;
    private readonly JsonLineEncoder _encoder = new();
    private readonly Dictionary<uint, ColumnInfo[]?> _relations = [];

    private IActorRef? _connection;
    private PgOutputDecoder? _decoder;
    private Lsn _skipUpTo;
    private Lsn _flushed;
    private int _inFlight;
    private int _deferredAcks;

    private bool _txnSkip;
    private Lsn _txnLsn;
    private uint _txnXid;
    private DateTimeOffset _txnTime;
    private int _txnChanges;
    private int _committedEnd;
    private int _committedChanges;
    private Lsn _committedLsn;
    private Lsn _committedEndLsn;

    public ReplicationStreamActor(ConnectionSettings settings, StreamTarget target, IActorRef sink, IActorRef ack, LreplProgress progress)
    {
        _settings = settings;
        _target = target;
        _sink = sink;
        _ack = ack;
        _progress = progress;

        Receive<StartFrom>(OnStartFrom);
        Receive<Status.Failure>(f => throw new InvalidOperationException("could not read the durable position", f.Cause));
        Receive<Connected>(OnConnected);
        Receive<ConnectionFailed>(f => Fail(f.Error.Message));
        Receive<ConnectionClosed>(c => Fail(c.Error?.Message ?? "replication connection closed"));
        Receive<QueryFailed>(f => Fail($"START_REPLICATION failed: {f.Error.Message}"));
        Receive<CopyStarted>(_ =>
        {
            _progress.Streaming = true;
            SendStatus(false);
        });
        Receive<FrameBatch>(OnFrameBatch);
        Receive<Persisted>(OnPersisted);
        Receive<BatchSkipped>(_ => Released());
        Receive<SendStatusTick>(_ => SendStatus(false));
        Receive<QueryDone>(_ => Fail("replication stream ended"));
        ReceiveAny(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConnectionSettings settings, StreamTarget target, IActorRef sink, IActorRef ack, LreplProgress progress) =>
        Akka.Actor.Props.Create(() => new ReplicationStreamActor(settings, target, sink, ack, progress));

    private sealed record StartFrom(Lsn SkipUpTo, Lsn Flushed);

    private sealed class SendStatusTick
    {
        public static readonly SendStatusTick Instance = new();
    }

    protected override void PreStart()
    {
        var sinkTask = _sink.Ask<SinkPosition>(GetSinkPosition.Instance, TimeSpan.FromSeconds(30));
        var ackTask = _ack.Ask<LreplState>(GetLreplState.Instance, TimeSpan.FromSeconds(30));
        Task.WhenAll(sinkTask, ackTask)
            .ContinueWith(_ => (object)new StartFrom(sinkTask.Result.CommitLsn, new Lsn(ackTask.Result.EndLsn)), TaskContinuationOptions.OnlyOnRanToCompletion)
            .PipeTo(Self, failure: ex => new Status.Failure(ex));
    }

    private void OnStartFrom(StartFrom start)
    {
        _skipUpTo = start.SkipUpTo;
        _flushed = start.Flushed;
        _progress.SetDurable(_flushed);
        _connection = Context.ActorOf(ConnectionActor.Props(_settings, null, Self), "replication");
    }

    private void OnConnected(Connected connected)
    {
        var options = new PgOutputOptions(ReplicationCommands.ChooseProtocolVersion(connected.Session.ServerVersionNumber), [_target.Publication]);
        _decoder = new PgOutputDecoder(options.ProtocolVersion);
        var start = _flushed.IsValid ? _flushed : _skipUpTo;
        _connection!.Tell(new Query(ReplicationCommands.StartLogicalReplication(_target.Slot, start, options)));
        Timers.StartPeriodicTimer("status", SendStatusTick.Instance, StatusInterval);
    }

    private void Fail(string message)
    {
        _progress.LastError = message;
        _progress.Streaming = false;
        _progress.Restarted();
        throw new LreplException(message);
    }

    private void OnFrameBatch(FrameBatch batch)
    {
        try
        {
            if (batch.Code == BackendMessageCode.CopyData)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    OnCopyData(batch[i]);
                }
            }
        }
        finally
        {
            FlushCommitted();
            if (_inFlight > MaxInFlight)
            {
                _deferredAcks++;
            }
            else
            {
                Sender.Tell(BatchAck.Instance);
            }
        }
    }

    private void OnCopyData(ReadOnlySpan<byte> payload)
    {
        switch (ReplicationCopyData.GetServerMessageType(payload))
        {
            case ReplicationMessageType.PrimaryKeepalive:
                var keepalive = PrimaryKeepalive.Parse(payload);
                if (keepalive.ReplyRequested)
                {
                    SendStatus(false);
                }

                break;
            case ReplicationMessageType.XLogData:
                var xlog = XLogData.Parse(payload);
                OnPgOutput(_decoder!.Decode(xlog.Data));
                break;
        }
    }

    private void OnPgOutput(in PgOutputMessage message)
    {
        switch (message.Type)
        {
            case PgOutputMessageType.Begin:
                var begin = (BeginMessage)message.Record!;
                _txnLsn = begin.FinalLsn;
                _txnXid = begin.Xid;
                _txnTime = begin.CommitTimestamp;
                _txnSkip = begin.FinalLsn <= _skipUpTo;
                _txnChanges = 0;
                break;
            case PgOutputMessageType.Relation:
                var relation = (RelationMessage)message.Record!;
                _relations[relation.RelationId] = relation.Namespace == _target.Schema && relation.Name == _target.Table
                    ? [.. relation.Columns.Select(c => new ColumnInfo(c.Name, c.TypeId, c.IsKey))]
                    : null;
                break;
            case PgOutputMessageType.Insert:
            case PgOutputMessageType.Update:
            case PgOutputMessageType.Delete:
                if (!_txnSkip && _relations.TryGetValue(message.RelationId, out var columns) && columns is not null)
                {
                    _encoder.WriteChange(columns, message, _txnLsn, _txnXid, _txnTime);
                    _txnChanges++;
                }

                break;
            case PgOutputMessageType.Truncate:
                var truncate = (TruncateMessage)message.Record!;
                if (!_txnSkip && truncate.RelationIds.Any(id => _relations.TryGetValue(id, out var c) && c is not null))
                {
                    _encoder.WriteTruncate(_txnLsn, _txnXid, _txnTime);
                    _txnChanges++;
                }

                break;
            case PgOutputMessageType.Commit:
                var commit = (CommitMessage)message.Record!;
                if (!_txnSkip && _txnChanges > 0)
                {
                    _committedEnd = _encoder.Length;
                    _committedChanges += _txnChanges;
                    _committedLsn = commit.CommitLsn;
                    _committedEndLsn = commit.EndLsn;
                    _skipUpTo = commit.CommitLsn;
                }

                break;
        }
    }

    private void FlushCommitted()
    {
        if (_committedEnd == 0)
        {
            return;
        }

        var data = ArrayPool<byte>.Shared.Rent(_committedEnd);
        _encoder.WrittenSpan[.._committedEnd].CopyTo(data);
        _sink.Tell(new WriteBatch(data, _committedEnd, _committedLsn, _committedEndLsn, _committedChanges, Self));
        _encoder.RemovePrefix(_committedEnd);
        _committedEnd = 0;
        _committedChanges = 0;
        _inFlight++;
    }

    private void OnPersisted(Persisted persisted)
    {
        _flushed = new Lsn(persisted.State.EndLsn);
        _progress.SetDurable(new Lsn(persisted.State.CommitLsn));
        _progress.AddChanges(persisted.Changes);
        Released();
    }

    private void Released()
    {
        if (_inFlight > 0)
        {
            _inFlight--;
        }

        while (_deferredAcks > 0 && _inFlight <= MaxInFlight)
        {
            _deferredAcks--;
            _connection?.Tell(BatchAck.Instance);
        }
    }

    private void SendStatus(bool replyRequested)
    {
        if (_connection is null || !_progress.Streaming)
        {
            return;
        }

        var buffer = new byte[StandbyStatusUpdate.Length];
        StandbyStatusUpdate.Write(buffer, _flushed, _flushed, _flushed, PgEpoch.Now(), replyRequested);
        _connection.Tell(new SendCopyData(buffer));
    }
}

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
}
