using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PgWire.Host.Terminal;

/// <summary>What came of asking for a password on the terminal.</summary>
public enum PasswordPromptResult
{
    /// <summary>The user typed a line (possibly empty) and pressed Enter.</summary>
    Entered,

    /// <summary>The process has no controlling terminal; the caller may read standard input instead.</summary>
    NoTerminal,

    /// <summary>The user pressed Ctrl+C.</summary>
    Canceled,
}

/// <summary>
/// Asks for a password on the process's controlling terminal (<c>/dev/tty</c>) with echo turned off, the way
/// psql does: it works even when standard input and output are redirected, and the prompt and the line break
/// after it go to the terminal, not to standard output.
/// </summary>
public static partial class TerminalPassword
{
    private const uint Echo = 0x8; // ECHO in c_lflag, Linux and the BSDs alike
    private const uint MapCarriageReturn = 0x100; // ICRNL in c_iflag, Linux and the BSDs alike
    private const int SetAfterFlush = 2; // TCSAFLUSH, Linux and macOS alike
    internal const int SetNow = 0; // TCSANOW, Linux and macOS alike
    private const short PollIn = 0x1;

    public static PasswordPromptResult Read(string prompt, out string password) => Read(prompt, false, out password);

    /// <summary>
    /// Asks on the controlling terminal; with <paramref name="echo"/> the line typed shows, and no line break
    /// is written after it (psql's simple_prompt with echo, as \prompt uses it).
    /// </summary>
    public static PasswordPromptResult Read(string prompt, bool echo, out string password)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        password = "";
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return PasswordPromptResult.NoTerminal;
        }

        SafeFileHandle tty;
        try
        {
            tty = File.OpenHandle("/dev/tty", FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PasswordPromptResult.NoTerminal;
        }

        using (tty)
        using (var stream = new FileStream(tty, FileAccess.ReadWrite, 0))
        {
            int fd = (int)tty.DangerousGetHandle();
            byte[] saved = new byte[256];
            // With echo the settings change and come back at once, without flushing what was typed ahead.
            int when = echo ? SetNow : SetAfterFlush;
            bool echoOff = GetAttributes(fd, saved) && SetAttributes(fd, WithoutEcho(saved, echo), when);
            int canceled = 0;
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                Volatile.Write(ref canceled, 1);
            });
            try
            {
                Write(stream, prompt);
                var line = new List<byte>();
                var key = new byte[1];
                while (true)
                {
                    if (Volatile.Read(ref canceled) != 0)
                    {
                        return PasswordPromptResult.Canceled;
                    }

                    if (!WaitForInput(fd, 200))
                    {
                        continue;
                    }

                    // A byte at a time, so that what follows the end of this line stays queued for the line editor.
                    int n;
                    try
                    {
                        n = stream.Read(key, 0, 1);
                    }
                    catch (IOException)
                    {
                        n = 0;
                    }

                    if (n <= 0)
                    {
                        break;
                    }

                    // A carriage return ends the line too: keys typed while the terminal read single keys were
                    // queued as they came, Enter not turned into a newline.
                    if (key[0] is (byte)'\n' or (byte)'\r')
                    {
                        break;
                    }

                    line.Add(key[0]);
                }

                password = Encoding.UTF8.GetString(line.ToArray());
                return PasswordPromptResult.Entered;
            }
            finally
            {
                if (echoOff)
                {
                    SetAttributes(fd, saved, when);
                }

                if (!echo)
                {
                    Write(stream, "\n");
                }
            }
        }
    }

    private static void Write(FileStream stream, string text)
    {
        try
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// The terminal's settings for typing a password: whole lines with the usual editing keys (a line editor may
    /// have left the terminal reading single keys), Enter ending the line, Ctrl+C a signal, and no echo.
    /// </summary>
    private static byte[] WithoutEcho(byte[] attributes, bool echo)
    {
        bool bsd = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();
        uint lineMode = bsd ? 0x100u : 0x2u; // ICANON
        uint signals = bsd ? 0x80u : 0x1u; // ISIG
        var changed = (byte[])attributes.Clone();
        Update(changed, 0, flags => flags | MapCarriageReturn);
        Update(changed, 3, flags => echo ? flags | lineMode | signals | Echo : (flags | lineMode | signals) & ~Echo);
        return changed;
    }

    /// <summary>Changes the index-th tcflag_t of struct termios: 8 bytes each on macOS, 4 elsewhere.</summary>
    private static void Update(byte[] attributes, int index, Func<uint, uint> change)
    {
        if (OperatingSystem.IsMacOS())
        {
            int offset = index * 8;
            ulong flags = BitConverter.ToUInt64(attributes, offset);
            BitConverter.TryWriteBytes(attributes.AsSpan(offset), (flags & ~0xFFFFFFFFUL) | change((uint)flags));
        }
        else
        {
            int offset = index * 4;
            BitConverter.TryWriteBytes(attributes.AsSpan(offset), change(BitConverter.ToUInt32(attributes, offset)));
        }
    }

    internal static unsafe bool GetAttributes(int fd, byte[] attributes)
    {
        fixed (byte* p = attributes)
        {
            return TcGetAttr(fd, p) == 0;
        }
    }

    internal static unsafe bool SetAttributes(int fd, byte[] attributes, int when)
    {
        fixed (byte* p = attributes)
        {
            return TcSetAttr(fd, when, p) == 0;
        }
    }

    /// <summary>True when a read will not block; false after the timeout or when interrupted by a signal.</summary>
    private static unsafe bool WaitForInput(int fd, int milliseconds)
    {
        var request = new PollRequest { Fd = fd, Events = PollIn };
        int ready = Poll(&request, 1, milliseconds);
        return ready > 0 || (ready < 0 && Marshal.GetLastPInvokeError() != 4); // EINTR: look at the cancel flag first
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollRequest
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static unsafe partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static unsafe partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollRequest* fds, nuint count, int timeout);
}
