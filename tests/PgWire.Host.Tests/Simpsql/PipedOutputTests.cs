using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>\o |COMMAND and -o |COMMAND: query output goes into a shell command until it is sent elsewhere, as with psql.</summary>
public sealed class PipedOutputTests
{
    public static TheoryData<string> Scripts => new()
    {
        // results, \qecho and a later \o back to standard output
        "select 1 as a;\n\\o |cat -n\nselect 2 as b;\n\\qecho piped\n\\o\nselect 3 as c;\n",
        // one command after another, then the end of input with a command still running
        "\\o |tr a-z A-Z\nselect 'x' as lower;\n\\o |cat -n\nselect 2 as y;\n\\o |sed s/^/piped:/\nselect 3 as z;\n",
        // a command that stops reading: every table printed after that is reported, and output comes back with \o
        "\\o |head -2\nselect g from generate_series(1, 100000) g;\nselect 5;\n\\o\nselect 4 as d;\n",
        // the same failure ends a script with ON_ERROR_STOP
        "\\set ON_ERROR_STOP on\n\\o |head -1\nselect g from generate_series(1, 100000) g;\nselect 'not reached';\n",
        // the command is taken as written (no variables) and sees \setenv; \o waits for it to end
        "\\set n 3\n\\setenv PIPED_OUTPUT_TEST seen\n\\o |head -3; echo :n $PIPED_OUTPUT_TEST\nselect g from generate_series(1, 10) g;\n\\o\nselect 'back' as b;\n",
    };

    [PsqlTheory]
    [MemberData(nameof(Scripts))]
    public void Query_output_goes_into_the_command_like_psql(string script) =>
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);

    public static TheoryData<string> ProcessScripts => new()
    {
        // \g into a command that stops reading: what it wrote, then psql's error; the variables are left as they were
        "select g from generate_series(1, 100000) g \\g |head -1\n\\echo :ERROR\nselect 1;\n",
        "\\set ON_ERROR_STOP 1\nselect g from generate_series(1, 100000) g \\g |head -1\nselect 2;\n",
        "copy (select generate_series(1, 100000)) to stdout \\g |head -1\n\\echo :ROW_COUNT\n",
        // \echo goes out before the command of \o writes; \g, \w and \setenv with commands sharing simpsql's output
        "\\o |cat\n\\echo hi\n\\qecho q\nselect 3;\n\\o\n",
        "select 1 as x \\g |cat -n\n\\echo after\nselect 2 \\w |cat\n\\setenv PIPED_OUTPUT_TEST bar\nselect 3 \\g |echo $PIPED_OUTPUT_TEST; cat\n",
    };

    /// <summary>simpsql as its own process: the commands then write to its standard output themselves, as under psql.</summary>
    [PsqlTheory]
    [MemberData(nameof(ProcessScripts))]
    public void Commands_share_the_output_of_simpsql_run_as_a_process_like_psql(string script)
    {
        var expected = SimpsqlHarness.RunPsql(["-X"], script);
        var actual = SimpsqlHarness.RunSimpsqlProcess(script, new Dictionary<string, string?> { ["PGCLIENTENCODING"] = "UTF8" });
        Assert.Equal(expected, actual);
    }

    [PsqlFact]
    public void The_output_option_takes_a_command_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-o", "|cat -n", "-c", "select 1 as a", "-c", "\\qecho to the command", "-c", "\\echo to stdout"]);
}
