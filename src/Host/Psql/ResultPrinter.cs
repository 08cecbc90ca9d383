namespace PgWire.Host.Psql;

/// <summary>Prints a complete result exactly as psql 15 does for a query result.</summary>
public static class ResultPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);

        if (options.NumericLocale)
        {
            result = NumericLocale.Apply(result);
        }

        bool expanded = options.Expanded == ExpandedMode.On;
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
                    AlignedVertical.Print(result, options, output, options.Format == OutputFormat.Wrapped);
                }
                else
                {
                    AlignedText.Print(result, options, output);
                }

                break;
        }
    }

    internal static string CellText(string? value, PrintOptions options) => value ?? options.NullDisplay;

    private static void PrintUnaligned(ResultSet result, PrintOptions options, TextWriter output)
    {
        string fieldSep = options.EffectiveFieldSeparator;
        string recordSep = options.EffectiveRecordSeparator;
        int columns = result.Columns.Count;
        bool needRecordSep = false;

        if (!options.TuplesOnly)
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
        bool needRecordSep = false;

        if (!options.TuplesOnly && options.Title is not null)
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
        if (!options.TuplesOnly)
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
