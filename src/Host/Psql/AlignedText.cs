using PgWire.Protocol.Settings;
namespace PgWire.Host.Psql;

/// <summary>
/// psql's aligned (table) layout for borders 0, 1 and 2: centered headers, '+' markers for embedded
/// newlines and, in the wrapped format, '.' markers where a value is wrapped to fit the output width.
/// </summary>
internal static class AlignedText
{
    private enum Wrap
    {
        None,
        Wrapped,
        Newline,
    }

    public static void Print(ResultSet result, PrintOptions options, TextWriter output, PagerRequest? pager = null)
    {
        bool wrapped = options.Format == OutputFormat.Wrapped;
        int border = options.EffectiveBorder;
        TextFormat format = TextFormat.For(options);
        int columns = result.Columns.Count;
        var headers = new CellLine[columns][];
        var headerWidths = new int[columns];
        var widths = new int[columns];
        var accumulated = new long[columns];
        var rightAligned = new bool[columns];

        for (int j = 0; j < columns; j++)
        {
            headers[j] = DisplayWidth.Format(result.Columns[j].Name, options.Codec.Encoding);
            rightAligned[j] = TypeAlignment.IsRightAligned(result.Columns[j].TypeOid);
            headerWidths[j] = MaxWidth(headers[j]);
            widths[j] = headerWidths[j];
        }

        var cells = new CellLine[columns == 0 ? 0 : result.Rows.Count][][];
        for (int r = 0; r < cells.Length; r++)
        {
            string?[] row = result.Rows[r];
            var formatted = new CellLine[columns][];
            for (int j = 0; j < columns; j++)
            {
                formatted[j] = DisplayWidth.Format(ResultPrinter.CellText(row[j], options), options.Codec.Encoding);
                int width = MaxWidth(formatted[j]);
                widths[j] = Math.Max(widths[j], width);
                accumulated[j] += width;
            }

            cells[r] = formatted;
        }

        int totalWidth = border switch
        {
            0 => columns,
            1 => columns > 0 ? columns * 3 - 1 : 0,
            _ => columns * 3 + 1,
        };
        int totalHeaderWidth = totalWidth;
        for (int j = 0; j < columns; j++)
        {
            totalWidth += widths[j];
            totalHeaderWidth += headerWidths[j];
        }

        int outputColumns = options.OutputColumns;
        if (wrapped && outputColumns > 0 && outputColumns >= totalHeaderWidth && cells.Length > 0)
        {
            totalWidth = Shrink(widths, headerWidths, accumulated, cells.Length, totalWidth, outputColumns);
        }

        if (options.Expanded == ExpandedMode.Auto && outputColumns > 0 && columns > 1
            && (outputColumns < totalHeaderWidth || outputColumns < totalWidth))
        {
            AlignedVertical.Print(result, options, output, wrapped, pager);
            return;
        }

        if (pager is not null)
        {
            // As psql: a table wider than the screen always goes to the pager; otherwise its height decides,
            // counting the lines that embedded newlines and wrapping add.
            bool tooWide = outputColumns > 0 && (outputColumns < totalHeaderWidth || outputColumns < totalWidth);
            output = pager(tooWide ? int.MaxValue : PagerLines(result, options, headers, cells, widths)) ?? output;
        }

        if (!options.TuplesOnly && options.StartTable)
        {
            if (options.Title is not null)
            {
                int titleWidth = DisplayWidth.Of(options.Title, options.Codec.Encoding);
                if (titleWidth < totalWidth)
                {
                    Spaces(output, (totalWidth - titleWidth) / 2);
                }

                output.Write(options.Title);
                output.Write('\n');
            }

            if (border == 2)
            {
                WriteRule(widths, border, format.Top, output);
            }

            WriteHeader(headers, widths, border, format, output);
            WriteRule(widths, border, format.Middle, output);
        }

        var state = new RowState(columns);
        foreach (CellLine[][] row in cells)
        {
            WriteRow(row, widths, rightAligned, border, format, state, output, options.Codec.Encoding);
        }

        if (!options.StopTable)
        {
            return;
        }

        if (border == 2)
        {
            WriteRule(widths, border, format.Bottom, output);
        }

        if (!options.TuplesOnly && result.FootersWithDefault(options) is { } footers)
        {
            foreach (string footer in footers)
            {
                output.Write(footer);
                output.Write('\n');
            }
        }

        output.Write('\n');
    }

    /// <summary>
    /// Narrows columns one position at a time until the table fits, always picking the column whose
    /// maximum width is largest relative to its average width (slightly favouring wide columns), and never
    /// narrowing a column below its header.
    /// </summary>
    private static int Shrink(int[] widths, int[] headerWidths, long[] accumulated, int rows, int totalWidth, int target)
    {
        var maxWidths = (int[])widths.Clone();
        var averages = new long[widths.Length];
        for (int j = 0; j < widths.Length; j++)
        {
            averages[j] = accumulated[j] / rows;
        }

        while (totalWidth > target)
        {
            double worstRatio = 0;
            int worst = -1;
            for (int j = 0; j < widths.Length; j++)
            {
                if (averages[j] != 0 && widths[j] > headerWidths[j])
                {
                    double ratio = (double)widths[j] / averages[j] + maxWidths[j] * 0.01;
                    if (ratio > worstRatio)
                    {
                        worstRatio = ratio;
                        worst = j;
                    }
                }
            }

            if (worst < 0)
            {
                break;
            }

            widths[worst]--;
            totalWidth--;
        }

        return totalWidth;
    }

    /// <summary>
    /// The height psql reckons before choosing the pager: a line per row and one for the header, the header's
    /// extra lines, each row's extra lines (newlines, wrapping) and one per explicit footer.
    /// </summary>
    private static int PagerLines(ResultSet result, PrintOptions options, CellLine[][] headers, CellLine[][][] cells, int[] widths)
    {
        long lines = (long)cells.Length + 1;
        int headerLines = 0;
        foreach (CellLine[] header in headers)
        {
            headerLines = Math.Max(headerLines, header.Length);
        }

        lines += headerLines;
        foreach (CellLine[][] row in cells)
        {
            int extra = 0;
            for (int j = 0; j < row.Length; j++)
            {
                int width = MaxWidth(row[j]);
                if (width > 0 && widths[j] > 0)
                {
                    extra = Math.Max(extra, ((width - 1) / widths[j]) + row[j].Length - 1);
                }
            }

            lines += extra;
        }

        if (!options.TuplesOnly && result.Footers is { } footers)
        {
            lines += footers.Count;
        }

        return (int)Math.Min(lines, int.MaxValue);
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

    private static void Repeat(TextWriter output, string text, int count)
    {
        for (int i = 0; i < count; i++)
        {
            output.Write(text);
        }
    }

    private static void WriteRule(int[] widths, int border, TableRule rule, TextWriter output)
    {
        if (border == 1)
        {
            output.Write(rule.Line);
        }
        else if (border == 2)
        {
            output.Write(rule.Left);
            output.Write(rule.Line);
        }

        for (int j = 0; j < widths.Length; j++)
        {
            Repeat(output, rule.Line, widths[j]);
            if (j < widths.Length - 1)
            {
                if (border == 0)
                {
                    output.Write(' ');
                }
                else
                {
                    output.Write(rule.Line);
                    output.Write(rule.Middle);
                    output.Write(rule.Line);
                }
            }
        }

        if (border == 2)
        {
            output.Write(rule.Line);
            output.Write(rule.Right);
        }
        else if (border == 1)
        {
            output.Write(rule.Line);
        }

        output.Write('\n');
    }

    private static void WriteHeader(CellLine[][] headers, int[] widths, int border, TextFormat format, TextWriter output)
    {
        int columns = headers.Length;
        int remaining = columns;
        var done = new bool[columns];
        for (int line = 0; remaining > 0; line++)
        {
            if (border == 2)
            {
                output.Write(format.Data.Left);
            }

            for (int j = 0; j < columns; j++)
            {
                if (border != 0 || (!format.WrapRightBorder && j > 0))
                {
                    output.Write(line > 0 ? format.HeaderNewlineLeft : " ");
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

                if (border != 0 || format.WrapRightBorder)
                {
                    output.Write(done[j] ? " " : format.HeaderNewlineRight);
                }

                if (border != 0 && j < columns - 1)
                {
                    output.Write(format.Data.Middle);
                }
            }

            if (border == 2)
            {
                output.Write(format.Data.Right);
            }

            output.Write('\n');
        }
    }

    private sealed class RowState(int columns)
    {
        public readonly int[] Line = new int[columns];
        public readonly int[] Offset = new int[columns];
        public readonly Wrap[] Wrap = new Wrap[columns];
    }

    private static void WriteRow(CellLine[][] row, int[] widths, bool[] rightAligned, int border, TextFormat format, RowState state, TextWriter output, PgEncoding encoding)
    {
        int columns = row.Length;
        Array.Clear(state.Line);
        Array.Clear(state.Offset);
        Array.Clear(state.Wrap);

        bool moreLines = true;
        while (moreLines)
        {
            moreLines = false;
            if (border == 2)
            {
                output.Write(format.Data.Left);
            }

            for (int j = 0; j < columns; j++)
            {
                CellLine[] cell = row[j];
                bool notLast = j < columns - 1;
                bool finalSpaces = border == 2 || notLast;
                if (border != 0)
                {
                    output.Write(state.Wrap[j] switch
                    {
                        Wrap.Wrapped => format.WrapLeft,
                        Wrap.Newline => format.NewlineLeft,
                        _ => " ",
                    });
                }

                int used = widths[j];
                if (state.Line[j] >= cell.Length)
                {
                    if (finalSpaces)
                    {
                        Spaces(output, widths[j]);
                    }
                }
                else
                {
                    string text = cell[state.Line[j]].Text;
                    int start = state.Offset[j];
                    int taken = DisplayWidth.Fit(text, start, widths[j], out used, encoding);
                    used = Math.Min(used, widths[j]);
                    if (rightAligned[j])
                    {
                        Spaces(output, widths[j] - used);
                    }

                    output.Write(text.AsSpan(start, taken));
                    state.Offset[j] += taken;
                    if (state.Offset[j] < text.Length)
                    {
                        moreLines = true;
                    }
                    else
                    {
                        state.Line[j]++;
                        state.Offset[j] = 0;
                        moreLines |= state.Line[j] < cell.Length;
                    }
                }

                Wrap wrap = Wrap.None;
                if (state.Line[j] < cell.Length)
                {
                    if (state.Offset[j] != 0)
                    {
                        wrap = Wrap.Wrapped;
                    }
                    else if (state.Line[j] != 0)
                    {
                        wrap = Wrap.Newline;
                    }
                }

                state.Wrap[j] = wrap;
                if (!rightAligned[j] && (finalSpaces || wrap != Wrap.None))
                {
                    Spaces(output, widths[j] - used);
                }

                if (wrap == Wrap.Wrapped)
                {
                    output.Write(format.WrapRight);
                }
                else if (wrap == Wrap.Newline)
                {
                    output.Write(format.NewlineRight);
                }
                else if (finalSpaces)
                {
                    output.Write(' ');
                }

                if (border != 0 && notLast)
                {
                    // The separator shows whether the next column continues its value on this line.
                    output.Write(
                        state.Wrap[j + 1] == Wrap.Wrapped ? format.MiddleWrap
                        : state.Wrap[j + 1] == Wrap.Newline ? format.MiddleNewline
                        : state.Line[j + 1] >= row[j + 1].Length ? format.MiddleBlank
                        : format.Data.Middle);
                }
            }

            if (border == 2)
            {
                output.Write(format.Data.Right);
            }

            output.Write('\n');
        }
    }
}
