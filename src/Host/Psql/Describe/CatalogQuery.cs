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
        return ResultOf(host, collector);
    }

    /// <summary>The rows a query gave, or null after printing its error.</summary>
    private static ResultSet? ResultOf(IMetaCommandHost host, TextRowsObserver collector)
    {
        if (collector.Error is { } error)
        {
            host.ReportError(FormatError(error), isServerMessage: true);
            return null;
        }

        return new ResultSet(collector.Columns.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToList(), collector.Rows);
    }

    /// <summary>
    /// Runs catalog queries none of whose texts depends on another's result, handing each result to
    /// its step in order; a step without a query only runs its action, in its place. False after
    /// printing the first error (the steps after it are not run), as one query after the other would
    /// end. Unless hidden queries are shown one at a time (ECHO_HIDDEN), all are written to the server
    /// at once, so it runs them back to back instead of waiting a round trip for each; the results of
    /// those after an error are read and dropped.
    /// </summary>
    public static async Task<bool> RunStepsAsync(IMetaCommandHost host, IReadOnlyList<CatalogStep> steps, CancellationToken ct)
    {
        int queries = steps.Count(s => s.Sql is not null);
        if (queries < 2 || host.EchoesHiddenQueries)
        {
            foreach (var step in steps)
            {
                ResultSet? result = null;
                if (step.Sql is { } sql && (result = await RunAsync(host, sql, ct).ConfigureAwait(false)) is null)
                {
                    return false;
                }

                step.Then(result);
            }

            return true;
        }

        foreach (var step in steps)
        {
            if (step.Sql is { } sql)
            {
                host.Client.WritePipelined(sql);
            }
        }

        int unread = queries;
        try
        {
            foreach (var step in steps)
            {
                if (step.Sql is null)
                {
                    step.Then(null);
                    continue;
                }

                var collector = new TextRowsObserver(host.Print.Codec.Decoding);
                unread--;
                await host.Client.ReadPipelinedAsync(collector, ct).ConfigureAwait(false);
                if (ResultOf(host, collector) is not { } result)
                {
                    return false;
                }

                step.Then(result);
            }

            return true;
        }
        finally
        {
            // Whatever ended the steps early (an error, a cancel), the connection is put back in step.
            for (; unread > 0; unread--)
            {
                try
                {
                    await host.Client.ReadPipelinedAsync(new DiscardingObserver(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PgConnectionException or OperationCanceledException)
                {
                    break;
                }
            }
        }
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

/// <summary>
/// One catalog query of a meta-command and what to do with its result; without a query, only
/// <paramref name="Then"/> (called with null), in its place among the others.
/// </summary>
internal sealed record CatalogStep(string? Sql, Action<ResultSet?> Then)
{
    public static CatalogStep Query(string sql, Action<ResultSet> then) => new(sql, r => then(r!));

    public static CatalogStep Do(Action then) => new(null, _ => then());
}
