using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PgWire.Benchmarks;

/// <summary>
/// Synthetic server output for <c>SELECT id, name, amount, ts, flag FROM t</c> in text format:
/// DataRow messages of an int4, a ~20 character text, a numeric, a timestamptz and a bool,
/// followed by CommandComplete and ReadyForQuery.
/// </summary>
public static class Workload
{
    public const int ColumnCount = 5;

    private static readonly DateTime Epoch = new(2025, 3, 14, 9, 26, 53, DateTimeKind.Utc);

    /// <summary>Text values of row <paramref name="i"/> (1-based), as PostgreSQL would send them.</summary>
    public static string[] RowValues(int i)
    {
        var ts = Epoch.AddTicks(-(long)i * 10_417_301);
        return
        [
            i.ToString(CultureInfo.InvariantCulture),
            "customer-" + (i * 7919 % 1_000_000).ToString("D6", CultureInfo.InvariantCulture) + "-acct",
            (i * 1.5m + 0.25m).ToString("0.00", CultureInfo.InvariantCulture),
            ts.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00",
            i % 2 == 0 ? "t" : "f",
        ];
    }

    /// <summary>The backend message stream for <paramref name="rows"/> rows.</summary>
    public static byte[] BuildBackendBuffer(int rows)
    {
        var buffer = new ArrayBufferWriter<byte>(rows * 96);
        for (var i = 1; i <= rows; i++)
        {
            WriteDataRow(buffer, RowValues(i));
        }

        WriteMessage(buffer, (byte)'C', Encoding.ASCII.GetBytes($"SELECT {rows}\0"));
        WriteMessage(buffer, (byte)'Z', "I"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Splits <paramref name="data"/> into a chain of segments of <paramref name="segmentSize"/> bytes.</summary>
    public static ReadOnlySequence<byte> Segment(byte[] data, int segmentSize)
    {
        BufferSegment? first = null;
        BufferSegment? last = null;
        for (var offset = 0; offset < data.Length; offset += segmentSize)
        {
            var chunk = data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset));
            if (last is null)
            {
                first = last = new BufferSegment(chunk, 0);
            }
            else
            {
                last = last.Append(chunk);
            }
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static void WriteDataRow(ArrayBufferWriter<byte> buffer, string[] values)
    {
        var payload = new ArrayBufferWriter<byte>(128);
        BinaryPrimitives.WriteInt16BigEndian(payload.GetSpan(2), (short)values.Length);
        payload.Advance(2);
        foreach (var value in values)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteInt32BigEndian(payload.GetSpan(4), bytes.Length);
            payload.Advance(4);
            payload.Write(bytes);
        }

        WriteMessage(buffer, (byte)'D', payload.WrittenSpan);
    }

    private static void WriteMessage(ArrayBufferWriter<byte> buffer, byte code, ReadOnlySpan<byte> payload)
    {
        var header = buffer.GetSpan(5);
        header[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], payload.Length + 4);
        buffer.Advance(5);
        buffer.Write(payload);
    }

    private sealed class BufferSegment : ReadOnlySequenceSegment<byte>
    {
        public BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public BufferSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new BufferSegment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
