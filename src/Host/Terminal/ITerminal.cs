namespace PgWire.Host.Terminal;

/// <summary>The keyboard and screen a <see cref="LineEditor"/> works with.</summary>
public interface ITerminal
{
    /// <summary>Width of the screen in columns.</summary>
    int Width { get; }

    /// <summary>Blocks until a key is pressed and returns it without echoing it.</summary>
    ConsoleKeyInfo ReadKey();

    /// <summary>Writes text, which may contain ANSI control sequences, and flushes it.</summary>
    void Write(string text);

    /// <summary>Called before the editor starts reading keys for a line.</summary>
    void BeginRead()
    {
    }

    /// <summary>Called after the editor has finished reading keys for a line.</summary>
    void EndRead()
    {
    }
}
