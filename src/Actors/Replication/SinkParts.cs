using Akka.Actor;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>
/// A leading part of a transaction too large for one <see cref="WriteBatch"/>. The sink appends it
/// without fsync and without persisting a position, then answers <see cref="PartAppended"/>; the
/// transaction's last bytes follow as an ordinary <see cref="WriteBatch"/>, whose fsync and persisted
/// offset cover every part before it. Parts with <paramref name="CommitLsn"/> at or below the sink's
/// last commit are dropped (answered all the same). <see cref="Data"/> is rented from the shared array
/// pool and returned by the sink.
/// </summary>
public sealed record AppendPart(byte[] Data, int Length, Lsn CommitLsn, IActorRef ReplyTo);

/// <summary>Reply to <see cref="AppendPart"/>: the sink is done with the part's buffer.</summary>
public sealed record PartAppended(Lsn CommitLsn);

/// <summary>
/// Parts appended since the last <see cref="WriteBatch"/> belong to a transaction that will not be
/// finished (the stream restarted): the sink cuts the file back to the end of the last complete batch.
/// Sent before <see cref="GetSinkPosition"/> by a starting stream.
/// </summary>
public sealed class DiscardParts
{
    public static readonly DiscardParts Instance = new();
    private DiscardParts()
    {
    }
}

/// <summary>
/// The sink could not write or fsync a batch or part (a full disk, say). The file is cut back to the
/// end of the last complete batch and nothing of the failed transaction counts as written; the
/// stream restarts from the sink's position.
/// </summary>
/// <param name="Permanent">True when writing again cannot help (a record the file cannot hold, a
/// bug): the run stops with <paramref name="Reason"/> instead of retrying.</param>
public sealed record SinkWriteFailed(string Reason, bool Permanent = false);
