using System.Globalization;
using System.Text;

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
    public static CellLine[] Format(string value)
    {
        if (value.AsSpan().IndexOfAnyExceptInRange((char)0x20, (char)0x7e) < 0)
        {
            return [new CellLine(value, value.Length)];
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

    /// <summary>
    /// Measures how much of an already formatted line, starting at <paramref name="start"/>, fits in
    /// <paramref name="maxWidth"/> columns. At least one character is always taken.
    /// </summary>
    /// <returns>The number of UTF-16 code units taken; <paramref name="width"/> receives their display width.</returns>
    public static int Fit(string text, int start, int maxWidth, out int width)
    {
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

    /// <summary>Display width of the widest line of a value.</summary>
    public static int Of(string value)
    {
        int max = 0;
        foreach (CellLine line in Format(value))
        {
            max = Math.Max(max, line.Width);
        }

        return max;
    }
}
