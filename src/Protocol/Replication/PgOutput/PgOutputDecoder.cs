using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Replication.PgOutput;

/// <summary>
/// One decoded pgoutput message. Insert, Update and Delete are returned as views over the payload
/// (<see cref="RelationId"/>, <see cref="OldTuple"/>, <see cref="NewTuple"/>) with no allocation; every
/// other message type is returned as a <see cref="PgOutputRecord"/> in <see cref="Record"/>.
/// </summary>
public readonly ref struct PgOutputMessage
{
    internal PgOutputMessage(PgOutputRecord record)
    {
        Type = record.MessageType;
        Record = record;
    }

    internal PgOutputMessage(PgOutputMessageType type, uint xid, uint relationId, OldTupleKind oldTupleKind, TupleData oldTuple, TupleData newTuple)
    {
        Type = type;
        Xid = xid;
        RelationId = relationId;
        OldTupleKind = oldTupleKind;
        OldTuple = oldTuple;
        NewTuple = newTuple;
    }

    public PgOutputMessageType Type { get; }

    /// <summary>The decoded message for everything except Insert, Update and Delete.</summary>
    public PgOutputRecord? Record { get; }

    public bool IsRowChange => Type is PgOutputMessageType.Insert or PgOutputMessageType.Update or PgOutputMessageType.Delete;

    /// <summary>For a row change inside a streamed transaction, the (sub)transaction id; otherwise 0.</summary>
    public uint Xid { get; }

    public uint RelationId { get; }

    /// <summary>Whether an Update or Delete carries the key ('K') or the full old row ('O').</summary>
    public OldTupleKind OldTupleKind { get; }

    /// <summary>The old row image of an Update or Delete; empty when <see cref="OldTupleKind"/> is None.</summary>
    public TupleData OldTuple { get; }

    /// <summary>The new row of an Insert or Update; empty for a Delete.</summary>
    public TupleData NewTuple { get; }
}

/// <summary>
/// Decodes pgoutput messages (protocol versions 1 to 4), tracking whether it is inside a streamed
/// transaction block, where data messages carry a leading transaction id. Not thread-safe: feed it the
/// messages of one replication stream in order.
/// </summary>
public sealed class PgOutputDecoder
{
    /// <param name="protocolVersion">The proto_version passed to START_REPLICATION.</param>
    /// <param name="parallelStreaming">Whether streaming 'parallel' was requested (Stream Abort then carries abort LSN and timestamp in version 4).</param>
    public PgOutputDecoder(int protocolVersion, bool parallelStreaming = false)
    {
        if (protocolVersion is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(protocolVersion), protocolVersion, "pgoutput protocol versions 1 to 4 are supported");
        }

        if (parallelStreaming && protocolVersion < 4)
        {
            throw new ArgumentException("parallel streaming needs protocol version 4", nameof(parallelStreaming));
        }

        ProtocolVersion = protocolVersion;
        ParallelStreaming = parallelStreaming;
    }

    public int ProtocolVersion { get; }

    public bool ParallelStreaming { get; }

    /// <summary>True between a Stream Start and the matching Stream Stop.</summary>
    public bool InStreamingBlock { get; private set; }

    /// <summary>The transaction id of the current streaming block, or 0.</summary>
    public uint StreamingXid { get; private set; }

    /// <summary>Forgets streaming state, e.g. after reconnecting.</summary>
    public void Reset()
    {
        InStreamingBlock = false;
        StreamingXid = 0;
    }

    private bool HasStreamedXid => InStreamingBlock && ProtocolVersion >= 2;

    /// <summary>
    /// For an Insert, Update or Delete, reads its transaction id (inside a streamed block, else 0),
    /// its relation id and where the rest of the message starts, without walking its tuples: enough
    /// to route the message. <see cref="Decode"/> reads (and checks) the whole of it. False for any
    /// other message type; a message too short for its header throws <see cref="PgProtocolException"/>.
    /// </summary>
    public bool TryPeekRowChange(ReadOnlySpan<byte> payload, out uint xid, out uint relationId, out int bodyStart)
    {
        xid = 0;
        relationId = 0;
        bodyStart = 0;
        if (payload.IsEmpty || (PgOutputMessageType)payload[0] is not (PgOutputMessageType.Insert or PgOutputMessageType.Update or PgOutputMessageType.Delete))
        {
            return false;
        }

        var offset = 1;
        if (HasStreamedXid)
        {
            if (payload.Length < 5)
            {
                throw new PgProtocolException(ProtocolErrorKind.Truncated, $"{DescribeType(payload[0])} ends before its transaction id");
            }

            xid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
            offset = 5;
        }

        if (payload.Length < offset + 5)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"{DescribeType(payload[0])} ends before its tuple data");
        }

        relationId = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload[offset..]);
        bodyStart = offset;
        return true;
    }

    /// <summary>
    /// Decodes one message (the data of one XLogData). The returned view refers to
    /// <paramref name="payload"/>. Malformed input throws <see cref="PgProtocolException"/> and leaves
    /// the streaming state unchanged.
    /// </summary>
    public PgOutputMessage Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, "pgoutput message is empty");
        }

        var type = payload[0];
        var context = DescribeType(type);
        var reader = new PayloadReader(payload, context);
        reader.ReadByte();

        switch ((PgOutputMessageType)type)
        {
            case PgOutputMessageType.Insert:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var relation = reader.ReadUInt32();
                    ExpectTupleMarker(ref reader, (byte)'N', context);
                    var tuple = TupleData.Read(payload, ref reader, context);
                    reader.EnsureEnd();
                    return new PgOutputMessage(PgOutputMessageType.Insert, xid, relation, OldTupleKind.None, default, tuple);
                }

            case PgOutputMessageType.Update:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var relation = reader.ReadUInt32();
                    var marker = reader.ReadByte();
                    var oldKind = OldTupleKind.None;
                    TupleData oldTuple = default;
                    if (marker is (byte)'K' or (byte)'O')
                    {
                        oldKind = (OldTupleKind)marker;
                        oldTuple = TupleData.Read(payload, ref reader, context);
                        marker = reader.ReadByte();
                    }

                    if (marker != (byte)'N')
                    {
                        throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"expected tuple marker 'N' in {context}, got 0x{marker:X2}");
                    }

                    var newTuple = TupleData.Read(payload, ref reader, context);
                    reader.EnsureEnd();
                    return new PgOutputMessage(PgOutputMessageType.Update, xid, relation, oldKind, oldTuple, newTuple);
                }

            case PgOutputMessageType.Delete:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var relation = reader.ReadUInt32();
                    var marker = reader.ReadByte();
                    if (marker is not ((byte)'K' or (byte)'O'))
                    {
                        throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"expected tuple marker 'K' or 'O' in {context}, got 0x{marker:X2}");
                    }

                    var oldTuple = TupleData.Read(payload, ref reader, context);
                    reader.EnsureEnd();
                    return new PgOutputMessage(PgOutputMessageType.Delete, xid, relation, (OldTupleKind)marker, oldTuple, default);
                }

            default:
                return new PgOutputMessage(DecodeRecord((PgOutputMessageType)type, ref reader, context));
        }
    }

    private PgOutputRecord DecodeRecord(PgOutputMessageType type, ref PayloadReader reader, string context)
    {
        PgOutputRecord record;
        switch (type)
        {
            case PgOutputMessageType.Begin:
                RequireOutsideStream(context);
                record = new BeginMessage(reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadUInt32());
                break;

            case PgOutputMessageType.Commit:
                RequireOutsideStream(context);
                record = new CommitMessage(reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context));
                break;

            case PgOutputMessageType.Origin:
                record = new OriginMessage(reader.ReadLsn(), reader.ReadCString());
                break;

            case PgOutputMessageType.Message:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var flags = reader.ReadByte();
                    var lsn = reader.ReadLsn();
                    var prefix = reader.ReadCString();
                    var length = reader.ReadInt32();
                    if (length < 0)
                    {
                        throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative content length {length} in {context}");
                    }

                    var content = reader.ReadBytes(length).ToArray();
                    record = new LogicalDecodingMessage(xid, (flags & 1) != 0, lsn, prefix, content);
                    break;
                }

            case PgOutputMessageType.Relation:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var relation = reader.ReadUInt32();
                    var ns = reader.ReadCString();
                    var name = reader.ReadCString();
                    var identity = reader.ReadByte();
                    if (identity is not ((byte)'d' or (byte)'n' or (byte)'f' or (byte)'i'))
                    {
                        throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"unknown replica identity 0x{identity:X2} in {context}");
                    }

                    var count = reader.CheckCount(reader.ReadInt16(), 10, context);
                    var columns = new RelationColumn[count];
                    for (var i = 0; i < count; i++)
                    {
                        columns[i] = new RelationColumn(reader.ReadByte(), reader.ReadCString(), reader.ReadUInt32(), reader.ReadInt32());
                    }

                    record = new RelationMessage(xid, relation, ns, name, (ReplicaIdentity)identity, columns);
                    break;
                }

            case PgOutputMessageType.Type:
                record = new TypeMessage(ReadStreamedXid(ref reader), reader.ReadUInt32(), reader.ReadCString(), reader.ReadCString());
                break;

            case PgOutputMessageType.Truncate:
                {
                    var xid = ReadStreamedXid(ref reader);
                    var count = reader.ReadInt32();
                    var options = reader.ReadByte();
                    reader.CheckCount(count, 4, context);
                    var ids = new uint[count];
                    for (var i = 0; i < count; i++)
                    {
                        ids[i] = reader.ReadUInt32();
                    }

                    record = new TruncateMessage(xid, (TruncateOptions)options, ids);
                    break;
                }

            case PgOutputMessageType.StreamStart:
                {
                    RequireVersion(2, context);
                    if (InStreamingBlock)
                    {
                        throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"{context} inside a streaming block");
                    }

                    var start = new StreamStartMessage(reader.ReadUInt32(), reader.ReadByte() == 1);
                    reader.EnsureEnd();
                    InStreamingBlock = true;
                    StreamingXid = start.Xid;
                    return start;
                }

            case PgOutputMessageType.StreamStop:
                RequireVersion(2, context);
                if (!InStreamingBlock)
                {
                    throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"{context} outside a streaming block");
                }

                reader.EnsureEnd();
                InStreamingBlock = false;
                StreamingXid = 0;
                return StreamStopMessage.Instance;

            case PgOutputMessageType.StreamCommit:
                RequireVersion(2, context);
                RequireOutsideStream(context);
                record = new StreamCommitMessage(reader.ReadUInt32(), reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context));
                break;

            case PgOutputMessageType.StreamAbort:
                {
                    RequireVersion(2, context);
                    RequireOutsideStream(context);
                    var xid = reader.ReadUInt32();
                    var subXid = reader.ReadUInt32();
                    Lsn? abortLsn = null;
                    DateTimeOffset? abortTime = null;
                    if (ProtocolVersion >= 4 && ParallelStreaming)
                    {
                        abortLsn = reader.ReadLsn();
                        abortTime = reader.ReadTimestamp(context);
                    }

                    record = new StreamAbortMessage(xid, subXid, abortLsn, abortTime);
                    break;
                }

            case PgOutputMessageType.BeginPrepare:
                RequireVersion(3, context);
                RequireOutsideStream(context);
                record = new BeginPrepareMessage(reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadUInt32(), reader.ReadCString());
                break;

            case PgOutputMessageType.Prepare:
                RequireVersion(3, context);
                RequireOutsideStream(context);
                record = new PrepareMessage(reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadUInt32(), reader.ReadCString());
                break;

            case PgOutputMessageType.CommitPrepared:
                RequireVersion(3, context);
                RequireOutsideStream(context);
                record = new CommitPreparedMessage(reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadUInt32(), reader.ReadCString());
                break;

            case PgOutputMessageType.RollbackPrepared:
                RequireVersion(3, context);
                RequireOutsideStream(context);
                record = new RollbackPreparedMessage(
                    reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadTimestamp(context), reader.ReadUInt32(), reader.ReadCString());
                break;

            case PgOutputMessageType.StreamPrepare:
                RequireVersion(3, context);
                RequireOutsideStream(context);
                record = new StreamPrepareMessage(reader.ReadByte(), reader.ReadLsn(), reader.ReadLsn(), reader.ReadTimestamp(context), reader.ReadUInt32(), reader.ReadCString());
                break;

            default:
                throw new PgProtocolException(ProtocolErrorKind.UnknownMessage, $"unknown pgoutput message type 0x{(byte)type:X2}");
        }

        reader.EnsureEnd();
        return record;
    }

    private uint ReadStreamedXid(ref PayloadReader reader) => HasStreamedXid ? reader.ReadUInt32() : 0;

    private static void ExpectTupleMarker(ref PayloadReader reader, byte expected, string context)
    {
        var marker = reader.ReadByte();
        if (marker != expected)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"expected tuple marker '{(char)expected}' in {context}, got 0x{marker:X2}");
        }
    }

    private void RequireVersion(int version, string context)
    {
        if (ProtocolVersion < version)
        {
            throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"{context} needs pgoutput protocol version {version}, this stream uses {ProtocolVersion}");
        }
    }

    private void RequireOutsideStream(string context)
    {
        if (InStreamingBlock)
        {
            throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"{context} inside a streaming block");
        }
    }

    private static string DescribeType(byte type) => (PgOutputMessageType)type switch
    {
        PgOutputMessageType.Begin => "pgoutput Begin",
        PgOutputMessageType.Message => "pgoutput Message",
        PgOutputMessageType.Commit => "pgoutput Commit",
        PgOutputMessageType.Origin => "pgoutput Origin",
        PgOutputMessageType.Relation => "pgoutput Relation",
        PgOutputMessageType.Type => "pgoutput Type",
        PgOutputMessageType.Insert => "pgoutput Insert",
        PgOutputMessageType.Update => "pgoutput Update",
        PgOutputMessageType.Delete => "pgoutput Delete",
        PgOutputMessageType.Truncate => "pgoutput Truncate",
        PgOutputMessageType.StreamStart => "pgoutput Stream Start",
        PgOutputMessageType.StreamStop => "pgoutput Stream Stop",
        PgOutputMessageType.StreamCommit => "pgoutput Stream Commit",
        PgOutputMessageType.StreamAbort => "pgoutput Stream Abort",
        PgOutputMessageType.BeginPrepare => "pgoutput Begin Prepare",
        PgOutputMessageType.Prepare => "pgoutput Prepare",
        PgOutputMessageType.CommitPrepared => "pgoutput Commit Prepared",
        PgOutputMessageType.RollbackPrepared => "pgoutput Rollback Prepared",
        PgOutputMessageType.StreamPrepare => "pgoutput Stream Prepare",
        _ => "pgoutput message",
    };
}
