using System.Globalization;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql.Completion;

/// <summary>
/// Catalog names read over the session's own connection, as psql does. Nothing is sent while a query or COPY runs or
/// while the session is in a failed transaction (the query would fail there, and psql's fails silently: no
/// candidates). In a live transaction only the catalog is read, with text parameters and no cast of user text, so the
/// query cannot fail and the transaction goes on as it was.
/// </summary>
internal sealed class SessionCatalog : ICompletionCatalog
{
    // The system catalog's own relations are offered unqualified only once "pg_" is typed, as psql does.

    /// <summary>At most this many names per query (psql's default too).</summary>
    private const int Limit = 1000;

    private const string PrefixFilter = "pg_catalog.lower(pg_catalog.left({0}, pg_catalog.length($1::pg_catalog.text))) = pg_catalog.lower($1::pg_catalog.text)";

    private readonly Func<PgClient> _client;
    private readonly Func<bool> _busy;

    /// <param name="client">The session's current connection.</param>
    /// <param name="busy">True while a query or COPY is running on it.</param>
    public SessionCatalog(Func<PgClient> client, Func<bool> busy)
    {
        _client = client;
        _busy = busy;
    }

    /// <summary>Number of queries sent, for tests.</summary>
    public int QueriesSent { get; private set; }

    public IReadOnlyList<string> Names(CatalogSource source, string? schema, string prefix)
    {
        var client = _client();
        if (client.IsClosed || _busy() || client.TransactionStatus == TransactionStatus.Failed)
        {
            return [];
        }

        if (source.Kind == NameKind.SettingValue && TransactionSettingValues(source.Setting) is { } fixedValues)
        {
            // SET transaction_isolation must come before any query of the transaction: asking the server for its
            // values would make it fail right after BEGIN.
            return [.. fixedValues.Where(v => v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];
        }

        if (source.Kind == NameKind.AvailableExtension && client.TransactionStatus != TransactionStatus.Idle)
        {
            // pg_available_extensions reads the server's extension directory, which can fail: not inside a transaction.
            return [];
        }

        var (sql, parameters) = Query(source, schema, prefix);
        if (sql is null)
        {
            return [];
        }

        var observer = new TextRowsObserver();
        try
        {
            QueriesSent++;
            client.ExecuteExtendedAsync(sql, parameters, observer).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is PgConnectionException or InvalidOperationException or OperationCanceledException or IOException)
        {
            return [];
        }

        if (observer.Error is not null)
        {
            return [];
        }

        return [.. observer.Rows.Where(r => r.Length > 0 && r[0] is not null).Select(r => r[0]!)];
    }

    private static string[]? TransactionSettingValues(string? setting) => setting?.ToLowerInvariant() switch
    {
        "transaction_isolation" => ["read committed", "read uncommitted", "repeatable read", "serializable"],
        "transaction_read_only" or "transaction_deferrable" => ["off", "on"],
        _ => null,
    };

    private static (string? Sql, IReadOnlyList<string?> Parameters) Query(CatalogSource source, string? schema, string prefix)
    {
        string limit = " ORDER BY 1 LIMIT " + Limit.ToString(CultureInfo.InvariantCulture);
        string visibleOr(string visible, string nspname) =>
            $"(CASE WHEN $2::pg_catalog.text = '' THEN {visible} ELSE {nspname} = $2::pg_catalog.text END)";
        string filter(string column) => string.Format(CultureInfo.InvariantCulture, PrefixFilter, column);
        string?[] qualified = [prefix, schema ?? ""];
        string?[] plain = [prefix];

        string? relkinds = source.Kind switch
        {
            NameKind.Selectable => "rpvmf",
            NameKind.Updatable => "rpvf",
            NameKind.Table => "rp",
            NameKind.View => "v",
            NameKind.MaterializedView => "m",
            NameKind.Sequence => "S",
            NameKind.Index => "iI",
            NameKind.ForeignTable => "f",
            NameKind.Relation => "rpvmfSiI",
            _ => null,
        };
        if (relkinds is not null)
        {
            return ("SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE pg_catalog.strpos($3::pg_catalog.text, c.relkind::pg_catalog.text) > 0 AND " + filter("c.relname")
                + " AND " + visibleOr("pg_catalog.pg_table_is_visible(c.oid)", "n.nspname")
                + " AND (n.nspname <> 'pg_catalog' OR $2::pg_catalog.text <> '' OR pg_catalog.lower(pg_catalog.left($1::pg_catalog.text, 3)) = 'pg_')" + limit,
                [prefix, schema ?? "", relkinds]);
        }

        switch (source.Kind)
        {
            case NameKind.Function:
            case NameKind.Procedure:
                return ("SELECT DISTINCT p.proname::pg_catalog.text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                    + " WHERE p.prokind " + (source.Kind == NameKind.Procedure ? "= 'p'" : "<> 'p'") + " AND " + filter("p.proname")
                    + " AND " + visibleOr("pg_catalog.pg_function_is_visible(p.oid)", "n.nspname") + limit, qualified);
            case NameKind.Type:
                return ("SELECT DISTINCT t.typname::pg_catalog.text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
                    + " WHERE (t.typrelid = 0 OR t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))"
                    + " AND pg_catalog.left(t.typname, 1) <> '_' AND " + filter("t.typname")
                    + " AND " + visibleOr("pg_catalog.pg_type_is_visible(t.oid)", "n.nspname") + limit, qualified);
            case NameKind.Schema:
                return ("SELECT n.nspname::pg_catalog.text FROM pg_catalog.pg_namespace n WHERE " + filter("n.nspname")
                    + " AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'" + limit, plain);
            case NameKind.Database:
                return ("SELECT d.datname::pg_catalog.text FROM pg_catalog.pg_database d WHERE " + filter("d.datname") + limit, plain);
            case NameKind.Role:
                return ("SELECT r.rolname::pg_catalog.text FROM pg_catalog.pg_roles r WHERE " + filter("r.rolname") + limit, plain);
            case NameKind.Tablespace:
                return ("SELECT s.spcname::pg_catalog.text FROM pg_catalog.pg_tablespace s WHERE " + filter("s.spcname") + limit, plain);
            case NameKind.Extension:
                return ("SELECT e.extname::pg_catalog.text FROM pg_catalog.pg_extension e WHERE " + filter("e.extname") + limit, plain);
            case NameKind.AvailableExtension:
                return ("SELECT a.name::pg_catalog.text FROM pg_catalog.pg_available_extensions a WHERE a.installed_version IS NULL AND " + filter("a.name") + limit, plain);
            case NameKind.Cursor:
                return ("SELECT c.name::pg_catalog.text FROM pg_catalog.pg_cursors c WHERE c.name <> '' AND " + filter("c.name") + limit, plain);
            case NameKind.PreparedStatement:
                return ("SELECT p.name::pg_catalog.text FROM pg_catalog.pg_prepared_statements p WHERE " + filter("p.name") + limit, plain);
            case NameKind.IndexMethod:
                return ("SELECT a.amname::pg_catalog.text FROM pg_catalog.pg_am a WHERE a.amtype = 'i' AND " + filter("a.amname") + limit, plain);
            case NameKind.Setting:
            case NameKind.AnySetting:
            case NameKind.SystemSetting:
                string context = source.Kind switch
                {
                    NameKind.Setting => " AND s.context IN ('user', 'superuser')",
                    NameKind.SystemSetting => " AND s.context <> 'internal'",
                    _ => "",
                };
                return ("SELECT pg_catalog.lower(s.name) FROM pg_catalog.pg_settings s WHERE " + filter("s.name") + context + limit, plain);
            case NameKind.SettingValue:
                return ("SELECT v FROM pg_catalog.pg_settings s, pg_catalog.unnest(CASE WHEN s.vartype = 'bool' THEN ARRAY['off', 'on'] ELSE s.enumvals END) v"
                    + " WHERE pg_catalog.lower(s.name) = pg_catalog.lower($2::pg_catalog.text) AND " + filter("v") + limit, [prefix, source.Setting ?? ""]);
            case NameKind.Column:
                string names = string.Join('\n', source.Tables.Select(t => t.Name));
                string schemas = string.Join('\n', source.Tables.Select(t => t.Schema ?? ""));
                return ("SELECT DISTINCT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
                    + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    + " JOIN ROWS FROM (pg_catalog.unnest(pg_catalog.string_to_array($2::pg_catalog.text, E'\\n')), pg_catalog.unnest(pg_catalog.string_to_array($3::pg_catalog.text, E'\\n'))) AS t(rel, sch)"
                    + " ON c.relname = t.rel AND (CASE WHEN COALESCE(t.sch, '') = '' THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = t.sch END)"
                    + " WHERE a.attnum > 0 AND NOT a.attisdropped AND " + filter("a.attname") + limit, [prefix, names, schemas]);
            default:
                return (null, []);
        }
    }
}
