using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// The start-up files (psqlrc) and what psql says before and about its inputs: each case runs
/// psql 15 and simpsql with the same arguments, input and environment, and compares both
/// outputs and the exit status.
/// </summary>
public sealed class StartupFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("simpsql-rc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string RcScript = "\\set from_rc 'set by the start-up file'\n\\pset null '(nil)'\nselect 'rc ran' as rc;\n\\bogus\n";

    [PsqlFact]
    public void The_home_psqlrc_runs_before_the_commands_like_psql()
    {
        Write("home/.psqlrc", RcScript);
        SimpsqlHarness.AssertSameAsPsql(["-c", "select null::int as n", "-c", "\\echo :from_rc"], null, null, null,
            new Dictionary<string, string?> { ["HOME"] = Path.Combine(_dir, "home"), ["PSQLRC"] = null });
    }

    [PsqlFact]
    public void The_version_specific_file_wins_over_the_plain_one_like_psql()
    {
        Write("home/.psqlrc", "\\echo plain file\n");
        Write("home/.psqlrc-15", "\\echo version 15 file\n");
        SimpsqlHarness.AssertSameAsPsql(["-c", "select 1 as one"], null, null, null,
            new Dictionary<string, string?> { ["HOME"] = Path.Combine(_dir, "home"), ["PSQLRC"] = null });
    }

    [PsqlFact]
    public void PSQLRC_names_the_user_file_and_it_runs_before_standard_input_like_psql()
    {
        Write("home/.psqlrc", "\\echo not this one\n");
        // PGSYSCONFDIR does not move psql 15's system-wide file: this one is never read.
        Write("psqlrc", "\\echo not this one either\n");
        string rc = Write("rc/mine", "\\echo user file\n\\set who rc\n");
        SimpsqlHarness.AssertSameAsPsql([], "\\echo script after :who\nselect 2 as two;\n", null, null,
            new Dictionary<string, string?> { ["PSQLRC"] = rc, ["HOME"] = Path.Combine(_dir, "home"), ["PGSYSCONFDIR"] = _dir });
    }

    [PsqlFact]
    public void The_start_up_file_runs_before_the_l_listing_like_psql()
    {
        // The listing may change between the two runs (other tests create databases): what the
        // file prints, and the format it sets, show that it ran first.
        Write("home/.psqlrc", "\\echo listing follows\n\\pset format csv\n\\pset tuples_only on\n");
        var environment = new Dictionary<string, string?> { ["HOME"] = Path.Combine(_dir, "home"), ["PSQLRC"] = null };
        var psql = SimpsqlHarness.RunPsql(["-l"], null, null, null, environment);
        var simpsql = SimpsqlHarness.RunSimpsql(["-l"], null, null, null, environment);
        Assert.Equal(0, psql.ExitCode);
        Assert.Equal(psql.ExitCode, simpsql.ExitCode);
        foreach (string stdout in new[] { psql.Stdout, simpsql.Stdout })
        {
            Assert.StartsWith("listing follows\nOutput format is csv.\n", stdout, StringComparison.Ordinal);
            // Tuples only, as the file set it: no header line before the rows.
            Assert.DoesNotContain("Name,Owner", stdout, StringComparison.Ordinal);
            Assert.Contains("\npostgres,", stdout, StringComparison.Ordinal);
        }

        Assert.Equal(psql.Stderr, simpsql.Stderr);
    }

    [PsqlFact]
    public void X_skips_the_start_up_files_like_psql()
    {
        Write("home/.psqlrc", RcScript);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select null::int as n", "-c", "\\echo :from_rc"], null, null, null,
            new Dictionary<string, string?> { ["HOME"] = Path.Combine(_dir, "home"), ["PSQLRC"] = null });
    }

    [PsqlFact]
    public void A_start_up_file_that_is_a_directory_is_reported_and_the_run_goes_on_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-c", "select 3 as three"], null, null, null,
            new Dictionary<string, string?> { ["PSQLRC"] = _dir });

    [PsqlFact]
    public void A_missing_first_file_is_the_program_s_error_before_any_input_ran_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", Path.Combine(_dir, "missing.sql"), "-c", "select 4 as four"]);

    [PsqlFact]
    public void A_missing_file_after_a_command_is_the_input_s_error_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 5 as five", "-f", Path.Combine(_dir, "missing.sql")]);

    [PsqlFact]
    public void A_missing_file_after_a_start_up_file_ran_is_the_input_s_error_like_psql()
    {
        Write("home/.psqlrc", "\\set quiet_rc 1\n");
        SimpsqlHarness.AssertSameAsPsql(["-f", Path.Combine(_dir, "missing.sql")], null, null, null,
            new Dictionary<string, string?> { ["HOME"] = Path.Combine(_dir, "home"), ["PSQLRC"] = null });
    }

    [PsqlFact]
    public void A_directory_given_with_f_fails_at_its_first_read_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", _dir]);

    [PsqlFact]
    public void A_directory_included_from_a_script_is_reported_and_the_script_goes_on_like_psql()
    {
        string script = Write("script.sql", $"select 6 as six;\n\\i {_dir}\nselect 7 as seven;\n");
        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", script]);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "ON_ERROR_STOP=1", "-f", script]);
        SimpsqlHarness.AssertSameAsPsql(["-X"], $"select 6 as six;\n\\i {_dir}\nselect 7 as seven;\n");
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", $"\\i {_dir}"]);
    }

    [PsqlFact]
    public void File_names_are_shown_as_psql_canonicalizes_them()
    {
        string script = Write("sub/inner.sql", "select 8 as eight;\nselect nosuchcolumn;\n\\ir ./../sub//missing.sql\n");
        // ".", "..", doubled separators (simpsql runs in this process: the names are absolute).
        foreach (string name in new[] { $"{_dir}/./sub/./inner.sql", $"{_dir}//sub/../sub/inner.sql", $"{_dir}/nosuch/../sub/inner.sql" })
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", name]);
        }

        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", _dir + "/"]);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", _dir + "/./sub/../missing.sql"]);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-f", script]);
    }

    public static TheoryData<string[]> BadPrintOptions => new()
    {
        { ["-X", "-P", "format=bogus", "-c", "select 1"] },
        { ["-X", "-P", "linestyle=x", "-c", "select 1"] },
        { ["-X", "-P", "bogus=1", "-c", "select 1"] },
        { ["-X", "-P", "expanded=sometimes", "-c", "select 1"] },
        { ["-X", "-P", "footer=maybe", "-c", "select 1"] },
        { ["-X", "-P", "csv_fieldsep=ab", "-c", "select 1"] },
        { ["-X", "-P", "border=2", "-P", "format=bogus", "-c", "select 1"] },
    };

    [PsqlTheory]
    [MemberData(nameof(BadPrintOptions))]
    public void A_P_option_that_cannot_be_set_ends_the_run_before_connecting_like_psql(string[] args) =>
        // The host is one nothing listens on: psql fails on the option, never reaching the server.
        SimpsqlHarness.AssertSameAsPsql(args, null, null, null,
            new Dictionary<string, string?> { ["PGHOST"] = Path.Combine(_dir, "no-server") });
}

public sealed class CanonicalPathTests
{
    [Theory]
    [InlineData("/tmp/", "/tmp")]
    [InlineData("/tmp//a///b", "/tmp/a/b")]
    [InlineData("./a.sql", "a.sql")]
    [InlineData("a/./b/.", "a/b")]
    [InlineData("a/../b.sql", "b.sql")]
    [InlineData("a/../../b.sql", "../b.sql")]
    [InlineData("../../x", "../../x")]
    [InlineData("a/..", ".")]
    [InlineData(".", ".")]
    [InlineData("/..", "/")]
    [InlineData("/../a", "/a")]
    [InlineData("/", "/")]
    [InlineData("x/y/../../..", "..")]
    public void Names_are_reduced_as_psql_reduces_them(string path, string expected) =>
        Assert.Equal(expected, PgWire.Host.Simpsql.SimpsqlSession.CanonicalizePath(path));
}
