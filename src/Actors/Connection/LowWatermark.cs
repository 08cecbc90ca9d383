using System.Net.Sockets;

namespace PgWire.Actors.Connection;

/// <summary>
/// Coalesces the reads of a long data stream with the socket's receive low-water mark
/// (<c>SO_RCVLOWAT</c>): while a read waits, the kernel wakes the reader only once that many bytes
/// are queued, instead of once per segment the server sends (a walsender flushes after every
/// change, so a fast stream arrives as one small segment per row). A read that has not completed
/// after the coalesce delay lowers the mark back to one byte, which wakes it for whatever is
/// queued, so no byte waits longer than the delay. Linux only (other systems read as before).
/// </summary>
internal static class LowWatermark
{
    private const int SolSocket = 1;
    private const int SoRcvLowat = 18;

    /// <summary>Bytes to queue before a waiting read is woken while streaming.</summary>
    public const int Bytes = 256 * 1024;

    public static bool Supported { get; } = OperatingSystem.IsLinux();

    public static async ValueTask<int> ReadAsync(Stream stream, Socket socket, Memory<byte> memory, TimeSpan coalesce)
    {
        var read = stream.ReadAsync(memory);
        if (read.IsCompleted)
        {
            // Bytes were queued already: no wait to coalesce.
            return await read.ConfigureAwait(false);
        }

        // The mark is raised only while this read waits and is back at one byte before it returns,
        // so every other read of the connection (queries after the stream, the close) is unaffected.
        Set(socket, Math.Min(Bytes, memory.Length));
        var task = read.AsTask();
        var lowered = false;
        try
        {
            if (await Task.WhenAny(task, Task.Delay(coalesce)).ConfigureAwait(false) != task)
            {
                Set(socket, 1);
                lowered = true;
            }

            return await task.ConfigureAwait(false);
        }
        finally
        {
            if (!lowered)
            {
                Set(socket, 1);
            }
        }
    }

    private static void Set(Socket socket, int bytes)
    {
        Span<byte> value = stackalloc byte[4];
        BitConverter.TryWriteBytes(value, bytes);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvLowat, value);
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
