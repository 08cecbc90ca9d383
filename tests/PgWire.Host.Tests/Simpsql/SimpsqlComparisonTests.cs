using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

public sealed class SimpsqlComparisonTests
{
    private const string Types =
        "select 1 as i, 12.50::numeric as n, 'text' as t, true as b, date '2024-02-29' as d, " +
        "timestamptz '2024-01-02 03:04:05+00' as ts, 1.5::float8 as f, '{\"a\": [1, 2]}'::json as j, " +
        "array[1,2,3] as arr, null::int as nul";

    private const string Unicode = "select 'héllo wörld' as \"ünï\", '日本語' as cjk, E'line1\\nline2' as multi, '' as empty";

    public static TheoryData<string[]> CommandCases => new()
    {
        { new[] { "-c", Types } },
        { new[] { "-c", Unicode } },
        { new[] { "-c", "select * from generate_series(1, 0) g" } },
        { new[] { "-c", "select 1; select 2 as two" } },
        { new[] { "-A", "-c", Types } },
        { new[] { "-t", "-c", Types } },
        { new[] { "-At", "-c", "select g, g * 2 from generate_series(1, 5) g" } },
        { new[] { "-A", "-F", ";", "-R", "#", "-c", "select g, 'x' from generate_series(1, 3) g" } },
        { new[] { "-x", "-c", Types } },
        { new[] { "-x", "-A", "-c", Unicode } },
        { new[] { "--csv", "-c", Unicode } },
        { new[] { "--csv", "-c", Types } },
        { new[] { "-P", "null=(null)", "-c", Types } },
        { new[] { "-P", "border=2", "-c", Unicode } },
        { new[] { "-c", "create temp table t(a int primary key, b text); insert into t values (1, 'a'), (2, 'b'); update t set b = 'c'; delete from t where a = 1; insert into t values (5, 'x') returning *" } },
        { new[] { "-q", "-c", "create temp table t(a int); insert into t values (1)" } },
        { new[] { "-c", "do $$begin raise notice 'hello %', 42; end$$" } },
        { new[] { "-c", "select x" } },
        { new[] { "-c", "select 1,\n  2,\n  nosuchcolumn\nfrom generate_series(1, 2)" } },
        { new[] { "-c", "select 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', zzz, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'" } },
        { new[] { "-c", "select 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', zzz" } },
        { new[] { "-c", "select zzz, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'" } },
        { new[] { "-c", "create temp table u(a int primary key); insert into u values (1); insert into u values (1)" } },
        { new[] { "-c", "select 'ünïcödé', zzz" } },
        { new[] { "-v", "ON_ERROR_STOP=1", "-c", "select x" } },
        { new[] { "-c", "select 1", "-c", "select 2" } },
        { new[] { "-c", "\\foo" } },
        { new[] { "-c", "\\conninfo" } },
        { new[] { "-h", TestCluster.SocketDir ?? "/tmp", "-c", "\\conninfo" } },
        { new[] { "-c", "\\pset border 2" } },
        { new[] { "-c", "\\pset null '(nil)'" } },
        { new[] { "-c", "\\pset format csv" } },
        { new[] { "-c", "\\x" } },
        { new[] { "-c", "\\a" } },
        { new[] { "-c", "\\t" } },
        { new[] { "-c", "\\echo hello 'quoted  text' \"ident\"" } },
        { new[] { "-c", "\\encoding" } },
    };

    [PsqlTheory]
    [MemberData(nameof(CommandCases))]
    public void Command_output_matches_psql(string[] args) => SimpsqlHarness.AssertSameAsPsql(args);

    public static TheoryData<string[], string> StdinCases => new()
    {
        { [], "select 1;\nselect\n  y;\nselect 2;\n" },
        { ["-v", "ON_ERROR_STOP=1"], "select 1;\nselect y;\nselect 2;\n" },
        { [], "\\set x 42\n\\set name 'it''s'\n\\echo :x :'name' :\"name\"\nselect :x as v, :'name' as s;\n" },
        { [], "\\pset border 2\n\\pset null (null)\nselect null::int as a, 1 as b;\n\\x\nselect 1 as a, 2 as b;\n\\a\n\\t\nselect 3 as c;\n" },
        { [], "select 'a;b' as \"x;y\", $$c;d$$ as e; -- comment; here\n/* block; /* nested; */ comment */ select (1\n;\n);\n" },
        { [], "create temp table c(a int, b text);\ncopy c from stdin;\n1\tone\n2\ttwo\n\\.\nselect * from c;\ncopy c to stdout;\n" },
        { [], "select 1 \\g\n\\p\nselect 2\n\\r\n\\p\nselect 3" },
        { [], "\\foo\nselect 1;\n" },
        { [], "do $$begin raise notice 'n1'; raise warning 'w1'; end$$;\nselect 1 / 0;\n" },
        { ["-A", "-t"], "select E'tab\\there', 'x'::text;\n" },
        { [], "\\c postgres\nselect current_database();\n\\c - - 127.0.0.1\nselect current_database();\n\\c nosuchdb\nselect 1;\n" },
        { ["-e"], "select 1 as a;\n" },
        { [], "begin;\nselect 1;\nrollback;\n" },
    };

    [PsqlTheory]
    [MemberData(nameof(StdinCases))]
    public void Stdin_script_matches_psql(string[] args, string input) => SimpsqlHarness.AssertSameAsPsql(args, input);

    public static TheoryData<string, string[]> FileCases => new()
    {
        { "select 1;\nselect x;\n\\foo\nselect 2;\n", [] },
        { "select 1;\nselect x;\n\\foo\nselect 2;\n", ["-v", "ON_ERROR_STOP=1"] },
        { "do $$begin raise notice 'from file'; end$$;\ncreate temp table f(a int);\ninsert into f values (1), (2);\nselect * from f;\n", [] },
        { "select 1 as one\n", ["-A"] },
    };

    [PsqlTheory]
    [MemberData(nameof(FileCases))]
    public void File_script_matches_psql(string script, string[] extra)
    {
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, script);
        try
        {
            SimpsqlHarness.AssertSameAsPsql([.. extra, "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PsqlFact]
    public void Notices_right_behind_a_result_come_before_it_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-a"], "SELECT 1\\; COMMIT\\; SELECT 2;\nSELECT 3\\; DO $$BEGIN RAISE NOTICE 'n'; END$$\\; SELECT 4;\nSELECT 5\\; COMMIT\\; VACUUM;\n");

    [PsqlFact]
    public void Missing_file_matches_psql() => SimpsqlHarness.AssertSameAsPsql(["-f", "/nonexistent/simpsql.sql"]);

    public static TheoryData<string[], string?, string?> ConnectionFailureCases => new()
    {
        { ["-c", "select 1", $"sslmode=disable user={TestCluster.ScramUser}"], TestCluster.ScramUser, "wrong" },
        { ["-w", "-c", "select 1", $"sslmode=disable user={TestCluster.ScramUser}"], TestCluster.ScramUser, null },
        { ["-h", "nosuchhost.invalid", "-c", "select 1"], null, null },
        { ["-h", "127.0.0.1", "-p", "1", "-c", "select 1"], null, null },
    };

    [PsqlTheory]
    [MemberData(nameof(ConnectionFailureCases))]
    public void Connection_failure_matches_psql(string[] args, string? user, string? password) =>
        SimpsqlHarness.AssertSameAsPsql(args, null, user, password);

    [PsqlFact]
    public void Extra_arguments_are_warned_about_and_ignored_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TestCluster.Database, TestCluster.SuperUser, "one", "two"]);

    [PsqlTheory]
    [InlineData("sslmode=disable")]
    [InlineData("sslmode=require")]
    public void A_session_the_server_ends_mid_script_matches_psql(string conninfo)
    {
        // The backend ends its own session: a FATAL error, then the connection closes.
        var script = Path.Combine(Path.GetTempPath(), $"simpsql-fatal-{Guid.NewGuid():N}.sql");
        File.WriteAllText(script, "select 1;\nselect pg_terminate_backend(pg_backend_pid());\nselect 2;\n");
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", script, conninfo]);
        }
        finally
        {
            File.Delete(script);
        }

        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select pg_terminate_backend(pg_backend_pid())", conninfo]);
    }

    [PsqlFact]
    public void Copy_round_trip_through_local_files_matches_psql()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"simpsql-copy-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string source = Path.Combine(dir, "in.tsv");
            File.WriteAllText(source, "1\tone\n2\tzwei ü\n3\t\\N\n");
            string Script(string output) =>
                "create temp table cp(a int, b text);\n" +
                $"\\copy cp from '{source}'\n" +
                "insert into cp values (4, 'four');\n" +
                $"\\copy cp to '{output}' with (format csv, header)\n" +
                $"\\copy (select a from cp order by a desc) to '{output}.2'\n";
            string psqlOut = Path.Combine(dir, "psql.csv");
            string ourOut = Path.Combine(dir, "ours.csv");
            var expected = SimpsqlHarness.RunPsql([], Script(psqlOut));
            var actual = SimpsqlHarness.RunSimpsql([], Script(ourOut));
            Assert.Equal(expected.Stdout, actual.Stdout);
            Assert.Equal(expected.Stderr, actual.Stderr);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
            Assert.Equal(File.ReadAllText(psqlOut), File.ReadAllText(ourOut));
            Assert.Equal(File.ReadAllText(psqlOut + ".2"), File.ReadAllText(ourOut + ".2"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
