using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Connection;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Types;
using Xunit;
using static PgWire.Actors.Tests.Replication.PgOutputBytes;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The decoder actor fed hand-built pgoutput, with the test actor as the stream that sends it batches.</summary>
public sealed class PgOutputDecoderActorTests : TestKit, IDisposable
{
    private const uint Items = 16400;
    private const uint Other = 16401;
    private static readonly DateTimeOffset T1 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2026, 3, 4, 5, 6, 8, 250, TimeSpan.Zero);

    private readonly string _dir = StreamTestSupport.NewDir();
    private readonly List<CommittedTransaction> _received = [];

    private static readonly StreamTarget Target = new("public", "items", "slot", "pub");

    private static byte[] ItemsRelation(uint? xid = null) => Relation(xid, Items, "public", "items", ("id", 20, true), ("v", 25, false));

    private static byte[] OtherRelation() => Relation(null, Other, "public", "other", ("id", 20, true));

    private IActorRef Decoder(StreamTarget? target = null, int protocolVersion = 2, ulong skipUpTo = 0, bool binary = false) =>
        Sys.ActorOf(PgOutputDecoderActor.Props(target ?? Target, protocolVersion, new Lsn(skipUpTo), binary));

    /// <summary>Sends one batch and returns the decoder's answer; its transactions are disposed with the test.</summary>
    private FrameBatchDecoded Feed(IActorRef decoder, params byte[][] payloads) => Feed(decoder, Batch(payloads));

    private FrameBatchDecoded Feed(IActorRef decoder, FrameBatch batch)
    {
        decoder.Tell(batch);
        var decoded = ExpectMsg<FrameBatchDecoded>();
        _received.AddRange(decoded.Committed);
        return decoded;
    }

    private static byte[][] Concat(params byte[][][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>
    /// A transaction's events as "type fields": the change type letter and the commit-independent part
    /// of the JSON line the file sink makes of it; a schema change as "R" and the new column names.
    /// </summary>
    private static List<string> Changes(CommittedTransaction transaction)
    {
        var encoder = new JsonLineEncoder();
        var reader = transaction.ReadChanges();
        var result = new List<string>();
        while (reader.TryRead(out var change))
        {
            result.Add(change.Kind switch
            {
                ChangeKind.Relation => "R " + string.Join(",", change.Relation.Columns.Select(c => c.Name)),
                ChangeKind.Truncate => "T " + Encoding.UTF8.GetString(JsonLineEncoder.TruncateFields),
                _ => (char)change.Kind + " " + Encoding.UTF8.GetString(encoder.EncodeChangeFields(change.Relation.Columns, change.Message)),
            });
        }

        return result;
    }

    private static string Insert(long id, string? v) => $"I \"key\":{{\"id\":{id}}},\"before\":null,\"after\":{{\"id\":{id},\"v\":{(v is null ? "null" : "\"" + v + "\"")}}}}}";

    [Fact]
    public void Ordinary_transaction_is_handed_on_at_its_commit_with_its_changes_encoded()
    {
        var decoder = Decoder();
        var first = Batch(XLog(0x1000, ItemsRelation(), Begin(0x2000, T1, 700), PgOutputBytes.Insert(null, Items, "1", "a")));
        var decoded = Feed(decoder, first);
        Assert.Empty(decoded.Committed);
        Assert.True(decoded.Open);
        Assert.Equal(new Lsn(0x1010), decoded.WalEnd);
        Assert.False(decoded.Keepalive);

        var second = Batch(XLog(0x1018, PgOutputBytes.Insert(null, Items, "2", null), Delete(null, Items, "1"), Commit(0x2000, 0x2030, T1)));
        decoded = Feed(decoder, second);
        Assert.False(decoded.Open);
        Assert.Equal(new Lsn(0x1028), decoded.WalEnd);
        var committed = Assert.Single(decoded.Committed);
        Assert.Equal((new Lsn(0x2000), new Lsn(0x2030), 700u, T1), (committed.CommitLsn, committed.EndLsn, committed.Xid, committed.CommitTime));

        // The batches' pooled buffers are reused once acknowledged: nothing may still point into them.
        Array.Clear(first.Buffer);
        Array.Clear(second.Buffer);
        Assert.Equal(
            [Insert(1, "a"), Insert(2, null), "D \"key\":{\"id\":1},\"before\":{\"id\":1},\"after\":null}"],
            Changes(committed));
    }

    [Fact]
    public void Transaction_without_changes_hands_nothing_on()
    {
        var decoder = Decoder();
        var decoded = Feed(decoder, XLog(0x1000, ItemsRelation(), Begin(0x2000, T1, 700), Commit(0x2000, 0x2030, T1)));
        Assert.Empty(decoded.Committed);
        Assert.False(decoded.Open);

        decoded = Feed(decoder, XLog(0x3000, Begin(0x4000, T2, 701), PgOutputBytes.Insert(null, Items, "1", "a")));
        Assert.True(decoded.Open);
        decoded = Feed(decoder, XLog(0x3100, Commit(0x4000, 0x4030, T2)));
        Assert.Single(decoded.Committed);
        Assert.False(decoded.Open);
    }

    [Fact]
    public void Changes_of_another_table_are_ignored()
    {
        var decoder = Decoder();
        var decoded = Feed(decoder, XLog(0x1000, ItemsRelation(), OtherRelation(), Begin(0x2000, T1, 700), PgOutputBytes.Insert(null, Other, "5"), Truncate(null, Other), Commit(0x2000, 0x2030, T1)));
        Assert.Empty(decoded.Committed);
        Assert.False(decoded.Open);

        decoded = Feed(decoder, XLog(0x3000, Begin(0x4000, T2, 701), PgOutputBytes.Insert(null, Other, "6"), PgOutputBytes.Insert(null, Items, "7", "x"), Delete(null, Other, "5"), Commit(0x4000, 0x4030, T2)));
        var committed = Assert.Single(decoded.Committed);
        Assert.Equal(701u, committed.Xid);
        Assert.Equal([Insert(7, "x")], Changes(committed));

        // A relation renamed away from the target stops its changes from counting.
        decoded = Feed(decoder, XLog(0x5000, Relation(null, Items, "public", "items_old", ("id", 20, true)), Begin(0x6000, T2, 702), PgOutputBytes.Insert(null, Items, "8", "y"), Commit(0x6000, 0x6030, T2)));
        Assert.Empty(decoded.Committed);
    }

    [Fact]
    public void Streamed_transaction_drops_an_aborted_subtransaction_and_is_handed_on_at_stream_commit()
    {
        var decoder = Decoder(Target with { SpillDirectory = _dir, SpillThreshold = 64 });
        var decoded = Feed(decoder, XLog(
            0x1000,
            StreamStart(900, first: true),
            ItemsRelation(900),
            PgOutputBytes.Insert(900, Items, "1", "a"),
            PgOutputBytes.Insert(901, Items, "2", "b"),
            StreamStop()));
        Assert.Empty(decoded.Committed);
        Assert.True(decoded.Open);

        // An ordinary transaction committed between the streamed blocks goes on by itself.
        decoded = Feed(decoder, XLog(0x1100, Begin(0x1200, T1, 950), PgOutputBytes.Insert(null, Items, "10", "o"), Commit(0x1200, 0x1230, T1)));
        var ordinary = Assert.Single(decoded.Committed);
        Assert.Equal(950u, ordinary.Xid);
        Assert.Equal([Insert(10, "o")], Changes(ordinary));
        Assert.True(decoded.Open);

        decoded = Feed(decoder, XLog(
            0x1300,
            StreamStart(900, first: false),
            PgOutputBytes.Insert(902, Items, "3", "c"),
            Truncate(900, Items),
            StreamStop(),
            StreamAbort(900, 901)));
        Assert.Empty(decoded.Committed);
        Assert.True(decoded.Open);

        decoded = Feed(decoder, XLog(0x1400, StreamCommit(900, 0x5000, 0x5030, T2)));
        Assert.False(decoded.Open);
        var streamed = Assert.Single(decoded.Committed);
        Assert.Equal((new Lsn(0x5000), new Lsn(0x5030), 900u, T2), (streamed.CommitLsn, streamed.EndLsn, streamed.Xid, streamed.CommitTime));
        Assert.True(streamed.Buffer.IsSpilled);
        Assert.Equal([Insert(1, "a"), Insert(3, "c"), "T \"key\":null,\"before\":null,\"after\":null}"], Changes(streamed));
    }

    [Fact]
    public void Stream_abort_of_the_whole_transaction_drops_it_alone()
    {
        var decoder = Decoder();
        var decoded = Feed(decoder, Concat(
            XLog(0x1000, ItemsRelation(), StreamStart(910, first: true), PgOutputBytes.Insert(910, Items, "1", "a"), StreamStop()),
            XLog(0x1100, StreamStart(911, first: true), PgOutputBytes.Insert(911, Items, "2", "b"), StreamStop())));
        Assert.True(decoded.Open);

        decoded = Feed(decoder, XLog(0x1200, StreamAbort(910, 910)));
        Assert.Empty(decoded.Committed);
        Assert.True(decoded.Open);

        // A later commit of the aborted xid finds nothing to hand on.
        decoded = Feed(decoder, XLog(0x1300, StreamCommit(911, 0x3000, 0x3030, T1), StreamCommit(910, 0x3100, 0x3130, T1)));
        Assert.False(decoded.Open);
        var committed = Assert.Single(decoded.Committed);
        Assert.Equal(911u, committed.Xid);
        Assert.Equal([Insert(2, "b")], Changes(committed));

        decoded = Feed(decoder, XLog(0x1400, StreamStart(912, first: true), PgOutputBytes.Insert(912, Items, "3", "c"), StreamStop(), StreamAbort(912, 912)));
        Assert.Empty(decoded.Committed);
        Assert.False(decoded.Open);
    }

    [Fact]
    public void With_streamed_parts_a_streamed_transaction_goes_on_block_by_block_then_its_aborts_and_commit()
    {
        var decoder = Decoder(Target with { StreamedParts = true });
        var decoded = Feed(decoder, XLog(
            0x1000,
            StreamStart(900, first: true),
            ItemsRelation(900),
            PgOutputBytes.Insert(900, Items, "1", "a"),
            PgOutputBytes.Insert(901, Items, "2", "b"),
            StreamStop()));
        Assert.True(decoded.Open);
        var part = Assert.Single(decoded.Committed);
        Assert.Equal((StreamedPart.Changes, 900u, Lsn.Invalid), (part.Part, part.Xid, part.CommitLsn));
        Assert.Equal([Insert(1, "a"), Insert(2, "b")], Changes(part));

        // An ordinary commit between the blocks, then the second block, a subtransaction's abort and the commit.
        decoded = Feed(decoder, XLog(
            0x1100,
            Begin(0x1200, T1, 950),
            PgOutputBytes.Insert(null, Items, "10", "o"),
            Commit(0x1200, 0x1230, T1),
            StreamStart(900, first: false),
            PgOutputBytes.Insert(902, Items, "3", "c"),
            StreamStop(),
            StreamAbort(900, 901)));
        Assert.True(decoded.Open);
        Assert.Equal(
            [(StreamedPart.None, 950u, 0u), (StreamedPart.Changes, 900u, 0u), (StreamedPart.Abort, 900u, 901u)],
            decoded.Committed.Select(c => (c.Part, c.Xid, c.SubXid)));
        Assert.Equal([Insert(3, "c")], Changes(decoded.Committed[1]));

        decoded = Feed(decoder, XLog(0x1400, StreamCommit(900, 0x5000, 0x5030, T2)));
        Assert.False(decoded.Open);
        var commit = Assert.Single(decoded.Committed);
        Assert.Equal((StreamedPart.Commit, new Lsn(0x5000), new Lsn(0x5030), 900u, T2), (commit.Part, commit.CommitLsn, commit.EndLsn, commit.Xid, commit.CommitTime));
        Assert.Empty(Changes(commit));
    }

    [Fact]
    public void With_streamed_parts_a_large_block_goes_on_in_parts_and_an_abort_or_a_durable_commit_voids_them()
    {
        var decoder = Decoder(Target with { StreamedParts = true, BatchBytes = 200 });
        var inserts = Enumerable.Range(1, 20).Select(i => PgOutputBytes.Insert(910, Items, i.ToString(System.Globalization.CultureInfo.InvariantCulture), "value " + i)).ToArray();
        var decoded = Feed(decoder, XLog(0x1000, [ItemsRelation(), StreamStart(910, first: true), .. inserts]));
        Assert.True(decoded.Committed.Count > 1);
        Assert.All(decoded.Committed, c => Assert.Equal(StreamedPart.Changes, c.Part));
        var handedOn = decoded.Committed.Sum(c => Changes(c).Count);

        decoded = Feed(decoder, XLog(0x1100, StreamStop(), StreamAbort(910, 910)));
        Assert.False(decoded.Open);
        Assert.Equal([StreamedPart.Changes, StreamedPart.Abort], decoded.Committed.Select(c => c.Part));
        Assert.Equal(20, handedOn + Changes(decoded.Committed[0]).Count);
        Assert.Equal(910u, decoded.Committed[1].SubXid);

        // Committed at or before the durable position: the sink hears an abort instead of the commit.
        var skipping = Decoder(Target with { StreamedParts = true }, skipUpTo: 0x6000);
        decoded = Feed(skipping, XLog(0x1000, ItemsRelation(), StreamStart(920, first: true), PgOutputBytes.Insert(920, Items, "1", "a"), StreamStop(), StreamCommit(920, 0x5800, 0x5830, T1)));
        Assert.Equal([(StreamedPart.Changes, 0u), (StreamedPart.Abort, 920u)], decoded.Committed.Select(c => (c.Part, c.SubXid)));
    }

    [Fact]
    public void Commits_already_durable_are_skipped()
    {
        var decoder = Decoder(skipUpTo: 0x6000);
        var decoded = Feed(decoder, XLog(0x1000, ItemsRelation(), Begin(0x6000, T1, 700), PgOutputBytes.Insert(null, Items, "1", "a"), Commit(0x6000, 0x6030, T1)));
        Assert.Empty(decoded.Committed);
        Assert.False(decoded.Open);

        decoded = Feed(decoder, XLog(0x1100, StreamStart(701, first: true), PgOutputBytes.Insert(701, Items, "2", "b"), StreamStop(), StreamCommit(701, 0x5800, 0x5830, T1)));
        Assert.Empty(decoded.Committed);
        Assert.False(decoded.Open);

        decoded = Feed(decoder, XLog(0x1200, Begin(0x6100, T2, 702), PgOutputBytes.Insert(null, Items, "3", "c"), Commit(0x6100, 0x6130, T2)));
        var committed = Assert.Single(decoded.Committed);
        Assert.Equal(new Lsn(0x6100), committed.CommitLsn);
        Assert.Equal([Insert(3, "c")], Changes(committed));

        // What was just handed on counts as done: the same commit sent again is dropped.
        decoded = Feed(decoder, XLog(0x1300, Begin(0x6100, T2, 702), PgOutputBytes.Insert(null, Items, "3", "c"), Commit(0x6100, 0x6130, T2)));
        Assert.Empty(decoded.Committed);
    }

    [Fact]
    public void Keepalives_report_the_wal_position_and_whether_a_reply_is_wanted()
    {
        var decoder = Decoder();
        var decoded = Feed(decoder, Keepalive(0x7000, replyRequested: false));
        Assert.Equal((new Lsn(0x7000), true, false, false), (decoded.WalEnd, decoded.Keepalive, decoded.ReplyRequested, decoded.Open));
        Assert.Empty(decoded.Committed);

        decoded = Feed(decoder, [.. XLog(0x7100, ItemsRelation(), Begin(0x8000, T1, 700)), Keepalive(0x7050, replyRequested: true)]);
        Assert.Equal((new Lsn(0x7108), true, true, true), (decoded.WalEnd, decoded.Keepalive, decoded.ReplyRequested, decoded.Open));
    }

    [Fact]
    public void Binary_relation_with_a_type_without_binary_form_switches_the_stream_to_text_and_fails()
    {
        var binary = new BinaryStreaming(new NoTypes());
        var failures = CreateTestProbe();
        var child = PgOutputDecoderActor.Props(Target with { Binary = binary }, 2, Lsn.Invalid, true);
        var decoder = Sys.ActorOf(Props.Create(() => new FailureReporter(child, failures.Ref)));

        var id = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(id, 7);
        var decoded = Feed(decoder, XLog(0x1000, ItemsRelation(), Begin(0x2000, T1, 700), InsertBinary(Items, id, "x"u8.ToArray()), Commit(0x2000, 0x2030, T1)));
        Assert.Equal([Insert(7, "x")], Changes(Assert.Single(decoded.Committed)));
        Assert.True(binary.Enabled);

        decoder.Tell(Batch(XLog(0x1100, Relation(null, Items, "public", "items", ("id", 20, true), ("odd", 987654, false)), Begin(0x3000, T1, 701))));
        var failure = failures.ExpectMsg<LreplException>();
        Assert.Contains("column \"odd\" of public.items has type 987654", failure.Message, StringComparison.Ordinal);
        Assert.False(binary.Enabled);
        Assert.Contains("987654", binary.TextReason, StringComparison.Ordinal);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Malformed_pgoutput_fails_the_decoder_with_a_replication_error()
    {
        var failures = CreateTestProbe();
        var child = PgOutputDecoderActor.Props(Target, 2, Lsn.Invalid, false);
        var decoder = Sys.ActorOf(Props.Create(() => new FailureReporter(child, failures.Ref)));
        decoder.Tell(Batch(XLog(0x1000, StreamStop())));
        var failure = failures.ExpectMsg<LreplException>();
        Assert.StartsWith("decoding the replication stream failed", failure.Message, StringComparison.Ordinal);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            foreach (var transaction in _received)
            {
                transaction.Buffer.Dispose();
            }

            try
            {
                Directory.Delete(_dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class NoTypes : IPgTypeCatalog
    {
        public bool TryGetType(uint oid, out PgTypeInfo info)
        {
            info = default!;
            return false;
        }
    }

    /// <summary>Parent of the decoder that passes messages on and reports the decoder's failures to a probe.</summary>
    private sealed class FailureReporter : ReceiveActor
    {
        private readonly IActorRef _failures;

        public FailureReporter(Props child, IActorRef failures)
        {
            _failures = failures;
            var decoder = Context.ActorOf(child, "decoder");
            ReceiveAny(m => decoder.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
        {
            _failures.Tell(ex);
            return Directive.Stop;
        });
    }
}
