using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>-L FILE: the session log psql 15 writes, compared byte for byte; and -n, and --help naming both.</summary>
public sealed class LogFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private const string Script =
        "select 1 as a, 'x' as b;\n\\x\nselect 1 as a, 'x' as b;\n\\x auto\n\\pset columns 20\nselect 1 as a, repeat('x', 30) as b;\n" +
        "\\x off\n\\pset columns 0\n\\pset format csv\nselect 1 as a, 'x' as b;\n\\pset format unaligned\nselect 2 as a;\n" +
        "\\pset format aligned\ncreate temp table t(a int);\ninsert into t values (1) returning a;\n\\set QUIET on\n" +
        "insert into t values (2);\n\\set QUIET off\nselect nosuch;\n\\echo hi\ndo $$ begin raise notice 'n'; end $$;\n" +
        "\\set FETCH_COUNT 2\nselect g from generate_series(1,3) g;\n\\x\nselect g from generate_series(1,3) g;\n\\x\n\\unset FETCH_COUNT\n" +
        "\\dn pg_toast\nselect 1 \\; select 2;\nselect 'select 7' \\gexec\n\\pset title TT\n\\pset footer off\nselect 5 as five;\n" +
        "\\pset border 2\nselect 6 as six \\g " + "/dev/null\n" +
        "select g, g * 2 as d, 'v' as v from generate_series(1, 3) g \\crosstabview g d v\nselect 1 as a \\gdesc\n" +
        "copy (select 1) to stdout;\ncreate temp table c(a int);\ncopy c from stdin;\n5\n\\.\n" +
        "\\set FETCH_COUNT 2\n\\x auto\n\\pset columns 20\n\\pset title\n\\pset footer on\n\\pset border 1\n" +
        "select g, repeat('x', 30) as b from generate_series(1, 3) g;\n\\pset format wrapped\nselect g, repeat('x', 30) as b from generate_series(1, 3) g;\n";

    [PsqlFact]
    public void The_log_gets_queries_tables_and_statuses_as_psql_writes_them()
    {
        string psqlLog = Path.Combine(_directory, "psql.log");
        string simpsqlLog = Path.Combine(_directory, "simpsql.log");
        File.WriteAllText(psqlLog, "before\n");
        File.WriteAllText(simpsqlLog, "before\n");

        var expected = SimpsqlHarness.RunPsql(["-X", "-L", psqlLog], Script);
        var actual = SimpsqlHarness.RunSimpsql(["-X", "-L", simpsqlLog], Script);

        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Equal(File.ReadAllText(psqlLog), File.ReadAllText(simpsqlLog));
        Assert.StartsWith("before\n********* QUERY **********\nselect 1 as a, 'x' as b;\n", File.ReadAllText(simpsqlLog), StringComparison.Ordinal);
    }

    [PsqlFact]
    public void A_log_file_that_cannot_be_opened_is_an_error_after_connecting() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-L", Path.Combine(_directory, "no", "such", "dir.log"), "-c", "select 1"]);

    [PsqlFact]
    public void No_readline_is_accepted() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-n", "--no-readline", "-c", "select 1"]);

    [PsqlFact]
    public void Help_lists_the_log_file_and_no_readline_options_as_psql_does()
    {
        var psql = SimpsqlHarness.RunPsql(["--help"]);
        var simpsql = SimpsqlHarness.RunSimpsql(["--help"]);
        foreach (string option in new[] { "  -L, --log-file=FILENAME", "  -n, --no-readline" })
        {
            string line = psql.Stdout.Split('\n').Single(l => l.StartsWith(option, StringComparison.Ordinal));
            Assert.Contains(line + "\n", simpsql.Stdout, StringComparison.Ordinal);
        }
    }
}
