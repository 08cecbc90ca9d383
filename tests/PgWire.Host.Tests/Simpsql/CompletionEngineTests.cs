using PgWire.Host.Simpsql.Completion;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>What Tab offers at the end of a statement, decided without a server (a fixed catalog stands in).</summary>
public sealed class CompletionEngineTests
{
    private readonly FakeCatalog _catalog = new();
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal) { ["AUTOCOMMIT"] = "on", ["ECHO"] = "none", ["myvar"] = "1" };
    private string? _keywordCase;

    private IReadOnlyList<string> Complete(string before, string after = "") =>
        new Completer(_catalog, () => _variables.Keys, () => _keywordCase).Complete(before, after).Candidates;

    private static string Plan(string before, string after = "") => CompletionEngine.Analyze(before, after).ToString();

    [Theory]
    [InlineData("", "SELECT")]
    [InlineData("sel", "select")]
    [InlineData("SEL", "SELECT")]
    [InlineData("Sel", "SELECT")]
    [InlineData("select 1; sel", "select")]
    [InlineData("ins", "insert into")]
    public void A_statement_starts_with_a_command_in_the_case_typed(string typed, string expected)
    {
        Assert.Contains(expected, Complete(typed));
    }

    [Theory]
    [InlineData("upper", "sel", "SELECT")]
    [InlineData("lower", "SEL", "select")]
    [InlineData("preserve-lower", "", "select")]
    [InlineData("preserve-lower", "SEL", "SELECT")]
    [InlineData("preserve-upper", "", "SELECT")]
    public void COMP_KEYWORD_CASE_decides_the_case_of_keywords(string mode, string typed, string expected)
    {
        _keywordCase = mode;
        Assert.Contains(expected, Complete(typed));
    }

    [Theory]
    [InlineData("SELECT * FROM ")]
    [InlineData("select a from t1, ")]
    [InlineData("SELECT * FROM pgw_orders o JOIN ")]
    [InlineData("SELECT * FROM a LEFT OUTER JOIN ")]
    [InlineData("TABLE ")]
    [InlineData("select * from (select 1 from ")]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM ")]
    [InlineData("EXPLAIN ANALYZE SELECT * FROM ")]
    [InlineData("SELECT 1 UNION SELECT * FROM ")]
    public void Relations_that_can_be_read_follow_FROM_JOIN_and_TABLE(string statement)
    {
        Assert.Equal("Selectable", Plan(statement));
        Assert.Contains("pgw_orders", Complete(statement));
        Assert.Contains("pgw_view", Complete(statement));
    }

    [Theory]
    [InlineData("INSERT INTO ")]
    [InlineData("UPDATE ")]
    [InlineData("DELETE FROM ")]
    [InlineData("MERGE INTO ")]
    public void Relations_that_can_be_written_follow_INSERT_UPDATE_DELETE_and_MERGE(string statement)
    {
        Assert.StartsWith("Updatable", Plan(statement), StringComparison.Ordinal);
        Assert.DoesNotContain("pgw_matview", Complete(statement));
    }

    [Fact]
    public void A_partly_typed_name_completes_among_tables_and_schemas()
    {
        Assert.Equal(["\"Pgw Schema\".", "pgw_items", "pgw_matview", "pgw_orders", "pgw_schema.", "pgw_view"], Complete("SELECT * FROM pgw"));
        Assert.Equal(["pgw_orders"], Complete("select * from pgw_o"));
    }

    [Fact]
    public void A_schema_qualified_name_completes_inside_that_schema()
    {
        Assert.Equal(["pgw_schema.inner_one", "pgw_schema.inner_two"], Complete("SELECT * FROM pgw_schema."));
        Assert.Equal(["pgw_schema.inner_two"], Complete("SELECT * FROM pgw_schema.inner_t"));
        Assert.Equal(["\"Pgw Schema\".\"Odd Table\""], Complete("SELECT * FROM \"Pgw Schema\"."));
    }

    [Fact]
    public void System_schemas_are_offered_only_when_their_prefix_is_typed()
    {
        Assert.DoesNotContain("pg_catalog.", Complete("SELECT * FROM "));
        Assert.Contains("pg_catalog.", Complete("SELECT * FROM pg_"));
    }

    [Fact]
    public void Names_that_need_quotes_are_quoted()
    {
        Assert.Contains("\"MixedCase\"", Complete("SELECT * FROM mix"));
        Assert.Contains("\"MixedCase\"", Complete("SELECT * FROM \"Mix"));
        Assert.DoesNotContain("\"MixedCase\"", Complete("SELECT * FROM \"mix"));
        Assert.Contains("\"select\"", Complete("SELECT * FROM \"sel"));
        Assert.Equal("\"left\"", NameParts.Quote("left"));
        Assert.Equal("\"time\"", NameParts.Quote("time"));
        Assert.Equal("pgw_orders", NameParts.Quote("pgw_orders"));
        Assert.Equal("\"a\"\"b\"", NameParts.Quote("a\"b"));
        Assert.Equal(["\"pgw_orders\""], Complete("SELECT * FROM \"pgw_o"));
    }

    [Fact]
    public void Columns_of_the_tables_in_the_statement_come_before_functions()
    {
        var candidates = Complete("SELECT * FROM pgw_orders WHERE ");
        Assert.Equal(["customer", "id", "total"], candidates.Take(3));
        Assert.Contains("lower", candidates);
        Assert.True(candidates.ToList().IndexOf("lower") > 2);
        Assert.Equal(["customer"], Complete("select * from pgw_orders where cus"));
    }

    [Fact]
    public void The_select_list_offers_columns_of_tables_named_after_the_cursor()
    {
        Assert.Equal("Column(pgw_orders) Function Keywords(ALL,DISTINCT)", Plan("SELECT ", " FROM pgw_orders"));
        Assert.Equal(["customer"], Complete("SELECT cu", " FROM pgw_orders"));
        Assert.Equal("Column(pgw_orders,pgw_items) Function", Plan("SELECT a, ", " FROM pgw_orders JOIN pgw_items ON true"));
    }

    [Fact]
    public void An_alias_followed_by_a_dot_offers_that_tables_columns()
    {
        Assert.Equal(["o.customer", "o.id", "o.total"], Complete("SELECT o.", " FROM pgw_orders o JOIN pgw_items i ON o.id = i.order_id"));
        Assert.Equal(["i.label", "i.order_id"], Complete("SELECT * FROM pgw_orders o JOIN pgw_items AS i ON o.id = i."));
        Assert.Equal(["pgw_orders.id"], Complete("SELECT pgw_orders.i", " FROM pgw_orders"));
    }

    [Theory]
    [InlineData("SELECT * FROM pgw_orders WHERE id = 1 AND ")]
    [InlineData("SELECT * FROM pgw_orders ORDER BY ")]
    [InlineData("SELECT * FROM pgw_orders GROUP BY id, ")]
    [InlineData("SELECT * FROM pgw_orders WHERE lower(")]
    [InlineData("DELETE FROM pgw_orders WHERE ")]
    [InlineData("SELECT * FROM pgw_orders WHERE lower(id, ")]
    [InlineData("SELECT * FROM pgw_orders WHERE (id = 1 OR ")]
    [InlineData("SELECT * FROM pgw_orders WHERE id IN (")]
    [InlineData("UPDATE pgw_orders SET total = coalesce(")]
    [InlineData("SELECT * FROM pgw_orders WHERE id IN (SELECT id FROM pgw_orders WHERE ")]
    public void Expressions_offer_columns_then_functions(string statement)
    {
        Assert.StartsWith("Column(pgw_orders", Plan(statement), StringComparison.Ordinal);
        Assert.Contains("Function", Plan(statement), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM pgw_orders ", "WHERE")]
    [InlineData("SELECT * FROM pgw_orders o ", "JOIN")]
    [InlineData("SELECT * FROM pgw_orders LEFT ", "JOIN")]
    [InlineData("SELECT * FROM pgw_orders JOIN pgw_items ", "ON")]
    [InlineData("SELECT * FROM pgw_orders WHERE id = 1 ", "ORDER BY")]
    [InlineData("SELECT * FROM pgw_orders WHERE id ", "IS")]
    [InlineData("SELECT * FROM pgw_orders WHERE id IS ", "NULL")]
    [InlineData("SELECT * FROM pgw_orders ORDER BY id ", "DESC")]
    [InlineData("SELECT id ", "FROM")]
    [InlineData("UPDATE pgw_orders ", "SET")]
    [InlineData("UPDATE pgw_orders SET id ", "=")]
    [InlineData("UPDATE pgw_orders SET id = 1 ", "WHERE")]
    [InlineData("INSERT ", "INTO")]
    [InlineData("INSERT INTO pgw_orders ", "VALUES")]
    [InlineData("INSERT INTO pgw_orders (id) ", "SELECT")]
    [InlineData("INSERT INTO pgw_orders VALUES (1) ", "RETURNING")]
    [InlineData("DELETE ", "FROM")]
    [InlineData("DELETE FROM pgw_orders ", "WHERE")]
    [InlineData("CREATE ", "TABLE")]
    [InlineData("CREATE ", "MATERIALIZED VIEW")]
    [InlineData("CREATE OR REPLACE ", "FUNCTION")]
    [InlineData("CREATE UNIQUE ", "INDEX")]
    [InlineData("CREATE INDEX idx ", "ON")]
    [InlineData("CREATE INDEX idx ON pgw_orders ", "USING")]
    [InlineData("CREATE TABLE t (id int ", "PRIMARY KEY")]
    [InlineData("CREATE TABLE t (id int NOT ", "NULL")]
    [InlineData("CREATE VIEW v ", "AS")]
    [InlineData("DROP ", "TABLE")]
    [InlineData("DROP TABLE pgw_orders ", "CASCADE")]
    [InlineData("ALTER ", "TABLE")]
    [InlineData("ALTER TABLE pgw_orders ", "ADD")]
    [InlineData("ALTER TABLE pgw_orders ", "RENAME")]
    [InlineData("ALTER TABLE IF EXISTS pgw_orders ", "OWNER TO")]
    [InlineData("ALTER TABLE pgw_orders ADD ", "COLUMN")]
    [InlineData("ALTER TABLE pgw_orders ALTER COLUMN id ", "TYPE")]
    [InlineData("ALTER TABLE pgw_orders RENAME id ", "TO")]
    [InlineData("ALTER TABLE pgw_orders SET ", "SCHEMA")]
    [InlineData("ALTER SEQUENCE pgw_seq ", "RESTART")]
    [InlineData("ALTER SYSTEM ", "SET")]
    [InlineData("BEGIN ", "ISOLATION LEVEL")]
    [InlineData("BEGIN ISOLATION LEVEL ", "SERIALIZABLE")]
    [InlineData("START ", "TRANSACTION")]
    [InlineData("SET TRANSACTION ISOLATION LEVEL REPEATABLE ", "READ")]
    [InlineData("ROLLBACK ", "TO SAVEPOINT")]
    [InlineData("COMMIT ", "AND CHAIN")]
    [InlineData("SHOW ", "ALL")]
    [InlineData("RESET ", "ALL")]
    [InlineData("GRANT ", "SELECT")]
    [InlineData("GRANT SELECT ", "ON")]
    [InlineData("GRANT SELECT ON pgw_orders ", "TO")]
    [InlineData("REVOKE SELECT ON pgw_orders ", "FROM")]
    [InlineData("GRANT SELECT ON ", "ALL TABLES IN SCHEMA")]
    [InlineData("EXPLAIN ", "ANALYZE")]
    [InlineData("EXPLAIN ", "SELECT")]
    [InlineData("COPY pgw_orders ", "FROM")]
    [InlineData("COPY pgw_orders FROM ", "STDIN")]
    [InlineData("TRUNCATE pgw_orders ", "RESTART IDENTITY")]
    [InlineData("LOCK pgw_orders IN ", "ACCESS EXCLUSIVE MODE")]
    [InlineData("VACUUM ", "FULL")]
    [InlineData("REFRESH ", "MATERIALIZED VIEW")]
    [InlineData("SET search_path ", "TO")]
    [InlineData("WITH x AS (SELECT 1) ", "SELECT")]
    public void Keywords_that_fit_the_position(string statement, string expected)
    {
        Assert.Contains(expected, Complete(statement));
    }

    /// <summary>Lists where psql 15 offers exactly these words (checked against psql 15.18 on a terminal).</summary>
    [Theory]
    [InlineData("EXPLAIN ", "ANALYZE|DECLARE|DELETE FROM|EXECUTE|INSERT INTO|MERGE INTO|SELECT|UPDATE|VERBOSE")]
    [InlineData("EXPLAIN ANALYZE ", "DECLARE|DELETE FROM|EXECUTE|INSERT INTO|MERGE INTO|SELECT|UPDATE|VERBOSE")]
    [InlineData("EXPLAIN VERBOSE ", "DECLARE|DELETE FROM|EXECUTE|INSERT INTO|MERGE INTO|SELECT|UPDATE")]
    [InlineData("GRANT SET ", "ON PARAMETER")]
    [InlineData("GRANT ALTER ", "SYSTEM")]
    [InlineData("GRANT ALTER SYSTEM ", "ON PARAMETER")]
    [InlineData("REVOKE GRANT OPTION ", "FOR")]
    [InlineData("GRANT SELECT ", "ON")]
    [InlineData("GRANT ALL ", "ON")]
    [InlineData("GRANT pgw_role ", "TO")]
    [InlineData("REVOKE pgw_role ", "FROM")]
    [InlineData("GRANT SET ON PARAMETER work_mem ", "TO")]
    [InlineData("REVOKE ALTER SYSTEM ON PARAMETER work_mem ", "FROM")]
    [InlineData("REINDEX ", "DATABASE|INDEX|SCHEMA|SYSTEM|TABLE")]
    [InlineData("UPDATE pgw_orders ", "SET")]
    [InlineData("PREPARE p AS ", "DELETE FROM|INSERT INTO|SELECT|UPDATE")]
    [InlineData("CLOSE ", "ALL")]
    [InlineData("DEALLOCATE ", "ALL")]
    [InlineData("FETCH ", "ABSOLUTE|ALL|BACKWARD|FIRST|FORWARD|FROM|IN|LAST|NEXT|PRIOR|RELATIVE")]
    [InlineData("MOVE BACKWARD ", "ALL|FROM|IN")]
    [InlineData("FETCH NEXT ", "FROM|IN")]
    [InlineData("FETCH ABSOLUTE 3 ", "FROM|IN")]
    public void Keyword_lists_are_psql_15s(string statement, string expected)
    {
        Assert.Equal(expected.Split('|').Order(StringComparer.Ordinal), Complete(statement).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GRANT ")]
    [InlineData("REVOKE ")]
    [InlineData("REVOKE GRANT ")]
    [InlineData("REVOKE GRANT OPTION FOR ")]
    public void Grant_and_revoke_offer_psql_15s_privileges_with_the_roles(string statement)
    {
        var offered = Complete(statement);
        foreach (var privilege in new[] { "GRANT", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "CREATE", "CONNECT", "TEMPORARY", "EXECUTE", "USAGE", "SET", "ALTER SYSTEM", "ALL" })
        {
            Assert.Contains(privilege, offered);
        }

        Assert.Contains("pgw_role", offered);
    }

    [Theory]
    [InlineData("DROP TABLE ")]
    [InlineData("DROP INDEX ")]
    [InlineData("ALTER TABLE ")]
    [InlineData("ALTER INDEX ")]
    [InlineData("ALTER TABLE pgw_orders DROP COLUMN ")]
    public void Alter_and_drop_offer_no_if_exists_as_psql_15(string statement)
    {
        Assert.DoesNotContain("IF EXISTS", Complete(statement));
        Assert.NotEmpty(Complete(statement));
    }

    [Theory]
    [InlineData("PREPARE ")]
    [InlineData("PREPARE p ")]
    public void Prepare_offers_nothing_before_as_like_psql_15(string statement) => Assert.Empty(Complete(statement));

    [Fact]
    public void Show_offers_the_settings_all_and_session_authorization_only()
    {
        var offered = Complete("SHOW ");
        Assert.Contains("work_mem", offered);
        Assert.Contains("SESSION AUTHORIZATION", offered);
        Assert.DoesNotContain("TRANSACTION ISOLATION LEVEL", offered);
    }

    [Theory]
    [InlineData("DROP TABLE ", "pgw_orders")]
    [InlineData("DROP TABLE IF EXISTS ", "pgw_orders")]
    [InlineData("DROP TABLE pgw_items, ", "pgw_orders")]
    [InlineData("DROP VIEW ", "pgw_view")]
    [InlineData("DROP MATERIALIZED VIEW ", "pgw_matview")]
    [InlineData("DROP SEQUENCE ", "pgw_seq")]
    [InlineData("DROP INDEX ", "pgw_orders_pkey")]
    [InlineData("DROP SCHEMA ", "pgw_schema")]
    [InlineData("DROP FUNCTION ", "pgw_func")]
    [InlineData("DROP TYPE ", "pgw_mood")]
    [InlineData("DROP DATABASE ", "pgwire_test")]
    [InlineData("DROP ROLE ", "pgw_role")]
    [InlineData("DROP EXTENSION ", "plpgsql")]
    [InlineData("ALTER TABLE ", "pgw_orders")]
    [InlineData("ALTER TABLE pgw_orders DROP COLUMN ", "total")]
    [InlineData("ALTER TABLE pgw_orders ALTER ", "total")]
    [InlineData("ALTER TABLE pgw_orders RENAME COLUMN ", "total")]
    [InlineData("ALTER TABLE pgw_orders OWNER TO ", "pgw_role")]
    [InlineData("ALTER TABLE pgw_orders SET SCHEMA ", "pgw_schema")]
    [InlineData("ALTER TABLE pgw_orders ADD COLUMN note ", "text")]
    [InlineData("ALTER TABLE pgw_orders ALTER COLUMN id TYPE ", "int8")]
    [InlineData("ALTER VIEW ", "pgw_view")]
    [InlineData("ALTER SCHEMA ", "pgw_schema")]
    [InlineData("CREATE TABLE t (id ", "int8")]
    [InlineData("CREATE TABLE t (id int, name ", "text")]
    [InlineData("CREATE TABLE t (id int REFERENCES ", "pgw_orders")]
    [InlineData("CREATE INDEX ON ", "pgw_orders")]
    [InlineData("CREATE INDEX i ON pgw_orders (", "customer")]
    [InlineData("CREATE INDEX i ON pgw_orders USING ", "btree")]
    [InlineData("CREATE EXTENSION ", "hstore")]
    [InlineData("INSERT INTO pgw_orders (", "customer")]
    [InlineData("INSERT INTO pgw_orders (id, ", "customer")]
    [InlineData("UPDATE pgw_orders SET ", "customer")]
    [InlineData("UPDATE pgw_orders SET id = 1, ", "customer")]
    [InlineData("SELECT 1::", "int8")]
    [InlineData("SELECT CAST(1 AS ", "int8")]
    [InlineData("SELECT CAST(1 AS INT", "INTEGER")]
    [InlineData("create table t (a int", "integer")]
    [InlineData("TRUNCATE ", "pgw_orders")]
    [InlineData("VACUUM ", "pgw_orders")]
    [InlineData("COPY ", "pgw_orders")]
    [InlineData("COPY pgw_orders (", "customer")]
    [InlineData("LOCK TABLE ", "pgw_orders")]
    [InlineData("GRANT SELECT ON TABLE ", "pgw_orders")]
    [InlineData("GRANT SELECT ON pgw_orders TO ", "pgw_role")]
    [InlineData("GRANT SELECT ON ALL TABLES IN SCHEMA ", "pgw_schema")]
    [InlineData("SET ROLE ", "pgw_role")]
    [InlineData("SET ", "work_mem")]
    [InlineData("SET search_path TO ", "pgw_schema")]
    [InlineData("SHOW ", "server_version")]
    [InlineData("RESET ", "work_mem")]
    [InlineData("ALTER SYSTEM SET ", "shared_buffers")]
    [InlineData("REFRESH MATERIALIZED VIEW ", "pgw_matview")]
    [InlineData("CALL ", "pgw_proc")]
    [InlineData("CLUSTER pgw_orders USING ", "pgw_orders_pkey")]
    public void Catalog_names_that_fit_the_position(string statement, string expected)
    {
        Assert.Contains(expected, Complete(statement));
    }

    [Theory]
    [InlineData("SELECT * FROM ", "pgw_seq")]
    [InlineData("DROP VIEW ", "pgw_orders")]
    [InlineData("DROP TABLE ", "pgw_view")]
    [InlineData("SET ", "shared_buffers")]
    [InlineData("CREATE TABLE t (", "int8")]
    [InlineData("SELECT * FROM pgw_orders WHERE ", "label")]
    public void Names_that_do_not_fit_are_left_out(string statement, string unexpected)
    {
        Assert.DoesNotContain(unexpected, Complete(statement));
    }

    [Theory]
    [InlineData("SET datestyle TO ", "'iso, mdy'")]
    [InlineData("SET default_transaction_isolation = ", "'read committed'")]
    [InlineData("set default_transaction_isolation to ser", "serializable")]
    [InlineData("SET enable_seqscan TO ", "off")]
    [InlineData("SET enable_seqscan TO ", "DEFAULT")]
    [InlineData("SET LOCAL enable_seqscan TO ", "on")]
    public void SET_offers_the_values_of_the_setting(string statement, string expected)
    {
        Assert.Contains(expected, Complete(statement));
    }

    [Fact]
    public void Settings_keep_the_case_typed()
    {
        Assert.Equal(["work_mem"], Complete("SET work_"));
        Assert.Equal(["WORK_MEM"], Complete("SET WORK_"));
    }

    [Fact]
    public void Nothing_is_offered_inside_strings_comments_or_numbers()
    {
        Assert.Empty(Complete("SELECT 'pgw"));
        Assert.Empty(Complete("SELECT 1 -- pgw"));
        Assert.Empty(Complete("SELECT 1 /* FROM "));
        Assert.Empty(Complete("SELECT 12"));
        Assert.Equal("", Plan("CREATE TABLE "));
        Assert.Equal("", Plan("SELECT * FROM pgw_orders AS "));
    }

    [Fact]
    public void Earlier_lines_of_the_statement_count()
    {
        Assert.Equal("Selectable", Plan("SELECT *\n  FROM\n  "));
        Assert.Contains("SET", Complete("UPDATE\npgw_orders\n"));
    }

    [Fact]
    public void A_semicolon_starts_a_new_statement()
    {
        Assert.Contains("SELECT", Complete("SELECT * FROM pgw_orders; "));
        Assert.Equal("Selectable", Plan("BEGIN; SELECT * FROM "));
    }

    [Theory]
    [InlineData("\\d", "\\dt")]
    [InlineData("\\d", "\\d")]
    [InlineData("\\p", "\\pset")]
    [InlineData("\\", "\\x")]
    [InlineData("select 1 \\g", "\\gx")]
    public void Meta_command_names(string typed, string expected)
    {
        var candidates = Complete(typed);
        Assert.Contains(expected, candidates);
        Assert.All(candidates, c => Assert.StartsWith(typed[typed.LastIndexOf('\\')..], c, StringComparison.Ordinal));
    }

    [Fact]
    public void Meta_command_names_are_case_sensitive()
    {
        Assert.Contains("\\dT", Complete("\\dT"));
        Assert.DoesNotContain("\\dt", Complete("\\dT"));
    }

    [Theory]
    [InlineData("\\d ", "Relation")]
    [InlineData("\\d+ ", "Relation")]
    [InlineData("\\dt ", "Table")]
    [InlineData("\\dt+ ", "Table")]
    [InlineData("\\dv ", "View")]
    [InlineData("\\di ", "Index")]
    [InlineData("\\ds ", "Sequence")]
    [InlineData("\\dm ", "MaterializedView")]
    [InlineData("\\dtv ", "Table View")]
    [InlineData("\\dn ", "Schema")]
    [InlineData("\\df ", "Function")]
    [InlineData("\\dT ", "Type")]
    [InlineData("\\du ", "Role")]
    [InlineData("\\dx ", "Extension")]
    [InlineData("\\l ", "Database")]
    [InlineData("\\c ", "Database")]
    [InlineData("\\connect pgwire_test ", "Role")]
    [InlineData("\\sf ", "Function")]
    [InlineData("\\sv ", "View")]
    [InlineData("\\z ", "Selectable Sequence")]
    [InlineData("\\dconfig ", "AnySetting")]
    [InlineData("\\set ", "Variables")]
    [InlineData("\\unset ", "Variables")]
    [InlineData("\\i ", "Files")]
    [InlineData("\\ir ", "Files")]
    [InlineData("\\o ", "Files")]
    [InlineData("\\w ", "Files")]
    [InlineData("\\copy pgw_orders from ", "Files Keywords(PROGRAM,PSTDIN,STDIN)")]
    [InlineData("\\copy pgw_orders to ", "Files Keywords(PROGRAM,PSTDOUT,STDOUT)")]
    [InlineData("\\copy pgw_orders ", "Keywords(FROM,TO)")]
    [InlineData("\\copy ", "Selectable Keywords(()")]
    [InlineData("\\x ", "Literals(auto,off,on)")]
    [InlineData("\\timing ", "Literals(off,on)")]
    [InlineData("\\pset format ", "Literals(aligned,asciidoc,csv,html,latex,latex-longtable,troff-ms,unaligned,wrapped)")]
    [InlineData("\\set ON_ERROR_STOP ", "Literals(off,on)")]
    [InlineData("\\echo ", "")]
    public void Meta_command_arguments(string typed, string plan)
    {
        Assert.Equal(plan, Plan(typed));
    }

    [Fact]
    public void Meta_command_arguments_complete()
    {
        Assert.Equal(["pgw_orders"], Complete("\\dt pgw_o"));
        Assert.Equal(["pgw_items", "pgw_matview", "pgw_orders", "pgw_orders_pkey", "pgw_schema.", "pgw_seq", "pgw_view"], Complete("\\d pgw_"));
        Assert.Equal(["expanded"], Complete("\\pset exp"));
        Assert.Equal(["auto", "off", "on"], Complete("\\x "));
        Assert.Equal(["ECHO"], Complete("\\set EC"));
        Assert.Equal(["pgwire_test"], Complete("\\c pgw"));
    }

    [Fact]
    public void Variable_references()
    {
        Assert.Equal([":myvar"], Complete("SELECT :my"));
        Assert.Equal([":'myvar'"], Complete("SELECT :'my"));
        Assert.Equal([":\"myvar\""], Complete("SELECT * FROM :\"my"));
        Assert.Contains(":AUTOCOMMIT", Complete("SELECT :"));
    }

    [Fact]
    public void File_names_after_include_and_copy()
    {
        string dir = Directory.CreateTempSubdirectory("simpsql-complete-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "script_one.sql"), "");
            File.WriteAllText(Path.Combine(dir, "script_two.sql"), "");
            Directory.CreateDirectory(Path.Combine(dir, "scripts"));
            Assert.Equal([dir + "/script_one.sql", dir + "/script_two.sql", dir + "/scripts/"], Complete("\\i " + dir + "/scr"));
            Assert.Equal([dir + "/script_one.sql"], Complete("\\o " + dir + "/script_o"));
            Assert.Equal([dir + "/script_two.sql"], Complete("\\copy pgw_orders from " + dir + "/script_t"));
            Assert.Equal(["'" + dir + "/script_two.sql'"], Complete("COPY pgw_orders FROM '" + dir + "/script_t"));
            Assert.Empty(Complete("SELECT '" + dir + "/script_t"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Relations_named_in_a_statement_with_their_aliases()
    {
        var tokens = StatementLexer.Tokenize("SELECT * FROM a, public.b AS x JOIN \"C\" c ON true WHERE y IN (SELECT 1 FROM d) ; UPDATE e SET", out _, out _);
        var uses = StatementRelations.Find(tokens);
        Assert.Equal(
            [new RelationUse(new RelationName(null, "a"), null), new RelationUse(new RelationName("public", "b"), "x"), new RelationUse(new RelationName(null, "C"), "c"),
                new RelationUse(new RelationName(null, "d"), null), new RelationUse(new RelationName(null, "e"), null)],
            uses);
    }

    [Fact]
    public void The_word_being_completed_and_where_it_starts()
    {
        var plan = CompletionEngine.Analyze("SELECT * FROM public.pgw");
        Assert.Equal(("public.pgw", 14), (plan.Word, plan.WordStart));
        plan = CompletionEngine.Analyze("SELECT * FROM ");
        Assert.Equal(("", 14), (plan.Word, plan.WordStart));
        plan = CompletionEngine.Analyze("\\d pgw");
        Assert.Equal(("pgw", 3), (plan.Word, plan.WordStart));
    }

    [Fact]
    public void Every_prefix_of_assorted_statements_completes_without_failing()
    {
        string[] statements =
        [
            "WITH a AS (SELECT 1), b AS MATERIALIZED (SELECT 2) SELECT x.id, count(*) FILTER (WHERE y > 1) FROM pgw_orders x LEFT JOIN pgw_items y ON y.order_id = x.id WHERE x.customer ILIKE E'%a\\'b%' GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST LIMIT 5;",
            "INSERT INTO pgw_orders AS o (id, customer) VALUES (1, 'a'), (2, $$b$$) ON CONFLICT (id) DO UPDATE SET customer = EXCLUDED.customer RETURNING *;",
            "UPDATE ONLY pgw_orders o SET total = o.total * 2, customer = DEFAULT FROM pgw_items i WHERE i.order_id = o.id RETURNING o.id;",
            "DELETE FROM ONLY pgw_orders USING pgw_items WHERE pgw_items.order_id = pgw_orders.id;",
            "CREATE UNLOGGED TABLE IF NOT EXISTS \"Weird \"\"Name\"\" (id int PRIMARY KEY, ref int REFERENCES pgw_orders (id) ON DELETE CASCADE, CONSTRAINT c CHECK (id > 0)) PARTITION BY RANGE (id);",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY pgw_orders USING btree (lower(customer)) INCLUDE (id) WHERE total > 0;",
            "ALTER TABLE IF EXISTS ONLY public.pgw_orders ALTER COLUMN total SET DATA TYPE numeric USING total::numeric, DROP COLUMN IF EXISTS x CASCADE;",
            "GRANT SELECT, UPDATE (customer) ON ALL TABLES IN SCHEMA public TO pgw_role WITH GRANT OPTION;",
            "COPY (SELECT * FROM pgw_orders) TO STDOUT WITH (FORMAT csv, HEADER);",
            "EXPLAIN (ANALYZE, BUFFERS) MERGE INTO pgw_orders o USING pgw_items i ON o.id = i.order_id WHEN MATCHED AND o.id > 1 THEN DELETE WHEN NOT MATCHED THEN DO NOTHING;",
            "SELECT :'myvar', :\"myvar\", :myvar::int, 1::\"pgw_schema\".\"t\"[] /* comment */ -- more\n FROM \"Pgw Schema\".\"Odd Table\";",
            "\\copy pgw_orders (id, customer) from '/tmp/x y.csv' with csv header",
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; COMMIT AND NO CHAIN;",
            "SET LOCAL search_path TO pgw_schema, public; SHOW ALL; RESET ALL; ALTER SYSTEM SET work_mem = '4MB';",
            "DROP MATERIALIZED VIEW IF EXISTS pgw_matview, pgw_view CASCADE; DROP OWNED BY pgw_role;",
            "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $f$ SELECT a + 1 $f$;",
            "((((\"unterminated",
            "SELECT ) ) ( , , ;; \\",
        ];
        foreach (string statement in statements)
        {
            for (int i = 0; i <= statement.Length; i++)
            {
                var result = new Completer(_catalog, () => _variables.Keys, () => _keywordCase).Complete(statement[..i], statement[i..]);
                Assert.InRange(result.Start, 0, i);
            }
        }
    }

    /// <summary>A catalog of a few objects, answering as the server would (prefix ignoring case, names raw).</summary>
    private sealed class FakeCatalog : ICompletionCatalog
    {
        private static readonly (NameKind Kind, string Schema, string Name)[] Objects =
        [
            (NameKind.Table, "public", "pgw_orders"),
            (NameKind.Table, "public", "pgw_items"),
            (NameKind.Table, "public", "MixedCase"),
            (NameKind.Table, "public", "select"),
            (NameKind.Table, "pgw_schema", "inner_one"),
            (NameKind.Table, "pgw_schema", "inner_two"),
            (NameKind.Table, "Pgw Schema", "Odd Table"),
            (NameKind.View, "public", "pgw_view"),
            (NameKind.MaterializedView, "public", "pgw_matview"),
            (NameKind.Sequence, "public", "pgw_seq"),
            (NameKind.Index, "public", "pgw_orders_pkey"),
            (NameKind.Function, "pg_catalog", "lower"),
            (NameKind.Function, "pg_catalog", "length"),
            (NameKind.Function, "public", "pgw_func"),
            (NameKind.Procedure, "public", "pgw_proc"),
            (NameKind.Type, "pg_catalog", "int8"),
            (NameKind.Type, "pg_catalog", "text"),
            (NameKind.Type, "public", "pgw_mood"),
        ];

        private static readonly Dictionary<NameKind, string[]> Global = new()
        {
            [NameKind.Schema] = ["public", "pgw_schema", "Pgw Schema", "pg_catalog", "information_schema"],
            [NameKind.Database] = ["pgwire_test", "postgres"],
            [NameKind.Role] = ["postgres", "pgw_role"],
            [NameKind.Extension] = ["plpgsql"],
            [NameKind.AvailableExtension] = ["hstore", "citext"],
            [NameKind.IndexMethod] = ["btree", "gin", "hash"],
            [NameKind.Setting] = ["work_mem", "search_path", "datestyle", "default_transaction_isolation", "enable_seqscan"],
            [NameKind.AnySetting] = ["work_mem", "search_path", "server_version", "shared_buffers"],
            [NameKind.SystemSetting] = ["work_mem", "shared_buffers"],
        };

        private static readonly Dictionary<string, string[]> TableColumns = new(StringComparer.Ordinal)
        {
            ["pgw_orders"] = ["id", "customer", "total"],
            ["pgw_items"] = ["order_id", "label"],
        };

        private static readonly Dictionary<string, string[]> SettingValues = new(StringComparer.Ordinal)
        {
            ["datestyle"] = ["iso, mdy"],
            ["default_transaction_isolation"] = ["serializable", "repeatable read", "read committed", "read uncommitted"],
            ["enable_seqscan"] = ["off", "on"],
        };

        public IReadOnlyList<string> Names(CatalogSource source, string? schema, string prefix)
        {
            IEnumerable<string> names = source.Kind switch
            {
                NameKind.Column => source.Tables.SelectMany(t => TableColumns.GetValueOrDefault(t.Name, [])),
                NameKind.SettingValue => SettingValues.GetValueOrDefault(source.Setting!.ToLowerInvariant(), []),
                _ when Global.TryGetValue(source.Kind, out var list) => list,
                _ => Objects.Where(o => Fits(source.Kind, o.Kind) && (schema is null ? o.Schema is "public" or "pg_catalog" : o.Schema == schema)).Select(o => o.Name),
            };
            return [.. names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];
        }

        private static bool Fits(NameKind wanted, NameKind kind) => wanted switch
        {
            NameKind.Selectable => kind is NameKind.Table or NameKind.View or NameKind.MaterializedView,
            NameKind.Updatable => kind is NameKind.Table or NameKind.View,
            NameKind.Relation => kind is NameKind.Table or NameKind.View or NameKind.MaterializedView or NameKind.Sequence or NameKind.Index,
            _ => wanted == kind,
        };
    }
}
