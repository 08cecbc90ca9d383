using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>A table's pipeline actor: one address for its sink and journal, and what it does when the sink fails.</summary>
public sealed class TablePipelineActorTests : TestKit
{
    /// <summary>Passes every message to a probe, keeping the sender; throws on "boom"; counts its starts.</summary>
    private sealed class Stand(IActorRef probe, int[] starts, bool failToStart) : UntypedActor
    {
        protected override void PreStart()
        {
            Interlocked.Increment(ref starts[0]);
            if (failToStart && starts[0] > 1)
            {
                throw new IOException("cannot open the data file");
            }
        }

        protected override void OnReceive(object message)
        {
            if (message is GetSinkPosition && Sender is { } asker)
            {
                asker.Tell(new SinkPosition(new Lsn(7), starts[0]));
                return;
            }

            if (message is TransactionBatch { Transactions.Count: 0 })
            {
                throw new IOException("boom");
            }

            probe.Forward(message);
        }
    }

    private static Props StandProps(IActorRef probe, int[] starts, bool failToStart = false) =>
        DelegateProps.Create(() => new Stand(probe, starts, failToStart));

    [Fact]
    public void Sink_and_journal_messages_reach_their_child_with_the_original_sender()
    {
        var journal = CreateTestProbe();
        var sink = CreateTestProbe();
        var journalStarts = new int[1];
        var pipeline = Sys.ActorOf(TablePipelineActor.Props(StandProps(journal, journalStarts)));

        // The journal is made on the first message for it, not before.
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, Volatile.Read(ref journalStarts[0]));
        pipeline.Tell(GetLreplState.Instance, TestActor);
        journal.ExpectMsg<GetLreplState>();
        Assert.Equal(TestActor, journal.LastSender);

        // Before its sink is started, a batch is answered with a failure; then it goes to the sink.
        pipeline.Tell(GetSinkPosition.Instance, TestActor);
        ExpectMsg<Status.Failure>();
        pipeline.Tell(new TablePipelineActor.StartSink(StandProps(sink, new int[1])));
        var batch = new TransactionBatch([FileSinkActorTests.Transaction(100, "a")], TestActor);
        pipeline.Tell(batch, TestActor);
        Assert.Same(batch, sink.ExpectMsg<TransactionBatch>());
        batch.Transactions[0].Buffer.Dispose();
        pipeline.Tell(new Durable(100, 108, 10, 1), TestActor);
        Assert.Equal(new Durable(100, 108, 10, 1), journal.ExpectMsg<Durable>());
        Assert.Equal(TestActor, journal.LastSender);
        pipeline.Tell(FlushSink.Instance);
        sink.ExpectMsg<FlushSink>();
    }

    [Fact]
    public void A_sink_that_throws_is_started_again_and_the_pipeline_goes_on()
    {
        var starts = new int[1];
        var pipeline = Sys.ActorOf(TablePipelineActor.Props(StandProps(CreateTestProbe(), new int[1])));
        pipeline.Tell(new TablePipelineActor.StartSink(StandProps(CreateTestProbe(), starts)));
        pipeline.Tell(new TransactionBatch([], TestActor));
        AwaitCondition(() => Volatile.Read(ref starts[0]) == 2, TimeSpan.FromSeconds(5));
        pipeline.Tell(GetSinkPosition.Instance, TestActor);
        Assert.Equal(new SinkPosition(new Lsn(7), 2), ExpectMsg<SinkPosition>());
    }

    [Fact]
    public void A_sink_that_cannot_start_again_stops_the_pipeline()
    {
        var starts = new int[1];
        var pipeline = Sys.ActorOf(TablePipelineActor.Props(StandProps(CreateTestProbe(), new int[1])));
        Watch(pipeline);
        pipeline.Tell(new TablePipelineActor.StartSink(StandProps(CreateTestProbe(), starts, failToStart: true)));
        pipeline.Tell(new TransactionBatch([], TestActor));
        ExpectTerminated(pipeline, TimeSpan.FromSeconds(5));
        Assert.Equal(2, Volatile.Read(ref starts[0]));
    }
}
