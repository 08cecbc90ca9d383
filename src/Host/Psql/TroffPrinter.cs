using System.Globalization;

namespace PgWire.Host.Psql;

/// <summary>psql's troff-ms format: a tbl table for the ms macros.</summary>
internal static class TroffPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = Math.Min(options.Border, 2);
        int columns = result.Columns.Count;
        WriteStart(options, border, output);
        for (int j = 0; j < columns; j++)
        {
            output.Write(TypeAlignment.IsRightAligned(result.Columns[j].TypeOid) ? 'r' : 'l');
            if (border > 0 && j < columns - 1)
            {
                output.Write(" | ");
            }
        }

        output.Write(".\n");
        if (!options.TuplesOnly)
        {
            for (int j = 0; j < columns; j++)
            {
                if (j > 0)
                {
                    output.Write('\t');
                }

                output.Write("\\fI");
                WriteEscaped(result.Columns[j].Name, output);
                output.Write("\\fP");
            }

            output.Write("\n_\n");
        }

        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                for (int j = 0; j < columns; j++)
                {
                    if (j > 0)
                    {
                        output.Write('\t');
                    }

                    WriteEscaped(ResultPrinter.CellText(row[j], options), output);
                }

                output.Write('\n');
            }
        }

        WriteEnd(options.TuplesOnly ? null : result.FootersWithDefault(options), output);
    }

    public static void PrintVertical(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = Math.Min(options.Border, 2);
        int columns = result.Columns.Count;
        WriteStart(options, border, output);
        if (options.TuplesOnly)
        {
            output.Write("c l;\n");
        }

        // 0: no format line yet, 1: the record title's, 2: the fields'.
        int format = 0;
        long record = 0;
        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                record++;
                if (!options.TuplesOnly)
                {
                    if (format != 1)
                    {
                        if (border == 2 && record > 1)
                        {
                            output.Write("_\n");
                        }

                        if (format != 0)
                        {
                            output.Write(".T&\n");
                        }

                        output.Write("c s.\n");
                        format = 1;
                    }

                    output.Write("\\fIRecord ");
                    output.Write(record.ToString(CultureInfo.InvariantCulture));
                    output.Write("\\fP\n");
                }

                if (border >= 1)
                {
                    output.Write("_\n");
                }

                for (int j = 0; j < columns; j++)
                {
                    if (!options.TuplesOnly && format != 2)
                    {
                        if (format != 0)
                        {
                            output.Write(".T&\n");
                        }

                        output.Write(border != 1 ? "c l.\n" : "c | l.\n");
                        format = 2;
                    }

                    WriteEscaped(result.Columns[j].Name, output);
                    output.Write('\t');
                    WriteEscaped(ResultPrinter.CellText(row[j], options), output);
                    output.Write('\n');
                }
            }
        }

        WriteEnd(options.TuplesOnly ? null : result.Footers, output);
    }

    private static void WriteStart(PrintOptions options, int border, TextWriter output)
    {
        if (options.Title is not null && !options.TuplesOnly)
        {
            output.Write(".LP\n.DS C\n");
            WriteEscaped(options.Title, output);
            output.Write("\n.DE\n");
        }

        output.Write(border == 2 ? ".LP\n.TS\ncenter box;\n" : ".LP\n.TS\ncenter;\n");
    }

    private static void WriteEnd(IReadOnlyList<string>? footers, TextWriter output)
    {
        output.Write(".TE\n.DS L\n");
        if (footers is not null)
        {
            foreach (string footer in footers)
            {
                WriteEscaped(footer, output);
                output.Write('\n');
            }
        }

        output.Write(".DE\n");
    }

    /// <summary>A backslash starts a troff escape: it is written as <c>\(rs</c>.</summary>
    private static void WriteEscaped(string text, TextWriter output) =>
        output.Write(text.Replace("\\", "\\(rs", StringComparison.Ordinal));
}
