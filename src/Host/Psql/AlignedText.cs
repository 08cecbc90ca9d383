namespace PgWire.Host.Psql;

/// <summary>psql's aligned (table) layout, borders 0, 1 and 2, with '+' markers for embedded newlines.</summary>
internal static class AlignedText
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = options.EffectiveBorder;
        int columns = result.Columns.Count;
        var headers = new CellLine[columns][];
        var widths = new int[columns];
        var rightAligned = new bool[columns];

        for (int j = 0; j < columns; j++)
        {
            headers[j] = DisplayWidth.Format(result.Columns[j].Name);
            rightAligned[j] = TypeAlignment.IsRightAligned(result.Columns[j].TypeOid);
            widths[j] = MaxWidth(headers[j]);
        }

        var cells = new CellLine[result.Rows.Count][][];
        for (int r = 0; r < cells.Length; r++)
        {
            string?[] row = result.Rows[r];
            var formatted = new CellLine[columns][];
            for (int j = 0; j < columns; j++)
            {
                formatted[j] = DisplayWidth.Format(ResultPrinter.CellText(row[j], options));
                widths[j] = Math.Max(widths[j], MaxWidth(formatted[j]));
            }

            cells[r] = formatted;
        }

        int totalWidth = border switch
        {
            0 => columns,
            1 => columns > 0 ? columns * 3 - 1 : 0,
            _ => columns * 3 + 1,
        };
        foreach (int w in widths)
        {
            totalWidth += w;
        }

        if (options.Expanded == ExpandedMode.Auto && options.Columns > 0 && options.Columns < totalWidth)
        {
            AlignedVertical.Print(result, options, output);
            return;
        }

        if (!options.TuplesOnly)
        {
            if (options.Title is not null)
            {
                int titleWidth = DisplayWidth.Of(options.Title);
                if (titleWidth < totalWidth)
                {
                    output.Write(new string(' ', (totalWidth - titleWidth) / 2));
                }

                output.Write(options.Title);
                output.Write('\n');
            }

            if (border == 2)
            {
                WriteRule(widths, border, output);
            }

            WriteHeader(headers, widths, border, output);
            WriteRule(widths, border, output);
        }

        foreach (CellLine[][] row in cells)
        {
            WriteRow(row, widths, rightAligned, border, output);
        }

        if (border == 2)
        {
            WriteRule(widths, border, output);
        }

        if (!options.TuplesOnly && options.Footer)
        {
            output.Write(PrintOptions.DefaultFooter(result.Rows.Count));
            output.Write('\n');
        }

        output.Write('\n');
    }

    private static int MaxWidth(CellLine[] lines)
    {
        int max = 0;
        foreach (CellLine line in lines)
        {
            max = Math.Max(max, line.Width);
        }

        return max;
    }

    private static void Spaces(TextWriter output, int count)
    {
        for (int i = 0; i < count; i++)
        {
            output.Write(' ');
        }
    }

    private static void WriteRule(int[] widths, int border, TextWriter output)
    {
        if (border == 1)
        {
            output.Write('-');
        }
        else if (border == 2)
        {
            output.Write("+-");
        }

        for (int j = 0; j < widths.Length; j++)
        {
            output.Write(new string('-', widths[j]));
            if (j < widths.Length - 1)
            {
                output.Write(border == 0 ? " " : "-+-");
            }
        }

        if (border == 2)
        {
            output.Write("-+");
        }
        else if (border == 1)
        {
            output.Write('-');
        }

        output.Write('\n');
    }

    private static void WriteHeader(CellLine[][] headers, int[] widths, int border, TextWriter output)
    {
        int columns = headers.Length;
        int remaining = columns;
        var done = new bool[columns];
        for (int line = 0; remaining > 0; line++)
        {
            if (border == 2)
            {
                output.Write('|');
            }

            for (int j = 0; j < columns; j++)
            {
                if (border != 0)
                {
                    output.Write(' ');
                }

                if (!done[j])
                {
                    CellLine text = headers[j][line];
                    int space = widths[j] - text.Width;
                    Spaces(output, space / 2);
                    output.Write(text.Text);
                    Spaces(output, (space + 1) / 2);
                    if (line + 1 >= headers[j].Length)
                    {
                        done[j] = true;
                        remaining--;
                    }
                }
                else
                {
                    Spaces(output, widths[j]);
                }

                output.Write(done[j] ? ' ' : '+');
                if (border != 0 && j < columns - 1)
                {
                    output.Write('|');
                }
            }

            if (border == 2)
            {
                output.Write('|');
            }

            output.Write('\n');
        }
    }

    private static void WriteRow(CellLine[][] row, int[] widths, bool[] rightAligned, int border, TextWriter output)
    {
        int columns = row.Length;
        int height = 0;
        foreach (CellLine[] cell in row)
        {
            height = Math.Max(height, cell.Length);
        }

        for (int line = 0; line < height; line++)
        {
            if (border == 2)
            {
                output.Write('|');
            }

            for (int j = 0; j < columns; j++)
            {
                CellLine[] cell = row[j];
                bool notLast = j < columns - 1;
                bool finalSpaces = border == 2 || notLast;
                if (border != 0)
                {
                    output.Write(' ');
                }

                int used = widths[j];
                if (line >= cell.Length)
                {
                    if (finalSpaces)
                    {
                        Spaces(output, widths[j]);
                    }
                }
                else
                {
                    used = cell[line].Width;
                    if (rightAligned[j])
                    {
                        Spaces(output, widths[j] - used);
                    }

                    output.Write(cell[line].Text);
                }

                bool continues = line + 1 < cell.Length;
                if (!rightAligned[j] && (finalSpaces || continues))
                {
                    Spaces(output, widths[j] - used);
                }

                if (continues)
                {
                    output.Write('+');
                }
                else if (finalSpaces)
                {
                    output.Write(' ');
                }

                if (border != 0 && notLast)
                {
                    output.Write('|');
                }
            }

            if (border == 2)
            {
                output.Write('|');
            }

            output.Write('\n');
        }
    }
}
