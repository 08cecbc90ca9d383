using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PgWire.Protocol.Tests.Framing;

/// <summary>Builds backend byte streams for tests, and splits them into segments.</summary>
internal static class BackendStream
{
    public static byte[] Message(char code, params byte[][] parts)
    {
        var length = 4 + parts.Sum(p => p.Length);
        var result = new byte[1 + length];
        result[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(1), length);
        var pos = 5;
        foreach (var p in parts)
        {
            p.CopyTo(result, pos);
            pos += p.Length;
        }

        return result;
    }

    public static byte[] I16(short v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(b, v);
        return b;
    }

    public static byte[] I32(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        return b;
    }

    public static byte[] Str(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    public static byte[] Raw(string s) => Encoding.UTF8.GetBytes(s);

    public static byte[] DataRow(params string?[] values)
    {
        var parts = new List<byte[]> { I16((short)values.Length) };
        foreach (var v in values)
        {
            if (v is null)
            {
                parts.Add(I32(-1));
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(v);
                parts.Add(I32(bytes.Length));
                parts.Add(bytes);
            }
        }

        return Message('D', [.. parts]);
    }

    public static byte[] Concat(params byte[][] messages) => messages.SelectMany(m => m).ToArray();

    /// <summary>A sequence whose segments break at the given offsets.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < data.Length).Distinct().Order().Append(data.Length).ToArray();
        Segment? first = null, last = null;
        var start = 0;
        foreach (var end in bounds)
        {
            var seg = new Segment(data.AsMemory(start, end - start));
            if (first is null)
            {
                first = last = seg;
            }
            else
            {
                last = last!.Append(seg);
            }

            start = end;
        }

        if (first is null)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        return new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) => Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory)
        {
            Memory = memory;
        }

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
