using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>-o FILE / --output=FILE: query results go to a file from the start, as with \o.</summary>
public sealed class OutputOptionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simpsql-output-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string[], string?> Cases => new()
    {
        { ["-o", "{out}", "-c", "select 1 as a, 'x' as b", "-c", "\\echo to stdout", "-c", "\\qecho to the file"], null },
        { ["--output={out}", "-X"], "select 1 as a;\n\\o\nselect 2 as b;\n" },
        { ["-o{out}", "-At", "-l"], null },
        { ["--output", "{out}", "-c", "select 1/0", "-c", "select 3 as c"], null },
    };

    [PsqlTheory]
    [MemberData(nameof(Cases))]
    public void Results_go_to_the_file_like_psql(string[] args, string? stdin)
    {
        string psqlFile = Path.Combine(_directory, "psql.out");
        string ourFile = Path.Combine(_directory, "simpsql.out");
        var expected = SimpsqlHarness.RunPsql(args.Select(a => a.Replace("{out}", psqlFile, StringComparison.Ordinal)).ToArray(), stdin);
        var actual = SimpsqlHarness.RunSimpsql(args.Select(a => a.Replace("{out}", ourFile, StringComparison.Ordinal)).ToArray(), stdin);

        Assert.Equal(expected.ExitCode, actual.ExitCode);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Equal(File.ReadAllText(psqlFile), File.ReadAllText(ourFile));
        Assert.NotEqual("", File.ReadAllText(ourFile));
    }

    [PsqlTheory]
    [InlineData("/nonexistent/dir/out.txt")]
    [InlineData("{dir}")]
    public void A_file_that_cannot_be_written_is_reported_like_psql(string file)
    {
        file = file.Replace("{dir}", _directory, StringComparison.Ordinal);
        SimpsqlHarness.AssertSameAsPsql(["-o", file, "-c", "select 1"]);
        SimpsqlHarness.AssertSameAsPsql(["-X"], $"\\o {file}\nselect 1 as still_on_stdout;\n");
    }
}
