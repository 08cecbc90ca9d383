using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>How a call to <see cref="QueryScanner.Scan"/> ended.</summary>
internal enum ScanResult
{
    /// <summary>A statement ended with a semicolon; it is in the buffer.</summary>
    Semicolon,

    /// <summary>A backslash command starts at the current position.</summary>
    Backslash,

    /// <summary>End of line inside a statement.</summary>
    Incomplete,

    /// <summary>End of line with nothing pending.</summary>
    Eol,
}

/// <summary>
/// Splits input lines into statements the way psql's lexer does: semicolons end a statement only
/// outside quotes, comments, dollar quotes and parentheses, and outside the BEGIN ... END body of a
/// CREATE [OR REPLACE] FUNCTION or PROCEDURE (BEGIN ATOMIC); variables are interpolated outside
/// quotes. With standard_conforming_strings off, backslashes escape in every '...' string.
/// </summary>
internal sealed class QueryScanner
{
    private enum LexState
    {
        Normal,
        Quote,
        ExtendedQuote,
        Identifier,
        Dollar,
        Comment,
    }

    private readonly Func<string, string?> _variables;
    private readonly Func<bool> _standardStrings;
    private LexState _state;
    private int _commentDepth;
    private int _parenDepth;
    private string _dollarTag = "";
    private string _line = "";
    private int _pos;

    // The first words of the statement, to recognise CREATE [OR REPLACE] FUNCTION|PROCEDURE, and how
    // many BEGIN (and CASE inside them) wait for their END there.
    private readonly char[] _leadingWords = new char[4];
    private int _wordCount;
    private int _beginDepth;

    /// <param name="variables">Looks up psql variables for :name interpolation.</param>
    /// <param name="standardStrings">
    /// The server's standard_conforming_strings, asked at each quote: when false, '...' strings take
    /// backslash escapes as E'...' strings do. Null means always on.
    /// </param>
    // Set by a \\ separator until the next command name: the arguments of the command ended there.
    private bool _argumentsEnded;

    public QueryScanner(Func<string, string?> variables, Func<bool>? standardStrings = null)
    {
        _variables = variables;
        _standardStrings = standardStrings ?? (() => true);
    }

    public bool AtEnd => _pos >= _line.Length;

    /// <summary>What is left of the current line, not scanned yet.</summary>
    public string Rest => _line[_pos..];

    /// <summary>
    /// At the end of a line, a statement is in <paramref name="buffer"/> and nothing is open (a quote,
    /// a comment, a parenthesis, a BEGIN ... END body): what single-line mode sends.
    /// </summary>
    public bool StatementEndsWithLine(StringBuilder buffer) =>
        AtEnd && buffer.Length > 0 && _state == LexState.Normal && _parenDepth == 0 && _beginDepth == 0;

    /// <summary>The character psql shows in the continuation prompt for the current state.</summary>
    public char PromptState => _state switch
    {
        LexState.Quote or LexState.ExtendedQuote => '\'',
        LexState.Identifier => '"',
        LexState.Dollar => '$',
        LexState.Comment => '*',
        _ => _parenDepth > 0 ? '(' : '-',
    };

    public void SetLine(string line)
    {
        _line = line;
        _pos = 0;
    }

    /// <summary>Parentheses open in the statement so far; \if restores it when a skipped branch ends.</summary>
    public int ParenDepth
    {
        get => _parenDepth;
        set => _parenDepth = value;
    }

    public void Reset()
    {
        _state = LexState.Normal;
        _commentDepth = 0;
        _parenDepth = 0;
        _dollarTag = "";
        _wordCount = 0;
        _beginDepth = 0;
    }

    public ScanResult Scan(StringBuilder buffer)
    {
        string line = _line;
        while (_pos < line.Length)
        {
            char c = line[_pos];
            switch (_state)
            {
                case LexState.Normal:
                    if (char.IsWhiteSpace(c))
                    {
                        if (buffer.Length > 0)
                        {
                            buffer.Append(c);
                        }

                        _pos++;
                    }
                    else if (c == '-' && Peek(1) == '-')
                    {
                        if (buffer.Length > 0)
                        {
                            buffer.Append(line, _pos, line.Length - _pos);
                        }

                        _pos = line.Length;
                    }
                    else if (c == '/' && Peek(1) == '*')
                    {
                        buffer.Append("/*");
                        _pos += 2;
                        _state = LexState.Comment;
                        _commentDepth = 1;
                    }
                    else if (c == '\'')
                    {
                        bool extended = QuotePrefix(buffer) switch
                        {
                            'e' => true,
                            'b' or 'x' or 'u' => false,
                            _ => !_standardStrings(),
                        };
                        buffer.Append(c);
                        _pos++;
                        _state = extended ? LexState.ExtendedQuote : LexState.Quote;
                    }
                    else if (c == '"')
                    {
                        buffer.Append(c);
                        _pos++;
                        _state = LexState.Identifier;
                    }
                    else if (c == '$' && TryDollarTag(buffer, out string tag))
                    {
                        buffer.Append(tag);
                        _pos += tag.Length;
                        _dollarTag = tag;
                        _state = LexState.Dollar;
                    }
                    else if (c == '(')
                    {
                        _parenDepth++;
                        buffer.Append(c);
                        _pos++;
                    }
                    else if (c == ')')
                    {
                        if (_parenDepth > 0)
                        {
                            _parenDepth--;
                        }

                        buffer.Append(c);
                        _pos++;
                    }
                    else if (c == ';')
                    {
                        buffer.Append(c);
                        _pos++;
                        if (_parenDepth == 0 && _beginDepth == 0)
                        {
                            return ScanResult.Semicolon;
                        }
                    }
                    else if (c == '\\' && Peek(1) is ';' or ':')
                    {
                        // "\;" and "\:" put the character itself into the query: a semicolon that does not end it.
                        buffer.Append(Peek(1));
                        _pos += 2;
                    }
                    else if (c == '\\')
                    {
                        return ScanResult.Backslash;
                    }
                    else if (c == ':')
                    {
                        ScanColon(buffer);
                    }
                    else if (IsWordStart(c) && (buffer.Length == 0 || !IsIdentChar(buffer[^1])))
                    {
                        int start = _pos;
                        while (_pos < line.Length && IsIdentChar(line[_pos]))
                        {
                            _pos++;
                        }

                        buffer.Append(line, start, _pos - start);
                        CountWord(line.AsSpan(start, _pos - start));
                    }
                    else
                    {
                        buffer.Append(c);
                        _pos++;
                    }

                    break;

                case LexState.Quote:
                case LexState.ExtendedQuote:
                    if (c == '\\' && _state == LexState.ExtendedQuote && _pos + 1 < line.Length)
                    {
                        buffer.Append(line, _pos, 2);
                        _pos += 2;
                    }
                    else
                    {
                        buffer.Append(c);
                        _pos++;
                        if (c == '\'')
                        {
                            if (Peek(0) == '\'')
                            {
                                buffer.Append('\'');
                                _pos++;
                            }
                            else
                            {
                                _state = LexState.Normal;
                            }
                        }
                    }

                    break;

                case LexState.Identifier:
                    buffer.Append(c);
                    _pos++;
                    if (c == '"')
                    {
                        _state = LexState.Normal;
                    }

                    break;

                case LexState.Dollar:
                    int end = line.IndexOf(_dollarTag, _pos, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        buffer.Append(line, _pos, line.Length - _pos);
                        _pos = line.Length;
                    }
                    else
                    {
                        int stop = end + _dollarTag.Length;
                        buffer.Append(line, _pos, stop - _pos);
                        _pos = stop;
                        _state = LexState.Normal;
                    }

                    break;

                case LexState.Comment:
                    if (c == '/' && Peek(1) == '*')
                    {
                        _commentDepth++;
                        buffer.Append("/*");
                        _pos += 2;
                    }
                    else if (c == '*' && Peek(1) == '/')
                    {
                        buffer.Append("*/");
                        _pos += 2;
                        if (--_commentDepth == 0)
                        {
                            _state = LexState.Normal;
                        }
                    }
                    else
                    {
                        buffer.Append(c);
                        _pos++;
                    }

                    break;
            }
        }

        return buffer.Length > 0 || _state != LexState.Normal ? ScanResult.Incomplete : ScanResult.Eol;
    }

    /// <summary>Reads a backslash command name; the position must be at the backslash.</summary>
    public string ReadCommandName()
    {
        _argumentsEnded = false;
        _pos++;
        int start = _pos;
        while (_pos < _line.Length && !char.IsWhiteSpace(_line[_pos]) && _line[_pos] != '\\')
        {
            _pos++;
        }

        return _line[start.._pos];
    }

    /// <summary>The rest of the line, unparsed (for \copy and \!).</summary>
    public string ReadRestOfLine()
    {
        string rest = _line[_pos..];
        _pos = _line.Length;
        return rest;
    }

    /// <summary>
    /// Reads the next argument of a backslash command: whitespace-separated, 'single quotes' with
    /// escapes removed, "double quotes" kept, :variables interpolated. Null when none is left.
    /// </summary>
    public string? ReadArgument() => ReadArgument(true);

    /// <summary>
    /// Reads the next argument; with <paramref name="evaluate"/> false, as psql reads arguments it ignores:
    /// variables are left as they are and `backquoted` text is taken literally, without its backquotes.
    /// </summary>
    public string? ReadArgument(bool evaluate)
    {
        LastArgumentQuoted = false;
        if (_argumentsEnded)
        {
            return null;
        }

        while (_pos < _line.Length && char.IsWhiteSpace(_line[_pos]))
        {
            _pos++;
        }

        if (_pos >= _line.Length)
        {
            return null;
        }

        if (_line[_pos] == '\\')
        {
            if (Peek(1) == '\\')
            {
                // The separator: the command has no more arguments, and what follows is query text.
                _pos += 2;
                _argumentsEnded = true;
            }

            return null;
        }

        var arg = new StringBuilder();
        while (_pos < _line.Length && !char.IsWhiteSpace(_line[_pos]))
        {
            char c = _line[_pos];
            if (c == '\\')
            {
                break;
            }

            if (c == '\'')
            {
                _pos++;
                LastArgumentQuoted = true;
                ReadSingleQuoted(arg);
            }
            else if (c == '"')
            {
                int close = _line.IndexOf('"', _pos + 1);
                int stop = close < 0 ? _line.Length : close + 1;
                arg.Append(_line, _pos, stop - _pos);
                _pos = stop;
            }
            else if (c == ':' && evaluate && Peek(1) is '\'' or '"' && QuotedVariableEnd() is int undefinedEnd
                && _variables(_line[(_pos + 2)..(undefinedEnd - 1)]) is null)
            {
                // As psql: :'name' and :"name" of a variable that is not set stay as they are.
                arg.Append(_line, _pos, undefinedEnd - _pos);
                _pos = undefinedEnd;
            }
            else if (c == ':' && evaluate)
            {
                ScanColon(arg);
            }
            else if (c == ':' && Peek(1) is '\'' or '"' && QuotedVariableEnd() is int end)
            {
                // :'name' and :"name" stay as they are when not evaluated.
                arg.Append(_line, _pos, end - _pos);
                _pos = end;
            }
            else if (c == '`' && evaluate && Backquote is not null)
            {
                // `command`: run by the shell, replaced by its output (psql evaluates it as it reads the argument).
                int close = _line.IndexOf('`', _pos + 1);
                LastArgumentQuoted = true;
                if (close < 0)
                {
                    // As psql: the argument is lost, and the rest of the line with it.
                    ReportError?.Invoke("unterminated quoted string");
                    _pos = _line.Length;
                    return null;
                }

                string command = InterpolateShellCommand(_line[(_pos + 1)..close]);
                _pos = close + 1;
                arg.Append(Backquote(command));
            }
            else if (c == '`' && !evaluate)
            {
                int close = _line.IndexOf('`', _pos + 1);
                int stop = close < 0 ? _line.Length : close;
                arg.Append(_line, _pos + 1, stop - _pos - 1);
                _pos = close < 0 ? stop : stop + 1;
            }
            else
            {
                arg.Append(c);
                _pos++;
            }
        }

        // psql's arguments are C strings: a zero byte ('\0', '\x00') ends the argument there.
        string text = arg.ToString();
        int zero = text.IndexOf('\0', StringComparison.Ordinal);
        return zero < 0 ? text : text[..zero];
    }

    /// <summary>
    /// Reads an argument that may name a file or, starting with "|", a shell command that takes the rest
    /// of the line (\g, \o, \w).
    /// </summary>
    public string? ReadFilePipeArgument(bool evaluate)
    {
        while (_pos < _line.Length && char.IsWhiteSpace(_line[_pos]))
        {
            _pos++;
        }

        if (_pos < _line.Length && _line[_pos] == '|')
        {
            return ReadRestOfLine().TrimEnd();
        }

        return ReadArgument(evaluate);
    }

    /// <summary>Runs the text of a `backquoted` argument as a shell command and gives its output; null leaves backquotes as text.</summary>
    public Func<string, string>? Backquote { get; init; }

    /// <summary>Reports an error found while reading an argument (psql's "unterminated quoted string").</summary>
    public Action<string>? ReportError { get; init; }

    /// <summary>
    /// The variables in the text of a `backquoted` command, as psql expands them there: :NAME by its value and
    /// :'NAME' by its value quoted as one shell word; anything else (:"NAME", unknown names) stays as written.
    /// </summary>
    private string InterpolateShellCommand(string text)
    {
        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != ':')
            {
                sb.Append(c);
                i++;
                continue;
            }

            bool quoted = i + 1 < text.Length && text[i + 1] == '\'';
            int nameStart = i + (quoted ? 2 : 1);
            int nameEnd = nameStart;
            while (nameEnd < text.Length && IsVariableChar(text[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd == nameStart || (quoted && (nameEnd >= text.Length || text[nameEnd] != '\'')))
            {
                sb.Append(c);
                i++;
                continue;
            }

            string? value = _variables(text[nameStart..nameEnd]);
            string? replacement = value is null ? null : quoted ? QuoteShellWord(value) : value;
            if (replacement is null)
            {
                // Unknown (or not quotable): the reference stays as it is.
                int end = quoted ? nameEnd + 1 : nameEnd;
                sb.Append(text, i, end - i);
                i = end;
                continue;
            }

            sb.Append(replacement);
            i = quoted ? nameEnd + 1 : nameEnd;
        }

        return sb.ToString();
    }

    /// <summary>
    /// A value as one shell word, as psql quotes :'NAME' in backquotes: as it is when it is only letters, digits
    /// and <c>-_./:</c>, else in single quotes; null (reported) when it has a newline or carriage return.
    /// </summary>
    private string? QuoteShellWord(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':'))
        {
            return value;
        }

        if (value.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            ReportError?.Invoke($"shell command argument contains a newline or carriage return: \"{value}\"");
            return null;
        }

        return "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";
    }

    /// <summary>True when the argument last read had a quoted part ('-n' is then not \echo's option).</summary>
    public bool LastArgumentQuoted { get; private set; }

    /// <summary>Skips the remaining arguments of a backslash command.</summary>
    public void SkipArguments()
    {
        while (ReadArgument() is not null)
        {
        }
    }

    private void ReadSingleQuoted(StringBuilder arg)
    {
        while (_pos < _line.Length)
        {
            char c = _line[_pos++];
            if (c == '\'')
            {
                if (Peek(0) == '\'')
                {
                    arg.Append('\'');
                    _pos++;
                    continue;
                }

                return;
            }

            if (c == '\\' && _pos < _line.Length && _line[_pos] is >= '0' and <= '7')
            {
                // \ooo: one to three octal digits give a byte.
                int value = 0;
                for (int digits = 0; digits < 3 && _pos < _line.Length && _line[_pos] is >= '0' and <= '7'; digits++)
                {
                    value = (value * 8) + (_line[_pos++] - '0');
                }

                arg.Append((char)(value & 0xFF));
                continue;
            }

            if (c == '\\' && _pos + 1 < _line.Length && _line[_pos] == 'x' && char.IsAsciiHexDigit(_line[_pos + 1]))
            {
                // \xhh: one or two hexadecimal digits give a byte.
                _pos++;
                int value = 0;
                for (int digits = 0; digits < 2 && _pos < _line.Length && char.IsAsciiHexDigit(_line[_pos]); digits++)
                {
                    value = (value * 16) + Convert.ToInt32(_line[_pos++].ToString(), 16);
                }

                arg.Append((char)value);
                continue;
            }

            if (c == '\\' && _pos < _line.Length)
            {
                char e = _line[_pos++];
                arg.Append(e switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'b' => '\b',
                    'r' => '\r',
                    'f' => '\f',
                    _ => e,
                });
                continue;
            }

            arg.Append(c);
        }
    }

    private void ScanColon(StringBuilder buffer)
    {
        char next = Peek(1);
        if (next == ':')
        {
            buffer.Append("::");
            _pos += 2;
            return;
        }

        if (next == '{' && Peek(2) == '?')
        {
            // :{?NAME} tests whether a variable is defined.
            int nameStart = _pos + 3;
            int nameEnd = nameStart;
            while (nameEnd < _line.Length && IsVariableChar(_line[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd > nameStart && nameEnd < _line.Length && _line[nameEnd] == '}')
            {
                buffer.Append(_variables(_line[nameStart..nameEnd]) is null ? "FALSE" : "TRUE");
                _pos = nameEnd + 1;
                return;
            }

            buffer.Append(':');
            _pos++;
            return;
        }

        if (next is '\'' or '"')
        {
            int nameStart = _pos + 2;
            int nameEnd = nameStart;
            while (nameEnd < _line.Length && IsVariableChar(_line[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd > nameStart && nameEnd < _line.Length && _line[nameEnd] == next
                && _variables(_line[nameStart..nameEnd]) is { } quotedValue)
            {
                buffer.Append(next == '\'' ? QuoteLiteral(quotedValue) : QuoteIdentifier(quotedValue));
                _pos = nameEnd + 1;
                return;
            }

            buffer.Append(':');
            _pos++;
            return;
        }

        int start = _pos + 1;
        int stop = start;
        while (stop < _line.Length && IsVariableChar(_line[stop]))
        {
            stop++;
        }

        if (stop > start && _variables(_line[start..stop]) is { } value)
        {
            buffer.Append(value);
            _pos = stop;
            return;
        }

        buffer.Append(':');
        _pos++;
    }

    internal static string QuoteLiteral(string value)
    {
        var sb = new StringBuilder(value.Length + 4);
        bool backslash = value.Contains('\\', StringComparison.Ordinal);
        if (backslash)
        {
            sb.Append(" E");
        }

        sb.Append('\'');
        foreach (char c in value)
        {
            if (c == '\'' || c == '\\')
            {
                sb.Append(c);
            }

            sb.Append(c);
        }

        return sb.Append('\'').ToString();
    }

    internal static string QuoteIdentifier(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private bool TryDollarTag(StringBuilder buffer, out string tag)
    {
        tag = "";
        if (buffer.Length > 0 && IsIdentChar(buffer[^1]))
        {
            return false;
        }

        int i = _pos + 1;
        while (i < _line.Length && _line[i] != '$')
        {
            char c = _line[i];
            bool ok = i == _pos + 1 ? char.IsLetter(c) || c == '_' || c > 0x7f : IsIdentChar(c);
            if (!ok)
            {
                return false;
            }

            i++;
        }

        if (i >= _line.Length)
        {
            return false;
        }

        tag = _line[_pos..(i + 1)];
        return true;
    }

    /// <summary>Where a :'name' or :"name" reference at the position ends, or null when it is not one.</summary>
    private int? QuotedVariableEnd()
    {
        char quote = Peek(1);
        int i = _pos + 2;
        while (i < _line.Length && IsVariableChar(_line[i]))
        {
            i++;
        }

        return i > _pos + 2 && i < _line.Length && _line[i] == quote ? i + 1 : null;
    }

    /// <summary>
    /// Follows BEGIN ... END in the body of CREATE [OR REPLACE] FUNCTION|PROCEDURE outside parentheses,
    /// with CASE ... END inside it, as psql does, so that the semicolons of the body stay in the statement.
    /// </summary>
    private void CountWord(ReadOnlySpan<char> word)
    {
        if (_wordCount == 0)
        {
            Array.Clear(_leadingWords);
        }

        if (_wordCount < _leadingWords.Length
            && (Is(word, "create") || Is(word, "function") || Is(word, "procedure") || Is(word, "or") || Is(word, "replace")))
        {
            _leadingWords[_wordCount] = char.ToLowerInvariant(word[0]);
        }

        _wordCount++;
        bool routine = _leadingWords[0] == 'c'
            && (_leadingWords[1] is 'f' or 'p' || (_leadingWords[1] == 'o' && _leadingWords[2] == 'r' && _leadingWords[3] is 'f' or 'p'));
        if (!routine || _parenDepth != 0)
        {
            return;
        }

        if (Is(word, "begin"))
        {
            _beginDepth++;
        }
        else if (Is(word, "case"))
        {
            if (_beginDepth >= 1)
            {
                _beginDepth++;
            }
        }
        else if (Is(word, "end") && _beginDepth > 0)
        {
            _beginDepth--;
        }

        static bool Is(ReadOnlySpan<char> word, string keyword) => word.Equals(keyword, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The kind of string a quote opens from what precedes it: 'e' for E'...' (backslash escapes), 'b' or
    /// 'x' for bit strings and 'u' for U&amp;'...' (never backslash escapes), '\0' for a plain '...'.
    /// </summary>
    private static char QuotePrefix(StringBuilder buffer)
    {
        int n = buffer.Length;
        if (n >= 2 && buffer[n - 1] == '&' && buffer[n - 2] is 'U' or 'u' && (n == 2 || !IsIdentChar(buffer[n - 3])))
        {
            return 'u';
        }

        if (n >= 1 && buffer[n - 1] is 'E' or 'e' or 'B' or 'b' or 'X' or 'x' && (n == 1 || !IsIdentChar(buffer[n - 2])))
        {
            return char.ToLowerInvariant(buffer[n - 1]);
        }

        return '\0';
    }

    private static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > 0x7f;

    private char Peek(int offset) => _pos + offset < _line.Length ? _line[_pos + offset] : '\0';

    private static bool IsIdentChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$' || c > 0x7f;

    private static bool IsVariableChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c > 0x7f;
}
