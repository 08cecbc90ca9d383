using System.Globalization;
using Akka.Actor;
using PgWire.Iceberg;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication.Iceberg;

/// <summary>
/// The Iceberg sink of one table: applies committed transactions to the table and commits a
/// snapshot every commit interval, or sooner once a target size is pending, and when the stream
/// stops. Each snapshot records the commit and end LSN of its last transaction in its summary
/// (<see cref="CommitLsnProperty"/>, <see cref="EndLsnProperty"/>): that is the sink's durable
/// position, read back on start, so a crash between the commit and the state journal repeats no
/// transaction and loses none.
/// </summary>
/// <remarks>
/// Batches are answered with <see cref="BatchAccepted"/> as soon as they are applied in memory;
/// the stream goes on reading while the commit is pending, and the <see cref="Durable"/> of the
/// commit reaches it through the state journal. A commit that fails (storage or catalog
/// unreachable) drops what was pending and fails the stream, which starts again from the last
/// snapshot with backoff; nothing is reported to the server meanwhile.
/// </remarks>
internal sealed class IcebergSinkActor : ReceiveActor, IWithTimers
{
    public const string CommitLsnProperty = "pgwire.commit-lsn";
    public const string EndLsnProperty = "pgwire.end-lsn";

    private readonly IcebergChangeApplier _applier;
    private readonly IActorRef _ack;
    private readonly IcebergSinkOptions _options;
    private readonly LreplProgress? _progress;

    private Lsn _durableCommit;
    private long _snapshotId;
    private Lsn _lastCommit;
    private Lsn _lastEnd;
    private int _changes;
    private IActorRef? _replyTo;
    private bool _failed;

    private IcebergSinkActor(IcebergChangeApplier applier, Lsn durableCommit, IActorRef ack, IcebergSinkOptions options, LreplProgress? progress)
    {
        _applier = applier;
        _ack = ack;
        _options = options;
        _progress = progress;
        // A sink restarted after an unexpected failure finds the applier as it was left: it starts
        // over from the table's last snapshot.
        _failed = applier.Broken || applier.PendingChanges > 0;
        _durableCommit = CommitLsnOf(applier.Table.Metadata.CurrentSnapshot) is { } recorded && recorded > durableCommit ? recorded : durableCommit;
        _lastCommit = _durableCommit;
        _snapshotId = applier.Table.Metadata.CurrentSnapshotId ?? 0;

        ReceiveAsync<TransactionBatch>(OnBatchAsync);
        ReceiveAsync<CommitNow>(_ => CommitAsync());
        ReceiveAsync<FlushSink>(_ => CommitAsync());
        ReceiveAsync<GetSinkPosition>(async _ =>
        {
            var sender = Sender;
            try
            {
                // A restarted stream sends again what follows the answer: what is pending is committed first.
                await CommitAsync().ConfigureAwait(false);
                if (_failed)
                {
                    await RecoverAsync().ConfigureAwait(false);
                }

                sender.Tell(new SinkPosition(_durableCommit, _snapshotId));
            }
            catch (Exception ex)
            {
                // Storage or catalog still out of reach: the stream fails to start and tries again with backoff.
                _failed = true;
                var reason = "the Iceberg table cannot be read: " + OneLine(ex);
                if (_progress is not null)
                {
                    _progress.LastError = reason;
                }

                sender.Tell(new Status.Failure(new LreplException(reason, ex)));
            }
        });
    }

    private static string OneLine(Exception ex) => ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal)
        ? ex.Message + ": " + inner.Message
        : ex.Message;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IcebergChangeApplier applier, Lsn durableCommit, IActorRef ack, IcebergSinkOptions options, LreplProgress? progress = null) =>
        DelegateProps.Create(() => new IcebergSinkActor(applier, durableCommit, ack, options, progress));

    /// <summary>The Lsn recorded in a snapshot's summary, or null when it has none (a snapshot someone else made).</summary>
    public static Lsn? CommitLsnOf(Snapshot? snapshot) =>
        snapshot is not null && snapshot.Summary.TryGetValue(CommitLsnProperty, out var text) && Lsn.TryParse(text, out var lsn) ? lsn : null;

    private sealed class CommitNow
    {
        public static readonly CommitNow Instance = new();
    }

    private async Task OnBatchAsync(TransactionBatch batch)
    {
        if (_failed)
        {
            Dispose(batch.Transactions);
            batch.ReplyTo.Tell(new SinkWriteFailed("the Iceberg sink is recovering from a failed commit"));
            return;
        }

        _replyTo = batch.ReplyTo;
        var started = DateTime.UtcNow;
        var applied = false;
        try
        {
            foreach (var transaction in batch.Transactions)
            {
                if (transaction.CommitLsn <= _lastCommit)
                {
                    continue;
                }

                await ApplyAsync(transaction).ConfigureAwait(false);
                _lastCommit = transaction.CommitLsn;
                _lastEnd = transaction.EndLsn;
                applied = true;
            }
        }
        catch (LreplException ex)
        {
            // The changes do not fit the table: retrying cannot help.
            _failed = _applier.Broken = true;
            batch.ReplyTo.Tell(new SinkWriteFailed(ex.Message, Permanent: true));
            return;
        }
        catch (Exception ex)
        {
            // Storage or catalog out of reach (a file or S3 error): tried again from the last snapshot with backoff.
            _failed = _applier.Broken = true;
            batch.ReplyTo.Tell(new SinkWriteFailed("writing to the Iceberg table failed: " + OneLine(ex)));
            return;
        }
        finally
        {
            Dispose(batch.Transactions);
        }

        if (!applied)
        {
            batch.ReplyTo.Tell(new BatchSkipped(batch.LastCommit));
            return;
        }

        batch.ReplyTo.Tell(new BatchAccepted(_lastCommit));
        // The commit interval counts from the arrival of the first change not committed yet, so
        // a change waits at most that long, however long its transaction took to apply.
        _pendingSince ??= started;
        var due = _pendingSince.Value + _options.CommitInterval;
        var now = DateTime.UtcNow;
        if (_applier.PendingBytes >= _options.TargetFileBytes || now >= due)
        {
            await CommitAsync().ConfigureAwait(false);
        }
        else if (!Timers.IsTimerActive("commit"))
        {
            Timers.StartSingleTimer("commit", CommitNow.Instance, due - now);
        }
    }

    /// <summary>When the first change not committed yet arrived; null when nothing is pending.</summary>
    private DateTime? _pendingSince;

    private static void Dispose(IReadOnlyList<CommittedTransaction> transactions)
    {
        foreach (var transaction in transactions)
        {
            transaction.Buffer.Dispose();
        }
    }

    private async Task ApplyAsync(CommittedTransaction transaction)
    {
        var reader = transaction.ReadChanges();
        while (reader.TryRead(out var change))
        {
            // The change is a view valid until the next read: its values are taken before any await.
            if (!ReferenceEquals(change.Relation, _relationInUse))
            {
                // Rare (the first change, a schema change): the table's schema may have to grow first.
                // Off the actor's scheduler: the wait would otherwise block the continuations it waits for.
                var relation = change.Relation;
                Task.Run(() => _applier.UseRelationAsync(relation, _options.TypeOf, CancellationToken.None)).GetAwaiter().GetResult();
                _relationInUse = change.Relation;
            }

            var kind = change.Kind;
            switch (kind)
            {
                case ChangeKind.Truncate:
                    _applier.Truncate();
                    _changes++;
                    break;
                case ChangeKind.Insert:
                    await InsertAsync(change).ConfigureAwait(false);
                    _changes++;
                    break;
                case ChangeKind.Update or ChangeKind.Delete:
                {
                    var changed = change.Relation;
                    var (oldRow, newRow, unchanged) = Values(change);
                    await _applier.ApplyAsync(kind, changed, oldRow, newRow, unchanged, CancellationToken.None).ConfigureAwait(false);
                    _changes++;
                    break;
                }
            }
        }
    }

    private TableRelation? _relationInUse;

    /// <summary>An insert goes from its tuple into the applier's column batch (read before anything is awaited).</summary>
    private ValueTask InsertAsync(RowChange change) => _applier.InsertAsync(change.Relation, change.NewTuple, CancellationToken.None);

    private (object?[]? Old, object?[]? New, bool[]? Unchanged) Values(RowChange change)
    {
        object?[]? oldRow = null, newRow = null;
        bool[]? unchanged = null;
        if (change.Kind is ChangeKind.Update or ChangeKind.Delete && !change.OldTuple.IsEmpty)
        {
            oldRow = _applier.Row(change.Relation, change.OldTuple, out _);
        }

        if (change.Kind is ChangeKind.Insert or ChangeKind.Update)
        {
            newRow = _applier.Row(change.Relation, change.NewTuple, out unchanged);
        }

        return (oldRow, newRow, unchanged);
    }

    private async Task CommitAsync()
    {
        Timers.Cancel("commit");
        _pendingSince = null;
        if (_failed || _lastCommit <= _durableCommit)
        {
            return;
        }

        var summary = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [CommitLsnProperty] = _lastCommit.ToString(),
            [EndLsnProperty] = _lastEnd.ToString(),
        };
        Snapshot snapshot;
        try
        {
            snapshot = await _applier.CommitAsync(summary, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _failed = _applier.Broken = true;
            var reason = "committing to the Iceberg table failed: " + OneLine(ex);
            if (_progress is not null)
            {
                _progress.LastError = reason;
            }

            // Nothing of it is durable; the stream starts again from the last snapshot.
            _replyTo?.Tell(new SinkWriteFailed(reason, Permanent: ex is LreplException));
            return;
        }

        _durableCommit = _lastCommit;
        _snapshotId = snapshot.SnapshotId;
        var changes = _changes;
        _changes = 0;
        _ack.Tell(new Durable(_lastCommit.Value, _lastEnd.Value, _snapshotId, changes, Accepted: true), _replyTo ?? ActorRefs.NoSender);
        await MaintainAsync().ConfigureAwait(false);
    }

    private DateTime _lastMaintenance = DateTime.UtcNow;

    /// <summary>
    /// The table's upkeep, at most once per interval, right after a commit (nothing is pending):
    /// compaction, manifest merging, snapshot expiry, orphan removal. The files it rewrites move
    /// rows, so the key index is rebuilt from the table afterwards. A failure is reported and
    /// tried again at the next interval; the stream is not affected.
    /// </summary>
    private async Task MaintainAsync()
    {
        if (_options.MaintenanceInterval <= TimeSpan.Zero || DateTime.UtcNow - _lastMaintenance < _options.MaintenanceInterval)
        {
            return;
        }

        _lastMaintenance = DateTime.UtcNow;
        try
        {
            var result = await TableMaintenance.RunAsync(_applier.Table, _applier.IO, _options.Maintenance with { TargetFileSize = _options.TargetFileBytes }, CancellationToken.None).ConfigureAwait(false);
            _options.Log?.Invoke($"Iceberg upkeep: {result.DataFilesRewritten} data files rewritten into {result.DataFilesWritten}, {result.SnapshotsExpired} snapshots expired, {result.FilesDeleted + result.OrphansRemoved} files removed");
        }
        catch (Exception ex)
        {
            _options.Log?.Invoke("Iceberg upkeep failed (tried again in " + _options.MaintenanceInterval + "): " + OneLine(ex));
        }

        try
        {
            await _applier.ResetAsync(CancellationToken.None).ConfigureAwait(false);
            _relationInUse = null;
            _snapshotId = _applier.Table.Metadata.CurrentSnapshotId ?? _snapshotId;
        }
        catch (Exception ex)
        {
            // The table cannot be read back: recovered like a failed commit, on the next position request.
            _failed = _applier.Broken = true;
            _replyTo?.Tell(new SinkWriteFailed("reading the Iceberg table after its upkeep failed: " + OneLine(ex)));
        }
    }

    /// <summary>After a failure: everything not committed is dropped and the table read again.</summary>
    private async Task RecoverAsync()
    {
        await _applier.ResetAsync(CancellationToken.None).ConfigureAwait(false);
        _relationInUse = null;
        _changes = 0;
        _pendingSince = null;
        var current = _applier.Table.Metadata.CurrentSnapshot;
        _durableCommit = CommitLsnOf(current) ?? _durableCommit;
        _lastCommit = _durableCommit;
        _snapshotId = current?.SnapshotId ?? 0;
        _failed = false;
    }
}

/// <summary>How the Iceberg sink commits and how it types a column added while streaming.</summary>
/// <param name="TypeOf">The Iceberg type of a PostgreSQL column (from its type OID and modifier).</param>
internal sealed record IcebergSinkOptions(TimeSpan CommitInterval, long TargetFileBytes, Func<ColumnInfo, IcebergType> TypeOf)
{
    /// <summary>How often the table's upkeep runs after a commit; zero never.</summary>
    public TimeSpan MaintenanceInterval { get; init; }

    public MaintenanceOptions Maintenance { get; init; } = new();

    /// <summary>Where upkeep reports what it did (one line).</summary>
    public Action<string>? Log { get; init; }
}
