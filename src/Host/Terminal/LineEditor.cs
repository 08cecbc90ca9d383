using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Terminal;

/// <summary>
/// Reads lines from a terminal with Emacs-style editing keys, a kill buffer, history navigation and
/// reverse incremental search. Input longer than the terminal is wide wraps over several rows; every change
/// redraws the input from the start of the prompt.
/// </summary>
public sealed class LineEditor : IDisposable
{
    private const string SearchPromptFormat = "(reverse-i-search)`{0}': ";
    private const string FailedSearchPromptFormat = "(failed reverse-i-search)`{0}': ";

    private readonly ITerminal _terminal;
    private readonly string? _historyFile;
    private readonly LineHistory _history;
    private readonly StringBuilder _buffer = new();
    private string _prompt = "";
    private int _pos;
    private int _cursorRow;
    private string _killBuffer = "";
    private bool _lastWasKill;
    private char _highSurrogate;
    private string?[] _edits = [];
    private int _historyIndex;
    private bool _disposed;
    private bool _lastWasTab;

    /// <param name="keepRepeats">Keep every non-empty entry, blank or repeated (the caller decides what to leave out).</param>
    public LineEditor(ITerminal terminal, string? historyFile, int maxHistory = 500, bool keepRepeats = false)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        _terminal = terminal;
        _historyFile = historyFile;
        _history = new LineHistory(maxHistory, keepRepeats);
        if (historyFile is not null)
        {
            try
            {
                _history.Load(historyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Raised when <see cref="ReadLine"/> is interrupted with Ctrl+C.</summary>
    public event Action? Interrupted;

    /// <summary>
    /// Completes the word before the cursor on Tab: given the line and the cursor, the candidates and where the text they
    /// replace starts (null or no candidates: nothing fits).
    /// </summary>
    public Func<string, int, LineCompletion?>? Completer { get; set; }

    /// <summary>History entries, oldest first.</summary>
    public IReadOnlyList<string> History => _history.Entries;

    private enum Command
    {
        None,
        Insert,
        Accept,
        Backspace,
        Delete,
        DeleteOrEof,
        Left,
        Right,
        Home,
        End,
        WordLeft,
        WordRight,
        KillToEnd,
        KillToStart,
        KillWordBack,
        KillWordForward,
        Yank,
        ClearScreen,
        Previous,
        Next,
        Search,
        Interrupt,
        Cancel,
        Complete,
    }

    /// <summary>Reads a line, or returns null at end of input. Ctrl+C raises <see cref="Interrupted"/> and returns "".</summary>
    public string? ReadLine(string prompt)
    {
        LineResult result = Read(prompt);
        switch (result.Kind)
        {
            case LineResultKind.Eof:
                return null;
            case LineResultKind.Interrupt:
                Interrupted?.Invoke();
                return "";
            default:
                return result.Text;
        }
    }

    /// <summary>
    /// Shows <paramref name="prompt"/> and lets the user edit a line. Enter returns it; Ctrl+D on an empty line
    /// returns end of input; Ctrl+C prints ^C and returns an interrupt. The line is not added to the history.
    /// </summary>
    public LineResult Read(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _prompt = prompt;
        _buffer.Clear();
        _pos = 0;
        _cursorRow = 0;
        _lastWasKill = false;
        _highSurrogate = '\0';
        _edits = new string?[_history.Count + 1];
        _historyIndex = _history.Count;
        _lastWasTab = false;
        _terminal.BeginRead();
        try
        {
            Redraw();
            return ReadKeys();
        }
        finally
        {
            _terminal.EndRead();
        }
    }

    /// <summary>Adds an entry to the history unless it is blank or repeats the latest entry.</summary>
    public void AddHistory(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _history.Add(entry);
    }

    /// <summary>Writes the history file, readable only by its owner, keeping the newest entries.</summary>
    public void SaveHistory()
    {
        if (_historyFile is not null)
        {
            _history.Save(_historyFile);
        }
    }

    /// <summary>Writes the history file keeping at most <paramref name="maxLines"/> entries (negative: all), as psql's HISTSIZE.</summary>
    public void SaveHistory(int maxLines)
    {
        if (_historyFile is not null)
        {
            _history.Save(_historyFile, maxLines);
        }
    }

    /// <summary>The history file, when there is one.</summary>
    public string? HistoryFile => _historyFile;

    /// <summary>Saves the history, ignoring failures to write it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_history.HasUnsaved)
            {
                SaveHistory();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static Command Map(ConsoleKeyInfo key)
    {
        char c = key.KeyChar;
        bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        bool alt = (key.Modifiers & ConsoleModifiers.Alt) != 0;
        if (control && alt && c != '\0' && !char.IsControl(c))
        {
            return Command.Insert;
        }

        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return Command.Accept;
            case ConsoleKey.Tab:
                return control || alt ? Command.None : Command.Complete;
            case ConsoleKey.Escape:
                return Command.Cancel;
            case ConsoleKey.Backspace:
                return alt || control ? Command.KillWordBack : Command.Backspace;
            case ConsoleKey.Delete:
                return Command.Delete;
            case ConsoleKey.LeftArrow:
                return alt || control ? Command.WordLeft : Command.Left;
            case ConsoleKey.RightArrow:
                return alt || control ? Command.WordRight : Command.Right;
            case ConsoleKey.Home:
                return Command.Home;
            case ConsoleKey.End:
                return Command.End;
            case ConsoleKey.UpArrow:
                return Command.Previous;
            case ConsoleKey.DownArrow:
                return Command.Next;
        }

        if (alt)
        {
            return key.Key switch
            {
                ConsoleKey.B => Command.WordLeft,
                ConsoleKey.F => Command.WordRight,
                ConsoleKey.D => Command.KillWordForward,
                _ => char.ToLowerInvariant(c) switch
                {
                    'b' => Command.WordLeft,
                    'f' => Command.WordRight,
                    'd' => Command.KillWordForward,
                    _ => Command.None,
                },
            };
        }

        int letter = control && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z
            ? key.Key - ConsoleKey.A + 1
            : c is >= '\x01' and <= '\x1a' ? c : 0;
        switch (letter)
        {
            case 0:
                break;
            case 1:
                return Command.Home;
            case 2:
                return Command.Left;
            case 3:
                return Command.Interrupt;
            case 4:
                return Command.DeleteOrEof;
            case 5:
                return Command.End;
            case 6:
                return Command.Right;
            case 7:
                return Command.Cancel;
            case 8:
                return Command.Backspace;
            case 9:
                return Command.Complete;
            case 10:
            case 13:
                return Command.Accept;
            case 11:
                return Command.KillToEnd;
            case 12:
                return Command.ClearScreen;
            case 14:
                return Command.Next;
            case 16:
                return Command.Previous;
            case 18:
                return Command.Search;
            case 21:
                return Command.KillToStart;
            case 23:
                return Command.KillWordBack;
            case 25:
                return Command.Yank;
            default:
                return Command.None;
        }

        if (c == '\x7f')
        {
            return Command.Backspace;
        }

        return c != '\0' && !char.IsControl(c) && !control ? Command.Insert : Command.None;
    }

    private static bool IsShellWordChar(char c) => !char.IsWhiteSpace(c);

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private LineResult ReadKeys()
    {
        ConsoleKeyInfo? pending = null;
        while (true)
        {
            ConsoleKeyInfo key = pending ?? _terminal.ReadKey();
            pending = null;
            Command command = Map(key);
            if (command == Command.Search)
            {
                LineResult? searched = ReverseSearch(out pending);
                if (searched is { } done)
                {
                    return done;
                }

                continue;
            }

            LineResult? result = Execute(command, key);
            if (result is { } finished)
            {
                return finished;
            }
        }
    }

    private LineResult? Execute(Command command, ConsoleKeyInfo key)
    {
        bool kill = false;
        bool redraw = true;
        bool tab = false;
        switch (command)
        {
            case Command.Complete:
                // Like readline, a Tab lists the candidates only right after a Tab that changed nothing.
                redraw = Complete(out bool changed);
                if (_listingInterrupted)
                {
                    // Ctrl+C at "Display all ...? (y or n)": the line is given up there, as readline does.
                    _listingInterrupted = false;
                    return LineResult.Interrupt;
                }

                tab = !changed;
                break;
            case Command.Insert:
                redraw = InsertKey(key.KeyChar);
                break;
            case Command.Accept:
                return Finish("", LineResult.Line(_buffer.ToString()));
            case Command.Interrupt:
                return Finish("^C", LineResult.Interrupt);
            case Command.DeleteOrEof:
                if (_buffer.Length == 0)
                {
                    // Readline ends the line on the screen at end of input too.
                    return Finish("", LineResult.Eof);
                }

                redraw = DeleteForward();
                break;
            case Command.Delete:
                redraw = DeleteForward();
                break;
            case Command.Backspace:
                if (_pos > 0)
                {
                    int start = PreviousPosition(_pos);
                    _buffer.Remove(start, _pos - start);
                    _pos = start;
                }

                break;
            case Command.Left:
                _pos = PreviousPosition(_pos);
                break;
            case Command.Right:
                _pos = NextPosition(_pos);
                break;
            case Command.Home:
                _pos = 0;
                break;
            case Command.End:
                _pos = _buffer.Length;
                break;
            case Command.WordLeft:
                _pos = WordStartBefore(_pos, IsWordChar);
                break;
            case Command.WordRight:
                _pos = WordEndAfter(_pos, IsWordChar);
                break;
            case Command.KillToEnd:
                Kill(_pos, _buffer.Length, prepend: false);
                kill = true;
                break;
            case Command.KillToStart:
                Kill(0, _pos, prepend: true);
                kill = true;
                break;
            case Command.KillWordBack:
                Kill(WordStartBefore(_pos, IsShellWordChar), _pos, prepend: true);
                kill = true;
                break;
            case Command.KillWordForward:
                Kill(_pos, WordEndAfter(_pos, IsWordChar), prepend: false);
                kill = true;
                break;
            case Command.Yank:
                _buffer.Insert(_pos, _killBuffer);
                _pos += _killBuffer.Length;
                break;
            case Command.ClearScreen:
                _terminal.Write("\x1b[H\x1b[2J");
                _cursorRow = 0;
                break;
            case Command.Previous:
                redraw = MoveInHistory(-1);
                break;
            case Command.Next:
                redraw = MoveInHistory(1);
                break;
            default:
                redraw = false;
                break;
        }

        _lastWasKill = kill;
        _lastWasTab = tab;
        if (redraw)
        {
            Redraw();
        }

        return null;
    }

    private LineResult Finish(string marker, LineResult result)
    {
        _pos = _buffer.Length;
        Redraw();
        _terminal.Write(marker + "\r\n");
        _cursorRow = 0;
        return result;
    }

    /// <summary>
    /// Tab, as readline does it: one candidate replaces the word and adds a space (not after a directory's slash or a
    /// schema's dot); several insert what they have in common and ring the bell; a Tab that adds nothing rings the bell,
    /// and a second one lists the candidates below the line in columns, each but the last column padded to the widest
    /// (asking first when there are more than 100), and shows the line again.
    /// </summary>
    private bool Complete(out bool changed)
    {
        changed = false;
        string text = _buffer.ToString();
        LineCompletion? completion = null;
        if (Completer is { } completer)
        {
            try
            {
                completion = completer(text, _pos);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                completion = null;
            }
        }

        if (completion is not { Candidates.Count: > 0 } found || found.Start < 0 || found.Start > _pos)
        {
            _terminal.Write("\a");
            return false;
        }

        string word = text[found.Start.._pos];
        if (found.Candidates.Count == 1)
        {
            string only = found.Candidates[0];
            bool space = found.AppendSpace && !only.EndsWith('/') && !only.EndsWith('.');
            Replace(found.Start, only + (space && (_pos >= text.Length || text[_pos] != ' ') ? " " : ""));
            if (space && _pos < _buffer.Length && _buffer[_pos] == ' ')
            {
                _pos++;
            }

            changed = true;
            return true;
        }

        string common = CommonPrefix(found.Candidates);
        if (common.Length > word.Length || (common.Length == word.Length && common != word && common.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            // readline rings the bell after inserting the common part of several candidates too
            Replace(found.Start, common);
            _terminal.Write("\a");
            changed = true;
            return true;
        }

        if (!_lastWasTab)
        {
            _terminal.Write("\a");
            return false;
        }

        ListCandidates(found.Candidates);
        return true;
    }

    private void Replace(int start, string replacement)
    {
        _buffer.Remove(start, _pos - start);
        _buffer.Insert(start, replacement);
        _pos = start + replacement.Length;
    }

    private static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        string first = candidates[0];
        int length = first.Length;
        foreach (string candidate in candidates)
        {
            int i = 0;
            while (i < length && i < candidate.Length && candidate[i] == first[i])
            {
                i++;
            }

            length = i;
        }

        if (length > 0 && char.IsHighSurrogate(first[length - 1]))
        {
            length--;
        }

        return first[..length];
    }

    // Ctrl+C answered the question before a long list of candidates.
    private bool _listingInterrupted;

    private void ListCandidates(IReadOnlyList<string> candidates)
    {
        int pos = _pos;
        _pos = _buffer.Length;
        Redraw();
        _pos = pos;
        var output = new StringBuilder("\r\n");
        if (candidates.Count > 100)
        {
            _terminal.Write(output.Append("Display all ").Append(candidates.Count).Append(" possibilities? (y or n)").ToString());
            output.Clear();
            while (true)
            {
                ConsoleKeyInfo answer = _terminal.ReadKey();
                if (answer.KeyChar is 'y' or 'Y' or ' ')
                {
                    output.Append("\r\n");
                    break;
                }

                if (answer.KeyChar is '\x03')
                {
                    _terminal.Write("^C\r\n");
                    _cursorRow = 0;
                    _listingInterrupted = true;
                    return;
                }

                if (answer.KeyChar is 'n' or 'N' or '\x7f' or '\x07' or '\x1b' || answer.Key is ConsoleKey.Backspace or ConsoleKey.Escape)
                {
                    _terminal.Write("\r\n");
                    _cursorRow = 0;
                    return;
                }
            }
        }

        int widest = candidates.Max(c => DisplayWidth.Of(c)) + 2;
        int width = Math.Max(_terminal.Width, 1);
        int columns = Math.Max(1, width / widest);
        if (columns > 1 && columns * widest == width)
        {
            columns--;
        }

        int rows = (candidates.Count + columns - 1) / columns;
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                int index = row + (column * rows);
                if (index >= candidates.Count)
                {
                    break;
                }

                string candidate = candidates[index];
                output.Append(candidate);
                if (column < columns - 1)
                {
                    output.Append(' ', widest - DisplayWidth.Of(candidate));
                }
            }

            output.Append("\r\n");
        }

        _terminal.Write(output.ToString());
        _cursorRow = 0;
    }

    private bool InsertKey(char c)
    {
        if (char.IsHighSurrogate(c))
        {
            _highSurrogate = c;
            return false;
        }

        if (char.IsLowSurrogate(c))
        {
            if (_highSurrogate == '\0')
            {
                return false;
            }

            _buffer.Insert(_pos, [_highSurrogate, c]);
            _pos += 2;
            _highSurrogate = '\0';
            return true;
        }

        _highSurrogate = '\0';
        _buffer.Insert(_pos, c);
        _pos++;
        return true;
    }

    private bool DeleteForward()
    {
        if (_pos >= _buffer.Length)
        {
            return false;
        }

        _buffer.Remove(_pos, NextPosition(_pos) - _pos);
        return true;
    }

    private void Kill(int start, int end, bool prepend)
    {
        string text = _buffer.ToString(start, end - start);
        _killBuffer = !_lastWasKill ? text : prepend ? text + _killBuffer : _killBuffer + text;
        _buffer.Remove(start, end - start);
        _pos = start;
    }

    private bool MoveInHistory(int step)
    {
        int target = _historyIndex + step;
        if (target < 0 || target > _history.Count)
        {
            return false;
        }

        SelectHistory(target);
        return true;
    }

    private void SelectHistory(int index)
    {
        _edits[_historyIndex] = _buffer.ToString();
        _historyIndex = index;
        _buffer.Clear().Append(_edits[index] ?? (index < _history.Count ? _history[index] : ""));
        _pos = _buffer.Length;
    }

    private LineResult? ReverseSearch(out ConsoleKeyInfo? pending)
    {
        pending = null;
        string original = _buffer.ToString();
        int originalPos = _pos;
        int originalIndex = _historyIndex;
        var query = new StringBuilder();
        int matchIndex = -1;
        int matchPos = 0;
        bool failed = false;
        string prompt = _prompt;
        string ShownText() => matchIndex >= 0 ? _history[matchIndex] : original;

        void Show()
        {
            string format = failed ? FailedSearchPromptFormat : SearchPromptFormat;
            _prompt = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, query);
            _buffer.Clear().Append(ShownText());
            _pos = matchIndex >= 0 ? matchPos : originalPos;
            Redraw();
        }

        void Search(int fromIndex, int maxStart)
        {
            string needle = query.ToString();
            if (needle.Length == 0)
            {
                failed = false;
                return;
            }

            for (int i = Math.Min(fromIndex, _history.Count - 1); i >= 0; i--)
            {
                string entry = _history[i];
                long limit = i == fromIndex ? Math.Min((long)maxStart + needle.Length - 1, entry.Length - 1) : entry.Length - 1;
                int found = limit < 0 ? -1 : entry.LastIndexOf(needle, (int)limit, StringComparison.Ordinal);
                if (found >= 0)
                {
                    matchIndex = i;
                    matchPos = found;
                    failed = false;
                    return;
                }
            }

            failed = true;
        }

        Show();
        while (true)
        {
            ConsoleKeyInfo key = _terminal.ReadKey();
            Command command = Map(key);
            switch (command)
            {
                case Command.Insert:
                    if (char.IsSurrogate(key.KeyChar))
                    {
                        if (char.IsHighSurrogate(key.KeyChar))
                        {
                            _highSurrogate = key.KeyChar;
                            continue;
                        }

                        if (_highSurrogate == '\0')
                        {
                            continue;
                        }

                        query.Append(_highSurrogate);
                        _highSurrogate = '\0';
                    }

                    query.Append(key.KeyChar);
                    Search(matchIndex >= 0 ? matchIndex : _history.Count - 1, matchIndex >= 0 ? matchPos : int.MaxValue);
                    Show();
                    continue;
                case Command.Backspace:
                    if (query.Length > 0)
                    {
                        query.Length--;
                        matchIndex = -1;
                        Search(_history.Count - 1, int.MaxValue);
                    }

                    Show();
                    continue;
                case Command.Search:
                    if (query.Length > 0 && matchIndex >= 0)
                    {
                        int fromIndex = matchPos > 0 ? matchIndex : matchIndex - 1;
                        int fromPos = matchPos > 0 ? matchPos - 1 : int.MaxValue;
                        if (fromIndex < 0)
                        {
                            failed = true;
                            Show();
                            continue;
                        }

                        int keptIndex = matchIndex;
                        int keptPos = matchPos;
                        Search(fromIndex, fromPos);
                        if (failed)
                        {
                            matchIndex = keptIndex;
                            matchPos = keptPos;
                        }
                    }

                    Show();
                    continue;
                case Command.Cancel:
                    _prompt = prompt;
                    _buffer.Clear().Append(original);
                    _pos = originalPos;
                    Redraw();
                    return null;
                case Command.Interrupt:
                    _prompt = prompt;
                    return Finish("^C", LineResult.Interrupt);
            }

            _prompt = prompt;
            _buffer.Clear().Append(original);
            if (matchIndex >= 0)
            {
                _historyIndex = originalIndex;
                SelectHistory(matchIndex);
                _pos = matchPos;
            }
            else
            {
                _pos = originalPos;
            }

            Redraw();
            if (command != Command.None)
            {
                pending = key;
            }

            return null;
        }
    }

    private int NextPosition(int pos)
    {
        if (pos >= _buffer.Length)
        {
            return _buffer.Length;
        }

        pos += CodePointLength(pos);
        while (pos < _buffer.Length && ScreenWriter.IsZeroWidth(CodePointAt(pos)))
        {
            pos += CodePointLength(pos);
        }

        return pos;
    }

    private int PreviousPosition(int pos)
    {
        while (pos > 0)
        {
            pos -= pos >= 2 && char.IsLowSurrogate(_buffer[pos - 1]) && char.IsHighSurrogate(_buffer[pos - 2]) ? 2 : 1;
            if (!ScreenWriter.IsZeroWidth(CodePointAt(pos)))
            {
                break;
            }
        }

        return pos;
    }

    private int CodePointLength(int pos) =>
        pos + 1 < _buffer.Length && char.IsHighSurrogate(_buffer[pos]) && char.IsLowSurrogate(_buffer[pos + 1]) ? 2 : 1;

    private int CodePointAt(int pos) =>
        CodePointLength(pos) == 2 ? char.ConvertToUtf32(_buffer[pos], _buffer[pos + 1]) : _buffer[pos];

    private int WordStartBefore(int pos, Func<char, bool> isWord)
    {
        while (pos > 0 && !isWord(_buffer[pos - 1]))
        {
            pos--;
        }

        while (pos > 0 && isWord(_buffer[pos - 1]))
        {
            pos--;
        }

        return pos;
    }

    private int WordEndAfter(int pos, Func<char, bool> isWord)
    {
        while (pos < _buffer.Length && !isWord(_buffer[pos]))
        {
            pos++;
        }

        while (pos < _buffer.Length && isWord(_buffer[pos]))
        {
            pos++;
        }

        return pos;
    }

    private void Redraw()
    {
        var output = new StringBuilder();
        if (_cursorRow > 0)
        {
            output.Append("\x1b[").Append(_cursorRow).Append('A');
        }

        output.Append("\r\x1b[J");
        var screen = new ScreenWriter(output, _terminal.Width);
        screen.WritePrompt(_prompt);
        string text = _buffer.ToString();
        (int Row, int Col) cursor = screen.Position;
        for (int i = 0; i < text.Length;)
        {
            if (i == _pos)
            {
                cursor = screen.PositionOf(text, i);
            }

            i += screen.WriteCodePoint(text, i);
        }

        if (_pos >= text.Length)
        {
            cursor = screen.Position;
        }

        screen.Finish();
        int up = screen.Row - cursor.Row;
        if (up > 0)
        {
            output.Append("\x1b[").Append(up).Append('A');
        }

        output.Append('\r');
        if (cursor.Col > 0)
        {
            output.Append("\x1b[").Append(cursor.Col).Append('C');
        }

        _cursorRow = cursor.Row;
        _terminal.Write(output.ToString());
    }
}
