using System.Text.RegularExpressions;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>\h: the list of SQL commands, and links to a command's documentation page.</summary>
public sealed partial class SqlHelpTests
{
    [PsqlTheory]
    [InlineData("\\h")]
    [InlineData("\\help")]
    [InlineData("\\h nosuchcommand")]
    [InlineData("\\h  nothing at all ;")]
    public void The_command_list_and_the_unknown_topic_message_match_psql(string command) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", command]);

    [PsqlTheory]
    [InlineData("select")]
    [InlineData("SELECT;")]
    [InlineData("alter")]
    [InlineData("create table")]
    [InlineData("create table my_table (a int)")]
    [InlineData("drop owned")]
    [InlineData("create nothing")]
    [InlineData("rollback TO")]
    [InlineData("with")]
    [InlineData("*")]
    public void A_topic_names_the_commands_psql_would_show_with_their_documentation_pages(string topic)
    {
        var (psqlRc, psqlOut, _) = SimpsqlHarness.RunPsql(["-X", "-c", "\\h " + topic]);
        Assert.Equal(0, psqlRc);
        var expected = PsqlEntry().Matches(psqlOut).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.NotEmpty(expected);

        var (rc, stdout, stderr) = SimpsqlHarness.RunSimpsql(["-X", "-c", "\\h " + topic]);

        Assert.Equal(0, rc);
        Assert.Equal("", stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var actual = lines.Select(l => OurEntry().Match(l)).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal(expected, actual);
        Assert.DoesNotContain("Syntax", stdout, StringComparison.Ordinal);
    }

    [PsqlFact]
    public void The_link_uses_the_major_version_of_the_server()
    {
        var (_, version, _) = SimpsqlHarness.RunPsql(["-X", "-At", "-c", "select current_setting('server_version_num')::int / 10000"]);

        var (rc, stdout, _) = SimpsqlHarness.RunSimpsql(["-X", "-c", "\\h select"]);

        Assert.Equal(0, rc);
        Assert.Equal($"SELECT  https://www.postgresql.org/docs/{version.Trim()}/sql-select.html\n", stdout);
    }

    [ClusterFact]
    public void Help_goes_to_standard_output_while_results_go_to_a_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"simpsql-h-{Guid.NewGuid():N}.txt");
        try
        {
            var (rc, stdout, _) = SimpsqlHarness.RunSimpsql(["-X"], $"\\o {file}\n\\h drop owned\nselect 1 as one;\n");

            Assert.Equal(0, rc);
            Assert.StartsWith("DROP OWNED  https://www.postgresql.org/docs/", stdout, StringComparison.Ordinal);
            Assert.Equal(" one \n-----\n   1\n(1 row)\n\n", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex(@"(?m)^Command:\s+(.+)\n(?:.*\n)*?URL: (\S+)")]
    private static partial Regex PsqlEntry();

    [GeneratedRegex(@"^(\S+(?: \S+)*)\s{2,}(https://\S+)$")]
    private static partial Regex OurEntry();
}
