using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using PgWire.Protocol;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;

namespace PgWire.Actors.Connection;

/// <summary>Socket reads into the pooled receive buffer, frame scanning into batches, writes and closing the socket.</summary>
public sealed partial class ConnectionActor
{
    // ---------------------------------------------------------------- socket plumbing

    private sealed record ReadCompleted(int Count);
    private sealed record ReadFailed(Exception Error);

    private void StartRead()
    {
        if (_reading || _stream is null || _unacked >= _options.MaxUnackedBatches)
        {
            return;
        }

        if (_callerReads is not null && _established && !_busy && !_draining)
        {
            // The caller reads only while it waits for an answer (libpq's way): an idle session
            // reads nothing until the next command, so a blocked read never holds the caller's
            // thread when something else (a message of another thread) is what it waits for.
            return;
        }

        EnsureReadSpace();
        _reading = true;
        var stream = _stream;
        var memory = _buffer.AsMemory(_end);
        var self = Self;
        if (_callerReads is not null)
        {
            _offeredRead = new CallerRead(stream, _socket, memory, self);
            _callerReads.Offer(_offeredRead);
            return;
        }

        var delay = _busy ? _options.ReadCoalesceDelay : TimeSpan.Zero;
        _ = ReadAsync(stream, _socket, memory, self, delay, _lowWatermark);
    }

    /// <summary>The largest TLS record: header, 16 KiB of data and the most a cipher may add.</summary>
    private const int MaxTlsRecord = 5 + (16 * 1024) + 2048;

    private static async Task ReadAsync(Stream stream, Socket? socket, Memory<byte> memory, IActorRef self, TimeSpan coalesce, LowWatermark.Mark mark)
    {
        try
        {
            int total;
            if (coalesce > TimeSpan.Zero && socket is not null && LowWatermark.Supported)
            {
                total = await LowWatermark.ReadAsync(stream, socket, memory, coalesce, mark).ConfigureAwait(false);
            }
            else
            {
                if (socket is not null && LowWatermark.Supported)
                {
                    LowWatermark.Lower(socket, mark);
                }

                total = await stream.ReadAsync(memory).ConfigureAwait(false);
                if (coalesce > TimeSpan.Zero && total > 0 && total < memory.Length / 2)
                {
                    await Task.Delay(coalesce).ConfigureAwait(false);
                }
            }

            // While more bytes are already waiting, keep filling the buffer: one self-message then
            // carries many rows instead of one TLS record's worth. Over TLS only while a whole
            // record is surely queued, so that these reads never wait: the rest of a record may
            // be fewer bytes than a raised low-water mark, and only the first read of a round
            // lowers the mark when it has waited too long.
            var queuedEnough = stream is SslStream ? MaxTlsRecord : 1;
            while (total > 0 && memory.Length - total >= 16 * 1024 && socket is not null && socket.Available >= queuedEnough)
            {
                var n = await stream.ReadAsync(memory[total..]).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            self.Tell(new ReadCompleted(total));
        }
        catch (Exception ex)
        {
            self.Tell(new ReadFailed(ex));
        }
    }

    private void EnsureReadSpace()
    {
        var needed = _buffer.Length;
        if (_end - _start >= FrameScanner.HeaderLength
            && _scanner.TryReadHeader(_buffer.AsSpan(_start, _end - _start), out _, out var payloadLength))
        {
            needed = Math.Max(needed, FrameScanner.HeaderLength + payloadLength);
        }

        if (_bufferShared || needed > _buffer.Length)
        {
            var size = _buffer.Length;
            while (size < needed)
            {
                size = (int)Math.Min((long)size * 2, (long)_options.MaxMessageLength + 1);
            }

            var fresh = ArrayPool<byte>.Shared.Rent(Math.Max(size, _options.ReceiveBufferSize));
            _buffer.AsSpan(_start, _end - _start).CopyTo(fresh);
            _end -= _start;
            _start = 0;
            var old = _buffer;
            _buffer = fresh;
            _bufferShared = false;
            ReleaseIfUnused(old);
        }
        else if (_end == _buffer.Length || (_start > 0 && _buffer.Length - _end < 4096))
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private void OnReadCompleted(ReadCompleted m)
    {
        _reading = false;
        _offeredRead = null;
        if (m.Count == 0)
        {
            Lost(new PgConnectionException(ConnectionFailureKind.Network, _ssl is not null && _established
                ? "SSL connection has been closed unexpectedly"
                : "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request."));
            return;
        }

        _end += m.Count;
        try
        {
            ProcessFrames();
        }
        catch (Exception ex) when (ex is PgProtocolException or PgConnectionException)
        {
            Lost(AsConnectionError(ex));
            return;
        }

        StartRead();
    }

    /// <summary>How an exception thrown while handling the server's messages ends the connection.</summary>
    private static PgConnectionException AsConnectionError(Exception ex) => ex switch
    {
        PgConnectionException connection => connection,
        PgProtocolException protocol => new PgConnectionException(ConnectionFailureKind.Protocol, $"protocol error: {protocol.Message}", protocol),
        _ => new PgConnectionException(ConnectionFailureKind.Protocol, ex.Message, ex),
    };

    private void OnReadFailed(ReadFailed m)
    {
        _reading = false;
        _offeredRead = null;
        if (_stream is null)
        {
            return;
        }

        Lost(new PgConnectionException(ConnectionFailureKind.Network, $"could not receive data from server: {m.Error.Message}", m.Error));
    }

    private void ProcessFrames()
    {
        while (_stream is not null)
        {
            var consumed = _scanner.TryRead(_buffer.AsSpan(_start, _end - _start), out var code, out var payload);
            if (consumed == 0)
            {
                break;
            }

            var offset = _start + FrameScanner.HeaderLength;
            _start += consumed;
            if ((code == BackendMessageCode.DataRow || code == BackendMessageCode.CopyData) && _busy)
            {
                if (_batchOffsets.Count > 0 && _batchCode != code)
                {
                    FlushBatch();
                }

                if (code == BackendMessageCode.DataRow)
                {
                    DataRowReader.Validate(payload);
                }

                _batchCode = code;
                _batchOffsets.Add(offset);
                _batchLengths.Add(payload.Length);
                continue;
            }

            FlushBatch();
            _onFrame(code, payload);
        }

        FlushBatch();
        if (_start == _end && !_bufferShared)
        {
            _start = _end = 0;
        }
    }

    private void FlushBatch()
    {
        if (_batchOffsets.Count == 0)
        {
            return;
        }

        var batch = new FrameBatch(_batchCode, _buffer, [.. _batchOffsets], [.. _batchLengths], _batchOffsets.Count);
        _batchOffsets.Clear();
        _batchLengths.Clear();
        _bufferShared = true;
        _lentBuffers.Enqueue(_buffer);
        _unacked++;
        _requester.Tell(batch, Self);
    }

    private void Send()
    {
        if (_stream is null)
        {
            _writer.Clear();
            return;
        }

        try
        {
            _stream.Write(_writer.WrittenSpan);
            _stream.Flush();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _writer.Clear();
            Lost(new PgConnectionException(ConnectionFailureKind.Network, $"could not send data to server: {ex.Message}", ex));
            return;
        }

        _writer.Clear();
    }

    private void ReleaseIfUnused(byte[] buffer)
    {
        if (!ReferenceEquals(buffer, _buffer) && !_lentBuffers.Contains(buffer))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CloseSocket()
    {
        if (_offeredRead is { } offered)
        {
            _offeredRead = null;
            _callerReads!.Withdraw(offered);
        }

        var stream = _stream;
        _stream = null;
        _ssl = null;
        try
        {
            stream?.Dispose();
        }
        catch (Exception)
        {
            // closing a broken stream may throw; the socket is gone either way
        }

        _socket?.Dispose();
        _socket = null;
    }

    /// <summary>Handles the outcome of a socket read the way authenticating, ready and busy all do; false for any other message.</summary>
    private bool OnSocketRead(object message)
    {
        switch (message)
        {
            case ReadCompleted m:
                OnReadCompleted(m);
                return true;
            case ReadFailed m:
                OnReadFailed(m);
                return true;
            default:
                return false;
        }
    }
}
