namespace PgWire.Host.Tests.Psql;

using PgWire.Host.Psql;
using Xunit;

public sealed class FooterTests
{
    public static TheoryData<string> AllCases() => [.. FooterCases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Footer_lines_print_like_psql(string name)
    {
        FooterCase golden = FooterCases.All.Single(c => c.Name == name);
        var writer = new StringWriter { NewLine = "\n" };
        ResultPrinter.Print(golden.ToResultSet(), golden.Options, writer);
        Assert.Equal(golden.Expected, writer.ToString());
    }

    [Fact]
    public void Empty_footer_list_suppresses_the_row_count()
    {
        var result = new ResultSet([new ResultColumn("a", 25)], [["x"]]) { Footers = [] };
        var writer = new StringWriter { NewLine = "\n" };
        ResultPrinter.Print(result, new PrintOptions(), writer);
        Assert.Equal(" a \n---\n x\n\n", writer.ToString());
    }
}
