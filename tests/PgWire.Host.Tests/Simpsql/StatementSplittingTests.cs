using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Where statements end: strings without standard_conforming_strings, BEGIN ATOMIC bodies; against psql 15.</summary>
public sealed class StatementSplittingTests
{
    [PsqlFact]
    public void Backslash_escapes_in_plain_strings_when_standard_conforming_strings_is_off() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-a"],
            "set standard_conforming_strings = off;\nset escape_string_warning = off;\n" +
            "select 'a\\'b;c' as one, 'x\\\\' as two, E'\\';' as three;\n" +
            "select U&'d\\0061t' as uni, B'101' as bits, X'1F' as hex;\n" +
            "select 'it''s\n\\';' as multi;\n" +
            "reset standard_conforming_strings;\n" +
            "select 'a\\' as plain, E'\\'' as e;\n");

    [PsqlFact]
    public void Begin_atomic_bodies_are_one_statement() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-a"],
            "create function pg_temp.atomic_f(x int) returns int language sql\nbegin atomic\n  select 1;\n  select case when x > 0 then x else -x end;\nend;\n" +
            "select pg_temp.atomic_f(-3);\n" +
            "create or replace procedure pg_temp.atomic_p() language sql begin atomic select 1; select 2; end;\n" +
            "call pg_temp.atomic_p();\n" +
            "begin;\nselect 1;\nend;\n" +
            "create temp table ba(a int);\nselect (case when true then 1 end);\n");
}
