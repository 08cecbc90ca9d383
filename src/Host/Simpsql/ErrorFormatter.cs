using System.Globalization;
using System.Text;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>Formats server errors and notices the way libpq does at the default verbosity.</summary>
internal static class ErrorFormatter
{
    private const int DisplaySize = 60;
    private const int MinRightCut = 10;

    public static string Format(PostgresErrorFields error, string? query, bool showContext)
    {
        var sb = new StringBuilder();
        sb.Append(error.Severity).Append(":  ").Append(error.Message).Append('\n');
        if (error.Position is { } position && query is not null)
        {
            AppendPosition(sb, query, position - 1);
        }

        if (error.Detail is { } detail)
        {
            sb.Append("DETAIL:  ").Append(detail).Append('\n');
        }

        if (error.Hint is { } hint)
        {
            sb.Append("HINT:  ").Append(hint).Append('\n');
        }

        if (error.InternalQuery is { } internalQuery)
        {
            sb.Append("QUERY:  ").Append(internalQuery).Append('\n');
            if (error.InternalPosition is { } ip)
            {
                AppendPosition(sb, internalQuery, ip - 1);
            }
        }

        if (showContext && error.Where is { } where)
        {
            sb.Append("CONTEXT:  ").Append(where).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Appends "LINE n: text" and the caret line for the 0-based character <paramref name="loc"/>.</summary>
    internal static void AppendPosition(StringBuilder sb, string query, int loc)
    {
        if (loc < 0)
        {
            return;
        }

        var text = new List<int>();
        var screen = new List<int>();
        int column = 0;
        int line = 1;
        int begin = 0;
        int end = -1;
        int count = 0;
        int previous = -1;
        foreach (Rune rune in query.EnumerateRunes())
        {
            int cp = rune.Value;
            screen.Add(column);
            if (cp == '\t')
            {
                cp = ' ';
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
                    text.Add(cp);
                    break;
                }
            }

            text.Add(cp);
            previous = rune.Value;
            int w = DisplayWidth.OfCodePoint(cp);
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
            sb.Append(char.ConvertFromUtf32(text[i]));
        }

        if (endCut)
        {
            sb.Append("...");
        }

        sb.Append('\n');
        int caret = prefix.Length + screen[loc] - screen[begin];
        sb.Append(' ', caret).Append("^\n");
    }
}
