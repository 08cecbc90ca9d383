using System.Globalization;

namespace PgWire.Host.Psql;

/// <summary>psql's asciidoc format: an AsciiDoc table block, with the footers in a literal block.</summary>
internal static class AsciidocPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output, bool expanded)
    {
        if (options.StartTable)
        {
            WriteStart(result, options, output, expanded);
        }

        if (expanded)
        {
            PrintRecords(result, options, output);
        }
        else
        {
            PrintRows(result, options, output);
        }

        // psql closes the block after every part of a result fetched in parts, and adds footers only at the end.
        output.Write("|====\n");
        if (!options.StopTable)
        {
            return;
        }

        IReadOnlyList<string>? footers = expanded ? result.Footers : result.FootersWithDefault(options);
        if (!options.TuplesOnly && footers is { Count: > 0 })
        {
            output.Write("\n....\n");
            foreach (string footer in footers)
            {
                output.Write(footer);
                output.Write('\n');
            }

            output.Write("....\n");
        }
    }

    private static void WriteStart(ResultSet result, PrintOptions options, TextWriter output, bool expanded)
    {
        int columns = result.Columns.Count;
        output.Write('\n');
        if (options.Title is not null && !options.TuplesOnly)
        {
            output.Write('.');
            output.Write(options.Title);
            output.Write('\n');
        }

        if (expanded)
        {
            output.Write("[cols=\"h,l\"");
        }
        else
        {
            output.Write(options.TuplesOnly ? "[cols=\"" : "[options=\"header\",cols=\"");
            for (int j = 0; j < columns; j++)
            {
                if (j > 0)
                {
                    output.Write(',');
                }

                output.Write(TypeAlignment.IsRightAligned(result.Columns[j].TypeOid) ? ">l" : "<l");
            }

            output.Write('"');
        }

        output.Write(options.Border switch
        {
            0 => ",frame=\"none\",grid=\"none\"",
            1 => ",frame=\"none\"",
            2 => ",frame=\"all\",grid=\"all\"",
            _ => "",
        });
        output.Write("]\n|====\n");
    }

    private static void PrintRows(ResultSet result, PrintOptions options, TextWriter output)
    {
        int columns = result.Columns.Count;
        if (!options.TuplesOnly && options.StartTable)
        {
            for (int j = 0; j < columns; j++)
            {
                if (j > 0)
                {
                    output.Write(' ');
                }

                output.Write("^l|");
                WriteEscaped(result.Columns[j].Name, output);
            }

            output.Write('\n');
        }

        if (columns == 0)
        {
            return;
        }

        foreach (string?[] row in result.Rows)
        {
            for (int j = 0; j < columns; j++)
            {
                output.Write(j == 0 ? "|" : " |");
                WriteCell(ResultPrinter.CellText(row[j], options), output);
            }

            output.Write('\n');
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
                output.Write("2+|\n");
            }
            else
            {
                output.Write("2+^|Record ");
                output.Write(record.ToString(CultureInfo.InvariantCulture));
                output.Write('\n');
            }

            for (int j = 0; j < columns; j++)
            {
                output.Write("<l|");
                WriteEscaped(result.Columns[j].Name, output);
                output.Write(TypeAlignment.IsRightAligned(result.Columns[j].TypeOid) ? " >l|" : " <l|");
                WriteCell(ResultPrinter.CellText(row[j], options), output);
                output.Write('\n');
            }
        }
    }

    private static void WriteCell(string text, TextWriter output)
    {
        if (text.AsSpan().TrimStart(" \t").IsEmpty)
        {
            output.Write(' ');
        }
        else
        {
            WriteEscaped(text, output);
        }
    }

    /// <summary>A vertical bar would end the cell: it is written as <c>\|</c>.</summary>
    private static void WriteEscaped(string text, TextWriter output)
    {
        int start = 0;
        int bar;
        while ((bar = text.IndexOf('|', start)) >= 0)
        {
            output.Write(text.AsSpan(start, bar - start));
            output.Write("\\|");
            start = bar + 1;
        }

        output.Write(text.AsSpan(start));
    }
}
