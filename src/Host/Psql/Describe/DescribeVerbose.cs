using System.Text;
using PgWire.Host.Simpsql;

namespace PgWire.Host.Psql.Describe;

/// <summary>
/// The + forms of psql 15 that describe each matching object in a table of its own: text search
/// configurations (\dF+) and parsers (\dFp+), publications (\dRp+) and the objects of extensions (\dx+).
/// </summary>
public static partial class DescribeCommands
{
    /// <summary>
    /// The objects matching <paramref name="sql"/> (a pattern appended to it), or null after an error or
    /// when nothing matched (then psql's "Did not find any ..." unless QUIET).
    /// </summary>
    private static async Task<ResultSet?> MatchesAsync(
        string select, string? pattern, PatternTarget target, string orderBy, string what, string whatPlural, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(select);
        if (!AppendTarget(sql, pattern, target, host))
        {
            return null;
        }

        sql.Append(orderBy);
        ResultSet? matches = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (matches is null)
        {
            return null;
        }

        if (matches.Rows.Count == 0)
        {
            if (!host.Quiet)
            {
                host.ReportError(pattern is null
                    ? $"Did not find any {whatPlural}."
                    : $"Did not find any {what} named \"{pattern}\".");
            }

            return null;
        }

        return matches;
    }

    /// <summary><c>"schema.name"</c>, or <c>"name"</c> when the schema is unknown.</summary>
    private static string Qualified(string? schema, string? name) => schema is null ? $"\"{name}\"" : $"\"{schema}.{name}\"";

    /// <summary>\dF+: each configuration's parser and its token to dictionary mappings.</summary>
    private static async Task<bool> DescribeTextSearchConfigsAsync(string? pattern, IMetaCommandHost host, CancellationToken ct)
    {
        ResultSet? configs = await MatchesAsync(
            "SELECT c.oid, c.cfgname, n.nspname, p.prsname, np.nspname AS pnspname FROM pg_catalog.pg_ts_config c" +
            " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace, pg_catalog.pg_ts_parser p" +
            " LEFT JOIN pg_catalog.pg_namespace np ON np.oid = p.prsnamespace WHERE p.oid = c.cfgparser",
            pattern, Target("n.nspname", "c.cfgname", "pg_catalog.pg_ts_config_is_visible(c.oid)"), " ORDER BY 3, 2",
            "text search configuration", "text search configurations", host, ct).ConfigureAwait(false);
        if (configs is null)
        {
            return false;
        }

        foreach (string?[] config in configs.Rows)
        {
            ResultSet? mappings = await CatalogQuery.RunAsync(
                host,
                "SELECT (SELECT t.alias FROM pg_catalog.ts_token_type(c.cfgparser) AS t WHERE t.tokid = m.maptokentype) AS \"Token\"," +
                " pg_catalog.btrim(ARRAY(SELECT mm.mapdict::pg_catalog.regdictionary FROM pg_catalog.pg_ts_config_map AS mm" +
                " WHERE mm.mapcfg = m.mapcfg AND mm.maptokentype = m.maptokentype ORDER BY mapcfg, maptokentype, mapseqno)::pg_catalog.text, '{}') AS \"Dictionaries\"" +
                " FROM pg_catalog.pg_ts_config AS c, pg_catalog.pg_ts_config_map AS m" +
                $" WHERE c.oid = '{config[0]}' AND m.mapcfg = c.oid GROUP BY m.mapcfg, m.maptokentype, c.cfgparser ORDER BY 1",
                ct).ConfigureAwait(false);
            if (mappings is null)
            {
                return false;
            }

            mappings.Footers = [];
            PrintTable(
                mappings,
                $"Text search configuration {Qualified(config[2], config[1])}\nParser: {Qualified(config[4], config[3])}",
                host);
        }

        return true;
    }

    /// <summary>\dFp+: each parser's methods, then its token types.</summary>
    private static async Task<bool> DescribeTextSearchParsersAsync(string? pattern, IMetaCommandHost host, CancellationToken ct)
    {
        ResultSet? parsers = await MatchesAsync(
            "SELECT p.oid, n.nspname, p.prsname FROM pg_catalog.pg_ts_parser p" +
            " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace WHERE true",
            pattern, Target("n.nspname", "p.prsname", "pg_catalog.pg_ts_parser_is_visible(p.oid)"), " ORDER BY 1, 2",
            "text search parser", "text search parsers", host, ct).ConfigureAwait(false);
        if (parsers is null)
        {
            return false;
        }

        foreach (string?[] parser in parsers.Rows)
        {
            string oid = parser[0]!;
            string Method(string label, string column, bool first) =>
                (first ? $"SELECT '{label}' AS \"Method\", p.{column}::pg_catalog.regproc AS \"Function\"," +
                         $" pg_catalog.obj_description(p.{column}, 'pg_proc') AS \"Description\""
                       : $" UNION ALL SELECT '{label}', p.{column}::pg_catalog.regproc, pg_catalog.obj_description(p.{column}, 'pg_proc')") +
                $" FROM pg_catalog.pg_ts_parser p WHERE p.oid = '{oid}'";
            ResultSet? methods = await CatalogQuery.RunAsync(
                host,
                Method("Start parse", "prsstart", true) + Method("Get next token", "prstoken", false) + Method("End parse", "prsend", false) +
                Method("Get headline", "prsheadline", false) + Method("Get token types", "prslextype", false),
                ct).ConfigureAwait(false);
            if (methods is null)
            {
                return false;
            }

            methods.Footers = [];
            PrintTable(methods, $"Text search parser {Qualified(parser[1], parser[2])}", host);

            ResultSet? tokens = await CatalogQuery.RunAsync(
                host,
                $"SELECT t.alias AS \"Token name\", t.description AS \"Description\" FROM pg_catalog.ts_token_type('{oid}'::pg_catalog.oid) AS t ORDER BY 1",
                ct).ConfigureAwait(false);
            if (tokens is null)
            {
                return false;
            }

            PrintTable(tokens, $"Token types for parser {Qualified(parser[1], parser[2])}", host);
        }

        return true;
    }

    /// <summary>\dRp+: each publication's owner and flags, then its tables and schemas as footers.</summary>
    private static async Task<bool> DescribePublicationsAsync(string? pattern, IMetaCommandHost host, CancellationToken ct)
    {
        int version = host.Client.Session.ServerVersionNumber;
        ResultSet? publications = await MatchesAsync(
            "SELECT oid, pubname, pg_catalog.pg_get_userbyid(pubowner) AS \"Owner\", puballtables AS \"All tables\"," +
            " pubinsert AS \"Inserts\", pubupdate AS \"Updates\", pubdelete AS \"Deletes\"" +
            (version >= 110000 ? ", pubtruncate AS \"Truncates\"" : "") +
            (version >= 130000 ? ", pubviaroot AS \"Via root\"" : "") +
            " FROM pg_catalog.pg_publication WHERE true",
            pattern, Target(null, "pubname", maxParts: 1), " ORDER BY 2", "publication", "publications", host, ct).ConfigureAwait(false);
        if (publications is null)
        {
            return false;
        }

        foreach (string?[] publication in publications.Rows)
        {
            var footers = new List<string>();
            if (publication[3] != "t")
            {
                ResultSet? tables = await CatalogQuery.RunAsync(
                    host,
                    "SELECT n.nspname, c.relname" +
                    (version >= 150000
                        ? ", pg_catalog.pg_get_expr(pr.prqual, c.oid), CASE WHEN pr.prattrs IS NOT NULL THEN pg_catalog.array_to_string(" +
                          "ARRAY(SELECT attname FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s," +
                          " pg_catalog.pg_attribute WHERE attrelid = c.oid AND attnum = prattrs[s]), ', ') END"
                        : ", NULL, NULL") +
                    " FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n, pg_catalog.pg_publication_rel pr" +
                    $" WHERE c.relnamespace = n.oid AND c.oid = pr.prrelid AND pr.prpubid = '{publication[0]}' ORDER BY 1, 2",
                    ct).ConfigureAwait(false);
                if (tables is null)
                {
                    return false;
                }

                if (tables.Rows.Count > 0)
                {
                    footers.Add("Tables:");
                    footers.AddRange(tables.Rows.Select(t =>
                        $"    \"{t[0]}.{t[1]}\"" + (t[3] is null ? "" : $" ({t[3]})") + (t[2] is null ? "" : $" WHERE {t[2]}")));
                }

                if (version >= 150000)
                {
                    ResultSet? schemas = await CatalogQuery.RunAsync(
                        host,
                        "SELECT n.nspname FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_publication_namespace pn ON n.oid = pn.pnnspid" +
                        $" WHERE pn.pnpubid = '{publication[0]}' ORDER BY 1",
                        ct).ConfigureAwait(false);
                    if (schemas is null)
                    {
                        return false;
                    }

                    if (schemas.Rows.Count > 0)
                    {
                        footers.Add("Tables from schemas:");
                        footers.AddRange(schemas.Rows.Select(s => $"    \"{s[0]}\""));
                    }
                }
            }

            var columns = publications.Columns.Skip(2).ToList();
            // Without tables or schemas to list, psql's "(1 row)" stays.
            var table = new ResultSet(columns, [publication[2..]]) { Footers = footers.Count > 0 ? footers : null };
            PrintTable(table, "Publication " + publication[1], host);
        }

        return true;
    }

    /// <summary>\dx+: the objects that belong to each extension.</summary>
    private static async Task<bool> ListExtensionContentsAsync(string? pattern, IMetaCommandHost host, CancellationToken ct)
    {
        ResultSet? extensions = await MatchesAsync(
            "SELECT e.extname, e.oid FROM pg_catalog.pg_extension e WHERE true",
            pattern, Target(null, "e.extname", maxParts: 1), " ORDER BY 1", "extension", "extensions", host, ct).ConfigureAwait(false);
        if (extensions is null)
        {
            return false;
        }

        foreach (string?[] extension in extensions.Rows)
        {
            ResultSet? objects = await CatalogQuery.RunAsync(
                host,
                "SELECT pg_catalog.pg_describe_object(classid, objid, 0) AS \"Object description\" FROM pg_catalog.pg_depend" +
                $" WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND refobjid = '{extension[1]}' AND deptype = 'e' ORDER BY 1",
                ct).ConfigureAwait(false);
            if (objects is null)
            {
                return false;
            }

            PrintTable(objects, $"Objects in extension \"{extension[0]}\"", host);
        }

        return true;
    }
}
