namespace PgWire.Host.Psql;

/// <summary>A result column: its name and the OID of its type.</summary>
public sealed record ResultColumn(string Name, uint TypeOid);

/// <summary>A complete query result with values in the server's text format; null is SQL NULL.</summary>
public sealed class ResultSet
{
    public ResultSet()
    {
    }

    public ResultSet(IReadOnlyList<ResultColumn> columns)
    {
        Columns = columns;
    }

    public ResultSet(IReadOnlyList<ResultColumn> columns, List<string?[]> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<ResultColumn> Columns { get; set; } = [];

    /// <summary>Rows, each holding one value per column.</summary>
    public List<string?[]> Rows { get; set; } = [];

    public string? CommandTag { get; set; }

    /// <summary>
    /// Footer lines printed below the table, as psql's describe commands add them ("Indexes:", ...).
    /// When set, they replace the default "(N rows)" footer.
    /// </summary>
    public IReadOnlyList<string>? Footers { get; set; }

    /// <summary>The footer lines to print: <see cref="Footers"/>, else the default footer when enabled.</summary>
    internal IReadOnlyList<string>? FootersWithDefault(PrintOptions options) =>
        Footers ?? (options.Footer ? [PrintOptions.DefaultFooter(Rows.Count + options.PriorRecords)] : null);
}
