using PgWire.Host.Simpsql;
using PgWire.Host.Simpsql.Completion;
using PgWire.Host.Terminal;
using PgWire.Host.Tests.Terminal;
using PgWire.Protocol.Messages;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Host.Tests.Terminal.FakeTerminal;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Tests whose completion lists name every relation or schema of the database: they run alone,
/// after the others, since a table another test creates between the psql and the simpsql run would
/// change one list and not the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeCatalogCollection
{
    public const string Name = "lists the whole catalog";
}

/// <summary>Tab completion in an interactive session against the test cluster, key by key.</summary>
[Collection(WholeCatalogCollection.Name)]
public sealed class TabCompletionTests
{
    private const string Setup =
        "DROP SCHEMA IF EXISTS pgw_tabc_schema CASCADE; DROP TABLE IF EXISTS pgw_tabc_orders, pgw_tabc_items;"
        + " CREATE TABLE pgw_tabc_orders (id int, customer_name text, \"MixedCol\" int);"
        + " CREATE TABLE pgw_tabc_items (item_id int, label text);"
        + " CREATE SCHEMA pgw_tabc_schema; CREATE TABLE pgw_tabc_schema.inner_tab (x int);"
        + " DROP SCHEMA IF EXISTS pgw_tcx_other CASCADE; CREATE SCHEMA pgw_tcx_other;"
        + " CREATE SEQUENCE pgw_tcx_other.seq; CREATE MATERIALIZED VIEW pgw_tcx_other.mv AS SELECT 1 AS one;"
        + " CREATE PROCEDURE pgw_tcx_other.proc() LANGUAGE sql AS 'SELECT 1';"
        + " GRANT SELECT ON pgw_tabc_orders, pgw_tabc_items TO PUBLIC;";

    private static readonly ConsoleKeyInfo Tab = Key(ConsoleKey.Tab, '\t');

    private static readonly Lazy<bool> Created = new(() =>
    {
        var (code, _, stderr) = TestCluster.RunPsql("-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", Setup);
        Assert.True(code == 0, stderr);
        return true;
    });

    private static void EnsureObjects() => _ = Created.Value;

    private static async Task<(InteractiveSession Session, LineEditor Editor)> RunAsync(FakeTerminal terminal)
    {
        EnsureObjects();
        var session = await InteractiveSession.StartAsync();
        var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));
        return (session, editor);
    }

    [ClusterFact]
    public async Task A_table_name_completes_after_FROM()
    {
        var terminal = new FakeTerminal();
        terminal.Type("SELECT * FROM pgw_tabc_o").Press(Tab)
            .Then(() => Assert.EndsWith("SELECT * FROM pgw_tabc_orders", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal))
            .Type(";").Press(Enter).Press(Ctrl('d'));
        var (session, editor) = await RunAsync(terminal);
        await using (session)
        using (editor)
        {
            Assert.Equal(["SELECT * FROM pgw_tabc_orders ;"], editor.History);
            Assert.Contains(" id | customer_name | MixedCol \n", session.Stdout, StringComparison.Ordinal);
            Assert.Equal("", session.Stderr);
        }
    }

    [ClusterFact]
    public async Task Columns_complete_from_the_table_named_later_and_quoted_when_needed()
    {
        var terminal = new FakeTerminal();
        terminal.Type("SELECT custo,  FROM pgw_tabc_orders;").Press(Home).Press(Enumerable.Repeat(Right, 12).ToArray()).Press(Tab)
            .Press(End).Press(Enumerable.Repeat(Left, 22).ToArray()).Type("\"Mi").Press(Tab).Press(Enter)
            .Press(Ctrl('d'));
        var (session, editor) = await RunAsync(terminal);
        await using (session)
        using (editor)
        {
            Assert.Equal(["SELECT customer_name , \"MixedCol\" FROM pgw_tabc_orders;"], editor.History);
            Assert.Equal("", session.Stderr);
        }
    }

    [ClusterFact]
    public async Task Lines_entered_before_count_and_a_schema_qualifies_names()
    {
        var terminal = new FakeTerminal();
        terminal.Type("SELECT x").Press(Enter).Type("FROM pgw_tabc_sch").Press(Tab)
            .Then(() => Assert.EndsWith("FROM pgw_tabc_schema.", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal))
            .Press(Tab).Type(";").Press(Enter).Press(Ctrl('d'));
        var (session, editor) = await RunAsync(terminal);
        await using (session)
        using (editor)
        {
            Assert.Equal(["SELECT x\nFROM pgw_tabc_schema.inner_tab ;"], editor.History);
            Assert.Equal("", session.Stderr);
        }
    }

    [ClusterFact]
    public async Task A_describe_pattern_lists_the_candidates_on_a_further_tab()
    {
        var terminal = new FakeTerminal();
        terminal.Type("\\d pgw_tabc").Press(Tab)
            .Then(() => Assert.EndsWith("\\d pgw_tabc_", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal))
            .Press(Tab, Tab)
            .Then(() =>
            {
                int row = terminal.Screen.CursorRow;
                Assert.Equal("pgw_tabc_items    pgw_tabc_orders   pgw_tabc_schema.", terminal.Screen.Line(row - 1));
                Assert.EndsWith("\\d pgw_tabc_", terminal.Screen.Line(row), StringComparison.Ordinal);
            })
            .Press(Ctrl('u')).Press(Enter).Press(Ctrl('d'));
        var (session, editor) = await RunAsync(terminal);
        await using (session)
        using (editor)
        {
            Assert.Equal("", session.Stderr);
        }
    }

    [ClusterFact]
    public async Task SET_offers_the_values_the_server_lists_for_the_setting()
    {
        var terminal = new FakeTerminal();
        terminal.Type("set default_transaction_isolation to rep").Press(Tab)
            .Then(() => Assert.EndsWith("to 'repeatable read'", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal))
            .Press(Ctrl('u')).Type("show default_transaction_is").Press(Tab).Type(";").Press(Enter).Press(Ctrl('d'));
        var (session, editor) = await RunAsync(terminal);
        await using (session)
        using (editor)
        {
            Assert.Equal(["show default_transaction_isolation ;"], editor.History);
            Assert.Contains("read committed", session.Stdout, StringComparison.Ordinal);
        }
    }

    [ClusterFact]
    public async Task In_a_failed_transaction_nothing_is_sent_and_the_transaction_is_left_as_it_was()
    {
        var terminal = new FakeTerminal();
        InteractiveSession? running = null;
        int sentBefore = 0;
        terminal.Type("BEGIN;").Press(Enter).Type("SELECT 1/0;").Press(Enter)
            .Then(() => sentBefore = running!.Session.CompletionCatalog.QueriesSent)
            .Type("SELECT * FROM pgw_tabc_o").Press(Tab, Tab, Tab)
            .Then(() =>
            {
                Assert.EndsWith("SELECT * FROM pgw_tabc_o", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal);
                Assert.Equal(sentBefore, running!.Session.CompletionCatalog.QueriesSent);
                Assert.Equal(TransactionStatus.Failed, running.Session.Client.TransactionStatus);
            })
            .Press(Ctrl('u')).Type("\\d pgw_tabc").Press(Tab)
            .Then(() => Assert.Equal(sentBefore, running!.Session.CompletionCatalog.QueriesSent))
            .Press(Ctrl('u')).Type("ROLLBACK;").Press(Enter)
            .Then(() => Assert.Equal(TransactionStatus.Idle, running!.Session.Client.TransactionStatus))
            .Type("SELECT 'after' AS state;").Press(Enter).Press(Ctrl('d'));
        EnsureObjects();
        await using var session = await InteractiveSession.StartAsync();
        running = session;
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal("ERROR:  division by zero\n", session.Stderr);
        Assert.Equal("BEGIN\nROLLBACK\n state \n-------\n after\n(1 row)\n\n\\q\n", session.Stdout);
    }

    [ClusterFact]
    public async Task In_a_live_transaction_completion_reads_the_catalog_and_the_transaction_goes_on()
    {
        var terminal = new FakeTerminal();
        InteractiveSession? running = null;
        terminal.Type("BEGIN;").Press(Enter)
            .Type("CREATE TABLE pgw_tabc_in_tx (only_here int);").Press(Enter)
            .Type("SELECT FROM pgw_tabc_in").Press(Tab).Press(Home).Press(Enumerable.Repeat(Right, 7).ToArray()).Type("only_h").Press(Tab).Press(End)
            .Then(() =>
            {
                Assert.EndsWith("SELECT only_here FROM pgw_tabc_in_tx", terminal.Screen.Line(terminal.Screen.CursorRow), StringComparison.Ordinal);
                Assert.True(running!.Session.CompletionCatalog.QueriesSent > 0);
                Assert.Equal(TransactionStatus.InTransaction, running.Session.Client.TransactionStatus);
            })
            .Type(";").Press(Enter).Type("ROLLBACK;").Press(Enter).Press(Ctrl('d'));
        EnsureObjects();
        await using var session = await InteractiveSession.StartAsync();
        running = session;
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal("", session.Stderr);
        Assert.Equal("BEGIN\nCREATE TABLE\n only_here \n-----------\n(0 rows)\n\nROLLBACK\n\\q\n", session.Stdout);
    }

    [ClusterFact]
    public async Task The_values_of_SET_transaction_isolation_are_offered_without_a_query_so_the_SET_still_works()
    {
        var terminal = new FakeTerminal();
        InteractiveSession? running = null;
        int sent = 0;
        terminal.Type("BEGIN;").Press(Enter)
            .Then(() => sent = running!.Session.CompletionCatalog.QueriesSent)
            .Type("SET transaction_isolation TO ser").Press(Tab)
            .Then(() => Assert.Equal(sent, running!.Session.CompletionCatalog.QueriesSent))
            .Type(";").Press(Enter).Type("SHOW transaction_isolation;").Press(Enter).Type("COMMIT;").Press(Enter).Press(Ctrl('d'));
        EnsureObjects();
        await using var session = await InteractiveSession.StartAsync();
        running = session;
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal("", session.Stderr);
        Assert.Equal("BEGIN\nSET\n transaction_isolation \n-----------------------\n serializable\n(1 row)\n\nCOMMIT\n\\q\n", session.Stdout);
    }

    [ClusterFact]
    public async Task Every_catalog_query_runs_inside_a_transaction_without_failing_it()
    {
        EnsureObjects();
        await using var session = await InteractiveSession.StartAsync();
        Assert.True(await session.Session.SendQueryAsync("BEGIN"));
        // A cursor and a prepared statement (prefixed "p" and "pgw_tabc_" like the other names) for their lists.
        Assert.True(await session.Session.SendQueryAsync("DECLARE pgw_tabc_cursor CURSOR FOR SELECT 1"));
        Assert.True(await session.Session.SendQueryAsync("PREPARE pgw_tabc_prepared AS SELECT 1"));
        var catalog = session.Session.CompletionCatalog;
        var found = new Dictionary<NameKind, int>();
        foreach (var kind in Enum.GetValues<NameKind>())
        {
            var source = new CatalogSource(kind)
            {
                Tables = [new RelationName(null, "pgw_tabc_orders"), new RelationName("pgw_tabc_schema", "inner_tab")],
                Setting = "IntervalStyle",
            };
            foreach (string? schema in new[] { null, "public", "pg_catalog", "pgw_tcx_other", "no'such\\schema" })
            {
                foreach (string prefix in new[] { "", "p", "pgw_tabc_", "Pg", "x'\\\"%_" })
                {
                    found[kind] = found.GetValueOrDefault(kind) + catalog.Names(source, schema, prefix).Count;
                    Assert.Equal(TransactionStatus.InTransaction, session.Session.Client.TransactionStatus);
                }
            }
        }

        Assert.Equal("", session.Stderr);
        // No foreign table exists, and the list of available extensions is not read inside a transaction.
        Assert.All(found.Where(f => f.Key is not (NameKind.AvailableExtension or NameKind.ForeignTable)), f => Assert.True(f.Value > 0, f.Key + " found nothing"));
        Assert.Equal(["MixedCol", "customer_name", "id", "x"], catalog.Names(new CatalogSource(NameKind.Column)
        {
            Tables = [new RelationName(null, "pgw_tabc_orders"), new RelationName("pgw_tabc_schema", "inner_tab")],
        }, null, ""));
        Assert.True(await session.Session.SendQueryAsync("COMMIT"));
        Assert.Equal("BEGIN\nDECLARE CURSOR\nPREPARE\nCOMMIT\n", session.Stdout);
    }

    [PsqlTheory]
    [InlineData("\\d", "\\dy")]
    [InlineData("\\pset ", "unicode_header_linestyle")]
    [InlineData("\\pset format ", "wrapped")]
    [InlineData("create ", "VIEW")]
    [InlineData("drop ", "VIEW")]
    [InlineData("alter ", "VIEW")]
    [InlineData("alter table pgw_tabc_orders ", "VALIDATE CONSTRAINT")]
    [InlineData("select * from pgw_tabc_", "pgw_tabc_schema.")]
    [InlineData("alter table pgw_tabc_orders add column x bo", "box")]
    [InlineData("alter table pgw_tabc_orders alter column ", "id")]
    [InlineData("copy pgw_tabc_orders ", "TO")]
    [InlineData("\\set ", "VERSION_NUM")]
    [InlineData("begin ", "WORK")]
    [InlineData("\\h C", "CREATE")]
    [InlineData("\\dt ", "pgw_tabc_schema.")]
    [InlineData("insert into pgw_tabc_orders ", "VALUES")]
    [InlineData("delete from pgw_tabc_orders ", "WHERE")]
    public void The_list_a_second_tab_shows_is_psqls(string typed, string last)
    {
        EnsureObjects();
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        string ours = ListAfterTabs(PseudoTerminal.StartPgwire(["simpsql", .. args]), typed, last);
        string psql = ListAfterTabs(PseudoTerminal.StartPsql(args), typed, last);
        Assert.Equal(psql, ours);
        Assert.Contains(last, ours, StringComparison.Ordinal);
    }

    /// <summary>Types <paramref name="typed"/> and two Tabs; the rows listed below the line, as text (psql echoes what was typed on a line of its own, simpsql redraws it after the prompt: neither counts).</summary>
    private static string ListAfterTabs(PseudoTerminal terminal, string typed, string last)
    {
        using (terminal)
        {
            int at = terminal.WaitFor("pgwire_test=> ");
            terminal.Type(typed + "\t");
            Thread.Sleep(500);
            terminal.Type("\t");
            int end = terminal.WaitFor(last, at);
            end = terminal.WaitFor("pgwire_test=> ", end);
            string shown = terminal.Transcript[at..end];
            terminal.Type("\x15\\q\r");
            Assert.Equal(0, terminal.WaitForExit());
            var rows = shown.Split('\n')
                .Select(line => System.Text.RegularExpressions.Regex.Replace(line, "\x1b\\[[0-9;?]*[A-Za-z]|[\r\a]", "").TrimEnd())
                .Where(line => line.Length > 0 && line != typed.TrimEnd() && !line.Contains("pgwire_test=>", StringComparison.Ordinal));
            return string.Join('\n', rows);
        }
    }

    [PsqlFact]
    public void The_real_terminal_lists_describe_candidates_as_psql_does()
    {
        EnsureObjects();
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        // A row of its own, padded as readline pads it (simpsql ends its lines with CR LF, which the terminal's
        // newline translation turns into CR CR LF).
        const string listing = "\npgw_tabc_items    pgw_tabc_orders   pgw_tabc_schema.  \r";
        foreach (var terminal in new[] { PseudoTerminal.StartPgwire(["simpsql", .. args]), PseudoTerminal.StartPsql(args) })
        {
            using (terminal)
            {
                int at = terminal.WaitFor("pgwire_test=> ");
                // The first Tab completes the common prefix, the second rings the bell, the third lists.
                terminal.Type("\\d pgw_tabc\t");
                Thread.Sleep(500);
                terminal.Type("\t");
                Thread.Sleep(300);
                terminal.Type("\t");
                at = terminal.WaitFor(listing, at);
                terminal.Type("orders\r");
                at = terminal.WaitFor("Table \"public.pgw_tabc_orders\"", at);
                terminal.Type("SELECT * FROM pgw_tabc_i\t");
                Thread.Sleep(500);
                terminal.Type(";\r");
                terminal.WaitFor("(0 rows)", at);
                terminal.Type("\\q\r");
                Assert.Equal(0, terminal.WaitForExit());
            }
        }
    }
}
