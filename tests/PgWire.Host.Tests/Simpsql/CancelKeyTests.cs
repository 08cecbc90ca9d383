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
    }
}
