using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PgWire.Actors.Connection;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

public class LowWatermarkTests
{
    private static int MarkOf(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(1, 18, value);
        return BitConverter.ToInt32(value);
    }

    [LinuxFact]
    public async Task The_mark_stays_raised_between_stream_reads_and_a_waiting_read_is_woken_within_the_delay()
    {
        using var pair = await SocketPair.ConnectAsync();
        var (client, server) = (pair.Client, pair.Server);
        using var stream = new NetworkStream(client, ownsSocket: false);
        var mark = new LowWatermark.Mark();
        var buffer = new byte[512 * 1024];

        // Bytes already queued are taken at once, below the mark; the mark is left raised.
        server.Send(new byte[100]);
        while (client.Available < 100)
        {
            await Task.Delay(1);
        }

        Assert.Equal(100, await LowWatermark.ReadAsync(stream, client, buffer, TimeSpan.FromSeconds(30), mark));
        Assert.Equal(LowWatermark.Bytes, MarkOf(client));

        // A read that waits for fewer bytes than the mark gets them once the delay is over at the
        // latest (the kernel may wake it sooner, e.g. when its receive memory runs short; that is
        // a smaller batch, not a fault, so it is not asserted).
        var read = LowWatermark.ReadAsync(stream, client, buffer, TimeSpan.FromMilliseconds(300), mark).AsTask();
        server.Send(new byte[10]);
        Assert.Equal(10, await read.WaitAsync(TimeSpan.FromSeconds(10)));

        // The next stream read raises it again; a read outside the stream lowers it.
        server.Send(new byte[5]);
        while (client.Available < 5)
        {
            await Task.Delay(1);
        }

        Assert.Equal(5, await LowWatermark.ReadAsync(stream, client, buffer, TimeSpan.FromSeconds(30), mark));
        Assert.Equal(LowWatermark.Bytes, MarkOf(client));
        LowWatermark.Lower(client, mark);
        Assert.Equal(1, MarkOf(client));
    }

    [LinuxFact]
    public async Task A_waiting_read_is_woken_at_once_when_the_mark_is_reached()
    {
        using var pair = await SocketPair.ConnectAsync();
        var (client, server) = (pair.Client, pair.Server);
        using var stream = new NetworkStream(client, ownsSocket: false);
        var mark = new LowWatermark.Mark();
        var buffer = new byte[1024 * 1024];
        var read = LowWatermark.ReadAsync(stream, client, buffer, TimeSpan.FromSeconds(60), mark).AsTask();
        var watch = Stopwatch.StartNew();
        server.Send(new byte[LowWatermark.Bytes + 1000]);
        var n = await read.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(n > 0);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"woken after {watch.Elapsed}, not by the bytes");
        Assert.Equal(LowWatermark.Bytes, MarkOf(client));
    }
}

/// <summary>A test of Linux socket behaviour: skipped, with the reason, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "SO_RCVLOWAT coalescing is Linux only";
        }
    }
}

/// <summary>Two ends of a loopback TCP connection.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket client, Socket server)
    {
        Client = client;
        Server = server;
    }

    public Socket Client { get; }

    public Socket Server { get; }

    public static async Task<SocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        return new SocketPair(client, await listener.AcceptAsync());
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
