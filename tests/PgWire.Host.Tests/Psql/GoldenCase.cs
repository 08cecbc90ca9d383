namespace PgWire.Host.Tests.Psql;

using PgWire.Host.Psql;

/// <summary>A result, the options it was printed with, and psql 15's exact output for it.</summary>
public sealed record GoldenCase(
    string Name,
    ResultColumn[] Columns,
    string?[][] Rows,
    PrintOptions Options,
    string Expected)
{
    public ResultSet ToResultSet() => new(Columns, [.. Rows]);

    public override string ToString() => Name;
}
