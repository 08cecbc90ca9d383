using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// The COPY statement psql 15 builds for \copy, word for word: its tokenizer (quotes, E'' strings, the
/// delimiters of each part) re-spaces what comes before FROM/TO and keeps the options after the file as typed.
/// The server sees this text, so its error positions and what ECHO and the log show are psql's.
/// </summary>
internal static partial class CopyCommand
{
    private const string Whitespace = " \t\n\r";

    /// <summary>psql's COPY text for the arguments of \copy, or null where psql would not parse them.</summary>
    internal static string? PsqlCopyText(string args, bool standardStrings)
    {
        var tokens = new Tokenizer(args);
        char escape = standardStrings ? '\0' : '\\';
        var before = new StringBuilder();
        string? token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
        if (token is null)
        {
            return null;
        }

        if (token.Equals("binary", StringComparison.OrdinalIgnoreCase))
        {
            before.Append(token);
            token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
            if (token is null)
            {
                return null;
            }
        }

        if (token[0] == '(')
        {
            int parens = 1;
            while (parens > 0)
            {
                before.Append(' ').Append(token);
                token = tokens.Next(Whitespace, "()", "\"'", escape, true);
                if (token is null)
                {
                    return null;
                }

                if (token[0] == '(')
                {
                    parens++;
                }
                else if (token[0] == ')')
                {
                    parens--;
                }
            }
        }

        before.Append(' ').Append(token);
        token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
        if (token is null)
        {
            return null;
        }

        if (token[0] == '.')
        {
            // schema . table
            before.Append(token);
            token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
            if (token is null)
            {
                return null;
            }

            before.Append(token);
            token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
            if (token is null)
            {
                return null;
            }
        }

        if (token[0] == '(')
        {
            // the column list
            while (true)
            {
                before.Append(' ').Append(token);
                token = tokens.Next(Whitespace, "()", "\"", '\0', false);
                if (token is null)
                {
                    return null;
                }

                if (token[0] == ')')
                {
                    break;
                }
            }

            before.Append(' ').Append(token);
            token = tokens.Next(Whitespace, ".,()", "\"", '\0', false);
            if (token is null)
            {
                return null;
            }
        }

        bool from;
        if (token.Equals("from", StringComparison.OrdinalIgnoreCase))
        {
            from = true;
        }
        else if (token.Equals("to", StringComparison.OrdinalIgnoreCase))
        {
            from = false;
        }
        else
        {
            return null;
        }

        token = tokens.Next(Whitespace, ";", "'", '\0', false);
        if (token is null)
        {
            return null;
        }

        if (token.Equals("program", StringComparison.OrdinalIgnoreCase) && tokens.Next(Whitespace, ";", "'", '\0', false) is null)
        {
            return null;
        }

        // The rest of the line, as typed, is the statement's options.
        string after = tokens.Next("", null, null, '\0', false) ?? "";
        return "COPY " + before + (from ? " FROM STDIN " : " TO STDOUT ") + after;
    }

    /// <summary>psql's strtokx over one string: each call takes the next token with the given separators.</summary>
    private sealed class Tokenizer(string text)
    {
        private int _pos;

        public string? Next(string whitespace, string? delimiters, string? quotes, char escape, bool eStrings)
        {
            while (_pos < text.Length && whitespace.Contains(text[_pos], StringComparison.Ordinal))
            {
                _pos++;
            }

            if (_pos >= text.Length)
            {
                return null;
            }

            int start = _pos;
            char c = text[start];
            int end;
            if (delimiters is not null && delimiters.Contains(c, StringComparison.Ordinal))
            {
                end = start + 1;
            }
            else if (quotes is not null && (quotes.Contains(c, StringComparison.Ordinal)
                || (eStrings && c is 'E' or 'e' && start + 1 < text.Length && quotes.Contains(text[start + 1], StringComparison.Ordinal))))
            {
                int p = start;
                if (c is 'E' or 'e' && !quotes.Contains(c, StringComparison.Ordinal))
                {
                    // E'...': backslashes escape, whatever standard_conforming_strings says.
                    escape = '\\';
                    p++;
                }

                char quote = text[p++];
                while (p < text.Length)
                {
                    if (escape != '\0' && text[p] == escape && p + 1 < text.Length)
                    {
                        p += 2;
                    }
                    else if (text[p] == quote && p + 1 < text.Length && text[p + 1] == quote)
                    {
                        p += 2;
                    }
                    else if (text[p] == quote)
                    {
                        p++;
                        break;
                    }
                    else
                    {
                        p++;
                    }
                }

                end = p;
            }
            else
            {
                end = start;
                while (end < text.Length && !whitespace.Contains(text[end], StringComparison.Ordinal)
                    && (delimiters is null || !delimiters.Contains(text[end], StringComparison.Ordinal))
                    && (quotes is null || !quotes.Contains(text[end], StringComparison.Ordinal)))
                {
                    end++;
                }
            }

            // The character after the token is taken with it when it is white space.
            _pos = end < text.Length && whitespace.Contains(text[end], StringComparison.Ordinal) ? end + 1 : end;
            return text[start..end];
        }
    }
}
