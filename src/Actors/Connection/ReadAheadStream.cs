namespace PgWire.Actors.Connection;

/// <summary>
/// The socket under a TLS stream, read in large pieces. <see cref="System.Net.Security.SslStream"/>
/// asks its inner stream for a few kilobytes at a time (its own buffer's free space), so a fast
/// stream of small records (a walsender sends one per change) costs a receive call per few
/// records; through this stream one call takes whatever the kernel has queued, up to the buffer,
/// and the TLS layer's reads are served from memory until it is used up. Writes and flushes go
/// straight through. Not thread-safe for concurrent reads (a connection has one read at a time).
/// </summary>
internal sealed class ReadAheadStream(Stream inner, int bufferSize = ReadAheadStream.DefaultBufferSize) : Stream
{
    public const int DefaultBufferSize = 64 * 1024;

    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    /// <summary>Bytes read from the socket and not yet passed on.</summary>
    public int Buffered => _end - _start;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int ReadTimeout { get => inner.ReadTimeout; set => inner.ReadTimeout = value; }

    public override int WriteTimeout { get => inner.WriteTimeout; set => inner.WriteTimeout = value; }

    public override bool CanTimeout => inner.CanTimeout;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_start == _end)
        {
            if (buffer.Length >= _buffer.Length)
            {
                return inner.Read(buffer);
            }

            _start = 0;
            _end = inner.Read(_buffer);
        }

        return TakeBuffered(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        if (_start < _end)
        {
            return ValueTask.FromResult(TakeBuffered(buffer.Span));
        }

        if (buffer.Length >= _buffer.Length)
        {
            return inner.ReadAsync(buffer, cancellationToken);
        }

        return FillAndTakeAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> FillAndTakeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _start = 0;
        _end = 0;
        _end = await inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return TakeBuffered(buffer.Span);
    }

    private int TakeBuffered(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
