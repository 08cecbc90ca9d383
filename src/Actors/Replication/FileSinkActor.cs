using System.Buffers;
using Akka.Actor;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>Committed transactions as JSON lines; <see cref="Data"/> is rented from the shared array pool and returned by the sink.</summary>
public sealed record WriteBatch(byte[] Data, int Length, Lsn CommitLsn, Lsn EndLsn, int Changes, IActorRef ReplyTo);

/// <summary>The batch was already in the file and was not written again.</summary>
public sealed record BatchSkipped(Lsn CommitLsn);

public sealed class GetSinkPosition
{
    public static readonly GetSinkPosition Instance = new();
    private GetSinkPosition()
    {
    }
}

/// <summary>The commit of the last transaction written (fsynced, possibly not yet persisted) and the file length.</summary>
public sealed record SinkPosition(Lsn CommitLsn, long FileOffset);

/// <summary>Appends batches to the data file, fsyncs them, then asks the LSN actor to persist the new position.</summary>
public sealed class FileSinkActor : ReceiveActor
{
    private readonly string _path;
    private readonly IActorRef _ack;
    private readonly CsvLineEncoder? _csv;
    private readonly ArrayBufferWriter<byte>? _csvBuffer;
    private FileStream? _file;
    private Lsn _lastCommit;
    private long _offset;

    // End of the last complete (fsynced and persisted) batch; parts of an unfinished transaction lie beyond it.
    private long _completeOffset;

    // After a failed write every later batch or part is refused until a writer asks for the position
    // again (a restarted stream does): a later transaction written after a lost one would be recorded
    // as durable with the lost one missing before it.
    private bool _failed;

    /// <param name="csv">When set, batches (JSON lines) are written as CSV records instead.</param>
    public FileSinkActor(string path, Lsn lastCommit, long offset, IActorRef ack, CsvLineEncoder? csv = null)
    {
        _path = path;
        _csv = csv;
        _csvBuffer = csv is null ? null : new ArrayBufferWriter<byte>(64 * 1024);
        _lastCommit = lastCommit;
        _offset = offset;
        _ack = ack;

        Receive<WriteBatch>(OnWrite);
        Receive<AppendPart>(OnPart);
        Receive<DiscardParts>(_ =>
        {
            _failed = false;
            DiscardIncomplete();
        });
        Receive<GetSinkPosition>(_ =>
        {
            _failed = false;
            Sender.Tell(new SinkPosition(_lastCommit, _offset));
        });
    }

    public static Props Props(string path, Lsn lastCommit, long offset, IActorRef ack, CsvLineEncoder? csv = null) =>
        DelegateProps.Create(() => new FileSinkActor(path, lastCommit, offset, ack, csv));

    protected override void PreStart()
    {
        _file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        if (_file.Length != _offset)
        {
            _file.SetLength(_offset);
        }

        _file.Position = _offset;
        _completeOffset = _offset;
    }

    protected override void PostStop() => _file?.Dispose();

    private void OnPart(AppendPart part)
    {
        try
        {
            if (_failed)
            {
                part.ReplyTo.Tell(new SinkWriteFailed($"writing {_path}: an earlier write failed"));
                return;
            }

            if (part.CommitLsn > _lastCommit)
            {
                _offset += Append(part.Data.AsSpan(0, part.Length));
            }

            part.ReplyTo.Tell(new PartAppended(part.CommitLsn));
        }
        catch (Exception ex)
        {
            WriteFailed(ex, part.ReplyTo);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(part.Data);
        }
    }

    /// <summary>
    /// A write, fsync or CSV transcoding failed: the file goes back to the end of the last complete
    /// batch (what the state may record as durable), and the writer hears why. The actor goes on
    /// (a restart would forget its position).
    /// </summary>
    private void WriteFailed(Exception ex, IActorRef replyTo)
    {
        try
        {
            _file!.SetLength(_completeOffset);
            _file.Position = _completeOffset;
        }
        catch (Exception cut) when (cut is IOException or UnauthorizedAccessException)
        {
            // The next start cuts the file back to the recorded offset anyway.
        }

        _offset = _completeOffset;
        _failed = true;

        // An I/O error may pass (space freed, a device back); anything else would fail again.
        var transient = ex is IOException or UnauthorizedAccessException;
        replyTo.Tell(new SinkWriteFailed(transient ? $"writing {_path} failed: {ex.Message}" : ex.Message, Permanent: !transient));
    }

    private void DiscardIncomplete()
    {
        if (_offset != _completeOffset)
        {
            _file!.SetLength(_completeOffset);
            _file.Position = _completeOffset;
            _offset = _completeOffset;
        }
    }

    private void OnWrite(WriteBatch batch)
    {
        try
        {
            if (_failed)
            {
                batch.ReplyTo.Tell(new SinkWriteFailed($"writing {_path}: an earlier write failed"));
                return;
            }

            if (batch.CommitLsn <= _lastCommit)
            {
                batch.ReplyTo.Tell(new BatchSkipped(batch.CommitLsn));
                return;
            }

            _offset += Append(batch.Data.AsSpan(0, batch.Length));
            _file!.Flush(flushToDisk: true);
            _completeOffset = _offset;
            _lastCommit = batch.CommitLsn;
            _ack.Tell(new Durable(batch.CommitLsn.Value, batch.EndLsn.Value, _offset, batch.Changes), batch.ReplyTo);
        }
        catch (Exception ex)
        {
            WriteFailed(ex, batch.ReplyTo);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch.Data);
        }
    }

    /// <summary>Writes JSON lines as they are, or transcoded to CSV records; returns the bytes written.</summary>
    private int Append(ReadOnlySpan<byte> jsonLines)
    {
        if (_csv is null)
        {
            _file!.Write(jsonLines);
            return jsonLines.Length;
        }

        _csvBuffer!.Clear();
        _csv.Transcode(jsonLines, _csvBuffer);
        _file!.Write(_csvBuffer.WrittenSpan);
        return _csvBuffer.WrittenCount;
    }
}
