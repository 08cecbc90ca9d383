using System.Text;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>One row image of a change: the values of the table's columns in PostgreSQL text format.</summary>
public sealed class RowImage
{
    private readonly string?[] _values;
    private readonly bool[]? _unchanged;

    internal RowImage(string?[] values, bool[]? unchanged)
    {
        _values = values;
        _unchanged = unchanged;
    }

    /// <summary>The number of columns (those of <see cref="ChangeRecord.Table"/>).</summary>
    public int Count => _values.Length;

    /// <summary>
    /// The value of column <paramref name="column"/> as text; null for SQL NULL, for a column the
    /// image does not carry (the non-key columns of an old key), and for an unchanged TOAST value.
    /// </summary>
    public string? this[int column] => _values[column];

    /// <summary>Whether column <paramref name="column"/> is a TOASTed value the update did not change (and the server did not send).</summary>
    public bool IsUnchangedToast(int column) => _unchanged?[column] == true;

    /// <summary>The value of the column named <paramref name="name"/> in <paramref name="table"/>.</summary>
    public string? Get(TableRelation table, string name)
    {
        ArgumentNullException.ThrowIfNull(table);
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i].Name == name)
            {
                return _values[i];
            }
        }

        throw new KeyNotFoundException($"{table} has no column \"{name}\"");
    }
}

/// <summary>
/// One change as an application receives it: a snapshot row (<see cref="ChangeKind.Snapshot"/>), an
/// insert, update, delete, truncate, or a schema change (<see cref="ChangeKind.Relation"/>, whose
/// <see cref="Table"/> is the new shape).
/// </summary>
/// <param name="Old">The old key (an update that changed it, a delete) or the whole old row under REPLICA IDENTITY FULL; null otherwise.</param>
/// <param name="New">The new row of a snapshot row, insert or update; null otherwise.</param>
public sealed record ChangeRecord(TableRelation Table, ChangeKind Kind, RowImage? Old, RowImage? New);

/// <summary>The changes of one committed transaction, or the rows of a piece of the snapshot.</summary>
/// <param name="CommitLsn">The commit's LSN; for snapshot rows the snapshot's consistent point.</param>
/// <param name="CommitTime">The commit time; null for snapshot rows.</param>
public sealed record ChangeTransaction(Lsn CommitLsn, uint Xid, DateTimeOffset? CommitTime, IReadOnlyList<ChangeRecord> Changes);

/// <summary>
/// What the change stream hands the application: snapshot rows, or committed transactions in commit
/// order. Call <see cref="Acknowledge"/> once the batch is stored: only then is its position
/// recorded and reported to the server. Batches are recorded in order, whatever order they are
/// acknowledged in.
/// </summary>
public sealed class ChangeBatch
{
    private readonly Action _acknowledge;
    private int _acknowledged;

    internal ChangeBatch(bool isSnapshot, IReadOnlyList<ChangeTransaction> transactions, Action acknowledge)
    {
        IsSnapshot = isSnapshot;
        Transactions = transactions;
        _acknowledge = acknowledge;
    }

    /// <summary>Whether the batch holds rows of the initial snapshot (one <see cref="ChangeTransaction"/> of <see cref="ChangeKind.Snapshot"/> rows).</summary>
    public bool IsSnapshot { get; }

    public IReadOnlyList<ChangeTransaction> Transactions { get; }

    /// <summary>The commit LSN of the batch's last transaction: store it with the data to apply each batch exactly once.</summary>
    public Lsn CommitLsn => Transactions[^1].CommitLsn;

    /// <summary>The application has stored the batch. Further calls do nothing.</summary>
    public void Acknowledge()
    {
        if (Interlocked.Exchange(ref _acknowledged, 1) == 0)
        {
            _acknowledge();
        }
    }
}

/// <summary>Where the change stream's sinks put batches: the queue behind the application's <c>Source</c>.</summary>
internal sealed class ChangeQueue(ISourceQueueWithComplete<ChangeBatch> queue)
{
    public ISourceQueueWithComplete<ChangeBatch> Queue { get; } = queue;

    /// <summary>Makes the text form of a change's values, binary ones through their decoded type.</summary>
    internal static RowImage? Image(TableRelation table, TupleData tuple, bool keyOnly)
    {
        if (tuple.IsEmpty)
        {
            return null;
        }

        var fields = new TupleColumn[tuple.ColumnCount];
        tuple.CopyColumnsTo(fields);
        var values = new string?[table.Columns.Count];
        bool[]? unchanged = null;
        var text = new System.Buffers.ArrayBufferWriter<byte>(64);
        for (var i = 0; i < Math.Min(values.Length, fields.Length); i++)
        {
            var column = table.Columns[i];
            switch (fields[i].Kind)
            {
                case TupleKind.UnchangedToast:
                    (unchanged ??= new bool[values.Length])[i] = true;
                    break;
                case TupleKind.Text when !keyOnly || column.IsKey:
                    values[i] = Encoding.UTF8.GetString(tuple.GetValue(fields[i]));
                    break;
                case TupleKind.Binary when !keyOnly || column.IsKey:
                    values[i] = Encoding.UTF8.GetString(column.BinaryAsText(tuple.GetValue(fields[i]), text));
                    break;
            }
        }

        return new RowImage(values, unchanged);
    }

    /// <summary>A transaction's changes as records the application owns.</summary>
    internal static ChangeTransaction Materialize(CommittedTransaction transaction)
    {
        var changes = new List<ChangeRecord>();
        var reader = transaction.ReadChanges();
        while (reader.TryRead(out var change))
        {
            var table = change.Relation;
            changes.Add(change.Kind switch
            {
                ChangeKind.Insert => new ChangeRecord(table, change.Kind, null, Image(table, change.NewTuple, keyOnly: false)),
                ChangeKind.Update or ChangeKind.Delete => new ChangeRecord(
                    table,
                    change.Kind,
                    Image(table, change.OldTuple, keyOnly: change.OldTupleKind == OldTupleKind.Key),
                    change.Kind == ChangeKind.Update ? Image(table, change.NewTuple, keyOnly: false) : null),
                _ => new ChangeRecord(table, change.Kind, null, null),
            });
        }

        return new ChangeTransaction(transaction.CommitLsn, transaction.Xid, transaction.CommitTime, changes);
    }
}

/// <summary>
/// The in-memory sink behind <see cref="ChangeStreamExtensions.StartChangeStream"/>: turns each
/// <see cref="TransactionBatch"/> into a <see cref="ChangeBatch"/> of records the application owns,
/// offers it to the application's stream (waiting while the stream backpressures), and once the
/// application acknowledges a batch, and every batch before it, asks the position store to record
/// it on behalf of the replication stream. Its durable position is the last recorded commit; a
/// batch already offered is not offered twice while the sink lives.
/// </summary>
public sealed class StreamSinkActor : ReceiveActor
{
    private readonly ChangeQueue _queue;
    private readonly IActorRef _ack;
    private readonly Queue<Pending> _pending = new();
    private Lsn _lastCommit;
    private Lsn _lastOffered;
    private long _sequence;

    private StreamSinkActor(ChangeQueue queue, Lsn lastCommit, IActorRef ack)
    {
        _queue = queue;
        _ack = ack;
        _lastCommit = lastCommit;
        _lastOffered = lastCommit;

        Receive<TransactionBatch>(OnBatch);
        Receive<Offered>(OnOffered);
        Receive<Acknowledged>(OnAcknowledged);
        Receive<GetSinkPosition>(_ => Sender.Tell(new SinkPosition(_lastCommit, 0)));
    }

    internal static Props Props(ChangeQueue queue, Lsn lastCommit, IActorRef ack) =>
        DelegateProps.Create(() => new StreamSinkActor(queue, lastCommit, ack));

    private sealed record Offered(long Sequence, IQueueOfferResult Result, IActorRef ReplyTo);

    private sealed record Acknowledged(long Sequence);

    private sealed class Pending(long sequence, Lsn commit, Lsn end, int changes, IActorRef replyTo)
    {
        public long Sequence { get; } = sequence;
        public Lsn Commit { get; } = commit;
        public Lsn End { get; } = end;
        public int Changes { get; } = changes;
        public IActorRef ReplyTo { get; } = replyTo;
        public bool Acknowledged { get; set; }
    }

    private void OnBatch(TransactionBatch batch)
    {
        var transactions = new List<ChangeTransaction>();
        CommittedTransaction? last = null;
        try
        {
            foreach (var transaction in batch.Transactions)
            {
                if (transaction.CommitLsn <= _lastOffered)
                {
                    continue;
                }

                transactions.Add(ChangeQueue.Materialize(transaction));
                last = transaction;
            }
        }
        catch (Exception ex)
        {
            batch.ReplyTo.Tell(new SinkWriteFailed(ex.Message, Permanent: true));
            return;
        }
        finally
        {
            foreach (var transaction in batch.Transactions)
            {
                transaction.Buffer.Dispose();
            }
        }

        if (last is null)
        {
            batch.ReplyTo.Tell(new BatchSkipped(batch.LastCommit));
            return;
        }

        _lastOffered = last.CommitLsn;
        var sequence = ++_sequence;
        _pending.Enqueue(new Pending(sequence, last.CommitLsn, last.EndLsn, transactions.Sum(t => t.Changes.Count), batch.ReplyTo));
        var self = Self;
        var changeBatch = new ChangeBatch(false, transactions, () => self.Tell(new Acknowledged(sequence)));
        var replyTo = batch.ReplyTo;
        _queue.Queue.OfferAsync(changeBatch).PipeTo(Self, success: r => new Offered(sequence, r, replyTo), failure: ex => new Offered(sequence, new QueueOfferResult.Failure(ex), replyTo));
    }

    private void OnOffered(Offered offered)
    {
        if (offered.Result is QueueOfferResult.Enqueued)
        {
            return;
        }

        var reason = offered.Result switch
        {
            QueueOfferResult.Failure failure => "the application's change stream failed: " + failure.Cause.Message,
            _ => "the application's change stream is closed",
        };
        offered.ReplyTo.Tell(new SinkWriteFailed(reason, Permanent: true));
    }

    private void OnAcknowledged(Acknowledged acknowledged)
    {
        foreach (var pending in _pending)
        {
            if (pending.Sequence == acknowledged.Sequence)
            {
                pending.Acknowledged = true;
            }
        }

        while (_pending.TryPeek(out var first) && first.Acknowledged)
        {
            _pending.Dequeue();
            _lastCommit = first.Commit;
            _ack.Tell(new Durable(first.Commit.Value, first.End.Value, 0, first.Changes), first.ReplyTo);
        }
    }
}

/// <summary>
/// The change stream's snapshot: each range's COPY rows become <see cref="ChangeKind.Snapshot"/>
/// records, offered to the application in batches of 1,000 (a range's writer waits while the
/// application's stream backpressures). The snapshot is complete once the application has
/// acknowledged every batch of it.
/// </summary>
internal sealed class StreamSnapshotSink(ChangeQueue queue) : ISnapshotSink
{
    private const int BatchRows = 1000;
    private readonly List<Task> _acknowledged = [];
    private TableRelation? _table;
    private Lsn _lsn;

    public void Begin(TableRelation table, Lsn consistentPoint, int parts)
    {
        _table = table;
        _lsn = consistentPoint;
    }

    public ISnapshotPartWriter OpenPart(int index) =>
        new Part(this, new CopyTextRecordWriter(_table ?? throw new InvalidOperationException("the snapshot has not begun")));

    public async Task<long> CompleteAsync(CancellationToken ct)
    {
        Task[] all;
        lock (_acknowledged)
        {
            all = [.. _acknowledged];
        }

        await Task.WhenAll(all).WaitAsync(ct).ConfigureAwait(false);
        return 0;
    }

    public void Discard()
    {
    }

    private void Offer(List<ChangeRecord> rows)
    {
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_acknowledged)
        {
            _acknowledged.Add(acknowledged.Task);
        }

        var batch = new ChangeBatch(true, [new ChangeTransaction(_lsn, 0, null, rows)], () => acknowledged.TrySetResult());

        // Called on a copy worker's task: waiting here holds back that range's COPY.
        var result = queue.Queue.OfferAsync(batch).GetAwaiter().GetResult();
        if (result is not QueueOfferResult.Enqueued)
        {
            throw new LreplException(result is QueueOfferResult.Failure failure ? "the application's change stream failed: " + failure.Cause.Message : "the application's change stream is closed");
        }
    }

    private sealed class Part(StreamSnapshotSink owner, CopyTextRecordWriter writer) : ISnapshotPartWriter
    {
        public long Rows => writer.Rows;

        public void Write(ReadOnlySpan<byte> copyText)
        {
            writer.Write(copyText);
            if (writer.Records.Count >= BatchRows)
            {
                owner.Offer(writer.Take());
            }
        }

        public Task CompleteAsync()
        {
            writer.Complete();
            if (writer.Records.Count > 0)
            {
                owner.Offer(writer.Take());
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            writer.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>COPY text rows as snapshot records.</summary>
    private sealed class CopyTextRecordWriter(TableRelation table) : CopyTextRowWriter(table.Columns, 256)
    {
        public List<ChangeRecord> Records { get; private set; } = new(BatchRows);

        public List<ChangeRecord> Take()
        {
            var taken = Records;
            Records = new List<ChangeRecord>(BatchRows);
            return taken;
        }

        protected override void EncodeRow(ReadOnlySpan<byte> row)
        {
            var values = new string?[Columns.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = IsNull(i) ? null : Encoding.UTF8.GetString(Value(i, row));
            }

            Records.Add(new ChangeRecord(table, ChangeKind.Snapshot, null, new RowImage(values, null)));
        }
    }
}

/// <summary>A replication pipeline that hands its changes to the application as an Akka.Streams source.</summary>
public sealed class ChangeStreamHandle
{
    internal ChangeStreamHandle(LreplHandle pipeline, Source<ChangeBatch, NotUsed> changes)
    {
        Pipeline = pipeline;
        Changes = changes;
    }

    /// <summary>The running pipeline: its progress, completion and stop.</summary>
    public LreplHandle Pipeline { get; }

    /// <summary>
    /// The changes: the snapshot's rows on the first run, then committed transactions in commit
    /// order. Run it once. It completes when the pipeline stops and fails with the pipeline's error.
    /// </summary>
    public Source<ChangeBatch, NotUsed> Changes { get; }
}

/// <summary>Runs a replication pipeline whose sink is the application's own stream.</summary>
public static class ChangeStreamExtensions
{
    /// <summary>
    /// Starts replicating <see cref="LreplOptions.Table"/> into an Akka.Streams source instead of a
    /// file. Delivery is at least once: a batch is recorded (and reported to the server) only after
    /// the application acknowledges it, so after a crash the batches not acknowledged come again.
    /// An application that stores <see cref="ChangeBatch.CommitLsn"/> with its data, in the same
    /// transaction, and skips batches at or below the LSN it has stored, applies each change exactly
    /// once. The config dir holds the state and the lock as for a file; the system's config needs a
    /// journal as for <see cref="LreplExtensions.StartLogicalReplication"/>.
    /// </summary>
    /// <param name="buffer">Batches waiting for the application before the pipeline stops reading.</param>
    public static ChangeStreamHandle StartChangeStream(this ActorSystem system, LreplOptions options, int buffer = 4)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var (queue, source) = Source.Queue<ChangeBatch>(Math.Max(1, buffer), OverflowStrategy.Backpressure).PreMaterialize(system.Materializer());
        var pipeline = system.StartLogicalReplication(options with { Changes = new ChangeQueue(queue) });
        pipeline.Completion.ContinueWith(
            t =>
            {
                if (t.IsFaulted)
                {
                    queue.Fail(t.Exception!.InnerException ?? t.Exception);
                }
                else
                {
                    queue.Complete();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return new ChangeStreamHandle(pipeline, source);
    }
}
