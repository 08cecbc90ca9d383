using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>The COPY statement \copy sends is psql's, word for word: seen in ECHO, in error positions and in the log.</summary>
public sealed class CopyTextTests
{
    [PsqlFact]
    public void Copy_sends_the_statement_psql_builds() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-e"],
            "create temp table c(a int, b text);\n\\copy c to stdout   \n\\copy c to stdout;\n\\copy c to stdout with csv;  \n" +
            "\\copy public . c to stdout\n\\copy pg_temp.c to stdout\n\\copy binary c to /dev/null\n" +
            "\\copy (select E'a\\\\tb' ,   \"a\" from (select 1 as a) s) to stdout\n\\copy c to '/dev/null' csv\n" +
            "\\copy   c(a,b)   from /dev/null   csv header\n\\copy c (\"a\") from stdin\n5\n\\.\n\\copy (select ((1))) to stdout\n" +
            "\\copy (select nosuch) to stdout\n\\copy (select 1, 'a  b') to stdout with (format csv)\n");

    [PsqlFact]
    public void Copy_to_stdout_with_a_semicolon_writes_to_standard_output() =>
        SimpsqlHarness.AssertSameAsPsql(["-X"], "\\copy (select 1) to stdout;\n");
}
