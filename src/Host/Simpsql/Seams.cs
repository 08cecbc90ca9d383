using PgWire.Actors.Connection;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>A source of input lines with history.</summary>
public interface ILineReader
{
    /// <summary>Reads one line without its terminator, or null at end of input.</summary>
    string? ReadLine(string prompt);

    /// <summary>True when the last <see cref="ReadLine"/> ended with Ctrl+C (its text is then empty).</summary>
    bool LastReadInterrupted { get; }

    void AddHistory(string entry);

    void SaveHistory();
}

/// <summary>Reads lines from a text reader, printing the prompt (if any) to a writer.</summary>
public sealed class PlainLineReader : ILineReader
{
    private readonly TextReader _input;
    private readonly TextWriter? _promptOutput;

    public PlainLineReader(TextReader input, TextWriter? promptOutput)
    {
        _input = input;
        _promptOutput = promptOutput;
    }

    /// <summary>Where the lines come from.</summary>
    public TextReader Input => _input;

    public string? ReadLine(string prompt)
    {
        if (_promptOutput is not null)
        {
            _promptOutput.Write(prompt);
            _promptOutput.Flush();
        }

        return _input.ReadLine();
    }

    public bool LastReadInterrupted => false;

    public void AddHistory(string entry)
    {
    }

    public void SaveHistory()
    {
    }
}

/// <summary>Chooses the line reader for the interactive loop.</summary>
public static class LineReaders
{
    /// <summary>Creates the reader; <paramref name="historyFile"/> is where a terminal editor keeps history.</summary>
    public static ILineReader Create(TextReader input, TextWriter promptOutput, bool interactive, string? historyFile)
    {
        if (interactive && PgWire.Host.Terminal.SystemTerminal.IsInteractive && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"))
        {
            // As psql: every entry is kept in memory (HISTCONTROL decides what is left out), HISTSIZE limits the file.
            return new TerminalLineReader(new PgWire.Host.Terminal.LineEditor(new PgWire.Host.Terminal.SystemTerminal(), historyFile, int.MaxValue, keepRepeats: true));
        }

        return new PlainLineReader(input, interactive ? promptOutput : null);
    }
}

/// <summary>The terminal line editor (editing keys, history file, Ctrl+C clears the line).</summary>
public sealed class TerminalLineReader : ILineReader
{
    private readonly PgWire.Host.Terminal.LineEditor _editor;

    public TerminalLineReader(PgWire.Host.Terminal.LineEditor editor)
    {
        _editor = editor;
    }

    public bool LastReadInterrupted { get; private set; }

    /// <summary>Tab completion for the line being edited (see <see cref="PgWire.Host.Terminal.LineEditor.Completer"/>).</summary>
    public Func<string, int, PgWire.Host.Terminal.LineCompletion?>? Completer
    {
        get => _editor.Completer;
        set => _editor.Completer = value;
    }

    public string? ReadLine(string prompt)
    {
        var result = _editor.Read(prompt);
        LastReadInterrupted = result.Kind == PgWire.Host.Terminal.LineResultKind.Interrupt;
        return result.Kind == PgWire.Host.Terminal.LineResultKind.Eof ? null : LastReadInterrupted ? "" : result.Text;
    }

    /// <summary>
    /// A line for \prompt: edited like any line (so keys typed ahead of the question answer it, in order), without
    /// completion and not kept in the history. Null after Ctrl+C; empty at Ctrl+D.
    /// </summary>
    public string? Ask(string prompt)
    {
        var completer = _editor.Completer;
        _editor.Completer = null;
        try
        {
            var result = _editor.Read(prompt);
            return result.Kind switch
            {
                PgWire.Host.Terminal.LineResultKind.Interrupt => null,
                PgWire.Host.Terminal.LineResultKind.Eof => "",
                _ => result.Text,
            };
        }
        finally
        {
            _editor.Completer = completer;
        }
    }

    public void AddHistory(string entry) => _editor.AddHistory(HistoryText?.Invoke(entry) ?? entry);

    /// <summary>
    /// Turns a statement (text of the session's client encoding) into the characters the terminal shows, for the
    /// history: recalled, it is typed again and must become the same bytes.
    /// </summary>
    public Func<string, string>? HistoryText { get; set; }

    /// <summary>The history, oldest first (\s).</summary>
    public IReadOnlyList<string> History => _editor.History;

    /// <summary>
    /// Saves the history file as psql does at exit, keeping at most <paramref name="maxLines"/> entries (negative: all);
    /// a failure is reported with psql's message.
    /// </summary>
    public void SaveHistory(int maxLines, Action<string> report)
    {
        try
        {
            _editor.SaveHistory(maxLines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is UnauthorizedAccessException ? "Permission denied"
                : e is DirectoryNotFoundException or FileNotFoundException ? "No such file or directory"
                : e.Message;
            report($"could not save history to file \"{_editor.HistoryFile}\": {reason}");
        }
    }

    public void SaveHistory()
    {
        try
        {
            _editor.SaveHistory();
        }
        catch (IOException)
        {
            // an unwritable history file must not turn a clean exit into an error
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
