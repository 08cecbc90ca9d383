using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Replication;

internal static class ReplicationReaderExtensions
{
    public static Lsn ReadLsn(this ref PayloadReader reader) => new(reader.ReadUInt64());

    public static DateTimeOffset ReadTimestamp(this ref PayloadReader reader, string context)
    {
        var micros = reader.ReadInt64();
        return PgEpoch.TryFromMicroseconds(micros, out var value)
            ? value
            : throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"timestamp {micros} in {context} is out of range");
    }

    /// <summary>
    /// Reads an element count and checks that the remaining payload can hold that many elements of at
    /// least <paramref name="minElementSize"/> bytes, so a hostile count never sizes an allocation.
    /// </summary>
    public static int CheckCount(this ref PayloadReader reader, int count, int minElementSize, string context)
    {
        if (count < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative element count {count} in {context}");
        }

        if ((long)count * minElementSize > reader.Remaining)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"{context} is truncated: {count} element(s) announced, only {reader.Remaining} byte(s) left");
        }

        return count;
    }
}
