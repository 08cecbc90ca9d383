using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Simpsql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Psql.Describe;

/// <summary>Runs a catalog query and collects its rows as text, reporting errors the way psql does.</summary>
internal static class CatalogQuery
{
    /// <summary>The result, or null after printing the server's error to the host's error stream.</summary>
    public static async Task<ResultSet?> RunAsync(IMetaCommandHost host, string sql, CancellationToken ct)
    {
        if (!host.ShowHiddenQuery(sql))
        {
            return null;
        }

        var collector = new TextRowsObserver(host.Print.Codec.Decoding);
        await host.Client.ExecuteAsync(sql, collector, ct).ConfigureAwait(false);
        if (collector.Error is { } error)
        {
            host.ReportError(FormatError(error), isServerMessage: true);
            return null;
        }

        return new ResultSet(collector.Columns.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToList(), collector.Rows);
    }

    private static string FormatError(PostgresErrorFields error)
    {
        var text = new StringBuilder();
        text.Append(error.Severity).Append(":  ").Append(error.Message).Append('\n');
        if (error.Detail is { } detail)
        {
            text.Append("DETAIL:  ").Append(detail).Append('\n');
        }

        if (error.Hint is { } hint)
        {
            text.Append("HINT:  ").Append(hint).Append('\n');
        }

        return text.ToString();
    }
}
