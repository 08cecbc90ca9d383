using PgWire.Protocol.Settings;
namespace PgWire.Host.Psql;

/// <summary>
/// psql's expanded aligned layout: one "-[ RECORD n ]-" block per row and a line per column; in the
/// wrapped format values are wrapped to fit the output width.
/// </summary>
internal static class AlignedVertical
{
    public static void Print(ResultSet result, PrintOptions options, TextWriter output, bool wrapped, PagerRequest? pager = null)
    {
        int border = options.EffectiveBorder;
        TextFormat format = TextFormat.For(options);
        int columns = result.Columns.Count;

        if ((columns == 0 || result.Rows.Count == 0) && options.StartTable && options.StopTable)
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

        if (pager is not null)
        {
            output = pager(ResultPrinter.VerticalPagerLines(result, options)) ?? output;
        }

        var headers = new CellLine[columns][];
        int headerWidth = 0;
        bool headerMultiline = false;
        for (int j = 0; j < columns; j++)
        {
            headers[j] = DisplayWidth.Format(result.Columns[j].Name, options.Codec.Encoding);
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
                formatted[j] = DisplayWidth.Format(ResultPrinter.CellText(result.Rows[r][j], options), options.Codec.Encoding);
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
                options, border, format.IsOldAscii, result.Rows.Count, headerWidth, dataWidth, headerMultiline, ref dataMultiline);
        }

        if (!options.TuplesOnly && options.Title is not null && options.StartTable)
        {
            output.Write(options.Title);
            output.Write('\n');
        }

        // old-ascii marks a header's newlines left of it, in one more column.
        int recordHeaderWidth = format.IsOldAscii && border < 2 && headerMultiline ? headerWidth + 1 : headerWidth;
        for (int r = 0; r < cells.Length; r++)
        {
            TableRule rule = r == 0 ? format.Top : format.Middle;
            if (!options.TuplesOnly)
            {
                WriteRecordLine(border, rule, r + 1 + options.PriorRecords, recordHeaderWidth, dataWidth, output);
            }
            else if (r != 0 || !options.StartTable || border == 2)
            {
                WriteRecordLine(border, rule, 0, recordHeaderWidth, dataWidth, output);
            }

            for (int j = 0; j < columns; j++)
            {
                WriteField(headers[j], cells[r][j], headerWidth, dataWidth, headerMultiline, dataMultiline, border, format, output, options.Codec.Encoding);
            }
        }

        if (!options.StopTable)
        {
            return;
        }

        if (border == 2)
        {
            WriteRecordLine(border, format.Bottom, 0, recordHeaderWidth, dataWidth, output);
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
        bool oldAscii,
        int rows,
        int headerWidth,
        int dataWidth,
        bool headerMultiline,
        ref bool dataMultiline)
    {
        int spacing = border switch
        {
            0 => headerMultiline && !oldAscii ? 2 : 1,
            1 => 3,
            _ => 7,
        };
        if (border < 2 && (oldAscii ? headerMultiline : dataMultiline))
        {
            spacing++;
        }

        int recordWidth = 0;
        if (!options.TuplesOnly)
        {
            // The digits of the batch's row count (none for an empty last batch of a result fetched in parts).
            recordWidth = (rows > 0 ? rows.ToString(System.Globalization.CultureInfo.InvariantCulture).Length : 0)
                + border switch { 0 => 9, 1 => 12, _ => 15 };
        }

        int outputColumns = options.OutputColumns;
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
                if (!oldAscii)
                {
                    spacing++;
                    continue;
                }
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

    private static void Repeat(TextWriter output, string text, int count)
    {
        for (int i = 0; i < count; i++)
        {
            output.Write(text);
        }
    }

    private static void WriteRecordLine(int border, TableRule rule, long record, int headerWidth, int dataWidth, TextWriter output)
    {
        if (border == 2)
        {
            output.Write(rule.Left);
            output.Write(rule.Line);
        }
        else if (border == 1)
        {
            output.Write(rule.Line);
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

        string fill = border > 0 ? rule.Line : " ";
        Repeat(output, fill, headerWidth - used);
        used -= headerWidth;
        if (border > 0)
        {
            if (used-- <= 0)
            {
                output.Write(rule.Line);
            }

            if (used-- <= 0)
            {
                output.Write(rule.Middle);
            }

            if (used-- <= 0)
            {
                output.Write(rule.Line);
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

        Repeat(output, fill, dataWidth - used);
        if (border == 2)
        {
            output.Write(rule.Line);
            output.Write(rule.Right);
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
        TextFormat format,
        TextWriter output,
        PgEncoding encoding)
    {
        int headerLine = 0;
        int dataLine = 0;
        int offset = 0;
        int remaining = data[0].Width;
        bool headerDone = false;
        bool dataDone = false;
        bool oldAscii = format.IsOldAscii;
        while (!headerDone || !dataDone)
        {
            if (border == 2)
            {
                output.Write(format.Data.Left);
            }

            if (!headerDone)
            {
                if (border == 2 || (headerMultiline && oldAscii))
                {
                    output.Write(headerLine > 0 ? format.HeaderNewlineLeft : " ");
                }

                CellLine text = header[headerLine];
                output.Write(text.Text);
                Spaces(output, headerWidth - text.Width);
                bool marker = border > 0 || (headerMultiline && !oldAscii);
                if (headerLine + 1 < header.Length)
                {
                    if (marker)
                    {
                        output.Write(format.HeaderNewlineRight);
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
                if (border < 2 && headerMultiline && oldAscii)
                {
                    pad++;
                }

                if (border == 0 && headerMultiline && !oldAscii)
                {
                    pad++;
                }

                Spaces(output, Math.Max(pad, 1));
            }

            if (border > 0)
            {
                output.Write(offset != 0 ? format.MiddleWrap : dataLine == 0 ? format.Data.Middle : format.MiddleNewline);
            }

            if (!dataDone)
            {
                if (offset == 0)
                {
                    output.Write(' ');
                }
                else
                {
                    output.Write(format.WrapLeft);
                }

                string text = data[dataLine].Text;
                int taken = DisplayWidth.Fit(text, offset, dataWidth, out int used, encoding);
                output.Write(text.AsSpan(offset, taken));
                remaining -= used;
                offset += taken;
                int pad = dataWidth - used;
                bool markers = border > 1 || (dataMultiline && !oldAscii);
                if (remaining != 0)
                {
                    if (markers)
                    {
                        Spaces(output, pad);
                        output.Write(format.WrapRight);
                    }
                }
                else if (dataLine + 1 < data.Length)
                {
                    if (markers)
                    {
                        Spaces(output, pad);
                        output.Write(format.NewlineRight);
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
                    output.Write(format.Data.Right);
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
                output.Write(format.Data.Right);
                output.Write('\n');
            }
        }
    }
}
