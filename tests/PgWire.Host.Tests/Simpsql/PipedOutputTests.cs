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

    [PsqlFact]
    public void The_output_option_takes_a_command_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-o", "|cat -n", "-c", "select 1 as a", "-c", "\\qecho to the command", "-c", "\\echo to stdout"]);
}
