using System.Text;

namespace PgWire.Host.Psql.Describe;

/// <summary>
/// Translates a psql object-name pattern (<c>schema.name</c>, <c>*</c>, <c>?</c>, double quotes)
/// into anchored POSIX regular expressions and the SQL conditions that apply them.
/// </summary>
internal sealed class NamePattern
{
    private const string MatchAll = "^(.*)$";

    private NamePattern(string? schemaRegex, string? nameRegex, bool hasSchema)
    {
        SchemaRegex = schemaRegex;
        NameRegex = nameRegex;
        HasSchema = hasSchema;
    }

    /// <summary>The anchored regex for the schema part, or null when there is none or it matches anything.</summary>
    public string? SchemaRegex { get; }

    /// <summary>The anchored regex for the name part, or null when it matches anything.</summary>
    public string? NameRegex { get; }

    /// <summary>Whether the pattern names a schema (then no visibility rule applies).</summary>
    public bool HasSchema { get; }

    /// <summary>
    /// Parses <paramref name="pattern"/>; returns null and sets <paramref name="error"/> for a name
    /// with too many dotted parts.
    /// </summary>
    public static NamePattern? Parse(string pattern, out string? error) => Parse(pattern, 3, null, out error);

    /// <summary>
    /// Parses <paramref name="pattern"/> for a command that accepts at most <paramref name="maxParts"/>
    /// dotted parts. As in psql, a pattern with more dots is refused, and when it has exactly
    /// <paramref name="maxParts"/> parts (and more than one is allowed) the first part is a database
    /// name that must be <paramref name="currentDatabase"/> (compared literally; null skips the check).
    /// </summary>
    public static NamePattern? Parse(string pattern, int maxParts, string? currentDatabase, out string? error) =>
        Parse(pattern, maxParts, currentDatabase, true, out error);

    /// <summary>
    /// As above; when <paramref name="databaseNamed"/> is false (a command matching no schema), psql takes no
    /// database name from the pattern, so a pattern with a database part never names the current database.
    /// With <paramref name="forceEscape"/> (operator names), regular-expression characters other than
    /// <c>*</c>, <c>?</c> and <c>.</c> are literal even outside quotes.
    /// </summary>
    public static NamePattern? Parse(
        string pattern, int maxParts, string? currentDatabase, bool databaseNamed, out string? error, bool forceEscape = false)
    {
        error = null;
        var parts = new List<StringBuilder> { new() };
        var firstLiteral = new StringBuilder();
        bool inQuotes = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char ch = pattern[i];
            StringBuilder current = parts[^1];
            if (ch == '"')
            {
                if (inQuotes && i + 1 < pattern.Length && pattern[i + 1] == '"')
                {
                    current.Append('"');
                    AppendLiteral('"');
                    i++;
                }
                else
                {
                    inQuotes = !inQuotes;
                }
            }
            else if (!inQuotes && ch == '*')
            {
                current.Append(".*");
                AppendLiteral(ch);
            }
            else if (!inQuotes && ch == '?')
            {
                current.Append('.');
                AppendLiteral(ch);
            }
            else if (!inQuotes && ch == '.')
            {
                parts.Add(new StringBuilder());
            }
            else if (ch == '$')
            {
                current.Append("\\$");
                AppendLiteral(ch);
            }
            else if ((inQuotes || forceEscape) && "|*+?()[]{}.^\\".Contains(ch, StringComparison.Ordinal))
            {
                current.Append('\\').Append(ch);
                AppendLiteral(ch);
            }
            else if (!inQuotes && ch == '[' && i + 1 < pattern.Length && pattern[i + 1] == ']')
            {
                // "[]" outside quotes is far more likely an array type name than a bracket expression.
                current.Append("\\[");
                AppendLiteral(ch);
            }
            else if (!inQuotes && ch is >= 'A' and <= 'Z')
            {
                current.Append((char)(ch + ('a' - 'A')));
                AppendLiteral((char)(ch + ('a' - 'A')));
            }
            else
            {
                current.Append(ch);
                AppendLiteral(ch);
            }
        }

        int dots = parts.Count - 1;
        if (dots >= maxParts)
        {
            error = $"improper qualified name (too many dotted names): {pattern}";
            return null;
        }

        if (maxParts > 1 && dots == maxParts - 1 && currentDatabase is not null
            && (!databaseNamed || !string.Equals(firstLiteral.ToString(), currentDatabase, StringComparison.Ordinal)))
        {
            error = $"cross-database references are not implemented: {pattern}";
            return null;
        }

        string name = "^(" + parts[^1] + ")$";
        if (parts.Count == 1)
        {
            return new NamePattern(null, name == MatchAll ? null : name, false);
        }

        string schema = "^(" + parts[^2] + ")$";
        return new NamePattern(schema == MatchAll ? null : schema, name == MatchAll ? null : name, true);

        void AppendLiteral(char c)
        {
            if (parts.Count == 1)
            {
                firstLiteral.Append(c);
            }
        }
    }

    /// <summary>
    /// The conditions psql adds for a pattern (or for no pattern when <paramref name="pattern"/> is null):
    /// each as a complete <c>AND ...</c> fragment. Returns null (with <paramref name="error"/>) for a bad pattern.
    /// </summary>
    public static string? Conditions(
        string? pattern,
        string? schemaColumn,
        string nameColumn,
        string? visibilityRule,
        out string? error) => Conditions(pattern, schemaColumn, nameColumn, visibilityRule, 3, null, out error);

    /// <summary>
    /// As <see cref="Conditions(string?, string?, string, string?, out string?)"/>, for a command that
    /// accepts at most <paramref name="maxParts"/> dotted parts (see <see cref="Parse(string, int, string?, out string?)"/>).
    /// </summary>
    public static string? Conditions(
        string? pattern,
        string? schemaColumn,
        string nameColumn,
        string? visibilityRule,
        int maxParts,
        string? currentDatabase,
        out string? error) => Conditions(pattern, schemaColumn, nameColumn, null, visibilityRule, maxParts, currentDatabase, out error);

    /// <summary>
    /// As above, where the name part may match either <paramref name="nameColumn"/> or
    /// <paramref name="altNameColumn"/> (psql's internal and external type names, for example).
    /// </summary>
    public static string? Conditions(
        string? pattern,
        string? schemaColumn,
        string nameColumn,
        string? altNameColumn,
        string? visibilityRule,
        int maxParts,
        string? currentDatabase,
        out string? error,
        bool forceEscape = false)
    {
        error = null;
        var sql = new StringBuilder();
        if (pattern is null)
        {
            if (visibilityRule is not null)
            {
                sql.Append(" AND ").Append(visibilityRule);
            }

            return sql.ToString();
        }

        NamePattern? parsed = Parse(pattern, maxParts, currentDatabase, schemaColumn is not null, out error, forceEscape);
        if (parsed is null)
        {
            return null;
        }

        if (parsed.NameRegex is not null)
        {
            if (altNameColumn is null)
            {
                sql.Append(" AND ").Append(nameColumn).Append(" OPERATOR(pg_catalog.~) ")
                    .Append(Literal(parsed.NameRegex)).Append(" COLLATE pg_catalog.default");
            }
            else
            {
                sql.Append(" AND (").Append(nameColumn).Append(" OPERATOR(pg_catalog.~) ")
                    .Append(Literal(parsed.NameRegex)).Append(" COLLATE pg_catalog.default OR ")
                    .Append(altNameColumn).Append(" OPERATOR(pg_catalog.~) ")
                    .Append(Literal(parsed.NameRegex)).Append(" COLLATE pg_catalog.default)");
            }
        }

        if (schemaColumn is not null && parsed.HasSchema)
        {
            if (parsed.SchemaRegex is not null)
            {
                sql.Append(" AND ").Append(schemaColumn).Append(" OPERATOR(pg_catalog.~) ")
                    .Append(Literal(parsed.SchemaRegex)).Append(" COLLATE pg_catalog.default");
            }
        }
        else if (visibilityRule is not null && !parsed.HasSchema)
        {
            sql.Append(" AND ").Append(visibilityRule);
        }

        return sql.ToString();
    }

    /// <summary>A standard-conforming SQL string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
