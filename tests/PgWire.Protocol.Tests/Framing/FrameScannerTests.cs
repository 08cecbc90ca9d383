using System.Buffers;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;
using Xunit;
using static PgWire.Protocol.Tests.Framing.BackendStream;

namespace PgWire.Protocol.Tests.Framing;

public class FrameScannerTests
{
    private static readonly byte[] Conversation = Concat(
        Message('R', I32(0)),
        Message('S', Str("server_version"), Str("15.18")),
        Message('S', Str("client_encoding"), Str("UTF8")),
        Message('K', I32(4242), I32(-77)),
        Message('Z', Raw("I")),
        Message('T', I16(2), Str("id"), I32(0), I16(0), I32(23), I16(4), I32(-1), I16(0), Str("name"), I32(0), I16(0), I32(25), I16(-1), I32(-1), I16(0)),
        DataRow("1", "ünïcödé"),
        DataRow("2", null),
        DataRow("3", ""),
        Message('C', Str("SELECT 3")),
        Message('N', Raw("SNOTICE\0C00000\0Mhello\0\0")),
        Message('A', I32(99), Str("chan"), Str("payload")),
        Message('I'),
        Message('Z', Raw("T")));

    private static List<(BackendMessageCode Code, byte[] Payload)> ScanAll(ReadOnlySequence<byte> input)
    {
        var scanner = new FrameScanner();
        var frames = new List<(BackendMessageCode, byte[])>();
        while (scanner.TryRead(ref input, out var frame))
        {
            frames.Add((frame.Code, frame.Payload.ToArray()));
        }

        Assert.Equal(0, input.Length);
        return frames;
    }

    [Fact]
    public void Scans_a_whole_conversation_in_one_segment()
    {
        var frames = ScanAll(new ReadOnlySequence<byte>(Conversation));
        Assert.Equal(14, frames.Count);
        Assert.Equal(BackendMessageCode.Authentication, frames[0].Code);
        Assert.Equal(BackendMessageCode.DataRow, frames[6].Code);
        Assert.Equal(BackendMessageCode.EmptyQueryResponse, frames[12].Code);
        Assert.Empty(frames[12].Payload);
    }

    [Fact]
    public void Every_split_offset_gives_the_same_frames()
    {
        var expected = ScanAll(new ReadOnlySequence<byte>(Conversation));
        for (var cut = 1; cut < Conversation.Length; cut++)
        {
            var frames = ScanAll(Split(Conversation, cut));
            Assert.Equal(expected.Count, frames.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Code, frames[i].Code);
                Assert.Equal(expected[i].Payload, frames[i].Payload);
            }
        }
    }

    [Fact]
    public void One_byte_per_segment_gives_the_same_frames()
    {
        var expected = ScanAll(new ReadOnlySequence<byte>(Conversation));
        var frames = ScanAll(OneBytePerSegment(Conversation));
        Assert.Equal(expected.Select(f => f.Code), frames.Select(f => f.Code));
        Assert.Equal(expected.SelectMany(f => f.Payload), frames.SelectMany(f => f.Payload));
    }

    [Fact]
    public void Pushing_bytes_one_at_a_time_resumes_where_it_stopped()
    {
        // Simulates a socket that delivers one byte per read: the caller keeps the unconsumed tail.
        var scanner = new FrameScanner();
        var pending = new List<byte>();
        var codes = new List<BackendMessageCode>();
        foreach (var b in Conversation)
        {
            pending.Add(b);
            var seq = new ReadOnlySequence<byte>(pending.ToArray());
            while (scanner.TryRead(ref seq, out var frame))
            {
                codes.Add(frame.Code);
            }

            pending = seq.ToArray().ToList();
        }

        Assert.Empty(pending);
        Assert.Equal(ScanAll(new ReadOnlySequence<byte>(Conversation)).Select(f => f.Code), codes);
    }

    [Fact]
    public void Span_scanning_reports_consumed_length_and_waits_for_whole_frames()
    {
        var scanner = new FrameScanner();
        var message = Message('C', Str("SELECT 1"));
        for (var n = 0; n < message.Length; n++)
        {
            Assert.Equal(0, scanner.TryRead(message.AsSpan(0, n), out _, out _));
        }

        Assert.Equal(message.Length, scanner.TryRead(message, out var code, out var payload));
        Assert.Equal(BackendMessageCode.CommandComplete, code);
        Assert.Equal("SELECT 1", CommandComplete.Parse(payload).Tag);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_length_below_four_is_an_invalid_length(int length)
    {
        var bytes = Concat([(byte)'Z'], I32(length), Raw("I"));
        var ex = Assert.Throws<PgProtocolException>(() => ScanAll(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(ProtocolErrorKind.InvalidLength, ex.Kind);
    }

    [Fact]
    public void A_two_gigabyte_length_fails_at_the_header_without_waiting_or_allocating()
    {
        var bytes = Concat([(byte)'D'], I32(int.MaxValue));
        var seq = new ReadOnlySequence<byte>(bytes);
        var ex = Assert.Throws<PgProtocolException>(() => new FrameScanner().TryRead(ref seq, out _));
        Assert.Equal(ProtocolErrorKind.MessageTooLarge, ex.Kind);
    }

    [Fact]
    public void A_configured_limit_rejects_larger_messages()
    {
        var scanner = new FrameScanner(maxMessageLength: 100);
        var bytes = Message('C', Str(new string('x', 200)));
        var ex = Assert.Throws<PgProtocolException>(() => scanner.TryRead(bytes, out _, out _));
        Assert.Equal(ProtocolErrorKind.MessageTooLarge, ex.Kind);
    }

    [Theory]
    [InlineData('X')]
    [InlineData('\0')]
    [InlineData('Q')]
    [InlineData('\u00ff')]
    public void An_unknown_type_byte_is_reported_as_such(char code)
    {
        var bytes = Message(code, Raw("abc"));
        var ex = Assert.Throws<PgProtocolException>(() => new FrameScanner().TryRead(bytes, out _, out _));
        Assert.Equal(ProtocolErrorKind.UnknownMessage, ex.Kind);
    }
}
