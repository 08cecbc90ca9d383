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

/// <summary>
/// Completion candidates for the text from <see cref="Start"/> to the cursor, each replacing it whole;
/// <see cref="AppendSpace"/> when a single candidate is followed by a space.
/// </summary>
public sealed record LineCompletion(int Start, IReadOnlyList<string> Candidates, bool AppendSpace = true);
