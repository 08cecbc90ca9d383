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

    [Fact]
    public void Strings_compare_in_utf8_order_where_utf16_order_differs()
    {
        var emoji = "😀"; // U+1F600: a surrogate pair, below U+E000 in UTF-16 units
        Assert.True(ParquetValueColumns.CompareUtf8("\uFFFD", emoji) < 0);
        Assert.True(ParquetValueColumns.CompareUtf8(emoji, "\uE000") > 0);
        Assert.True(ParquetValueColumns.CompareUtf8("ab", "abc") < 0);
        Assert.Equal(0, ParquetValueColumns.CompareUtf8("é😀", "é😀"));
        string[] values = ["z", "\uFFFD", emoji, "é", "", "a😀", "a\uFFFD", "\u007F", "\u0080"];
        var byBytes = values.OrderBy(Encoding.UTF8.GetBytes, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(byBytes, values.Order(Comparer<string>.Create((a, b) => ParquetValueColumns.CompareUtf8(a, b))));
    }

    [Fact]
    public void Uuids_compare_as_big_endian_bytes()
    {
        Guid[] values = [new("80000000-0000-0000-0000-000000000000"), new("7fffffff-ffff-ffff-ffff-ffffffffffff"), new("00000000-0000-0000-8000-000000000000"), new("00000000-0000-0000-0000-000000000001"), new("00000000-0001-0000-0000-000000000000")];
        var byBytes = values.OrderBy(g => g.ToByteArray(bigEndian: true), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(byBytes, values.Order(Comparer<Guid>.Create(ParquetValueColumns.CompareUuid)));
    }

    [Fact]
    public async Task Written_bounds_follow_iceberg_order_and_empty_values_stay_empty()
    {
        var schema = new IcebergSchema(0,
        [
            new NestedField(1, "s", false, PrimitiveType.String),
            new NestedField(2, "b", false, PrimitiveType.Binary),
            new NestedField(3, "u", true, PrimitiveType.Uuid),
            new NestedField(4, "r", true, PrimitiveType.String),
        ]);
        List<object?[]> rows =
        [
            ["\uFFFD", new byte[] { 0x80 }, new Guid("00000000-0000-0000-0000-0000000000ff"), "m"],
            ["😀", Array.Empty<byte>(), new Guid("01000000-0000-0000-0000-000000000000"), ""],
            ["", null, new Guid("00000000-0000-0000-0100-000000000000"), "😀"],
            [null, new byte[] { 0x7F, 0xFF }, new Guid("00000000-0000-0000-0000-000000000001"), "\uFFFD"],
        ];
        var dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));
        try
        {
            var io = new LocalFileIO();
            var table = await IcebergTable.CreateAsync(io, dir, schema);
            var file = await DataFileWriter.WriteAsync(io, table.NewDataFileLocation(), table.Metadata.CurrentSchema, rows);
            Assert.Equal("", Encoding.UTF8.GetString(file.LowerBounds[1]));
            Assert.Equal("😀", Encoding.UTF8.GetString(file.UpperBounds[1]));
            Assert.Equal(1, file.NullValueCounts[1]);
            Assert.Equal(Array.Empty<byte>(), file.LowerBounds[2]);
            Assert.Equal(new byte[] { 0x80 }, file.UpperBounds[2]);
            Assert.Equal(Convert.FromHexString("00000000000000000000000000000001"), file.LowerBounds[3]);
            Assert.Equal(Convert.FromHexString("01000000000000000000000000000000"), file.UpperBounds[3]);
            Assert.Equal("", Encoding.UTF8.GetString(file.LowerBounds[4]));
            Assert.Equal("😀", Encoding.UTF8.GetString(file.UpperBounds[4]));
            Assert.Equal(0, file.NullValueCounts[4]);

            await table.CommitAsync([file], [], removeAllExisting: false);
            var read = (await table.ReadAsync()).Rows.OrderBy(r => (string?)r[3], StringComparer.Ordinal).ToList();
            Assert.Equal(rows.OrderBy(r => (string?)r[3], StringComparer.Ordinal).Select(r => r[0]), read.Select(r => r[0]));
            Assert.Equal(rows.OrderBy(r => (string?)r[3], StringComparer.Ordinal).Select(r => r[1]), read.Select(r => r[1]));
            Assert.Equal("", read[0][3]);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
