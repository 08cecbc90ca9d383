using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Terminal;

/// <summary>
/// Lays out prompt and input text on a terminal of a given width, mirroring how the terminal wraps it,
/// and builds the output that draws it. Positions are rows and columns relative to where the prompt starts.
/// </summary>
internal sealed class ScreenWriter
{
    private readonly StringBuilder _out;
    private readonly int _width;
    private bool _pending;

    public ScreenWriter(StringBuilder output, int width)
    {
        _out = output;
        _width = Math.Max(1, width);
    }

    public int Row { get; private set; }

    public int Col { get; private set; }

    /// <summary>Where the next character would go; a full row puts it at the start of the next one.</summary>
    public (int Row, int Col) Position => _pending ? (Row + 1, 0) : (Row, Col);

    /// <summary>Where the code point at <paramref name="index"/> will be drawn.</summary>
    public (int Row, int Col) PositionOf(string text, int index)
    {
        (int row, int col) = Position;
        char c = text[index];
        if (c == '\n' || col == 0)
        {
            return (row, col);
        }

        int codePoint = char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])
            ? char.ConvertToUtf32(c, text[index + 1])
            : c;
        int width = DisplayWidth.OfCodePoint(codePoint);
        return width > 0 && col + width > _width ? (row + 1, 0) : (row, col);
    }

    /// <summary>Width in columns of one code point as this editor shows it.</summary>
    public static int WidthOf(int codePoint)
    {
        int width = DisplayWidth.OfCodePoint(codePoint);
        return width < 0 ? VisualOfControl(codePoint).Length : width;
    }

    public static bool IsZeroWidth(int codePoint) => DisplayWidth.OfCodePoint(codePoint) == 0;

    /// <summary>
    /// Writes a prompt. ANSI escape sequences, and text between \x01 and \x02 markers, are written as they
    /// are and take no room; other control characters are shown in caret notation.
    /// </summary>
    public void WritePrompt(string prompt)
    {
        for (int i = 0; i < prompt.Length; i++)
        {
            char c = prompt[i];
            if (c == '\x01')
            {
                int end = prompt.IndexOf('\x02', i + 1);
                end = end < 0 ? prompt.Length : end;
                _out.Append(prompt, i + 1, end - i - 1);
                i = end;
                continue;
            }

            if (c == '\x1b' && i + 1 < prompt.Length && prompt[i + 1] == '[')
            {
                int end = i + 2;
                while (end < prompt.Length && prompt[end] is < '@' or > '~')
                {
                    end++;
                }

                end = Math.Min(end, prompt.Length - 1);
                _out.Append(prompt, i, end - i + 1);
                i = end;
                continue;
            }

            i += WriteCodePoint(prompt, i) - 1;
        }
    }

    /// <summary>Writes the code point at <paramref name="index"/> and returns how many chars it used.</summary>
    public int WriteCodePoint(string text, int index)
    {
        char c = text[index];
        if (c == '\n')
        {
            NewLine();
            return 1;
        }

        int length = char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        int codePoint = length == 2 ? char.ConvertToUtf32(c, text[index + 1]) : c;
        int width = DisplayWidth.OfCodePoint(codePoint);
        if (char.IsSurrogate(c) && length == 1)
        {
            Put("\uFFFD", 1);
        }
        else if (width < 0)
        {
            foreach (char v in VisualOfControl(codePoint))
            {
                Put(v.ToString(), 1);
            }
        }
        else
        {
            Put(text.Substring(index, length), width);
        }

        return length;
    }

    /// <summary>Moves to the start of the next row.</summary>
    public void NewLine()
    {
        _out.Append("\r\n");
        Row++;
        Col = 0;
        _pending = false;
    }

    /// <summary>Resolves a full last row so the terminal cursor really is where <see cref="Position"/> says.</summary>
    public void Finish()
    {
        if (_pending)
        {
            NewLine();
        }
    }

    private static string VisualOfControl(int codePoint) => codePoint switch
    {
        < 0x20 => "^" + (char)(codePoint + 0x40),
        0x7f => "^?",
        _ => "?",
    };

    private void Put(string visual, int width)
    {
        if (width == 0)
        {
            _out.Append(visual);
            return;
        }

        if (_pending)
        {
            Row++;
            Col = 0;
            _pending = false;
        }

        if (Col + width > _width && Col > 0)
        {
            Row++;
            Col = 0;
        }

        _out.Append(visual);
        Col += width;
        if (Col >= _width)
        {
            Col = _width - 1;
            _pending = true;
        }
    }
}
