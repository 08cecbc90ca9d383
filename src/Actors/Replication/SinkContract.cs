using Akka.Actor;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

// The sink contract: what the pipeline hands a sink (the file sink, the change stream of an
// embedding application, a table format), and what a sink promises in return.
//
// 1. Snapshot. On a table's first run the parallel COPY calls ISnapshotSink: Begin (the table's
//    columns, the slot's consistent point, the number of ctid ranges), the rows of each range
//    through its own ISnapshotPartWriter (in parallel), then CompleteAsync, after which the whole
//    snapshot is durable and its position is recorded. A snapshot that does not complete counts
//    for nothing and is taken again; Discard removes what it wrote.
// 2. Changes. The replication stream sends TransactionBatch messages: committed transactions in
//    commit order, each with its typed events (insert, update, delete, truncate, and schema
//    changes as Relation events). The sink owns and disposes them.
//    Streamed parts (optional, StreamTarget.StreamedParts; the JSON file sink): a large
//    transaction the server streams before its commit comes in parts, in stream order among
//    the committed ones: Changes parts (not committed, no commit facts), Abort parts (one
//    subtransaction's changes, or the whole transaction's, are void), then a Commit part with
//    the commit facts and the last changes. The sink may work on the parts as they come but
//    makes nothing of them durable or visible as committed before the Commit, which it writes
//    like a whole transaction at its place in commit order (a Commit at or below its durable
//    commit drops the parts). Parts held are dropped when the stream starts again (asked
//    GetSinkPosition): the server sends the open transaction again from its beginning; a
//    Commit whose parts are not held is a transient SinkWriteFailed. A batch of parts only is
//    answered BatchSkipped.
// 3. Durable. Once a batch is durable the sink tells the position store Durable (commit LSN L of
//    the batch's last transaction, its end LSN, and the sink's own position P after it: a byte
//    offset for a file, opaque to the pipeline), on behalf of the stream, which hears Persisted
//    and only then reports L's end to the server as flushed. Nothing beyond what the store has
//    recorded is ever reported.
//    A sink that commits on its own schedule (a table format that batches many transactions into
//    one commit) may answer BatchAccepted instead: the batch is applied but not yet durable, and
//    the stream may send the next one. Its Durable comes later, for the last transaction of its
//    commit, marked Accepted. Until then the stream counts the accepted transactions as pending:
//    it records no "caught up" position past them. FlushSink asks for the commit now (a stop).
// 4. Start and resume. A sink starts from the recorded position and repairs itself to it (the
//    file sink cuts off a torn tail); asked GetSinkPosition, it answers its own durable commit,
//    and the stream resumes after it: transactions at or below it are skipped (BatchSkipped).
//    A restarted sink actor goes on from its last durable batch, never from older state.
// 5. Failure. SinkWriteFailed says why and whether writing again can help (Permanent = false: a
//    full disk, an unreachable store; the stream restarts from the durable position with
//    backoff) or not (Permanent = true: the run stops with the reason). Nothing of a failed batch
//    counts as written, and a sink refuses later batches until asked for its position again.
// 6. Shutdown. The stream stops sending, waits for the batches in flight, reports the durable
//    position, and the sink is stopped; whatever was not durable is sent again by the next run.

/// <summary>
/// Committed transactions for a sink, in commit order. The sink owns them from here: it writes
/// each transaction whose <see cref="CommittedTransaction.CommitLsn"/> is above its own durable
/// commit, skips the others, and disposes every buffer, written or not. Once the batch is
/// durable it answers with a <see cref="Durable"/> for the last transaction it wrote (through the
/// position store, on behalf of <paramref name="ReplyTo"/>), with <see cref="BatchSkipped"/> when
/// every transaction was already there, or with <see cref="SinkWriteFailed"/>.
/// </summary>
public sealed record TransactionBatch(IReadOnlyList<CommittedTransaction> Transactions, IActorRef ReplyTo)
{
    /// <summary>The commit of the batch's last transaction.</summary>
    public Lsn LastCommit => Transactions[^1].CommitLsn;
}

/// <summary>
/// The batch is applied but not durable yet: the sink commits later, on its own schedule (or on
/// <see cref="FlushSink"/>), and then sends a <see cref="Durable"/> with <c>Accepted</c> set for
/// everything up to its last commit.
/// </summary>
public sealed record BatchAccepted(Lsn CommitLsn);

/// <summary>Asks a sink that answers <see cref="BatchAccepted"/> to make what it accepted durable now (the stream is stopping).</summary>
public sealed class FlushSink
{
    public static readonly FlushSink Instance = new();
    private FlushSink()
    {
    }
}

/// <summary>Every transaction of the batch was already durable in the sink; nothing was written.</summary>
public sealed record BatchSkipped(Lsn CommitLsn);

/// <summary>
/// Asks a sink for its durable position; answered with <see cref="SinkPosition"/>. A sink that
/// failed accepts batches again after it was asked (a restarted stream asks before it sends).
/// </summary>
public sealed class GetSinkPosition
{
    public static readonly GetSinkPosition Instance = new();
    private GetSinkPosition()
    {
    }
}

/// <summary>
/// The commit of the last transaction the sink wrote durably (possibly not yet recorded by the
/// position store), and the sink's position after it: opaque to the pipeline (the file sink's
/// byte offset).
/// </summary>
public sealed record SinkPosition(Lsn CommitLsn, long FileOffset);

/// <summary>
/// The sink could not write a batch (a full disk, say). Nothing of the batch counts as written: the
/// sink is back at its last durable position and refuses further batches until asked for its
/// position again; the stream restarts from there.
/// </summary>
/// <param name="Permanent">True when writing again cannot help (a record the file cannot hold, a
/// bug): the run stops with <paramref name="Reason"/> instead of retrying.</param>
public sealed record SinkWriteFailed(string Reason, bool Permanent = false);

/// <summary>
/// The snapshot half of the sink contract (the change half is <see cref="TransactionBatch"/>):
/// where a table's initial copy goes. The copier calls it directly from its COPY workers, so a sink
/// receives the rows of several ctid ranges in parallel, each range through its own
/// <see cref="ISnapshotPartWriter"/> used by one thread at a time.
/// <para>
/// Guarantees asked of a sink: nothing of the snapshot counts until <see cref="CompleteAsync"/> has
/// returned (a crash before that leaves a snapshot that is taken again from scratch, and
/// <see cref="Discard"/> or the next <see cref="Begin"/> removes what it left); after it, the rows of
/// every part are durable in range order and the returned position is where the change stream
/// continues. The snapshot is consistent at <c>consistentPoint</c>, the slot's starting point, so
/// changes committed after it follow without gap or overlap.
/// </para>
/// </summary>
public interface ISnapshotSink
{
    /// <summary>
    /// Starts the snapshot of <paramref name="table"/> (its columns in the order of the COPY's
    /// fields) in <paramref name="parts"/> ranges; removes what an unfinished earlier snapshot left.
    /// </summary>
    void Begin(TableRelation table, Lsn consistentPoint, int parts);

    /// <summary>The writer of range <paramref name="index"/> (0-based, in table order); one per range.</summary>
    ISnapshotPartWriter OpenPart(int index);

    /// <summary>
    /// Every part is complete: makes the snapshot durable and returns the sink's position after it
    /// (opaque to the pipeline: the file sink's length).
    /// </summary>
    Task<long> CompleteAsync(CancellationToken ct);

    /// <summary>The snapshot failed or was stopped: removes what it wrote. Safe to call more than once.</summary>
    void Discard();
}

/// <summary>Receives the rows of one ctid range of a snapshot.</summary>
public interface ISnapshotPartWriter : IAsyncDisposable
{
    /// <summary>
    /// Rows in COPY TO STDOUT text format as the server sent them (values tab separated, <c>\N</c>
    /// for NULL, backslash escapes, a newline after each row); a row may be split over calls.
    /// </summary>
    void Write(ReadOnlySpan<byte> copyText);

    /// <summary>Whole rows received so far.</summary>
    long Rows { get; }

    /// <summary>The range is complete (the data ended with a whole row): what is buffered is written.</summary>
    Task CompleteAsync();
}
