using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>FETCH_COUNT: SELECT-like queries fetched through a cursor and printed batch by batch, compared with psql 15.</summary>
public sealed class FetchCountTests
{
    public static TheoryData<string, string> Scripts => new()
    {
        {
            "aligned, expanded, unaligned, csv, border 2, errors midway",
            "\\set FETCH_COUNT 3\n"
            + "select g, case when g % 3 = 0 then null else repeat('x', g) end as v from generate_series(1,7) g;\n"
            + "\\echo :ROW_COUNT\n"
            + "select g from generate_series(1,6) g;\n"
            + "select 1 where false;\n"
            + "\\x\n"
            + "select g, repeat('y', g) as v from generate_series(1,4) g;\n"
            + "\\x\n"
            + "\\pset format unaligned\n"
            + "select g, repeat('y', g) as v from generate_series(1,4) g;\n"
            + "\\pset format csv\n"
            + "select g, repeat('y', g) as v from generate_series(1,4) g;\n"
            + "\\pset format aligned\n"
            + "\\pset border 2\n"
            + "select g, repeat('y', g) as v from generate_series(1,4) g;\n"
            + "\\pset border 1\n"
            + "select 1/(3-g) from generate_series(1,7) g;\n"
            + "\\echo :ERROR :ROW_COUNT :SQLSTATE\n"
            + "values (1),(2),(3),(4);\n"
            + "(select 1);\n"
            + "with x as (select 1) select * from x;\n"
            + "select 1 \\; select 2;\n"
            + "\\pset title tt\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\pset title\n"
            + "\\pset footer off\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\pset footer on\n"
            + "\\t\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\t\n"
        },
        {
            "batches that end exactly, tuples only, expanded unaligned",
            "\\set FETCH_COUNT 2\n"
            + "\\pset border 2\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\x\n"
            + "select g from generate_series(1,4) g;\n"
            + "select g from generate_series(1,0) g;\n"
            + "\\pset border 1\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\pset tuples_only on\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\pset tuples_only off\n"
            + "\\x\n"
            + "\\pset format unaligned\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\x\n"
            + "select g, g as h from generate_series(1,3) g;\n"
            + "\\x\n"
        },
        {
            "errors, transactions, ON_ERROR_ROLLBACK, AUTOCOMMIT off, \\gset, \\g FILE, \\gx, \\gexec",
            "\\set FETCH_COUNT 3\n"
            + "select nosuchcol from generate_series(1,3);\n"
            + "select 1 \\; select 2;\n"
            + "\\echo :ERROR :ROW_COUNT\n"
            + "begin;\n"
            + "select 1/0;\n"
            + "select 1;\n"
            + "rollback;\n"
            + "select g, 1/(5-g) from generate_series(1,7) g;\n"
            + "\\set ON_ERROR_ROLLBACK on\n"
            + "begin;\n"
            + "select g from generate_series(1,4) g;\n"
            + "select g, 1/(5-g) from generate_series(1,7) g;\n"
            + "select 'after';\n"
            + "commit;\n"
            + "\\set ON_ERROR_ROLLBACK off\n"
            + "\\set AUTOCOMMIT off\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\echo :LAST_ERROR_MESSAGE\n"
            + "commit;\n"
            + "\\set AUTOCOMMIT on\n"
            + "select g as a from generate_series(1,5) g \\gset\n"
            + "select 5 as b \\gset\n"
            + "\\echo :b\n"
            + "select 1 as x where false \\gset\n"
            + "select g from generate_series(1,4) g \\g /tmp/simpsql-fetch-count-g.out\n"
            + "\\! cat /tmp/simpsql-fetch-count-g.out\n"
            + "select g from generate_series(1,4) g \\gx\n"
            + "select 'select 1' \\gexec\n"
        },
        {
            "other formats, wrapped, \\x auto, unicode, titles, notices, \\o",
            "\\set FETCH_COUNT 2\n"
            + "\\pset format html\n"
            + "select g, repeat('<', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "select g, repeat('<', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset format asciidoc\n"
            + "select g, repeat('|', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "select g, repeat('|', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset format latex\n"
            + "select g, repeat('x', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "select g, repeat('x', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset format latex-longtable\n"
            + "select g, repeat('x', g) from generate_series(1,3) g;\n"
            + "\\pset format troff-ms\n"
            + "select g, repeat('x', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "select g, repeat('x', g) from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset format wrapped\n"
            + "\\pset columns 20\n"
            + "select g, repeat('abc ', g*3) from generate_series(1,5) g;\n"
            + "\\x auto\n"
            + "select g, repeat('abc ', g*2) as v, g as w from generate_series(1,5) g;\n"
            + "\\x off\n"
            + "\\pset columns 0\n"
            + "\\pset format aligned\n"
            + "\\pset linestyle unicode\n"
            + "\\pset border 2\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\x\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\x\n"
            + "\\pset linestyle ascii\n"
            + "\\pset border 1\n"
            + "\\pset numericlocale on\n"
            + "select g*1000 from generate_series(1,3) g;\n"
            + "\\pset numericlocale off\n"
            + "\\pset title 'T'\n"
            + "\\x\n"
            + "select g from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset title\n"
            + "select g, g::text || E'\\nline' as m from generate_series(1,3) g;\n"
            + "do $$ begin raise notice 'hi'; end $$;\n"
            + "create function pg_temp.noisy(int) returns int language plpgsql as $$ begin raise notice 'row %', $1; return $1; end $$;\n"
            + "select pg_temp.noisy(g) from generate_series(1,3) g;\n"
            + "select 1 \\; select 2;\n"
            + "\\echo :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE\n"
            + "\\o /tmp/simpsql-fetch-count-o.out\n"
            + "select g from generate_series(1,3) g;\n"
            + "\\o\n"
            + "\\! cat /tmp/simpsql-fetch-count-o.out\n"
            + "\\pset format unaligned\n"
            + "\\pset tuples_only on\n"
            + "select g, 'x' from generate_series(1,4) g;\n"
            + "\\pset recordsep_zero\n"
            + "select g, 'x' from generate_series(1,3) g;\n"
        },
        {
            "\\x auto is decided once for all batches on standard output",
            "\\pset format wrapped\n"
            + "\\pset columns 20\n"
            + "\\x auto\n"
            + "select g, repeat('abc ', g*2) as v, g as w from generate_series(1,5) g;\n"
            + "\\set FETCH_COUNT 2\n"
            + "select g, repeat('abc ', g*2) as v, g as w from generate_series(1,5) g;\n"
            + "\\set FETCH_COUNT 10\n"
            + "select g, repeat('abc ', g*2) as v, g as w from generate_series(1,5) g;\n"
        },
        {
            "not through a cursor: \\crosstabview, \\gexec; ECHO_HIDDEN, ON_ERROR_STOP",
            "\\set FETCH_COUNT 3\n"
            + "select g, g*2 as d from generate_series(1,5) g \\crosstabview g d\n"
            + "select 'select ' || g from generate_series(1,4) g \\gexec\n"
            + "\\set ECHO_HIDDEN on\n"
            + "\\set ECHO queries\n"
            + "select g from generate_series(1,4) g;\n"
            + "\\set ECHO none\n"
            + "\\pset format wrapped\n"
            + "select g, repeat('abc ', g*3) from generate_series(1,5) g;\n"
            + "\\pset format aligned\n"
            + "\\set ON_ERROR_STOP on\n"
            + "select g, 1/(4-g) from generate_series(1,7) g;\n"
            + "select 'not reached';\n"
        },
        {
            "\\g |command, \\o FILE, html expanded, multi-line cells, border 0, old-ascii",
            "\\set FETCH_COUNT 2\n"
            + "select g from generate_series(1,3) g \\g |cat\n"
            + "\\o /tmp/simpsql-fetch-count-o2.out\n"
            + "select g from generate_series(1,3) g;\n"
            + "\\o\n"
            + "\\! cat /tmp/simpsql-fetch-count-o2.out\n"
            + "\\pset format html\n"
            + "\\x\n"
            + "select g from generate_series(1,3) g;\n"
            + "\\x\n"
            + "\\pset format aligned\n"
            + "\\pset pager always\n"
            + "select g from generate_series(1,3) g;\n"
            + "select g::text as \"multi\n"
            + "line\" , E'a\\nb' as v from generate_series(1,3) g;\n"
            + "\\pset border 0\n"
            + "select g, E'a\\nb' as v from generate_series(1,3) g;\n"
            + "\\pset border 2\n"
            + "\\pset linestyle old-ascii\n"
            + "select g, E'a\\nb' as v from generate_series(1,3) g;\n"
            + "\\x\n"
            + "select g, E'a\\nb' as v from generate_series(1,3) g;\n"
        },
        {
            "wrapped expanded batches, an empty last batch",
            "\\set FETCH_COUNT 3\n"
            + "\\pset format wrapped\n"
            + "\\pset columns 12\n"
            + "\\x\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,12) g;\n"
            + "\\pset border 2\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,12) g;\n"
            + "\\pset border 0\n"
            + "\\t\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,12) g;\n"
        },
        {
            "batches that end exactly in every format and border, unicode lines, \\x auto to a file",
            "\\set FETCH_COUNT 3\n"
            + "\\pset format wrapped\n"
            + "\\pset columns 15\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset border 2\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset border 0\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset linestyle unicode\n"
            + "\\pset border 2\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\x\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\x auto\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g \\g /tmp/simpsql-fetch-count-g2.out\n"
            + "\\! cat /tmp/simpsql-fetch-count-g2.out\n"
            + "\\pset format aligned\n"
            + "\\pset unicode_border_linestyle double\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\x on\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\t\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format unaligned\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format asciidoc\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format latex\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format troff-ms\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\x off\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format latex-longtable\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
            + "\\pset format html\n"
            + "select g, repeat('ab', 8) as v from generate_series(1,6) g;\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(Scripts))]
    public void Batches_print_as_in_psql(string what, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
    }

    [PsqlFact]
    public void Command_line_queries_use_the_cursor_too() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "FETCH_COUNT=2", "-c", "select g from generate_series(1, 5) g", "-c", "values (1), (2)", "-c", "select 1/(3 - g) from generate_series(1, 5) g"]);

    [PsqlFact]
    public void A_wide_result_on_standard_output_wraps_to_COLUMNS_as_for_a_pager() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-v", "FETCH_COUNT=2", "-P", "format=wrapped", "-c", "select g, repeat('abc ', g * 4) from generate_series(1, 5) g"],
            environment: new Dictionary<string, string?> { ["COLUMNS"] = "30" });

    /// <summary>Ctrl+C while batches print: no more are fetched, the table stays without its footer, the query counts as done (psql's cancel_pressed).</summary>
    [ClusterFact]
    public async Task Ctrl_c_between_batches_stops_fetching()
    {
        await using var session = await InteractiveSession.StartAsync();
        Assert.True(session.Session.SetVariable("FETCH_COUNT", "2"));
        session.OnStdoutFlush(output =>
        {
            if (output.Contains(" 2\n", StringComparison.Ordinal))
            {
                session.Session.NoteInterrupt();
            }
        });
        var reader = new ScriptedLineReader("select g from generate_series(1, 7) g;", "\\echo :ERROR :ROW_COUNT", "select 'next' as n;");
        Assert.Equal(0, await session.RunAsync(reader));

        Assert.Equal(" g \n---\n 1\n 2\nfalse 2\n  n   \n------\n next\n(1 row)\n\n\\q\n", session.Stdout);
        Assert.Equal("", session.Stderr);
    }
}
