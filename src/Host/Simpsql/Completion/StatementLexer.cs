namespace PgWire.Host.Simpsql.Completion;

/// <summary>What a <see cref="SqlToken"/> is.</summary>
public enum SqlTokenKind
{
    /// <summary>A name or keyword, possibly qualified with dots (<c>public."T".c</c>); quoted parts keep their quotes.</summary>
    Word,

    /// <summary>A string constant, quotes included ('...', E'...', $tag$...$tag$).</summary>
    String,

    /// <summary>A number.</summary>
    Number,

    /// <summary>One of ( ) , ; [ ].</summary>
    Punctuation,

    /// <summary>An operator (=, &lt;&gt;, ::, ...).</summary>
    Operator,

    /// <summary>A parenthesised group that is closed before the cursor, standing for all of it.</summary>
    Group,

    /// <summary>A psql variable reference (:name, :'name', :"name").</summary>
    Variable,
}

/// <summary>One token of a statement; <see cref="Unterminated"/> when a quote is still open where the text ends.</summary>
public readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Start, bool Unterminated = false)
{
    public int End => Start + Text.Length;

    /// <summary>True for an unquoted word equal to <paramref name="keyword"/>, ignoring case.</summary>
    public bool Is(string keyword) => Kind == SqlTokenKind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Splits SQL text into tokens the way completion needs them: comments are dropped, quoted names and strings
/// stay whole, and a backslash outside quotes starts a meta-command that runs to the end of the text.
/// </summary>
public static class StatementLexer
{
    /// <summary>The tokens of <paramref name="text"/>; <paramref name="metaCommandStart"/> is where a meta-command begins, or -1.</summary>
    public static List<SqlToken> Tokenize(string text, out int metaCommandStart, out bool endsInComment)
    {
        var tokens = new List<SqlToken>();
        metaCommandStart = -1;
        endsInComment = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && At(text, i + 1) == '-')
            {
                int end = text.IndexOf('\n', i);
                if (end < 0)
                {
                    endsInComment = true;
                    return tokens;
                }

                i = end + 1;
                continue;
            }

            if (c == '/' && At(text, i + 1) == '*')
            {
                int depth = 1;
                int j = i + 2;
                while (j < text.Length && depth > 0)
                {
                    if (text[j] == '/' && At(text, j + 1) == '*')
                    {
                        depth++;
                        j += 2;
                    }
                    else if (text[j] == '*' && At(text, j + 1) == '/')
                    {
                        depth--;
                        j += 2;
                    }
                    else
                    {
                        j++;
                    }
                }

                if (depth > 0)
                {
                    endsInComment = true;
                    return tokens;
                }

                i = j;
                continue;
            }

            if (c == '\\')
            {
                metaCommandStart = i;
                return tokens;
            }

            if (c == '\'' || ((c is 'E' or 'e' or 'B' or 'b' or 'X' or 'x' or 'N' or 'n') && At(text, i + 1) == '\'' && !PrecededByWordChar(text, i)))
            {
                int quote = c == '\'' ? i : i + 1;
                int end = QuotedEnd(text, quote, '\'', backslashEscapes: c is 'E' or 'e');
                tokens.Add(new SqlToken(SqlTokenKind.String, text[i..Math.Min(end, text.Length)], i, end > text.Length));
                i = end;
                continue;
            }

            if (c == '$' && DollarTag(text, i) is { } tag)
            {
                int close = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                int end = close < 0 ? text.Length : close + tag.Length;
                tokens.Add(new SqlToken(SqlTokenKind.String, text[i..end], i, close < 0));
                i = end;
                continue;
            }

            if (c == ':' && i + 1 < text.Length && (IsIdentStart(text[i + 1]) || text[i + 1] is '\'' or '"') && At(text, i - 1) != ':')
            {
                int j = i + 1;
                if (text[j] is '\'' or '"')
                {
                    char q = text[j];
                    j++;
                    while (j < text.Length && text[j] != q)
                    {
                        j++;
                    }

                    bool open = j >= text.Length;
                    j = Math.Min(j + 1, text.Length);
                    tokens.Add(new SqlToken(SqlTokenKind.Variable, text[i..j], i, open));
                }
                else
                {
                    while (j < text.Length && IsIdentPart(text[j]))
                    {
                        j++;
                    }

                    tokens.Add(new SqlToken(SqlTokenKind.Variable, text[i..j], i));
                }

                i = j;
                continue;
            }

            if (c == ':' && (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1])) && At(text, i - 1) != ':')
            {
                // A lone colon at the end is the start of a variable reference being typed.
                tokens.Add(new SqlToken(SqlTokenKind.Variable, ":", i));
                i++;
                continue;
            }

            if (IsIdentStart(c) || c == '"')
            {
                int j = i;
                bool open = false;
                while (true)
                {
                    if (j < text.Length && text[j] == '"')
                    {
                        int end = QuotedEnd(text, j, '"', backslashEscapes: false);
                        open = end > text.Length;
                        j = Math.Min(end, text.Length);
                    }
                    else
                    {
                        while (j < text.Length && IsIdentPart(text[j]))
                        {
                            j++;
                        }
                    }

                    if (!open && j < text.Length && text[j] == '.')
                    {
                        j++;
                        if (j < text.Length && (IsIdentStart(text[j]) || text[j] == '"'))
                        {
                            continue;
                        }
                    }

                    break;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, text[i..j], i, open));
                i = j;
                continue;
            }

            if (char.IsDigit(c) || (c == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                int j = i;
                while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '.' || text[j] == '_'))
                {
                    j++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, text[i..j], i));
                i = j;
                continue;
            }

            if (c is '(' or ')' or ',' or ';' or '[' or ']')
            {
                tokens.Add(new SqlToken(SqlTokenKind.Punctuation, c.ToString(), i));
                i++;
                continue;
            }

            int k = i;
            while (k < text.Length && IsOperatorChar(text[k]) && !(text[k] == '-' && At(text, k + 1) == '-') && !(text[k] == '/' && At(text, k + 1) == '*'))
            {
                k++;
            }

            if (k == i)
            {
                k = i + 1;
            }

            tokens.Add(new SqlToken(SqlTokenKind.Operator, text[i..k], i));
            i = k;
        }

        return tokens;
    }

    internal static bool IsIdentStart(char c) => char.IsLetter(c) || c == '_' || c >= '\x80';

    internal static bool IsIdentPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '$' || c >= '\x80';

    private static bool IsOperatorChar(char c) => "+-*/<>=~!@#%^&|`?:.".Contains(c, StringComparison.Ordinal);

    private static char At(string text, int i) => i >= 0 && i < text.Length ? text[i] : '\0';

    private static bool PrecededByWordChar(string text, int i) => i > 0 && IsIdentPart(text[i - 1]);

    /// <summary>Index just past the closing quote of the quoted text starting at <paramref name="open"/>; past the end when unterminated.</summary>
    private static int QuotedEnd(string text, int open, char quote, bool backslashEscapes)
    {
        int j = open + 1;
        while (j < text.Length)
        {
            if (backslashEscapes && text[j] == '\\')
            {
                j += 2;
                continue;
            }

            if (text[j] == quote)
            {
                if (At(text, j + 1) == quote)
                {
                    j += 2;
                    continue;
                }

                return j + 1;
            }

            j++;
        }

        return text.Length + 1;
    }

    private static string? DollarTag(string text, int i)
    {
        int j = i + 1;
        if (j < text.Length && text[j] == '$')
        {
            return "$$";
        }

        if (j >= text.Length || !(char.IsLetter(text[j]) || text[j] == '_'))
        {
            return null;
        }

        while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_'))
        {
            j++;
        }

        return j < text.Length && text[j] == '$' ? text[i..(j + 1)] : null;
    }
}
