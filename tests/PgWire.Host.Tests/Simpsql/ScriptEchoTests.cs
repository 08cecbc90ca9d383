using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>-a, -e, ECHO and QUIET, and the line numbers of error prefixes after COPY data, against psql 15.</summary>
public sealed class ScriptEchoTests
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
}
