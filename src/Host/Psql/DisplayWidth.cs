using System.Globalization;
using System.Text;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Psql;

/// <summary>A single display line of a formatted cell together with its width in terminal columns.</summary>
internal readonly record struct CellLine(string Text, int Width);

/// <summary>
/// Terminal display width of text, following psql's rules: East Asian wide and fullwidth characters take
/// two columns, nonspacing and enclosing marks take none, and control characters are shown escaped.
/// </summary>
internal static partial class DisplayWidth
{
    /// <summary>Width of one code point: -1 for control characters, otherwise 0, 1 or 2.</summary>
    public static int OfCodePoint(int cp)
    {
        if (cp == 0)
        {
            return 0;
        }

        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0x10ffff)
        {
            return -1;
        }

        if (cp < 0x300)
        {
            return 1;
        }

        if (InRanges(ZeroWidthRanges, cp))
        {
            return 0;
        }

        return InRanges(DoubleWidthRanges, cp) ? 2 : 1;
    }

    private static bool InRanges(ReadOnlySpan<int> ranges, int cp)
    {
        int lo = 0;
        int hi = ranges.Length / 2 - 1;
        if (cp < ranges[0] || cp > ranges[^1])
        {
            return false;
        }

        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp > ranges[mid * 2 + 1])
            {
                lo = mid + 1;
            }
            else if (cp < ranges[mid * 2])
            {
                hi = mid - 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Splits a value into display lines the way psql shows it in aligned output: newlines start a new line,
    /// tabs advance to the next multiple of eight, CR is shown as <c>\r</c>, other control characters as
    /// <c>\xHH</c> (ASCII) or <c>\uHHHH</c>.
    /// </summary>
    public static CellLine[] Format(string value) => Format(value, PgEncoding.Utf8);

    /// <summary>
    /// <see cref="Format(string)"/> for text of a client encoding: text of an encoding other than UTF8 is
    /// carried byte for byte, and is measured as psql measures it, a character (of that encoding's length)
    /// at a time, with that encoding's width.
    /// </summary>
    public static CellLine[] Format(string value, PgEncoding encoding)
    {
        if (value.AsSpan().IndexOfAnyExceptInRange((char)0x20, (char)0x7e) < 0)
        {
            return [new CellLine(value, value.Length)];
        }

        if (!encoding.IsUtf8)
        {
            return FormatBytes(value, encoding);
        }

        var lines = new List<CellLine>();
        var sb = new StringBuilder(value.Length + 8);
        int width = 0;
        foreach (Rune rune in value.EnumerateRunes())
        {
            int cp = rune.Value;
            switch (cp)
            {
                case '\n':
                    lines.Add(new CellLine(sb.ToString(), width));
                    sb.Clear();
                    width = 0;
                    continue;
                case '\r':
                    sb.Append("\\r");
                    width += 2;
                    continue;
                case '\t':
                    do
                    {
                        sb.Append(' ');
                        width++;
                    }
                    while (width % 8 != 0);
                    continue;
            }

            int w = OfCodePoint(cp);
            if (w < 0)
            {
                if (cp < 0x80)
                {
                    sb.Append("\\x").Append(cp.ToString("X2", CultureInfo.InvariantCulture));
                    width += 4;
                }
                else
                {
                    sb.Append("\\u").Append(cp.ToString("X4", CultureInfo.InvariantCulture));
                    width += 6;
                }
            }
            else
            {
                sb.Append(rune.ToString());
                width += w;
            }
        }

        lines.Add(new CellLine(sb.ToString(), width));
        return [.. lines];
    }

    private static CellLine[] FormatBytes(string value, PgEncoding encoding)
    {
        var lines = new List<CellLine>();
        var sb = new StringBuilder(value.Length + 8);
        int width = 0;
        for (int i = 0; i < value.Length;)
        {
            byte b = (byte)value[i];
            int length = encoding.CharLength(b, i + 1 < value.Length ? (byte)value[i + 1] : (byte)0);
            if (i + length > value.Length)
            {
                // As psql: an incomplete last character is left out.
                break;
            }

            int w = encoding.CharWidth(b);
            if (length == 1)
            {
                switch (b)
                {
                    case (byte)'\n':
                        lines.Add(new CellLine(sb.ToString(), width));
                        sb.Clear();
                        width = 0;
                        break;
                    case (byte)'\r':
                        sb.Append("\\r");
                        width += 2;
                        break;
                    case (byte)'\t':
                        do
                        {
                            sb.Append(' ');
                            width++;
                        }
                        while (width % 8 != 0);
                        break;
                    default:
                        if (w < 0)
                        {
                            sb.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
                            width += 4;
                        }
                        else
                        {
                            sb.Append(value[i]);
                            width += w;
                        }

                        break;
                }
            }
            else
            {
                sb.Append(value, i, length);
                width += Math.Max(w, 0);
            }

            i += length;
        }

        lines.Add(new CellLine(sb.ToString(), width));
        return [.. lines];
    }

    /// <summary>
    /// Measures how much of an already formatted line, starting at <paramref name="start"/>, fits in
    /// <paramref name="maxWidth"/> columns. At least one character is always taken.
    /// </summary>
    /// <returns>The number of UTF-16 code units taken; <paramref name="width"/> receives their display width.</returns>
    public static int Fit(string text, int start, int maxWidth, out int width) => Fit(text, start, maxWidth, out width, PgEncoding.Utf8);

    /// <summary><see cref="Fit(string, int, int, out int)"/> for text of a client encoding (see <see cref="Format(string, PgEncoding)"/>).</summary>
    public static int Fit(string text, int start, int maxWidth, out int width, PgEncoding encoding)
    {
        if (!encoding.IsUtf8)
        {
            return FitBytes(text, start, maxWidth, out width, encoding);
        }

        int index = start;
        width = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out Rune rune, out int consumed);
            int w = Math.Max(OfCodePoint(rune.Value), 0);
            if (maxWidth < width + w && width != 0)
            {
                break;
            }

            width += w;
            index += consumed;
        }

        return index - start;
    }

    private static int FitBytes(string text, int start, int maxWidth, out int width, PgEncoding encoding)
    {
        int index = start;
        width = 0;
        while (index < text.Length)
        {
            byte b = (byte)text[index];
            int length = Math.Min(encoding.CharLength(b, index + 1 < text.Length ? (byte)text[index + 1] : (byte)0), text.Length - index);
            int w = Math.Max(encoding.CharWidth(b), 0);
            if (maxWidth < width + w && width != 0)
            {
                break;
            }

            width += w;
            index += length;
        }

        return index - start;
    }

    /// <summary>Display width of the widest line of a value.</summary>
    public static int Of(string value) => Of(value, PgEncoding.Utf8);

    /// <summary>Display width of the widest line of a value of a client encoding.</summary>
    public static int Of(string value, PgEncoding encoding)
    {
        int max = 0;
        foreach (CellLine line in Format(value, encoding))
        {
            max = Math.Max(max, line.Width);
        }

        return max;
    }
}
