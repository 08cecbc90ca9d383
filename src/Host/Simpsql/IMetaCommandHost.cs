using PgWire.Actors.Connection;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

public interface IMetaCommandHost
{
    PgClient Client { get; }

    PrintOptions Print { get; }

    TextWriter Out { get; }

    TextWriter Err { get; }

    Task<bool> RunQueryAndPrintAsync(string sql, string? title, IReadOnlyList<string>? footers, CancellationToken ct);
}
