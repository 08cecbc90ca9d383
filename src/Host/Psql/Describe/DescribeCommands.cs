using System.Globalization;
using System.Text;
using PgWire.Host.Simpsql;

namespace PgWire.Host.Psql.Describe;

/// <summary>
/// psql's describe meta-commands (<c>\d</c> and its listing variants, <c>\dn</c>, <c>\df</c>,
/// <c>\du</c>/<c>\dg</c>, <c>\l</c>), producing the same output as psql 15.
/// </summary>
public static partial class DescribeCommands
{
    internal const uint TextOid = 25;

    private const string RelkindCase =
        "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' " +
        "WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' " +
        "WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END";

    private const string ExcludeSystemSchemas =
        " AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'";

    /// <summary>
    /// Runs <paramref name="command"/> (a meta-command name without the backslash) with the rest of the
    /// line in <paramref name="args"/>. Returns null when the command is not a describe command, otherwise
    /// whether it succeeded (errors are already written to the host's error stream).
    /// </summary>
    public static async Task<bool?> TryRunAsync(string command, string args, IMetaCommandHost host, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(host);

        if (command.Length == 0)
        {
            return null;
        }

        string? pattern = FirstArgument(args ?? "");
        if (command == "z")
        {
            // \z is psql's other name for \dp.
            return await TryRunListingAsync(command, "p", args ?? "", false, false, host, ct).ConfigureAwait(false);
        }

        if (command is "lo_list" or "lo_list+")
        {
            // \lo_list is \dl: the large objects, whatever the argument.
            return await ListLargeObjectsAsync(command.EndsWith('+'), host, ct).ConfigureAwait(false);
        }

        if (command[0] == 'l')
        {
            string rest = command[1..];
            if (rest.Length > 0 && rest != "+")
            {
                return null;
            }

            return await ListDatabasesAsync(pattern, rest == "+", host, ct).ConfigureAwait(false);
        }

        if (command[0] != 'd')
        {
            return null;
        }

        bool verbose = false;
        bool system = false;
        var letters = new StringBuilder();
        foreach (char ch in command.AsSpan(1))
        {
            switch (ch)
            {
                case '+':
                    verbose = true;
                    break;
                case 'S':
                    system = true;
                    break;
                default:
                    letters.Append(ch);
                    break;
            }
        }

        string kinds = letters.ToString();
        if (kinds.Length == 0)
        {
            return pattern is null
                ? await ListRelationsAsync("tvmsE", null, verbose, system, host, ct).ConfigureAwait(false)
                : await TableDescriber.DescribeAsync(pattern, verbose, system, host, ct).ConfigureAwait(false);
        }

        if (kinds.All(k => "tivmsE".Contains(k, StringComparison.Ordinal)))
        {
            return await ListRelationsAsync(kinds, pattern, verbose, system, host, ct).ConfigureAwait(false);
        }

        if (kinds[0] == 'f' && kinds[1..].All(k => "anptw".Contains(k, StringComparison.Ordinal)))
        {
            return await ListFunctionsAsync(kinds[1..], Arguments(args ?? ""), verbose, system, host, ct).ConfigureAwait(false);
        }

        if (await TryRunListingAsync(command, kinds, args ?? "", verbose, system, host, ct).ConfigureAwait(false) is { } listed)
        {
            return listed;
        }

        return kinds switch
        {
            "n" => await ListSchemasAsync(pattern, verbose, system, host, ct).ConfigureAwait(false),
            "u" or "g" => await ListRolesAsync(pattern, verbose, system, host, ct).ConfigureAwait(false),
            _ => null,
        };
    }

    /// <summary>
    /// The first argument of a meta-command line, split at unquoted whitespace; double quotes are kept
    /// (they matter to patterns) and single-quoted text is taken literally.
    /// </summary>
    internal static string? FirstArgument(string args)
    {
        int i = 0;
        return NextArgument(args, ref i);
    }

    /// <summary>All arguments of a meta-command line, split as <see cref="FirstArgument"/> splits the first.</summary>
    internal static List<string> Arguments(string args)
    {
        var list = new List<string>();
        int i = 0;
        while (NextArgument(args, ref i) is { } argument)
        {
            list.Add(argument);
        }

        return list;
    }

    private static string? NextArgument(string args, ref int i)
    {
        while (i < args.Length && char.IsWhiteSpace(args[i]))
        {
            i++;
        }

        if (i == args.Length)
        {
            return null;
        }

        var token = new StringBuilder();
        bool inDouble = false;
        while (i < args.Length)
        {
            char ch = args[i];
            if (!inDouble && char.IsWhiteSpace(ch))
            {
                break;
            }

            if (ch == '"')
            {
                inDouble = !inDouble;
                token.Append(ch);
            }
            else if (ch == '\'' && !inDouble)
            {
                i++;
                while (i < args.Length)
                {
                    if (args[i] == '\'')
                    {
                        if (i + 1 < args.Length && args[i + 1] == '\'')
                        {
                            token.Append('\'');
                            i += 2;
                            continue;
                        }

                        break;
                    }

                    token.Append(args[i]);
                    i++;
                }
            }
            else
            {
                token.Append(ch);
            }

            i++;
        }

        return token.ToString();
    }

    /// <summary>Whether the psql variable <paramref name="name"/> is set to a true value.</summary>
    internal static bool IsSet(IMetaCommandHost host, string name) => SimpsqlSession.IsTrue(host.GetVariable(name));

    internal static void PrintTable(ResultSet result, string title, IMetaCommandHost host, bool allowExpanded = true)
    {
        PrintOptions options = host.Print.Clone();
        if (!allowExpanded)
        {
            options.Expanded = ExpandedMode.Off;
        }

        options.Title = title;
        options.NullDisplay = "";
        host.PrintResult(result, options);
    }

    /// <summary>Appends the pattern conditions, or reports a malformed pattern and returns false.</summary>
    internal static bool AppendPattern(
        StringBuilder sql,
        string? pattern,
        string? schemaColumn,
        string nameColumn,
        string? visibilityRule,
        IMetaCommandHost host,
        int maxParts = 3,
        string? altNameColumn = null,
        bool forceEscape = false)
    {
        string? conditions = NamePattern.Conditions(
            pattern, schemaColumn, nameColumn, altNameColumn, visibilityRule, maxParts, host.Client.Session.Database, out string? error,
            forceEscape);
        if (conditions is null)
        {
            host.ReportError(error!);
            return false;
        }

        sql.Append(conditions);
        return true;
    }

    private static async Task<bool> ListRelationsAsync(
        string kinds, string? pattern, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        bool tables = kinds.Contains('t', StringComparison.Ordinal);
        bool indexes = kinds.Contains('i', StringComparison.Ordinal);
        bool views = kinds.Contains('v', StringComparison.Ordinal);
        bool matViews = kinds.Contains('m', StringComparison.Ordinal);
        bool sequences = kinds.Contains('s', StringComparison.Ordinal);
        bool foreign = kinds.Contains('E', StringComparison.Ordinal);

        var sql = new StringBuilder();
        sql.Append("SELECT n.nspname AS \"Schema\", c.relname AS \"Name\", ")
            .Append(RelkindCase).Append(" AS \"Type\", pg_catalog.pg_get_userbyid(c.relowner) AS \"Owner\"");
        if (indexes)
        {
            sql.Append(", c2.relname AS \"Table\"");
        }

        if (verbose)
        {
            sql.Append(", CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 't' THEN 'temporary' WHEN 'u' THEN 'unlogged' END AS \"Persistence\"");
            if ((tables || matViews || indexes) && host.Client.Session.ServerVersionNumber >= 120000 && !IsSet(host, "HIDE_TABLEAM"))
            {
                sql.Append(", am.amname AS \"Access method\"");
            }

            sql.Append(", pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) AS \"Size\"")
                .Append(", pg_catalog.obj_description(c.oid, 'pg_class') AS \"Description\"");
        }

        sql.Append(" FROM pg_catalog.pg_class c")
            .Append(" LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace")
            .Append(" LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam");
        if (indexes)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid")
                .Append(" LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid");
        }

        var relkinds = new List<string>();
        if (tables)
        {
            relkinds.Add("'r'");
            relkinds.Add("'p'");
            if (system || pattern is not null)
            {
                relkinds.Add("'t'");
            }
        }

        if (views)
        {
            relkinds.Add("'v'");
        }

        if (matViews)
        {
            relkinds.Add("'m'");
        }

        if (indexes)
        {
            relkinds.Add("'i'");
            relkinds.Add("'I'");
        }

        if (sequences)
        {
            relkinds.Add("'S'");
        }

        if (system || pattern is not null)
        {
            relkinds.Add("'s'");
        }

        if (foreign)
        {
            relkinds.Add("'f'");
        }

        relkinds.Add("''");
        sql.Append(" WHERE c.relkind IN (").Append(string.Join(",", relkinds)).Append(')');
        if (!system && pattern is null)
        {
            sql.Append(ExcludeSystemSchemas);
        }

        if (!AppendPattern(sql, pattern, "n.nspname", "c.relname", "pg_catalog.pg_table_is_visible(c.oid)", host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2");

        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        // Under QUIET psql prints the empty listing instead of the message.
        if (result.Rows.Count == 0 && !host.Quiet)
        {
            host.ReportError(pattern is null
                ? "Did not find any relations."
                : $"Did not find any relation named \"{pattern}\".");
            return true;
        }

        PrintTable(result, "List of relations", host);
        return true;
    }

    private static async Task<bool> ListSchemasAsync(
        string? pattern, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder();
        sql.Append("SELECT n.nspname AS \"Name\", pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\"");
        if (verbose)
        {
            sql.Append(", pg_catalog.array_to_string(n.nspacl, E'\\n') AS \"Access privileges\"")
                .Append(", pg_catalog.obj_description(n.oid, 'pg_namespace') AS \"Description\"");
        }

        sql.Append(" FROM pg_catalog.pg_namespace n WHERE true");
        if (!system && pattern is null)
        {
            sql.Append(" AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'");
        }

        if (!AppendPattern(sql, pattern, null, "n.nspname", null, host, 2))
        {
            return false;
        }

        sql.Append(" ORDER BY 1");
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        // psql 15 lists the publications of the schema a pattern names (taken as the name itself),
        // with or without +.
        if (pattern is not null && host.Client.Session.ServerVersionNumber >= 150000)
        {
            ResultSet? publications = await CatalogQuery.RunAsync(
                host,
                "SELECT pubname FROM pg_catalog.pg_publication p" +
                " JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid" +
                " JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid" +
                " WHERE n.nspname = " + NamePattern.Literal(pattern) + " ORDER BY 1",
                ct).ConfigureAwait(false);
            if (publications is null)
            {
                return false;
            }

            if (publications.Rows.Count > 0)
            {
                var footers = new List<string> { "Publications:" };
                footers.AddRange(publications.Rows.Select(r => $"    \"{r[0]}\""));
                result.Footers = footers;
            }
        }

        PrintTable(result, "List of schemas", host);
        return true;
    }

    private static async Task<bool> ListFunctionsAsync(
        string functionKinds, List<string> arguments, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        string? pattern = arguments.Count > 0 ? arguments[0] : null;
        List<string> argumentTypes = arguments.Skip(1).ToList();
        var sql = new StringBuilder();
        sql.Append("SELECT n.nspname AS \"Schema\", p.proname AS \"Name\"")
            .Append(", pg_catalog.pg_get_function_result(p.oid) AS \"Result data type\"")
            .Append(", pg_catalog.pg_get_function_arguments(p.oid) AS \"Argument data types\"")
            .Append(", CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END AS \"Type\"");
        if (verbose)
        {
            sql.Append(", CASE WHEN p.provolatile = 'i' THEN 'immutable' WHEN p.provolatile = 's' THEN 'stable' WHEN p.provolatile = 'v' THEN 'volatile' END AS \"Volatility\"")
                .Append(", CASE WHEN p.proparallel = 'r' THEN 'restricted' WHEN p.proparallel = 's' THEN 'safe' WHEN p.proparallel = 'u' THEN 'unsafe' END AS \"Parallel\"")
                .Append(", pg_catalog.pg_get_userbyid(p.proowner) AS \"Owner\"")
                .Append(", CASE WHEN prosecdef THEN 'definer' ELSE 'invoker' END AS \"Security\"")
                .Append(", pg_catalog.array_to_string(p.proacl, E'\\n') AS \"Access privileges\"")
                .Append(", l.lanname AS \"Language\"")
                .Append(host.Client.Session.ServerVersionNumber >= 140000
                    ? ", COALESCE(pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc) AS \"Source code\""
                    : ", p.prosrc AS \"Source code\"")
                .Append(", pg_catalog.obj_description(p.oid, 'pg_proc') AS \"Description\"");
        }

        sql.Append(" FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace");
        if (verbose)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang");
        }

        for (int i = 0; i < argumentTypes.Count; i++)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_type t").Append(i).Append(" ON t").Append(i).Append(".oid = p.proargtypes[").Append(i)
                .Append("] LEFT JOIN pg_catalog.pg_namespace nt").Append(i).Append(" ON nt").Append(i).Append(".oid = t").Append(i)
                .Append(".typnamespace");
        }

        sql.Append(" WHERE true");
        AppendFunctionKinds(sql, functionKinds);
        if (!system && pattern is null)
        {
            sql.Append(" AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'");
        }

        if (!AppendPattern(sql, pattern, "n.nspname", "p.proname", "pg_catalog.pg_function_is_visible(p.oid)", host)
            || !AppendArgumentTypes(sql, argumentTypes, host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2, 4");
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        PrintTable(result, "List of functions", host);
        return true;
    }

    /// <summary>
    /// The kinds of function <c>\df</c> lists: all without letters, otherwise those of <c>a</c>ggregates,
    /// <c>n</c>ormal functions, <c>p</c>rocedures, <c>t</c>rigger functions and <c>w</c>indow functions.
    /// </summary>
    private static void AppendFunctionKinds(StringBuilder sql, string letters)
    {
        bool aggregates = letters.Contains('a', StringComparison.Ordinal);
        bool normal = letters.Contains('n', StringComparison.Ordinal);
        bool procedures = letters.Contains('p', StringComparison.Ordinal);
        bool triggers = letters.Contains('t', StringComparison.Ordinal);
        bool windows = letters.Contains('w', StringComparison.Ordinal);
        if (letters.Length == 0 || (aggregates && normal && procedures && triggers && windows))
        {
            return;
        }

        if (normal)
        {
            if (!aggregates)
            {
                sql.Append(" AND p.prokind <> 'a'");
            }

            if (!procedures)
            {
                sql.Append(" AND (p.prokind IS NULL OR p.prokind <> 'p')");
            }

            if (!triggers)
            {
                sql.Append(" AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype");
            }

            if (!windows)
            {
                sql.Append(" AND p.prokind <> 'w'");
            }

            return;
        }

        var alternatives = new List<string>();
        if (aggregates)
        {
            alternatives.Add("p.prokind = 'a'");
        }

        if (triggers)
        {
            alternatives.Add("p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype");
        }

        if (procedures)
        {
            alternatives.Add("p.prokind = 'p'");
        }

        if (windows)
        {
            alternatives.Add("p.prokind = 'w'");
        }

        sql.Append(" AND (").Append(string.Join(" OR ", alternatives)).Append(')');
    }

    private static async Task<bool> ListRolesAsync(
        string? pattern, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder();
        sql.Append("SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin")
            .Append(", r.rolconnlimit, r.rolvaliduntil")
            .Append(", ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m")
            .Append(" JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) WHERE m.member = r.oid) AS memberof")
            .Append(", r.rolreplication, r.rolbypassrls");
        if (verbose)
        {
            sql.Append(", pg_catalog.shobj_description(r.oid, 'pg_authid') AS description");
        }

        sql.Append(" FROM pg_catalog.pg_roles r WHERE true");
        if (!system && pattern is null)
        {
            sql.Append(" AND r.rolname !~ '^pg_'");
        }

        if (!AppendPattern(sql, pattern, null, "r.rolname", null, host, 1))
        {
            return false;
        }

        sql.Append(" ORDER BY 1");
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        var columns = new List<ResultColumn>
        {
            new("Role name", TextOid),
            new("Attributes", TextOid),
            new("Member of", TextOid),
        };
        if (verbose)
        {
            columns.Add(new ResultColumn("Description", TextOid));
        }

        var rows = new List<string?[]>();
        foreach (string?[] role in result.Rows)
        {
            var attributes = new List<string>();
            if (role[1] == "t")
            {
                attributes.Add("Superuser");
            }

            if (role[2] != "t")
            {
                attributes.Add("No inheritance");
            }

            if (role[3] == "t")
            {
                attributes.Add("Create role");
            }

            if (role[4] == "t")
            {
                attributes.Add("Create DB");
            }

            if (role[5] != "t")
            {
                attributes.Add("Cannot login");
            }

            if (role[9] == "t")
            {
                attributes.Add("Replication");
            }

            if (role[10] == "t")
            {
                attributes.Add("Bypass RLS");
            }

            var text = new StringBuilder(string.Join(", ", attributes));
            int limit = int.Parse(role[6] ?? "-1", CultureInfo.InvariantCulture);
            if (limit >= 0)
            {
                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                text.Append(limit switch
                {
                    0 => "No connections",
                    1 => "1 connection",
                    _ => limit.ToString(CultureInfo.InvariantCulture) + " connections",
                });
            }

            if (!string.IsNullOrEmpty(role[7]))
            {
                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                text.Append("Password valid until ").Append(role[7]);
            }

            var row = new string?[columns.Count];
            row[0] = role[0];
            row[1] = text.ToString();
            row[2] = role[8];
            if (verbose)
            {
                row[3] = role[11] ?? "";
            }

            rows.Add(row);
        }

        PrintTable(new ResultSet(columns, rows) { Footers = [] }, "List of roles", host);
        return true;
    }

    private static async Task<bool> ListDatabasesAsync(
        string? pattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        int version = host.Client.Session.ServerVersionNumber;
        var sql = new StringBuilder();
        sql.Append("SELECT d.datname AS \"Name\", pg_catalog.pg_get_userbyid(d.datdba) AS \"Owner\"")
            .Append(", pg_catalog.pg_encoding_to_char(d.encoding) AS \"Encoding\"")
            .Append(", d.datcollate AS \"Collate\", d.datctype AS \"Ctype\"");
        if (version >= 150000)
        {
            sql.Append(", d.daticulocale AS \"ICU Locale\"")
                .Append(", CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS \"Locale Provider\"");
        }

        sql.Append(", pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"");
        if (verbose)
        {
            sql.Append(", CASE WHEN pg_catalog.has_database_privilege(d.datname, 'CONNECT')")
                .Append(" THEN pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.datname))")
                .Append(" ELSE 'No Access' END AS \"Size\"")
                .Append(", t.spcname AS \"Tablespace\"")
                .Append(", pg_catalog.shobj_description(d.oid, 'pg_database') AS \"Description\"");
        }

        sql.Append(" FROM pg_catalog.pg_database d");
        if (verbose)
        {
            sql.Append(" JOIN pg_catalog.pg_tablespace t ON d.dattablespace = t.oid");
        }

        sql.Append(" WHERE true");
        if (!AppendPattern(sql, pattern, null, "d.datname", null, host, 1))
        {
            return false;
        }

        sql.Append(" ORDER BY 1");
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        PrintTable(result, "List of databases", host);
        return true;
    }
}
