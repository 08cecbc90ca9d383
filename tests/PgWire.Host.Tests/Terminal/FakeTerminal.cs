using System.Text;
using PgWire.Host.Psql;
using PgWire.Host.Terminal;

namespace PgWire.Host.Tests.Terminal;

/// <summary>A terminal fed from a script of keys and checks, drawing its output on an <see cref="AnsiScreen"/>.</summary>
internal sealed class FakeTerminal : ITerminal
{
    private readonly Queue<object> _script = new();

    public FakeTerminal(int width = 80)
    {
        Screen = new AnsiScreen(width);
    }

    public AnsiScreen Screen { get; }

    public StringBuilder Output { get; } = new();

    public int Width => Screen.Width;

    public int BeginCount { get; private set; }

    public int EndCount { get; private set; }

    public static ConsoleKeyInfo Key(ConsoleKey key, char c = '\0', bool control = false, bool alt = false) =>
        new(c, key, shift: false, alt, control);

    public static ConsoleKeyInfo Ctrl(char letter)
    {
        char upper = char.ToUpperInvariant(letter);
        return new ConsoleKeyInfo((char)(upper - 'A' + 1), ConsoleKey.A + (upper - 'A'), false, false, true);
    }

    public static ConsoleKeyInfo Alt(char letter) =>
        new(letter, ConsoleKey.A + (char.ToUpperInvariant(letter) - 'A'), false, true, false);

    public static ConsoleKeyInfo Enter => Key(ConsoleKey.Enter, '\r');

    public static ConsoleKeyInfo Left => Key(ConsoleKey.LeftArrow);

    public static ConsoleKeyInfo Right => Key(ConsoleKey.RightArrow);

    public static ConsoleKeyInfo Up => Key(ConsoleKey.UpArrow);

    public static ConsoleKeyInfo Down => Key(ConsoleKey.DownArrow);

    public static ConsoleKeyInfo Home => Key(ConsoleKey.Home);

    public static ConsoleKeyInfo End => Key(ConsoleKey.End);

    public static ConsoleKeyInfo Backspace => Key(ConsoleKey.Backspace, '\x7f');

    public static ConsoleKeyInfo Delete => Key(ConsoleKey.Delete);

    public static ConsoleKeyInfo Escape => Key(ConsoleKey.Escape, '\x1b');

    public FakeTerminal Type(string text)
    {
        foreach (char c in text)
        {
            ConsoleKey key = char.IsAsciiLetter(c) ? ConsoleKey.A + (char.ToUpperInvariant(c) - 'A')
                : char.IsAsciiDigit(c) ? ConsoleKey.D0 + (c - '0')
                : c == ' ' ? ConsoleKey.Spacebar
                : (ConsoleKey)0;
            _script.Enqueue(new ConsoleKeyInfo(c, key, char.IsAsciiLetterUpper(c), false, false));
        }

        return this;
    }

    public FakeTerminal Press(params ConsoleKeyInfo[] keys)
    {
        foreach (ConsoleKeyInfo key in keys)
        {
            _script.Enqueue(key);
        }

        return this;
    }

    /// <summary>Runs a check when the editor asks for the next key.</summary>
    public FakeTerminal Then(Action check)
    {
        _script.Enqueue(check);
        return this;
    }

    public ConsoleKeyInfo ReadKey()
    {
        while (_script.TryDequeue(out object? item))
        {
            if (item is ConsoleKeyInfo key)
            {
                return key;
            }

            ((Action)item)();
        }

        throw new InvalidOperationException("The key script ran out.");
    }

    public void Write(string text)
    {
        Output.Append(text);
        Screen.Apply(text);
    }

    public void BeginRead() => BeginCount++;

    public void EndRead() => EndCount++;
}

/// <summary>
/// A screen of fixed width and unlimited height that understands the control sequences the editor uses,
/// with xterm's deferred wrap at the right margin.
/// </summary>
internal sealed class AnsiScreen
{
    private const string WideTail = "";

    private readonly List<string[]> _rows = [];
    private bool _pendingWrap;

    public AnsiScreen(int width)
    {
        Width = width;
        Row(0);
    }

    public int Width { get; }

    public int CursorRow { get; private set; }

    public int CursorCol { get; private set; }

    public int RowCount => _rows.Count;

    public string Line(int row)
    {
        if (row >= _rows.Count)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (string cell in _rows[row])
        {
            text.Append(cell);
        }

        return text.ToString().TrimEnd(' ');
    }

    public IReadOnlyList<string> Lines(int first, int count) => Enumerable.Range(first, count).Select(Line).ToArray();

    public void Apply(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\r':
                    CursorCol = 0;
                    _pendingWrap = false;
                    break;
                case '\n':
                    CursorRow++;
                    _pendingWrap = false;
                    Row(CursorRow);
                    break;
                case '\b':
                    CursorCol = Math.Max(0, CursorCol - 1);
                    _pendingWrap = false;
                    break;
                case '\a':
                    // the bell: nothing on the screen
                    break;
                case '\x1b':
                    i = Escape(text, i);
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        throw new InvalidOperationException($"Unexpected control character U+{(int)c:X4}.");
                    }

                    int length = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                    int codePoint = length == 2 ? char.ConvertToUtf32(c, text[i + 1]) : c;
                    Print(text.Substring(i, length), DisplayWidth.OfCodePoint(codePoint));
                    i += length - 1;
                    break;
            }
        }
    }

    private int Escape(string text, int i)
    {
        if (text[i + 1] != '[')
        {
            throw new InvalidOperationException("Unexpected escape sequence.");
        }

        int end = i + 2;
        while (!char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        string parameter = text[(i + 2)..end];
        int n = parameter.Length == 0 ? 1 : int.Parse(parameter, System.Globalization.CultureInfo.InvariantCulture);
        _pendingWrap = false;
        switch (text[end])
        {
            case 'A':
                CursorRow = Math.Max(0, CursorRow - n);
                break;
            case 'B':
                CursorRow += n;
                Row(CursorRow);
                break;
            case 'C':
                CursorCol = Math.Min(Width - 1, CursorCol + n);
                break;
            case 'D':
                CursorCol = Math.Max(0, CursorCol - n);
                break;
            case 'H':
                CursorRow = 0;
                CursorCol = 0;
                break;
            case 'K':
                Array.Fill(_rows[CursorRow], " ", CursorCol, Width - CursorCol);
                break;
            case 'm':
                break;
            case 'J' when parameter == "2":
                _rows.Clear();
                Row(CursorRow);
                break;
            case 'J':
                Array.Fill(_rows[CursorRow], " ", CursorCol, Width - CursorCol);
                _rows.RemoveRange(CursorRow + 1, _rows.Count - CursorRow - 1);
                break;
            default:
                throw new InvalidOperationException($"Unexpected escape sequence ending in {text[end]}.");
        }

        return end;
    }

    private void Print(string c, int width)
    {
        if (width <= 0)
        {
            int col = _pendingWrap ? CursorCol : CursorCol - 1;
            if (col >= 0)
            {
                _rows[CursorRow][col] += c;
            }

            return;
        }

        if (_pendingWrap || CursorCol + width > Width)
        {
            CursorRow++;
            CursorCol = 0;
            _pendingWrap = false;
        }

        string[] row = Row(CursorRow);
        row[CursorCol] = c;
        if (width == 2)
        {
            row[CursorCol + 1] = WideTail;
        }

        CursorCol += width;
        if (CursorCol >= Width)
        {
            CursorCol = Width - 1;
            _pendingWrap = true;
        }
    }

    private string[] Row(int row)
    {
        while (_rows.Count <= row)
        {
            var cells = new string[Width];
            Array.Fill(cells, " ");
            _rows.Add(cells);
        }

        return _rows[row];
    }
}
