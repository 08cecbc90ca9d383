namespace PgWire.Host.Psql;

/// <summary>psql's expanded aligned layout: one "-[ RECORD n ]-" block per row, a line per column.</summary>
internal static class AlignedVertical
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output)
    {
        int border = options.EffectiveBorder;
        int columns = result.Columns.Count;

        if (columns == 0 || result.Rows.Count == 0)
        {
            if (!options.TuplesOnly && options.Footer)
            {
                output.Write(PrintOptions.DefaultFooter(result.Rows.Count));
                output.Write('\n');
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

        output.Write('\n');
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
                output.Write(' ');
                CellLine text = data[dataLine];
                output.Write(text.Text);
                int pad = dataWidth - text.Width;
                if (dataLine + 1 < data.Length)
                {
                    if (border > 1 || dataMultiline)
                    {
                        Spaces(output, pad);
                        output.Write('+');
                    }

                    dataLine++;
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
