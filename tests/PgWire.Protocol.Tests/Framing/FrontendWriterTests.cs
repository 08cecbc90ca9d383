using PgWire.Protocol.Frontend;
using Xunit;
using static PgWire.Protocol.Tests.Framing.BackendStream;

namespace PgWire.Protocol.Tests.Framing;

public class FrontendWriterTests
{
    private static byte[] Write(Action<FrontendWriter> write)
    {
        var w = new FrontendWriter(8);
        write(w);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Startup_message_is_byte_exact()
    {
        var bytes = Write(w => w.WriteStartup([new("user", "bob"), new("database", "db")]));
        byte[] body = [.. I32(196608), .. Str("user"), .. Str("bob"), .. Str("database"), .. Str("db"), 0];
        Assert.Equal([.. I32(body.Length + 4), .. body], bytes);
    }

    [Fact]
    public void Fixed_requests_are_byte_exact()
    {
        Assert.Equal(Concat(I32(8), I32(80877103)), Write(w => w.WriteSslRequest()));
        Assert.Equal(Concat(I32(16), I32(80877102), I32(10), I32(-3)), Write(w => w.WriteCancelRequest(10, -3)));
        Assert.Equal(Message('X'), Write(w => w.WriteTerminate()));
        Assert.Equal(Message('S'), Write(w => w.WriteSync()));
        Assert.Equal(Message('H'), Write(w => w.WriteFlush()));
        Assert.Equal(Message('c'), Write(w => w.WriteCopyDone()));
    }

    [Fact]
    public void Query_and_password_messages_are_byte_exact()
    {
        Assert.Equal(Message('Q', Str("SELECT 'é'")), Write(w => w.WriteQuery("SELECT 'é'")));
        Assert.Equal(Message('p', Str("md5abc")), Write(w => w.WritePassword("md5abc")));
        Assert.Equal(Message('p', Str("SCRAM-SHA-256"), I32(3), Raw("n,,")), Write(w => w.WriteSaslInitialResponse("SCRAM-SHA-256", "n,,"u8)));
        Assert.Equal(Message('p', Raw("c=biws")), Write(w => w.WriteSaslResponse("c=biws"u8)));
        Assert.Equal(Message('d', Raw("1\tx\n")), Write(w => w.WriteCopyData("1\tx\n"u8)));
        Assert.Equal(Message('f', Str("aborted")), Write(w => w.WriteCopyFail("aborted")));
    }

    [Fact]
    public void Extended_query_messages_are_byte_exact()
    {
        Assert.Equal(Message('P', Str("s1"), Str("SELECT $1"), I16(1), I32(23)), Write(w => w.WriteParse("s1", "SELECT $1", [23u])));
        Assert.Equal(
            Message('B', Str(""), Str("s1"), I16(1), I16(0), I16(2), I32(2), Raw("42"), I32(-1), I16(1), I16(1)),
            Write(w => w.WriteBind("", "s1", [0], [[(byte)'4', (byte)'2'], null], [1])));
        Assert.Equal(Message('D', [(byte)'S'], Str("s1")), Write(w => w.WriteDescribe((byte)'S', "s1")));
        Assert.Equal(Message('C', [(byte)'P'], Str("")), Write(w => w.WriteClose((byte)'P', "")));
        Assert.Equal(Message('E', Str(""), I32(0)), Write(w => w.WriteExecute("", 0)));
    }

    [Fact]
    public void Several_messages_concatenate_and_clear_resets()
    {
        var w = new FrontendWriter();
        w.WriteQuery("a");
        w.WriteSync();
        Assert.Equal(Concat(Message('Q', Str("a")), Message('S')), w.WrittenSpan.ToArray());
        w.Clear();
        Assert.Equal(0, w.WrittenCount);
    }

    [Fact]
    public void Nul_characters_in_strings_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Write(w => w.WriteQuery("a\0b")));
    }
}
