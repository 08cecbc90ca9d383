namespace PgWire.Host.Terminal;

/// <summary>
/// The process console. While a line is being read, Ctrl+C is delivered as a key rather than as a signal.
/// Between lines (while a statement runs, its results print, a \\watch waits) the terminal is in the mode
/// it was found in, as readline leaves it for psql: what is typed ahead shows as it is typed, and Ctrl+C
/// shows as ^C.
/// </summary>
public sealed class SystemTerminal : ITerminal
{
    private const int DefaultWidth = 80;
    private const int StandardInput = 0;

    private bool _savedTreatControlC;
    private bool _changedTreatControlC;

    // The terminal's settings before the first line was read, and the ones the runtime's console had set
    // when the last line ended. The runtime remembers what it set last and does not set it again, so
    // those are put back before the next line is read.
    private byte[]? _found;
    private byte[]? _reading;

    /// <summary>True when both standard input and standard output are attached to a terminal.</summary>
    public static bool IsInteractive => !Console.IsInputRedirected && !Console.IsOutputRedirected;

    public int Width
    {
        get
        {
            try
            {
                int width = Console.WindowWidth;
                return width > 0 ? width : DefaultWidth;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
            {
                return DefaultWidth;
            }
        }
    }

    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    public void Write(string text)
    {
        Console.Out.Write(text);
        Console.Out.Flush();
    }

    public void BeginRead()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            if (_found is null)
            {
                var found = new byte[256];
                _found = TerminalPassword.GetAttributes(StandardInput, found) ? found : [];
            }
            else if (_reading is not null)
            {
                TerminalPassword.SetAttributes(StandardInput, _reading, TerminalPassword.SetNow);
                _reading = null;
            }
        }

        try
        {
            _savedTreatControlC = Console.TreatControlCAsInput;
            Console.TreatControlCAsInput = true;
            _changedTreatControlC = true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            _changedTreatControlC = false;
        }
    }

    public void EndRead()
    {
        if (!_changedTreatControlC)
        {
            return;
        }

        _changedTreatControlC = false;
        try
        {
            Console.TreatControlCAsInput = _savedTreatControlC;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
        }

        // Back to the terminal's own mode until the next line (not flushed: what is typed ahead stays).
        if (_found is { Length: > 0 } found)
        {
            var reading = new byte[found.Length];
            if (TerminalPassword.GetAttributes(StandardInput, reading) && TerminalPassword.SetAttributes(StandardInput, found, TerminalPassword.SetNow))
            {
                _reading = reading;
            }
        }
    }
}
