namespace PgWire.Host.Simpsql.Completion;

/// <summary>Word lists completion offers (PostgreSQL 15's commands, object kinds and options).</summary>
internal static class SqlWords
{
    /// <summary>What a statement can start with.</summary>
    public static readonly string[] StatementStarts =
    [
        "ABORT", "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER", "COMMENT", "COMMIT", "COPY",
        "CREATE", "DEALLOCATE", "DECLARE", "DELETE FROM", "DISCARD", "DO", "DROP", "END", "EXECUTE", "EXPLAIN", "FETCH",
        "GRANT", "IMPORT FOREIGN SCHEMA", "INSERT INTO", "LISTEN", "LOAD", "LOCK", "MERGE INTO", "MOVE", "NOTIFY", "PREPARE",
        "REASSIGN", "REFRESH MATERIALIZED VIEW", "REINDEX", "RELEASE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT",
        "SECURITY LABEL", "SELECT", "SET", "SHOW", "START", "TABLE", "TRUNCATE", "UNLISTEN", "UPDATE", "VACUUM", "VALUES",
        "WITH",
    ];

    /// <summary>Statements EXPLAIN (as psql 15 offers them, its options aside) and a WITH query may be followed by.</summary>
    public static readonly string[] Explainable = ["SELECT", "INSERT INTO", "DELETE FROM", "UPDATE", "DECLARE", "MERGE INTO", "EXECUTE"];

    public static readonly string[] CreateKinds =
    [
        "ACCESS METHOD", "AGGREGATE", "CAST", "COLLATION", "CONVERSION", "DATABASE", "DOMAIN", "EVENT TRIGGER",
        "EXTENSION", "FOREIGN DATA WRAPPER", "FOREIGN TABLE", "FUNCTION", "GROUP", "INDEX", "LANGUAGE", "MATERIALIZED VIEW",
        "OPERATOR", "OR REPLACE", "POLICY", "PROCEDURE", "PUBLICATION", "ROLE", "RULE", "SCHEMA", "SEQUENCE", "SERVER",
        "STATISTICS", "SUBSCRIPTION", "TABLE", "TABLESPACE", "TEMP", "TEMPORARY", "TEXT SEARCH", "TRANSFORM", "TRIGGER",
        "TYPE", "UNIQUE", "UNLOGGED", "USER", "USER MAPPING FOR", "VIEW",
    ];

    public static readonly string[] DropKinds =
    [
        "ACCESS METHOD", "AGGREGATE", "CAST", "COLLATION", "CONVERSION", "DATABASE", "DOMAIN", "EVENT TRIGGER", "EXTENSION",
        "FOREIGN DATA WRAPPER", "FOREIGN TABLE", "FUNCTION", "GROUP", "INDEX", "LANGUAGE", "MATERIALIZED VIEW", "OPERATOR",
        "OWNED", "POLICY", "PROCEDURE", "PUBLICATION", "ROLE", "ROUTINE", "RULE", "SCHEMA", "SEQUENCE", "SERVER",
        "STATISTICS", "SUBSCRIPTION", "TABLE", "TABLESPACE", "TEXT SEARCH", "TRANSFORM", "TRIGGER", "TYPE", "USER",
        "USER MAPPING FOR", "VIEW",
    ];

    public static readonly string[] AlterKinds =
    [
        "AGGREGATE", "CAST", "COLLATION", "CONVERSION", "DATABASE", "DEFAULT PRIVILEGES", "DOMAIN", "EVENT TRIGGER", "EXTENSION",
        "FOREIGN DATA WRAPPER", "FOREIGN TABLE", "FUNCTION", "GROUP", "INDEX", "LANGUAGE", "LARGE OBJECT",
        "MATERIALIZED VIEW", "OPERATOR", "POLICY", "PROCEDURE", "PUBLICATION", "ROLE", "ROUTINE", "RULE", "SCHEMA",
        "SEQUENCE", "SERVER", "STATISTICS", "SUBSCRIPTION", "SYSTEM", "TABLE", "TABLESPACE", "TEXT SEARCH", "TRIGGER",
        "TYPE", "USER", "USER MAPPING FOR", "VIEW",
    ];

    /// <summary>Sub-commands of ALTER TABLE name.</summary>
    public static readonly string[] AlterTableActions =
    [
        "ADD", "ALTER", "ATTACH PARTITION", "CLUSTER ON", "DETACH PARTITION", "DISABLE", "DROP", "ENABLE", "FORCE ROW LEVEL SECURITY",
        "INHERIT", "NO", "OWNER TO", "RENAME", "REPLICA IDENTITY", "RESET", "SET", "VALIDATE CONSTRAINT",
    ];

    public static readonly string[] AlterTableAdd = ["CHECK", "COLUMN", "CONSTRAINT", "EXCLUDE", "FOREIGN KEY", "PRIMARY KEY", "UNIQUE"];

    public static readonly string[] AlterColumnActions = ["ADD", "DROP", "RESET", "RESTART", "SET", "TYPE"];

    public static readonly string[] AlterTableSet =
    [
        "(", "ACCESS METHOD", "LOGGED", "SCHEMA", "TABLESPACE", "UNLOGGED", "WITH", "WITHOUT",
    ];

    public static readonly string[] AlterViewActions = ["ALTER COLUMN", "OWNER TO", "RENAME", "RESET", "SET"];

    public static readonly string[] AlterIndexActions = ["ALTER COLUMN", "ATTACH PARTITION", "DEPENDS ON EXTENSION", "NO DEPENDS ON EXTENSION", "OWNER TO", "RENAME TO", "RESET", "SET"];

    public static readonly string[] AlterSequenceActions =
    [
        "AS", "CACHE", "CYCLE", "INCREMENT", "MAXVALUE", "MINVALUE", "NO", "OWNED BY", "OWNER TO", "RENAME TO", "RESTART",
        "SET", "START WITH",
    ];

    public static readonly string[] AlterRoleOptions =
    [
        "BYPASSRLS", "CONNECTION LIMIT", "CREATEDB", "CREATEROLE", "ENCRYPTED PASSWORD", "INHERIT", "LOGIN", "NOBYPASSRLS",
        "NOCREATEDB", "NOCREATEROLE", "NOINHERIT", "NOLOGIN", "NOREPLICATION", "NOSUPERUSER", "PASSWORD", "RENAME TO",
        "REPLICATION", "RESET", "SET", "SUPERUSER", "VALID UNTIL", "WITH",
    ];

    public static readonly string[] AlterDatabaseActions =
    [
        "ALLOW_CONNECTIONS", "CONNECTION LIMIT", "IS_TEMPLATE", "OWNER TO", "REFRESH COLLATION VERSION", "RENAME TO", "RESET",
        "SET", "WITH",
    ];

    public static readonly string[] Privileges =
    [
        "ALL", "CONNECT", "CREATE", "DELETE", "EXECUTE", "INSERT", "REFERENCES", "SELECT", "TEMPORARY", "TRIGGER", "TRUNCATE",
        "UPDATE", "USAGE",
    ];

    /// <summary>The privileges after which psql 15 offers ON, as one Tail pattern.</summary>
    public static readonly string PrivilegePattern = string.Join('|', Privileges) + "|TEMP";

    /// <summary>What psql 15 offers right after GRANT or REVOKE, with the roles.</summary>
    public static readonly string[] GrantablePrivileges =
    [
        "GRANT", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "CREATE", "CONNECT", "TEMPORARY",
        "EXECUTE", "USAGE", "SET", "ALTER SYSTEM", "ALL",
    ];

    public static readonly string[] GrantTargets =
    [
        "ALL FUNCTIONS IN SCHEMA", "ALL PROCEDURES IN SCHEMA", "ALL ROUTINES IN SCHEMA", "ALL SEQUENCES IN SCHEMA",
        "ALL TABLES IN SCHEMA", "DATABASE", "DOMAIN", "FOREIGN DATA WRAPPER", "FOREIGN SERVER", "FUNCTION", "LANGUAGE",
        "LARGE OBJECT", "PARAMETER", "PROCEDURE", "ROUTINE", "SCHEMA", "SEQUENCE", "TABLE", "TABLESPACE", "TYPE",
    ];

    public static readonly string[] LockModes =
    [
        "ACCESS SHARE MODE", "ROW SHARE MODE", "ROW EXCLUSIVE MODE", "SHARE UPDATE EXCLUSIVE MODE", "SHARE MODE",
        "SHARE ROW EXCLUSIVE MODE", "EXCLUSIVE MODE", "ACCESS EXCLUSIVE MODE",
    ];

    public static readonly string[] TransactionModes = ["DEFERRABLE", "ISOLATION LEVEL", "NOT DEFERRABLE", "READ"];

    public static readonly string[] IsolationLevels = ["READ COMMITTED", "READ UNCOMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

    public static readonly string[] AfterFromItem =
    [
        "CROSS JOIN", "FULL JOIN", "GROUP BY", "INNER JOIN", "JOIN", "LEFT JOIN", "LIMIT", "NATURAL JOIN", "OFFSET",
        "ORDER BY", "RIGHT JOIN", "UNION", "WHERE",
    ];

    public static readonly string[] ColumnConstraints =
    [
        "CHECK", "COLLATE", "CONSTRAINT", "DEFAULT", "GENERATED", "NOT NULL", "NULL", "PRIMARY KEY", "REFERENCES", "UNIQUE",
    ];

    /// <summary>Type names that are keywords rather than names in pg_type.</summary>
    public static readonly string[] TypeKeywords = ["bigint", "boolean", "character", "double precision", "integer", "real", "smallint"];

    public static readonly string[] TableConstraints = ["CHECK", "CONSTRAINT", "EXCLUDE", "FOREIGN KEY", "LIKE", "PRIMARY KEY", "UNIQUE"];

    /// <summary>Keywords that end a FROM item (so are not its alias) or start another clause.</summary>
    public static readonly HashSet<string> ClauseWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "WHERE", "JOIN", "ON", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "NATURAL", "OUTER", "GROUP", "ORDER", "LIMIT",
        "OFFSET", "HAVING", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "USING", "SET", "RETURNING", "FOR", "TABLESAMPLE",
        "LATERAL", "FETCH", "VALUES", "SELECT", "DEFAULT", "OVERRIDING", "AS", "ONLY", "WHEN", "THEN", "INTO", "FROM",
        "BY", "AND", "OR", "NOT", "ASC", "DESC", "NULLS", "DO", "WITH",
    };

    /// <summary>
    /// PostgreSQL's keywords that are not unreserved (reserved, column-name and type-or-function-name keywords): as the
    /// server's quote_ident does, a name spelled like one is quoted.
    /// </summary>
    public static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists", "extract",
        "float", "greatest", "grouping", "inout", "int", "integer", "interval", "least", "national", "nchar", "none",
        "normalize", "nullif", "numeric", "out", "overlay", "position", "precision", "real", "row", "setof", "smallint",
        "substring", "time", "timestamp", "treat", "trim", "values", "varchar", "xmlattributes", "xmlconcat", "xmlelement",
        "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
        "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike", "inner",
        "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample",
        "verbose",
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
        "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
        "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
        "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
        "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "table", "then",
        "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
    };

    /// <summary>psql 15's meta-commands.</summary>
    public static readonly string[] MetaCommands =
    [
        "\\a", "\\connect", "\\conninfo", "\\C", "\\cd", "\\copy", "\\copyright", "\\crosstabview", "\\d", "\\da", "\\dA",
        "\\dAc", "\\dAf", "\\dAo", "\\dAp", "\\db", "\\dc", "\\dconfig", "\\dC", "\\dd", "\\ddp", "\\dD", "\\des", "\\det",
        "\\deu", "\\dew", "\\dE", "\\df", "\\dF", "\\dFd", "\\dFp", "\\dFt", "\\dg", "\\di", "\\dl", "\\dL", "\\dm", "\\dn",
        "\\do", "\\dO", "\\dp", "\\dP", "\\dPi", "\\dPt", "\\drds", "\\dRs", "\\dRp", "\\ds", "\\dt", "\\dT", "\\dv", "\\du",
        "\\dx", "\\dX", "\\dy", "\\echo", "\\edit", "\\ef", "\\elif", "\\else", "\\encoding", "\\endif", "\\errverbose",
        "\\ev", "\\f", "\\g", "\\gdesc", "\\getenv", "\\gexec", "\\gset", "\\gx", "\\help", "\\html", "\\if", "\\include",
        "\\include_relative", "\\ir", "\\list", "\\lo_import", "\\lo_export", "\\lo_list", "\\lo_unlink", "\\out",
        "\\password", "\\print", "\\prompt", "\\pset", "\\qecho", "\\quit", "\\reset", "\\s", "\\set", "\\setenv", "\\sf",
        "\\sv", "\\t", "\\T", "\\timing", "\\unset", "\\x", "\\warn", "\\watch", "\\write", "\\z", "\\!", "\\?",
    ];

    public static readonly string[] PsetOptions =
    [
        "border", "columns", "csv_fieldsep", "expanded", "fieldsep", "fieldsep_zero", "footer", "format", "linestyle",
        "null", "numericlocale", "pager", "pager_min_lines", "recordsep", "recordsep_zero", "tableattr", "title",
        "tuples_only", "unicode_border_linestyle", "unicode_column_linestyle", "unicode_header_linestyle",
    ];

    /// <summary>The values \pset offers for an option, or null when it takes free text.</summary>
    public static string[]? PsetValues(string option) => option switch
    {
        "format" => ["aligned", "asciidoc", "csv", "html", "latex", "latex-longtable", "troff-ms", "unaligned", "wrapped"],
        "linestyle" => ["ascii", "old-ascii", "unicode"],
        "expanded" => ["auto", "off", "on"],
        "pager" => ["always", "off", "on"],
        "unicode_border_linestyle" or "unicode_column_linestyle" or "unicode_header_linestyle" => ["double", "single"],
        "fieldsep_zero" or "footer" or "numericlocale" or "recordsep_zero" or "tuples_only" => ["off", "on"],
        _ => null,
    };
}
