using System.Globalization;
using System.Text;
using PgWire.Protocol.Settings;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>psql's VERBOSITY: how much of a server error or notice is printed.</summary>
internal enum ErrorVerbosity
{
    /// <summary>Severity, message, the query line with a caret, DETAIL, HINT, QUERY, CONTEXT.</summary>
    Default,

    /// <summary>Severity and message only; a position is given as " at character N".</summary>
    Terse,

    /// <summary>Default plus the SQLSTATE, the names of the object involved and the server's source location.</summary>
    Verbose,

    /// <summary>Severity and SQLSTATE only (terse when there is no SQLSTATE).</summary>
    Sqlstate,
}

/// <summary>psql's SHOW_CONTEXT: which messages print their CONTEXT field.</summary>
internal enum ContextVisibility
{
    Never,
    Errors,
    Always,
}

/// <summary>Formats server errors and notices the way libpq does for each error verbosity.</summary>
internal static class ErrorFormatter
{
    private const int DisplaySize = 60;
    private const int MinRightCut = 10;

    public static string Format(PostgresErrorFields error, string? query, bool isError, PgEncoding? encoding = null) =>
        Format(error, query, isError, ErrorVerbosity.Default, ContextVisibility.Errors, encoding);

    /// <param name="error">The fields the server sent.</param>
    /// <param name="query">The query that was sent, for the caret display of a statement position.</param>
    /// <param name="isError">An error, not a notice or warning (SHOW_CONTEXT=errors shows CONTEXT for errors only).</param>
    /// <param name="verbosity">VERBOSITY.</param>
    /// <param name="showContext">SHOW_CONTEXT.</param>
    /// <param name="encoding">The client encoding of <paramref name="query"/> (characters and their widths for the caret); UTF8 when null.</param>
    public static string Format(PostgresErrorFields error, string? query, bool isError, ErrorVerbosity verbosity, ContextVisibility showContext, PgEncoding? encoding = null)
    {
        var sb = new StringBuilder();
        sb.Append(error.Severity).Append(":  ");
        if (verbosity == ErrorVerbosity.Sqlstate)
        {
            if (error.SqlState.Length > 0)
            {
                return sb.Append(error.SqlState).Append('\n').ToString();
            }

            verbosity = ErrorVerbosity.Terse;
        }

        if (verbosity == ErrorVerbosity.Verbose && error.SqlState.Length > 0)
        {
            sb.Append(error.SqlState).Append(": ");
        }

        sb.Append(error.Message);

        // A statement position points into the query sent; failing that, an internal position points
        // into the internal query. Either is drawn under its line, or given as text when terse.
        string? cursorText = null;
        int cursorPosition = 0;
        if (error.Position is { } position)
        {
            if (verbosity != ErrorVerbosity.Terse && query is not null)
            {
                (cursorText, cursorPosition) = (query, position);
            }
            else
            {
                sb.Append(" at character ").Append(position.ToString(CultureInfo.InvariantCulture));
            }
        }
        else if (error.InternalPosition is { } internalPosition)
        {
            if (verbosity != ErrorVerbosity.Terse && error.InternalQuery is not null)
            {
                (cursorText, cursorPosition) = (error.InternalQuery, internalPosition);
            }
            else
            {
                sb.Append(" at character ").Append(internalPosition.ToString(CultureInfo.InvariantCulture));
            }
        }

        sb.Append('\n');
        if (verbosity == ErrorVerbosity.Terse)
        {
            return sb.ToString();
        }

        if (cursorText is not null && cursorPosition > 0)
        {
            AppendPosition(sb, cursorText, cursorPosition - 1, encoding ?? PgEncoding.Utf8);
        }

        AppendField(sb, "DETAIL", error.Detail);
        AppendField(sb, "HINT", error.Hint);
        AppendField(sb, "QUERY", error.InternalQuery);
        if (showContext == ContextVisibility.Always || (showContext == ContextVisibility.Errors && isError))
        {
            AppendField(sb, "CONTEXT", error.Where);
        }

        if (verbosity == ErrorVerbosity.Verbose)
        {
            AppendField(sb, "SCHEMA NAME", error.SchemaName);
            AppendField(sb, "TABLE NAME", error.TableName);
            AppendField(sb, "COLUMN NAME", error.ColumnName);
            AppendField(sb, "DATATYPE NAME", error.DataTypeName);
            AppendField(sb, "CONSTRAINT NAME", error.ConstraintName);
            if (error.Routine is not null || error.File is not null || error.Line is not null)
            {
                sb.Append("LOCATION:  ");
                if (error.Routine is not null)
                {
                    sb.Append(error.Routine).Append(", ");
                }

                if (error.File is not null && error.Line is not null)
                {
                    sb.Append(error.File).Append(':').Append(error.Line);
                }

                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    private static void AppendField(StringBuilder sb, string label, string? value)
    {
        if (value is not null)
        {
            sb.Append(label).Append(":  ").Append(value).Append('\n');
        }
    }

    /// <summary>Appends "LINE n: text" and the caret line for the 0-based character <paramref name="loc"/>.</summary>
    internal static void AppendPosition(StringBuilder sb, string query, int loc, PgEncoding encoding)
    {
        if (loc < 0)
        {
            return;
        }

        var text = new List<string>();
        var screen = new List<int>();
        int column = 0;
        int line = 1;
        int begin = 0;
        int end = -1;
        int count = 0;
        int previous = -1;
        foreach (var (unit, lead, width) in Characters(query, encoding))
        {
            int cp = lead;
            string shown = unit;
            screen.Add(column);
            if (cp == '\t')
            {
                cp = ' ';
                shown = " ";
            }
            else if (cp is '\r' or '\n')
            {
                if (count < loc)
                {
                    if (cp == '\r' || count == 0 || previous != '\r')
                    {
                        line++;
                    }

                    begin = count + 1;
                }
                else
                {
                    end = count;
                    text.Add(shown);
                    break;
                }
            }

            text.Add(shown);
            previous = lead;
            int w = width;
            column += w <= 0 ? 1 : w;
            count++;
        }

        if (end < 0)
        {
            end = count;
            screen.Add(column);
        }

        if (loc > count)
        {
            return;
        }

        bool beginCut = false;
        bool endCut = false;
        if (screen[end] - screen[begin] > DisplaySize)
        {
            if (screen[begin] + DisplaySize >= screen[loc] + MinRightCut)
            {
                while (screen[end] - screen[begin] > DisplaySize)
                {
                    end--;
                }

                endCut = true;
            }
            else
            {
                while (screen[loc] + MinRightCut < screen[end])
                {
                    end--;
                    endCut = true;
                }

                while (screen[end] - screen[begin] > DisplaySize)
                {
                    begin++;
                    beginCut = true;
                }
            }
        }

        string prefix = "LINE " + line.ToString(CultureInfo.InvariantCulture) + ": " + (beginCut ? "..." : "");
        sb.Append(prefix);
        for (int i = begin; i < end; i++)
        {
            sb.Append(text[i]);
        }

        if (endCut)
        {
            sb.Append("...");
        }

        sb.Append('\n');
        int caret = prefix.Length + screen[loc] - screen[begin];
        sb.Append(' ', caret).Append("^\n");
    }

    /// <summary>
    /// The characters of <paramref name="query"/> as libpq walks them for the caret: code points for UTF8, runs
    /// of the encoding's character length for text carried byte for byte; each with its lead (code point or
    /// byte) and display width.
    /// </summary>
    private static IEnumerable<(string Text, int Lead, int Width)> Characters(string query, PgEncoding encoding)
    {
        if (encoding.IsUtf8)
        {
            foreach (Rune rune in query.EnumerateRunes())
            {
                yield return (rune.ToString(), rune.Value, DisplayWidth.OfCodePoint(rune.Value));
            }

            yield break;
        }

        for (int i = 0; i < query.Length;)
        {
            byte lead = (byte)query[i];
            int length = Math.Min(encoding.CharLength(lead, i + 1 < query.Length ? (byte)query[i + 1] : (byte)0), query.Length - i);
            yield return (query.Substring(i, length), lead, encoding.CharWidth(lead));
            i += length;
        }
    }
}
