using PgWire.Host.Simpsql;
using PgWire.Host.Terminal;
using PgWire.Host.Tests.Terminal;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Host.Tests.Terminal.FakeTerminal;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>What an interactive session puts into the line editor's history, typed key by key.</summary>
public sealed class InteractiveHistoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-history-").FullName;

    private string HistoryFile => Path.Combine(_directory, "history");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [ClusterFact]
    public async Task A_statement_typed_over_several_lines_is_recalled_whole_by_up_arrow()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 1 as a,").Press(Enter).Type("  2 as b;").Press(Enter).Press(Up)
            .Then(() =>
            {
                Assert.Contains("select 1 as a,", terminal.Screen.Line(terminal.Screen.CursorRow - 1), StringComparison.Ordinal);
                Assert.Equal("  2 as b;", terminal.Screen.Line(terminal.Screen.CursorRow));
            })
            .Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync();
        using (var editor = new LineEditor(terminal, HistoryFile))
        {
            var reader = new TerminalLineReader(editor);
            Assert.Equal(0, await session.RunAsync(reader));
            Assert.Equal(["select 1 as a,\n  2 as b;"], editor.History);
            reader.SaveHistory();
        }

        const string table = " a | b \n---+---\n 1 | 2\n(1 row)\n\n";
        Assert.Equal(table + table + "\\q\n", session.Stdout);
        Assert.Single(File.ReadAllLines(HistoryFile));
        using var reloaded = new LineEditor(new FakeTerminal(), HistoryFile);
        Assert.Equal(["select 1 as a,\n  2 as b;"], reloaded.History);
    }

    /// <summary>In a LATIN1 session the terminal's é is sent as its UTF-8 bytes; recalled from the history it is the same é, sent alike.</summary>
    [ClusterFact]
    public async Task A_recalled_statement_sends_the_same_bytes_in_another_client_encoding()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 'caf\u00e9' as e, length('\u00e9');").Press(Enter).Press(Up)
            .Then(() => Assert.EndsWith("=# select 'caf\u00e9' as e, length('\u00e9');", terminal.Screen.Line(terminal.Screen.CursorRow).TrimEnd(), StringComparison.Ordinal))
            .Press(Enter).Type("\\s").Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync(clientEncoding: "LATIN1");
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        // é is two bytes: two LATIN1 characters, two columns.
        const string table = "   e   | length \n-------+--------\n caf\u00e9 |      2\n(1 row)\n\n";
        Assert.Equal(table + table + "select 'caf\u00e9' as e, length('\u00e9');\n\\s\n\n\\q\n", session.Stdout);
        Assert.Equal(["select 'caf\u00e9' as e, length('\u00e9');", "\\s"], editor.History);
    }

    [ClusterFact]
    public async Task A_backslash_command_on_its_own_line_is_an_entry_of_its_own()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 3").Press(Enter).Type("  as c").Press(Enter).Type("\\g").Press(Enter)
            .Type("select 4 \\g").Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync();
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal(["select 3\n  as c", "\\g", "select 4 \\g"], editor.History);
    }

    [ClusterFact]
    public async Task Ctrl_c_drops_the_lines_typed_so_far_from_the_history()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 'never',").Press(Enter).Press(Ctrl('c'))
            .Type("select 5").Press(Enter).Press(Enter).Type(";").Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync();
        using var editor = new LineEditor(terminal, null);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal(["select 5\n;"], editor.History);
        Assert.DoesNotContain("never", session.Stdout, StringComparison.Ordinal);
    }

    [ClusterTheory]
    [InlineData(null, new[] { "select 1;", "select 1;", " select 2;", "select 3;", "select 3;" })]
    [InlineData("none", new[] { "select 1;", "select 1;", " select 2;", "select 3;", "select 3;" })]
    [InlineData("ignorespace", new[] { "select 1;", "select 1;", "select 3;", "select 3;" })]
    [InlineData("ignoredups", new[] { "select 1;", " select 2;", "select 3;" })]
    [InlineData("ignoreboth", new[] { "select 1;", "select 3;" })]
    public async Task HISTCONTROL_leaves_out_what_psql_leaves_out(string? control, string[] expected)
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 1;").Press(Enter).Type("select 1;").Press(Enter).Type(" select 2;").Press(Enter)
            .Type("select 3;").Press(Enter).Type("select 3;").Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync();
        Assert.True(session.Session.SetVariable("HISTCONTROL", control));
        using var editor = new LineEditor(terminal, null, int.MaxValue, keepRepeats: true);
        Assert.Equal(0, await session.RunAsync(new TerminalLineReader(editor)));

        Assert.Equal(expected, editor.History);
    }

    [ClusterFact]
    public async Task The_history_file_is_HISTFILE_then_PSQL_HISTORY_then_the_default()
    {
        await using var session = await InteractiveSession.StartAsync();
        var simpsql = session.Session;
        Assert.Equal("/home/u/.simpsql_history", simpsql.HistoryFilePath("/home/u"));
        Assert.True(simpsql.SetVariable("HISTFILE", "/tmp/h-" + simpsql.GetVariable("DBNAME")));
        Assert.Equal("/tmp/h-" + TestCluster.Database, simpsql.HistoryFilePath("/home/u"));
        Assert.True(simpsql.SetVariable("HISTFILE", "~/.hist"));
        string home = simpsql.Environment.GetVariable("HOME") ?? simpsql.Environment.HomeDirectory!;
        Assert.Equal(home + "/.hist", simpsql.HistoryFilePath("/home/u"));
    }

    [ClusterFact]
    public async Task The_history_file_keeps_HISTSIZE_entries_when_the_session_ends()
    {
        File.WriteAllLines(HistoryFile, ["old1;", "old2;", "old3;", "old4;", "old5;"]);
        var terminal = new FakeTerminal();
        terminal.Type("select 1;").Press(Enter).Type("select 2;").Press(Enter).Press(Ctrl('d'));
        await using var session = await InteractiveSession.StartAsync();
        Assert.True(session.Session.SetVariable("HISTSIZE", "4"));
        using var editor = new LineEditor(terminal, HistoryFile, int.MaxValue, keepRepeats: true);
        var reader = new TerminalLineReader(editor);
        Assert.Equal(0, await session.RunAsync(reader));
        reader.SaveHistory(session.Session.HistorySize, message => Assert.Fail(message));

        Assert.Equal(["old4;", "old5;", "select 1;", "select 2;"], File.ReadAllLines(HistoryFile));
    }
}
