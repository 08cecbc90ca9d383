namespace PgWire.Host.Psql;

/// <summary>
/// psql's expanded aligned layout: one "-[ RECORD n ]-" block per row and a line per column; in the
/// wrapped format values are wrapped to fit the output width.
/// </summary>
internal static class AlignedVertical
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output, bool wrapped)
    {
        int border = options.EffectiveBorder;
        int columns = result.Columns.Count;

        if (columns == 0 || result.Rows.Count == 0)
        {
            if (!options.TuplesOnly && result.FootersWithDefault(options) is { } footers)
            {
                foreach (string footer in footers)
                {
                    output.Write(footer);
                    output.Write('\n');
                }
            }

            output.Write('\n');
            return;
        }

        var headers = new CellLine[columns][];
        int headerWidth = 0;
        bool headerMultiline = false;
        for (int j = 0; j < columns; j++)
        {
            headers[j] = DisplayWidth.Format(result.Columns[j].Name);
            headerMultiline |= headers[j].Length > 1;
            foreach (CellLine line in headers[j])
            {
                headerWidth = Math.Max(headerWidth, line.Width);
            }
        }

        var cells = new CellLine[result.Rows.Count][][];
        int dataWidth = 0;
        bool dataMultiline = false;
        for (int r = 0; r < cells.Length; r++)
        {
            var formatted = new CellLine[columns][];
            for (int j = 0; j < columns; j++)
            {
                formatted[j] = DisplayWidth.Format(ResultPrinter.CellText(result.Rows[r][j], options));
                dataMultiline |= formatted[j].Length > 1;
                foreach (CellLine line in formatted[j])
                {
                    dataWidth = Math.Max(dataWidth, line.Width);
                }
            }

            cells[r] = formatted;
        }

        if (wrapped)
        {
            dataWidth = WrappedDataWidth(
                options, border, result.Rows.Count, headerWidth, dataWidth, headerMultiline, ref dataMultiline);
        }

        if (!options.TuplesOnly && options.Title is not null)
        {
            output.Write(options.Title);
            output.Write('\n');
        }

        for (int r = 0; r < cells.Length; r++)
        {
            if (!options.TuplesOnly)
            {
                WriteRecordLine(border, r + 1, headerWidth, dataWidth, output);
            }
            else if (r != 0 || border == 2)
            {
                WriteRecordLine(border, 0, headerWidth, dataWidth, output);
            }

            for (int j = 0; j < columns; j++)
            {
                WriteField(headers[j], cells[r][j], headerWidth, dataWidth, headerMultiline, dataMultiline, border, output);
            }
        }

        if (border == 2)
        {
            WriteRecordLine(border, 0, headerWidth, dataWidth, output);
        }

        if (!options.TuplesOnly && result.Footers is { Count: > 0 } extra)
        {
            if (border < 2)
            {
                output.Write('\n');
            }

            foreach (string footer in extra)
            {
                output.Write(footer);
                output.Write('\n');
            }
        }

        output.Write('\n');
    }

    /// <summary>
    /// Chooses the data column width for the wrapped format: wide enough for the record header lines,
    /// and narrowed to fit the output width, but never below three columns of data.
    /// </summary>
    private static int WrappedDataWidth(
        PrintOptions options,
        int border,
        int rows,
        int headerWidth,
        int dataWidth,
        bool headerMultiline,
        ref bool dataMultiline)
    {
        int spacing = border switch
        {
            0 => headerMultiline ? 2 : 1,
            1 => 3,
            _ => 7,
        };
        if (dataMultiline && border < 2)
        {
            spacing++;
        }

        int recordWidth = 0;
        if (!options.TuplesOnly)
        {
            recordWidth = rows.ToString(System.Globalization.CultureInfo.InvariantCulture).Length
                + border switch { 0 => 9, 1 => 12, _ => 15 };
        }

        int outputColumns = options.Columns;
        while (true)
        {
            int width = Math.Max(headerWidth + spacing + dataWidth, recordWidth);
            int newWidth;
            if (outputColumns > 0)
            {
                int minWidth = Math.Max(headerWidth + spacing + 3, recordWidth);
                if (outputColumns >= width)
                {
                    newWidth = width - headerWidth - spacing;
                }
                else if (outputColumns < minWidth)
                {
                    newWidth = minWidth - headerWidth - spacing;
                }
                else
                {
                    newWidth = outputColumns - headerWidth - spacing;
                }
            }
            else
            {
                newWidth = width - headerWidth - spacing;
            }

            if (newWidth < dataWidth && !dataMultiline && border < 2)
            {
                dataMultiline = true;
                spacing++;
                continue;
            }

            return newWidth;
        }
    }

    private static void Spaces(TextWriter output, int count)
    {
        for (int i = 0; i < count; i++)
        {
            output.Write(' ');
        }
    }

    private static void WriteRecordLine(int border, long record, int headerWidth, int dataWidth, TextWriter output)
    {
        if (border == 2)
        {
            output.Write("+-");
        }
        else if (border == 1)
        {
            output.Write('-');
        }

        int used = 0;
        if (record > 0)
        {
            string label = border == 0 ? $"* Record {record}" : $"[ RECORD {record} ]";
            output.Write(label);
            used = label.Length;
        }

        if (border != 2)
        {
            used++;
        }

        char fill = border > 0 ? '-' : ' ';
        for (int i = used; i < headerWidth; i++)
        {
            output.Write(fill);
        }

        used -= headerWidth;
        if (border > 0)
        {
            if (used-- <= 0)
            {
                output.Write('-');
            }

            if (used-- <= 0)
            {
                output.Write('+');
            }

            if (used-- <= 0)
            {
                output.Write('-');
            }
        }
        else if (used-- <= 0)
        {
            output.Write(' ');
        }

        if (used < 0)
        {
            used = 0;
        }

        for (int i = used; i < dataWidth; i++)
        {
            output.Write(fill);
        }

        if (border == 2)
        {
            output.Write("-+");
        }

        output.Write('\n');
    }

    private static void WriteField(
        CellLine[] header,
        CellLine[] data,
        int headerWidth,
        int dataWidth,
        bool headerMultiline,
        bool dataMultiline,
        int border,
        TextWriter output)
    {
        int headerLine = 0;
        int dataLine = 0;
        int offset = 0;
        int remaining = data[0].Width;
        bool headerDone = false;
        bool dataDone = false;
        while (!headerDone || !dataDone)
        {
            if (border == 2)
            {
                output.Write('|');
            }

            if (!headerDone)
            {
                if (border == 2)
                {
                    output.Write(' ');
                }

                CellLine text = header[headerLine];
                output.Write(text.Text);
                Spaces(output, headerWidth - text.Width);
                bool marker = border > 0 || headerMultiline;
                if (headerLine + 1 < header.Length)
                {
                    if (marker)
                    {
                        output.Write('+');
                    }

                    headerLine++;
                }
                else
                {
                    if (marker)
                    {
                        output.Write(' ');
                    }

                    headerDone = true;
                }
            }
            else
            {
                int pad = headerWidth + border;
                if (border == 0 && headerMultiline)
                {
                    pad++;
                }

                Spaces(output, Math.Max(pad, 1));
            }

            if (border > 0)
            {
                output.Write('|');
            }

            if (!dataDone)
            {
                output.Write(offset == 0 ? ' ' : '.');
                string text = data[dataLine].Text;
                int taken = DisplayWidth.Fit(text, offset, dataWidth, out int used);
                output.Write(text.AsSpan(offset, taken));
                remaining -= used;
                offset += taken;
                int pad = dataWidth - used;
                if (remaining != 0)
                {
                    if (border > 1 || dataMultiline)
                    {
                        Spaces(output, pad);
                        output.Write('.');
                    }
                }
                else if (dataLine + 1 < data.Length)
                {
                    if (border > 1 || dataMultiline)
                    {
                        Spaces(output, pad);
                        output.Write('+');
                    }

                    dataLine++;
                    offset = 0;
                    remaining = data[dataLine].Width;
                }
                else
                {
                    if (border > 1)
                    {
                        Spaces(output, pad);
                        output.Write(' ');
                    }

                    dataDone = true;
                }

                if (border == 2)
                {
                    output.Write('|');
                }

                output.Write('\n');
            }
            else if (border < 2)
            {
                output.Write('\n');
            }
            else
            {
                Spaces(output, dataWidth + 2);
                output.Write("|\n");
            }
        }
    }
}
