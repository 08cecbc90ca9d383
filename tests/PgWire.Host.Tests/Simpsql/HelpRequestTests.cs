using PgWire.Host.Simpsql;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>The word "help" typed at the interactive prompt, which the banner suggests.</summary>
public sealed class HelpRequestTests
{
    private static async Task<InteractiveSession> RunAsync(string input)
    {
        var session = await InteractiveSession.StartAsync();
        using var reader = new StringReader(input);
        Assert.Equal(0, await session.RunAsync(new PlainLineReader(reader, null)));
        return session;
    }

    [ClusterTheory]
    [InlineData("help")]
    [InlineData("HELP")]
    [InlineData("Help ;  ")]
    public async Task Help_alone_at_the_start_of_a_statement_prints_the_short_help(string line)
    {
        await using var session = await RunAsync(line + "\n");

        Assert.Equal(SimpsqlSession.HelpRequestText + "\\q\n", session.Stdout);
        Assert.Contains("\\?", SimpsqlSession.HelpRequestText, StringComparison.Ordinal);
        Assert.Contains("\\h", SimpsqlSession.HelpRequestText, StringComparison.Ordinal);
        Assert.Contains("\\q", SimpsqlSession.HelpRequestText, StringComparison.Ordinal);
        Assert.Equal("", session.Stderr);
    }

    [ClusterFact]
    public async Task Help_inside_a_statement_hints_and_stays_part_of_the_statement()
    {
        await using var session = await RunAsync("select\nhelp\n;\n");

        Assert.Equal(SimpsqlSession.HelpInsideQueryText + "\\q\n", session.Stdout);
        Assert.StartsWith("ERROR:  column \"help\" does not exist", session.Stderr, StringComparison.Ordinal);
    }

    [ClusterTheory]
    [InlineData(" help;", "syntax error at or near \"help\"")]
    [InlineData("help me;", "syntax error at or near \"help\"")]
    [InlineData("helpers;", "syntax error at or near \"helpers\"")]
    public async Task Help_with_more_on_the_line_or_indented_goes_to_the_server(string line, string error)
    {
        await using var session = await RunAsync(line + "\n");

        Assert.Equal("\\q\n", session.Stdout);
        Assert.StartsWith("ERROR:  " + error, session.Stderr, StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task Help_is_a_statement_like_any_other_in_a_script()
    {
        await using var session = await InteractiveSession.StartAsync();
        session.Session.Interactive = false;
        using var reader = new StringReader("help;\n");
        Assert.Equal(0, await session.RunAsync(new PlainLineReader(reader, null)));

        Assert.Equal("", session.Stdout);
        Assert.StartsWith("ERROR:  syntax error at or near \"help\"", session.Stderr, StringComparison.Ordinal);
    }
}
