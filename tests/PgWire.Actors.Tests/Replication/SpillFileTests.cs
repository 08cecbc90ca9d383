using PgWire.Actors.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class SpillFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lrs-spill-" + Guid.NewGuid().ToString("N"));

    public SpillFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Pattern(long start, int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)((start + i) * 7 % 251);
        }

        return bytes;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_range_reads_back_what_was_appended_in_pieces_of_any_size(bool direct)
    {
        var path = Path.Combine(_dir, "a.spill");
        using (var file = SpillFile.Create(path, direct))
        {
            // Appends of 0 bytes to several blocks at once, ending inside a block (the padded last write).
            var random = new Random(7);
            long length = 0;
            foreach (var size in new[] { 0, 1, 4095, 4097, SpillFile.BlockSize - 3, 5, 3 * SpillFile.BlockSize + 11, 100_000 })
            {
                file.Append(Pattern(length, size));
                length += size;
            }

            Assert.Equal(length, file.Length);
            var scratch = Array.Empty<byte>();

            // Ranges inside one block, across one and several block boundaries, at the very end, in any order.
            var ranges = new List<(long, int)>
            {
                (0, 1), (SpillFile.BlockSize - 2, 4), (10, 3 * SpillFile.BlockSize), (length - 1, 1), (length - 100_000, 100_000), (0, 0),
            };
            for (var i = 0; i < 200; i++)
            {
                var start = (long)(random.NextDouble() * length);
                ranges.Add((start, (int)Math.Min(length - start, random.Next(0, 2 * SpillFile.BlockSize))));
            }

            foreach (var (start, count) in ranges)
            {
                var read = file.Read(start, count, ref scratch);
                Assert.True(Pattern(start, count).AsSpan().SequenceEqual(read), $"bytes {start}..{start + count} differ");
            }

            var past = Assert.Throws<EndOfStreamException>(() => file.Read(length - 1, 2, ref scratch).Length);
            Assert.Contains("ends before byte", past.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => file.Append([1]));
            Assert.True(File.Exists(path));
        }

        Assert.False(File.Exists(path), "the spill file is deleted when disposed");
    }

    [Fact]
    public void On_a_file_system_that_allows_it_the_file_bypasses_the_page_cache_and_an_existing_file_is_not_overwritten()
    {
        var path = Path.Combine(_dir, "b.spill");
        using (var file = SpillFile.Create(path))
        {
            // ext4, xfs and btrfs take O_DIRECT; tmpfs before Linux 6.6 and overlay file systems over it do not.
            if (OperatingSystem.IsLinux() && DriveFormat(_dir) is "ext4" or "ext3" or "xfs" or "btrfs")
            {
                Assert.True(file.IsDirect, $"{_dir} is on {DriveFormat(_dir)}, which takes O_DIRECT");
            }
        }

        File.WriteAllText(path, "someone else's");
        Assert.Throws<IOException>(() => SpillFile.Create(path).Dispose());
        Assert.Equal("someone else's", File.ReadAllText(path));
    }

    private static string DriveFormat(string path)
    {
        // The mount that holds the path: the longest mount point that is a prefix of it.
        var best = (Point: "", Type: "");
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && (path == fields[1] || path.StartsWith(fields[1].TrimEnd('/') + "/", StringComparison.Ordinal)) && fields[1].Length >= best.Point.Length)
            {
                best = (fields[1], fields[2]);
            }
        }

        return best.Type;
    }
}
