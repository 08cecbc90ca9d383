using System.Text;
using PgWire.Host.Simpsql;

namespace PgWire.Host.Psql.Describe;

/// <summary>
/// The catalog listings of psql 15, most of them a single query each: access methods and their operator
/// classes, families, operators and support functions, tablespaces, conversions, casts, object
/// descriptions, domains, default privileges, foreign servers and wrappers, text search objects,
/// languages, collations, privileges, partitioned relations, role settings, publications,
/// subscriptions, types, extensions, extended statistics, event triggers, aggregates, operators and
/// configuration parameters, with their + forms (\dF+, \dFp+, \dRp+ and \dx+ are in DescribeVerbose.cs).
/// </summary>
public static partial class DescribeCommands
{
    private const string NotSystemSchema = " AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'";

    /// <summary>What a pattern argument is matched against, as psql's processSQLNamePattern takes it.</summary>
    private sealed record PatternTarget(
        string? SchemaColumn, string NameColumn, string? AltNameColumn, string? Visibility, int MaxParts);

    private static PatternTarget Target(string? schema, string name, string? visibility = null, int maxParts = 3, string? alt = null) =>
        new(schema, name, alt, visibility, maxParts);

    /// <summary>
    /// Runs the listings of this file; null when <paramref name="kinds"/> (the command's letters after
    /// <c>d</c>, without <c>S</c> and <c>+</c>) is not one of them.
    /// </summary>
    private static async Task<bool?> TryRunListingAsync(
        string command, string kinds, string args, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        List<string> arguments = Arguments(args);
        string? first = arguments.Count > 0 ? arguments[0] : null;
        string? second = arguments.Count > 1 ? arguments[1] : null;
        int used = 1;
        bool? ok;
        switch (kinds)
        {
            case "A":
                ok = await ListAccessMethodsAsync(first, verbose, host, ct).ConfigureAwait(false);
                break;
            case "Ac":
                ok = await ListOperatorClassesAsync(first, second, verbose, host, ct).ConfigureAwait(false);
                used = 2;
                break;
            case "Af":
                ok = await ListOperatorFamiliesAsync(first, second, verbose, host, ct).ConfigureAwait(false);
                used = 2;
                break;
            case "Ao":
                ok = await ListFamilyOperatorsAsync(first, second, verbose, host, ct).ConfigureAwait(false);
                used = 2;
                break;
            case "Ap":
                ok = await ListFamilyFunctionsAsync(first, second, verbose, host, ct).ConfigureAwait(false);
                used = 2;
                break;
            case "a":
                ok = await ListAggregatesAsync(first, system, host, ct).ConfigureAwait(false);
                break;
            case "b":
                ok = await SimpleListAsync(
                    "SELECT spcname AS \"Name\", pg_catalog.pg_get_userbyid(spcowner) AS \"Owner\"," +
                    " pg_catalog.pg_tablespace_location(oid) AS \"Location\"" +
                    (verbose
                        ? ", pg_catalog.array_to_string(spcacl, E'\\n') AS \"Access privileges\", spcoptions AS \"Options\"," +
                          " pg_catalog.pg_size_pretty(pg_catalog.pg_tablespace_size(oid)) AS \"Size\"," +
                          " pg_catalog.shobj_description(oid, 'pg_tablespace') AS \"Description\""
                        : "") +
                    " FROM pg_catalog.pg_tablespace WHERE true",
                    first, Target(null, "spcname", maxParts: 1), " ORDER BY 1", "List of tablespaces", host, ct).ConfigureAwait(false);
                break;
            case "c":
                ok = await SimpleListAsync(
                    "SELECT n.nspname AS \"Schema\", c.conname AS \"Name\"," +
                    " pg_catalog.pg_encoding_to_char(c.conforencoding) AS \"Source\"," +
                    " pg_catalog.pg_encoding_to_char(c.contoencoding) AS \"Destination\"," +
                    " CASE WHEN c.condefault THEN 'yes' ELSE 'no' END AS \"Default?\"" +
                    (verbose ? ", d.description AS \"Description\"" : "") +
                    " FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace" +
                    (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = c.tableoid AND d.objoid = c.oid AND d.objsubid = 0" : "") +
                    " WHERE true" + (!system && first is null ? NotSystemSchema : ""),
                    first, Target("n.nspname", "c.conname", "pg_catalog.pg_conversion_is_visible(c.oid)"),
                    " ORDER BY 1, 2", "List of conversions", host, ct).ConfigureAwait(false);
                break;
            case "C":
                ok = await ListCastsAsync(first, verbose, host, ct).ConfigureAwait(false);
                break;
            case "d":
                ok = await ListObjectDescriptionsAsync(first, system, host, ct).ConfigureAwait(false);
                break;
            case "D":
                ok = await SimpleListAsync(
                    "SELECT n.nspname AS \"Schema\", t.typname AS \"Name\"," +
                    " pg_catalog.format_type(t.typbasetype, t.typtypmod) AS \"Type\"," +
                    " (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type bt" +
                    " WHERE c.oid = t.typcollation AND bt.oid = t.typbasetype AND t.typcollation <> bt.typcollation) AS \"Collation\"," +
                    " CASE WHEN t.typnotnull THEN 'not null' END AS \"Nullable\", t.typdefault AS \"Default\"," +
                    " pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.pg_get_constraintdef(r.oid, true)" +
                    " FROM pg_catalog.pg_constraint r WHERE t.oid = r.contypid), ' ') AS \"Check\"" +
                    (verbose ? ", pg_catalog.array_to_string(t.typacl, E'\\n') AS \"Access privileges\", d.description AS \"Description\"" : "") +
                    " FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace" +
                    (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = t.tableoid AND d.objoid = t.oid AND d.objsubid = 0" : "") +
                    " WHERE t.typtype = 'd'" + (!system && first is null ? NotSystemSchema : ""),
                    first, Target("n.nspname", "t.typname", "pg_catalog.pg_type_is_visible(t.oid)"),
                    " ORDER BY 1, 2", "List of domains", host, ct).ConfigureAwait(false);
                break;
            case "dp":
                ok = await SimpleListAsync(
                    "SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS \"Owner\", n.nspname AS \"Schema\"," +
                    " CASE d.defaclobjtype WHEN 'r' THEN 'table' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'function'" +
                    " WHEN 'T' THEN 'type' WHEN 'n' THEN 'schema' END AS \"Type\"," +
                    " pg_catalog.array_to_string(d.defaclacl, E'\\n') AS \"Access privileges\"" +
                    " FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace WHERE true",
                    first, Target(null, "n.nspname", alt: "pg_catalog.pg_get_userbyid(d.defaclrole)"),
                    " ORDER BY 1, 2, 3", "Default access privileges", host, ct).ConfigureAwait(false);
                break;
            case "es":
                ok = await SimpleListAsync(
                    "SELECT s.srvname AS \"Name\", pg_catalog.pg_get_userbyid(s.srvowner) AS \"Owner\"," +
                    " f.fdwname AS \"Foreign-data wrapper\"" +
                    (verbose
                        ? ", pg_catalog.array_to_string(s.srvacl, E'\\n') AS \"Access privileges\"," +
                          " s.srvtype AS \"Type\", s.srvversion AS \"Version\", " + OptionsColumn("srvoptions") + "," +
                          " d.description AS \"Description\""
                        : "") +
                    " FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper f ON f.oid = s.srvfdw" +
                    (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = s.tableoid AND d.objoid = s.oid AND d.objsubid = 0" : "") +
                    " WHERE true",
                    first, Target(null, "s.srvname", maxParts: 1), " ORDER BY 1", "List of foreign servers", host, ct).ConfigureAwait(false);
                break;
            case "et":
                ok = await SimpleListAsync(
                    "SELECT n.nspname AS \"Schema\", c.relname AS \"Table\", s.srvname AS \"Server\"" +
                    (verbose ? ", " + OptionsColumn("ftoptions") + ", d.description AS \"Description\"" : "") +
                    " FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid" +
                    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver" +
                    (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = c.tableoid AND d.objoid = c.oid AND d.objsubid = 0" : "") +
                    " WHERE true",
                    first, Target("n.nspname", "c.relname", "pg_catalog.pg_table_is_visible(c.oid)"),
                    " ORDER BY 1, 2", "List of foreign tables", host, ct).ConfigureAwait(false);
                break;
            case "eu":
                // The pattern picks mappings by server name or by user name.
                ok = await SimpleListAsync(
                    "SELECT um.srvname AS \"Server\", um.usename AS \"User name\"" +
                    (verbose ? ", " + OptionsColumn("umoptions") : "") +
                    " FROM pg_catalog.pg_user_mappings um WHERE true",
                    first, Target(null, "um.srvname", maxParts: 1, alt: "um.usename"),
                    " ORDER BY 1, 2", "List of user mappings", host, ct).ConfigureAwait(false);
                break;
            case "ew":
                ok = await SimpleListAsync(
                    "SELECT fdw.fdwname AS \"Name\", pg_catalog.pg_get_userbyid(fdw.fdwowner) AS \"Owner\"," +
                    " fdw.fdwhandler::pg_catalog.regproc AS \"Handler\", fdw.fdwvalidator::pg_catalog.regproc AS \"Validator\"" +
                    (verbose
                        ? ", pg_catalog.array_to_string(fdwacl, E'\\n') AS \"Access privileges\", " + OptionsColumn("fdwoptions") + "," +
                          " d.description AS \"Description\""
                        : "") +
                    " FROM pg_catalog.pg_foreign_data_wrapper fdw" +
                    (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = fdw.tableoid AND d.objoid = fdw.oid AND d.objsubid = 0" : "") +
                    " WHERE true",
                    first, Target(null, "fdwname", maxParts: 1), " ORDER BY 1", "List of foreign-data wrappers", host, ct).ConfigureAwait(false);
                break;
            case "F" when verbose:
                ok = await DescribeTextSearchConfigsAsync(first, host, ct).ConfigureAwait(false);
                break;
            case "Fp" when verbose:
                ok = await DescribeTextSearchParsersAsync(first, host, ct).ConfigureAwait(false);
                break;
            case "Rp" when verbose:
                ok = await DescribePublicationsAsync(first, host, ct).ConfigureAwait(false);
                break;
            case "x" when verbose:
                ok = await ListExtensionContentsAsync(first, host, ct).ConfigureAwait(false);
                break;
            case "F" when !verbose:
                ok = await TextSearchListAsync("pg_ts_config", "c", "cfgnamespace", "cfgname", "pg_ts_config_is_visible",
                    first, "List of text search configurations", host, ct).ConfigureAwait(false);
                break;
            case "Fd":
                ok = await TextSearchListAsync("pg_ts_dict", "d", "dictnamespace", "dictname", "pg_ts_dict_is_visible",
                    first, "List of text search dictionaries", host, ct,
                    verbose
                        ? " (SELECT nt.nspname || '.' || t.tmplname FROM pg_catalog.pg_ts_template t" +
                          " LEFT JOIN pg_catalog.pg_namespace nt ON nt.oid = t.tmplnamespace WHERE d.dicttemplate = t.oid) AS \"Template\"," +
                          " d.dictinitoption AS \"Init options\","
                        : "").ConfigureAwait(false);
                break;
            case "Fp" when !verbose:
                ok = await TextSearchListAsync("pg_ts_parser", "p", "prsnamespace", "prsname", "pg_ts_parser_is_visible",
                    first, "List of text search parsers", host, ct).ConfigureAwait(false);
                break;
            case "Ft":
                ok = await TextSearchListAsync("pg_ts_template", "t", "tmplnamespace", "tmplname", "pg_ts_template_is_visible",
                    first, "List of text search templates", host, ct,
                    verbose ? " t.tmplinit::pg_catalog.regproc AS \"Init\", t.tmpllexize::pg_catalog.regproc AS \"Lexize\"," : "")
                    .ConfigureAwait(false);
                break;
            case "l":
                // psql reads the pattern and takes no notice of it.
                ok = await ListLargeObjectsAsync(verbose, host, ct).ConfigureAwait(false);
                break;
            case "L":
                ok = await SimpleListAsync(
                    "SELECT l.lanname AS \"Name\", pg_catalog.pg_get_userbyid(l.lanowner) AS \"Owner\"," +
                    " l.lanpltrusted AS \"Trusted\"," +
                    (verbose
                        ? " NOT l.lanispl AS \"Internal language\", l.lanplcallfoid::pg_catalog.regprocedure AS \"Call handler\"," +
                          " l.lanvalidator::pg_catalog.regprocedure AS \"Validator\", l.laninline::pg_catalog.regprocedure AS \"Inline handler\"," +
                          " pg_catalog.array_to_string(l.lanacl, E'\\n') AS \"Access privileges\","
                        : "") +
                    " d.description AS \"Description\"" +
                    " FROM pg_catalog.pg_language l LEFT JOIN pg_catalog.pg_description d" +
                    " ON d.classoid = l.tableoid AND d.objoid = l.oid AND d.objsubid = 0 WHERE true" +
                    (!system && first is null ? " AND l.lanplcallfoid != 0" : ""),
                    first, Target(null, "l.lanname", maxParts: 2), " ORDER BY 1", "List of languages", host, ct).ConfigureAwait(false);
                break;
            case "O":
                ok = await SimpleListAsync(
                    "SELECT n.nspname AS \"Schema\", c.collname AS \"Name\", c.collcollate AS \"Collate\", c.collctype AS \"Ctype\"," +
                    (host.Client.Session.ServerVersionNumber >= 150000 ? " c.colliculocale AS \"ICU Locale\"," : "") +
                    " CASE c.collprovider WHEN 'd' THEN 'default' WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS \"Provider\"," +
                    " CASE WHEN c.collisdeterministic THEN 'yes' ELSE 'no' END AS \"Deterministic?\"" +
                    (verbose ? ", pg_catalog.obj_description(c.oid, 'pg_collation') AS \"Description\"" : "") +
                    " FROM pg_catalog.pg_collation c, pg_catalog.pg_namespace n WHERE n.oid = c.collnamespace" +
                    (!system && first is null ? NotSystemSchema : "") +
                    " AND c.collencoding IN (-1, pg_catalog.pg_char_to_encoding(pg_catalog.getdatabaseencoding()))",
                    first, Target("n.nspname", "c.collname", "pg_catalog.pg_collation_is_visible(c.oid)"),
                    " ORDER BY 1, 2", "List of collations", host, ct).ConfigureAwait(false);
                break;
            case "p":
                ok = await ListPrivilegesAsync(first, host, ct).ConfigureAwait(false);
                break;
            case "P" or "Pt" or "Pi" or "Pn" or "Ptn" or "Pin" or "Pnt" or "Pni" or "Pti" or "Pit" or "Ptin":
                ok = await ListPartitionedAsync(kinds, first, verbose, host, ct).ConfigureAwait(false);
                break;
            case "rds":
                ok = await ListRoleSettingsAsync(first, second, host, ct).ConfigureAwait(false);
                used = 2;
                break;
            case "Rp" when !verbose:
                ok = await SimpleListAsync(
                    "SELECT pubname AS \"Name\", pg_catalog.pg_get_userbyid(pubowner) AS \"Owner\"," +
                    " puballtables AS \"All tables\", pubinsert AS \"Inserts\", pubupdate AS \"Updates\"," +
                    " pubdelete AS \"Deletes\", pubtruncate AS \"Truncates\", pubviaroot AS \"Via root\"" +
                    " FROM pg_catalog.pg_publication WHERE true",
                    first, Target(null, "pubname", maxParts: 1), " ORDER BY 1", "List of publications", host, ct).ConfigureAwait(false);
                break;
            case "Rs":
                {
                    int version = host.Client.Session.ServerVersionNumber;
                    ok = await SimpleListAsync(
                        "SELECT subname AS \"Name\", pg_catalog.pg_get_userbyid(subowner) AS \"Owner\"," +
                        " subenabled AS \"Enabled\", subpublications AS \"Publication\"" +
                        (verbose && version >= 140000 ? ", subbinary AS \"Binary\", substream AS \"Streaming\"" : "") +
                        (verbose && version >= 150000 ? ", subtwophasestate AS \"Two-phase commit\", subdisableonerr AS \"Disable on error\"" : "") +
                        (verbose ? ", subsynccommit AS \"Synchronous commit\", subconninfo AS \"Conninfo\"" : "") +
                        (verbose && version >= 150000 ? ", subskiplsn AS \"Skip LSN\"" : "") +
                        " FROM pg_catalog.pg_subscription" +
                        " WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())",
                        first, Target(null, "subname", maxParts: 1), " ORDER BY 1", "List of subscriptions", host, ct).ConfigureAwait(false);
                    break;
                }

            case "T":
                ok = await SimpleListAsync(
                    "SELECT n.nspname AS \"Schema\", pg_catalog.format_type(t.oid, NULL) AS \"Name\"," +
                    (verbose
                        ? " t.typname AS \"Internal name\"," +
                          " CASE WHEN t.typrelid != 0 THEN CAST('tuple' AS pg_catalog.text)" +
                          " WHEN t.typlen < 0 THEN CAST('var' AS pg_catalog.text)" +
                          " ELSE CAST(t.typlen AS pg_catalog.text) END AS \"Size\"," +
                          " pg_catalog.array_to_string(ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e" +
                          " WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), E'\\n') AS \"Elements\"," +
                          " pg_catalog.pg_get_userbyid(t.typowner) AS \"Owner\"," +
                          " pg_catalog.array_to_string(t.typacl, E'\\n') AS \"Access privileges\","
                        : "") +
                    " pg_catalog.obj_description(t.oid, 'pg_type') AS \"Description\"" +
                    " FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace" +
                    " WHERE (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))" +
                    (first is null || !first.Contains("[]", StringComparison.Ordinal)
                        ? " AND NOT EXISTS(SELECT 1 FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)"
                        : "") +
                    (!system && first is null ? NotSystemSchema : ""),
                    first is null ? null : MapTypeName(first),
                    Target("n.nspname", "t.typname", "pg_catalog.pg_type_is_visible(t.oid)", alt: "pg_catalog.format_type(t.oid, NULL)"),
                    " ORDER BY 1, 2", "List of data types", host, ct).ConfigureAwait(false);
                break;
            case "x" when !verbose:
                ok = await SimpleListAsync(
                    "SELECT e.extname AS \"Name\", e.extversion AS \"Version\", n.nspname AS \"Schema\", c.description AS \"Description\"" +
                    " FROM pg_catalog.pg_extension e LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace" +
                    " LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid" +
                    " AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass WHERE true",
                    first, Target(null, "e.extname", maxParts: 1), " ORDER BY 1", "List of installed extensions", host, ct).ConfigureAwait(false);
                break;
            case "X":
                ok = await SimpleListAsync(
                    "SELECT es.stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS \"Schema\", es.stxname AS \"Name\"," +
                    " pg_catalog.format('%s FROM %s', pg_catalog.pg_get_statisticsobjdef_columns(es.oid)," +
                    " es.stxrelid::pg_catalog.regclass) AS \"Definition\"," +
                    " CASE WHEN 'd' = any(es.stxkind) THEN 'defined' END AS \"Ndistinct\"," +
                    " CASE WHEN 'f' = any(es.stxkind) THEN 'defined' END AS \"Dependencies\"," +
                    " CASE WHEN 'm' = any(es.stxkind) THEN 'defined' END AS \"MCV\"" +
                    " FROM pg_catalog.pg_statistic_ext es WHERE true",
                    first, Target("es.stxnamespace::pg_catalog.regnamespace::pg_catalog.text", "es.stxname",
                        "pg_catalog.pg_statistics_obj_is_visible(es.oid)"),
                    " ORDER BY 1, 2", "List of extended statistics", host, ct).ConfigureAwait(false);
                break;
            case "y":
                ok = await SimpleListAsync(
                    "SELECT evtname AS \"Name\", evtevent AS \"Event\", pg_catalog.pg_get_userbyid(e.evtowner) AS \"Owner\"," +
                    " CASE evtenabled WHEN 'O' THEN 'enabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always'" +
                    " WHEN 'D' THEN 'disabled' END AS \"Enabled\", e.evtfoid::pg_catalog.regproc AS \"Function\"," +
                    " pg_catalog.array_to_string(array(SELECT x FROM pg_catalog.unnest(evttags) AS t(x)), ', ') AS \"Tags\"" +
                    (verbose ? ", pg_catalog.obj_description(e.oid, 'pg_event_trigger') AS \"Description\"" : "") +
                    " FROM pg_catalog.pg_event_trigger e WHERE true",
                    first, Target(null, "evtname", maxParts: 1), " ORDER BY 1", "List of event triggers", host, ct).ConfigureAwait(false);
                break;
            case "config":
                ok = await SimpleListAsync(
                    "SELECT s.name AS \"Parameter\", pg_catalog.current_setting(s.name) AS \"Value\"" +
                    (verbose
                        ? ", s.vartype AS \"Type\", s.context AS \"Context\", pg_catalog.array_to_string(p.paracl, E'\\n') AS \"Access privileges\"" +
                          " FROM pg_catalog.pg_settings s LEFT JOIN pg_catalog.pg_parameter_acl p ON pg_catalog.lower(s.name) = p.parname"
                        : " FROM pg_catalog.pg_settings s") +
                    (first is null ? " WHERE s.source <> 'default' AND s.setting IS DISTINCT FROM s.boot_val" : " WHERE true"),
                    first, Target(null, "pg_catalog.lower(s.name)", maxParts: 1), " ORDER BY 1",
                    "List of configuration parameters", host, ct).ConfigureAwait(false);
                break;
            case "o":
                ok = await ListOperatorsAsync(arguments, verbose, system, host, ct).ConfigureAwait(false);
                used = int.MaxValue;
                break;
            default:
                return null;
        }

        if (ok == true && arguments.Count > used)
        {
            await host.Out.FlushAsync(ct).ConfigureAwait(false);
            for (int i = used; i < arguments.Count; i++)
            {
                host.ReportError($"\\{command}: extra argument \"{arguments[i]}\" ignored", level: "warning");
            }
        }

        return ok;
    }

    /// <summary>
    /// psql's mapping of type names its grammar accepts (and array names) to the names
    /// <c>format_type</c> prints, so that type patterns such as <c>int</c> or <c>float8[]</c> find them.
    /// </summary>
    private static string MapTypeName(string pattern) => pattern switch
    {
        "decimal" => "numeric",
        "float" => "double precision",
        "int" => "integer",
        "bool[]" => "boolean[]",
        "decimal[]" => "numeric[]",
        "float[]" => "double precision[]",
        "float4[]" => "real[]",
        "float8[]" => "double precision[]",
        "int[]" => "integer[]",
        "int2[]" => "smallint[]",
        "int4[]" => "integer[]",
        "int8[]" => "bigint[]",
        "time[]" => "time without time zone[]",
        "timetz[]" => "time with time zone[]",
        "timestamp[]" => "timestamp without time zone[]",
        "timestamptz[]" => "timestamp with time zone[]",
        "varbit[]" => "bit varying[]",
        "varchar[]" => "character varying[]",
        _ => pattern,
    };

    /// <summary>An options array as psql shows it: <c>(name 'value', ...)</c>, empty when there are none.</summary>
    private static string OptionsColumn(string column) =>
        $"CASE WHEN {column} IS NULL THEN '' ELSE '(' || pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' ||" +
        $" pg_catalog.quote_literal(option_value) FROM pg_catalog.pg_options_to_table({column})), ', ') || ')' END AS \"FDW options\"";

    private static async Task<bool> SimpleListAsync(
        string select, string? pattern, PatternTarget target, string orderBy, string title, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(select);
        if (!AppendTarget(sql, pattern, target, host))
        {
            return false;
        }

        sql.Append(orderBy);
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        PrintTable(result, title, host);
        return true;
    }

    /// <summary>\dl and \lo_list: every large object with its owner (and access privileges with +) and description.</summary>
    private static async Task<bool> ListLargeObjectsAsync(bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = "SELECT oid as \"ID\", pg_catalog.pg_get_userbyid(lomowner) as \"Owner\"," +
            (verbose ? " pg_catalog.array_to_string(lomacl, E'\\n') AS \"Access privileges\"," : "") +
            " pg_catalog.obj_description(oid, 'pg_largeobject') as \"Description\"" +
            " FROM pg_catalog.pg_largeobject_metadata ORDER BY oid";
        ResultSet? result = await CatalogQuery.RunAsync(host, sql, ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        PrintTable(result, "Large objects", host);
        return true;
    }

    private static bool AppendTarget(StringBuilder sql, string? pattern, PatternTarget target, IMetaCommandHost host) =>
        AppendPattern(sql, pattern, target.SchemaColumn, target.NameColumn, target.Visibility, host, target.MaxParts, target.AltNameColumn);

    private static Task<bool> TextSearchListAsync(
        string catalog, string alias, string namespaceColumn, string nameColumn, string visibility,
        string? pattern, string title, IMetaCommandHost host, CancellationToken ct, string verboseColumns = "") =>
        SimpleListAsync(
            $"SELECT n.nspname AS \"Schema\", {alias}.{nameColumn} AS \"Name\"," + verboseColumns +
            $" pg_catalog.obj_description({alias}.oid, '{catalog}') AS \"Description\"" +
            $" FROM pg_catalog.{catalog} {alias} LEFT JOIN pg_catalog.pg_namespace n ON n.oid = {alias}.{namespaceColumn} WHERE true",
            pattern, Target("n.nspname", $"{alias}.{nameColumn}", $"pg_catalog.{visibility}({alias}.oid)"),
            " ORDER BY 1, 2", title, host, ct);

    private static Task<bool> ListAccessMethodsAsync(string? pattern, bool verbose, IMetaCommandHost host, CancellationToken ct) =>
        SimpleListAsync(
            "SELECT amname AS \"Name\", CASE amtype WHEN 'i' THEN 'Index' WHEN 't' THEN 'Table' END AS \"Type\"" +
            (verbose ? ", amhandler AS \"Handler\", pg_catalog.obj_description(oid, 'pg_am') AS \"Description\"" : "") +
            " FROM pg_catalog.pg_am WHERE true",
            pattern, Target(null, "amname", maxParts: 1), " ORDER BY 1", "List of access methods", host, ct);

    private static string VisibleFamily(string family, string nspAlias) =>
        $"CASE WHEN pg_catalog.pg_opfamily_is_visible({family}.oid) THEN pg_catalog.format('%I', {family}.opfname)" +
        $" ELSE pg_catalog.format('%I.%I', {nspAlias}.nspname, {family}.opfname) END";

    private static async Task<bool> ListOperatorClassesAsync(
        string? amPattern, string? typePattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(
            "SELECT am.amname AS \"AM\", pg_catalog.format_type(c.opcintype, NULL) AS \"Input type\"," +
            " CASE WHEN c.opckeytype <> 0 AND c.opckeytype <> c.opcintype THEN pg_catalog.format_type(c.opckeytype, NULL)" +
            " ELSE NULL END AS \"Storage type\"," +
            " CASE WHEN pg_catalog.pg_opclass_is_visible(c.oid) THEN pg_catalog.format('%I', c.opcname)" +
            " ELSE pg_catalog.format('%I.%I', n.nspname, c.opcname) END AS \"Operator class\"," +
            " (CASE WHEN c.opcdefault THEN 'yes' ELSE 'no' END) AS \"Default?\"");
        if (verbose)
        {
            sql.Append(", ").Append(VisibleFamily("of", "ofn")).Append(" AS \"Operator family\"")
                .Append(", pg_catalog.pg_get_userbyid(c.opcowner) AS \"Owner\"");
        }

        sql.Append(" FROM pg_catalog.pg_opclass c LEFT JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod")
            .Append(" LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace")
            .Append(" LEFT JOIN pg_catalog.pg_type t ON t.oid = c.opcintype")
            .Append(" LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace");
        if (verbose)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_opfamily of ON of.oid = c.opcfamily")
                .Append(" LEFT JOIN pg_catalog.pg_namespace ofn ON ofn.oid = of.opfnamespace");
        }

        sql.Append(" WHERE true");
        if (!AppendTarget(sql, amPattern, Target(null, "am.amname", maxParts: 1), host)
            || !AppendTarget(sql, typePattern, Target("tn.nspname", "t.typname", alt: "pg_catalog.format_type(t.oid, NULL)"), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2, 4");
        return await RunAndPrintAsync(sql, "List of operator classes", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListOperatorFamiliesAsync(
        string? amPattern, string? typePattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT am.amname AS \"AM\", ").Append(VisibleFamily("f", "n")).Append(" AS \"Operator family\",")
            .Append(" (SELECT pg_catalog.string_agg(pg_catalog.format_type(oc.opcintype, NULL), ', ')")
            .Append(" FROM pg_catalog.pg_opclass oc WHERE oc.opcfamily = f.oid) \"Applicable types\"");
        if (verbose)
        {
            sql.Append(", pg_catalog.pg_get_userbyid(f.opfowner) AS \"Owner\"");
        }

        sql.Append(" FROM pg_catalog.pg_opfamily f LEFT JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod")
            .Append(" LEFT JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace WHERE true");
        if (!AppendTarget(sql, amPattern, Target(null, "am.amname", maxParts: 1), host))
        {
            return false;
        }

        if (typePattern is not null)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_opclass oc ON oc.opcintype = t.oid")
                .Append(" LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace WHERE oc.opcfamily = f.oid");
            if (!AppendTarget(sql, typePattern, Target("tn.nspname", "t.typname", alt: "pg_catalog.format_type(t.oid, NULL)"), host))
            {
                return false;
            }

            sql.Append(')');
        }

        sql.Append(" ORDER BY 1, 2");
        return await RunAndPrintAsync(sql, "List of operator families", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListFamilyOperatorsAsync(
        string? amPattern, string? familyPattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT am.amname AS \"AM\", ").Append(VisibleFamily("of", "nsf")).Append(" AS \"Operator family\",")
            .Append(" o.amopopr::pg_catalog.regoperator AS \"Operator\", o.amopstrategy AS \"Strategy\",")
            .Append(" CASE o.amoppurpose WHEN 'o' THEN 'ordering' WHEN 's' THEN 'search' END AS \"Purpose\"");
        if (verbose)
        {
            sql.Append(", ofs.opfname AS \"Sort opfamily\"");
        }

        sql.Append(" FROM pg_catalog.pg_amop o LEFT JOIN pg_catalog.pg_opfamily of ON of.oid = o.amopfamily")
            .Append(" LEFT JOIN pg_catalog.pg_am am ON am.oid = of.opfmethod AND am.oid = o.amopmethod")
            .Append(" LEFT JOIN pg_catalog.pg_namespace nsf ON of.opfnamespace = nsf.oid");
        if (verbose)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_opfamily ofs ON ofs.oid = o.amopsortfamily");
        }

        sql.Append(" WHERE true");
        if (!AppendTarget(sql, amPattern, Target(null, "am.amname", maxParts: 1), host)
            || !AppendTarget(sql, familyPattern, Target("nsf.nspname", "of.opfname"), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2, o.amoplefttype = o.amoprighttype DESC, pg_catalog.format_type(o.amoplefttype, NULL),")
            .Append(" pg_catalog.format_type(o.amoprighttype, NULL), o.amopstrategy");
        return await RunAndPrintAsync(sql, "List of operators of operator families", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListFamilyFunctionsAsync(
        string? amPattern, string? familyPattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT am.amname AS \"AM\", ").Append(VisibleFamily("of", "ns")).Append(" AS \"Operator family\",")
            .Append(" pg_catalog.format_type(ap.amproclefttype, NULL) AS \"Registered left type\",")
            .Append(" pg_catalog.format_type(ap.amprocrighttype, NULL) AS \"Registered right type\",")
            .Append(" ap.amprocnum AS \"Number\", ")
            .Append(verbose ? "ap.amproc::pg_catalog.regprocedure AS \"Function\"" : "p.proname AS \"Function\"")
            .Append(" FROM pg_catalog.pg_amproc ap LEFT JOIN pg_catalog.pg_opfamily of ON of.oid = ap.amprocfamily")
            .Append(" LEFT JOIN pg_catalog.pg_am am ON am.oid = of.opfmethod")
            .Append(" LEFT JOIN pg_catalog.pg_namespace ns ON of.opfnamespace = ns.oid")
            .Append(" LEFT JOIN pg_catalog.pg_proc p ON ap.amproc = p.oid WHERE true");
        if (!AppendTarget(sql, amPattern, Target(null, "am.amname", maxParts: 1), host)
            || !AppendTarget(sql, familyPattern, Target("ns.nspname", "of.opfname"), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2, ap.amproclefttype = ap.amprocrighttype DESC, 3, 4, 5");
        return await RunAndPrintAsync(sql, "List of support functions of operator families", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> RunAndPrintAsync(StringBuilder sql, string title, IMetaCommandHost host, CancellationToken ct)
    {
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        PrintTable(result, title, host);
        return true;
    }

    private static Task<bool> ListAggregatesAsync(string? pattern, bool system, IMetaCommandHost host, CancellationToken ct) =>
        SimpleListAsync(
            "SELECT n.nspname AS \"Schema\", p.proname AS \"Name\"," +
            " pg_catalog.format_type(p.prorettype, NULL) AS \"Result data type\"," +
            " CASE WHEN p.pronargs = 0 THEN CAST('*' AS pg_catalog.text) ELSE pg_catalog.pg_get_function_arguments(p.oid) END" +
            " AS \"Argument data types\", pg_catalog.obj_description(p.oid, 'pg_proc') AS \"Description\"" +
            " FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'a'" +
            (!system && pattern is null ? NotSystemSchema : ""),
            pattern, Target("n.nspname", "p.proname", "pg_catalog.pg_function_is_visible(p.oid)"),
            " ORDER BY 1, 2, 4", "List of aggregate functions", host, ct);

    private static async Task<bool> ListCastsAsync(string? pattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(
            "SELECT pg_catalog.format_type(castsource, NULL) AS \"Source type\"," +
            " pg_catalog.format_type(casttarget, NULL) AS \"Target type\"," +
            " CASE WHEN c.castmethod = 'b' THEN '(binary coercible)' WHEN c.castmethod = 'i' THEN '(with inout)'" +
            " ELSE p.proname END AS \"Function\"," +
            " CASE WHEN c.castcontext = 'e' THEN 'no' WHEN c.castcontext = 'a' THEN 'in assignment' ELSE 'yes' END AS \"Implicit?\"" +
            (verbose ? ", d.description AS \"Description\"" : "") +
            " FROM pg_catalog.pg_cast c LEFT JOIN pg_catalog.pg_proc p ON c.castfunc = p.oid" +
            " LEFT JOIN pg_catalog.pg_type ts ON c.castsource = ts.oid" +
            " LEFT JOIN pg_catalog.pg_namespace ns ON ns.oid = ts.typnamespace" +
            " LEFT JOIN pg_catalog.pg_type tt ON c.casttarget = tt.oid" +
            " LEFT JOIN pg_catalog.pg_namespace nt ON nt.oid = tt.typnamespace" +
            (verbose ? " LEFT JOIN pg_catalog.pg_description d ON d.classoid = c.tableoid AND d.objoid = c.oid AND d.objsubid = 0" : "") +
            " WHERE ((true");
        if (!AppendTarget(sql, pattern, Target("ns.nspname", "ts.typname", "pg_catalog.pg_type_is_visible(ts.oid)",
                alt: "pg_catalog.format_type(ts.oid, NULL)"), host))
        {
            return false;
        }

        sql.Append(") OR (true");
        AppendTarget(sql, pattern, Target("nt.nspname", "tt.typname", "pg_catalog.pg_type_is_visible(tt.oid)",
            alt: "pg_catalog.format_type(tt.oid, NULL)"), host);
        sql.Append(")) ORDER BY 1, 2");
        return await RunAndPrintAsync(sql, "List of casts", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListObjectDescriptionsAsync(string? pattern, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        string excluded = !system && pattern is null ? NotSystemSchema : "";
        var parts = new (string Select, PatternTarget Target)[]
        {
            ("SELECT pgc.oid AS oid, pgc.tableoid AS tableoid, n.nspname AS nspname, CAST(pgc.conname AS pg_catalog.text) AS name," +
             " CAST('table constraint' AS pg_catalog.text) AS object FROM pg_catalog.pg_constraint pgc" +
             " JOIN pg_catalog.pg_class c ON c.oid = pgc.conrelid LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
             " WHERE true" + excluded,
             Target("n.nspname", "pgc.conname", "pg_catalog.pg_table_is_visible(c.oid)")),
            ("SELECT pgc.oid, pgc.tableoid, n.nspname, CAST(pgc.conname AS pg_catalog.text), CAST('domain constraint' AS pg_catalog.text)" +
             " FROM pg_catalog.pg_constraint pgc JOIN pg_catalog.pg_type t ON t.oid = pgc.contypid" +
             " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE true" + excluded,
             Target("n.nspname", "pgc.conname", "pg_catalog.pg_type_is_visible(t.oid)")),
            ("SELECT o.oid, o.tableoid, n.nspname, CAST(o.opcname AS pg_catalog.text), CAST('operator class' AS pg_catalog.text)" +
             " FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_am am ON o.opcmethod = am.oid" +
             " JOIN pg_catalog.pg_namespace n ON n.oid = o.opcnamespace WHERE true" + excluded,
             Target("n.nspname", "o.opcname", "pg_catalog.pg_opclass_is_visible(o.oid)")),
            ("SELECT opf.oid, opf.tableoid, n.nspname, CAST(opf.opfname AS pg_catalog.text), CAST('operator family' AS pg_catalog.text)" +
             " FROM pg_catalog.pg_opfamily opf JOIN pg_catalog.pg_am am ON opf.opfmethod = am.oid" +
             " JOIN pg_catalog.pg_namespace n ON opf.opfnamespace = n.oid WHERE true" + excluded,
             Target("n.nspname", "opf.opfname", "pg_catalog.pg_opfamily_is_visible(opf.oid)")),
            ("SELECT r.oid, r.tableoid, n.nspname, CAST(r.rulename AS pg_catalog.text), CAST('rule' AS pg_catalog.text)" +
             " FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class" +
             " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename != '_RETURN'" + excluded,
             Target("n.nspname", "r.rulename", "pg_catalog.pg_table_is_visible(c.oid)")),
            ("SELECT t.oid, t.tableoid, n.nspname, CAST(t.tgname AS pg_catalog.text), CAST('trigger' AS pg_catalog.text)" +
             " FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid" +
             " LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE true" + excluded,
             Target("n.nspname", "t.tgname", "pg_catalog.pg_table_is_visible(c.oid)")),
        };

        var sql = new StringBuilder("SELECT DISTINCT tt.nspname AS \"Schema\", tt.name AS \"Name\", tt.object AS \"Object\",")
            .Append(" d.description AS \"Description\" FROM (");
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                sql.Append(" UNION ALL ");
            }

            sql.Append(parts[i].Select);
            if (!AppendTarget(sql, pattern, parts[i].Target, host))
            {
                return false;
            }
        }

        sql.Append(") AS tt JOIN pg_catalog.pg_description d ON (tt.oid = d.objoid AND tt.tableoid = d.classoid AND d.objsubid = 0)")
            .Append(" ORDER BY 1, 2, 3");
        return await RunAndPrintAsync(sql, "Object descriptions", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListPrivilegesAsync(string? pattern, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(
            "SELECT n.nspname AS \"Schema\", c.relname AS \"Name\"," +
            " CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'" +
            " WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' END AS \"Type\"," +
            " pg_catalog.array_to_string(c.relacl, E'\\n') AS \"Access privileges\"," +
            " pg_catalog.array_to_string(ARRAY(SELECT attname || E':\\n  ' || pg_catalog.array_to_string(attacl, E'\\n  ')" +
            " FROM pg_catalog.pg_attribute a WHERE attrelid = c.oid AND NOT attisdropped AND attacl IS NOT NULL), E'\\n')" +
            " AS \"Column privileges\"," +
            " pg_catalog.array_to_string(ARRAY(SELECT polname" +
            " || CASE WHEN NOT polpermissive THEN E' (RESTRICTIVE)' ELSE '' END" +
            " || CASE WHEN polcmd != '*' THEN E' (' || polcmd::pg_catalog.text || E'):' ELSE E':' END" +
            " || CASE WHEN polqual IS NOT NULL THEN E'\\n  (u): ' || pg_catalog.pg_get_expr(polqual, polrelid) ELSE E'' END" +
            " || CASE WHEN polwithcheck IS NOT NULL THEN E'\\n  (c): ' || pg_catalog.pg_get_expr(polwithcheck, polrelid) ELSE E'' END" +
            " || CASE WHEN polroles <> '{0}' THEN E'\\n  to: ' || pg_catalog.array_to_string(ARRAY(SELECT rolname" +
            " FROM pg_catalog.pg_roles WHERE oid = ANY (polroles) ORDER BY 1), E', ') ELSE E'' END" +
            " FROM pg_catalog.pg_policy pol WHERE polrelid = c.oid), E'\\n') AS \"Policies\"" +
            " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" +
            " WHERE c.relkind IN ('r','v','m','S','f','p')");

        // As psql 15: system schemas are left out unless the pattern names a schema.
        if (!AppendTarget(sql, pattern, Target("n.nspname", "c.relname", "n.nspname !~ '^pg_' AND pg_catalog.pg_table_is_visible(c.oid)"), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2");
        return await RunAndPrintAsync(sql, "Access privileges", host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListPartitionedAsync(string kinds, string? pattern, bool verbose, IMetaCommandHost host, CancellationToken ct)
    {
        bool tables = kinds.Contains('t', StringComparison.Ordinal);
        bool indexes = kinds.Contains('i', StringComparison.Ordinal);
        bool nested = kinds.Contains('n', StringComparison.Ordinal);
        string title;
        if (tables && !indexes)
        {
            title = "List of partitioned tables";
        }
        else if (indexes && !tables)
        {
            title = "List of partitioned indexes";
        }
        else
        {
            tables = indexes = true;
            title = "List of partitioned relations";
        }

        bool mixed = tables && indexes;
        bool parent = nested || pattern is not null;
        var sql = new StringBuilder("SELECT n.nspname AS \"Schema\", c.relname AS \"Name\", pg_catalog.pg_get_userbyid(c.relowner) AS \"Owner\"");
        if (mixed)
        {
            sql.Append(", CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END AS \"Type\"");
        }

        if (parent)
        {
            sql.Append(", inh.inhparent::pg_catalog.regclass AS \"Parent name\"");
        }

        if (indexes)
        {
            sql.Append(", c2.oid::pg_catalog.regclass AS \"Table\"");
        }

        if (verbose)
        {
            // The size of the direct leaf partitions only when the nested ones are listed too.
            sql.Append(nested ? ", s.dps AS \"Leaf partition size\"" : "")
                .Append(", s.tps AS \"Total size\", pg_catalog.obj_description(c.oid, 'pg_class') AS \"Description\"");
        }

        sql.Append(" FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace");
        if (indexes)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid");
        }

        if (parent)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_inherits inh ON c.oid = inh.inhrelid");
        }

        if (verbose)
        {
            sql.Append(", LATERAL (SELECT pg_catalog.pg_size_pretty(sum(CASE WHEN ppt.isleaf AND ppt.level = 1")
                .Append(" THEN pg_catalog.pg_table_size(ppt.relid) ELSE 0 END)) AS dps,")
                .Append(" pg_catalog.pg_size_pretty(sum(pg_catalog.pg_table_size(ppt.relid))) AS tps")
                .Append(" FROM pg_catalog.pg_partition_tree(c.oid) ppt) s");
        }

        sql.Append(" WHERE c.relkind IN (").Append(mixed ? "'p', 'I'" : tables ? "'p'" : "'I'").Append(')');
        if (!parent)
        {
            sql.Append(" AND NOT c.relispartition");
        }

        if (pattern is null)
        {
            sql.Append(ExcludeSystemSchemas);
        }

        if (!AppendTarget(sql, pattern, Target("n.nspname", "c.relname", "pg_catalog.pg_table_is_visible(c.oid)"), host))
        {
            return false;
        }

        sql.Append(" ORDER BY \"Schema\", ").Append(mixed ? "\"Type\" DESC, " : "").Append(parent ? "\"Parent name\" NULLS FIRST, " : "")
            .Append("\"Name\"");
        return await RunAndPrintAsync(sql, title, host, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ListRoleSettingsAsync(string? rolePattern, string? dbPattern, IMetaCommandHost host, CancellationToken ct)
    {
        var sql = new StringBuilder(
            "SELECT rolname AS \"Role\", datname AS \"Database\", pg_catalog.array_to_string(setconfig, E'\\n') AS \"Settings\"" +
            " FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_database d ON d.oid = setdatabase" +
            " LEFT JOIN pg_catalog.pg_roles r ON r.oid = setrole WHERE true");
        if (!AppendTarget(sql, rolePattern, Target(null, "r.rolname", maxParts: 1), host)
            || !AppendTarget(sql, dbPattern, Target(null, "d.datname", maxParts: 1), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2");
        ResultSet? result = await CatalogQuery.RunAsync(host, sql.ToString(), ct).ConfigureAwait(false);
        if (result is null)
        {
            return false;
        }

        if (result.Rows.Count == 0 && !host.Quiet)
        {
            string message = rolePattern is not null && dbPattern is not null
                ? $"Did not find any settings for role \"{rolePattern}\" and database \"{dbPattern}\"."
                : rolePattern is not null
                    ? $"Did not find any settings for role \"{rolePattern}\"."
                    : "Did not find any settings.";
            host.ReportError(message);
            return false;
        }

        PrintTable(result, "List of settings", host);
        return true;
    }

    private static async Task<bool> ListOperatorsAsync(
        List<string> arguments, bool verbose, bool system, IMetaCommandHost host, CancellationToken ct)
    {
        string? pattern = arguments.Count > 0 ? arguments[0] : null;
        int argPatterns = Math.Min(2, Math.Max(0, arguments.Count - 1));
        var sql = new StringBuilder("SELECT n.nspname AS \"Schema\", o.oprname AS \"Name\",")
            .Append(" CASE WHEN o.oprkind='l' THEN NULL ELSE pg_catalog.format_type(o.oprleft, NULL) END AS \"Left arg type\",")
            .Append(" CASE WHEN o.oprkind='r' THEN NULL ELSE pg_catalog.format_type(o.oprright, NULL) END AS \"Right arg type\",")
            .Append(" pg_catalog.format_type(o.oprresult, NULL) AS \"Result type\",");
        if (verbose)
        {
            sql.Append(" o.oprcode AS \"Function\",");
        }

        sql.Append(" coalesce(pg_catalog.obj_description(o.oid, 'pg_operator'), pg_catalog.obj_description(o.oprcode, 'pg_proc'))")
            .Append(" AS \"Description\" FROM pg_catalog.pg_operator o LEFT JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace");
        if (argPatterns == 2)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_type t0 ON t0.oid = o.oprleft LEFT JOIN pg_catalog.pg_namespace nt0 ON nt0.oid = t0.typnamespace")
                .Append(" LEFT JOIN pg_catalog.pg_type t1 ON t1.oid = o.oprright LEFT JOIN pg_catalog.pg_namespace nt1 ON nt1.oid = t1.typnamespace");
        }
        else if (argPatterns == 1)
        {
            sql.Append(" LEFT JOIN pg_catalog.pg_type t0 ON t0.oid = o.oprright LEFT JOIN pg_catalog.pg_namespace nt0 ON nt0.oid = t0.typnamespace");
        }

        sql.Append(" WHERE true");
        if (!system && pattern is null)
        {
            sql.Append(NotSystemSchema);
        }

        // Operator names are made of regular-expression characters: only *, ? and . keep their pattern meaning.
        if (!AppendPattern(sql, pattern, "n.nspname", "o.oprname", "pg_catalog.pg_operator_is_visible(o.oid)", host, forceEscape: true))
        {
            return false;
        }

        if (argPatterns == 1)
        {
            sql.Append(" AND o.oprleft = 0");
        }

        if (!AppendArgumentTypes(sql, arguments.Skip(1).Take(argPatterns).ToList(), host))
        {
            return false;
        }

        sql.Append(" ORDER BY 1, 2, 3, 4");
        return await RunAndPrintAsync(sql, "List of operators", host, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Conditions on the argument types <c>t0</c>, <c>t1</c>, ... (joined by the caller): each pattern matches
    /// the internal or external type name; <c>-</c> means there is no argument at that position.
    /// </summary>
    private static bool AppendArgumentTypes(StringBuilder sql, List<string> patterns, IMetaCommandHost host)
    {
        for (int i = 0; i < patterns.Count; i++)
        {
            if (patterns[i] == "-")
            {
                sql.Append(" AND t").Append(i).Append(".typname IS NULL");
                continue;
            }

            if (!AppendTarget(sql, MapTypeName(patterns[i]),
                    Target($"nt{i}.nspname", $"t{i}.typname", $"pg_catalog.pg_type_is_visible(t{i}.oid)",
                        alt: $"pg_catalog.format_type(t{i}.oid, NULL)"), host))
            {
                return false;
            }
        }

        return true;
    }
}
