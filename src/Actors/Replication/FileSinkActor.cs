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
        Receive<DiscardParts>(_ => DiscardIncomplete());
        Receive<GetSinkPosition>(_ => Sender.Tell(new SinkPosition(_lastCommit, _offset)));
    }

    public static Props Props(string path, Lsn lastCommit, long offset, IActorRef ack, CsvLineEncoder? csv = null) =>
        Akka.Actor.Props.Create(() => new FileSinkActor(path, lastCommit, offset, ack, csv));

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
            if (part.CommitLsn > _lastCommit)
            {
                _offset += Append(part.Data.AsSpan(0, part.Length));
            }

            part.ReplyTo.Tell(new PartAppended(part.CommitLsn));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(part.Data);
        }
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
