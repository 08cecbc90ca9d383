using System.Buffers.Binary;
using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Replication;

/// <summary>The first byte of a CopyData payload exchanged during streaming replication.</summary>
public enum ReplicationMessageType : byte
{
    XLogData = (byte)'w',
    PrimaryKeepalive = (byte)'k',
    StandbyStatusUpdate = (byte)'r',
    HotStandbyFeedback = (byte)'h',
}

public static class ReplicationCopyData
{
    /// <summary>Returns the kind of a server-to-client CopyData payload ('w' or 'k').</summary>
    public static ReplicationMessageType GetServerMessageType(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, "replication CopyData payload is empty");
        }

        return payload[0] switch
        {
            (byte)'w' => ReplicationMessageType.XLogData,
            (byte)'k' => ReplicationMessageType.PrimaryKeepalive,
            var b => throw new PgProtocolException(ProtocolErrorKind.UnknownMessage, $"unknown replication CopyData message type 0x{b:X2}"),
        };
    }

    internal static void ExpectType(ref PayloadReader reader, byte expected, string context)
    {
        var b = reader.ReadByte();
        if (b != expected)
        {
            throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"expected {context} ('{(char)expected}'), got 0x{b:X2}");
        }
    }
}

/// <summary>
/// XLogData ('w'): a chunk of WAL (for logical replication, one output plugin message).
/// <see cref="Data"/> is a slice of the payload; nothing is copied.
/// </summary>
public readonly ref struct XLogData
{
    public const int HeaderLength = 1 + 8 + 8 + 8;

    public XLogData(Lsn walStart, Lsn walEnd, long serverClock, ReadOnlySpan<byte> data)
    {
        WalStart = walStart;
        WalEnd = walEnd;
        ServerClock = serverClock;
        Data = data;
    }

    /// <summary>The starting point of the WAL data in this message.</summary>
    public Lsn WalStart { get; }

    /// <summary>The current end of WAL on the server.</summary>
    public Lsn WalEnd { get; }

    /// <summary>The server's clock at transmission, microseconds since 2000-01-01 UTC.</summary>
    public long ServerClock { get; }

    public ReadOnlySpan<byte> Data { get; }

    public DateTimeOffset ServerTime => PgEpoch.TryFromMicroseconds(ServerClock, out var t)
        ? t
        : throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"server clock {ServerClock} in XLogData is out of range");

    /// <summary>Parses a CopyData payload that starts with 'w'.</summary>
    public static XLogData Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, "XLogData");
        ReplicationCopyData.ExpectType(ref reader, (byte)'w', "XLogData");
        var start = reader.ReadLsn();
        var end = reader.ReadLsn();
        var clock = reader.ReadInt64();
        return new XLogData(start, end, clock, reader.Rest);
    }
}

/// <summary>Primary keepalive message ('k').</summary>
public readonly record struct PrimaryKeepalive(Lsn WalEnd, long ServerClock, bool ReplyRequested)
{
    public const int Length = 1 + 8 + 8 + 1;

    public DateTimeOffset ServerTime => PgEpoch.TryFromMicroseconds(ServerClock, out var t)
        ? t
        : throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"server clock {ServerClock} in keepalive is out of range");

    /// <summary>Parses a CopyData payload that starts with 'k'.</summary>
    public static PrimaryKeepalive Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, "primary keepalive");
        ReplicationCopyData.ExpectType(ref reader, (byte)'k', "primary keepalive");
        var end = reader.ReadLsn();
        var clock = reader.ReadInt64();
        var reply = reader.ReadByte();
        reader.EnsureEnd();
        return new PrimaryKeepalive(end, clock, reply != 0);
    }
}

/// <summary>Standby status update ('r'), sent by the client to report replication progress.</summary>
public static class StandbyStatusUpdate
{
    public const int Length = 1 + 8 + 8 + 8 + 8 + 1;

    /// <summary>Writes the 34-byte CopyData payload into <paramref name="destination"/> and returns its length.</summary>
    /// <param name="clock">The client's clock, microseconds since 2000-01-01 UTC (see <see cref="PgEpoch"/>).</param>
    public static int Write(Span<byte> destination, Lsn written, Lsn flushed, Lsn applied, long clock, bool replyRequested = false)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"destination needs at least {Length} bytes", nameof(destination));
        }

        destination[0] = (byte)'r';
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], written.Value);
        BinaryPrimitives.WriteUInt64BigEndian(destination[9..], flushed.Value);
        BinaryPrimitives.WriteUInt64BigEndian(destination[17..], applied.Value);
        BinaryPrimitives.WriteInt64BigEndian(destination[25..], clock);
        destination[33] = replyRequested ? (byte)1 : (byte)0;
        return Length;
    }

    public static int Write(Span<byte> destination, Lsn written, Lsn flushed, Lsn applied, DateTimeOffset clock, bool replyRequested = false) =>
        Write(destination, written, flushed, applied, PgEpoch.ToMicroseconds(clock), replyRequested);
}
