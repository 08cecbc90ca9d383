using System.Globalization;

namespace PgWire.Host.Psql;

/// <summary>psql's html format: a table element, one row per record, or two columns per field when expanded.</summary>
internal static class HtmlPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output, bool expanded)
    {
        if (options.StartTable)
        {
            WriteStart(options, output);
        }

        if (expanded)
        {
            PrintRecords(result, options, output);
        }
        else
        {
            PrintRows(result, options, output);
        }

        if (!options.StopTable)
        {
            return;
        }

        output.Write("</table>\n");
        IReadOnlyList<string>? footers = expanded ? result.Footers : result.FootersWithDefault(options);
        if (!options.TuplesOnly && footers is { Count: > 0 })
        {
            output.Write("<p>");
            foreach (string footer in footers)
            {
                WriteEscaped(footer, output);
                output.Write("<br />\n");
            }

            output.Write("</p>");
        }

        output.Write('\n');
    }

    private static void WriteStart(PrintOptions options, TextWriter output)
    {
        output.Write("<table border=\"");
        output.Write(options.Border.ToString(CultureInfo.InvariantCulture));
        output.Write('"');
        if (options.TableAttr is not null)
        {
            output.Write(' ');
            output.Write(options.TableAttr);
        }

        output.Write(">\n");
        if (!options.TuplesOnly && options.Title is not null)
        {
            output.Write("  <caption>");
            WriteEscaped(options.Title, output);
            output.Write("</caption>\n");
        }
    }

    private static void PrintRows(ResultSet result, PrintOptions options, TextWriter output)
    {
        int columns = result.Columns.Count;
        if (!options.TuplesOnly && options.StartTable)
        {
            output.Write("  <tr>\n");
            foreach (ResultColumn column in result.Columns)
            {
                output.Write("    <th align=\"center\">");
                WriteEscaped(column.Name, output);
                output.Write("</th>\n");
            }

            output.Write("  </tr>\n");
        }

        if (columns == 0)
        {
            return;
        }

        foreach (string?[] row in result.Rows)
        {
            output.Write("  <tr valign=\"top\">\n");
            for (int j = 0; j < columns; j++)
            {
                WriteCell(ResultPrinter.CellText(row[j], options), TypeAlignment.IsRightAligned(result.Columns[j].TypeOid), output);
            }

            output.Write("  </tr>\n");
        }
    }

    private static void PrintRecords(ResultSet result, PrintOptions options, TextWriter output)
    {
        int columns = result.Columns.Count;
        if (columns == 0)
        {
            return;
        }

        long record = options.PriorRecords;
        foreach (string?[] row in result.Rows)
        {
            record++;
            if (options.TuplesOnly)
            {
                output.Write("\n  <tr><td colspan=\"2\">&nbsp;</td></tr>\n");
            }
            else
            {
                output.Write("\n  <tr><td colspan=\"2\" align=\"center\">Record ");
                output.Write(record.ToString(CultureInfo.InvariantCulture));
                output.Write("</td></tr>\n");
            }

            for (int j = 0; j < columns; j++)
            {
                output.Write("  <tr valign=\"top\">\n    <th>");
                WriteEscaped(result.Columns[j].Name, output);
                output.Write("</th>\n");
                WriteCell(ResultPrinter.CellText(row[j], options), TypeAlignment.IsRightAligned(result.Columns[j].TypeOid), output);
                output.Write("  </tr>\n");
            }
        }
    }

    private static void WriteCell(string text, bool right, TextWriter output)
    {
        output.Write(right ? "    <td align=\"right\">" : "    <td align=\"left\">");
        if (text.AsSpan().TrimStart(" \t").IsEmpty)
        {
            output.Write("&nbsp; ");
        }
        else
        {
            WriteEscaped(text, output);
        }

        output.Write("</td>\n");
    }

    /// <summary>Escapes HTML's special characters, turns newlines into line breaks and keeps leading spaces.</summary>
    internal static void WriteEscaped(string text, TextWriter output)
    {
        bool leading = true;
        foreach (char c in text)
        {
            switch (c)
            {
                case '&':
                    output.Write("&amp;");
                    break;
                case '<':
                    output.Write("&lt;");
                    break;
                case '>':
                    output.Write("&gt;");
                    break;
                case '"':
                    output.Write("&quot;");
                    break;
                case '\n':
                    output.Write("<br />\n");
                    break;
                case ' ':
                    output.Write(leading ? "&nbsp;" : " ");
                    break;
                default:
                    output.Write(c);
                    break;
            }

            if (c != ' ')
            {
                leading = false;
            }
        }
    }
}
