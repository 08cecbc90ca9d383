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

    private static readonly TableRelation Table = new(16400, "public", "t", PgWire.Protocol.Replication.PgOutput.ReplicaIdentity.Default, [new ColumnInfo("v", 25, true)]);

    /// <summary>A committed transaction inserting one row per value into a table with one text column, v.</summary>
    internal static CommittedTransaction Transaction(ulong commit, params string[] values)
    {
        var buffer = new TransactionBuffer(null, 1 << 20);
        foreach (var value in values)
        {
            buffer.Add(0, Table, (byte)'I', PgOutputBytes.Insert(null, Table.RelationId, value).AsSpan(1));
        }

        return new CommittedTransaction(buffer, new Lsn(commit), new Lsn(commit + 8), 700, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    }

    private static TransactionBatch Batch(IActorRef replyTo, params CommittedTransaction[] transactions) => new(transactions, replyTo);

    private static TransactionBatch Batch(ulong commit, IActorRef replyTo, params string[] values) => Batch(replyTo, Transaction(commit, values));

    /// <summary>The v of every line of the file, in order.</summary>
    private List<string> Values(string? path = null) =>
        [.. ReadText(path ?? DataPath).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("after").GetProperty("v").GetString()!)];

    private static string ReadText(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(f);
        return reader.ReadToEnd();
    }

    private long Length => new FileInfo(DataPath).Length;

    [Fact]
    public void Batch_is_encoded_appended_and_fsynced_then_reported_durable_on_behalf_of_the_stream()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));

        sink.Tell(Batch(stream, Transaction(100, "a", "b")));
        var durable = ack.ExpectMsg<Durable>();
        Assert.Equal(new Durable(100, 108, Length, 2), durable);
        Assert.Equal(stream.Ref, ack.LastSender);
        Assert.Equal(["a", "b"], Values());
        var line = ReadText(DataPath).Split('\n')[0];
        Assert.Equal("{\"op\":\"c\",\"lsn\":\"0/64\",\"xid\":700,\"commit_ts\":\"2026-01-02T03:04:05.000000Z\",\"key\":{\"v\":\"a\"},\"before\":null,\"after\":{\"v\":\"a\"}}", line);

        // Several transactions in one batch: one fsync, one position (the last commit's), every change counted.
        sink.Tell(Batch(stream, Transaction(200, "c"), Transaction(300, "d", "e")));
        durable = ack.ExpectMsg<Durable>();
        Assert.Equal(new Durable(300, 308, Length, 3), durable);
        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(300), Length), ExpectMsg<SinkPosition>());
        Assert.Equal(["a", "b", "c", "d", "e"], Values());
    }

    [Fact]
    public void Commit_already_in_the_file_is_skipped()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));
        sink.Tell(Batch(100, stream, "old"));
        var first = ack.ExpectMsg<Durable>().FileOffset;

        sink.Tell(Batch(100, stream, "again"));
        Assert.Equal(new Lsn(100), stream.ExpectMsg<BatchSkipped>().CommitLsn);
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["old"], Values());

        // In a batch, the transactions already written are left out and the rest written.
        sink.Tell(Batch(stream, Transaction(50, "older"), Transaction(100, "again"), Transaction(101, "new")));
        var durable = ack.ExpectMsg<Durable>();
        Assert.Equal((101UL, 1), (durable.CommitLsn, durable.Changes));
        Assert.True(durable.FileOffset > first);
        Assert.Equal(["old", "new"], Values());
    }

    [Fact]
    public void A_transaction_larger_than_a_chunk_is_written_whole_and_counted_once()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));
        var values = Enumerable.Range(0, 3000).Select(i => i + new string('x', 1000)).ToArray();

        sink.Tell(Batch(stream, Transaction(100, values)));
        var durable = ack.ExpectMsg<Durable>(TimeSpan.FromSeconds(10));
        Assert.Equal(3000, durable.Changes);
        Assert.Equal(Length, durable.FileOffset);
        Assert.True(Length > 3 << 20);
        Assert.Equal(values, Values());
    }

    [Fact]
    public void Start_truncates_the_unacknowledged_tail_to_the_durable_offset()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var first = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));
        first.Tell(Batch(100, stream, "durable"));
        var offset = ack.ExpectMsg<Durable>().FileOffset;
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        File.AppendAllText(DataPath, "lost tail");

        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, new Lsn(100), offset, ack));
        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(100), offset), ExpectMsg<SinkPosition>());
        Assert.Equal(offset, Length);

        sink.Tell(Batch(150, stream, "next"));
        var next = ack.ExpectMsg<Durable>().FileOffset;
        Assert.Equal(Length, next);
        Assert.Equal(["durable", "next"], Values());
    }

    [Fact]
    public void A_restarted_sink_keeps_what_it_made_durable_and_goes_on_from_there()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));
        sink.Tell(Batch(100, stream, "a"));
        ack.ExpectMsg<Durable>();
        sink.Tell(Batch(200, stream, "b"));
        var durable = ack.ExpectMsg<Durable>();

        // A malformed message fails the actor outside its write path: the guardian restarts it.
        EventFilter.Exception<NullReferenceException>().ExpectOne(() => sink.Tell(new TransactionBatch(null!, stream)));
        stream.ExpectMsg<SinkWriteFailed>();

        sink.Tell(GetSinkPosition.Instance);
        Assert.Equal(new SinkPosition(new Lsn(200), durable.FileOffset), ExpectMsg<SinkPosition>());
        Assert.Equal(["a", "b"], Values());
        sink.Tell(Batch(200, stream, "b again"));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(300, stream, "c"));
        Assert.Equal(300UL, ack.ExpectMsg<Durable>().CommitLsn);
        Assert.Equal(["a", "b", "c"], Values());
    }

    [Fact]
    public void A_malformed_change_stops_the_run_with_what_was_wrong_and_writes_nothing_of_its_batch()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack));
        sink.Tell(Batch(100, stream, "a"));
        var durable = ack.ExpectMsg<Durable>().FileOffset;

        var broken = Transaction(200, "b");
        var insert = PgOutputBytes.Insert(null, Table.RelationId, "c");
        broken.Buffer.Add(0, Table, (byte)'I', insert.AsSpan(1, insert.Length - 3));
        sink.Tell(Batch(stream, broken));
        var failed = stream.ExpectMsg<SinkWriteFailed>();
        Assert.True(failed.Permanent);
        Assert.Contains("a change of public.t in the replication stream is malformed", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(durable, Length);
        Assert.Equal(["a"], Values());
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
            sink.Tell(Batch(100, stream, "a"));
            var first = ack.ExpectMsg<Durable>().FileOffset;
            Assert.Equal(first, new FileInfo(path).Length);

            // Too large for the file system (written in pieces, the first ones fit): nothing of it
            // stays, the stream hears why.
            sink.Tell(Batch(200, stream, [.. Enumerable.Range(0, 2000).Select(i => new string('x', 1000))]));
            Assert.Contains("No space left on device", stream.ExpectMsg<SinkWriteFailed>(TimeSpan.FromSeconds(10)).Reason, StringComparison.Ordinal);
            Assert.Equal(first, new FileInfo(path).Length);

            // A small later transaction would fit, but writing it after a lost one would record it
            // durable with the lost one missing: refused.
            sink.Tell(Batch(300, stream, "c"));
            Assert.Contains("earlier write failed", stream.ExpectMsg<SinkWriteFailed>().Reason, StringComparison.Ordinal);
            ack.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            Assert.Equal(first, new FileInfo(path).Length);

            // A restarted stream asks for the position and sends from there again.
            sink.Tell(GetSinkPosition.Instance);
            Assert.Equal(new SinkPosition(new Lsn(100), first), ExpectMsg<SinkPosition>());
            sink.Tell(Batch(200, stream, "b"));
            var offset = ack.ExpectMsg<Durable>().FileOffset;
            Assert.Equal(new FileInfo(path).Length, offset);
            Sys.Stop(sink);
            ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            Assert.Equal(["a", "b"], Values(path));
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
