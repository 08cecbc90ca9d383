using PgWire.Host.Terminal;
using Xunit;
using static PgWire.Host.Tests.Terminal.FakeTerminal;

namespace PgWire.Host.Tests.Terminal;

public sealed class LineEditorTests
{
    private const string Prompt = "db=> ";

    [Fact]
    public void EnterReturnsTheTypedLine()
    {
        var terminal = new FakeTerminal().Type("select 1").Press(Enter);
        using var editor = new LineEditor(terminal, null);

        LineResult result = editor.Read(Prompt);

        Assert.Equal(LineResult.Line("select 1"), result);
        Assert.Equal("db=> select 1", terminal.Screen.Line(0));
        Assert.Equal((1, 0), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));
        Assert.Equal(1, terminal.BeginCount);
        Assert.Equal(1, terminal.EndCount);
    }

    [Fact]
    public void PromptIsDrawnBeforeTheFirstKey()
    {
        var terminal = new FakeTerminal();
        terminal.Then(() => AssertScreen(terminal, ["db=>"], 0, 5)).Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("", editor.Read(Prompt).Text);
    }

    [Fact]
    public void CursorMovementAndInsertionInTheMiddle()
    {
        var terminal = new FakeTerminal();
        terminal.Type("selct 1").Press(Left, Left, Left, Left).Type("e")
            .Then(() => AssertScreen(terminal, ["db=> select 1"], 0, 9))
            .Press(Home).Type("(").Press(End).Type(")")
            .Then(() => AssertScreen(terminal, ["db=> (select 1)"], 0, 15))
            .Press(Ctrl('a'), Right, Ctrl('f'), Ctrl('b'))
            .Then(() => AssertScreen(terminal, ["db=> (select 1)"], 0, 6))
            .Press(Ctrl('e'), Backspace, Ctrl('a'), Delete)
            .Then(() => AssertScreen(terminal, ["db=> select 1"], 0, 5))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("select 1", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ControlDDeletesUnderTheCursorOrEndsInputOnAnEmptyLine()
    {
        var terminal = new FakeTerminal();
        terminal.Type("ab").Press(Home, Ctrl('d'), Ctrl('d'), Ctrl('d'));
        using var editor = new LineEditor(terminal, null);

        Assert.Equal(LineResult.Eof, editor.Read(Prompt));
        Assert.Equal("db=>", terminal.Screen.Line(0));

        // As readline: the line ends on the screen, so what is printed next starts on a line of its own.
        Assert.Equal((1, 0), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));
    }

    [Fact]
    public void ControlDAtTheEndOfALineDoesNothing()
    {
        var terminal = new FakeTerminal().Type("ab").Press(Ctrl('d'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("ab", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ReadLineReturnsNullAtEndOfInput()
    {
        var terminal = new FakeTerminal().Press(Ctrl('d'));
        using var editor = new LineEditor(terminal, null);

        Assert.Null(editor.ReadLine(Prompt));
    }

    [Fact]
    public void ControlCDiscardsTheLineAndReportsAnInterrupt()
    {
        var terminal = new FakeTerminal().Type("select").Press(Left, Left, Ctrl('c')).Type("x").Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal(LineResult.Interrupt, editor.Read(Prompt));
        Assert.Equal("db=> select^C", terminal.Screen.Line(0));
        Assert.Equal((1, 0), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));

        Assert.Equal("x", editor.Read(Prompt).Text);
        Assert.Equal("db=> x", terminal.Screen.Line(1));
        Assert.Equal(2, terminal.EndCount);
    }

    [Fact]
    public void ReadLineRaisesInterruptedAndReturnsEmpty()
    {
        var terminal = new FakeTerminal().Type("abc").Press(Ctrl('c'));
        using var editor = new LineEditor(terminal, null);
        int interrupts = 0;
        editor.Interrupted += () => interrupts++;

        Assert.Equal("", editor.ReadLine(Prompt));
        Assert.Equal(1, interrupts);
    }

    [Fact]
    public void TabAndUnknownControlKeysInsertNothing()
    {
        var terminal = new FakeTerminal().Type("a").Press(Key(ConsoleKey.Tab, '\t'), Ctrl('o'), Ctrl('t'), Escape).Type("b").Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("ab", editor.Read(Prompt).Text);
    }

    [Fact]
    public void KillToEndAndYank()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select 1, 2").Press(Left, Left, Left, Ctrl('k'))
            .Then(() => AssertScreen(terminal, ["db=> select 1"], 0, 13))
            .Press(Home, Ctrl('y'))
            .Then(() => AssertScreen(terminal, ["db=> , 2select 1"], 0, 8))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal(", 2select 1", editor.Read(Prompt).Text);
    }

    [Fact]
    public void KillToStartAndYankTwice()
    {
        var terminal = new FakeTerminal().Type("abc def").Press(Left, Left, Left, Ctrl('u'), End, Ctrl('y'), Ctrl('y'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("defabc abc ", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ConsecutiveWordKillsAccumulate()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select foo  bar ").Press(Ctrl('w'))
            .Then(() => AssertScreen(terminal, ["db=> select foo"], 0, 17))
            .Press(Ctrl('w'))
            .Then(() => AssertScreen(terminal, ["db=> select"], 0, 12))
            .Press(Ctrl('a'), Ctrl('y'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("foo  bar select ", editor.Read(Prompt).Text);
    }

    [Fact]
    public void KillBufferSurvivesAcrossLines()
    {
        var terminal = new FakeTerminal().Type("one two").Press(Ctrl('w'), Enter).Press(Ctrl('y'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("one ", editor.Read(Prompt).Text);
        Assert.Equal("two", editor.Read(Prompt).Text);
    }

    [Fact]
    public void WordMovement()
    {
        var terminal = new FakeTerminal();
        terminal.Type("select a_b, c").Press(Alt('b'))
            .Then(() => AssertScreen(terminal, ["db=> select a_b, c"], 0, 17))
            .Press(Key(ConsoleKey.LeftArrow, control: true))
            .Then(() => AssertScreen(terminal, ["db=> select a_b, c"], 0, 12))
            .Press(Home, Alt('f'))
            .Then(() => AssertScreen(terminal, ["db=> select a_b, c"], 0, 11))
            .Press(Alt('d'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("select, c", editor.Read(Prompt).Text);
    }

    [Fact]
    public void HistoryNavigationKeepsTheLineBeingTyped()
    {
        var terminal = new FakeTerminal();
        terminal.Type("draft").Press(Up)
            .Then(() => AssertScreen(terminal, ["db=> second"], 0, 11))
            .Press(Up, Up)
            .Then(() => AssertScreen(terminal, ["db=> first"], 0, 10))
            .Press(Ctrl('n'))
            .Then(() => AssertScreen(terminal, ["db=> second"], 0, 11))
            .Press(Down)
            .Then(() => AssertScreen(terminal, ["db=> draft"], 0, 10))
            .Press(Down, Ctrl('p'), Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("first");
        editor.AddHistory("second");

        Assert.Equal("second", editor.Read(Prompt).Text);
    }

    [Fact]
    public void EditsToRecalledEntriesDoNotChangeTheHistory()
    {
        var terminal = new FakeTerminal().Press(Up).Type(" 2").Press(Down, Up, Enter).Press(Up, Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("select 1");

        Assert.Equal("select 1 2", editor.Read(Prompt).Text);
        Assert.Equal("select 1", editor.Read(Prompt).Text);
        Assert.Equal(["select 1"], editor.History);
    }

    [Fact]
    public void AddHistorySkipsBlankAndRepeatedEntries()
    {
        using var editor = new LineEditor(new FakeTerminal(), null);
        editor.AddHistory("a");
        editor.AddHistory("");
        editor.AddHistory("  ");
        editor.AddHistory("a");
        editor.AddHistory("b");
        editor.AddHistory("a");

        Assert.Equal(["a", "b", "a"], editor.History);
    }

    [Fact]
    public void HistoryIsTrimmedToTheMaximum()
    {
        using var editor = new LineEditor(new FakeTerminal(), null, maxHistory: 3);
        for (int i = 0; i < 10; i++)
        {
            editor.AddHistory($"q{i}");
        }

        Assert.Equal(["q7", "q8", "q9"], editor.History);
    }

    [Fact]
    public void LongLinesWrapAndRedrawConsistently()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("abcdefghijklmnopqrstuvwxy")
            .Then(() => AssertScreen(terminal, ["> abcdefgh", "ijklmnopqr", "stuvwxy"], 2, 7))
            .Press(Home)
            .Then(() => AssertScreen(terminal, ["> abcdefgh", "ijklmnopqr", "stuvwxy"], 0, 2))
            .Press(Delete, Delete, Delete)
            .Then(() => AssertScreen(terminal, ["> defghijk", "lmnopqrstu", "vwxy"], 0, 2))
            .Press(End, Backspace, Backspace, Backspace, Backspace, Backspace)
            .Then(() => AssertScreen(terminal, ["> defghijk", "lmnopqrst"], 1, 9))
            .Press(Left, Left, Left, Left, Left, Left, Left, Left, Left, Left)
            .Then(() => AssertScreen(terminal, ["> defghijk", "lmnopqrst"], 0, 9))
            .Press(Ctrl('k'))
            .Then(() => AssertScreen(terminal, ["> defghij"], 0, 9))
            .Press(Ctrl('y'), Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("defghijklmnopqrst", editor.Read("> ").Text);
        Assert.Equal((2, 0), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));
        Assert.Equal(2, terminal.Screen.RowCount - 1);
    }

    [Fact]
    public void ALineThatExactlyFillsARowPutsTheCursorOnTheNextRow()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("abcdefgh")
            .Then(() => AssertScreen(terminal, ["> abcdefgh", ""], 1, 0))
            .Press(Left)
            .Then(() => AssertScreen(terminal, ["> abcdefgh", ""], 0, 9))
            .Press(End).Type("i")
            .Then(() => AssertScreen(terminal, ["> abcdefgh", "i"], 1, 1))
            .Press(Backspace)
            .Then(() => AssertScreen(terminal, ["> abcdefgh", ""], 1, 0))
            .Press(Backspace)
            .Then(() => AssertScreen(terminal, ["> abcdefg"], 0, 9))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("abcdefg", editor.Read("> ").Text);
    }

    [Fact]
    public void HistoryRecallShrinksAWrappedLine()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("0123456789012345678901234")
            .Press(Up)
            .Then(() => AssertScreen(terminal, ["> short"], 0, 7))
            .Press(Down)
            .Then(() => AssertScreen(terminal, ["> 01234567", "8901234567", "8901234"], 2, 7))
            .Press(Up, Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("short");

        Assert.Equal("short", editor.Read("> ").Text);
    }

    [Fact]
    public void WideCharactersTakeTwoColumns()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("日本語テスト")
            .Then(() => AssertScreen(terminal, ["> 日本語テ", "スト"], 1, 4))
            .Press(Left, Left, Left)
            .Then(() => AssertScreen(terminal, ["> 日本語テ", "スト"], 0, 8))
            .Press(Backspace)
            .Then(() => AssertScreen(terminal, ["> 日本テス", "ト"], 0, 6))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("日本テスト", editor.Read("> ").Text);
    }

    [Fact]
    public void AWideCharacterThatDoesNotFitMovesToTheNextRow()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("x日本語テ")
            .Then(() => AssertScreen(terminal, ["> x日本語", "テ"], 1, 2))
            .Press(Left)
            .Then(() => AssertScreen(terminal, ["> x日本語", "テ"], 1, 0))
            .Press(Home, Delete)
            .Then(() => AssertScreen(terminal, ["> 日本語テ", ""], 0, 2))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("日本語テ", editor.Read("> ").Text);
    }

    [Fact]
    public void SurrogatePairsAndCombiningMarksAreEditedAsOneCharacter()
    {
        var terminal = new FakeTerminal();
        terminal.Type("a😀e\u0301z")
            .Then(() => AssertScreen(terminal, ["> a😀e\u0301z"], 0, 7))
            .Press(Left, Backspace)
            .Then(() => AssertScreen(terminal, ["> a😀z"], 0, 5))
            .Press(Backspace, Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("az", editor.Read("> ").Text);
    }

    [Fact]
    public void MultiLineHistoryEntriesAreShownOnSeveralRows()
    {
        var terminal = new FakeTerminal(width: 20);
        terminal.Press(Up)
            .Then(() => AssertScreen(terminal, ["> select 1,", "  2;"], 1, 4))
            .Press(Home)
            .Then(() => AssertScreen(terminal, ["> select 1,", "  2;"], 0, 2))
            .Press(Ctrl('e'), Backspace, Down)
            .Then(() => AssertScreen(terminal, [">"], 0, 2))
            .Press(Up)
            .Then(() => AssertScreen(terminal, ["> select 1,", "  2"], 1, 3))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("select 1,\n  2;");

        Assert.Equal("select 1,\n  2", editor.Read("> ").Text);
        Assert.Equal((2, 0), (terminal.Screen.CursorRow, terminal.Screen.CursorCol));
    }

    [Fact]
    public void ControlCharactersAreShownInCaretNotation()
    {
        var terminal = new FakeTerminal(width: 20);
        terminal.Press(Up)
            .Then(() => AssertScreen(terminal, ["> a^Ib"], 0, 6))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("a\tb");

        Assert.Equal("a\tb", editor.Read("> ").Text);
    }

    [Fact]
    public void ClearScreenRedrawsThePromptAtTheTop()
    {
        var terminal = new FakeTerminal();
        terminal.Type("one").Press(Enter).Type("two").Press(Left, Ctrl('l'))
            .Then(() => AssertScreen(terminal, ["db=> two"], 0, 7))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        editor.Read(Prompt);
        Assert.Equal("two", editor.Read(Prompt).Text);
        Assert.Equal(2, terminal.Screen.RowCount);
    }

    [Fact]
    public void EscapeSequencesInThePromptTakeNoRoom()
    {
        var terminal = new FakeTerminal(width: 10);
        terminal.Type("abcdefgh")
            .Then(() => AssertScreen(terminal, ["> abcdefgh", ""], 1, 0))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);

        Assert.Equal("abcdefgh", editor.Read("\x1b[1m>\x1b[0m \x01\x1b[32m\x02").Text);
    }

    [Fact]
    public void ReverseSearchFindsOlderMatches()
    {
        var terminal = new FakeTerminal(width: 60);
        terminal.Press(Ctrl('r')).Type("sel")
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`sel': select 2"], 0, 25))
            .Press(Ctrl('r'))
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`sel': select 1 from t"], 0, 25))
            .Press(Ctrl('r'))
            .Then(() => AssertScreen(terminal, ["(failed reverse-i-search)`sel': select 1 from t"], 0, 32))
            .Type(" 1")
            .Then(() => AssertScreen(terminal, ["(failed reverse-i-search)`sel 1': select 1 from t"], 0, 34))
            .Press(Backspace, Backspace)
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`sel': select 2"], 0, 25))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("select 1 from t");
        editor.AddHistory("insert into t");
        editor.AddHistory("select 2");

        Assert.Equal("select 2", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ReverseSearchFindsEarlierMatchesInTheSameEntry()
    {
        var terminal = new FakeTerminal(width: 60);
        terminal.Press(Ctrl('r')).Type("t")
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`t': select t from t"], 0, 37))
            .Press(Ctrl('r'))
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`t': select t from t"], 0, 30))
            .Press(Ctrl('r'))
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`t': select t from t"], 0, 28))
            .Press(Ctrl('r'))
            .Then(() => AssertScreen(terminal, ["(reverse-i-search)`t': vacuum t"], 0, 30))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("vacuum t");
        editor.AddHistory("select t from t");

        Assert.Equal("vacuum t", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ReverseSearchAcceptsTheMatchForEditing()
    {
        var terminal = new FakeTerminal();
        terminal.Type("draft").Press(Ctrl('r')).Type("from").Press(Ctrl('e'))
            .Then(() => AssertScreen(terminal, ["db=> select 1 from t"], 0, 20))
            .Type(" where x").Press(Down)
            .Then(() => AssertScreen(terminal, ["db=> draft"], 0, 10))
            .Press(Up)
            .Then(() => AssertScreen(terminal, ["db=> select 1 from t where x"], 0, 28))
            .Press(Enter);
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("select 1 from t");

        Assert.Equal("select 1 from t where x", editor.Read(Prompt).Text);
    }

    [Fact]
    public void ReverseSearchCanBeCancelledOrInterrupted()
    {
        var terminal = new FakeTerminal();
        terminal.Type("draft").Press(Left, Ctrl('r')).Type("sel").Press(Ctrl('g'))
            .Then(() => AssertScreen(terminal, ["db=> draft"], 0, 9))
            .Press(Ctrl('r')).Type("sel").Press(Ctrl('c'));
        using var editor = new LineEditor(terminal, null);
        editor.AddHistory("select 1");

        Assert.Equal(LineResult.Interrupt, editor.Read(Prompt));
        Assert.EndsWith("^C", terminal.Screen.Line(0), StringComparison.Ordinal);
    }

    internal static void AssertScreen(FakeTerminal terminal, string[] rows, int cursorRow, int cursorCol)
    {
        AnsiScreen screen = terminal.Screen;
        int first = screen.RowCount - rows.Length;
        Assert.Equal(rows, screen.Lines(first, rows.Length));
        Assert.Equal((first + cursorRow, cursorCol), (screen.CursorRow, screen.CursorCol));
    }
}
