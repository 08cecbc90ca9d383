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
