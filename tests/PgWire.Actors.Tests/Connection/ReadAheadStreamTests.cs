using System.Net.Sockets;
using PgWire.Actors.Connection;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

public class ReadAheadStreamTests
{
    /// <summary>An inner stream that hands out at most <c>piece</c> bytes per read and counts the reads.</summary>
    private sealed class Pieces(byte[] data, int piece) : MemoryStream(data)
    {
        public int Reads { get; private set; }

        public List<byte[]> Written { get; } = [];

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            return base.Read(buffer[..Math.Min(buffer.Length, piece)]);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Written.Add(buffer.ToArray());

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }

    private static byte[] Data(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 7))];

    [Fact]
    public async Task Small_reads_are_served_from_one_large_read_in_order()
    {
        var data = Data(100_000);
        var inner = new Pieces(data, int.MaxValue);
        using var stream = new ReadAheadStream(inner, 64 * 1024);
        var got = new List<byte>();
        var buffer = new byte[1000];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            got.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(data, got);
        // 64 KiB, the rest, then the end: three reads of the inner stream for a hundred of the caller's.
        Assert.Equal(3, inner.Reads);
    }

    [Fact]
    public async Task Synchronous_reads_mix_with_asynchronous_ones_and_keep_the_order()
    {
        var data = Data(10_000);
        var inner = new Pieces(data, 3000);
        using var stream = new ReadAheadStream(inner, 4096);
        var got = new List<byte>();
        var buffer = new byte[700];
        var i = 0;
        while (true)
        {
            var n = i++ % 2 == 0 ? stream.Read(buffer) : await stream.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            got.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(data, got);
    }

    [Fact]
    public async Task A_read_as_large_as_the_buffer_goes_straight_to_the_inner_stream()
    {
        var data = Data(20_000);
        var inner = new Pieces(data, int.MaxValue);
        using var stream = new ReadAheadStream(inner, 4096);
        var small = new byte[10];
        Assert.Equal(10, await stream.ReadAsync(small));
        Assert.Equal(data[..10], small);

        // What is buffered comes first, even for a large read.
        var large = new byte[8192];
        var n = await stream.ReadAsync(large);
        Assert.Equal(4096 - 10, n);
        Assert.Equal(data[10..4096], large[..n]);

        // Nothing buffered: straight through, no copy through the buffer.
        n = await stream.ReadAsync(large);
        Assert.Equal(8192, n);
        Assert.Equal(data[4096..(4096 + 8192)], large);
        Assert.Equal(2, inner.Reads);
        Assert.Equal(0, stream.Buffered);
    }

    [Fact]
    public async Task Writes_pass_through_at_once()
    {
        var inner = new Pieces([], 1);
        using var stream = new ReadAheadStream(inner);
        stream.Write([1, 2, 3]);
        await stream.WriteAsync(new byte[] { 4, 5 });
        Assert.Equal([[1, 2, 3], [4, 5]], inner.Written);
    }

    [Fact]
    public async Task Over_a_socket_one_read_takes_everything_queued()
    {
        using var pair = await SocketPair.ConnectAsync();
        var (client, server) = (pair.Client, pair.Server);

        // Many small sends, as a walsender's records arrive.
        for (var i = 0; i < 200; i++)
        {
            server.Send(Data(100));
        }

        while (client.Available < 200 * 100)
        {
            await Task.Delay(5);
        }

        using var stream = new ReadAheadStream(new NetworkStream(client, ownsSocket: false));
        var buffer = new byte[100];
        Assert.Equal(100, await stream.ReadAsync(buffer));
        Assert.Equal(0, client.Available);
        Assert.Equal((200 * 100) - 100, stream.Buffered);
    }
}
