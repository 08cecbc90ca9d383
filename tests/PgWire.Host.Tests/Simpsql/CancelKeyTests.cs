using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Ctrl+C typed on the terminal while a statement runs.</summary>
public sealed class CancelKeyTests
{
    private const string Expected = "Cancel request sent\r\nERROR:  canceling statement due to user request\r\n";

    private static string CancelASleep(PseudoTerminal terminal, string marker)
    {
        int at = terminal.WaitFor("pgwire_test=> ");
        terminal.Type($"select pg_sleep(60) as {marker};\r");
        SimpsqlHarness.WaitUntilRunning(marker);
        terminal.Type("\x03");
        at = terminal.WaitFor("canceling statement due to user request\r\n", at);
        terminal.Type("select 'still connected' as after;\r");
        terminal.WaitFor("still connected\r\n(1 row)", at);
        terminal.Type("\\q\r");
        Assert.Equal(0, terminal.WaitForExit());
        return terminal.Transcript;
    }

    [PsqlFact]
    public void Ctrl_c_cancels_the_running_statement_and_says_so_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);

        string transcript = CancelASleep(ours, "simpsql_sleep");
        string psqlTranscript = CancelASleep(psql, "psql_sleep");

        Assert.Contains(Expected, psqlTranscript, StringComparison.Ordinal);
        Assert.Contains(Expected, transcript, StringComparison.Ordinal);
        Assert.Single(transcript.Split("Cancel request sent").Skip(1));
        // While a statement runs the terminal is in its own mode, as readline leaves it for psql: it
        // echoes the key as ^C.
        Assert.Contains("^C" + Expected, psqlTranscript, StringComparison.Ordinal);
        Assert.Contains("^C" + Expected, transcript, StringComparison.Ordinal);
    }

    /// <summary>
    /// A statement typed while another runs shows as it is typed (the terminal echoes it), then runs
    /// after it, read from what the terminal kept.
    /// </summary>
    private static string TypeAhead(PseudoTerminal terminal, string marker)
    {
        int at = terminal.WaitFor("pgwire_test=> ");
        terminal.Type($"select pg_sleep(60) as {marker};\r");
        SimpsqlHarness.WaitUntilRunning(marker);
        terminal.Type("select 'typed ahead' as second;\r");
        int echoed = terminal.WaitFor("select 'typed ahead' as second;", at);
        Assert.DoesNotContain("(1 row)", terminal.Transcript[at..echoed], StringComparison.Ordinal);
        TestCluster.RunPsql("-X", "-c", $"select pg_cancel_backend(pid) from pg_stat_activity where query like '%as {marker};' and pid <> pg_backend_pid()");
        terminal.WaitFor("typed ahead\r\n(1 row)", echoed);
        terminal.Type("\\q\r");
        Assert.Equal(0, terminal.WaitForExit());
        return terminal.Transcript;
    }

    [PsqlFact]
    public void What_is_typed_while_a_statement_runs_shows_at_once_and_runs_next_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);
        string transcript = TypeAhead(ours, "simpsql_ahead");
        string psqlTranscript = TypeAhead(psql, "psql_ahead");
        Assert.Contains("ERROR:  canceling statement due to user request", psqlTranscript, StringComparison.Ordinal);
        Assert.Contains("ERROR:  canceling statement due to user request", transcript, StringComparison.Ordinal);
    }
}
