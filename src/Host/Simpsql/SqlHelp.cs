using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// The SQL commands <c>\h</c> knows (PostgreSQL 15's reference pages) and where each is documented.
/// simpsql does not reproduce the syntax synopses: <c>\h NAME</c> gives the link to the page.
/// </summary>
internal static class SqlHelp
{
    /// <summary>Command names in psql's order, each with the id of its page under https://www.postgresql.org/docs/VERSION/.</summary>
    internal static readonly (string Name, string Page)[] Commands =
    [
        ("ABORT", "sql-abort"),
        ("ALTER AGGREGATE", "sql-alteraggregate"),
        ("ALTER COLLATION", "sql-altercollation"),
        ("ALTER CONVERSION", "sql-alterconversion"),
        ("ALTER DATABASE", "sql-alterdatabase"),
        ("ALTER DEFAULT PRIVILEGES", "sql-alterdefaultprivileges"),
        ("ALTER DOMAIN", "sql-alterdomain"),
        ("ALTER EVENT TRIGGER", "sql-altereventtrigger"),
        ("ALTER EXTENSION", "sql-alterextension"),
        ("ALTER FOREIGN DATA WRAPPER", "sql-alterforeigndatawrapper"),
        ("ALTER FOREIGN TABLE", "sql-alterforeigntable"),
        ("ALTER FUNCTION", "sql-alterfunction"),
        ("ALTER GROUP", "sql-altergroup"),
        ("ALTER INDEX", "sql-alterindex"),
        ("ALTER LANGUAGE", "sql-alterlanguage"),
        ("ALTER LARGE OBJECT", "sql-alterlargeobject"),
        ("ALTER MATERIALIZED VIEW", "sql-altermaterializedview"),
        ("ALTER OPERATOR", "sql-alteroperator"),
        ("ALTER OPERATOR CLASS", "sql-alteropclass"),
        ("ALTER OPERATOR FAMILY", "sql-alteropfamily"),
        ("ALTER POLICY", "sql-alterpolicy"),
        ("ALTER PROCEDURE", "sql-alterprocedure"),
        ("ALTER PUBLICATION", "sql-alterpublication"),
        ("ALTER ROLE", "sql-alterrole"),
        ("ALTER ROUTINE", "sql-alterroutine"),
        ("ALTER RULE", "sql-alterrule"),
        ("ALTER SCHEMA", "sql-alterschema"),
        ("ALTER SEQUENCE", "sql-altersequence"),
        ("ALTER SERVER", "sql-alterserver"),
        ("ALTER STATISTICS", "sql-alterstatistics"),
        ("ALTER SUBSCRIPTION", "sql-altersubscription"),
        ("ALTER SYSTEM", "sql-altersystem"),
        ("ALTER TABLE", "sql-altertable"),
        ("ALTER TABLESPACE", "sql-altertablespace"),
        ("ALTER TEXT SEARCH CONFIGURATION", "sql-altertsconfig"),
        ("ALTER TEXT SEARCH DICTIONARY", "sql-altertsdictionary"),
        ("ALTER TEXT SEARCH PARSER", "sql-altertsparser"),
        ("ALTER TEXT SEARCH TEMPLATE", "sql-altertstemplate"),
        ("ALTER TRIGGER", "sql-altertrigger"),
        ("ALTER TYPE", "sql-altertype"),
        ("ALTER USER", "sql-alteruser"),
        ("ALTER USER MAPPING", "sql-alterusermapping"),
        ("ALTER VIEW", "sql-alterview"),
        ("ANALYZE", "sql-analyze"),
        ("BEGIN", "sql-begin"),
        ("CALL", "sql-call"),
        ("CHECKPOINT", "sql-checkpoint"),
        ("CLOSE", "sql-close"),
        ("CLUSTER", "sql-cluster"),
        ("COMMENT", "sql-comment"),
        ("COMMIT", "sql-commit"),
        ("COMMIT PREPARED", "sql-commit-prepared"),
        ("COPY", "sql-copy"),
        ("CREATE ACCESS METHOD", "sql-create-access-method"),
        ("CREATE AGGREGATE", "sql-createaggregate"),
        ("CREATE CAST", "sql-createcast"),
        ("CREATE COLLATION", "sql-createcollation"),
        ("CREATE CONVERSION", "sql-createconversion"),
        ("CREATE DATABASE", "sql-createdatabase"),
        ("CREATE DOMAIN", "sql-createdomain"),
        ("CREATE EVENT TRIGGER", "sql-createeventtrigger"),
        ("CREATE EXTENSION", "sql-createextension"),
        ("CREATE FOREIGN DATA WRAPPER", "sql-createforeigndatawrapper"),
        ("CREATE FOREIGN TABLE", "sql-createforeigntable"),
        ("CREATE FUNCTION", "sql-createfunction"),
        ("CREATE GROUP", "sql-creategroup"),
        ("CREATE INDEX", "sql-createindex"),
        ("CREATE LANGUAGE", "sql-createlanguage"),
        ("CREATE MATERIALIZED VIEW", "sql-creatematerializedview"),
        ("CREATE OPERATOR", "sql-createoperator"),
        ("CREATE OPERATOR CLASS", "sql-createopclass"),
        ("CREATE OPERATOR FAMILY", "sql-createopfamily"),
        ("CREATE POLICY", "sql-createpolicy"),
        ("CREATE PROCEDURE", "sql-createprocedure"),
        ("CREATE PUBLICATION", "sql-createpublication"),
        ("CREATE ROLE", "sql-createrole"),
        ("CREATE RULE", "sql-createrule"),
        ("CREATE SCHEMA", "sql-createschema"),
        ("CREATE SEQUENCE", "sql-createsequence"),
        ("CREATE SERVER", "sql-createserver"),
        ("CREATE STATISTICS", "sql-createstatistics"),
        ("CREATE SUBSCRIPTION", "sql-createsubscription"),
        ("CREATE TABLE", "sql-createtable"),
        ("CREATE TABLE AS", "sql-createtableas"),
        ("CREATE TABLESPACE", "sql-createtablespace"),
        ("CREATE TEXT SEARCH CONFIGURATION", "sql-createtsconfig"),
        ("CREATE TEXT SEARCH DICTIONARY", "sql-createtsdictionary"),
        ("CREATE TEXT SEARCH PARSER", "sql-createtsparser"),
        ("CREATE TEXT SEARCH TEMPLATE", "sql-createtstemplate"),
        ("CREATE TRANSFORM", "sql-createtransform"),
        ("CREATE TRIGGER", "sql-createtrigger"),
        ("CREATE TYPE", "sql-createtype"),
        ("CREATE USER", "sql-createuser"),
        ("CREATE USER MAPPING", "sql-createusermapping"),
        ("CREATE VIEW", "sql-createview"),
        ("DEALLOCATE", "sql-deallocate"),
        ("DECLARE", "sql-declare"),
        ("DELETE", "sql-delete"),
        ("DISCARD", "sql-discard"),
        ("DO", "sql-do"),
        ("DROP ACCESS METHOD", "sql-drop-access-method"),
        ("DROP AGGREGATE", "sql-dropaggregate"),
        ("DROP CAST", "sql-dropcast"),
        ("DROP COLLATION", "sql-dropcollation"),
        ("DROP CONVERSION", "sql-dropconversion"),
        ("DROP DATABASE", "sql-dropdatabase"),
        ("DROP DOMAIN", "sql-dropdomain"),
        ("DROP EVENT TRIGGER", "sql-dropeventtrigger"),
        ("DROP EXTENSION", "sql-dropextension"),
        ("DROP FOREIGN DATA WRAPPER", "sql-dropforeigndatawrapper"),
        ("DROP FOREIGN TABLE", "sql-dropforeigntable"),
        ("DROP FUNCTION", "sql-dropfunction"),
        ("DROP GROUP", "sql-dropgroup"),
        ("DROP INDEX", "sql-dropindex"),
        ("DROP LANGUAGE", "sql-droplanguage"),
        ("DROP MATERIALIZED VIEW", "sql-dropmaterializedview"),
        ("DROP OPERATOR", "sql-dropoperator"),
        ("DROP OPERATOR CLASS", "sql-dropopclass"),
        ("DROP OPERATOR FAMILY", "sql-dropopfamily"),
        ("DROP OWNED", "sql-drop-owned"),
        ("DROP POLICY", "sql-droppolicy"),
        ("DROP PROCEDURE", "sql-dropprocedure"),
        ("DROP PUBLICATION", "sql-droppublication"),
        ("DROP ROLE", "sql-droprole"),
        ("DROP ROUTINE", "sql-droproutine"),
        ("DROP RULE", "sql-droprule"),
        ("DROP SCHEMA", "sql-dropschema"),
        ("DROP SEQUENCE", "sql-dropsequence"),
        ("DROP SERVER", "sql-dropserver"),
        ("DROP STATISTICS", "sql-dropstatistics"),
        ("DROP SUBSCRIPTION", "sql-dropsubscription"),
        ("DROP TABLE", "sql-droptable"),
        ("DROP TABLESPACE", "sql-droptablespace"),
        ("DROP TEXT SEARCH CONFIGURATION", "sql-droptsconfig"),
        ("DROP TEXT SEARCH DICTIONARY", "sql-droptsdictionary"),
        ("DROP TEXT SEARCH PARSER", "sql-droptsparser"),
        ("DROP TEXT SEARCH TEMPLATE", "sql-droptstemplate"),
        ("DROP TRANSFORM", "sql-droptransform"),
        ("DROP TRIGGER", "sql-droptrigger"),
        ("DROP TYPE", "sql-droptype"),
        ("DROP USER", "sql-dropuser"),
        ("DROP USER MAPPING", "sql-dropusermapping"),
        ("DROP VIEW", "sql-dropview"),
        ("END", "sql-end"),
        ("EXECUTE", "sql-execute"),
        ("EXPLAIN", "sql-explain"),
        ("FETCH", "sql-fetch"),
        ("GRANT", "sql-grant"),
        ("IMPORT FOREIGN SCHEMA", "sql-importforeignschema"),
        ("INSERT", "sql-insert"),
        ("LISTEN", "sql-listen"),
        ("LOAD", "sql-load"),
        ("LOCK", "sql-lock"),
        ("MERGE", "sql-merge"),
        ("MOVE", "sql-move"),
        ("NOTIFY", "sql-notify"),
        ("PREPARE", "sql-prepare"),
        ("PREPARE TRANSACTION", "sql-prepare-transaction"),
        ("REASSIGN OWNED", "sql-reassign-owned"),
        ("REFRESH MATERIALIZED VIEW", "sql-refreshmaterializedview"),
        ("REINDEX", "sql-reindex"),
        ("RELEASE SAVEPOINT", "sql-release-savepoint"),
        ("RESET", "sql-reset"),
        ("REVOKE", "sql-revoke"),
        ("ROLLBACK", "sql-rollback"),
        ("ROLLBACK PREPARED", "sql-rollback-prepared"),
        ("ROLLBACK TO SAVEPOINT", "sql-rollback-to"),
        ("SAVEPOINT", "sql-savepoint"),
        ("SECURITY LABEL", "sql-security-label"),
        ("SELECT", "sql-select"),
        ("SELECT INTO", "sql-selectinto"),
        ("SET", "sql-set"),
        ("SET CONSTRAINTS", "sql-set-constraints"),
        ("SET ROLE", "sql-set-role"),
        ("SET SESSION AUTHORIZATION", "sql-set-session-authorization"),
        ("SET TRANSACTION", "sql-set-transaction"),
        ("SHOW", "sql-show"),
        ("START TRANSACTION", "sql-start-transaction"),
        ("TABLE", "sql-select"),
        ("TRUNCATE", "sql-truncate"),
        ("UNLISTEN", "sql-unlisten"),
        ("UPDATE", "sql-update"),
        ("VACUUM", "sql-vacuum"),
        ("VALUES", "sql-values"),
        ("WITH", "sql-select"),
    ];

    private static readonly int LongestName = Commands.Max(c => c.Name.Length);

    /// <summary>
    /// The command names in columns down then across, as many columns as fit in <paramref name="screenWidth"/>
    /// (psql's <c>\h</c> layout, so scripts that read it see the same text).
    /// </summary>
    internal static string List(int screenWidth)
    {
        int cell = LongestName + 1;
        int columns = Math.Max(1, (screenWidth - 3) / cell);
        int rows = (Commands.Length + columns - 1) / columns;
        var text = new StringBuilder("Available help:\n");
        for (int row = 0; row < rows; row++)
        {
            text.Append("  ");
            for (int column = 0; column < columns - 1; column++)
            {
                // Every column but the last is padded to its width, even where it has run out of names.
                int index = row + (column * rows);
                text.Append((index < Commands.Length ? Commands[index].Name : "").PadRight(cell));
            }

            int lastIndex = row + ((columns - 1) * rows);
            if (lastIndex < Commands.Length)
            {
                text.Append(Commands[lastIndex].Name);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// The commands a <c>\h</c> topic names, found as psql finds them: the whole topic as a prefix of command
    /// names (case-insensitive), else its first two words, else its first word; an exact name ends the list
    /// there (so <c>SELECT</c> is not followed by <c>SELECT INTO</c>); <c>*</c> is every command.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Page)> Find(string topic)
    {
        var found = new List<(string Name, string Page)>();
        foreach (int length in PrefixLengths(topic))
        {
            foreach (var command in Commands)
            {
                if (topic == "*" || (command.Name.Length >= length && string.Compare(command.Name, 0, topic, 0, length, StringComparison.OrdinalIgnoreCase) == 0))
                {
                    found.Add(command);
                    if (command.Name.Equals(topic, StringComparison.OrdinalIgnoreCase))
                    {
                        break;
                    }
                }
            }

            if (found.Count > 0)
            {
                break;
            }
        }

        return found;
    }

    /// <summary>The page of a command in the documentation of the given server version (server_version_num).</summary>
    internal static string Url(string page, int serverVersionNumber)
    {
        string version = serverVersionNumber >= 100000 ? (serverVersionNumber / 10000).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : serverVersionNumber > 0 ? FormattableString.Invariant($"{serverVersionNumber / 10000}.{serverVersionNumber / 100 % 100}")
            : "current";
        return $"https://www.postgresql.org/docs/{version}/{page}.html";
    }

    private static IEnumerable<int> PrefixLengths(string topic)
    {
        yield return topic.Length;
        int firstWord = topic.IndexOf(' ', StringComparison.Ordinal);
        if (firstWord < 0)
        {
            yield break;
        }

        int secondWord = topic.IndexOf(' ', firstWord + 1);
        if (secondWord >= 0)
        {
            yield return secondWord;
        }

        yield return firstWord;
    }
}
