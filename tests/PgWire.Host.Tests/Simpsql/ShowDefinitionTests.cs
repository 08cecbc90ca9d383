using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>\sf[+] and \sv[+] compared with psql 15 (in a schema of their own: a temporary schema's name differs between sessions): definitions, line numbers, SQL-standard bodies, errors.</summary>
public sealed class ShowDefinitionTests
{
    private const string Script = """
        drop schema if exists sfv cascade;
        create schema sfv;
        create function sfv.f1(a int, b text default 'x') returns int language sql as $$ select a
          + 1 $$;
        create view sfv."V 1" with (security_barrier=true) as select 1 as x union select 2;
        create view sfv.v2 as select relname from pg_class where relname = 'x' with local check option;
        \sf sfv.f1
        \sf+ sfv.f1(int, text)
        \sf nosuch
        \sf
        \sf+ sfv.f1(int)
        \sv sfv."V 1"
        \sv+ sfv."V 1"
        \sv+ sfv.v2
        \sv nosuch
        \sv
        \sv pg_class
        create materialized view sfv.m as select 1 as one;
        \sv sfv.m
        \sf sfv.f1 extra
        \sf information_schema._pg_expandarray
        \sf+ information_schema._pg_expandarray
        \sf+ interval_pl_time
        \sf ts_debug(text)
        \sf+ ts_debug(text)
        \sf sum
        \sf+ sum(int)
        \o /dev/null
        \sv sfv.v2
        \o
        drop schema sfv cascade;

        """;

    [PsqlFact]
    public void Sf_and_sv_match_psql_from_stdin() => SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], Script);

    [PsqlFact]
    public void Sf_and_sv_errors_name_the_file_and_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-sf-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, Script);
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-q", "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
