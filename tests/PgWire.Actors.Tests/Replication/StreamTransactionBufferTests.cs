using PgWire.Actors.Replication;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class StreamTransactionBufferTests
{
    private static readonly TableRelation First = new(1, "public", "t", ReplicaIdentity.Default, [new("id", 23, true)]);
    private static readonly TableRelation Second = new(1, "public", "t", ReplicaIdentity.Default, [new("id", 23, true), new("extra", 25, false)]);

    private static List<(uint Xid, TableRelation? Columns, byte[] Message)> ReadAll(TransactionBuffer buffer)
    {
        var reader = buffer.OpenReader();
        var result = new List<(uint, TableRelation?, byte[])>();
        while (reader.TryRead(out var xid, out var columns, out var message))
        {
            result.Add((xid, columns, message.ToArray()));
        }

        return result;
    }

    [Theory]
    [InlineData(1 << 20, false, true)]
    [InlineData(100, true, true)]
    [InlineData(100, true, false)]
    public void Records_come_back_in_order_with_their_relation_and_aborted_subtransactions_left_out(int threshold, bool spills, bool direct)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrs-buffer-" + Guid.NewGuid().ToString("N"));
        try
        {
            string? spillPath;
            using (var buffer = new TransactionBuffer(dir, threshold) { SpillDirect = direct })
            {
                for (var i = 0; i < 50; i++)
                {
                    var xid = (uint)(i < 20 ? 7 : i < 30 ? 8 : 9);
                    buffer.Add(xid, i < 40 ? First : Second, (byte)'I', [(byte)i, 1, 2, 3]);
                }

                buffer.Add(7, First, (byte)'T', []);
                buffer.AbortSubtransaction(8);
                Assert.Equal(spills, buffer.IsSpilled);
                spillPath = buffer.SpillPath;
                Assert.Equal(spills, spillPath is not null && File.Exists(spillPath));

                var records = ReadAll(buffer);
                Assert.Equal(41, records.Count);
                Assert.DoesNotContain(records, r => r.Xid == 8);
                Assert.Equal([.. Enumerable.Range(0, 20), .. Enumerable.Range(30, 20)], records.Take(40).Select(r => (int)r.Message[1]));
                Assert.All(records.Take(40), r => Assert.Equal((byte)'I', r.Message[0]));
                Assert.Same(First, records[0].Columns);
                Assert.Same(Second, records[39].Columns);
                Assert.Same(First, records[40].Columns);
                Assert.Equal([(byte)'T'], records[40].Message);
            }

            Assert.True(spillPath is null || !File.Exists(spillPath), "spill file kept after dispose");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
    [Theory]
    [InlineData(1 << 20, 4096, true)]
    [InlineData(1 << 20, 4096, false)]
    [InlineData(64 << 20, 64 << 20, true)]
    public void Records_of_all_sizes_come_back_whole_across_the_blocks_a_spill_file_is_read_in(int threshold, int initialCapacity, bool direct)
    {
        // Records straddle the reader's block boundaries, and one is larger than a block: each must
        // come back byte for byte, whether held in memory or spilled.
        var dir = Path.Combine(Path.GetTempPath(), "lrs-buffer-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sizes = new List<int>();
            var random = new Random(42);
            for (var i = 0; i < 3000; i++)
            {
                sizes.Add(i == 1500 ? (3 << 20) + 17 : random.Next(0, 4000));
            }

            using var buffer = new TransactionBuffer(dir, threshold, initialCapacity) { SpillDirect = direct };
            for (var i = 0; i < sizes.Count; i++)
            {
                buffer.Add((uint)i, First, (byte)'I', Body(i, sizes[i]));
            }

            Assert.Equal(threshold < (16 << 20), buffer.IsSpilled);
            var records = ReadAll(buffer);
            Assert.Equal(sizes.Count, records.Count);
            for (var i = 0; i < sizes.Count; i++)
            {
                Assert.Equal((uint)i, records[i].Xid);
                Assert.Equal((byte)'I', records[i].Message[0]);
                Assert.True(Body(i, sizes[i]).AsSpan().SequenceEqual(records[i].Message.AsSpan(1)), $"record {i} differs");
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }

        static byte[] Body(int record, int size)
        {
            var body = new byte[size];
            for (var j = 0; j < size; j++)
            {
                body[j] = (byte)((record * 31) + j);
            }

            return body;
        }
    }
}
