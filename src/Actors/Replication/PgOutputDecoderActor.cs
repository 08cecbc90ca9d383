using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>
/// Reply of <see cref="PgOutputDecoderActor"/> to one <see cref="FrameBatch"/> of CopyData: every byte
/// of the batch has been consumed, so the batch may be acknowledged to the connection.
/// </summary>
/// <param name="Committed">
/// Transactions whose commit was in the batch, in commit order, and (with <see cref="StreamTarget.StreamedParts"/>)
/// parts of streamed transactions in stream order among them; the receiver owns their buffers.
/// </param>
/// <param name="WalEnd">The highest WAL position the batch's XLogData and keepalives reported; invalid when it had none.</param>
/// <param name="Keepalive">Whether the batch held a primary keepalive.</param>
/// <param name="ReplyRequested">Whether a keepalive of the batch asked for an immediate status update.</param>
/// <param name="Open">
/// Whether, after the batch, a transaction is open (Begin seen, Commit not yet) or streamed transactions
/// are buffered: changes received so far are then not all committed and handed on.
/// </param>
public sealed record FrameBatchDecoded(IReadOnlyList<CommittedTransaction> Committed, Lsn WalEnd, bool Keepalive, bool ReplyRequested, bool Open);

/// <summary>
/// Decodes the pgoutput messages of one replication stream and collects the target table's changes
/// per transaction, as typed events over the bytes the server sent (no value is converted here): ordinary ones between Begin and Commit, streamed ones per top-level xid between
/// Stream Start and Stop until Stream Commit hands them on or Stream Abort drops them (a subtransaction's
/// abort drops only its changes). Keeps the relation cache; a Relation message that changes the target
/// table's shape is a <see cref="ChangeKind.Relation"/> event; changes of other tables are ignored,
/// except that a table met for the first time is added to <see cref="StreamTarget.Additions"/> (when
/// set) and followed from then on under the next route. Large
/// transactions spill to <see cref="StreamTarget.SpillDirectory"/>. Transactions committed at or before
/// the skip position (already durable) are dropped.
/// <para>
/// Takes the <see cref="FrameBatch"/>es of the replication connection and answers each with one
/// <see cref="FrameBatchDecoded"/> to its sender once the batch's bytes are copied; acknowledging the
/// batch to the connection is the sender's business. All state lives in the actor: it is a child of
/// the stream actor and is dropped with it, so a restart resumes from the durable position. A failure
/// is thrown as <see cref="LreplException"/>; a column type with no decoded binary form also switches
/// the shared <see cref="BinaryStreaming"/> to text first, so that the restarted stream asks for text.
/// </para>
/// </summary>
public sealed class PgOutputDecoderActor : UntypedActor
{
    private static readonly CommittedTransaction[] NoneCommitted = [];

    private readonly StreamTarget _target;
    private readonly List<StreamTable> _routes;
    private readonly Dictionary<(string Schema, string Table), int> _routeOf = [];
    private readonly bool _binary;
    private readonly PgOutputDecoder _decoder;
    private readonly Dictionary<uint, Routed?> _relations = [];

    // Per open transaction one buffer per route, made when the route's first change arrives.
    private readonly Dictionary<uint, TransactionBuffer?[]> _streamed = [];

    // Per open streamed transaction, the routes whose sinks already hold parts of it (StreamTarget.StreamedParts).
    private readonly Dictionary<uint, HashSet<int>> _partsHandedOn = [];

    private List<CommittedTransaction>? _committed;
    private Lsn _skipUpTo;
    private bool _inTransaction;
    private bool _skipTransaction;
    private TransactionBuffer?[] _transaction;
    private uint _transactionXid;

    /// <summary>A followed table's relation and the route its changes go to.</summary>
    private sealed record Routed(TableRelation Table, int Route);

    /// <param name="target">The table followed, where to spill, and the binary type catalog.</param>
    /// <param name="protocolVersion">The pgoutput proto_version the stream was started with.</param>
    /// <param name="skipUpTo">Commits at or before this position are already durable and are dropped.</param>
    /// <param name="binary">Whether the stream was started with pgoutput <c>binary</c>; needs <see cref="StreamTarget.Binary"/>.</param>
    public PgOutputDecoderActor(StreamTarget target, int protocolVersion, Lsn skipUpTo, bool binary)
    {
        if (binary && target.Binary is null)
        {
            throw new ArgumentException("binary transfer needs StreamTarget.Binary", nameof(binary));
        }

        _target = target;
        _routes = [.. target.Routes];
        if (target.Additions is { } additions)
        {
            // Tables added to the stream before this decoder started keep their routes.
            foreach (var added in additions.All)
            {
                AddRoute(added);
            }
        }

        for (var i = 0; i < _routes.Count; i++)
        {
            _routeOf[(_routes[i].Schema, _routes[i].Table)] = i;
        }

        _transaction = new TransactionBuffer?[_routes.Count];
        _binary = binary;
        _skipUpTo = skipUpTo;
        _decoder = new PgOutputDecoder(protocolVersion);
    }

    protected override void OnReceive(object message)
    {
        if (message is FrameBatch batch)
        {
            OnFrameBatch(batch);
        }
        else
        {
            Unhandled(message);
        }
    }

    public static Props Props(StreamTarget target, int protocolVersion, Lsn skipUpTo, bool binary) =>
        DelegateProps.Create(() => new PgOutputDecoderActor(target, protocolVersion, skipUpTo, binary));

    private bool Open => _inTransaction || _streamed.Count > 0;

    protected override void PostStop()
    {
        DisposeAll(_transaction);
        foreach (var buffers in _streamed.Values)
        {
            DisposeAll(buffers);
        }

        _streamed.Clear();
        foreach (var committed in _committed ?? [])
        {
            committed.Buffer.Dispose();
        }

        _committed = null;
    }

    private void OnFrameBatch(FrameBatch batch)
    {
        var walEnd = Lsn.Invalid;
        var keepalive = false;
        var replyRequested = false;
        if (batch.Code == BackendMessageCode.CopyData)
        {
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var payload = batch[i];
                    switch (ReplicationCopyData.GetServerMessageType(payload))
                    {
                        case ReplicationMessageType.PrimaryKeepalive:
                            var ka = PrimaryKeepalive.Parse(payload);
                            keepalive = true;
                            replyRequested |= ka.ReplyRequested;
                            walEnd = Max(walEnd, ka.WalEnd);
                            break;
                        case ReplicationMessageType.XLogData:
                            var xlog = XLogData.Parse(payload);
                            OnPgOutput(xlog.Data);
                            walEnd = Max(walEnd, xlog.WalEnd);
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is not LreplException)
            {
                throw new LreplException("decoding the replication stream failed: " + ex.Message, ex);
            }
        }

        IReadOnlyList<CommittedTransaction> committed = _committed is null ? NoneCommitted : _committed;
        _committed = null;
        Sender.Tell(new FrameBatchDecoded(committed, walEnd, keepalive, replyRequested, Open));
    }

    private static Lsn Max(Lsn a, Lsn b) => b > a ? b : a;

    private void OnPgOutput(ReadOnlySpan<byte> data)
    {
        if (_decoder.TryPeekRowChange(data, out var changeXid, out var relationId, out var bodyStart))
        {
            // Routed by its header and kept as sent, without the xid a streamed block adds after the
            // type byte: the sink reads (and checks) the tuples when it encodes the change.
            if (_relations.TryGetValue(relationId, out var routed) && routed is not null && CurrentBuffer(routed.Route) is { } buffer)
            {
                buffer.Add(changeXid, routed.Table, data[0], data[bodyStart..]);
                if (buffer.Bytes >= _target.BatchBytes && _decoder.InStreamingBlock && TakesParts(routed.Route))
                {
                    HandOnPart(_decoder.StreamingXid, routed.Route);
                }
            }

            return;
        }

        var blockXid = _decoder.StreamingXid;
        var message = _decoder.Decode(data);
        switch (message.Type)
        {
            case PgOutputMessageType.StreamStop:
                // The server goes on with other transactions: what this block brought goes to the sinks that take parts.
                if (_target.StreamedParts && _streamed.TryGetValue(blockXid, out var block))
                {
                    for (var route = 0; route < block.Length; route++)
                    {
                        if (block[route] is { Count: > 0 } && TakesParts(route))
                        {
                            HandOnPart(blockXid, route);
                        }
                    }
                }

                break;
            case PgOutputMessageType.Begin:
                var begin = (BeginMessage)message.Record!;
                _inTransaction = true;
                _transactionXid = begin.Xid;
                DisposeAll(_transaction);
                _skipTransaction = begin.FinalLsn <= _skipUpTo;
                break;
            case PgOutputMessageType.Relation:
                OnRelation((RelationMessage)message.Record!);
                break;
            case PgOutputMessageType.Truncate:
                var truncate = (TruncateMessage)message.Record!;
                foreach (var id in truncate.RelationIds)
                {
                    if (_relations.TryGetValue(id, out var truncated) && truncated is not null && CurrentBuffer(truncated.Route) is { } target)
                    {
                        target.Add(truncate.Xid, truncated.Table, (byte)ChangeKind.Truncate, default);
                    }
                }

                break;
            case PgOutputMessageType.Commit:
                var commit = (CommitMessage)message.Record!;
                Committed(_transaction, commit.CommitLsn, commit.EndLsn, _transactionXid, commit.CommitTimestamp);
                _inTransaction = false;
                break;
            case PgOutputMessageType.StreamCommit:
                var streamCommit = (StreamCommitMessage)message.Record!;
                _partsHandedOn.Remove(streamCommit.Xid, out var withParts);
                if (_streamed.Remove(streamCommit.Xid, out var streamedBuffers))
                {
                    if (streamCommit.CommitLsn > _skipUpTo)
                    {
                        Committed(streamedBuffers, streamCommit.CommitLsn, streamCommit.EndLsn, streamCommit.Xid, streamCommit.CommitTimestamp, withParts);
                    }
                    else
                    {
                        // Already durable: the parts handed on are dropped by the sinks.
                        DisposeAll(streamedBuffers);
                        PartsAborted(streamCommit.Xid, streamCommit.Xid, withParts);
                    }
                }

                break;
            case PgOutputMessageType.StreamAbort:
                var abort = (StreamAbortMessage)message.Record!;
                if (abort.Xid == abort.SubXid)
                {
                    if (_streamed.Remove(abort.Xid, out var aborted))
                    {
                        DisposeAll(aborted);
                    }

                    _partsHandedOn.Remove(abort.Xid, out var abortedParts);
                    PartsAborted(abort.Xid, abort.Xid, abortedParts);
                }
                else if (_streamed.TryGetValue(abort.Xid, out var parents))
                {
                    foreach (var parent in parents)
                    {
                        parent?.AbortSubtransaction(abort.SubXid);
                    }

                    PartsAborted(abort.Xid, abort.SubXid, _partsHandedOn.GetValueOrDefault(abort.Xid));
                }

                break;
        }
    }

    private void OnRelation(RelationMessage relation)
    {
        if (!_routeOf.TryGetValue((relation.Namespace, relation.Name), out var route))
        {
            if (_target.Additions is { } additions && JoinsLive(relation, additions.JsonFormat))
            {
                // Its columns first: a type binary transfer cannot take restarts the stream as text before the table is added.
                Columns(relation, new StreamTable(relation.Namespace, relation.Name, additions.JsonFormat));
                route = AddRoute(additions.Add(relation.Namespace, relation.Name));
            }
            else
            {
                _relations[relation.RelationId] = null;
                _target.OnUnknownTable?.Invoke(relation.Namespace + "." + relation.Name);
                return;
            }
        }

        var table = new TableRelation(relation.RelationId, relation.Namespace, relation.Name, relation.ReplicaIdentity, Columns(relation, _routes[route]));
        if (_relations.TryGetValue(relation.RelationId, out var previous) && previous is not null)
        {
            if (table.SameShape(previous.Table))
            {
                // Sent again (a new session, or after an unrelated catalog change): nothing changed.
                return;
            }

            CurrentBuffer(route)?.Add(relation.Xid, table, (byte)ChangeKind.Relation, default);
        }

        _relations[relation.RelationId] = new Routed(table, route);
    }

    /// <summary>
    /// The target table's columns; in binary mode each with its resolved binary type. A type that
    /// cannot be decoded (say a column added with a new type) sends the stream back to text: it
    /// restarts from the durable position, so the open transaction comes again, as text.
    /// </summary>
    private ColumnInfo[] Columns(RelationMessage relation, StreamTable route)
    {
        var columns = new ColumnInfo[relation.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var c = relation.Columns[i];
            var binaryType = default(BinaryColumnType);
            if (_binary && !BinaryTextFormatter.TryResolve(c.TypeId, _target.Binary!.Catalog, out binaryType))
            {
                var reason = $"column \"{c.Name}\" of {relation.Namespace}.{relation.Name} has type {c.TypeId}, which has no binary form decoded here";
                _target.Binary.SwitchToText(reason);
                throw new LreplException(reason + "; reconnecting to stream text");
            }

            columns[i] = new ColumnInfo(c.Name, c.TypeId, c.IsKey, binaryType, JsonValueType.Resolve(c.TypeId, route.JsonFormat, _target.Binary?.Catalog ?? route.Types), c.TypeModifier);
        }

        return columns;
    }

    /// <summary>
    /// Whether a table new to the stream can join it while it runs: its values are typed without
    /// the database's catalog of enums, domains and arrays (binary transfer has that catalog; a text
    /// stream of format version 2 would need it loaded for the table, and a table of other types is
    /// copied when the run starts again instead).
    /// </summary>
    private bool JoinsLive(RelationMessage relation, int jsonFormat) =>
        _binary || jsonFormat <= JsonLineFormat.V1 || relation.Columns.All(c => JsonValueType.KnownWithoutCatalog(c.TypeId));

    /// <summary>Follows an added table from here on, under its route.</summary>
    private int AddRoute(TableAddition added)
    {
        while (_routes.Count <= added.Route)
        {
            _routes.Add(null!);
        }

        _routes[added.Route] = added.Stream;
        _routeOf[(added.Schema, added.Table)] = added.Route;
        return added.Route;
    }

    private TransactionBuffer NewBuffer() => new(_target.SpillDirectory, _target.SpillThreshold);

    /// <summary>
    /// A buffer for the next part of a streamed transaction: handed on once it holds
    /// <see cref="StreamTarget.BatchBytes"/>, so it starts that large (and a message more) instead of
    /// growing there step by step, copying what it holds each time.
    /// </summary>
    private TransactionBuffer NewPartBuffer() => new(_target.SpillDirectory, _target.SpillThreshold, _target.BatchBytes + (64 * 1024));

    /// <summary>
    /// The buffer a change of <paramref name="route"/> belongs to: of the streamed transaction of the
    /// current block, or of the open ordinary one (none when that one is already durable).
    /// </summary>
    private TransactionBuffer? CurrentBuffer(int route)
    {
        TransactionBuffer?[] buffers;
        if (_decoder.InStreamingBlock)
        {
            var xid = _decoder.StreamingXid;
            if (!_streamed.TryGetValue(xid, out buffers!))
            {
                buffers = new TransactionBuffer?[_routes.Count];
                _streamed[xid] = buffers;
            }
        }
        else if (_inTransaction && !_skipTransaction)
        {
            buffers = _transaction;
        }
        else
        {
            return null;
        }

        if (route >= buffers.Length)
        {
            // A table added while the transaction was open.
            Array.Resize(ref buffers, _routes.Count);
            if (_decoder.InStreamingBlock)
            {
                _streamed[_decoder.StreamingXid] = buffers;
            }
            else
            {
                _transaction = buffers;
            }
        }

        return buffers[route] ??= _decoder.InStreamingBlock && TakesParts(route) ? NewPartBuffer() : NewBuffer();
    }

    /// <summary>
    /// Hands on each route's part of a committed transaction (routes it did not touch have none) and
    /// empties <paramref name="buffers"/>; a route whose sink holds parts of it (<paramref name="withParts"/>)
    /// gets its <see cref="StreamedPart.Commit"/>, with the changes since the last part.
    /// </summary>
    private void Committed(TransactionBuffer?[] buffers, Lsn commitLsn, Lsn endLsn, uint xid, DateTimeOffset commitTime, HashSet<int>? withParts = null)
    {
        for (var route = 0; route < buffers.Length; route++)
        {
            var buffer = buffers[route];
            buffers[route] = null;
            if (withParts?.Contains(route) == true)
            {
                buffer ??= NewBuffer();
                (_committed ??= []).Add(new CommittedTransaction(buffer, commitLsn, endLsn, xid, commitTime) { Route = route, Part = StreamedPart.Commit });
            }
            else if (buffer is null)
            {
                continue;
            }
            else if (buffer.Count > 0)
            {
                (_committed ??= []).Add(new CommittedTransaction(buffer, commitLsn, endLsn, xid, commitTime) { Route = route });
            }
            else
            {
                buffer.Dispose();
            }
        }

        _skipUpTo = commitLsn;
    }

    /// <summary>Whether changes of <paramref name="route"/> go to its sink before their transaction commits (a table the stream started with).</summary>
    private bool TakesParts(int route) => _target.StreamedParts && route < _target.Routes.Count;

    /// <summary>Hands the changes of streamed transaction <paramref name="xid"/> buffered for <paramref name="route"/> on to its sink as a part.</summary>
    private void HandOnPart(uint xid, int route)
    {
        var buffers = _streamed[xid];
        var buffer = buffers[route]!;
        buffers[route] = null;
        if (!_partsHandedOn.TryGetValue(xid, out var routes))
        {
            routes = [];
            _partsHandedOn[xid] = routes;
        }

        routes.Add(route);
        (_committed ??= []).Add(new CommittedTransaction(buffer, Lsn.Invalid, Lsn.Invalid, xid, default) { Route = route, Part = StreamedPart.Changes });
    }

    /// <summary>Tells the sinks holding parts of <paramref name="xid"/> that those of <paramref name="subXid"/> (the whole transaction when equal) are void.</summary>
    private void PartsAborted(uint xid, uint subXid, HashSet<int>? routes)
    {
        foreach (var route in routes ?? [])
        {
            (_committed ??= []).Add(new CommittedTransaction(new TransactionBuffer(null, 0), Lsn.Invalid, Lsn.Invalid, xid, default) { Route = route, Part = StreamedPart.Abort, SubXid = subXid });
        }
    }

    private static void DisposeAll(TransactionBuffer?[] buffers)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i]?.Dispose();
            buffers[i] = null;
        }
    }
}
