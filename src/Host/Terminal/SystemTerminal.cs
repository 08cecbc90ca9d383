namespace PgWire.Host.Terminal;

/// <summary>
/// The process console. While a line is being read, Ctrl+C is delivered as a key rather than as a signal.
/// </summary>
public sealed class SystemTerminal : ITerminal
{
    private const int DefaultWidth = 80;

    private bool _savedTreatControlC;
    private bool _changedTreatControlC;

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
    }
}
