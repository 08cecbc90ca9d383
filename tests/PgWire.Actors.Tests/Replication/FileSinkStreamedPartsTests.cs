using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The file sink taking a streamed transaction's changes before its commit (<see cref="StreamedPart"/>).</summary>
public sealed class FileSinkStreamedPartsTests : TestKit, IDisposable
{
    private static readonly TableRelation Table = new(16400, "public", "t", PgWire.Protocol.Replication.PgOutput.ReplicaIdentity.Default, [new ColumnInfo("v", 25, true)]);
    private static readonly DateTimeOffset CommitTime = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly string _dir = StreamTestSupport.NewDir();

    private string DataPath => Path.Combine(_dir, "t.data");

    private string PendingDir => Path.Combine(_dir, "spill");

    /// <summary>Inserts of one value each, by (sub)transaction <c>xid</c>.</summary>
    private static TransactionBuffer Changes(params (uint Xid, string Value)[] changes)
    {
        var buffer = new TransactionBuffer(null, 1 << 20);
        foreach (var (xid, value) in changes)
        {
            buffer.Add(xid, Table, (byte)'I', PgOutputBytes.Insert(null, Table.RelationId, value).AsSpan(1));
        }

        return buffer;
    }

    private static CommittedTransaction Part(uint xid, params (uint Xid, string Value)[] changes) =>
        new(Changes(changes), Lsn.Invalid, Lsn.Invalid, xid, default) { Part = StreamedPart.Changes };

    private static CommittedTransaction Part(uint xid, params string[] values) => Part(xid, [.. values.Select(v => (xid, v))]);

    private static CommittedTransaction Abort(uint xid, uint subXid) =>
        new(new TransactionBuffer(null, 0), Lsn.Invalid, Lsn.Invalid, xid, default) { Part = StreamedPart.Abort, SubXid = subXid };

    private static CommittedTransaction Commit(uint xid, ulong commit, params string[] values) =>
        new(Changes([.. values.Select(v => (xid, v))]), new Lsn(commit), new Lsn(commit + 8), xid, CommitTime) { Part = StreamedPart.Commit };

    private static CommittedTransaction Whole(uint xid, ulong commit, params string[] values) =>
        new(Changes([.. values.Select(v => (xid, v))]), new Lsn(commit), new Lsn(commit + 8), xid, CommitTime);

    private static TransactionBatch Batch(IActorRef replyTo, params CommittedTransaction[] transactions) => new(transactions, replyTo);

    private IActorRef NewSink(IActorRef ack, int pendingThreshold = 1 << 20) =>
        Sys.ActorOf(FileSinkActor.Props(DataPath, Lsn.Invalid, 0, ack, null, PendingDir, pendingThreshold));

    private string[] Lines() => File.Exists(DataPath) ? File.ReadAllText(DataPath).Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>(lsn, xid, v) of every line, in order.</summary>
    private List<(string Lsn, uint Xid, string V)> Rows() =>
        [.. Lines().Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Select(e => (e.GetProperty("lsn").GetString()!, e.GetProperty("xid").GetUInt32(), e.GetProperty("after").GetProperty("v").GetString()!))];

    [Fact]
    public void Parts_written_at_the_commit_make_the_same_lines_as_the_whole_transaction()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack, pendingThreshold: 256);

        // A part before the commit: nothing in the file, nothing durable.
        var values = Enumerable.Range(0, 50).Select(i => "v" + i).ToArray();
        sink.Tell(Batch(stream, Part(900, values[..20])));
        Assert.Equal(Lsn.Invalid, stream.ExpectMsg<BatchSkipped>().CommitLsn);
        ack.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Empty(Lines());
        Assert.NotEmpty(Directory.GetFiles(PendingDir, "*.spill"));

        sink.Tell(Batch(stream, Part(900, values[20..40])));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(stream, Commit(900, 0x5000, values[40..])));
        var durable = ack.ExpectMsg<Durable>();
        Assert.Equal((0x5000UL, 0x5008UL, 50), (durable.CommitLsn, durable.EndLsn, durable.Changes));
        Assert.Equal(new FileInfo(DataPath).Length, durable.FileOffset);
        var streamed = File.ReadAllText(DataPath);
        Assert.Empty(Directory.GetFiles(PendingDir, "*.spill"));

        // The same transaction whole, into another file: byte for byte the same lines.
        var otherPath = Path.Combine(_dir, "whole.data");
        var other = Sys.ActorOf(FileSinkActor.Props(otherPath, Lsn.Invalid, 0, ack));
        other.Tell(Batch(stream, Whole(900, 0x5000, values)));
        ack.ExpectMsg<Durable>();
        Assert.Equal(File.ReadAllText(otherPath), streamed);
        Assert.StartsWith("{\"op\":\"c\",\"lsn\":\"0/5000\",\"xid\":900,\"commit_ts\":\"2026-01-02T03:04:05.000000Z\",\"key\":{\"v\":\"v0\"}", streamed, StringComparison.Ordinal);
    }

    [Fact]
    public void An_aborted_streamed_transaction_leaves_nothing_and_the_next_commits_follow()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack, pendingThreshold: 64);

        sink.Tell(Batch(stream, Whole(1, 0x100, "before")));
        var first = ack.ExpectMsg<Durable>();
        sink.Tell(Batch(stream, Part(900, "x1", "x2", "x3")));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(stream, Part(900, "x4"), Abort(900, 900)));
        stream.ExpectMsg<BatchSkipped>();
        Assert.Empty(Directory.GetFiles(PendingDir, "*.spill"));
        Assert.Equal(first.FileOffset, new FileInfo(DataPath).Length);

        sink.Tell(Batch(stream, Whole(2, 0x300, "after")));
        ack.ExpectMsg<Durable>();
        Assert.Equal([("0/100", 1u, "before"), ("0/300", 2u, "after")], Rows());
    }

    [Fact]
    public void A_subtransaction_abort_drops_only_its_changes_handed_on_before()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack, pendingThreshold: 100);

        // Top-level 900 with subtransactions 901 (aborted) and 902 (kept), their changes interleaved over parts.
        sink.Tell(Batch(stream, Part(900, (900, "a"), (901, "s1"), (900, "b")), Part(900, (901, "s2"), (902, "k1"))));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(stream, Abort(900, 901), Part(900, (900, "c"))));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(stream, Commit(900, 0x900, "d")));
        Assert.Equal(5, ack.ExpectMsg<Durable>().Changes);
        Assert.Equal(["a", "b", "k1", "c", "d"], Rows().Select(r => r.V));
    }

    [Fact]
    public void Interleaved_streamed_transactions_and_ordinary_commits_are_written_in_commit_order()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack, pendingThreshold: 64);

        sink.Tell(Batch(stream, Part(900, "A1", "A2"), Part(910, "B1")));
        stream.ExpectMsg<BatchSkipped>();
        sink.Tell(Batch(stream, Whole(5, 0x200, "plain"), Part(900, "A3")));
        ack.ExpectMsg<Durable>();
        sink.Tell(Batch(stream, Part(910, "B2"), Commit(910, 0x300), Commit(900, 0x400, "A4")));
        var durable = ack.ExpectMsg<Durable>();
        Assert.Equal((0x400UL, 6), (durable.CommitLsn, durable.Changes));
        Assert.Equal(
            [("0/200", 5u, "plain"), ("0/300", 910u, "B1"), ("0/300", 910u, "B2"), ("0/400", 900u, "A1"), ("0/400", 900u, "A2"), ("0/400", 900u, "A3"), ("0/400", 900u, "A4")],
            Rows());
    }

    [Fact]
    public void A_commit_whose_parts_are_not_held_fails_the_batch_so_that_the_stream_starts_again()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack);
        sink.Tell(Batch(stream, Part(900, "a")));
        stream.ExpectMsg<BatchSkipped>();

        // The stream started again: the parts held are dropped (the server sends the transaction again).
        sink.Tell(GetSinkPosition.Instance);
        ExpectMsg<SinkPosition>();
        sink.Tell(Batch(stream, Commit(900, 0x500, "b")));
        var failed = stream.ExpectMsg<SinkWriteFailed>();
        Assert.False(failed.Permanent);
        Assert.Contains("streamed transaction 900", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(Lines());

        // Sent again from its beginning after the restart, it is written once.
        sink.Tell(GetSinkPosition.Instance);
        ExpectMsg<SinkPosition>();
        sink.Tell(Batch(stream, Part(900, "a"), Commit(900, 0x500, "b")));
        ack.ExpectMsg<Durable>();
        Assert.Equal(["a", "b"], Rows().Select(r => r.V));
    }

    [Fact]
    public void A_streamed_transaction_already_durable_is_dropped_with_its_parts()
    {
        var ack = CreateTestProbe();
        var stream = CreateTestProbe();
        var sink = NewSink(ack, pendingThreshold: 64);
        sink.Tell(Batch(stream, Part(900, "a", "b"), Commit(900, 0x500, "c")));
        ack.ExpectMsg<Durable>();
        sink.Tell(Batch(stream, Part(900, "a", "b"), Commit(900, 0x500, "c")));
        stream.ExpectMsg<BatchSkipped>();
        Assert.Empty(Directory.GetFiles(PendingDir, "*.spill"));
        Assert.Equal(["a", "b", "c"], Rows().Select(r => r.V));
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
