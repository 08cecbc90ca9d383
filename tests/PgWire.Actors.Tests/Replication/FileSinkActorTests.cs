using System.Buffers;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class FileSinkActorTests : TestKit, IDisposable
{
    private readonly string _dir = StreamTestSupport.NewDir();

    private string DataPath => Path.Combine(_dir, "t.data");

    private static byte[] Rent(string text, out int length)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var data = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(data, 0);
        length = bytes.Length;
        return data;
    }

    private static WriteBatch Batch(string text, ulong commit, ulong end, int changes, IActorRef replyTo)
    {
        var data = Rent(text, out var length);
        return new WriteBatch(data, length, new Lsn(commit), new Lsn(end), changes, replyTo);
    }

    private string Content()
    {
        using var f = new FileStream(DataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(f);
        return reader.ReadToEnd();
    }

    [Fact]
    public void Batch_is_appended_and_fsynced_then_reported_durable_on_behalf_of_the_stream()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));

        sink.Tell(Batch("a\nb\n", 100, 108, 2, stream));
        var durable = ack.ExpectMsg<Durable>();
        Assert.Equal(new Durable(100, 108, 4, 2), durable);
        Assert.Equal(stream.Ref, ack.LastSender);
        Assert.Equal("a\nb\n", Content());

        sink.Tell(Batch("c\n", 200, 208, 1, stream));
        Assert.Equal(new Durable(200, 208, 6, 1), ack.ExpectMsg<Durable>());
        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(200), 6), ExpectMsg<SinkPosition>());
        Assert.Equal("a\nb\nc\n", Content());
    }

    [Fact]
    public void Commit_already_in_the_file_is_skipped()
    {
        File.WriteAllText(DataPath, "old\n");
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, new Lsn(100), 4, ack));

        sink.Tell(Batch("again\n", 100, 108, 1, stream));
        Assert.Equal(new Lsn(100), stream.ExpectMsg<BatchSkipped>().CommitLsn);
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal("old\n", Content());

        sink.Tell(Batch("new\n", 101, 109, 1, stream));
        Assert.Equal(8, ack.ExpectMsg<Durable>().FileOffset);
        Assert.Equal("old\nnew\n", Content());
    }

    [Fact]
    public void Parts_are_covered_by_the_final_batch_or_cut_back_by_discard()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));

        sink.Tell(Batch("t1\n", 100, 108, 1, stream));
        ack.ExpectMsg<Durable>();

        var part = Rent("p1\n", out var length);
        sink.Tell(new AppendPart(part, length, new Lsn(200), stream));
        stream.ExpectMsg<PartAppended>();
        Assert.Equal("t1\np1\n", Content());

        sink.Tell(DiscardParts.Instance);
        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(100), 3), ExpectMsg<SinkPosition>());
        Assert.Equal("t1\n", Content());

        part = Rent("p1\n", out length);
        sink.Tell(new AppendPart(part, length, new Lsn(200), stream));
        stream.ExpectMsg<PartAppended>();
        sink.Tell(Batch("p2\n", 200, 208, 2, stream));
        Assert.Equal(new Durable(200, 208, 9, 2), ack.ExpectMsg<Durable>());
        sink.Tell(DiscardParts.Instance);
        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(9, ExpectMsg<SinkPosition>().FileOffset);
        Assert.Equal("t1\np1\np2\n", Content());
    }

    [Fact]
    public void Start_truncates_the_unacknowledged_tail_to_the_durable_offset()
    {
        File.WriteAllText(DataPath, "durable\nlost tail");
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, new Lsn(100), 8, ack));

        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(100), 8), ExpectMsg<SinkPosition>());
        Assert.Equal("durable\n", Content());

        sink.Tell(Batch("next\n", 150, 160, 1, stream));
        Assert.Equal(13, ack.ExpectMsg<Durable>().FileOffset);
        Assert.Equal("durable\nnext\n", Content());
    }

    [PgWire.Tests.Shared.TmpfsFact]
    public void Failed_write_cuts_the_file_back_and_refuses_later_batches_until_the_position_is_asked_again()
    {
        // A real full file system: a 1 MB tmpfs (mounting needs root; scripts/test.sh says whether it works here).
        var small = StreamTestSupport.NewDir();
        var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
        mount.WaitForExit();
        if (mount.ExitCode != 0)
        {
            Directory.Delete(small, true);
            Assert.Fail("could not mount a tmpfs although the probe could");
        }

        try
        {
            var path = Path.Combine(small, "t.data");
            var ack = CreateTestProbe();
            var stream = CreateTestProbe();
            var sink = Sys.ActorOf(FileSinkActor.Props(path, Lsn.Invalid, 0, ack));
            sink.Tell(Batch("a\n", 100, 108, 1, stream));
            Assert.Equal(2, ack.ExpectMsg<Durable>().FileOffset);

            // Too large for the file system: nothing of it stays, the stream hears why.
            sink.Tell(Batch(new string('x', 2 << 20) + "\n", 200, 208, 1, stream));
            Assert.Contains("No space left on device", stream.ExpectMsg<SinkWriteFailed>().Reason, StringComparison.Ordinal);
            Assert.Equal(2, new FileInfo(path).Length);

            // A small later transaction would fit, but writing it after a lost one would record it
            // durable with the lost one missing: refused.
            sink.Tell(Batch("c\n", 300, 308, 1, stream));
            Assert.Contains("earlier write failed", stream.ExpectMsg<SinkWriteFailed>().Reason, StringComparison.Ordinal);
            ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            Assert.Equal(2, new FileInfo(path).Length);

            // A restarted stream asks for the position and sends from there again.
            sink.Tell(GetSinkPosition.Instance);
            Assert.Equal(new SinkPosition(new Lsn(100), 2), ExpectMsg<SinkPosition>());
            sink.Tell(Batch("b\n", 200, 208, 1, stream));
            Assert.Equal(4, ack.ExpectMsg<Durable>().FileOffset);
            Sys.Stop(sink);
            ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            Assert.Equal("a\nb\n", File.ReadAllText(path));
        }
        finally
        {
            System.Diagnostics.Process.Start("umount", ["-l", small]).WaitForExit();
            Directory.Delete(small, true);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
