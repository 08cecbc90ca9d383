using System.Diagnostics;
using System.Runtime.InteropServices;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Statements of a script sent ahead of their turn: what is printed stays psql's, a statement that
/// psql would not run is not run, and nothing is read ahead of a writer that waits for the output.
/// Every in-process run of the harness also checks that each statement sent ahead was the next one.
/// </summary>
public sealed partial class SendAheadTests
{
    [PsqlFact]
    public void Plain_statements_are_sent_ahead_and_print_as_psql_prints_them()
    {
        const string script =
            "select 1 as a;\n" +
            "select 2 as b; select 3 as c;   -- two on a line\n" +
            "\n" +
            "select 'x\n\ny' as kept,\n  4 as d;\n" +
            "/* a comment */ select nosuch;\n" +
            "do $$ begin raise notice 'between %', 1; end $$;\n" +
            "select g, repeat('z', g) from generate_series(1, 3000) g;\n" +
            "create temp table ahead_t(a int);\n" +
            "insert into ahead_t select generate_series(1, 10);\n" +
            "begin;\n" +
            "select 1/0;\n" +
            "select 'in a failed transaction';\n" +
            "rollback;\n" +
            "select count(*) from ahead_t;\n" +
            "select (1,\n" +
            "  2);\n";
        string[] args = ["-X", "-a"];
        SimpsqlHarness.AssertSameAsPsql(args, script);
        var (_, _, _, sentAhead) = SimpsqlHarness.RunSimpsqlCountingAhead(args, script);
        Assert.True(sentAhead >= 12, $"only {sentAhead} statements were sent ahead");
    }

    [PsqlFact]
    public void Meta_commands_that_only_change_printing_do_not_hold_the_next_statement_back()
    {
        const string script =
            "select 1 as a;\n" +
            "\\pset border 2\n" +
            "  \\echo between :'x' \"quoted\"\n" +
            "\\x\n" +
            "select 2 as b;\n" +
            "\\x\n" +
            "\\qecho q\n" +
            "\\warn w\n" +
            "\\C title\n" +
            "select 3 as c;\n" +
            "\\pset\n" +
            "\\pset nosuch\n" +
            "\\t on\n" +
            "\\a\n" +
            "select 4;\n" +
            "\\f ','\n" +
            "select 5, 6;\n" +
            "\\H\n" +
            "select 7;\n" +
            "\\T border=1\n" +
            "select 8;\n";
        string[] args = ["-X", "-a"];
        SimpsqlHarness.AssertSameAsPsql(args, script);
        var (_, _, _, sentAhead) = SimpsqlHarness.RunSimpsqlCountingAhead(args, script);
        Assert.Equal(6, sentAhead);
    }

    [PsqlFact]
    public void A_meta_command_that_may_change_how_the_next_statement_runs_holds_it_back()
    {
        // AUTOCOMMIT off makes the insert open a transaction the end of the session rolls back: sent
        // ahead, it would have been committed on its own. The \\set hides behind an \\echo on the
        // same line (a second command), then stands alone.
        string table = "ahead_hold_" + Guid.NewGuid().ToString("N")[..8];
        TestCluster.RunPsql("-X", "-q", "-c", $"create table {table}(a int)");
        try
        {
            foreach (var line in new[] { "\\echo x \\set AUTOCOMMIT off", "\\set AUTOCOMMIT off", "\\pset border 2 \\set AUTOCOMMIT off" })
            {
                string script = $"select 1;\n{line}\ninsert into {table} values (1);\n";
                var (rc, _, stderr, sentAhead) = SimpsqlHarness.RunSimpsqlCountingAhead(["-X"], script);
                Assert.True(rc == 0, stderr);
                Assert.Equal(0, sentAhead);
                var (_, count, _) = TestCluster.RunPsql("-X", "-At", "-c", $"select count(*) from {table}");
                Assert.Equal("0", count.Trim());
            }
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"drop table {table}");
        }
    }

    [PsqlFact]
    public void After_a_failure_with_on_error_stop_nothing_more_runs()
    {
        string table = "ahead_stop_" + Guid.NewGuid().ToString("N")[..8];
        TestCluster.RunPsql("-X", "-q", "-c", $"create table {table}(a int)");
        try
        {
            string script = $"select 1/0;\ninsert into {table} values (1);\n";
            var (rc, _, stderr, sentAhead) = SimpsqlHarness.RunSimpsqlCountingAhead(["-X", "-v", "ON_ERROR_STOP=1"], script);
            Assert.Equal(3, rc);
            Assert.Contains("division by zero", stderr, StringComparison.Ordinal);
            Assert.Equal(0, sentAhead);
            var (_, count, _) = TestCluster.RunPsql("-X", "-At", "-c", $"select count(*) from {table}");
            Assert.Equal("0", count.Trim());
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"drop table {table}");
        }
    }

    [PsqlFact]
    public void A_statement_that_names_a_variable_waits_for_the_results_before_it() =>
        // :ROW_COUNT and :ERROR are set by the statement before; \gset sets the variable used after it.
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-a"],
            "select generate_series(1, 4);\nselect :ROW_COUNT as rows;\nselect 1/0;\nselect :'ERROR' as failed, :'SQLSTATE' as state;\n" +
            "select 7 as seven \\gset\nselect :seven + 1 as eight;\nselect 'no variable here: ::text'::text;\n");

    [PsqlFact]
    public void Copy_data_after_a_statement_is_read_as_data_not_as_statements() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-a"],
            "create temp table c(a int, b text);\nselect 'before';\ncopy c from stdin;\n1\tselect 1;\n2\ttwo;\n\\.\n" +
            "select * from c order by a;\nCOPY c to stdout;\nselect 'after';\n");

    [PsqlFact]
    public void Standard_conforming_strings_off_changes_how_the_next_statement_is_split() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X"],
            "set standard_conforming_strings = off;\nselect 'a\\';' as q; select 2;\nset standard_conforming_strings = on;\nselect 'b\\' as r;\n");

    [PsqlFact]
    public void Error_prefixes_of_a_file_name_the_right_lines()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ahead-{Guid.NewGuid():N}.sql");
        File.WriteAllText(file, "select 1;\nselect nosuch1;\n\nselect\n  nosuch2;\nselect 2; select nosuch3;\nselect 3;\n");
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [PsqlFact]
    public void A_pipe_on_standard_input_is_not_read_ahead_of_the_output()
    {
        // A writer that waits for the answer to one statement before it writes the next: reading
        // ahead would wait for it, and it for us.
        using var process = Process.Start(SimpsqlHarness.SimpsqlProcessStart())!;
        try
        {
            process.StandardInput.Write("select 'first' as answer;\n");
            process.StandardInput.Flush();
            var output = new System.Text.StringBuilder();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!output.ToString().Contains("(1 row)", StringComparison.Ordinal))
            {
                var read = process.StandardOutput.ReadLineAsync();
                Assert.True(read.Wait(deadline - DateTime.UtcNow), $"no answer before the next statement was written; got: {output}");
                Assert.NotNull(read.Result);
                output.Append(read.Result).Append('\n');
            }

            process.StandardInput.Write("select 'second' as answer;\n");
            process.StandardInput.Close();
            string rest = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(30_000));
            Assert.Contains("first", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("second", rest, StringComparison.Ordinal);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [PsqlFact]
    public void Ctrl_c_stops_a_script_and_the_statement_after_the_cancelled_one_never_runs()
    {
        string table = "ahead_int_" + Guid.NewGuid().ToString("N")[..8];
        string marker = "ahead_sleep_" + Guid.NewGuid().ToString("N")[..8];
        string file = Path.Combine(Path.GetTempPath(), $"{table}.sql");
        File.WriteAllText(file, $"create table {table}(a int);\nselect pg_sleep(60) as {marker};\ninsert into {table} values (1);\nselect 'after';\n");
        try
        {
            // Through perl, which gives the program SIGINT's default disposition first: a test host
            // started in the background may pass it on ignored, and a program keeps an ignored SIGINT.
            var start = SimpsqlHarness.SimpsqlProcessStart();
            start.ArgumentList.Insert(0, start.FileName);
            foreach (string arg in new[] { "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"", "--" }.Reverse())
            {
                start.ArgumentList.Insert(0, arg);
            }

            start.FileName = "perl";
            start.ArgumentList.Add("-f");
            start.ArgumentList.Add(file);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            SimpsqlHarness.WaitUntilRunning(marker);
            Assert.Equal(0, Kill(process.Id, 2));
            Assert.True(process.WaitForExit(30_000), "simpsql did not stop");
            Assert.Equal(3, process.ExitCode);
            Assert.Contains("Cancel request sent\n", stderr.Result, StringComparison.Ordinal);
            Assert.Contains($"simpsql:{file}:2: ERROR:  canceling statement due to user request", stderr.Result, StringComparison.Ordinal);
            Assert.DoesNotContain("after", stdout.Result, StringComparison.Ordinal);
            var (_, count, _) = TestCluster.RunPsql("-X", "-At", "-c", $"select count(*) from {table}");
            Assert.Equal("0", count.Trim());
        }
        finally
        {
            File.Delete(file);
            TestCluster.RunPsql("-X", "-q", "-c", $"drop table if exists {table}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
