using System.Diagnostics;
using System.Text.RegularExpressions;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>psql 15's remaining meta-commands (\watch, \errverbose, \w, \prompt, ...), each compared with psql 15.</summary>
public sealed partial class MetaCommandTests
{
    /// <summary>As <see cref="SimpsqlHarness.AssertSameAsPsql"/>, with the times \watch prints replaced by "DATE".</summary>
    private static void AssertSameAsPsqlModuloTime(string[] args, string? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var expected = SimpsqlHarness.RunPsql(args, stdin, environment: environment);
        var actual = SimpsqlHarness.RunSimpsql(args, stdin, environment: environment);
        string label = string.Join(' ', args);
        string psqlOut = CTime().Replace(expected.Stdout, "DATE");
        string ourOut = CTime().Replace(actual.Stdout, "DATE");
        Assert.True(psqlOut == ourOut, $"stdout differs for {label}\n--- psql ---\n{psqlOut}\n--- simpsql ---\n{ourOut}");
        Assert.True(expected.Stderr == actual.Stderr, $"stderr differs for {label}\n--- psql ---\n{expected.Stderr}\n--- simpsql ---\n{actual.Stderr}");
        Assert.True(expected.ExitCode == actual.ExitCode, $"exit code differs for {label}: psql {expected.ExitCode}, simpsql {actual.ExitCode}");
    }

    [GeneratedRegex("[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}")]
    private static partial Regex CTime();

    [PsqlFact]
    public void Watch_repeats_the_query_under_a_dated_title_until_it_fails_like_psql()
    {
        string seq = "watch_seq_" + Guid.NewGuid().ToString("N")[..8];
        string script =
            $"create temp sequence {seq};\n" +
            $"select 1/(3-nextval('{seq}')) as x, 'a' as y \\watch 0.01\n" +
            "\\p\n" +
            $"select 1/(5-nextval('{seq}')) as z\n\\watch 0.01x\n" +
            "\\pset title mytitle\n\\pset format unaligned\n" +
            $"select 1/(7-nextval('{seq}')) as t \\watch 0.01\n" +
            "\\echo :ERROR\n" +
            $"insert into pg_temp.nosuch values (1) \\watch 1 extra\n";
        AssertSameAsPsqlModuloTime(["-X"], script);
        AssertSameAsPsqlModuloTime(["-X", "-v", "ON_ERROR_STOP=1"], script);
    }

    [PsqlFact]
    public void Quoted_references_to_unset_variables_stay_in_backslash_arguments_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X"], "\\echo a :'nope' :\"nope\" :nope b:'nope'c\n\\set v 'x y'\n\\echo :'v' :\"v\" :'nope'\n\\set w :'nope'\n\\echo :w\n");

    [PsqlFact]
    public void Watch_on_an_empty_buffer_is_an_error_like_psql()
    {
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\watch"]);
        SimpsqlHarness.AssertSameAsPsql(["-X"], "\\watch 3\n\\r\n\\watch\n\\echo after\n");
    }

    [PsqlFact]
    public void Watch_runs_the_last_query_when_the_buffer_is_empty_like_psql() =>
        AssertSameAsPsqlModuloTime(["-X"], "create temp sequence w;\nselect 1/(3 - nextval('w')) as n;\n\\watch 0.01\n\\echo after\n");

    [PsqlFact]
    public void Ctrl_c_ends_watch_and_the_session_goes_on_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);
        foreach (var terminal in new[] { ours, psql })
        {
            int at = terminal.WaitFor("pgwire_test=> ");
            terminal.Type("select 'tick' as t \\watch 0.2\r");
            at = terminal.WaitFor("(every 0.2s)", at);
            at = terminal.WaitFor("(every 0.2s)", at);
            terminal.Type("\x03");
            at = terminal.WaitFor("pgwire_test=> ", at);
            terminal.Type("select 'still here' as after;\r");
            terminal.WaitFor("still here\r\n(1 row)", at);
            terminal.Type("\\q\r");
            Assert.Equal(0, terminal.WaitForExit());
        }

        string Tail(PseudoTerminal t)
        {
            string text = t.Transcript;
            int last = text.LastIndexOf("(1 row)", text.IndexOf("select 'still here'", StringComparison.Ordinal), StringComparison.Ordinal);
            return text[last..text.IndexOf("select 'still here'", StringComparison.Ordinal)];
        }

        // The terminals echo Ctrl+C differently (psql's is in cooked mode, simpsql's line editor redraws): what
        // both print is the last table, psql's blank line after the watch, then the prompt, without an error.
        foreach (var terminal in new[] { psql, ours })
        {
            string tail = Tail(terminal);
            Assert.StartsWith("(1 row)\r\n\r\n", tail, StringComparison.Ordinal);
            Assert.DoesNotContain("ERROR", tail, StringComparison.Ordinal);
            Assert.DoesNotContain("Cancel request sent", tail, StringComparison.Ordinal);
        }
    }

    [PsqlFact]
    public void Errverbose_shows_the_last_error_in_full_like_psql()
    {
        string script =
            "\\errverbose\nselect 1 from no_such_table_for_errverbose;\n\\errverbose\n" +
            "do $$ begin raise exception 'boom' using detail = 'd', hint = 'h'; end $$;\nselect 1;\n\\errverbose\n" +
            "\\set VERBOSITY terse\nselect 1/0;\n\\errverbose\n";
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-errverbose-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, script);
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PsqlFact]
    public void Write_puts_the_query_buffer_in_a_file_or_a_command_like_psql()
    {
        string dir = Directory.CreateTempSubdirectory("metaw-").FullName;
        try
        {
            string Script(string name) =>
                "\\w\n" +
                $"\\w {dir}/{name}-empty.txt\n" +
                "select 1,\n  2\n" +
                $"\\w {dir}/{name}-buffer.txt\n" +
                "\\w |cat\n\\r\n\\write |tr a-z A-Z\n" +
                $"\\w {dir}/no/such/dir/x\n" +
                $"\\w {dir}/{name}-extra.txt extra\n\\w {dir}\n\\echo done\n";
            var expected = SimpsqlHarness.RunPsql(["-X"], Script("first"));
            var actual = SimpsqlHarness.RunSimpsql(["-X"], Script("second"));
            Assert.Equal(expected.Stdout, actual.Stdout);
            Assert.Equal(expected.Stderr.Replace("/first-", "/second-", StringComparison.Ordinal), actual.Stderr);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
            foreach (string file in new[] { "empty", "buffer", "extra" })
            {
                Assert.Equal(File.ReadAllText($"{dir}/first-{file}.txt"), File.ReadAllText($"{dir}/second-{file}.txt"));
            }

            Assert.Equal("select 1,\n  2\n", File.ReadAllText($"{dir}/second-buffer.txt"));

            // A command that cannot run: the shell's own complaint on simpsql's standard error, as with psql.
            string failing = "select 1\n\\w |/no/such/command\n\\echo after\n";
            var psqlFailing = SimpsqlHarness.RunPsql(["-X"], failing);
            Assert.Equal((psqlFailing.ExitCode, psqlFailing.Stdout, psqlFailing.Stderr), SimpsqlHarness.RunSimpsqlProcess(failing));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [PsqlFact]
    public void Prompt_reads_a_variable_from_input_like_psql()
    {
        string script = "\\prompt 'Enter: ' v1\nhello world\n\\echo :v1\n\\prompt v2\nsecond\n\\echo :v2\n\\prompt\n" +
            "\\prompt 'x' 'y' z\nthird\n\\echo :y :z\n\\prompt 'last: ' v3\n";
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "ON_ERROR_STOP=1"], "\\prompt\n\\echo not here\n");

        // From a script file the text goes to standard output and the line comes from standard input.
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-prompt-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, "\\prompt 'Name? ' n\n\\echo got :n\n\\prompt again\n\\echo :again\n\\prompt 'eof' e\n\\echo after\n");
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path], "alice\nbob\n");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PsqlFact]
    public void Password_sets_a_client_side_encrypted_password_like_psql()
    {
        string role = "meta_pw_" + Guid.NewGuid().ToString("N")[..8];
        string script =
            $"\\password {role}\nsecret1\nsecret1\n" +
            $"select rolpassword ~ '^SCRAM-SHA-256\\$4096:[A-Za-z0-9+/=]{{24}}\\$[A-Za-z0-9+/=]{{44}}:[A-Za-z0-9+/=]{{44}}$' as scram from pg_authid where rolname = '{role}';\n" +
            $"\\password \"{role.ToUpperInvariant()}\"\na\na\n" +
            $"\\password {role.ToUpperInvariant()}\nx\ny\n" +
            "set password_encryption = 'md5';\n" +
            $"\\password {role}\nm\nm\n" +
            $"select rolpassword = 'md5' || md5('m' || '{role}') as md5 from pg_authid where rolname = '{role}';\n" +
            "reset password_encryption;\n" +
            $"\\password {role}_none\np\np\n" +
            "\\password\nq\n";
        try
        {
            TestCluster.RunPsql("-X", "-c", $"create role {role} login");
            SimpsqlHarness.AssertSameAsPsql(["-X"], script);

            // The secret simpsql made lets the role log in with the password, and only with it.
            var set = SimpsqlHarness.RunSimpsql(["-X"], $"\\password {role}\nn3w pässword\nn3w pässword\n");
            Assert.Equal(0, set.ExitCode);
            var login = SimpsqlHarness.RunPsql(["-X", "-h", "127.0.0.1", "-At", "-c", "select current_user"], user: role, password: "n3w pässword");
            Assert.True(login.ExitCode == 0, login.Stderr);
            Assert.Equal(role + "\n", login.Stdout);
            var refused = SimpsqlHarness.RunPsql(["-X", "-h", "127.0.0.1", "-c", "select 1"], user: role, password: "n3w password");
            Assert.NotEqual(0, refused.ExitCode);
        }
        finally
        {
            TestCluster.RunPsql("-X", "-c", $"drop role if exists {role}");
        }
    }

    [PsqlFact]
    public void Foreign_table_and_user_mapping_listings_match_psql()
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        string setup =
            $"create foreign data wrapper w_{id};\n" +
            $"create server s1_{id} foreign data wrapper w_{id};\ncreate server s2_{id} foreign data wrapper w_{id};\n" +
            $"create user mapping for current_user server s1_{id} options (user 'bob', password 'x''y');\n" +
            $"create user mapping for public server s2_{id};\n" +
            $"create schema fs_{id};\n" +
            $"create foreign table ft_{id} (a int) server s1_{id} options (schema_name 'remote', table_name 'T');\n" +
            $"create foreign table fs_{id}.other (b text) server s2_{id};\n" +
            $"comment on foreign table ft_{id} is 'a foreign table';\n";
        var (rc, _, err) = TestCluster.RunPsql(new PsqlOptions { Input = setup }, "-X", "-q", "-v", "ON_ERROR_STOP=1");
        Assert.True(rc == 0, err);
        try
        {
            SimpsqlHarness.AssertSameAsPsql(
                ["-X"],
                $"\\det *{id}*\n\\det+ *{id}*\n\\det fs_{id}.*\n\\det+ fs_{id}.*\n\\det nosuch_{id}\n" +
                $"\\deu *{id}\n\\deu+ *{id}\n\\deu+ s2_{id}\n\\deu public\n\\deu nosuch_{id}\n\\deu+ nosuch_{id}\n\\det a.b.c.d\n");
        }
        finally
        {
            TestCluster.RunPsql(new PsqlOptions { Input = $"drop schema fs_{id} cascade;\ndrop foreign data wrapper w_{id} cascade;\n" }, "-X", "-q");
        }
    }

    [PsqlFact]
    public void Shell_escape_runs_the_command_through_sh_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X"],
            "\\! echo hello from the shell; echo to stderr >&2\n\\!    printf '%s|' a   b  \n\\! exit 3\n\\! /no/such/command\n" +
            "\\set x 1\n\\! echo :x\n\\echo after\n");

    [PsqlFact]
    public void Cd_changes_the_working_directory_like_psql()
    {
        string dir = Directory.CreateTempSubdirectory("simpsql-cd-").FullName;
        File.WriteAllText(Path.Combine(dir, "inc.sql"), "\\echo included\n");
        try
        {
            string script = $"\\cd {dir}/nosuch\n\\cd {dir}/inc.sql\n\\cd {dir}\n\\i inc.sql\n\\! pwd\n\\cd\n\\! pwd\n\\echo end\n";
            var environment = new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath().TrimEnd('/') };

            // simpsql runs as its own process here: \cd changes the process's directory.
            var expected = SimpsqlHarness.RunPsql(["-X"], script, environment: environment);
            var (exitCode, stdout, stderr) = SimpsqlHarness.RunSimpsqlProcess(script, environment);
            Assert.Equal(expected.Stdout, stdout);
            Assert.Equal(expected.Stderr, stderr);
            Assert.Equal(expected.ExitCode, exitCode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [PsqlFact]
    public void History_is_not_kept_without_a_terminal_like_psql()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-history-{Guid.NewGuid():N}.txt");
        SimpsqlHarness.AssertSameAsPsql(["-X"], $"select 1;\n\\s\n\\s {path}\n\\echo :ERROR\n");
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\s"]);
        Assert.False(File.Exists(path));
    }

    [PsqlFact]
    public void Copyright_matches_psql() => SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\copyright"]);

    [PsqlFact]
    public void Restricted_mode_allows_only_unrestrict_like_psql()
    {
        string script =
            "\\restrict\n\\unrestrict abc\n\\restrict k1\n\\echo refused\n\\unrestrict bad\nselect 'sql still runs' as s;\n" +
            "\\if true\n\\echo refused too\n\\endif\n\\restrict k2\n\\q\n\\unrestrict k1\n\\echo allowed again\n" +
            "\\if false\n\\restrict k3\n\\endif\n\\echo not restricted\n";
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "ON_ERROR_STOP=1"], "\\restrict k\n\\echo x\n\\echo y\n");
    }

    [PsqlFact]
    public void Long_names_print_reset_and_list_work_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X"], "select 1\n\\print\n\\reset\n\\print\n\\list nosuchdb\n\\list+ nosuchdb\n");

    [PsqlFact]
    public void Backslash_help_is_psqls_with_the_current_settings()
    {
        // Two lines say what differs: the program's name, and \h (links to the documentation, not syntax).
        string script = "\\?\n\\x auto\n\\t on\n\\H\n\\timing on\n\\? commands\n\\x on\n\\? bogus\n";
        var expected = SimpsqlHarness.RunPsql(["-X"], script);
        var actual = SimpsqlHarness.RunSimpsql(["-X"], script);
        string psqlHelp = expected.Stdout
            .Replace("  \\q                     quit psql\n", "  \\q                     quit simpsql\n", StringComparison.Ordinal)
            .Replace(
                "  \\h [NAME]              help on syntax of SQL commands, * for all commands\n",
                "  \\h [NAME]              list SQL commands, or link to the documentation of NAME\n",
                StringComparison.Ordinal);
        Assert.Equal(psqlHelp, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Contains("toggle expanded output (currently auto)", actual.Stdout, StringComparison.Ordinal);
        Assert.Contains("\\restrict RESTRICT_KEY", actual.Stdout, StringComparison.Ordinal);
    }

    [PsqlFact]
    public void On_a_terminal_history_lists_the_lines_and_prompt_reads_the_terminal_like_psql()
    {
        string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X"];
        using var ours = PseudoTerminal.StartPgwire(["simpsql", .. args]);
        using var psql = PseudoTerminal.StartPsql(args);
        var histories = new List<string>();
        foreach (var terminal in new[] { psql, ours })
        {
            int at = terminal.WaitFor("pgwire_test=> ");
            terminal.Type("select 1 as one;\r");
            at = terminal.WaitFor("(1 row)", at);
            terminal.Type("\\echo x\r");
            at = terminal.WaitFor("x\r\n", at);
            terminal.Type("\\s\r");
            int listed = terminal.WaitFor("x\r\n\\s\r\n", at);
            terminal.Type("\\echo MARK\r");
            int mark = terminal.WaitFor("MARK", listed);
            mark = terminal.WaitFor("MARK\r\n", mark);
            histories.Add(Escapes().Replace(terminal.Transcript[..mark], ""));

            terminal.Type("\\prompt 'Name: ' n\r");
            at = terminal.WaitFor("Name: ", mark);
            terminal.Type("bob\r");
            terminal.Type("\\echo got :n\r");
            terminal.WaitFor("got bob\r\n", at);
            terminal.Type("\\q\r");
            Assert.Equal(0, terminal.WaitForExit());
        }

        // The history, the command itself last, and the blank line \s ends with (terminal echoes differ otherwise).
        foreach (string transcript in histories)
        {
            Assert.Contains("\nselect 1 as one;\r\n\\echo x\r\n\\s\r\n\r\n", transcript, StringComparison.Ordinal);
        }
    }

    [PsqlFact]
    public void On_a_terminal_keys_typed_ahead_of_a_prompt_answer_it_and_the_rest_stays_for_the_next_command()
    {
        using var ours = PseudoTerminal.StartPgwire(["simpsql", PseudoTerminal.Uri(TestCluster.TrustUser), "-X"]);
        int at = ours.WaitFor("pgwire_test=> ");

        // All typed at once: the answer and the next command wait while the line editor holds the terminal.
        ours.Type("\\prompt 'Name: ' n\rbob\r\\echo got :n\r");
        at = ours.WaitFor("Name: ", at);
        at = ours.WaitFor("got bob\r\n", at);
        Assert.Contains("Name: bob\r\n", Escapes().Replace(ours.Transcript[..at], ""), StringComparison.Ordinal);
        ours.Type("\\q\r");
        Assert.Equal(0, ours.WaitForExit());
    }

    [GeneratedRegex("\x1b\\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r(?!\n)")]
    private static partial Regex Escapes();
}
