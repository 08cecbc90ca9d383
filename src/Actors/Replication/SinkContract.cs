using Akka.Actor;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

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
