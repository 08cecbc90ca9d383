namespace PgWire.Host.Simpsql;

/// <summary>
/// The standard input of a child process that output is piped into (a pager, \o |COMMAND): once a write
/// fails because the process stopped reading (the pipe broke), later writes are dropped, as psql, which
/// ignores SIGPIPE, goes on. With a <c>bufferSize</c>, writes are gathered and sent on a block at a time
/// and when flushed, as psql's stdio buffers a pipe: the command gets a result whole, not a line per read.
/// </summary>
internal sealed class ToleratedPipe(Stream pipe, int bufferSize = 0) : Stream
{
    private readonly Stream _inner = bufferSize > 0 ? new BufferedStream(pipe, bufferSize) : pipe;

    public bool Broken { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Broken)
        {
            return;
        }

        try
        {
            _inner.Write(buffer);
        }
        catch (IOException)
        {
            Broken = true;
        }
    }

    public override void Flush()
    {
        if (Broken)
        {
            return;
        }

        try
        {
            _inner.Flush();
        }
        catch (IOException)
        {
            Broken = true;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _inner.Dispose();
            }
            catch (IOException)
            {
                Broken = true;
            }
        }

        base.Dispose(disposing);
    }
}
