using System.Text.RegularExpressions;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>-a, -e, ECHO and QUIET, and the line numbers of error prefixes after COPY data, against psql 15.</summary>
public sealed partial class ScriptEchoTests
{
    private const string Script =
        "-- a comment line\n" +
        "select 1 as a;\n" +
        "\n" +
        "select 'x\n\ny' as kept,\n" +
        "  2 as b; select 3 as c;\n" +
        "create temp table e(a int, b text);\n" +
        "copy e from stdin;\n" +
        "1\tone\n" +
        "\n" +
        "2\ttwo\n" +
        "\\.\n" +
        "select nosuch;\n" +
        "\\echo done\n" +
        "   \n" +
        "select * from e;\n";

    public static TheoryData<string[]> EchoFlags => new()
    {
        { ["-X", "-a"] },
        { ["-X", "-a", "-q"] },
        { ["-X", "-e"] },
        { ["-X", "-a", "-e"] },
        { ["-X", "-e", "-a"] },
        { ["-X", "--echo-all", "-v", "ON_ERROR_STOP=1"] },
        { ["-X", "-b"] },
        { ["-X", "--echo-errors", "-a"] },
    };

    [PsqlTheory]
    [MemberData(nameof(EchoFlags))]
    public void Echo_flags_print_like_psql_from_standard_input(string[] args) =>
        SimpsqlHarness.AssertSameAsPsql(args, Script);

    [PsqlFact]
    public void Echo_variable_changes_what_is_printed_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X"],
            "\\set ECHO all\nselect 1 as one;\n\\set ECHO queries\nselect 2 as two;\n\\set ECHO errors\nselect 3 as three;\nselect nosuch;\n" +
            "\\set ECHO none\nselect 4 as four;\n\\set ECHO ALL\nselect 5;\n\\o /dev/null\n\\set ECHO queries\nselect 6;\n\\o\n\\set ECHO none\n");

    [PsqlFact]
    public void Quiet_variable_hides_tags_and_describe_messages_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X"],
            "\\set QUIET on\ncreate temp table q(a int);\ninsert into q values (1);\n\\d nosuch_relation\n\\dt nosuch_relation*\n" +
            "\\set QUIET off\ninsert into q values (2);\n\\d nosuch_relation\n\\dt nosuch_relation*\n");

    [PsqlFact]
    public void Error_line_numbers_count_copy_data_and_its_end_marker_like_psql()
    {
        string file = Path.Combine(Path.GetTempPath(), $"simpsql-copy-lines-{Environment.ProcessId}.sql");
        File.WriteAllText(file, Script + "select also_missing;\n\\copy e from stdin\n3\tthree\n\\.\nselect 1/0;\n");
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", file]);
            SimpsqlHarness.AssertSameAsPsql(["-X", "-a", "-f", file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// -E and ECHO_HIDDEN frame each query a meta-command runs as psql does; the queries are
    /// simpsql's own, so the text between the frame lines is compared as a placeholder, and
    /// checked to be the catalog query it should be.
    /// </summary>
    [PsqlTheory]
    [InlineData(new[] { "-X", "-E", "-c", "\\dn public", "-c", "\\echo after" }, null)]
    [InlineData(new[] { "-X", "--echo-hidden", "-c", "\\sf int4pl" }, null)]
    [InlineData(new[] { "-X" }, "\\set ECHO_HIDDEN noexec\n\\dn\n\\echo after\n\\set ECHO_HIDDEN off\n\\dn public\n")]
    [InlineData(new[] { "-X" }, "\\set ECHO_HIDDEN on\n\\dt nosuch*\nselect 1 as plain;\n")]
    public void Echo_hidden_frames_the_queries_of_meta_commands_like_psql(string[] args, string? stdin)
    {
        var psql = SimpsqlHarness.RunPsql(args, stdin);
        var ours = SimpsqlHarness.RunSimpsql(args, stdin);
        Assert.Contains("********* QUERY **********\n", ours.Stdout, StringComparison.Ordinal);
        Assert.Matches("(?s)QUERY \\*+\n.*(pg_namespace|pg_class|regproc).*\n\\*{26}\n\n", ours.Stdout);
        Assert.Equal(HiddenQuery().Replace(psql.Stdout, "<query>"), HiddenQuery().Replace(ours.Stdout, "<query>"));
        Assert.Equal(psql.Stderr, ours.Stderr);
        Assert.Equal(psql.ExitCode, ours.ExitCode);
    }

    [PsqlTheory]
    [InlineData("-H")]
    [InlineData("--html")]
    public void Html_flags_print_html_tables_like_psql(string flag)
    {
        SimpsqlHarness.AssertSameAsPsql(["-X", flag, "-c", "select 1 as a, '<b>' as \"b&c\""]);
        SimpsqlHarness.AssertSameAsPsql(["-X", flag, "-T", "border=2 class=x", "-c", "select 1 as a"]);
        SimpsqlHarness.AssertSameAsPsql(["-X", flag, "--table-attr=width=50%", "-c", "select 1 as a"]);
    }

    /// <summary>SINGLESTEP (-s) asks before each query, reading two characters of standard input as psql does; SINGLELINE (-S) ends statements at the end of a line.</summary>
    [PsqlTheory]
    [InlineData(new[] { "-X" }, "\\set SINGLESTEP on\nselect 1 as a;\nx\nselect 2 as b;\n\nselect 3 as c;\nxy\n")]
    [InlineData(new[] { "-X", "-s", "-v", "ON_ERROR_STOP=1" }, "select 1 as a;\nx\nselect 2 as b;\n")]
    [InlineData(new[] { "-X", "--single-step", "-e" }, "select 1 as a;\nyes\n")]
    [InlineData(new[] { "-X" }, "\\set SINGLELINE on\nselect 1 as a\nselect 2 as b; select\n 3 as c\nselect (4\n) as d\nselect $$x\ny$$ as e\n-- comment\nselect 5 -- trailing\n\\echo end\n")]
    [InlineData(new[] { "-X", "-S" }, "select 1 as a\n\\if false\nselect 2\n\\endif\nselect 'a\nb' as multi\n")]
    [InlineData(new[] { "-X", "--single-line", "-s" }, "select 1 as a\n\n")]
    public void Single_step_and_single_line_modes_behave_like_psql(string[] args, string stdin) =>
        SimpsqlHarness.AssertSameAsPsql(args, stdin);

    [GeneratedRegex("(?s)(?<=\\*{9} QUERY \\*{10}\n).*?(?=\n\\*{26}\n)")]
    private static partial Regex HiddenQuery();
}
