using System.Text.RegularExpressions;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>psql 15's remaining meta-commands (\watch, \errverbose, \w, \prompt, ...), each compared with psql 15.</summary>
public sealed partial class MetaCommandTests
{
    /// <summary>As <see cref="SimpsqlHarness.AssertSameAsPsql"/>, with the times \watch prints replaced by "DATE".</summary>
    private static void AssertSameAsPsqlModuloTime(string[] args, string? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var expected = SimpsqlHarness.RunPsql(args, stdin, environment: environment);
        var actual = SimpsqlHarness.RunSimpsql(args, stdin, environment: environment);
        string label = string.Join(' ', args);
        string psqlOut = CTime().Replace(expected.Stdout, "DATE");
        string ourOut = CTime().Replace(actual.Stdout, "DATE");
        Assert.True(psqlOut == ourOut, $"stdout differs for {label}\n--- psql ---\n{psqlOut}\n--- simpsql ---\n{ourOut}");
        Assert.True(expected.Stderr == actual.Stderr, $"stderr differs for {label}\n--- psql ---\n{expected.Stderr}\n--- simpsql ---\n{actual.Stderr}");
        Assert.True(expected.ExitCode == actual.ExitCode, $"exit code differs for {label}: psql {expected.ExitCode}, simpsql {actual.ExitCode}");
    }

    [GeneratedRegex("[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}")]
    private static partial Regex CTime();

    [PsqlFact]
    public void Watch_repeats_the_query_under_a_dated_title_until_it_fails_like_psql()
    {
        string seq = "watch_seq_" + Guid.NewGuid().ToString("N")[..8];
        string script =
            $"create temp sequence {seq};\n" +
            $"select 1/(3-nextval('{seq}')) as x, 'a' as y \\watch 0.01\n" +
            "\\p\n" +
            $"select 1/(5-nextval('{seq}')) as z\n\\watch 0.01x\n" +
            "\\pset title mytitle\n\\pset format unaligned\n" +
            $"select 1/(7-nextval('{seq}')) as t \\watch 0.01\n" +
            "\\echo :ERROR\n" +
            $"insert into pg_temp.nosuch values (1) \\watch 1 extra\n";
        AssertSameAsPsqlModuloTime(["-X"], script);
        AssertSameAsPsqlModuloTime(["-X", "-v", "ON_ERROR_STOP=1"], script);
    }

    [PsqlFact]
    public void Watch_on_an_empty_buffer_is_an_error_like_psql()
    {
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\watch"]);
        SimpsqlHarness.AssertSameAsPsql(["-X"], "\\watch 3\n\\r\n\\watch\n\\echo after\n");
    }

    [PsqlFact]
    public void Watch_runs_the_last_query_when_the_buffer_is_empty_like_psql() =>
        AssertSameAsPsqlModuloTime(["-X"], "create temp sequence w;\nselect 1/(3 - nextval('w')) as n;\n\\watch 0.01\n\\echo after\n");

    [PsqlFact]
    public void Ctrl_c_ends_watch_and_the_session_goes_on_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);
        foreach (var terminal in new[] { ours, psql })
        {
            int at = terminal.WaitFor("pgwire_test=> ");
            terminal.Type("select 'tick' as t \\watch 0.2\r");
            at = terminal.WaitFor("(every 0.2s)", at);
            at = terminal.WaitFor("(every 0.2s)", at);
            terminal.Type("\x03");
            at = terminal.WaitFor("pgwire_test=> ", at);
            terminal.Type("select 'still here' as after;\r");
            terminal.WaitFor("still here\r\n(1 row)", at);
            terminal.Type("\\q\r");
            Assert.Equal(0, terminal.WaitForExit());
        }

        string Tail(PseudoTerminal t)
        {
            string text = t.Transcript;
            int last = text.LastIndexOf("(1 row)", text.IndexOf("select 'still here'", StringComparison.Ordinal), StringComparison.Ordinal);
            return text[last..text.IndexOf("select 'still here'", StringComparison.Ordinal)];
        }

        // The terminals echo Ctrl+C differently (psql's is in cooked mode, simpsql's line editor redraws): what
        // both print is the last table, psql's blank line after the watch, then the prompt, without an error.
        foreach (var terminal in new[] { psql, ours })
        {
            string tail = Tail(terminal);
            Assert.StartsWith("(1 row)\r\n\r\n", tail, StringComparison.Ordinal);
            Assert.DoesNotContain("ERROR", tail, StringComparison.Ordinal);
            Assert.DoesNotContain("Cancel request sent", tail, StringComparison.Ordinal);
        }
    }

    [PsqlFact]
    public void Errverbose_shows_the_last_error_in_full_like_psql()
    {
        string script =
            "\\errverbose\nselect 1 from no_such_table_for_errverbose;\n\\errverbose\n" +
            "do $$ begin raise exception 'boom' using detail = 'd', hint = 'h'; end $$;\nselect 1;\n\\errverbose\n" +
            "\\set VERBOSITY terse\nselect 1/0;\n\\errverbose\n";
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-errverbose-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, script);
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
