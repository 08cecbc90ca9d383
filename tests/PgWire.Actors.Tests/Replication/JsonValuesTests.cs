using PgWire.Actors.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class JsonValuesTests
{
    private static bool Reference(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\')
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void Every_byte_is_found_at_every_position_of_short_and_long_values()
    {
        // Lengths around the 16-byte blocks: the overlapping last block and the scalar tail.
        foreach (var length in new[] { 1, 2, 15, 16, 17, 31, 32, 33, 47, 64, 100 })
        {
            var value = new byte[length];
            for (var position = 0; position < length; position++)
            {
                for (var b = 0; b < 256; b++)
                {
                    Array.Fill(value, (byte)'a');
                    value[position] = (byte)b;
                    Assert.True(Reference(value) == JsonValues.NeedsEscape(value), $"byte 0x{b:X2} at {position} of {length}");
                }
            }
        }
    }

    [Fact]
    public void Plain_ascii_and_empty_values_need_no_escaping()
    {
        Assert.False(JsonValues.NeedsEscape([]));
        var printable = Enumerable.Range(0x20, 0x7F - 0x20).Where(b => b is not ('"' or '\\')).Select(b => (byte)b).ToArray();
        Assert.False(JsonValues.NeedsEscape(printable));
        Assert.False(JsonValues.NeedsEscape("d41d8cd98f00b204e9800998ecf8427e"u8));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_values_agree_with_the_byte_by_byte_definition(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var value = new byte[random.Next(0, 80)];
            for (var j = 0; j < value.Length; j++)
            {
                // Mostly printable, now and then anything.
                value[j] = random.Next(20) == 0 ? (byte)random.Next(256) : (byte)random.Next(0x20, 0x7F);
            }

            Assert.Equal(Reference(value), JsonValues.NeedsEscape(value));
        }
    }
}
