using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

public class SaslPrepTests
{
    [Theory]
    [InlineData("I\u00ADX", "IX")]
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    [InlineData("\u00AA", "a")]
    [InlineData("\u2168", "IX")]
    [InlineData("a\u00A0b", "a b")]
    [InlineData("\u00A0", " ")]
    [InlineData("\u3000x", " x")]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("\u00E9", "\u00E9")]
    [InlineData("\uFB01", "fi")]
    [InlineData("\uFF21\uFF22", "AB")]
    [InlineData("\U0001D400", "A")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    [InlineData("\uAC01", "\uAC01")]
    [InlineData("\u3200", "(\u1100)")]
    [InlineData("a\u200Bb", "ab")]
    [InlineData("\u0627\u0628", "\u0627\u0628")]
    [InlineData("\u0627\u0031\u0628", "\u0627\u0031\u0628")]
    [InlineData("D\u0323\u0307", "\u1E0C\u0307")]
    [InlineData("D\u0307\u0323", "\u1E0C\u0307")]
    [InlineData("p\u00E4ss", "p\u00E4ss")]
    public void Prepares(string input, string expected)
    {
        Assert.Equal(expected, SaslPrep.Prepare(input));
    }

    [Theory]
    [InlineData("\u0007")]
    [InlineData("a\u0007\u00E9")]
    [InlineData("\u0627\u0031")]
    [InlineData("\u0031\u0627")]
    [InlineData("\u0627a\u0628")]
    [InlineData("\u00E9\uE000")]
    [InlineData("\u00E9\u200E")]
    [InlineData("\uFFFD\u00E9")]
    [InlineData("\u00E9\U0001F600")]
    [InlineData("\uFB01\U0001F600")]
    [InlineData("\u00E9\uD800")]
    [InlineData("\uDC00\u00E9")]
    public void Returns_input_unchanged_when_preparation_fails(string input)
    {
        Assert.Same(input, SaslPrep.Prepare(input));
    }

    [Fact]
    public void Ascii_is_returned_as_is()
    {
        string input = "pa ss\tword";
        Assert.Same(input, SaslPrep.Prepare(input));
    }

    [Fact]
    public void Removed_characters_only_give_empty_string()
    {
        Assert.Equal("", SaslPrep.Prepare("\u00AD\u200B"));
    }
}
