using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Asking for a password when the server wants one and none was given: on a real terminal, and without one
/// (standard input), each compared with psql 15.
/// </summary>
public sealed class PasswordPromptTests
{
    private const string Prompt = "Password for user pgw_scram: ";

    private static (int ExitCode, string Transcript) TypePassword(PseudoTerminal terminal, string password)
    {
        terminal.WaitFor(Prompt);
        terminal.Type(password + "\n");
        int rc = terminal.WaitForExit();
        return (rc, PseudoTerminal.WithoutKeypadModes(terminal.Transcript));
    }

    [PsqlFact]
    public void On_a_terminal_the_password_is_asked_for_without_echo_and_the_connection_made_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.ScramUser), "-X", "-c", "select current_user"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);

        var actual = TypePassword(ours, TestCluster.Password);
        var expected = TypePassword(psql, TestCluster.Password);

        Assert.Equal(0, actual.ExitCode);
        Assert.Equal(Prompt + "\r\n current_user \r\n--------------\r\n pgw_scram\r\n(1 row)\r\n\r\n", actual.Transcript);
        Assert.Equal(expected, actual);
    }

    [PsqlFact]
    public void With_input_from_a_pipe_the_password_still_comes_from_the_terminal_like_psql()
    {
        string Line(string program) => $"echo 'select 42 as answer;' | {program} '{PseudoTerminal.Uri(TestCluster.ScramUser)}' -X";
        using var ours = PseudoTerminal.Start(Line($"'{Lrepl.LreplProcess.Executable}' simpsql"));
        using var psql = PseudoTerminal.Start(Line($"'{TestCluster.FindPsql()}'"));

        var actual = TypePassword(ours, TestCluster.Password);
        var expected = TypePassword(psql, TestCluster.Password);

        Assert.Equal(0, actual.ExitCode);
        Assert.Contains(" answer \r\n--------\r\n     42\r\n(1 row)", actual.Transcript, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    [PsqlFact]
    public void A_wrong_password_typed_at_the_prompt_is_not_asked_for_again_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.ScramUser), "-X", "-c", "select 1"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);

        var actual = TypePassword(ours, "wrong");
        var expected = TypePassword(psql, "wrong");

        Assert.Equal(2, actual.ExitCode);
        Assert.Contains("password authentication failed for user \"pgw_scram\"", actual.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", actual.Transcript, StringComparison.Ordinal);
        Assert.Equal(expected.Transcript.Replace("psql:", "simpsql:", StringComparison.Ordinal), actual.Transcript);
    }

    [PsqlFact]
    public void No_password_option_never_asks_like_psql()
    {
        string[] args = ["-w", PseudoTerminal.Uri(TestCluster.ScramUser), "-X", "-c", "select 1"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);

        int rc = ours.WaitForExit();
        int psqlRc = psql.WaitForExit();

        Assert.Equal(2, rc);
        Assert.Equal(psqlRc, rc);
        Assert.Equal(
            $"simpsql: error: connection to server at \"{TestCluster.Host}\", port {TestCluster.Port} failed: fe_sendauth: no password supplied\r\n",
            PseudoTerminal.WithoutKeypadModes(ours.Transcript));
        Assert.Equal(psql.Transcript.Replace("psql:", "simpsql:", StringComparison.Ordinal), PseudoTerminal.WithoutKeypadModes(ours.Transcript));
    }

    [ClusterFact]
    public void Backslash_connect_asks_for_the_password_on_the_terminal()
    {
        using var terminal = PseudoTerminal.StartPgwire("simpsql", PseudoTerminal.Uri(TestCluster.TrustUser), "-X");
        int at = terminal.WaitFor("pgwire_test=> ");
        terminal.Type("\\c - pgw_scram\r");
        at = terminal.WaitFor(Prompt, at);
        terminal.Type(TestCluster.Password + "\r");
        at = terminal.WaitFor("You are now connected to database \"pgwire_test\" as user \"pgw_scram\".", at);
        terminal.Type("select current_user;\r");
        at = terminal.WaitFor(" pgw_scram\r\n(1 row)", at);
        terminal.Type("\\q\r");

        Assert.Equal(0, terminal.WaitForExit());
        Assert.DoesNotContain(TestCluster.Password, terminal.Transcript, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> NoTerminalCases => new()
    {
        // No terminal at all: psql writes the prompt to standard error and takes the first line of standard input.
        { $"user={TestCluster.ScramUser} sslmode=disable", "pgw_secret\nselect current_user;\n" },
        { $"user={TestCluster.ScramUser} sslmode=disable", "wrong\nselect 1;\n" },
        { $"user={TestCluster.ScramUser} sslmode=disable", "" },
        { $"user={TestCluster.TrustUser} sslmode=disable", "\\c - pgw_scram\npgw_secret\nselect current_user;\n\\c postgres\nselect current_user, current_database();\n" },
        { $"user={TestCluster.TrustUser} sslmode=disable", "\\c - pgw_scram\n\nselect 1;\n" },
    };

    [PsqlTheory]
    [MemberData(nameof(NoTerminalCases))]
    public void Without_a_terminal_the_password_is_read_from_standard_input_like_psql(string conninfo, string stdin)
    {
        // setsid: a new session without a controlling terminal, whatever the test runner has.
        conninfo = $"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} {conninfo}";
        string Line(string program) => $"setsid -w {program} '{conninfo}' -X < input > output 2>&1; rc=$?; cat output; exit $rc";
        using var ours = PseudoTerminal.Start($"cd \"$HOME\" && printf %s '{stdin}' > input && " + Line($"'{Lrepl.LreplProcess.Executable}' simpsql"));
        using var psql = PseudoTerminal.Start($"cd \"$HOME\" && printf %s '{stdin}' > input && " + Line($"'{TestCluster.FindPsql()}'"));

        int rc = ours.WaitForExit();
        int psqlRc = psql.WaitForExit();

        Assert.Equal(psqlRc, rc);
        Assert.Equal(psql.Transcript.Replace("psql:", "simpsql:", StringComparison.Ordinal), ours.Transcript);
        Assert.Contains("Password for user pgw_scram: ", ours.Transcript, StringComparison.Ordinal);
    }
}
