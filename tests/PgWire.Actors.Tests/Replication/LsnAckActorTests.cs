using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class LsnAckActorTests : SqliteStateTestKit
{
    public LsnAckActorTests()
        : base("lsn-ack-test")
    {
    }

    private LreplState StateOf(IActorRef actor)
    {
        actor.Tell(GetLreplState.Instance);
        return ExpectMsg<LreplState>(TimeSpan.FromSeconds(10));
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public void Persisted_positions_are_recovered_by_a_new_instance()
    {
        var first = Sys.ActorOf(LsnAckActor.Props("t1", 100));
        first.Tell(new SnapshotCompleted(50, 1000, 10));
        Assert.True(ExpectMsg<Persisted>(TimeSpan.FromSeconds(10)).State.SnapshotDone);
        first.Tell(new Durable(100, 108, 1200, 3));
        var persisted = ExpectMsg<Persisted>(TimeSpan.FromSeconds(10));
        Assert.Equal(3, persisted.Changes);
        Assert.Equal(100UL, persisted.State.CommitLsn);
        Stop(first);

        var second = Sys.ActorOf(LsnAckActor.Props("t1", 100));
        var state = StateOf(second);
        Assert.True(state.SnapshotDone);
        Assert.Equal(100UL, state.CommitLsn);
        Assert.Equal(108UL, state.EndLsn);
        Assert.Equal(1200, state.FileOffset);
        Assert.Equal(10, state.SnapshotRows);

        second.Tell(ResetLreplState.Instance);
        ExpectMsg<Persisted>(TimeSpan.FromSeconds(10));
        Stop(second);
        var third = Sys.ActorOf(LsnAckActor.Props("t1", 100));
        var reset = StateOf(third);
        Assert.False(reset.SnapshotDone);
        Assert.Equal(0, reset.FileOffset);

        var other = Sys.ActorOf(LsnAckActor.Props("t2", 100));
        Assert.False(StateOf(other).SnapshotDone);
    }

    [Fact]
    public void A_transaction_committed_exactly_at_the_snapshots_consistent_point_is_not_skipped_as_durable()
    {
        // The server streams commits whose record starts at or after the consistent point; one right
        // after the record that made the slot consistent starts exactly there and is not in the snapshot.
        var ack = Sys.ActorOf(LsnAckActor.Props("at-cp", 100));
        ack.Tell(new SnapshotCompleted(0x6000, 1000, 10));
        var state = ExpectMsg<Persisted>(TimeSpan.FromSeconds(10)).State;
        Assert.Equal(0x6000UL, state.EndLsn);
        Assert.True(state.CommitLsn < 0x6000, $"the snapshot counts {new Lsn(state.CommitLsn)} as durable");

        // A run resuming from that state drops what it counts as durable, and nothing else.
        var decoder = Sys.ActorOf(PgOutputDecoderActor.Props(new StreamTarget("public", "items", "slot", "pub"), 2, new Lsn(state.CommitLsn), false));
        decoder.Tell(PgOutputBytes.Batch(PgOutputBytes.XLog(
            0x6000,
            PgOutputBytes.Relation(null, 16400, "public", "items", ("id", 20, true), ("v", 25, false)),
            PgOutputBytes.Begin(0x6000, DateTimeOffset.UnixEpoch, 700),
            PgOutputBytes.Insert(null, 16400, "1", "a"),
            PgOutputBytes.Commit(0x6000, 0x6030, DateTimeOffset.UnixEpoch))));
        var committed = Assert.Single(ExpectMsg<FrameBatchDecoded>(TimeSpan.FromSeconds(10)).Committed);
        Assert.Equal(new Lsn(0x6000), committed.CommitLsn);
        committed.Buffer.Dispose();
    }

    [Fact]
    public void A_snapshot_is_saved_every_n_positions_and_recovery_uses_it()
    {
        var first = Sys.ActorOf(LsnAckActor.Props("snap", 2));
        for (ulong i = 1; i <= 3; i++)
        {
            first.Tell(new Durable(i * 100, (i * 100) + 8, (long)i * 10, 1));
            ExpectMsg<Persisted>(TimeSpan.FromSeconds(10));
        }

        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        AwaitAssert(
            () =>
            {
                store.Tell(new LoadSnapshot("snap", SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
                var loaded = ExpectMsg<LoadSnapshotResult>(TimeSpan.FromSeconds(10));
                Assert.NotNull(loaded.Snapshot);
                Assert.Equal(2, loaded.Snapshot.Metadata.SequenceNr);
                Assert.Equal(200UL, ((LreplState)loaded.Snapshot.Snapshot).CommitLsn);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(100));
        Stop(first);

        var second = Sys.ActorOf(LsnAckActor.Props("snap", 2));
        var state = StateOf(second);
        Assert.Equal(300UL, state.CommitLsn);
        Assert.Equal(30, state.FileOffset);
    }
}
