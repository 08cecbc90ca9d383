using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>End of input (Ctrl+D) at the interactive prompt with psql's IGNOREEOF and QUIET.</summary>
public sealed class EndOfInputTests
{
    private const string Table = " a \n---\n 1\n(1 row)\n\n";
    private const string Hint = "Use \"\\q\" to leave simpsql.\n";

    [ClusterTheory]
    [InlineData("\\set IGNOREEOF 2", Hint + Table + Hint + "\\q\n")]
    [InlineData("\\set IGNOREEOF many", Hint + Table + Hint + Hint + Hint + Hint + Hint + Hint + Hint + Hint + Hint + "\\q\n")]
    [InlineData("\\set IGNOREEOF 0", "\\q\n")]
    [InlineData("\\set IGNOREEOF -1", "\\q\n")]
    [InlineData("\\unset IGNOREEOF", "\\q\n")]
    public async Task Ctrl_d_is_passed_over_as_often_as_ignoreeof_says_and_the_count_starts_again_after_a_line(string setting, string expected)
    {
        await using var session = await InteractiveSession.StartAsync();
        Assert.Equal(0, await session.RunAsync(new ScriptedLineReader(setting, null, "select 1 as a;")));
        Assert.Equal(expected, session.Stdout);
        Assert.Equal("", session.Stderr);
    }

    [ClusterFact]
    public async Task Quiet_ends_with_an_empty_line_and_no_hint_as_psql()
    {
        await using var session = await InteractiveSession.StartAsync();
        Assert.Equal(0, await session.RunAsync(new ScriptedLineReader("\\set QUIET on", "\\set IGNOREEOF 2", null, "select 1 as a;")));
        Assert.Equal(Table + "\n", session.Stdout);
    }
}
