using PgWire.Host.Terminal;
using Xunit;
using static PgWire.Host.Tests.Terminal.FakeTerminal;

namespace PgWire.Host.Tests.Terminal;

public sealed class LineHistoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgwire-history-").FullName;

    private string HistoryFile => Path.Combine(_directory, "history");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void MultiLineEntriesSurviveARoundTrip()
    {
        string[] entries =
        [
            "select 1",
            "select 1,\n  2;",
            "select E'a\\nb' as \"back\\slash\"",
            "ends with \\",
            "\\\\n",
            "crlf\r\nline",
            "日本語 😀",
        ];
        using (var editor = new LineEditor(new FakeTerminal(), HistoryFile))
        {
            foreach (string entry in entries)
            {
                editor.AddHistory(entry);
            }

            editor.SaveHistory();
        }

        string[] lines = File.ReadAllLines(HistoryFile);
        Assert.Equal(entries.Length, lines.Length);
        Assert.Equal("select 1,\\n  2;", lines[1]);
        Assert.Equal("select E'a\\\\nb' as \"back\\\\slash\"", lines[2]);
        Assert.Equal("crlf\\r\\nline", lines[5]);

        using var reloaded = new LineEditor(new FakeTerminal(), HistoryFile);
        Assert.Equal(entries, reloaded.History);
    }

    [Fact]
    public void ReloadedEntriesCanBeRecalled()
    {
        using (var editor = new LineEditor(new FakeTerminal(), HistoryFile))
        {
            editor.AddHistory("select 1,\n  2;");
            editor.AddHistory("\\dt");
        }

        var terminal = new FakeTerminal().Press(Up, Up, Enter);
        using var reloaded = new LineEditor(terminal, HistoryFile);

        Assert.Equal("select 1,\n  2;", reloaded.Read("> ").Text);
    }

    [Fact]
    public void TheFileIsReadableOnlyByItsOwner()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.WriteAllText(HistoryFile, "old\n");
        File.SetUnixFileMode(HistoryFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (var editor = new LineEditor(new FakeTerminal(), HistoryFile))
        {
            editor.AddHistory("new");
            editor.SaveHistory();
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HistoryFile));
        Assert.Equal(["old", "new"], File.ReadAllLines(HistoryFile));

        string fresh = Path.Combine(_directory, "fresh");
        using (var editor = new LineEditor(new FakeTerminal(), fresh))
        {
            editor.AddHistory("x");
            editor.SaveHistory();
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fresh));
    }

    [Fact]
    public void SavingKeepsOnlyTheNewestEntries()
    {
        using (var editor = new LineEditor(new FakeTerminal(), HistoryFile, maxHistory: 3))
        {
            for (int i = 1; i <= 5; i++)
            {
                editor.AddHistory($"q{i}");
            }

            editor.SaveHistory();
        }

        Assert.Equal(["q3", "q4", "q5"], File.ReadAllLines(HistoryFile));

        using var smaller = new LineEditor(new FakeTerminal(), HistoryFile, maxHistory: 2);
        Assert.Equal(["q4", "q5"], smaller.History);
    }

    [Fact]
    public void LoadingSkipsBlankLinesAndRepeats()
    {
        File.WriteAllText(HistoryFile, "a\n\na\nb\n");

        using var editor = new LineEditor(new FakeTerminal(), HistoryFile);

        Assert.Equal(["a", "b"], editor.History);
    }

    [Fact]
    public void DisposeSavesAndIgnoresUnwritableFiles()
    {
        using (var editor = new LineEditor(new FakeTerminal(), HistoryFile))
        {
            editor.AddHistory("kept");
        }

        Assert.Equal(["kept"], File.ReadAllLines(HistoryFile));

        string missing = Path.Combine(_directory, "no-such-dir", "history");
        var unwritable = new LineEditor(new FakeTerminal(), missing);
        unwritable.AddHistory("lost");
        Assert.ThrowsAny<IOException>(unwritable.SaveHistory);
        unwritable.Dispose();
    }

    [Fact]
    public void WithoutAFileSavingDoesNothing()
    {
        using var editor = new LineEditor(new FakeTerminal(), null);
        editor.AddHistory("x");
        editor.SaveHistory();
    }

    [Fact]
    public void Saving_keeps_the_newest_entries_of_the_file_and_appends_those_added_as_psql_does()
    {
        File.WriteAllLines(HistoryFile, ["o1", "o2", "o3", "o4", "o5"]);
        var history = new LineHistory(int.MaxValue, keepRepeats: true);
        history.Load(HistoryFile);
        history.Add("n1");
        history.Add("n1");

        // Another session saved meanwhile: its entry stays, as the file is cut and appended to, not rewritten.
        File.AppendAllLines(HistoryFile, ["other"]);
        history.Save(HistoryFile, 4);
        Assert.Equal(["o5", "other", "n1", "n1"], File.ReadAllLines(HistoryFile));

        // Saved once: saving again adds nothing, but still cuts the file to the size.
        history.Save(HistoryFile, 3);
        Assert.Equal(["other", "n1", "n1"], File.ReadAllLines(HistoryFile));

        for (int i = 0; i < 5; i++)
        {
            history.Add($"m{i}");
        }

        history.Save(HistoryFile, 2);
        Assert.Equal(["m3", "m4"], File.ReadAllLines(HistoryFile));

        history.Add("last");
        history.Save(HistoryFile, -1);
        Assert.Equal(["m3", "m4", "last"], File.ReadAllLines(HistoryFile));

        history.Add("gone");
        history.Save(HistoryFile, 0);
        Assert.Empty(File.ReadAllLines(HistoryFile));
    }

    [Fact]
    public void Nothing_is_written_to_dev_null()
    {
        var history = new LineHistory(10);
        history.Add("x");
        history.Save("/dev/null", 10);
        Assert.True(history.HasUnsaved);
    }
}
