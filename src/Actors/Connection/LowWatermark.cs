using System.Net.Sockets;

namespace PgWire.Actors.Connection;

/// <summary>
/// Coalesces the reads of a long data stream with the socket's receive low-water mark
/// (<c>SO_RCVLOWAT</c>): while the mark is raised, the kernel tells the process that the socket is
/// readable once that many bytes are queued (or sooner, when its receive memory runs short),
/// instead of once per segment the server sends (a walsender flushes after every change, so a
/// fast stream arrives as one small segment per row, and each would wake the runtime's socket
/// thread). The mark stays raised between the stream's reads, so segments that arrive while a
/// batch is being processed wake nobody; a read that finds bytes queued takes them at once
/// whatever the mark (a non-blocking read does not wait for it). A read that has to wait and is
/// not woken within the coalesce delay lowers the mark to one byte, which wakes it for whatever
/// is queued, so no byte waits longer than the delay; the next read raises it again. Before any
/// other read of the connection (queries after the stream, the close) the mark goes back to one
/// byte. Linux only (other systems read as before).
/// </summary>
internal static class LowWatermark
{
    private const int SolSocket = 1;
    private const int SoRcvLowat = 18;

    /// <summary>Bytes to queue before a waiting read is woken while streaming.</summary>
    public const int Bytes = 256 * 1024;

    public static bool Supported { get; } = OperatingSystem.IsLinux();

    /// <summary>The mark a connection's socket has now (one read at a time uses it).</summary>
    public sealed class Mark
    {
        internal int Current = 1;
    }

    public static async ValueTask<int> ReadAsync(Stream stream, Socket socket, Memory<byte> memory, TimeSpan coalesce, Mark mark)
    {
        Set(socket, mark, Math.Min(Bytes, memory.Length));
        var read = stream.ReadAsync(memory);
        if (read.IsCompleted)
        {
            // Bytes were queued already: no wait to coalesce.
            return await read.ConfigureAwait(false);
        }

        var task = read.AsTask();
        if (await Task.WhenAny(task, Task.Delay(coalesce)).ConfigureAwait(false) != task)
        {
            Set(socket, mark, 1);
        }

        return await task.ConfigureAwait(false);
    }

    /// <summary>Puts the mark back to one byte (if it was raised) before a read that must not wait for more.</summary>
    public static void Lower(Socket socket, Mark mark) => Set(socket, mark, 1);

    private static void Set(Socket socket, Mark mark, int bytes)
    {
        if (mark.Current == bytes)
        {
            return;
        }

        Span<byte> value = stackalloc byte[4];
        BitConverter.TryWriteBytes(value, bytes);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvLowat, value);
            mark.Current = bytes;
        }
        catch (SocketException)
        {
            // a socket that refuses the option reads as before
        }
        catch (ObjectDisposedException)
        {
            // closed under the read; the read reports it
        }
    }
}
