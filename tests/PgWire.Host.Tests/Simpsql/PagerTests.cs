using System.Text;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// A test that runs programs on a pseudo-terminal: it needs the test cluster and util-linux <c>script</c>, and is
/// skipped, saying why, without them.
/// </summary>
public sealed class TerminalFactAttribute : FactAttribute
{
    public TerminalFactAttribute()
    {
        if (ComparisonPsql.SkipReason is { } reason)
        {
            Skip = reason;
        }
        else if (!File.Exists("/usr/bin/script") && !File.Exists("/bin/script"))
        {
            Skip = "util-linux script (which gives a program a pseudo-terminal) is not installed";
        }
    }
}

/// <summary>
/// The pager, driven on a 24x80 pseudo-terminal with PAGER a shell command that records what it is given, beside
/// psql 15 run the same way: the same results go to the pager, with the same bytes.
/// </summary>
public sealed class PagerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-pager-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private const string Script = """
        select generate_series(1,30) as tall;
        select 1 as short;
        select generate_series(1,22) as just_enough;
        \pset pager off
        select generate_series(1,30) as pager_off;
        \pset pager always
        select 2 as always;
        \pset pager
        select generate_series(1,30) as toggled_on;
        \pset pager
        select generate_series(1,30) as toggled_off;
        \pset pager on
        \pset pager_min_lines 40
        select generate_series(1,30) as fewer_than_min_lines;
        \pset pager_min_lines 0
        \x
        select 1 a, 2 b, 3 c, 4 d, 5 e, 6 f from generate_series(1,4);
        \x
        \pset format wrapped
        select repeat('abc ', 30) as wrapped_to_the_terminal, 1 b from generate_series(1,2);
        select repeat('abc ', 30) as wrapped_and_tall, 1 b from generate_series(1,12);
        \pset columns 40
        select repeat('abc ', 30) as forty_columns, 1 b from generate_series(1,2);
        \pset columns 0
        \pset format aligned
        select repeat('x', 100) as wider_than_the_screen;
        select E'a\nb\nc\nd' as newlines from generate_series(1,6);
        \x auto
        select repeat('abc ', 30) as auto_expanded, 1 b from generate_series(1,8);
        \x off
        \pset format unaligned
        select generate_series(1,30) as unaligned;
        \pset format csv
        select generate_series(1,23) as csv;
        \pset format aligned
        \o /dev/null
        select generate_series(1,30) as to_a_file;
        \o
        \dS pg_catalog.pg_c*
        \d pg_class
        \h
        \sf+ information_schema._pg_expandarray
        select 'done' as done;

        """;

    /// <summary>Runs a program on a 24x80 terminal with the given environment assignments; its transcript.</summary>
    private static string RunOnTerminal(string program, string environment, params string[] args)
    {
        string commandLine = "stty rows 24 cols 80 && " + environment + " exec " + Shell.Quote(program) + " "
            + string.Join(' ', args.Select(Shell.Quote));
        using var terminal = PseudoTerminal.Start(commandLine);
        int rc = terminal.WaitForExit();
        Assert.True(rc == 0, $"{program} exited with {rc}:\n{terminal.Transcript}");
        return PseudoTerminal.WithoutKeypadModes(terminal.Transcript);
    }

    private string Pgwire(string environment, params string[] args) => RunOnTerminal(LreplProcess.Executable, environment, ["simpsql", .. args]);

    private string Psql(string environment, params string[] args) => RunOnTerminal(TestCluster.FindPsql(), environment, args);

    private string Recorder(string name) => $"'{{ echo \"<<pager>>\"; cat; }} >> {Path.Combine(_directory, name)}'";

    private static void WaitForFile(string path, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(File.Exists(path) && File.ReadAllText(path).Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} never held \"{text}\"");
            Thread.Sleep(50);
        }
    }

    private string Recorded(string name) => File.Exists(Path.Combine(_directory, name)) ? File.ReadAllText(Path.Combine(_directory, name)) : "";

    [TerminalFact]
    public void Results_listings_and_help_reach_the_pager_as_psql_sends_them()
    {
        string script = Path.Combine(_directory, "script.sql");
        File.WriteAllText(script, Script);
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-f", script];

        string ours = Pgwire("PAGER=" + Recorder("ours"), args);
        string theirs = Psql("PAGER=" + Recorder("psql"), args);

        string paged = Recorded("ours");
        Assert.Equal(Recorded("psql"), paged);
        Assert.Equal(theirs, ours);

        // What went to the pager and what did not.
        Assert.Contains(" tall \n------\n    1\n", paged, StringComparison.Ordinal);
        Assert.Contains("just_enough", paged, StringComparison.Ordinal);
        Assert.Contains("always", paged, StringComparison.Ordinal);
        Assert.Contains("wrapped_and_tall", paged, StringComparison.Ordinal);
        Assert.Contains("wider_than_the_screen", paged, StringComparison.Ordinal);
        Assert.Contains("newlines", paged, StringComparison.Ordinal);
        Assert.Contains("-[ RECORD 8 ]-", paged, StringComparison.Ordinal);
        Assert.Contains("unaligned\n1\n", paged, StringComparison.Ordinal);
        Assert.Contains("Table \"pg_catalog.pg_class\"", paged, StringComparison.Ordinal);
        Assert.Contains("Available help:", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("short", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("pager_off", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("toggled_off", paged, StringComparison.Ordinal);
        Assert.Contains("toggled_on", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("fewer_than_min_lines", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("to_a_file", paged, StringComparison.Ordinal);
        Assert.DoesNotContain("_pg_expandarray", paged, StringComparison.Ordinal);
        Assert.Contains(" pager_off \r\n-----------\r\n", ours, StringComparison.Ordinal);

        // Wrapped to the terminal's 80 columns without \pset columns, and to 40 with it.
        Assert.Contains(" abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc ab.| 1\r\n", ours, StringComparison.Ordinal);
        string[] forty = ours[ours.IndexOf("forty_columns", StringComparison.Ordinal)..].Split("\r\n")[1..8];
        Assert.All(forty, line => Assert.InRange(line.Length, 36, 40));
    }

    [TerminalFact]
    public void Psql_pager_wins_and_an_empty_pager_means_none()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-c", "select generate_series(1,40) as forty"];

        Pgwire("PSQL_PAGER=" + Recorder("psql_pager") + " PAGER=" + Recorder("pager"), args);
        Assert.Contains("(40 rows)", Recorded("psql_pager"), StringComparison.Ordinal);
        Assert.Equal("", Recorded("pager"));

        string ours = Pgwire("PAGER=' '", args);
        string theirs = Psql("PAGER=' '", args);
        Assert.Contains("(40 rows)\r\n", ours, StringComparison.Ordinal);
        Assert.Equal(theirs, ours);
    }

    [TerminalFact]
    public void A_pager_that_quits_early_discards_the_rest_and_simpsql_goes_on()
    {
        string script = Path.Combine(_directory, "broken.sql");
        File.WriteAllText(script, "select generate_series(1,300000) as many;\nselect 'still here' as after;\n");
        string ours = Pgwire("PAGER='head -c 40'", PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-f", script);
        Assert.Contains("  many  \r\n--------\r\n      1\r\n", ours, StringComparison.Ordinal);
        Assert.DoesNotContain("(300000 rows)", ours, StringComparison.Ordinal);
        Assert.Contains(" still here\r\n(1 row)", ours, StringComparison.Ordinal);
    }

    /// <summary>The clock in \watch's titles, which differs from run to run.</summary>
    private static string WithoutTimes(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}", "TIME");

    [TerminalFact]
    public void Watch_results_go_to_psql_watch_pager_until_it_exits()
    {
        string script = Path.Combine(_directory, "watch.sql");
        File.WriteAllText(script, "select 1 as one\n\\watch 0.1\n\\echo after the watch\n");
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-f", script];
        string Pager(string name) => $"'head -n 9 > {Path.Combine(_directory, name)}'";

        string ours = Pgwire("PAGER=" + Recorder("pager") + " PSQL_WATCH_PAGER=" + Pager("ours"), args);
        string theirs = Psql("PAGER=" + Recorder("pager") + " PSQL_WATCH_PAGER=" + Pager("psql"), args);

        // Every result, however short, went to the watch pager (which saw the first and part of the second), PAGER got none.
        Assert.Equal(WithoutTimes(Recorded("psql")), WithoutTimes(Recorded("ours")));
        Assert.Equal("TIME (every 0.1s)\n\n one \n-----\n   1\n(1 row)\n\nTIME (every 0.1s)\n\n", WithoutTimes(Recorded("ours")));
        Assert.Equal("", Recorded("pager"));
        Assert.Equal(theirs, ours);
        Assert.Equal("after the watch\r\n", ours);
    }

    [TerminalFact]
    public void Watch_ignores_a_blank_psql_watch_pager_and_pager_off()
    {
        string script = Path.Combine(_directory, "watch-error.sql");

        // The second run fails (the sequence's maximum), which ends the watch.
        File.WriteAllText(script, "create temp sequence s maxvalue 2;\nselect nextval('s') as n\n\\watch 0.1\n");
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-f", script];
        foreach (string environment in new[] { "PSQL_WATCH_PAGER=' '", "PSQL_WATCH_PAGER=" + Recorder("watch") + " PSQL_PAGER=" + Recorder("watch") + " PAGER=always" })
        {
            string[] options = environment.StartsWith("PSQL_WATCH_PAGER=' '", StringComparison.Ordinal) ? [] : ["-P", "pager=off"];
            string ours = WithoutTimes(Pgwire(environment + " PAGER=" + Recorder("pager"), [.. args, .. options]));
            string theirs = WithoutTimes(Psql(environment + " PAGER=" + Recorder("pager"), [.. args, .. options])).Replace("\npsql:", "\nsimpsql:", StringComparison.Ordinal);
            Assert.Equal(theirs, ours);
            Assert.Contains("TIME (every 0.1s)\r\n\r\n n \r\n---\r\n 2\r\n(1 row)\r\n", ours, StringComparison.Ordinal);
        }

        Assert.Equal("", Recorded("pager"));
        Assert.Equal("", Recorded("watch"));
    }

    [TerminalFact]
    public void Interactive_results_wait_for_the_pager()
    {
        string recorder = Path.Combine(_directory, "interactive");
        // The pager takes a while to finish and says so on the terminal: the next prompt must come after that.
        string pager = $"'cat >> {recorder}; sleep 1; echo pager-done'";
        using var terminal = PseudoTerminal.Start("stty rows 24 cols 80 && PAGER=" + pager + " exec "
            + Shell.Quote(LreplProcess.Executable) + " simpsql " + Shell.Quote(PseudoTerminal.Uri(TestCluster.TrustUser)) + " -X");
        terminal.WaitFor("pgwire_test=> ");
        terminal.Type("select generate_series(1,50) as fifty;\r");
        int done = terminal.WaitFor("pager-done");
        string transcript = terminal.Transcript;
        int typed = transcript.LastIndexOf("as fifty;", done, StringComparison.Ordinal);
        Assert.DoesNotContain("pgwire_test=> ", transcript[typed..done], StringComparison.Ordinal);
        WaitForFile(recorder, "(50 rows)");
        terminal.Type("\\?\r");
        WaitForFile(recorder, "Query Buffer");
        terminal.Type("select 'on the terminal' as short;\r");
        terminal.WaitFor(" on the terminal\r\n(1 row)");
        terminal.Type("\\q\r");
        Assert.Equal(0, terminal.WaitForExit());
        Assert.DoesNotContain("(50 rows)", terminal.Transcript, StringComparison.Ordinal);
    }
}

/// <summary>Quoting for /bin/sh, and scripts.</summary>
internal static class Shell
{
    public static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>An executable shell script in <paramref name="directory"/>.</summary>
    public static string Script(string directory, string name, string body)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body, new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
