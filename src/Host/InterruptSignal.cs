using System.Runtime.InteropServices;

namespace PgWire.Host;

/// <summary>
/// Ctrl+C (SIGINT) reaches simpsql and lrepl however they were started. A shell without job control
/// starts a command it puts in the background (<c>cmd &amp;</c> in a script) with SIGINT ignored, and
/// the .NET runtime keeps an ignored signal ignored, so neither a typed Ctrl+C nor <c>kill -INT</c>
/// would cancel a statement or stop a run. psql and pg_recvlogical install their handlers whatever
/// they inherited; so does pgwire, by giving SIGINT back its default disposition before the runtime
/// sets up its signal handling (the first use of the console or of a signal registration).
/// </summary>
internal static partial class InterruptSignal
{
    private const int Sigint = 2; // Linux, macOS and the BSDs alike
    private const nint Ignore = 1; // SIG_IGN
    private const nint Default = 0; // SIG_DFL

    /// <summary>Whether SIGINT was found ignored and made to work again.</summary>
    public static bool Honour()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return false;
        }

        // struct sigaction begins with the handler on every one of them; the rest is not read.
        Span<byte> action = stackalloc byte[512];
        if (SigAction(Sigint, IntPtr.Zero, action) != 0 || MemoryMarshal.Read<nint>(action) != Ignore)
        {
            return false;
        }

        return Signal(Sigint, Default) == Ignore;
    }

    private static unsafe int SigAction(int signal, nint newAction, Span<byte> oldAction)
    {
        fixed (byte* old = oldAction)
        {
            return SigActionCore(signal, newAction, old);
        }
    }

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static unsafe partial int SigActionCore(int signal, nint newAction, byte* oldAction);

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint Signal(int signal, nint handler);
}
