using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>\crosstabview: runs the query buffer and prints its result pivoted.</summary>
internal sealed partial class SimpsqlSession
{
    private async Task<MetaOutcome> CrosstabCommandAsync(QueryScanner scanner, StringBuilder buffer)
    {
        List<string> args = SplitRawArguments(scanner.ReadRestOfLine());
        string sql = buffer.ToString();
        buffer.Clear();
        scanner.Reset();
        if (sql.Length == 0)
        {
            sql = PreviousBuffer;
        }

        if (sql.Length == 0)
        {
            return MetaOutcome.Ok;
        }

        bool pivoted = true;
        var observer = new ResultObserver(this, sql)
        {
            ResultHandler = result =>
            {
                ResultSet? table = CrosstabView.Pivot(result, args, Print.NullDisplay, out string? error);
                if (table is null)
                {
                    LogError(error!, false);
                    pivoted = false;
                    return;
                }

                PrintResult(table, Print);
            },
        };
        _previousBuffer = sql;
        LogQuery(sql);
        bool ok = await ExecuteAsync(sql, observer, Cancellation).ConfigureAwait(false) && pivoted;
        if (!ok)
        {
            AnyError = true;
        }

        return ok ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    /// <summary>Splits at blanks outside double quotes, keeping the quotes: they decide how a name is matched.</summary>
    private static List<string> SplitRawArguments(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    args.Add(current.ToString());
                    current.Clear();
                }

                continue;
            }

            if (c == '"')
            {
                quoted = !quoted;
            }

            current.Append(c);
        }

        if (current.Length > 0)
        {
            args.Add(current.ToString());
        }

        return args;
    }
}
