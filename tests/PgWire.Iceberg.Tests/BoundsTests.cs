using System.Text;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class BoundsTests
{
    [Fact]
    public void Short_values_are_their_own_bounds()
    {
        Assert.Equal("abc", Bounds.TruncateLower("abc"));
        Assert.Equal("abc", Bounds.TruncateUpper("abc"));
        Assert.Equal(new byte[] { 1, 2 }, (byte[])Bounds.TruncateUpper(new byte[] { 1, 2 })!);
    }

    [Fact]
    public void Long_strings_are_cut_to_16_code_points_and_the_upper_bound_stays_above()
    {
        var value = "abcdefghijklmnopqrstuvwxyz";
        Assert.Equal("abcdefghijklmnop", Bounds.TruncateLower(value));
        var upper = (string)Bounds.TruncateUpper(value)!;
        Assert.Equal("abcdefghijklmnoq", upper);
        Assert.True(Encoding.UTF8.GetBytes(upper).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(value)) > 0);

        // Code points, not UTF-16 units: 16 emoji are 32 chars.
        var emoji = string.Concat(Enumerable.Repeat("😀", 20));
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 16)), Bounds.TruncateLower(emoji));
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 15)) + "😁", Bounds.TruncateUpper(emoji));
    }

    [Fact]
    public void An_upper_bound_carries_past_the_highest_character_or_byte_and_may_not_exist()
    {
        var value = new string('a', 15) + char.ConvertFromUtf32(0x10FFFF) + "zz";
        Assert.Equal(new string('a', 14) + "b", Bounds.TruncateUpper(value));
        Assert.Null(Bounds.TruncateUpper(string.Concat(Enumerable.Repeat(char.ConvertFromUtf32(0x10FFFF), 17))));
        var bytes = Enumerable.Repeat((byte)0xFF, 20).ToArray();
        Assert.Null(Bounds.TruncateUpper(bytes));
        bytes[3] = 7;
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 8 }, (byte[])Bounds.TruncateUpper(bytes)!);
    }

    [Fact]
    public void Strings_compare_in_the_order_of_their_utf8_bytes()
    {
        string[] values = ["", "a", "ab", "b", "é", "\uFFFD", "\uE000", "😀", "😀a", "\uFFFF", "z😀", "z\uFFFD", "Z"];
        foreach (var a in values)
        {
            foreach (var b in values)
            {
                var expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
                Assert.True(expected == Math.Sign(DataFileWriter.CompareUtf8(a, b)), $"{a} vs {b}");
            }
        }

        // UTF-16 order puts the emoji (a surrogate pair) below U+FFFD; UTF-8 above.
        Assert.True(string.CompareOrdinal("😀", "\uFFFD") < 0);
        Assert.True(DataFileWriter.CompareUtf8("😀", "\uFFFD") > 0);
    }
}
