using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>\sf[+] and \sv[+]: a function's or a view's definition as a CREATE command, optionally with line numbers.</summary>
internal sealed partial class SimpsqlSession
{
    private async Task<MetaOutcome> ShowDefinitionAsync(string cmd, QueryScanner scanner)
    {
        bool function = cmd.StartsWith("sf", StringComparison.Ordinal);
        bool numbered = cmd.EndsWith('+');
        string name = scanner.ReadRestOfLine().Trim();
        if (name.Length == 0)
        {
            LogError(function ? "function name is required" : "view name is required", false);
            return MetaOutcome.Error;
        }

        string? text = await DefinitionAsync(function, name).ConfigureAwait(false);
        if (text is null)
        {
            return MetaOutcome.Error;
        }

        // As psql: on standard output through the pager when it is tall enough, else where \o sends output.
        using var pager = _redirect is null ? PageOutput(CountLines(text), Print) : null;
        var output = pager?.Text ?? OutText;
        if (numbered)
        {
            WriteNumbered(text, function, output);
        }
        else
        {
            output.Write(text);
            if (!text.EndsWith('\n'))
            {
                output.Write('\n');
            }
        }

        return MetaOutcome.Ok;
    }

    /// <summary>
    /// A function's (pg_get_functiondef) or a view's (CREATE OR REPLACE VIEW) definition, found by name as psql
    /// finds it; null, with the error reported, when there is none.
    /// </summary>
    /// <param name="partial">
    /// Receives what psql 15 leaves in the query buffer for a relation that is not a view: the text after the
    /// CREATE command's first words.
    /// </param>
    private async Task<string?> DefinitionAsync(bool function, string name, StringBuilder? partial = null)
    {
        string literal = "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
        string lookup = function
            ? $"SELECT {literal}::pg_catalog.{(name.Contains('(', StringComparison.Ordinal) ? "regprocedure" : "regproc")}::pg_catalog.oid"
            : $"SELECT {literal}::pg_catalog.regclass::pg_catalog.oid";
        ResultSet? oid = await QueryDefinitionAsync(lookup, Cancellation).ConfigureAwait(false);
        if (oid is null || oid.Rows.Count != 1 || oid.Rows[0][0] is not { } id)
        {
            return null;
        }

        return function ? await FunctionDefinitionAsync(id).ConfigureAwait(false) : await ViewDefinitionAsync(id, partial).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a catalog query; on error reports only the server's severity and message, as psql does
    /// here. The query is one of the command's own (ECHO_HIDDEN shows it) unless <paramref name="hidden"/>
    /// is false (a query libpq runs itself in psql).
    /// </summary>
    private async Task<ResultSet?> QueryDefinitionAsync(string sql, CancellationToken ct, bool hidden = true)
    {
        if (hidden && !ShowHiddenQuery(sql))
        {
            return null;
        }

        var collector = new TextRowsObserver(Codec.Decoding);
        await Client.ExecuteAsync(sql, collector, ct).ConfigureAwait(false);
        if (collector.Error is { } error)
        {
            LogError($"{error.Severity}:  {error.Message}", false);
            return null;
        }

        return new ResultSet(collector.Columns.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToList(), collector.Rows);
    }

    private async Task<string?> FunctionDefinitionAsync(string oid)
    {
        ResultSet? def = await QueryDefinitionAsync($"SELECT pg_catalog.pg_get_functiondef({oid})", Cancellation).ConfigureAwait(false);
        return def?.Rows.Count == 1 ? def.Rows[0][0] ?? "" : null;
    }

    /// <summary>
    /// pg_get_viewdef gives only the query: the CREATE command around it is built here, with the view's
    /// qualified name, its storage options and its check option.
    /// </summary>
    private async Task<string?> ViewDefinitionAsync(string oid, StringBuilder? partial)
    {
        string sql =
            "SELECT nspname, relname, relkind, pg_catalog.pg_get_viewdef(c.oid, true), " +
            "pg_catalog.array_remove(pg_catalog.array_remove(c.reloptions,'check_option=local'),'check_option=cascaded') AS reloptions, " +
            "CASE WHEN 'check_option=local' = ANY (c.reloptions) THEN 'LOCAL'::text " +
            "WHEN 'check_option=cascaded' = ANY (c.reloptions) THEN 'CASCADED'::text ELSE NULL END AS checkoption " +
            $"FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid WHERE c.oid = {oid}";
        ResultSet? result = await QueryDefinitionAsync(sql, Cancellation).ConfigureAwait(false);
        if (result is null || result.Rows.Count != 1)
        {
            return null;
        }

        string?[] row = result.Rows[0];
        string schema = row[0] ?? "";
        string relation = row[1] ?? "";
        // As psql 15, a materialized view is not a view here (it cannot be created "OR REPLACE").
        bool view = row[2] == "v";
        if (!view)
        {
            LogError($"\"{schema}.{relation}\" is not a view", false);
        }

        var text = new StringBuilder(view ? "CREATE OR REPLACE VIEW " : "");

        text.Append(QuoteIdentifier(schema)).Append('.').Append(QuoteIdentifier(relation));
        if (row[4] is { Length: > 2 } options)
        {
            text.Append("\n WITH (");
            bool first = true;
            foreach (string option in ParseTextArray(options))
            {
                int eq = option.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? option : option[..eq];
                string value = eq < 0 ? "" : option[(eq + 1)..];
                text.Append(first ? "" : ", ").Append(QuoteIdentifier(key)).Append("='")
                    .Append(value.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                first = false;
            }

            text.Append(')');
        }

        text.Append(" AS\n").Append(row[3]);
        if (text.Length > 0 && text[^1] == ';')
        {
            text.Length--;
        }

        if (row[5] is { Length: > 0 } check)
        {
            text.Append("\n WITH ").Append(check).Append(" CHECK OPTION");
        }

        if (!view)
        {
            partial?.Append(text);
            return null;
        }

        return text.ToString();
    }

    /// <summary>
    /// Line numbers as psql prints them: a function's lines before its body ("AS ...", "BEGIN ..." or
    /// "RETURN ...") are indented instead of numbered.
    /// </summary>
    private static void WriteNumbered(string text, bool function, TextWriter output)
    {
        bool header = function;
        int number = 0;
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            string line = end < 0 ? text[start..] : text[start..end];
            if (header && (line.StartsWith("AS ", StringComparison.Ordinal) || line.StartsWith("BEGIN ", StringComparison.Ordinal)
                || line.StartsWith("RETURN ", StringComparison.Ordinal)))
            {
                header = false;
            }

            if (header)
            {
                output.Write("        ");
            }
            else
            {
                number++;
                output.Write(number.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(7));
                output.Write(' ');
            }

            output.Write(line);
            output.Write('\n');
            if (end < 0)
            {
                break;
            }

            start = end + 1;
        }
    }

    /// <summary>An identifier as SQL needs it: in double quotes unless it is lower case letters, digits and underscores.</summary>
    private static string QuoteIdentifier(string name)
    {
        bool plain = name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
        return plain ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The elements of a one-dimensional text array in PostgreSQL's text form.</summary>
    private static List<string> ParseTextArray(string array)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 1; i < array.Length - 1; i++)
        {
            char c = array[i];
            if (quoted && c == '\\' && i + 1 < array.Length - 1)
            {
                current.Append(array[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                items.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        items.Add(current.ToString());
        return items;
    }
}
