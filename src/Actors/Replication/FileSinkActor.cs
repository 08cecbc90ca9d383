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
    }

    protected override void PostStop() => _file?.Dispose();

    private void OnWrite(WriteBatch batch)
    {
        try
        {
            if (batch.CommitLsn <= _lastCommit)
            {
                batch.ReplyTo.Tell(new BatchSkipped(batch.CommitLsn));
                return;
            }

            var length = batch.Length;
            if (_csv is not null)
            {
                _csvBuffer!.Clear();
                _csv.Transcode(batch.Data.AsSpan(0, batch.Length), _csvBuffer);
                _file!.Write(_csvBuffer.WrittenSpan);
                length = _csvBuffer.WrittenCount;
            }
            else
            {
                _file!.Write(batch.Data, 0, batch.Length);
            }

            _file.Flush(flushToDisk: true);
            _offset += length;
            _lastCommit = batch.CommitLsn;
            _ack.Tell(new Durable(batch.CommitLsn.Value, batch.EndLsn.Value, _offset, batch.Changes), batch.ReplyTo);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch.Data);
        }
    }
}
