using System.Buffers;
using System.Buffers.Binary;
using PgWire.Protocol.Messages;

namespace PgWire.Protocol.Framing;

/// <summary>One complete backend message: its type byte and its payload (without the 5-byte header).</summary>
public readonly struct BackendFrame
{
    public BackendFrame(BackendMessageCode code, ReadOnlySequence<byte> payload)
    {
        Code = code;
        Payload = payload;
    }

    public BackendMessageCode Code { get; }
    public ReadOnlySequence<byte> Payload { get; }
}

/// <summary>
/// Finds message boundaries in bytes received from the server. It keeps no state between calls:
/// the caller pushes whatever arrived, takes out the complete frames, and keeps the rest until
/// more bytes come. Scanning validates only the header (type byte and length word); parsing the
/// payload is the readers' job. A header that cannot be valid fails at once, before the claimed
/// number of bytes ever arrives, so a hostile length is never allocated.
/// </summary>
public sealed class FrameScanner
{
    /// <summary>Type byte plus the int32 length word.</summary>
    public const int HeaderLength = 5;

    /// <summary>PostgreSQL itself never sends a message of 1 GiB or more (MaxAllocSize).</summary>
    public const int DefaultMaxMessageLength = 0x3FFF_FFFF;

    public FrameScanner(int maxMessageLength = DefaultMaxMessageLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageLength, HeaderLength);
        MaxMessageLength = maxMessageLength;
    }

    /// <summary>Largest accepted message, counting the length word but not the type byte.</summary>
    public int MaxMessageLength { get; }

    /// <summary>
    /// Inspects the start of <paramref name="buffer"/>. Returns true with the payload length when a
    /// header is complete (the payload itself may still be incomplete: check
    /// <c>buffer.Length &gt;= HeaderLength + payloadLength</c>); false when fewer than 5 bytes are present.
    /// </summary>
    public bool TryReadHeader(ReadOnlySpan<byte> buffer, out BackendMessageCode code, out int payloadLength)
    {
        if (buffer.Length < HeaderLength)
        {
            code = default;
            payloadLength = 0;
            return false;
        }

        var type = buffer[0];
        var length = BinaryPrimitives.ReadInt32BigEndian(buffer[1..]);
        Validate(type, length);
        code = (BackendMessageCode)type;
        payloadLength = length - 4;
        return true;
    }

    /// <summary>
    /// Takes one complete frame from a contiguous buffer. Returns the number of bytes the frame
    /// occupies (header included), or 0 when the buffer does not yet hold a whole frame.
    /// </summary>
    public int TryRead(ReadOnlySpan<byte> buffer, out BackendMessageCode code, out ReadOnlySpan<byte> payload)
    {
        if (!TryReadHeader(buffer, out code, out var payloadLength) || buffer.Length - HeaderLength < payloadLength)
        {
            payload = default;
            return 0;
        }

        payload = buffer.Slice(HeaderLength, payloadLength);
        return HeaderLength + payloadLength;
    }

    /// <summary>
    /// Takes one complete frame from the front of <paramref name="buffer"/> and advances it past the
    /// frame. Returns false, leaving the buffer untouched, when more bytes are needed.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out BackendFrame frame)
    {
        frame = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderLength)
        {
            first[..HeaderLength].CopyTo(header);
        }
        else
        {
            buffer.Slice(0, HeaderLength).CopyTo(header);
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        Validate(header[0], length);
        if (buffer.Length - 1 < length)
        {
            return false;
        }

        frame = new BackendFrame((BackendMessageCode)header[0], buffer.Slice(HeaderLength, length - 4));
        buffer = buffer.Slice(1 + (long)length);
        return true;
    }

    private void Validate(byte type, int length)
    {
        if (!BackendMessageCodes.IsKnown(type))
        {
            throw new PgProtocolException(ProtocolErrorKind.UnknownMessage, $"unknown message type 0x{type:X2} from server");
        }

        // The length word counts itself, so 4 is the smallest valid value.
        if (length < 4)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"invalid message length {length} for message type '{(char)type}'");
        }

        if (length > MaxMessageLength)
        {
            throw new PgProtocolException(ProtocolErrorKind.MessageTooLarge, $"message type '{(char)type}' claims {length} bytes, more than the limit of {MaxMessageLength}");
        }
    }
}
