using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Protocol.Tests.Replication;

public class LsnTests
{
    [Theory]
    [InlineData("16/B374D848", 0x16B374D848UL)]
    [InlineData("0/0", 0UL)]
    [InlineData("0/153CA10", 0x153CA10UL)]
    [InlineData("FFFFFFFF/FFFFFFFF", ulong.MaxValue)]
    [InlineData("a/bc", 0xA000000BCUL)]
    public void ParseAndFormat(string text, ulong value)
    {
        var lsn = Lsn.Parse(text);
        Assert.Equal(value, lsn.Value);
        Assert.Equal(text.ToUpperInvariant(), lsn.ToString());
        Assert.True(Lsn.TryParse(text, out var again));
        Assert.Equal(lsn, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("16")]
    [InlineData("16/")]
    [InlineData("/16")]
    [InlineData("1/2/3")]
    [InlineData("G/0")]
    [InlineData("+1/0")]
    [InlineData("-1/0")]
    [InlineData(" 1/0")]
    [InlineData("100000000/0")]
    [InlineData("0/100000000")]
    [InlineData(null)]
    public void RejectsInvalidText(string? text)
    {
        Assert.False(Lsn.TryParse(text, out var lsn));
        Assert.Equal(Lsn.Invalid, lsn);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Lsn.Parse(text));
        }
    }

    [Fact]
    public void Comparison()
    {
        var a = Lsn.Parse("0/FFFFFFFF");
        var b = Lsn.Parse("1/0");
        Assert.True(a < b);
        Assert.True(b > a);
        var a2 = new Lsn(a.Value);
        Assert.True(a <= b && a <= a2);
        Assert.True(b >= a && a >= a2);
        Assert.False(a > b);
        Assert.True(a.CompareTo(b) < 0);
        Assert.Equal(new Lsn(0x100000000), b);
        Assert.False(Lsn.Invalid.IsValid);
        Assert.True(b.IsValid);
        Assert.Equal(0UL, Lsn.Invalid.Value);
    }
}
