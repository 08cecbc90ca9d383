using PgWire.Protocol;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;

namespace PgWire.Actors.Replication;

/// <summary>
/// A replicated table as the stream's last Relation message described it: its identity on the
/// server, its name, and its columns in table order (name, type OID, type modifier, key flag). An
/// instance never changes; a Relation message that differs from the cached one makes a new
/// instance and a <see cref="ChangeKind.Relation"/> event in the transaction where it arrived.
/// </summary>
public sealed class TableRelation
{
    private readonly ColumnInfo[] _columns;

    public TableRelation(uint relationId, string schema, string name, ReplicaIdentity replicaIdentity, ColumnInfo[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        RelationId = relationId;
        Schema = schema;
        Name = name;
        ReplicaIdentity = replicaIdentity;
        _columns = columns;
    }

    /// <summary>The table's OID on the server (pgoutput's relation id).</summary>
    public uint RelationId { get; }

    public string Schema { get; }

    public string Name { get; }

    /// <summary>What an update or delete carries of the old row: the key (default, index) or the whole row (full).</summary>
    public ReplicaIdentity ReplicaIdentity { get; }

    /// <summary>The published columns in table order, as tuples carry them.</summary>
    public IReadOnlyList<ColumnInfo> Columns => _columns;

    internal ColumnInfo[] ColumnArray => _columns;

    /// <summary>Whether <paramref name="other"/> has the same name, replica identity and columns (names, types, modifiers, key flags).</summary>
    public bool SameShape(TableRelation? other)
    {
        if (other is null || other.Schema != Schema || other.Name != Name || other.ReplicaIdentity != ReplicaIdentity || other._columns.Length != _columns.Length)
        {
            return false;
        }

        for (var i = 0; i < _columns.Length; i++)
        {
            var a = _columns[i];
            var b = other._columns[i];
            if (a.Name != b.Name || a.TypeOid != b.TypeOid || a.TypeModifier != b.TypeModifier || a.IsKey != b.IsKey)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Schema + "." + Name;
}

/// <summary>What one event of a committed transaction is.</summary>
public enum ChangeKind : byte
{
    /// <summary>A new row (<see cref="RowChange.NewTuple"/>).</summary>
    Insert = (byte)'I',

    /// <summary>A changed row: the new row, and the old key or old row when the server sent one.</summary>
    Update = (byte)'U',

    /// <summary>A removed row: its old key, or the whole old row under REPLICA IDENTITY FULL.</summary>
    Delete = (byte)'D',

    /// <summary>Every row of the table was removed (TRUNCATE).</summary>
    Truncate = (byte)'T',

    /// <summary>
    /// The table's shape changed (a Relation message that differs from the one before it): the
    /// events after it carry the new <see cref="RowChange.Relation"/>. No row data.
    /// </summary>
    Relation = (byte)'R',

    /// <summary>A row of the table's initial snapshot (only in what the change stream hands an application).</summary>
    Snapshot = (byte)'r',
}

/// <summary>
/// One event of a committed transaction, a view over the transaction's buffer valid until the
/// reader moves on. Values are as the server sent them: text or binary bytes, NULL, or
/// "unchanged TOAST" (see <see cref="TupleData"/>); nothing has been converted or encoded yet.
/// </summary>
public readonly ref struct RowChange
{
    internal RowChange(TableRelation relation, ChangeKind kind, PgOutputMessage message)
    {
        Relation = relation;
        Kind = kind;
        Message = message;
    }

    /// <summary>The table the change belongs to, with the columns its tuples follow.</summary>
    public TableRelation Relation { get; }

    public ChangeKind Kind { get; }

    /// <summary>Whether <see cref="OldTuple"/> holds the old key ('K'), the old row ('O') or nothing.</summary>
    public OldTupleKind OldTupleKind => Message.OldTupleKind;

    /// <summary>The old key or row of an update or delete; empty when the server sent none.</summary>
    public TupleData OldTuple => Message.OldTuple;

    /// <summary>The new row of an insert or update; empty otherwise.</summary>
    public TupleData NewTuple => Message.NewTuple;

    /// <summary>The decoded pgoutput message (insert, update, delete); default for the other kinds. A field, so that it is passed on by reference.</summary>
    internal readonly PgOutputMessage Message;
}

/// <summary>
/// A committed transaction: its commit facts and its changes, in order, kept in a
/// <see cref="TransactionBuffer"/> as the server sent them (spilled to a file when large). Made by
/// the decoder, passed on in batches, never copied; whoever holds it last disposes
/// <see cref="Buffer"/> (a sink, once it has written the transaction or given up on it).
/// </summary>
/// <param name="CommitLsn">The commit record's LSN: the transaction's identity in the stream, and what sinks record as durable.</param>
/// <param name="EndLsn">The end of the commit record: the flush position to report once the transaction is durable.</param>
public sealed record CommittedTransaction(TransactionBuffer Buffer, Lsn CommitLsn, Lsn EndLsn, uint Xid, DateTimeOffset CommitTime)
{
    /// <summary>
    /// Which of the stream's tables (<see cref="StreamTarget.Routes"/>) the changes belong to: a
    /// transaction that touched several followed tables is handed on as one of these per table.
    /// </summary>
    public int Route { get; init; }

    /// <summary>
    /// <see cref="StreamedPart.None"/> for a whole committed transaction. When the stream hands a
    /// sink a large transaction's changes as they arrive (<see cref="StreamTarget.StreamedParts"/>),
    /// the part of it this is: changes not yet committed, an abort, or the commit (see
    /// <see cref="StreamedPart"/>); <see cref="Xid"/> then names the transaction.
    /// </summary>
    public StreamedPart Part { get; init; }

    /// <summary>For a <see cref="StreamedPart.Abort"/>: the (sub)transaction aborted; equal to <see cref="Xid"/> for the whole transaction.</summary>
    public uint SubXid { get; init; }

    /// <summary>Reads the changes back in order; read once, and only by the holder.</summary>
    public ChangeReader ReadChanges() => new(Buffer.OpenReader());
}

/// <summary>
/// What part of a streamed (in-progress) transaction a <see cref="CommittedTransaction"/> is, when
/// the sink takes its changes before the commit (see the sink contract, <c>SinkContract.cs</c>).
/// </summary>
public enum StreamedPart : byte
{
    /// <summary>A whole committed transaction: every change is in its buffer.</summary>
    None,

    /// <summary>
    /// Changes of transaction <see cref="CommittedTransaction.Xid"/>, not committed yet (its commit
    /// facts are unset); more parts, an abort or the commit follow, in stream order.
    /// </summary>
    Changes,

    /// <summary>
    /// Changes of <see cref="CommittedTransaction.SubXid"/> handed on before are void: the whole
    /// transaction when it equals the xid, else one subtransaction (its nested ones have aborts
    /// of their own). The buffer is empty.
    /// </summary>
    Abort,

    /// <summary>
    /// The transaction committed: its changes are the parts handed on before (less the aborted
    /// subtransactions), then those in this buffer; written as one transaction with these commit facts.
    /// </summary>
    Commit,
}

/// <summary>Reads the typed events of a <see cref="CommittedTransaction"/>.</summary>
public sealed class ChangeReader
{
    // Stored messages have the streamed xid removed, so a decoder outside any stream reads them.
    private readonly PgOutputDecoder _decoder = new(1);
    private readonly TransactionBuffer.Reader _reader;

    internal ChangeReader(TransactionBuffer.Reader reader) => _reader = reader;

    /// <summary>The (sub)transaction id of the event read last (the transaction's own xid outside streamed transactions).</summary>
    public uint Xid { get; private set; }

    /// <summary>The next event; false at the end. The event is valid until the next call.</summary>
    public bool TryRead(out RowChange change)
    {
        if (!_reader.TryRead(out var xid, out var relation, out var record))
        {
            change = default;
            return false;
        }

        Xid = xid;
        var kind = (ChangeKind)record[0];
        if (kind is not (ChangeKind.Insert or ChangeKind.Update or ChangeKind.Delete))
        {
            change = new RowChange(relation!, kind, default);
            return true;
        }

        try
        {
            change = new RowChange(relation!, kind, _decoder.Decode(record));
        }
        catch (PgProtocolException ex)
        {
            throw new LreplException($"a change of {relation} in the replication stream is malformed: {ex.Message}", ex);
        }

        return true;
    }
}
