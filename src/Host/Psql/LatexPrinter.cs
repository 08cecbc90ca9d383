using System.Globalization;

namespace PgWire.Host.Psql;

/// <summary>psql's latex and latex-longtable formats (expanded output is a tabular for both).</summary>
internal static class LatexPrinter
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = Math.Min(options.Border, 3);
        int columns = result.Columns.Count;
        WriteTitle(options, output);
        output.Write("\\begin{tabular}{");
        if (border >= 2)
        {
            output.Write("| ");
        }

        for (int j = 0; j < columns; j++)
        {
            output.Write(TypeAlignment.IsRightAligned(result.Columns[j].TypeOid) ? 'r' : 'l');
            if (border != 0 && j < columns - 1)
            {
                output.Write(" | ");
            }
        }

        if (border >= 2)
        {
            output.Write(" |");
        }

        output.Write("}\n");
        if (!options.TuplesOnly)
        {
            if (border >= 2)
            {
                output.Write("\\hline\n");
            }

            for (int j = 0; j < columns; j++)
            {
                if (j > 0)
                {
                    output.Write(" & ");
                }

                output.Write("\\textit{");
                WriteEscaped(result.Columns[j].Name, output);
                output.Write('}');
            }

            output.Write(" \\\\\n\\hline\n");
        }

        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                for (int j = 0; j < columns; j++)
                {
                    if (j > 0)
                    {
                        output.Write(" & ");
                    }

                    WriteEscaped(ResultPrinter.CellText(row[j], options), output);
                }

                output.Write(" \\\\\n");
                if (border == 3)
                {
                    output.Write("\\hline\n");
                }
            }
        }

        if (border == 2)
        {
            output.Write("\\hline\n");
        }

        output.Write("\\end{tabular}\n\n\\noindent ");
        WriteFooters(options.TuplesOnly ? null : result.FootersWithDefault(options), output);
    }

    public static void PrintVertical(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = Math.Min(options.Border, 2);
        int columns = result.Columns.Count;
        WriteTitle(options, output);
        output.Write(border switch
        {
            0 => "\\begin{tabular}{cl}\n",
            1 => "\\begin{tabular}{c|l}\n",
            _ => "\\begin{tabular}{|c|l|}\n",
        });
        long record = 0;
        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                record++;
                if (!options.TuplesOnly)
                {
                    if (border == 2)
                    {
                        output.Write("\\hline\n");
                    }

                    output.Write(border == 2 ? "\\multicolumn{2}{|c|}{\\textit{Record " : "\\multicolumn{2}{c}{\\textit{Record ");
                    output.Write(record.ToString(CultureInfo.InvariantCulture));
                    output.Write("}} \\\\\n");
                }

                if (border >= 1)
                {
                    output.Write("\\hline\n");
                }

                for (int j = 0; j < columns; j++)
                {
                    WriteEscaped(result.Columns[j].Name, output);
                    output.Write(" & ");
                    WriteEscaped(ResultPrinter.CellText(row[j], options), output);
                    output.Write(" \\\\\n");
                }
            }
        }

        if (border == 2)
        {
            output.Write("\\hline\n");
        }

        output.Write("\\end{tabular}\n\n\\noindent ");
        WriteFooters(options.TuplesOnly ? null : result.Footers, output);
    }

    /// <summary>
    /// The longtable environment: headers repeated on each page, the title as caption, and, given
    /// <c>tableattr</c>, its whitespace-separated numbers as widths (fractions of the text width) of the
    /// left-aligned columns in turn, the last one repeating.
    /// </summary>
    public static void PrintLongtable(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = Math.Min(options.Border, 3);
        int columns = result.Columns.Count;
        output.Write("\\begin{longtable}{");
        if (border >= 2)
        {
            output.Write("| ");
        }

        string[] widths = options.TableAttr?.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries) ?? [];
        int nextWidth = 0;
        for (int j = 0; j < columns; j++)
        {
            bool right = TypeAlignment.IsRightAligned(result.Columns[j].TypeOid);
            if (!right && options.TableAttr is not null && widths.Length > 0)
            {
                output.Write("p{");
                output.Write(widths[Math.Min(nextWidth, widths.Length - 1)]);
                output.Write("\\textwidth}");
                nextWidth++;
            }
            else
            {
                output.Write(right ? 'r' : 'l');
            }

            if (border != 0 && j < columns - 1)
            {
                output.Write(" | ");
            }
        }

        if (border >= 2)
        {
            output.Write(" |");
        }

        output.Write("}\n");
        if (!options.TuplesOnly)
        {
            WriteLongtableHeader(result, border, output);
            output.Write("\\midrule\n\\endfirsthead\n");
            WriteLongtableHeader(result, border, output);
            if (border != 3)
            {
                output.Write("\\midrule\n");
            }

            output.Write("\\endhead\n");
            if (options.Title is not null)
            {
                if (border == 2)
                {
                    output.Write("\\bottomrule\n");
                }

                output.Write("\\caption[");
                WriteEscaped(options.Title, output);
                output.Write(" (Continued)]{");
                WriteEscaped(options.Title, output);
                output.Write("}\n\\endfoot\n");
                if (border == 2)
                {
                    output.Write("\\bottomrule\n");
                }

                output.Write("\\caption[");
                WriteEscaped(options.Title, output);
                output.Write("]{");
                WriteEscaped(options.Title, output);
                output.Write("}\n\\endlastfoot\n");
            }
            else if (border >= 2)
            {
                output.Write("\\bottomrule\n\\endfoot\n\\bottomrule\n\\endlastfoot\n");
            }
        }

        if (columns > 0)
        {
            foreach (string?[] row in result.Rows)
            {
                for (int j = 0; j < columns; j++)
                {
                    if (j > 0)
                    {
                        output.Write("\n&\n");
                    }

                    output.Write("\\raggedright{");
                    WriteEscaped(ResultPrinter.CellText(row[j], options), output);
                    output.Write('}');
                }

                output.Write(" \\tabularnewline\n");
                if (border == 3)
                {
                    output.Write(" \\hline\n");
                }
            }
        }

        output.Write("\\end{longtable}\n");
    }

    private static void WriteLongtableHeader(ResultSet result, int border, TextWriter output)
    {
        if (border >= 2)
        {
            output.Write("\\toprule\n");
        }

        for (int j = 0; j < result.Columns.Count; j++)
        {
            if (j > 0)
            {
                output.Write(" & ");
            }

            output.Write("\\small\\textbf{\\textit{");
            WriteEscaped(result.Columns[j].Name, output);
            output.Write("}}");
        }

        output.Write(" \\\\\n");
    }

    private static void WriteTitle(PrintOptions options, TextWriter output)
    {
        if (options.Title is not null && !options.TuplesOnly)
        {
            output.Write("\\begin{center}\n");
            WriteEscaped(options.Title, output);
            output.Write("\n\\end{center}\n\n");
        }
    }

    private static void WriteFooters(IReadOnlyList<string>? footers, TextWriter output)
    {
        if (footers is not null)
        {
            foreach (string footer in footers)
            {
                WriteEscaped(footer, output);
                output.Write(" \\\\\n");
            }
        }

        output.Write('\n');
    }

    /// <summary>Escapes LaTeX's special characters; a newline becomes a line break (<c>\\</c>).</summary>
    internal static void WriteEscaped(string text, TextWriter output)
    {
        foreach (char c in text)
        {
            output.Write(c switch
            {
                '#' => "\\#",
                '$' => "\\$",
                '%' => "\\%",
                '&' => "\\&",
                '<' => "\\textless{}",
                '>' => "\\textgreater{}",
                '\\' => "\\textbackslash{}",
                '^' => "\\^{}",
                '_' => "\\_",
                '{' => "\\{",
                '|' => "\\textbar{}",
                '}' => "\\}",
                '~' => "\\~{}",
                '\n' => "\\\\",
                _ => null,
            } ?? c.ToString());
        }
    }
}
