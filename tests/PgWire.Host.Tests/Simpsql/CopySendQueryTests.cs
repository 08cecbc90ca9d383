using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// The COPY of \copy is sent as psql's SendQuery sends a query (AUTOCOMMIT, ON_ERROR_ROLLBACK, result
/// variables), and COPY TO STDOUT output goes where psql sends it (\o, \g, pstdout), with the status line
/// and ROW_COUNT psql gives.
/// </summary>
public sealed class CopySendQueryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-copy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Scripts => new()
    {
        // AUTOCOMMIT off: the \copy opens a transaction that the rollback then undoes
        "\\set AUTOCOMMIT off\ncreate temp table ct(a int) on commit preserve rows;\ncommit;\n\\copy ct from stdin\n5\n\\.\n" +
        "select txid_current_if_assigned() is not null as in_tx;\nrollback;\nselect count(*) from ct;\n",
        // ON_ERROR_ROLLBACK: a failed \copy does not abort the transaction
        "\\set ON_ERROR_ROLLBACK on\nbegin;\ncreate temp table ct(a int);\n\\copy ct from stdin\nx\n\\.\nselect count(*) from ct;\ncommit;\n",
        // result variables after \copy in, a failed \copy (left as they were), \copy out and COPY out to the query output
        "create temp table ct(a int);\n\\copy ct from stdin\n1\n2\n\\.\n\\echo :ROW_COUNT :ERROR :SQLSTATE\n\\copy ct from stdin\nz\n\\.\n" +
        "\\echo :ROW_COUNT :ERROR :SQLSTATE\n\\copy ct to stdout\n\\echo :ROW_COUNT\nselect 1/0;\ncopy ct to stdout;\n\\echo :ROW_COUNT :ERROR :SQLSTATE :LAST_ERROR_SQLSTATE\n",
        // COPY TO STDOUT into \g's command, and pstdout, with the queries echoed
        "create temp table ct(a int);\ninsert into ct values (1), (2);\n\\set ECHO queries\ncopy ct to stdout \\g |cat -n\n\\echo :ROW_COUNT\n\\copy ct to pstdout\n\\echo :ROW_COUNT\n",
    };

    [PsqlTheory]
    [MemberData(nameof(Scripts))]
    public void Copy_runs_as_psql_runs_it(string script) => SimpsqlHarness.AssertSameAsPsql(["-X"], script);

    public static TheoryData<string> Programs => new()
    {
        // from a command's output and into a command's input, options after the command, a quote in the query
        "create temp table ct(a int);\n\\copy ct from program 'seq 3'\n\\copy ct to program 'cat -n'\n" +
        "\\copy ct from program 'seq 2' with csv;\n\\copy (select 'it''s') to program 'cat'\n\\copy ct to program 'cat -n' with (format csv, header);\n",
        // a command that fails: the COPY is reported, then the command's exit, and the \copy counts as failed
        "create temp table ct(a int);\n\\copy ct from program 'exit 3'\n\\echo :ROW_COUNT :ERROR\n\\copy ct to program 'cat >/dev/null; exit 2'\n" +
        "\\echo :ROW_COUNT :ERROR\n\\copy ct from program 'echo x'\n\\set ON_ERROR_STOP on\n\\copy ct from program 'exit 126'\nselect 'not reached';\n",
        // the command must be one single-quoted token
        "create temp table ct(a int);\n\\copy ct from program\n\\copy ct from program \"seq 2\"\n\\copy ct to program ;\nselect count(*) from ct;\n",
    };

    [PsqlTheory]
    [MemberData(nameof(Programs))]
    public void Copy_from_and_to_a_program_like_psql(string script) => SimpsqlHarness.AssertSameAsPsql(["-X"], script);

    [PsqlFact]
    public void Copy_output_follows_o_and_g_files_like_psql()
    {
        string Script(string dir) =>
            "create temp table ct(a int);\ninsert into ct values (1), (2);\n" +
            $"copy ct to stdout \\g {dir}/g.txt\n\\echo :ROW_COUNT\n\\o {dir}/o.txt\n\\copy ct to stdout\n\\echo :ROW_COUNT\ncopy ct to stdout;\n" +
            "\\copy ct to pstdout\n\\echo :ROW_COUNT\n\\o\n";
        string psqlDir = Directory.CreateDirectory(Path.Combine(_directory, "psql")).FullName;
        string ourDir = Directory.CreateDirectory(Path.Combine(_directory, "simpsql")).FullName;
        var expected = SimpsqlHarness.RunPsql(["-X"], Script(psqlDir));
        var actual = SimpsqlHarness.RunSimpsql(["-X"], Script(ourDir));
        Assert.Equal(expected, actual);
        foreach (string name in new[] { "g.txt", "o.txt" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(psqlDir, name)), File.ReadAllText(Path.Combine(ourDir, name)));
        }

        Assert.Equal("1\n2\n", File.ReadAllText(Path.Combine(ourDir, "g.txt")));
    }
}

/// <summary>File names given to \i, \ir, \copy, \g, \o and \w start from the home directory with ~ and ~user, as in psql.</summary>
public sealed class TildeTests : IDisposable
{
    private readonly string _name = "simpsql-tilde-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public void Dispose()
    {
        foreach (string file in Directory.GetFiles(_home, _name + "*"))
        {
            File.Delete(file);
        }
    }

    [PsqlFact]
    public void Tilde_names_the_home_directory_like_psql()
    {
        File.WriteAllText(Path.Combine(_home, _name + ".sql"), "select 'included' as i;\n");
        File.WriteAllText(Path.Combine(_home, _name + ".data"), "7\n8\n");
        string user = Environment.UserName;
        string Script(string tag) =>
            $"\\i ~/{_name}.sql\n\\ir ~{user}/{_name}.sql\ncreate temp table ct(a int);\n\\copy ct from ~/{_name}.data\n" +
            $"\\copy ct to '~/{_name}-{tag}-copy.out'\nselect 1 as g \\g ~/{_name}-{tag}-g.out\n\\o ~{user}/{_name}-{tag}-o.out\nselect 2;\n\\o\n" +
            $"\\w ~/{_name}-{tag}-w.out\n\\i ~{_name}-nosuchuser/x.sql\n";
        var expected = SimpsqlHarness.RunPsql(["-X"], Script("psql"));
        var actual = SimpsqlHarness.RunSimpsql(["-X"], Script("simpsql"));
        Assert.Equal(expected, actual);
        foreach (string kind in new[] { "copy", "g", "o", "w" })
        {
            string ours = Path.Combine(_home, $"{_name}-simpsql-{kind}.out");
            Assert.True(File.Exists(ours), $"no {ours}");
            Assert.Equal(File.ReadAllText(Path.Combine(_home, $"{_name}-psql-{kind}.out")), File.ReadAllText(ours));
        }
    }
}
