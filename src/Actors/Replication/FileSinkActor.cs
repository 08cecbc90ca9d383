using System.Buffers;
using Akka.Actor;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>
/// Writes batches of committed transactions to the data file as JSON lines (or CSV records),
/// fsyncs them, then asks the LSN actor to persist the new position. A large transaction is
/// written in bounded pieces as it is encoded; nothing of a batch counts until its fsync and the
/// recorded position cover it, and a failed batch is cut back off the file.
/// <para>
/// JSON lines also take the parts of a streamed transaction before its commit (<see cref="StreamedPart"/>):
/// each change is encoded as it arrives into the transaction's pending lines (the part of a line
/// that does not depend on the commit, kept in memory up to a threshold, then in a temporary file),
/// and at the commit those lines are written to the data file with the commit's LSN, xid and time.
/// Pending lines are dropped at an abort (a subtransaction's only its own), and whenever the stream
/// starts again (it is asked for the position), since the server then sends the transaction again.
/// </para>
/// </summary>
public sealed class FileSinkActor : UntypedActor
{
    /// <summary>
    /// Encoded bytes collected before they are written out (a large transaction is written in pieces
    /// of this size). Small enough that a piece is still in the processor's cache when the kernel
    /// copies it into the page cache: on the 2-core machines here, writing 250 MB took 0.06 s of
    /// system time in 64-256 KB writes and 0.24-0.39 s in 1 MB writes (bench/README.md).
    /// </summary>
    internal const int ChunkSize = 128 * 1024;

    private readonly string _path;
    private readonly Func<string, IDataFile> _open;
    private readonly IActorRef _ack;
    private readonly DurableMark _mark;
    private readonly CsvLineEncoder? _csv;
    private readonly ArrayBufferWriter<byte>? _csvBuffer;
    private readonly JsonLineEncoder _json = new(ChunkSize + (64 * 1024));
    private readonly byte[]?[] _prefixes = new byte[]?[4];
    private readonly string? _pendingDirectory;
    private readonly int _pendingThreshold;

    // Per streamed transaction not yet committed: its encoded changes (slot byte + commit-independent fields).
    private readonly Dictionary<uint, TransactionBuffer> _pending = [];
    private IDataFile? _file;
    private Lsn _lastCommit;
    private long _offset;

    // End of the last complete (fsynced) batch: what the position store may record as durable.
    private long _completeOffset;

    // After a failed write every later batch is refused until a writer asks for the position again
    // (a restarted stream does): a later transaction written after a lost one would be recorded as
    // durable with the lost one missing before it.
    private bool _failed;

    private FileSinkActor(string path, DurableMark mark, IActorRef ack, CsvLineEncoder? csv, Func<string, IDataFile> open, string? pendingDirectory, int pendingThreshold)
    {
        _path = path;
        _pendingDirectory = pendingDirectory;
        _pendingThreshold = pendingThreshold;
        _open = open;
        _csv = csv;
        _csvBuffer = csv is null ? null : new ArrayBufferWriter<byte>(ChunkSize);
        _mark = mark;
        _lastCommit = mark.Commit;
        _offset = mark.Offset;
        _ack = ack;
    }

    // A switch, not ReceiveActor's handlers: those are matched through expression trees, which a
    // native build interprets, with a reflection call per message.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case TransactionBatch batch:
                OnBatch(batch);
                break;
            case GetSinkPosition:
                // The stream starts (again): it sends every transaction not durable here from its beginning.
                DropPending();
                _failed = false;
                Sender.Tell(new SinkPosition(_lastCommit, _offset));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <param name="lastCommit">The last commit recorded as durable in the file.</param>
    /// <param name="offset">The file length recorded with it; a longer file is cut back to it.</param>
    /// <param name="csv">When set, transactions are written as CSV records instead of JSON lines.</param>
    /// <param name="pendingDirectory">
    /// Where the pending lines of a streamed transaction go beyond <paramref name="pendingThreshold"/>
    /// bytes (as <c>*.spill</c> files, deleted when done); null keeps them in memory.
    /// </param>
    public static Props Props(string path, Lsn lastCommit, long offset, IActorRef ack, CsvLineEncoder? csv = null, string? pendingDirectory = null, int pendingThreshold = 16 << 20) =>
        Props(path, lastCommit, offset, ack, csv, LocalDataFile.Open, pendingDirectory, pendingThreshold);

    /// <param name="open">Opens the data file (tests put faults in it).</param>
    internal static Props Props(string path, Lsn lastCommit, long offset, IActorRef ack, CsvLineEncoder? csv, Func<string, IDataFile> open, string? pendingDirectory = null, int pendingThreshold = 16 << 20)
    {
        // Shared by the instances a restart makes: a restarted sink starts from the last batch it
        // made durable, never from where the run started (cutting back to that would remove data
        // already recorded as durable).
        var mark = new DurableMark(lastCommit, offset);
        return DelegateProps.Create(() => new FileSinkActor(path, mark, ack, csv, open, pendingDirectory, pendingThreshold));
    }

    /// <summary>The end of the last durable batch, kept across restarts of the actor.</summary>
    private sealed class DurableMark(Lsn commit, long offset)
    {
        public Lsn Commit { get; set; } = commit;

        public long Offset { get; set; } = offset;
    }

    protected override void PreStart()
    {
        // A restart comes here too: the mark (read by the constructor) is the last batch made
        // durable, so the file is cut back to that and never further.
        _file = _open(_path);
        if (_file.Length != _offset)
        {
            // A torn tail (written, never recorded as durable) is cut off before anything is appended.
            _file.SetLength(_offset);
            _file.Flush();
        }

        _file.Position = _offset;
        _completeOffset = _offset;
    }

    protected override void PostStop()
    {
        DropPending();
        _file?.Dispose();
    }

    private void DropPending()
    {
        foreach (var lines in _pending.Values)
        {
            lines.Dispose();
        }

        _pending.Clear();
    }

    private void OnBatch(TransactionBatch batch)
    {
        try
        {
            if (_failed)
            {
                batch.ReplyTo.Tell(new SinkWriteFailed($"writing {_path}: an earlier write failed"));
                return;
            }

            CommittedTransaction? last = null;
            var changes = 0;
            foreach (var transaction in batch.Transactions)
            {
                if (transaction.Part == StreamedPart.Changes)
                {
                    EncodePending(transaction);
                    continue;
                }

                if (transaction.Part == StreamedPart.Abort)
                {
                    AbortPending(transaction.Xid, transaction.SubXid);
                    continue;
                }

                if (transaction.CommitLsn <= _lastCommit || (last is not null && transaction.CommitLsn <= last.CommitLsn))
                {
                    if (transaction.Part == StreamedPart.Commit)
                    {
                        AbortPending(transaction.Xid, transaction.Xid);
                    }

                    continue;
                }

                changes += Encode(transaction);
                last = transaction;
            }

            if (last is null)
            {
                batch.ReplyTo.Tell(new BatchSkipped(batch.LastCommit));
                return;
            }

            WriteEncoded();
            _file!.Flush();
            _completeOffset = _offset;
            _lastCommit = last.CommitLsn;
            _mark.Commit = _lastCommit;
            _mark.Offset = _offset;
            _ack.Tell(new Durable(last.CommitLsn.Value, last.EndLsn.Value, _offset, changes), batch.ReplyTo);
        }
        catch (Exception ex)
        {
            _json.Clear();
            _csvBuffer?.Clear();

            // The stream starts again and sends the open transactions again from their beginning.
            DropPending();
            WriteFailed(ex, batch.ReplyTo);
        }
        finally
        {
            foreach (var transaction in batch.Transactions)
            {
                transaction.Buffer.Dispose();
            }
        }
    }

    /// <summary>
    /// Encodes changes of a streamed transaction that has not committed yet into its pending lines:
    /// per change the <see cref="ChangeKind"/> and the fields that do not depend on the commit.
    /// </summary>
    private void EncodePending(CommittedTransaction part)
    {
        if (_csv is not null)
        {
            throw new InvalidOperationException("the CSV file sink takes whole transactions only");
        }

        if (!_pending.TryGetValue(part.Xid, out var lines))
        {
            lines = new TransactionBuffer(_pendingDirectory, _pendingThreshold);
            _pending[part.Xid] = lines;
        }

        var reader = part.ReadChanges();
        while (reader.TryRead(out var change))
        {
            switch (change.Kind)
            {
                case ChangeKind.Insert or ChangeKind.Update or ChangeKind.Delete:
                    lines.Add(reader.Xid, change.Relation, (byte)change.Kind, _json.EncodeChangeFields(change));
                    break;
                case ChangeKind.Truncate:
                    lines.Add(reader.Xid, change.Relation, (byte)change.Kind, JsonLineEncoder.TruncateFields);
                    break;
            }
        }
    }

    /// <summary>Drops the pending lines of <paramref name="subXid"/> (all of <paramref name="xid"/>'s when equal).</summary>
    private void AbortPending(uint xid, uint subXid)
    {
        if (xid == subXid)
        {
            if (_pending.Remove(xid, out var lines))
            {
                lines.Dispose();
            }
        }
        else if (_pending.TryGetValue(xid, out var lines))
        {
            lines.AbortSubtransaction(subXid);
        }
    }

    /// <summary>Writes the pending lines of a streamed transaction that committed; returns the records written.</summary>
    private int WritePending(CommittedTransaction commit)
    {
        if (!_pending.Remove(commit.Xid, out var lines))
        {
            // The sink lost them (it started again while the transaction was open): the stream
            // starts again too, and the server sends the whole transaction anew.
            throw new IOException($"the earlier changes of streamed transaction {commit.Xid} are not held here");
        }

        using (lines)
        {
            var reader = lines.OpenReader();
            var count = 0;
            while (reader.TryRead(out _, out _, out var record))
            {
                var kind = record[0];
                var slot = SlotOf((ChangeKind)kind);
                var prefix = _prefixes[slot] ??= _json.MakePrefix(kind, commit.CommitLsn, commit.Xid, commit.CommitTime);
                _json.WriteLine(prefix, record[1..]);
                count++;
                if (_json.Length >= ChunkSize)
                {
                    WriteEncoded();
                }
            }

            return count;
        }
    }

    private static int SlotOf(ChangeKind kind) => kind switch
    {
        ChangeKind.Insert => 0,
        ChangeKind.Update => 1,
        ChangeKind.Delete => 2,
        ChangeKind.Truncate => 3,
        _ => -1,
    };

    /// <summary>Encodes a transaction's changes, writing out every full chunk; returns the records made.</summary>
    private int Encode(CommittedTransaction transaction)
    {
        Array.Clear(_prefixes);
        var count = 0;
        if (transaction.Part == StreamedPart.Commit)
        {
            count += WritePending(transaction);
        }

        var reader = transaction.ReadChanges();
        while (reader.TryRead(out var change))
        {
            if (_csv is not null)
            {
                _csv.Encode(change, transaction.CommitLsn, _csvBuffer!);
                count += change.Kind == ChangeKind.Relation ? 0 : 1;
                if (_csvBuffer!.WrittenCount >= ChunkSize)
                {
                    WriteEncoded();
                }

                continue;
            }

            var slot = SlotOf(change.Kind);
            if (slot < 0)
            {
                // A schema change has no line of its own: the lines after it show the new columns.
                continue;
            }

            var prefix = _prefixes[slot] ??= _json.MakePrefix((byte)change.Kind, transaction.CommitLsn, transaction.Xid, transaction.CommitTime);
            _json.WriteLine(prefix, change.Kind == ChangeKind.Truncate ? JsonLineEncoder.TruncateFields : _json.EncodeChangeFields(change));
            count++;
            if (_json.Length >= ChunkSize)
            {
                WriteEncoded();
            }
        }

        return count;
    }

    /// <summary>Writes what is encoded so far (not fsynced).</summary>
    private void WriteEncoded()
    {
        if (_json.Length > 0)
        {
            _file!.Write(_json.WrittenSpan);
            _offset += _json.Length;
            _json.Clear();
        }

        if (_csvBuffer is { WrittenCount: > 0 })
        {
            _file!.Write(_csvBuffer.WrittenSpan);
            _offset += _csvBuffer.WrittenCount;
            _csvBuffer.ResetWrittenCount();
        }
    }

    /// <summary>
    /// A write, fsync or CSV transcoding failed: the file goes back to the end of the last complete
    /// batch (what the state may record as durable), and the writer hears why. The actor goes on
    /// (a restart would forget its position).
    /// </summary>
    private void WriteFailed(Exception ex, IActorRef replyTo)
    {
        _offset = _completeOffset;
        _failed = true;

        // An I/O error may pass (space freed, a device back); anything else would fail again.
        // The file is cut back before the writer hears of the failure, so that whoever hears it
        // finds the file as the state records it.
        var transient = ex is IOException or UnauthorizedAccessException;
        Exception? cutFailed = null;
        try
        {
            _file!.SetLength(_completeOffset);
            _file.Position = _completeOffset;
        }
        catch (Exception cut) when (cut is IOException or UnauthorizedAccessException)
        {
            cutFailed = cut;
        }

        replyTo.Tell(new SinkWriteFailed(transient ? $"writing {_path} failed: {ex.Message}" : ex.Message, Permanent: !transient));
        if (cutFailed is not null)
        {
            // Appending after a tail that could not be cut off would put it in the middle of the
            // file: the actor starts again (the supervisor restarts it), and its start opens the
            // file anew and cuts it back to the last durable batch, or stops the sink if it cannot.
            throw new IOException($"cutting {_path} back to {_completeOffset} bytes after a failed write failed: {cutFailed.Message}", cutFailed);
        }
    }
}

/// <summary>The data file as the file sink uses it: appends, fsync, and cutting back a torn tail.</summary>
internal interface IDataFile : IDisposable
{
    long Length { get; }

    long Position { get; set; }

    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Writes out what is buffered and fsyncs the file.</summary>
    void Flush();

    void SetLength(long length);
}

/// <summary>The data file on disk.</summary>
internal sealed class LocalDataFile(FileStream file) : IDataFile
{
    public static IDataFile Open(string path) =>
        new LocalDataFile(new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None));

    public long Length => file.Length;

    public long Position { get => file.Position; set => file.Position = value; }

    public void Write(ReadOnlySpan<byte> bytes) => file.Write(bytes);

    public void Flush() => file.Flush(flushToDisk: true);

    public void SetLength(long length) => file.SetLength(length);

    public void Dispose() => file.Dispose();
}
