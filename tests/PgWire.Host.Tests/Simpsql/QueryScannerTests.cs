using System.Text;
using PgWire.Host.Simpsql;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>The statements QueryScanner cuts from input lines, without a server.</summary>
public sealed class QueryScannerTests
{
    private static List<string> Statements(string input, bool standardStrings = true)
    {
        var scanner = new QueryScanner(_ => null, () => standardStrings);
        var buffer = new StringBuilder();
        var statements = new List<string>();
        foreach (string line in input.Split('\n'))
        {
            if (buffer.Length > 0)
            {
                buffer.Append('\n');
            }

            scanner.SetLine(line);
            while (scanner.Scan(buffer) == ScanResult.Semicolon)
            {
                statements.Add(buffer.ToString());
                buffer.Clear();
                scanner.Reset();
            }
        }

        return statements;
    }

    [Fact]
    public void Backslash_quote_ends_a_plain_string_only_with_standard_conforming_strings()
    {
        Assert.Equal(["select 'a\\';", "select 1;"], Statements("select 'a\\'; select 1;"));
        Assert.Equal(["select 'a\\'; select 1;';"], Statements("select 'a\\'; select 1;';", standardStrings: false));
    }

    [Theory]
    [InlineData("select U&'a\\'; select 1;")]
    [InlineData("select B'1\\'; select 1;")]
    [InlineData("select x'1\\'; select 1;")]
    public void Unicode_and_bit_strings_never_take_backslash_escapes(string input) =>
        Assert.Equal(2, Statements(input, standardStrings: false).Count);

    [Fact]
    public void Escape_strings_always_take_backslash_escapes() =>
        Assert.Equal(["select e'\\'; select 1;';"], Statements("select e'\\'; select 1;';"));

    [Fact]
    public void Begin_atomic_body_of_a_function_is_one_statement()
    {
        const string Function = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;\nEND;";
        Assert.Equal([Function, "select 2;"], Statements(Function + "\nselect 2;"));
        Assert.Equal(["create procedure p() begin atomic select 1; end;"], Statements("create procedure p() begin atomic select 1; end;"));
    }

    [Theory]
    [InlineData("begin; select 1; end;", 3)]
    [InlineData("create table begin_t(a int); select case when true then 1 end;", 2)]
    [InlineData("create function f() returns int as $$ begin; $$ language sql; select 1;", 2)]
    [InlineData("create function f(x int default (select case when true then 1 end)) returns int begin atomic select 1; end; select 1;", 2)]
    public void Begin_outside_a_routine_body_does_not_hold_semicolons(string input, int count) =>
        Assert.Equal(count, Statements(input).Count);
}
