using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>-1 / --single-transaction: the -c and -f actions inside one BEGIN ... COMMIT (or ROLLBACK), against psql 15.</summary>
public sealed class SingleTransactionTests
{
    private const string Script =
        "create temp table one_t(a int);\ninsert into one_t values (1);\nselect 1/0;\ninsert into one_t values (2);\nselect count(*) from one_t;\n";

    public static TheoryData<string[]> Commands => new()
    {
        { ["-X", "-1", "-c", "select 1 as a", "-c", "select 2 as b"] },
        { ["-X", "-1", "-E", "-c", "select 1", "-c", "select 1/0", "-c", "select 2"] },
        { ["-X", "-1", "-E", "-v", "ON_ERROR_STOP=1", "-c", "select 1", "-c", "select 1/0", "-c", "select 2"] },
        { ["-X", "--single-transaction", "-c", "vacuum"] },
        { ["-X", "-1", "-v", "ECHO_HIDDEN=noexec", "-v", "ON_ERROR_STOP=1", "-c", "select 1"] },
        { ["-X", "-1", "-c", "commit", "-c", "select 'after the commit'"] },
    };

    [PsqlTheory]
    [MemberData(nameof(Commands))]
    public void Commands_run_in_one_transaction_like_psql(string[] args) =>
        SimpsqlHarness.AssertSameAsPsql(args);

    [PsqlTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_failing_statement_of_a_file_aborts_the_transaction_like_psql(bool onErrorStop)
    {
        string file = Path.Combine(Path.GetTempPath(), $"single-{Guid.NewGuid():N}.sql");
        File.WriteAllText(file, Script);
        try
        {
            string[] args = onErrorStop ? ["-X", "-1", "-v", "ON_ERROR_STOP=1", "-f", file, "-c", "select 'not reached'"] : ["-X", "-1", "-f", file, "-c", "select 'after'"];
            SimpsqlHarness.AssertSameAsPsql(args);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
