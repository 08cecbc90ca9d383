namespace PgWire.Host.Tests.Psql;

using PgWire.Host.Psql;
using Xunit;

public sealed class DisplayWidthTests
{
    // Widths as shown by psql 15 (measured by padding of chr(n) in an aligned column).
    [Theory]
    [InlineData(0x41, 1)]
    [InlineData(0x7f, -1)]
    [InlineData(0x85, -1)]
    [InlineData(0xad, 1)]
    [InlineData(0x301, 0)]
    [InlineData(0x200b, 1)]
    [InlineData(0x1100, 2)]
    [InlineData(0x3000, 2)]
    [InlineData(0x65e5, 2)]
    [InlineData(0xac00, 2)]
    [InlineData(0xff01, 2)]
    [InlineData(0xff71, 1)]
    [InlineData(0x1f600, 2)]
    [InlineData(0x20000, 2)]
    [InlineData(0xe0100, 0)]
    public void CodePointWidths(int codePoint, int width)
    {
        Assert.Equal(width, DisplayWidth.OfCodePoint(codePoint));
    }

    [Fact]
    public void FormatSplitsLinesAndEscapesControls()
    {
        CellLine[] lines = DisplayWidth.Format("a\tb\nx\r\u0001\u0085\n");
        Assert.Equal(
            [new CellLine("a       b", 9), new CellLine("x\\r\\x01\\u0085", 13), new CellLine("", 0)],
            lines);
    }
}
