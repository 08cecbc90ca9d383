using System.Text;

namespace PgWire.Host.Psql;

/// <summary>
/// <c>\pset numericlocale</c>: numbers in right-aligned columns get thousands separators, as psql prints
/// them in the C locale (groups of three digits separated by commas, a dot before the decimals).
/// </summary>
internal static class NumericLocale
{
    public static ResultSet Apply(ResultSet result)
    {
        int columns = result.Columns.Count;
        var right = new bool[columns];
        bool any = false;
        for (int j = 0; j < columns; j++)
        {
            right[j] = TypeAlignment.IsRightAligned(result.Columns[j].TypeOid);
            any |= right[j];
        }

        if (!any)
        {
            return result;
        }

        var rows = new List<string?[]>(result.Rows.Count);
        foreach (string?[] row in result.Rows)
        {
            var copy = (string?[])row.Clone();
            for (int j = 0; j < columns && j < copy.Length; j++)
            {
                if (right[j] && copy[j] is { } value)
                {
                    copy[j] = Format(value);
                }
            }

            rows.Add(copy);
        }

        return new ResultSet(result.Columns, rows) { CommandTag = result.CommandTag, Footers = result.Footers };
    }

    /// <summary>Groups the integer digits of a number; text that is not made of number characters is kept.</summary>
    public static string Format(string value)
    {
        foreach (char c in value)
        {
            if (!(char.IsAsciiDigit(c) || c is '+' or '-' or '.' or 'e' or 'E'))
            {
                return value;
            }
        }

        int pos = 0;
        var text = new StringBuilder(value.Length + value.Length / 3);
        if (pos < value.Length && value[pos] is '+' or '-')
        {
            text.Append(value[pos++]);
        }

        int digits = 0;
        while (pos + digits < value.Length && char.IsAsciiDigit(value[pos + digits]))
        {
            digits++;
        }

        for (int i = 0; i < digits; i++)
        {
            if (i > 0 && (digits - i) % 3 == 0)
            {
                text.Append(',');
            }

            text.Append(value[pos + i]);
        }

        text.Append(value, pos + digits, value.Length - pos - digits);
        return text.ToString();
    }
}
