namespace PgWire.Protocol.Replication.PgOutput;

/// <summary>The first byte of a pgoutput message.</summary>
public enum PgOutputMessageType : byte
{
    Begin = (byte)'B',
    Message = (byte)'M',
    Commit = (byte)'C',
    Origin = (byte)'O',
    Relation = (byte)'R',
    Type = (byte)'Y',
    Insert = (byte)'I',
    Update = (byte)'U',
    Delete = (byte)'D',
    Truncate = (byte)'T',
    StreamStart = (byte)'S',
    StreamStop = (byte)'E',
    StreamCommit = (byte)'c',
    StreamAbort = (byte)'A',
    BeginPrepare = (byte)'b',
    Prepare = (byte)'P',
    CommitPrepared = (byte)'K',
    RollbackPrepared = (byte)'r',
    StreamPrepare = (byte)'p',
}

/// <summary>A relation's REPLICA IDENTITY setting.</summary>
public enum ReplicaIdentity : byte
{
    Default = (byte)'d',
    Nothing = (byte)'n',
    Full = (byte)'f',
    Index = (byte)'i',
}

[Flags]
public enum TruncateOptions : byte
{
    None = 0,
    Cascade = 1,
    RestartIdentity = 2,
}

/// <summary>Which old row image an Update or Delete carries.</summary>
public enum OldTupleKind : byte
{
    None = 0,
    /// <summary>'K': the replica identity key columns only.</summary>
    Key = (byte)'K',
    /// <summary>'O': the whole old row (REPLICA IDENTITY FULL).</summary>
    Old = (byte)'O',
}

/// <summary>
/// A pgoutput message other than Insert/Update/Delete. <c>Xid</c> properties on messages that may
/// appear inside a streamed transaction are the streamed transaction's id, or 0 outside streaming.
/// </summary>
public abstract record PgOutputRecord
{
    public abstract PgOutputMessageType MessageType { get; }
}

public sealed record BeginMessage(Lsn FinalLsn, DateTimeOffset CommitTimestamp, uint Xid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Begin;
}

public sealed record CommitMessage(byte Flags, Lsn CommitLsn, Lsn EndLsn, DateTimeOffset CommitTimestamp) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Commit;
}

public sealed record OriginMessage(Lsn CommitLsn, string Name) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Origin;
}

/// <summary>A message from pg_logical_emit_message.</summary>
public sealed record LogicalDecodingMessage(uint Xid, bool Transactional, Lsn Lsn, string Prefix, ReadOnlyMemory<byte> Content) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Message;
}

public sealed record RelationColumn(byte Flags, string Name, uint TypeId, int TypeModifier)
{
    /// <summary>Flag bit 1: the column is part of the replica identity key.</summary>
    public bool IsKey => (Flags & 1) != 0;
}

public sealed record RelationMessage(
    uint Xid,
    uint RelationId,
    string Namespace,
    string Name,
    ReplicaIdentity ReplicaIdentity,
    IReadOnlyList<RelationColumn> Columns) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Relation;
}

public sealed record TypeMessage(uint Xid, uint TypeId, string Namespace, string Name) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Type;
}

public sealed record TruncateMessage(uint Xid, TruncateOptions Options, IReadOnlyList<uint> RelationIds) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Truncate;
}

public sealed record StreamStartMessage(uint Xid, bool FirstSegment) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.StreamStart;
}

public sealed record StreamStopMessage : PgOutputRecord
{
    public static readonly StreamStopMessage Instance = new();

    public override PgOutputMessageType MessageType => PgOutputMessageType.StreamStop;
}

public sealed record StreamCommitMessage(uint Xid, byte Flags, Lsn CommitLsn, Lsn EndLsn, DateTimeOffset CommitTimestamp) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.StreamCommit;
}

/// <summary>
/// Abort of a streamed (sub)transaction. <see cref="AbortLsn"/> and <see cref="AbortTimestamp"/> are
/// only sent with protocol version 4 in parallel streaming mode.
/// </summary>
public sealed record StreamAbortMessage(uint Xid, uint SubXid, Lsn? AbortLsn, DateTimeOffset? AbortTimestamp) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.StreamAbort;
}

public sealed record BeginPrepareMessage(Lsn PrepareLsn, Lsn EndLsn, DateTimeOffset PrepareTimestamp, uint Xid, string Gid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.BeginPrepare;
}

public sealed record PrepareMessage(byte Flags, Lsn PrepareLsn, Lsn EndLsn, DateTimeOffset PrepareTimestamp, uint Xid, string Gid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.Prepare;
}

public sealed record CommitPreparedMessage(byte Flags, Lsn CommitLsn, Lsn EndLsn, DateTimeOffset CommitTimestamp, uint Xid, string Gid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.CommitPrepared;
}

public sealed record RollbackPreparedMessage(
    byte Flags,
    Lsn PrepareEndLsn,
    Lsn RollbackEndLsn,
    DateTimeOffset PrepareTimestamp,
    DateTimeOffset RollbackTimestamp,
    uint Xid,
    string Gid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.RollbackPrepared;
}

public sealed record StreamPrepareMessage(byte Flags, Lsn PrepareLsn, Lsn EndLsn, DateTimeOffset PrepareTimestamp, uint Xid, string Gid) : PgOutputRecord
{
    public override PgOutputMessageType MessageType => PgOutputMessageType.StreamPrepare;
}
