using System.Text.RegularExpressions;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// \e, \ef and \ev with EDITOR a script that rewrites the file with sed (and records how it was called): scripts
/// compared with psql 15 byte for byte, interactive sessions on a pseudo-terminal.
/// </summary>
public sealed partial class EditorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-editor-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Log => Path.Combine(_directory, "editor.log");

    /// <summary>An editor that logs its arguments, applies a sed expression (none: leaves the file alone) and exits with a status.</summary>
    private string Editor(string name, string? sed, int status = 0) => Shell.Script(_directory, name,
        $"printf '%s\\n' \"$*\" >> {Shell.Quote(Log)}\n" +
        "for last; do :; done\n" +
        (sed is null ? "" : $"sed -i {Shell.Quote(sed)} \"$last\"\n") +
        $"exit {status}\n");

    private void SameAsPsql(string script, string editor, IReadOnlyDictionary<string, string?>? extra = null)
    {
        string path = Path.Combine(_directory, "script.sql");
        File.WriteAllText(path, script);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["EDITOR"] = editor,
            ["PSQL_EDITOR"] = null,
            ["VISUAL"] = null,
            ["PSQL_EDITOR_LINENUMBER_ARG"] = null,
            ["TMPDIR"] = _directory,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path], environment: environment);
    }

    /// <summary>
    /// The editor calls of the psql run and then the simpsql run, which must be the same but for the temporary
    /// file's name; those of one run, with that name as TEMP.
    /// </summary>
    private string[] EditorCalls()
    {
        string[] calls = File.Exists(Log)
            ? File.ReadAllLines(Log).Select(l => TemporaryFile().Replace(l, "TEMP")).ToArray()
            : [];
        Assert.True(calls.Length % 2 == 0, "the editor ran a different number of times:\n" + string.Join('\n', calls));
        Assert.Equal(calls[..(calls.Length / 2)], calls[(calls.Length / 2)..]);
        return calls[..(calls.Length / 2)];
    }

    [GeneratedRegex("/[^ ]*/(psql|simpsql)\\.edit\\.[0-9]+\\.sql")]
    private static partial Regex TemporaryFile();

    [PsqlFact]
    public void An_edited_buffer_ending_in_a_semicolon_runs_and_one_without_stays()
    {
        SameAsPsql(
            """
            select 1 as a
            \e
            select 3 as b;
            select 4 as c
            \e
            \p
            \r
            """,
            Editor("semicolon", "s/^select 1 as a$/select 2 as a;/;s/4 as c/5 as c/"));
        Assert.Equal(["TEMP", "TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void An_empty_buffer_edits_the_previous_query_and_an_unchanged_file_changes_nothing()
    {
        SameAsPsql(
            """
            \e
            \p
            select 7 as seven;
            \e
            \p
            select 8 as eight
            \e
            \p
            """,
            Editor("untouched", null));
        Assert.Equal(["TEMP", "TEMP", "TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void An_editor_that_fails_keeps_the_buffer_as_psql_does()
    {
        SameAsPsql(
            """
            select 1 as kept
            \e
            \p
            \r
            \e
            \p
            \set ON_ERROR_STOP on
            \e
            select 'not reached';
            """,
            Editor("failing", "s/1/2/", status: 1));
        Assert.Equal(["TEMP", "TEMP", "TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void Files_line_numbers_and_errors_match_psql()
    {
        // psql sees a change by size or by the time in whole seconds, so each edit here adds a space: the psql run
        // and the simpsql run after it may edit the same file within one second.
        string file = Path.Combine(_directory, "edit-me.sql");
        File.WriteAllText(file, "select 'from the file' as f;\n");
        string other = Path.Combine(_directory, "edit-me-too.sql");
        File.WriteAllText(other, "select 'from the other file' as f;\n");
        SameAsPsql(
            $"""
            \e {file}
            \e {other} 1
            \e 3
            \e /nonexistent/file.sql
            \e 0
            \e {file} x
            select 'after' as last;
            """,
            Editor("file", "s/;$/ ;/"),
            new Dictionary<string, string?> { ["PSQL_EDITOR_LINENUMBER_ARG"] = "--line=" });
        Assert.Equal([file, "--line=1 " + other, "--line=3 TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void Ef_and_ev_edit_definitions_and_run_only_what_ends_in_a_semicolon()
    {
        TestCluster.RunPsql("-X", "-q", "-c", "drop schema if exists efv cascade");
        SameAsPsql(
            """
            create schema efv;
            create function efv.f(a int) returns int language sql as $$ select a + 1 $$;
            create view efv.v as select 1 as one;
            \ef efv.f 1
            \p
            ;
            select efv.f(1);
            \ev efv.v
            select * from efv.v;
            select 'kept after errors' as k
            \ef efv.nosuch
            \p
            \ev efv.nosuch
            \ef efv.f 0
            \ef sum
            \ev efv.f
            \p
            ;
            create materialized view efv.m as select 1 as one;
            \ev efv.m
            \p
            \r
            \ef
            \ev
            \r
            drop schema efv cascade;
            """,
            Editor("definitions", "s/a + 1/a + 2/;s/1 AS one/2 AS one;/"),
            new Dictionary<string, string?> { ["PSQL_EDITOR_LINENUMBER_ARG"] = "+" });
        // Line 1 of \ef is the body's first line: after CREATE, RETURNS and LANGUAGE.
        Assert.Equal(["+4 TEMP", "TEMP", "TEMP", "TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void Ef_without_changes_says_so()
    {
        SameAsPsql("\\ef\n\\p\n\\ev pg_tables\n\\p\n", Editor("nochange", null));
        Assert.Equal(["TEMP", "TEMP"], EditorCalls());
    }

    [PsqlFact]
    public void A_command_string_has_no_query_buffer()
    {
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\e", "-c", "select 1 as one", "-c", "\\ef"],
            environment: new Dictionary<string, string?> { ["EDITOR"] = Editor("never", null) });
        Assert.False(File.Exists(Log));
    }

    [TerminalFact]
    public void Interactive_edits_run_or_wait_at_the_continuation_prompt()
    {
        string editor = Editor("interactive", "s/select 1 as x/select 41 + 1 as y;/;s/select 5 as z/select 6 as z/");
        using var terminal = PseudoTerminal.Start("stty rows 24 cols 80 && EDITOR=" + Shell.Quote(editor) + " exec "
            + Shell.Quote(LreplProcess.Executable) + " simpsql " + Shell.Quote(PseudoTerminal.Uri(TestCluster.TrustUser)) + " -X");
        int at = terminal.WaitFor("pgwire_test=> ");
        terminal.Type("select 1 as x\r");
        at = terminal.WaitFor("pgwire_test-> ", at);
        terminal.Type("\\e\r");
        at = terminal.WaitFor(" y  \r\n----\r\n 42\r\n(1 row)\r\n", at);
        at = terminal.WaitFor("pgwire_test=> ", at);

        terminal.Type("select 5 as z\r");
        at = terminal.WaitFor("pgwire_test-> ", at);
        terminal.Type("\\e\r");

        // As psql: what the editor left without a semicolon is shown after a fresh prompt, and the buffer goes on.
        at = terminal.WaitFor("pgwire_test=> select 6 as z\r\n", at);
        at = terminal.WaitFor("pgwire_test-> ", at);
        terminal.Type(";\r");
        at = terminal.WaitFor(" z \r\n---\r\n 6\r\n(1 row)\r\n", at);

        // A function's definition comes back over several lines, shown whole, and waits for more.
        terminal.Type("\\ef pg_catalog.abs(integer)\r");
        at = terminal.WaitFor("pgwire_test=> CREATE OR REPLACE FUNCTION pg_catalog.abs(integer)\r\n RETURNS integer\r\n", at);
        at = terminal.WaitFor("AS $function$int4abs$function$\r\n", at);
        at = terminal.WaitFor("pgwire_test-> ", at);
        terminal.Type("\\r\r");
        at = terminal.WaitFor("Query buffer reset (cleared).\r\n", at);
        terminal.Type("\\q\r");
        Assert.Equal(0, terminal.WaitForExit());
    }
}
