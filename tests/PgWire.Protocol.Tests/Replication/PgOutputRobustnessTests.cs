using System.Buffers.Binary;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;
using static PgWire.Protocol.Tests.Replication.Captured;

namespace PgWire.Protocol.Tests.Replication;

public class PgOutputRobustnessTests
{
    public static TheoryData<string> CapturedNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in All())
        {
            data.Add(c.Name);
        }

        return data;
    }

    private static (string Hex, PgOutputDecoder Decoder) Setup(string name)
    {
        var c = All().Single(x => x.Name == name);
        return (c.Hex, PgOutputCapturedTests.Decoder(c.Version, c.InStream));
    }

    [Theory]
    [MemberData(nameof(CapturedNames))]
    public void EveryStrictPrefixIsRejected(string name)
    {
        var (hex, decoder) = Setup(name);
        var bytes = Bytes(hex);
        var inStream = decoder.InStreamingBlock;
        for (var len = 0; len < bytes.Length; len++)
        {
            var prefix = bytes.AsSpan(0, len).ToArray();
            var ex = Record.Exception(() => decoder.Decode(prefix));
            var pex = Assert.IsType<PgProtocolException>(ex);
            Assert.True(pex.Kind is ProtocolErrorKind.Truncated or ProtocolErrorKind.InvalidString, $"{name} prefix {len}: {pex.Kind} {pex.Message}");
            Assert.Equal(inStream, decoder.InStreamingBlock);
        }

        decoder.Decode(bytes);
    }

    [Theory]
    [MemberData(nameof(CapturedNames))]
    public void TrailingByteIsRejected(string name)
    {
        var (hex, decoder) = Setup(name);
        var ex = Assert.Throws<PgProtocolException>(() => decoder.Decode(Bytes(hex + "00")));
        Assert.Equal(ProtocolErrorKind.TrailingBytes, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(CapturedNames))]
    public void PeekingARowChangeAgreesWithDecodingIt(string name)
    {
        var (hex, decoder) = Setup(name);
        var bytes = Bytes(hex);
        var peeked = decoder.TryPeekRowChange(bytes, out var xid, out var relationId, out var body);
        var message = decoder.Decode(bytes);
        Assert.Equal(message.IsRowChange, peeked);
        if (peeked)
        {
            Assert.Equal((message.Xid, message.RelationId), (xid, relationId));

            // The body without the type byte and the streamed xid decodes alike outside a stream.
            var unstreamed = new PgOutputDecoder(1).Decode([bytes[0], .. bytes.AsSpan(body)]);
            Assert.Equal((message.Type, message.RelationId, message.OldTupleKind), (unstreamed.Type, unstreamed.RelationId, unstreamed.OldTupleKind));
            Assert.True(message.NewTuple.RawBytes.SequenceEqual(unstreamed.NewTuple.RawBytes));
            Assert.True(message.OldTuple.RawBytes.SequenceEqual(unstreamed.OldTuple.RawBytes));
            for (var len = 1; len < body + 5; len++)
            {
                var prefix = bytes.AsSpan(0, len).ToArray();
                Assert.Throws<PgProtocolException>(() => decoder.TryPeekRowChange(prefix, out _, out _, out _));
            }
        }
    }

    [Fact]
    public void UnknownMessageType()
    {
        var ex = Assert.Throws<PgProtocolException>(() => new PgOutputDecoder(4).Decode("Z\0\0\0\0"u8));
        Assert.Equal(ProtocolErrorKind.UnknownMessage, ex.Kind);
        Assert.Contains("0x5A", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyPayload()
    {
        var ex = Assert.Throws<PgProtocolException>(() => new PgOutputDecoder(1).Decode(default));
        Assert.Equal(ProtocolErrorKind.Truncated, ex.Kind);
    }

    [Theory]
    [InlineData("490000400c4e0001" + "74ffffffff", ProtocolErrorKind.InvalidLength)]
    [InlineData("490000400c4e0001" + "6280000000", ProtocolErrorKind.InvalidLength)]
    [InlineData("490000400c4effff", ProtocolErrorKind.InvalidLength)]
    [InlineData("490000400c4e7fff6e", ProtocolErrorKind.Truncated)]
    [InlineData("490000400c4e00017400000010", ProtocolErrorKind.Truncated)]
    [InlineData("490000400c4e00017a", ProtocolErrorKind.InvalidValue)]
    [InlineData("490000400c4f00016e", ProtocolErrorKind.InvalidValue)]
    [InlineData("550000400c4b00016e4b00016e", ProtocolErrorKind.InvalidValue)]
    [InlineData("440000400c4e00016e", ProtocolErrorKind.InvalidValue)]
    [InlineData("4d0100000000000000017000ffffffff", ProtocolErrorKind.InvalidLength)]
    [InlineData("4d01000000000000000170007fffffff", ProtocolErrorKind.Truncated)]
    [InlineData("540000000103", ProtocolErrorKind.Truncated)]
    [InlineData("5480000000030000401200004018", ProtocolErrorKind.InvalidLength)]
    [InlineData("547fffffff030000401200004018", ProtocolErrorKind.Truncated)]
    [InlineData("520000400c70007400667fff", ProtocolErrorKind.Truncated)]
    [InlineData("520000400c7000740066ffff", ProtocolErrorKind.InvalidLength)]
    [InlineData("520000400c70007400780000", ProtocolErrorKind.InvalidValue)]
    [InlineData("520000400cff007400640000", ProtocolErrorKind.InvalidString)]
    [InlineData("420000000000000001" + "7fffffffffffffff" + "00000001", ProtocolErrorKind.InvalidValue)]
    [InlineData("420000000000000001" + "8000000000000000" + "00000001", ProtocolErrorKind.InvalidValue)]
    public void MalformedMessages(string hex, ProtocolErrorKind kind)
    {
        var ex = Assert.Throws<PgProtocolException>(() => new PgOutputDecoder(1).Decode(Bytes(hex)));
        Assert.Equal(kind, ex.Kind);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void StreamStateViolations()
    {
        var d = new PgOutputDecoder(2);
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => d.Decode(Bytes(StreamStop))).Kind);
        d.Decode(Bytes(StreamStartFirst));
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => d.Decode(Bytes(StreamStartFirst))).Kind);
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => d.Decode(Bytes(BeginInsert))).Kind);
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => d.Decode(Bytes(StreamCommit))).Kind);
        Assert.True(d.InStreamingBlock);
        d.Reset();
        Assert.False(d.InStreamingBlock);
        Assert.Equal(0u, d.StreamingXid);
    }

    [Fact]
    public void DecodingAnInsertDoesNotAllocate()
    {
        var payload = Bytes(InsertItems);
        var decoder = new PgOutputDecoder(1);
        var sum = Consume(decoder, payload);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            sum += Consume(decoder, payload);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1001 * 11, sum);

        static int Consume(PgOutputDecoder decoder, byte[] payload)
        {
            var m = decoder.Decode(payload);
            var total = 0;
            foreach (var column in m.NewTuple)
            {
                total += column.Length;
            }

            return total;
        }
    }

    [Fact]
    public void RandomGarbageOnlyRaisesProtocolExceptions()
    {
        var rng = new Random(20240601);
        var seeds = All().Select(c => Bytes(c.Hex)).ToArray();
        var types = "BMCORYIUDTSEcAbPKrpwkZ"u8.ToArray();
        var decoders = new[]
        {
            new PgOutputDecoder(1), new PgOutputDecoder(2), new PgOutputDecoder(3), new PgOutputDecoder(4), new PgOutputDecoder(4, parallelStreaming: true),
        };
        var buffer = new byte[300];

        for (var i = 0; i < 20000; i++)
        {
            int length;
            if (i % 2 == 0)
            {
                var seed = seeds[rng.Next(seeds.Length)];
                length = Math.Min(seed.Length + rng.Next(-3, 4), buffer.Length);
                length = Math.Max(length, 0);
                seed.AsSpan(0, Math.Min(seed.Length, length)).CopyTo(buffer);
                for (var k = seed.Length; k < length; k++)
                {
                    buffer[k] = (byte)rng.Next(256);
                }

                var flips = rng.Next(1, 4);
                for (var f = 0; f < flips && length > 0; f++)
                {
                    buffer[rng.Next(length)] = rng.Next(3) == 0 ? (byte)0xFF : (byte)rng.Next(256);
                }
            }
            else
            {
                length = rng.Next(0, 80);
                rng.NextBytes(buffer.AsSpan(0, length));
                if (length > 0 && rng.Next(4) != 0)
                {
                    buffer[0] = types[rng.Next(types.Length)];
                }
            }

            var decoder = decoders[rng.Next(decoders.Length)];
            var input = buffer.AsSpan(0, length).ToArray();
            try
            {
                var m = decoder.Decode(input);
                if (m.IsRowChange)
                {
                    foreach (var c in m.OldTuple)
                    {
                        _ = m.OldTuple.GetValue(c);
                    }

                    foreach (var c in m.NewTuple)
                    {
                        _ = m.NewTuple.GetValue(c);
                    }
                }
            }
            catch (PgProtocolException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name} for {Convert.ToHexString(input)}: {ex.Message}");
            }
        }
    }

    [Fact]
    public void HugeCountsDoNotAllocate()
    {
        var payload = new byte[1 + 4 + 1 + 4];
        payload[0] = (byte)'T';
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(1), int.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<PgProtocolException>(() => new PgOutputDecoder(1).Decode(payload));
        Assert.Equal(ProtocolErrorKind.Truncated, ex.Kind);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
    }
}
