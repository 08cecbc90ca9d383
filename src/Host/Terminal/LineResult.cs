namespace PgWire.Host.Terminal;

public enum LineResultKind
{
    /// <summary>The user pressed Enter; <see cref="LineResult.Text"/> holds the line.</summary>
    Line,

    /// <summary>The user pressed Ctrl+D on an empty line.</summary>
    Eof,

    /// <summary>The user pressed Ctrl+C; the line was discarded.</summary>
    Interrupt,
}

/// <summary>Outcome of <see cref="LineEditor.Read"/>.</summary>
public readonly record struct LineResult(LineResultKind Kind, string Text)
{
    public static LineResult Eof => new(LineResultKind.Eof, "");

    public static LineResult Interrupt => new(LineResultKind.Interrupt, "");

    public static LineResult Line(string text) => new(LineResultKind.Line, text);
}
