using PgWire.Host.Terminal;
using Xunit;
using static PgWire.Host.Tests.Terminal.FakeTerminal;

namespace PgWire.Host.Tests.Terminal;

/// <summary>What the Tab key does with the candidates a completer gives, as readline does it.</summary>
public sealed class LineEditorCompletionTests
{
    private const string Prompt = "db=> ";

    private static ConsoleKeyInfo Tab => Key(ConsoleKey.Tab, '\t');

    /// <summary>A completer offering the given words for the word before the cursor (split at spaces).</summary>
    private static Func<string, int, LineCompletion?> Words(params string[] words) => (line, cursor) =>
    {
        int start = line.LastIndexOf(' ', Math.Max(cursor - 1, 0)) + 1;
        if (start > cursor)
        {
            start = cursor;
        }

        string typed = line[start..cursor];
        return new LineCompletion(start, [.. words.Where(w => w.StartsWith(typed, StringComparison.Ordinal))]);
    };

    private static (LineResult Result, FakeTerminal Terminal) Run(FakeTerminal terminal, Func<string, int, LineCompletion?> completer)
    {
        using var editor = new LineEditor(terminal, null) { Completer = completer };
        return (editor.Read(Prompt), terminal);
    }

    [Fact]
    public void One_candidate_completes_the_word_and_adds_a_space()
    {
        var terminal = new FakeTerminal().Type("select * from pgw_o").Press(Tab).Type("x").Press(Enter);
        var (result, _) = Run(terminal, Words("pgw_orders", "pgw_items"));
        Assert.Equal("select * from pgw_orders x", result.Text);
    }

    [Fact]
    public void A_candidate_ending_with_a_dot_or_slash_gets_no_space()
    {
        var terminal = new FakeTerminal().Type("select * from pub").Press(Tab).Type("t").Press(Enter);
        Assert.Equal("select * from public.t", Run(terminal, Words("public.")).Result.Text);
        terminal = new FakeTerminal().Type("\\i dir").Press(Tab).Press(Enter);
        Assert.Equal("\\i directory/", Run(terminal, Words("directory/")).Result.Text);
    }

    [Fact]
    public void Completing_in_the_middle_of_the_line_keeps_what_follows()
    {
        var terminal = new FakeTerminal().Type("select cu from t").Press(Left, Left, Left, Left, Left, Left, Left).Press(Tab).Press(Enter);
        Assert.Equal("select customer from t", Run(terminal, Words("customer")).Result.Text);
    }

    [Fact]
    public void Several_candidates_complete_their_common_prefix_then_a_second_tab_lists_them()
    {
        var terminal = new FakeTerminal().Type("select * from pg").Press(Tab);
        terminal.Then(() =>
            {
                Assert.Equal("db=> select * from pgw_", terminal.Screen.Line(0));
                Assert.Equal(1, terminal.Output.ToString().Count(c => c == '\a'));
            })
            .Press(Tab)
            .Then(() =>
            {
                Assert.Equal(2, terminal.Output.ToString().Count(c => c == '\a'));
                Assert.Equal(1, terminal.Screen.RowCount);
            })
            .Press(Tab)
            .Then(() =>
            {
                Assert.Equal("db=> select * from pgw_", terminal.Screen.Line(0));
                // in the completer's order (it puts what fits best first)
                Assert.Equal("pgw_orders   pgw_items    pgw_schema.", terminal.Screen.Line(1));
                Assert.Contains("\r\npgw_orders   pgw_items    pgw_schema.  \r\n", terminal.Output.ToString(), StringComparison.Ordinal);
                Assert.Equal("db=> select * from pgw_", terminal.Screen.Line(2));
                Assert.Equal((2, 23), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));
            })
            .Type("o").Press(Tab).Press(Enter);
        Assert.Equal("select * from pgw_orders ", Run(terminal, Words("pgw_orders", "pgw_items", "pgw_schema.")).Result.Text);
    }

    [Fact]
    public void The_list_fills_columns_top_to_bottom_within_the_width()
    {
        string[] words = [.. Enumerable.Range(0, 12).Select(i => "word" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture))];
        var terminal = new FakeTerminal(width: 40).Type("w").Press(Tab, Tab, Tab);
        terminal.Then(() =>
        {
            // Columns of 6 + 2: five fill 40 exactly, so four (readline leaves the last column free), three rows.
            Assert.Equal("word00  word03  word06  word09", terminal.Screen.Line(1));
            Assert.Equal("word02  word05  word08  word11", terminal.Screen.Line(3));
            Assert.Equal("db=> word", terminal.Screen.Line(4));
        }).Press(Enter);
        _ = Run(terminal, Words(words));
    }

    [Fact]
    public void More_than_a_hundred_candidates_are_listed_only_when_the_user_agrees()
    {
        string[] words = [.. Enumerable.Range(0, 150).Select(i => "n" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))];
        var terminal = new FakeTerminal().Type("x n").Press(Tab, Tab);
        terminal.Then(() => Assert.Equal("Display all 150 possibilities? (y or n)", terminal.Screen.Line(1)))
            .Type("n")
            .Then(() =>
            {
                Assert.Equal("db=> x n", terminal.Screen.Line(2));
                Assert.DoesNotContain("n000", terminal.Output.ToString(), StringComparison.Ordinal);
            })
            .Press(Tab).Type("y")
            .Then(() => Assert.Contains("n000", terminal.Output.ToString(), StringComparison.Ordinal))
            .Press(Enter);
        Assert.Equal("x n", Run(terminal, Words(words)).Result.Text);
    }

    [Fact]
    public void Ctrl_c_at_the_question_gives_up_the_line_as_readline_does()
    {
        string[] words = [.. Enumerable.Range(0, 150).Select(i => "n" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))];
        var terminal = new FakeTerminal().Type("x n").Press(Tab, Tab).Press(Ctrl('c'));
        var (result, _) = Run(terminal, Words(words));
        Assert.Equal(LineResultKind.Interrupt, result.Kind);
        Assert.Equal("Display all 150 possibilities? (y or n)^C", terminal.Screen.Line(1));
        Assert.DoesNotContain("n000", terminal.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_candidate_rings_the_bell_and_changes_nothing()
    {
        var terminal = new FakeTerminal().Type("select zz").Press(Tab, Tab).Press(Enter);
        var (result, _) = Run(terminal, Words("customer"));
        Assert.Equal("select zz", result.Text);
        Assert.Equal(2, terminal.Output.ToString().Count(c => c == '\a'));
    }

    [Fact]
    public void Without_a_completer_tab_changes_nothing()
    {
        var terminal = new FakeTerminal().Type("select").Press(Tab).Press(Enter);
        using var editor = new LineEditor(terminal, null);
        Assert.Equal("select", editor.Read(Prompt).Text);
    }

    [Fact]
    public void Keyword_candidates_in_another_case_replace_the_word()
    {
        var terminal = new FakeTerminal().Type("sel").Press(Tab).Press(Enter);
        Assert.Equal("select ", Run(terminal, (line, cursor) => new LineCompletion(0, ["select"])).Result.Text);
        terminal = new FakeTerminal().Type("Sel").Press(Tab).Press(Enter);
        Assert.Equal("SELECT ", Run(terminal, (line, cursor) => new LineCompletion(0, ["SELECT"])).Result.Text);
    }
}
