using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>VERBOSITY, SHOW_CONTEXT and errors in internal queries, against psql 15.</summary>
public sealed class ErrorVerbosityTests
{
    private const string Errors =
        "select nosuch;\n" +
        "select 1/0;\n" +
        "drop table if exists verbosity_v;\ncreate table verbosity_v(a int primary key, b int check (b > 0));\n" +
        "insert into verbosity_v values (1, 1);\ninsert into verbosity_v values (1, 1);\ninsert into verbosity_v values (2, -1);\ndrop table verbosity_v;\n" +
        "do $$ begin perform nosuchcol from pg_class; end $$;\n" +
        "do $$ begin raise notice 'note %', 1; raise warning 'careful' using detail = 'd', hint = 'h'; end $$;\n" +
        "create function pg_temp.f() returns int language plpgsql as $$ begin return (select 1 +); end $$;\n" +
        "do $$ begin execute 'select 1 + '; end $$;\n" +
        "select 'unterminated;\n';\n";

    public static TheoryData<string> Settings => new()
    {
        { "" },
        { "\\set VERBOSITY default\n" },
        { "\\set VERBOSITY terse\n" },
        { "\\set VERBOSITY verbose\n" },
        { "\\set VERBOSITY sqlstate\n" },
        { "\\set SHOW_CONTEXT never\n" },
        { "\\set SHOW_CONTEXT always\n" },
        { "\\set VERBOSITY terse\n\\set SHOW_CONTEXT always\n" },
    };

    [PsqlTheory]
    [MemberData(nameof(Settings))]
    public void Errors_and_notices_print_like_psql(string settings) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], settings + Errors);
}
