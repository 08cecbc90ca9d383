using Akka.Actor;
using Akka.Persistence;

namespace PgWire.Actors.Replication;

/// <summary>What is durable for one table: whether the snapshot finished, the last commit written and fsynced, and the file length after it.</summary>
public sealed class LreplState
{
    public bool SnapshotDone { get; set; }

    /// <summary>Commit LSN of the last transaction in the file; right after the snapshot, the LSN just before its consistent point (<see cref="LsnAckActor.SnapshotCommitLsn"/>).</summary>
    public ulong CommitLsn { get; set; }

    /// <summary>
    /// The flush position reported to the server: the end LSN of that commit, or a later position
    /// the stream reached while nothing was pending (recorded before it is reported, so a slot whose
    /// confirmed position is past it was moved by someone else).
    /// </summary>
    public ulong EndLsn { get; set; }

    public long FileOffset { get; set; }

    public long SnapshotRows { get; set; }

    /// <summary>
    /// The <see cref="JsonLineFormat"/> version the data file was started with, recorded with the
    /// snapshot; 0 for a file started before versions were recorded (version 1, see <see cref="JsonLineFormat.OfRecorded"/>).
    /// </summary>
    public int JsonFormat { get; set; }

    public LreplState Copy() => (LreplState)MemberwiseClone();
}

/// <summary>The one persisted event type: kind "snapshot", "durable", "position" (caught up, nothing pending) or "reset".</summary>
public sealed class LreplEvent
{
    public string Kind { get; set; } = "";
    public ulong CommitLsn { get; set; }
    public ulong EndLsn { get; set; }
    public long FileOffset { get; set; }
    public long Rows { get; set; }

    /// <summary>For "snapshot": the JSON line format version of the file; 0 in events from before versions were recorded.</summary>
    public int JsonFormat { get; set; }
}

public sealed class GetLreplState
{
    public static readonly GetLreplState Instance = new();
    private GetLreplState()
    {
    }
}

/// <summary>The snapshot is in the file up to <paramref name="FileOffset"/>, in JSON line format <paramref name="JsonFormat"/>; changes start at <paramref name="ConsistentPoint"/>.</summary>
public sealed record SnapshotCompleted(ulong ConsistentPoint, long FileOffset, long Rows, int JsonFormat = JsonLineFormat.Current);

/// <summary>Forget everything (the snapshot is being redone).</summary>
public sealed class ResetLreplState
{
    public static readonly ResetLreplState Instance = new();
    private ResetLreplState()
    {
    }
}

/// <summary>Transactions up to this commit are written and fsynced; the file ends at <paramref name="FileOffset"/> (a sink's opaque position).</summary>
/// <param name="Accepted">The commit of batches the sink answered with <see cref="BatchAccepted"/>, not the answer to one batch.</param>
public sealed record Durable(ulong CommitLsn, ulong EndLsn, long FileOffset, int Changes, bool Accepted = false);

/// <summary>
/// The stream has received and handled everything up to <paramref name="EndLsn"/> and nothing is
/// pending (an idle table while the server's WAL moves on): record it as the flush position before
/// it is reported. Answered with <see cref="PositionRecorded"/>.
/// </summary>
public sealed record CaughtUp(ulong EndLsn);

/// <summary>
/// The state store could not record what the receiver asked for (a <see cref="Durable"/> or
/// <see cref="CaughtUp"/>): nothing of it counts, and the journal actor stops, to be started again
/// with backoff.
/// </summary>
public sealed record StateWriteFailed(string Reason);

/// <summary>The answer of the journal's supervisor while the journal actor is stopped between retries.</summary>
public sealed class StateStoreUnavailable
{
    public static readonly StateStoreUnavailable Instance = new();
    private StateStoreUnavailable()
    {
    }
}

/// <summary>Reply to <see cref="CaughtUp"/>: the flush position now recorded.</summary>
public sealed record PositionRecorded(ulong EndLsn);

/// <summary>Deletes every event and snapshot of this state (lrepl --drop); answered with <see cref="LreplStateErased"/> or a <see cref="Status.Failure"/>.</summary>
public sealed class EraseLreplState
{
    public static readonly EraseLreplState Instance = new();
    private EraseLreplState()
    {
    }
}

public sealed class LreplStateErased
{
    public static readonly LreplStateErased Instance = new();
    private LreplStateErased()
    {
    }
}

/// <summary>Reply to <see cref="Durable"/>, <see cref="SnapshotCompleted"/> and <see cref="ResetLreplState"/> once persisted.</summary>
/// <param name="Accepted">Echoes <see cref="Durable.Accepted"/>.</param>
public sealed record Persisted(LreplState State, int Changes, bool Accepted = false);

/// <summary>Persists the durable position of one table's replication in the Akka.Persistence journal.</summary>
public sealed class LsnAckActor : UntypedPersistentActor
{
    private readonly int _snapshotEvery;
    private LreplState _state = new();
    private int _sinceSnapshot;

    private readonly LreplProgress? _progress;

    // Whoever asked for the write in progress: told when the store fails it.
    private IActorRef? _writer;

    public LsnAckActor(string persistenceId, int snapshotEvery, LreplProgress? progress = null)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;
        _progress = progress;
    }

    // Switches, not ReceivePersistentActor's handlers: those are matched through expression trees,
    // which a native build interprets, with a reflection call per message.
    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: LreplState s }:
                _state = s;
                break;
            case LreplEvent e:
                Apply(e);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case Durable d:
                OnDurable(d);
                break;
            case CaughtUp c:
                OnCaughtUp(c);
                break;
            case GetLreplState:
                Sender.Tell(_state.Copy());
                break;
            case SnapshotCompleted c:
                PersistAndAnswer(new LreplEvent { Kind = "snapshot", CommitLsn = SnapshotCommitLsn(c.ConsistentPoint), EndLsn = c.ConsistentPoint, FileOffset = c.FileOffset, Rows = c.Rows, JsonFormat = c.JsonFormat });
                break;
            case ResetLreplState:
                PersistAndAnswer(new LreplEvent { Kind = "reset" });
                break;

            case EraseLreplState:
                Erase(Sender);
                break;
            case SaveSnapshotSuccess s:
                DeleteMessages(s.Metadata.SequenceNr);
                break;
            case SaveSnapshotFailure or DeleteMessagesSuccess or DeleteMessagesFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Persists <paramref name="recorded"/>, applies it and answers the sender with the new state.</summary>
    private void PersistAndAnswer(LreplEvent recorded)
    {
        var sender = Sender;
        Persist(recorded, e =>
        {
            Apply(e);
            _progress?.StateStoreUp();
            sender.Tell(new Persisted(_state.Copy(), 0));
        });
    }

    private void OnDurable(Durable d)
    {
        var sender = Sender;
        _writer = sender;
        Persist(new LreplEvent { Kind = "durable", CommitLsn = d.CommitLsn, EndLsn = d.EndLsn, FileOffset = d.FileOffset }, e =>
        {
            Apply(e);
            _progress?.StateStoreUp();
            sender.Tell(new Persisted(_state.Copy(), d.Changes, d.Accepted));
            MaybeSnapshot();
        });
    }

    private void OnCaughtUp(CaughtUp c)
    {
        var sender = Sender;
        if (c.EndLsn <= _state.EndLsn)
        {
            sender.Tell(new PositionRecorded(_state.EndLsn));
            return;
        }

        _writer = sender;
        Persist(new LreplEvent { Kind = "position", EndLsn = c.EndLsn }, e =>
        {
            Apply(e);
            _progress?.StateStoreUp();
            sender.Tell(new PositionRecorded(_state.EndLsn));
            MaybeSnapshot();
        });
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// What a snapshot taken at <paramref name="consistentPoint"/> holds, as a commit position: the
    /// commits before it. The server streams every transaction whose commit record starts at or after
    /// the consistent point, and one may start exactly there (the record right after the one that made
    /// the slot consistent); that one is not in the snapshot. Commits at or below the recorded position
    /// are dropped as durable, so it is the point less one.
    /// </summary>
    public static ulong SnapshotCommitLsn(ulong consistentPoint) => consistentPoint > 0 ? consistentPoint - 1 : 0;

    protected override void OnReplaySuccess()
    {
        base.OnReplaySuccess();
        _progress?.StateStoreUp();
    }

    public static Props Props(string persistenceId, int snapshotEvery = 100, LreplProgress? progress = null) =>
        DelegateProps.Create(() => new LsnAckActor(persistenceId, snapshotEvery, progress));

    /// <summary>A position that could not be written stops this actor (Akka.Persistence); the reason goes to the progress for the user.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Report("the state journal could not record the position: " + cause.Message);
        ForgetPooledConnections(cause);
        _writer?.Tell(new StateWriteFailed("the state journal could not record the position: " + cause.Message));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Report("the state journal rejected the position: " + cause.Message);
        _writer?.Tell(new StateWriteFailed("the state journal rejected the position: " + cause.Message));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Report("the state journal could not be read: " + reason.Message);
        ForgetPooledConnections(reason);
        base.OnRecoveryFailure(reason, message);
    }

    private void Report(string error) => _progress?.StateStoreDown(error);

    /// <summary>
    /// After a failed read or write of a PostgreSQL state store: connections that a network failure
    /// left dead (a flow a firewall dropped answers nothing, and nothing closes it) would stay in
    /// Npgsql's pool and fail the next tries one after another, each only after its command timeout.
    /// The journal's pool is cleared, so the next try opens a new connection; idle connections close
    /// now and busy ones when they are returned.
    /// </summary>
    private void ForgetPooledConnections(Exception cause)
    {
        var npgsql = false;
        for (var e = cause; e is not null; e = e.InnerException)
        {
            npgsql |= e is Npgsql.NpgsqlException;
        }

        var config = Context.System.Settings.Config;
        var plugin = config.GetString("akka.persistence.journal.plugin", null);
        var connectionString = string.IsNullOrEmpty(plugin) ? null : config.GetString(plugin + ".connection-string", null);
        if (!npgsql || string.IsNullOrEmpty(connectionString))
        {
            return;
        }

        try
        {
            using var connection = new Npgsql.NpgsqlConnection(connectionString);
            Npgsql.NpgsqlConnection.ClearPool(connection);
        }
        catch (ArgumentException)
        {
            // Not a connection string Npgsql takes: then it made no pool either.
        }
    }

    private void Apply(LreplEvent e)
    {
        switch (e.Kind)
        {
            case "snapshot":
                _state = new LreplState { SnapshotDone = true, CommitLsn = e.CommitLsn, EndLsn = e.EndLsn, FileOffset = e.FileOffset, SnapshotRows = e.Rows, JsonFormat = e.JsonFormat };
                break;
            case "durable":
                _state.CommitLsn = e.CommitLsn;
                _state.EndLsn = e.EndLsn;
                _state.FileOffset = e.FileOffset;
                break;
            case "position":
                _state.EndLsn = Math.Max(_state.EndLsn, e.EndLsn);
                break;
            case "reset":
                _state = new LreplState();
                break;
        }
    }

    /// <summary>Deletes the journal's events and snapshots of this id, then answers <paramref name="replyTo"/>.</summary>
    private void Erase(IActorRef replyTo)
    {
        var pending = 2;
        Exception? failure = null;
        void Done(Exception? error)
        {
            failure ??= error;
            if (--pending > 0)
            {
                return;
            }

            _state = new LreplState();
            UnbecomeStacked();
            Stash.UnstashAll();
            replyTo.Tell(failure is null ? LreplStateErased.Instance : new Status.Failure(failure));
        }

        DeleteMessages(long.MaxValue);
        DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue));
        BecomeStacked(message =>
        {
            switch (message)
            {
                case DeleteMessagesSuccess or DeleteSnapshotsSuccess:
                    Done(null);
                    break;
                case DeleteMessagesFailure f:
                    Done(f.Cause);
                    break;
                case DeleteSnapshotsFailure f:
                    Done(f.Cause);
                    break;
                default:
                    Stash.Stash();
                    break;
            }
        });
    }

    private void MaybeSnapshot()
    {
        if (++_sinceSnapshot >= _snapshotEvery)
        {
            _sinceSnapshot = 0;
            SaveSnapshot(_state.Copy());
        }
    }
}
