using System.Globalization;
using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>
/// \crosstabview's pivot: the distinct values of one column become the rows, those of another the columns,
/// and a third column's values fill the cells where they meet.
/// </summary>
internal static class CrosstabView
{
    /// <summary>psql refuses a crosstab wider than a table may be.</summary>
    private const int MaxColumns = 1600;

    /// <summary>
    /// Pivots <paramref name="result"/> by the column specifications (number from 1, or name as an
    /// identifier, quoted or folded to lower case): vertical header, horizontal header, data, and the
    /// column whose integer values order the horizontal header. Cells without a value are empty; a null
    /// horizontal header value is shown as <paramref name="nullDisplay"/>. Null with psql's message on error.
    /// </summary>
    public static ResultSet? Pivot(ResultSet result, IReadOnlyList<string> args, string nullDisplay, out string? error)
    {
        int columns = result.Columns.Count;
        error = null;
        if (columns < 3)
        {
            error = "\\crosstabview: query must return at least three columns";
            return null;
        }

        int vertical = 0;
        int horizontal = 1;
        int data;
        int sort = -1;
        if (args.Count > 0 && !TryFind(result, args[0], out vertical, out error))
        {
            return null;
        }

        if (args.Count > 1 && !TryFind(result, args[1], out horizontal, out error))
        {
            return null;
        }

        if (horizontal == vertical)
        {
            error = "\\crosstabview: vertical and horizontal headers must be different columns";
            return null;
        }

        if (args.Count > 2)
        {
            if (!TryFind(result, args[2], out data, out error))
            {
                return null;
            }
        }
        else if (columns != 3)
        {
            error = "\\crosstabview: data column must be specified when query returns more than three columns";
            return null;
        }
        else
        {
            // The one column that is neither header.
            data = 3 - vertical - horizontal;
        }

        if (args.Count > 3 && !TryFind(result, args[3], out sort, out error))
        {
            return null;
        }

        var rowIndex = new Dictionary<Key, int>();
        var columnIndex = new Dictionary<Key, int>();
        var rowValues = new List<string?>();
        var columnValues = new List<(string? Value, long Sort)>();
        foreach (string?[] row in result.Rows)
        {
            var v = new Key(row[vertical]);
            if (!rowIndex.ContainsKey(v))
            {
                rowIndex[v] = rowValues.Count;
                rowValues.Add(row[vertical]);
            }

            var h = new Key(row[horizontal]);
            if (!columnIndex.ContainsKey(h))
            {
                if (columnValues.Count >= MaxColumns)
                {
                    error = $"\\crosstabview: maximum number of columns ({MaxColumns}) exceeded";
                    return null;
                }

                columnIndex[h] = columnValues.Count;
                long rank = sort >= 0 && row[sort] is { } s ? ParseLong(s) : 0;
                columnValues.Add((row[horizontal], rank));
            }
        }

        // The horizontal header in order of first appearance, or by the sort column's values.
        int[] order = [.. Enumerable.Range(0, columnValues.Count)];
        if (sort >= 0)
        {
            order = [.. order.OrderBy(i => columnValues[i].Sort)];
        }

        var position = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            position[order[i]] = i;
        }

        var cells = new string?[rowValues.Count][];
        var filled = new bool[rowValues.Count, order.Length];
        for (int r = 0; r < rowValues.Count; r++)
        {
            cells[r] = new string?[order.Length + 1];
            cells[r][0] = rowValues[r];
            for (int c = 1; c <= order.Length; c++)
            {
                cells[r][c] = "";
            }
        }

        foreach (string?[] row in result.Rows)
        {
            int r = rowIndex[new Key(row[vertical])];
            int c = position[columnIndex[new Key(row[horizontal])]];
            if (filled[r, c])
            {
                error = $"\\crosstabview: query result contains multiple data values for row \"{row[vertical] ?? nullDisplay}\", column \"{row[horizontal] ?? nullDisplay}\"";
                return null;
            }

            filled[r, c] = true;
            cells[r][c + 1] = row[data];
        }

        var header = new List<ResultColumn>(order.Length + 1) { result.Columns[vertical] };
        uint dataType = result.Columns[data].TypeOid;
        foreach (int i in order)
        {
            header.Add(new ResultColumn(columnValues[i].Value ?? nullDisplay, dataType));
        }

        return new ResultSet(header, [.. cells]);
    }

    private static long ParseLong(string value) =>
        long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : 0;

    /// <summary>Finds a column by number or by name; a name is an identifier: quoted, or folded to lower case.</summary>
    private static bool TryFind(ResultSet result, string arg, out int column, out string? error)
    {
        int columns = result.Columns.Count;
        error = null;
        column = -1;
        if (arg.Length > 0 && arg.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > columns)
            {
                error = $"\\crosstabview: column number {arg.TrimStart('0')} is out of range 1..{columns}";
                return false;
            }

            column = n - 1;
            return true;
        }

        string name = Identifier(arg);
        for (int j = 0; j < columns; j++)
        {
            if (result.Columns[j].Name == name)
            {
                if (column >= 0)
                {
                    error = $"\\crosstabview: ambiguous column name: \"{name}\"";
                    return false;
                }

                column = j;
            }
        }

        if (column < 0)
        {
            error = $"\\crosstabview: column name not found: \"{name}\"";
            return false;
        }

        return true;
    }

    /// <summary>Removes double quotes (a doubled one stands for itself) and folds unquoted letters to lower case.</summary>
    private static string Identifier(string arg)
    {
        var text = new StringBuilder(arg.Length);
        bool quoted = false;
        for (int i = 0; i < arg.Length; i++)
        {
            char c = arg[i];
            if (c == '"')
            {
                if (quoted && i + 1 < arg.Length && arg[i + 1] == '"')
                {
                    text.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else
            {
                text.Append(quoted ? c : char.ToLowerInvariant(c));
            }
        }

        return text.ToString();
    }

    /// <summary>A cell value as a dictionary key: null differs from every string, the empty one included.</summary>
    private readonly record struct Key(string? Value);
}
