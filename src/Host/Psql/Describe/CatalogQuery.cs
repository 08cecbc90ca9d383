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
        var collector = new Collector();
        await host.Client.ExecuteAsync(sql, collector, ct).ConfigureAwait(false);
        if (collector.Error is { } error)
        {
            await host.Err.WriteAsync(FormatError(error)).ConfigureAwait(false);
            return null;
        }

        return new ResultSet(collector.Columns, collector.Rows);
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

    private sealed class Collector : IQueryObserver
    {
        public IReadOnlyList<ResultColumn> Columns { get; private set; } = [];

        public List<string?[]> Rows { get; } = [];

        public PostgresErrorFields? Error { get; private set; }

        public void OnRowDescription(RowDescription description) =>
            Columns = description.Fields.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToList();

        public void OnRow(ReadOnlySpan<byte> dataRow)
        {
            var reader = new DataRowReader(dataRow);
            var row = new string?[reader.ColumnCount];
            int i = 0;
            while (reader.MoveNext(out ReadOnlySpan<byte> value, out bool isNull))
            {
                row[i++] = isNull ? null : Encoding.UTF8.GetString(value);
            }

            Rows.Add(row);
        }

        public void OnCommandComplete(CommandComplete complete)
        {
        }

        public void OnEmptyQuery()
        {
        }

        public void OnError(PostgresErrorFields error) => Error ??= error;

        public void OnNotice(PostgresErrorFields notice)
        {
        }

        public void OnCopyOutStart(CopyResponse response)
        {
        }

        public void OnCopyOutData(ReadOnlySpan<byte> data)
        {
        }

        public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("unexpected COPY FROM STDIN in a catalog query");
    }
}
