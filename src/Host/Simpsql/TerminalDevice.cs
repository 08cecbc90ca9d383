using System.Runtime.InteropServices;

namespace PgWire.Host.Simpsql;

/// <summary>Whether the standard streams are terminals, and the size of the one on standard output, as the C library tells.</summary>
internal static partial class TerminalDevice
{
    private const nuint TiocGWinSz = 0x5413;

    /// <summary>True when file descriptor <paramref name="fd"/> (0, 1, 2) is a terminal.</summary>
    public static bool IsTerminal(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return fd switch
            {
                0 => !Console.IsInputRedirected,
                1 => !Console.IsOutputRedirected,
                _ => !Console.IsErrorRedirected,
            };
        }

        try
        {
            return IsATty(fd) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when file descriptor <paramref name="fd"/> is a file that can be read at any position (a regular
    /// file, /dev/null): reading it never waits for a writer, as a pipe, socket or terminal may.
    /// </summary>
    public static bool IsSeekable(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Seek(fd, 0, 1) >= 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The rows and columns of the terminal on standard output; false when it has none (ioctl fails).</summary>
    public static bool TryGetSize(out int rows, out int columns)
    {
        rows = 0;
        columns = 0;
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                rows = Console.WindowHeight;
                columns = Console.WindowWidth;
                return true;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
            {
                return false;
            }
        }

        try
        {
            if (GetWindowSize(1, TiocGWinSz, out WinSize size) != 0)
            {
                return false;
            }

            rows = size.Rows;
            columns = size.Columns;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [LibraryImport("libc", EntryPoint = "lseek")]
    private static partial long Seek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int GetWindowSize(int fd, nuint request, out WinSize size);
}
