namespace PgWire.Host.Psql;

/// <summary>
/// Asked by a printer, where psql decides on the pager, with the number of lines psql reckons the output takes
/// (<see cref="int.MaxValue"/> when it is wider than the screen); returns the pager to print to instead, or null.
/// </summary>
public delegate TextWriter? PagerRequest(int lines);

/// <summary>Prints a complete result exactly as psql 15 does for a query result.</summary>
public static class ResultPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output) => Print(result, options, output, null);

    /// <summary>Prints a result; <paramref name="pager"/> is asked, as psql asks, whether a pager takes the output.</summary>
    public static void Print(ResultSet result, PrintOptions options, TextWriter output, PagerRequest? pager)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        if (options.NumericLocale)
        {
            result = NumericLocale.Apply(result);
        }

        bool expanded = options.Expanded == ExpandedMode.On;
        if (pager is not null && options.Format is not (OutputFormat.Aligned or OutputFormat.Wrapped))
        {
            // The aligned formats ask themselves, once they know the width.
            int lines = expanded ? VerticalPagerLines(result, options) : TablePagerLines(result, options);
            output = pager(lines) ?? output;
        }

        switch (options.Format)
        {
            case OutputFormat.Html:
                HtmlPrinter.Print(result, options, output, expanded);
                break;
            case OutputFormat.Asciidoc:
                AsciidocPrinter.Print(result, options, output, expanded);
                break;
            case OutputFormat.Latex:
            case OutputFormat.LatexLongtable:
                if (expanded)
                {
                    LatexPrinter.PrintVertical(result, options, output);
                }
                else if (options.Format == OutputFormat.Latex)
                {
                    LatexPrinter.Print(result, options, output);
                }
                else
                {
                    LatexPrinter.PrintLongtable(result, options, output);
                }

                break;
            case OutputFormat.TroffMs:
                if (expanded)
                {
                    TroffPrinter.PrintVertical(result, options, output);
                }
                else
                {
                    TroffPrinter.Print(result, options, output);
                }

                break;
            case OutputFormat.Unaligned:
                if (options.Expanded == ExpandedMode.On)
                {
                    PrintUnalignedVertical(result, options, output);
                }
                else
                {
                    PrintUnaligned(result, options, output);
                }

                break;
            case OutputFormat.Csv:
                if (options.Expanded == ExpandedMode.On)
                {
                    PrintCsvVertical(result, options, output);
                }
                else
                {
                    PrintCsv(result, options, output);
                }

                break;
            default:
                if (options.Expanded == ExpandedMode.On)
                {
                    AlignedVertical.Print(result, options, output, options.Format == OutputFormat.Wrapped, pager);
                }
                else
                {
                    AlignedText.Print(result, options, output, pager);
                }

                break;
        }
    }

    internal static string CellText(string? value, PrintOptions options) => value ?? options.NullDisplay;

    /// <summary>psql's height of a table for the pager: a line per row, one for the header, one per explicit footer.</summary>
    internal static int TablePagerLines(ResultSet result, PrintOptions options) =>
        (int)Math.Min((long)result.Rows.Count + 1 + ExplicitFooterCount(result, options), int.MaxValue);

    /// <summary>psql's height of expanded output for the pager: a line per column and one per record, per row.</summary>
    internal static int VerticalPagerLines(ResultSet result, PrintOptions options) =>
        (int)Math.Min(((long)result.Columns.Count + 1) * result.Rows.Count + ExplicitFooterCount(result, options), int.MaxValue);

    private static int ExplicitFooterCount(ResultSet result, PrintOptions options) =>
        !options.TuplesOnly && result.Footers is { } footers ? footers.Count : 0;

    private static void PrintUnaligned(ResultSet result, PrintOptions options, TextWriter output)
    {
        string fieldSep = options.EffectiveFieldSeparator;
        string recordSep = options.EffectiveRecordSeparator;
        int columns = result.Columns.Count;
        // A later part of a result fetched in parts continues the output: its first row needs a separator.
        bool needRecordSep = !options.StartTable;

        if (!options.TuplesOnly && options.StartTable)
        {
            if (options.Title is not null)
            {
                output.Write(options.Title);
                output.Write(recordSep);
            }

            for (int i = 0; i < columns; i++)
            {
                if (i > 0)
                {
                    output.Write(fieldSep);
                }

                output.Write(result.Columns[i].Name);
            }

            needRecordSep = true;
        }

        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                if (needRecordSep)
                {
                    output.Write(recordSep);
                }

                for (int i = 0; i < columns; i++)
                {
                    if (i > 0)
                    {
                        output.Write(fieldSep);
                    }

                    output.Write(CellText(row[i], options));
                }

                needRecordSep = true;
            }
        }

        if (!options.StopTable)
        {
            return;
        }

        if (!options.TuplesOnly && result.FootersWithDefault(options) is { } footers)
        {
            foreach (string footer in footers)
            {
                if (needRecordSep)
                {
                    output.Write(recordSep);
                }

                output.Write(footer);
                needRecordSep = true;
            }
        }

        if (needRecordSep)
        {
            output.Write(options.RecordSeparatorZero ? "\0" : "\n");
        }
    }

    private static void PrintUnalignedVertical(ResultSet result, PrintOptions options, TextWriter output)
    {
        string fieldSep = options.EffectiveFieldSeparator;
        string recordSep = options.EffectiveRecordSeparator;
        int columns = result.Columns.Count;
        bool needRecordSep = !options.StartTable;

        if (!options.TuplesOnly && options.Title is not null && options.StartTable)
        {
            output.Write(options.Title);
            needRecordSep = true;
        }

        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                if (needRecordSep)
                {
                    output.Write(recordSep);
                    output.Write(recordSep);
                }

                for (int i = 0; i < columns; i++)
                {
                    if (i > 0)
                    {
                        output.Write(recordSep);
                    }

                    output.Write(result.Columns[i].Name);
                    output.Write(fieldSep);
                    output.Write(CellText(row[i], options));
                }

                needRecordSep = true;
            }
        }

        if (!options.StopTable)
        {
            return;
        }

        if (!options.TuplesOnly && result.Footers is { Count: > 0 } footers)
        {
            output.Write(recordSep);
            foreach (string footer in footers)
            {
                output.Write(recordSep);
                output.Write(footer);
            }
        }

        if (needRecordSep)
        {
            output.Write(options.RecordSeparatorZero ? "\0" : "\n");
        }
    }

    private static void PrintCsv(ResultSet result, PrintOptions options, TextWriter output)
    {
        char sep = options.CsvFieldSeparator;
        int columns = result.Columns.Count;
        if (!options.TuplesOnly && options.StartTable)
        {
            for (int i = 0; i < columns; i++)
            {
                if (i > 0)
                {
                    output.Write(sep);
                }

                WriteCsvField(result.Columns[i].Name, sep, output);
            }

            output.Write('\n');
        }

        if (columns == 0)
        {
            return;
        }

        foreach (string?[] row in result.Rows)
        {
            for (int i = 0; i < columns; i++)
            {
                if (i > 0)
                {
                    output.Write(sep);
                }

                WriteCsvField(CellText(row[i], options), sep, output);
            }

            output.Write('\n');
        }
    }

    private static void PrintCsvVertical(ResultSet result, PrintOptions options, TextWriter output)
    {
        char sep = options.CsvFieldSeparator;
        int columns = result.Columns.Count;
        foreach (string?[] row in result.Rows)
        {
            for (int i = 0; i < columns; i++)
            {
                WriteCsvField(result.Columns[i].Name, sep, output);
                output.Write(sep);
                WriteCsvField(CellText(row[i], options), sep, output);
                output.Write('\n');
            }
        }
    }

    /// <summary>
    /// Quotes a CSV field when it contains the separator, a quote, CR or LF, when it is exactly <c>\.</c>,
    /// or always when the separator is a backslash or a dot.
    /// </summary>
    internal static bool CsvNeedsQuotes(ReadOnlySpan<char> field, char sep) =>
        sep is '\\' or '.'
        || field.IndexOfAny(sep, '"') >= 0
        || field.IndexOfAny('\r', '\n') >= 0
        || field is "\\.";

    private static void WriteCsvField(string field, char sep, TextWriter output)
    {
        if (!CsvNeedsQuotes(field, sep))
        {
            output.Write(field);
            return;
        }

        output.Write('"');
        output.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
        output.Write('"');
    }
}
