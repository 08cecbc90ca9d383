using System.Text;
using PgWire.Host.Psql;
using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Host.Tests.Psql;

/// <summary>Lines of a session's input looked at ahead (<see cref="IReadAhead"/>): kept as they came, decoded when read.</summary>
public sealed class ClientCodecReadAheadTests
{
    [Fact]
    public void Lines_looked_at_ahead_are_read_in_order_and_decoded_in_the_encoding_of_their_turn()
    {
        var codec = new ClientCodec();
        // "é" as UTF-8 bytes, read as bytes (Latin1 chars), as simpsql reads a file.
        string bytes = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("a;\nselect 'é';\nb;\n"));
        var reader = codec.Reader(new StringReader(bytes), bytes: true);
        var ahead = Assert.IsAssignableFrom<IReadAhead>(reader);

        Assert.Equal("a;", ahead.PeekLine(0));
        Assert.Equal("b;", ahead.PeekLine(2));
        Assert.Null(ahead.PeekLine(3));
        Assert.Equal("a;", reader.ReadLine());

        // Taken as LATIN1 now: each byte one character, as psql passes them on.
        Assert.True(PgEncoding.TryFind("LATIN1", out var latin1));
        codec.Set(latin1);
        Assert.Equal(bytes.Split('\n')[1], reader.ReadLine());
        Assert.Equal("b;", reader.ReadLine());
        Assert.Null(reader.ReadLine());
    }

    [Fact]
    public void Chars_read_one_by_one_come_from_the_lines_looked_at_first()
    {
        var reader = new ClientCodec().Reader(new StringReader("ab\ncd\nrest\n"), bytes: false);
        var ahead = (IReadAhead)reader;
        Assert.Equal("cd", ahead.PeekLine(1));
        var taken = new StringBuilder();
        foreach (char expected in "ab\nc")
        {
            Assert.Equal(expected, reader.Peek());
            taken.Append((char)reader.Read());
        }

        Assert.Equal("ab\nc", taken.ToString());
        Assert.Equal("d", reader.ReadLine());
        Assert.Equal("rest", reader.ReadLine());
        Assert.Equal(-1, reader.Read());
    }

    [Fact]
    public void The_end_of_an_input_that_grows_is_not_kept()
    {
        var source = new GrowingReader();
        source.Lines.Enqueue("first;");
        var reader = new ClientCodec().Reader(source, bytes: false);
        var ahead = (IReadAhead)reader;
        Assert.Equal("first;", ahead.PeekLine(0));
        Assert.Null(ahead.PeekLine(1));
        source.Lines.Enqueue("second;");
        Assert.Equal("first;", reader.ReadLine());
        Assert.Equal("second;", reader.ReadLine());
    }

    private sealed class GrowingReader : TextReader
    {
        public Queue<string> Lines { get; } = new();

        public override string? ReadLine() => Lines.TryDequeue(out var line) ? line : null;
    }
}
