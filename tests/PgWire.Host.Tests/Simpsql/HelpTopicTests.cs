using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>\? variables and --help=variables print psql's text; an unknown \? topic lists the backslash commands.</summary>
public sealed class HelpTopicTests
{
    [PsqlFact]
    public void Help_on_variables_is_psqls() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\? variables"]);

    [PsqlFact]
    public void Help_option_with_variables_is_psqls() =>
        SimpsqlHarness.AssertSameAsPsql(["--help=variables"]);

    [PsqlFact]
    public void Help_option_with_an_unknown_topic_gives_only_the_hint()
    {
        var psql = SimpsqlHarness.RunPsql(["--help=nothing"]);
        var simpsql = SimpsqlHarness.RunSimpsql(["--help=nothing"]);
        Assert.Equal(psql.ExitCode, simpsql.ExitCode);
        Assert.Equal("", simpsql.Stdout);
        Assert.Equal(psql.Stderr.Replace("\"psql --help\"", "\"simpsql --help\"", StringComparison.Ordinal), simpsql.Stderr);
    }

    /// <summary>
    /// --help and \? options: psql's options, lines and defaults (from PGDATABASE, PGHOST, PGPORT,
    /// PGUSER) alike; only the program's own name and psql's bug-report lines differ.
    /// </summary>
    [PsqlTheory]
    [InlineData("--help")]
    [InlineData("--help=options")]
    [InlineData("-?")]
    public void Help_option_lists_psqls_options_with_the_environments_defaults(string option)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PGDATABASE"] = "some_db",
            ["PGHOST"] = "/some/socket/dir",
            ["PGPORT"] = "6543",
            ["PGUSER"] = "some_user",
        };
        var psql = SimpsqlHarness.RunPsql([option], environment: environment);
        var simpsql = SimpsqlHarness.RunSimpsql([option], environment: environment);
        Assert.Equal(0, simpsql.ExitCode);
        Assert.Contains("(default: \"6543\")", simpsql.Stdout, StringComparison.Ordinal);
        Assert.Equal(Options(psql.Stdout), Options(simpsql.Stdout));
        Assert.Contains("from within simpsql,", simpsql.Stdout, StringComparison.Ordinal);
    }

    [ClusterFact]
    public void Help_on_options_inside_a_session_is_the_help_options_text()
    {
        var inside = SimpsqlHarness.RunSimpsql(["-X", "-c", "\\? options"]);
        var option = SimpsqlHarness.RunSimpsql(["--help"]);
        Assert.Equal(0, inside.ExitCode);
        Assert.Equal(option.Stdout, inside.Stdout);
    }

    // From "General options:" to the line before "For more information".
    private static string Options(string help)
    {
        int start = help.IndexOf("General options:", StringComparison.Ordinal);
        int end = help.IndexOf("For more information", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "no options section in:\n" + help);
        return help[start..end];
    }

    [ClusterFact]
    public void An_unknown_topic_lists_the_backslash_commands()
    {
        var commands = SimpsqlHarness.RunSimpsql(["-X", "-c", "\\?"]);
        var unknown = SimpsqlHarness.RunSimpsql(["-X", "-c", "\\? nothing"]);
        Assert.Equal(0, unknown.ExitCode);
        Assert.Contains("\\? variables           show help on special variables", commands.Stdout, StringComparison.Ordinal);
        Assert.Equal(commands.Stdout, unknown.Stdout);
    }

    [ClusterFact]
    public void Help_option_with_commands_lists_them_without_a_connection()
    {
        var (rc, stdout, _) = SimpsqlHarness.RunSimpsql(["--help=commands"]);
        Assert.Equal(0, rc);
        Assert.Contains("connect to new database (currently no connection)", stdout, StringComparison.Ordinal);
    }
}
