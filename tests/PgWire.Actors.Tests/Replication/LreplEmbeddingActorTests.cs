using System.Globalization;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The pipeline inside an actor system that the test owns, and the stream actor with probes around it.</summary>
public sealed class LreplEmbeddingActorTests : SqliteStateTestKit
{
    public LreplEmbeddingActorTests()
        : base("lrepl-embed-test")
    {
    }

    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    private static async Task WaitForLinesAsync(string path, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var lines = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path))
            {
                using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(f);
                lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                if (lines >= count)
                {
                    return;
                }
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{path} has {lines} lines, expected {count}");
    }

    [ClusterFact]
    public async Task Pipeline_runs_in_the_callers_system_and_a_clean_stop_confirms_the_durable_position()
    {
        var table = Unique("emb");
        var publication = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); INSERT INTO {table} SELECT g, 'r' || g FROM generate_series(1, 3) g;");
        try
        {
            var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = new LreplOptions(StreamTestSupport.Connection(), table, publication, Dir)
            {
                CreatePublication = true,
                Environment = new EmptyEnvironment(),
                OnStreaming = () => streaming.TrySetResult(),
            };
            var handle = Sys.StartLogicalReplication(options);
            await Task.WhenAny(streaming.Task, handle.Completion).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(streaming.Task.IsCompleted, "streaming did not start");

            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (4, 'r4'); INSERT INTO {table} VALUES (5, 'r5');");
            await WaitForLinesAsync(options.DataPath, 5);
            var insertLsn = Lsn.Parse(StreamTestSupport.Scalar("SELECT pg_current_wal_insert_lsn()"));

            await handle.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(handle.Completion.IsCompletedSuccessfully);
            Assert.Equal(2, handle.Progress.Changes);
            Assert.Equal(3, handle.Progress.SnapshotRows);

            string persistenceId;
            using (var dir = LreplConfigDir.Open(Dir))
            {
                persistenceId = dir.PersistenceId("lrepl-" + table);
            }

            var ack = Sys.ActorOf(LsnAckActor.Props(persistenceId));
            var state = await ack.Ask<LreplState>(GetLreplState.Instance, TimeSpan.FromSeconds(10));
            Assert.True(state.SnapshotDone);
            Assert.Equal(handle.Progress.DurableLsn, new Lsn(state.CommitLsn));

            var confirmed = Lsn.Parse(StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'"));
            Assert.True(confirmed >= new Lsn(state.EndLsn), $"confirmed_flush_lsn {confirmed} is behind the durable end {new Lsn(state.EndLsn)}");
            Assert.True(new Lsn(state.CommitLsn) < insertLsn);
            Assert.Equal("f", StreamTestSupport.Scalar($"SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'"));
            await ack.GracefulStop(TimeSpan.FromSeconds(10));

            var restarted = Sys.StartLogicalReplication(options with { OnStreaming = null });
            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (6, 'r6');");
            await WaitForLinesAsync(options.DataPath, 6);
            await restarted.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(6, File.ReadAllLines(options.DataPath).Length);
        }
        finally
        {
            StreamTestSupport.Cleanup(table, publication, slot);
        }
    }

    [Fact]
    public void Starting_without_a_journal_is_refused()
    {
        using var bare = ActorSystem.Create("bare");
        var options = new LreplOptions(StreamTestSupport.Connection(), "t", "p", Dir);
        Assert.Throws<LreplException>(() => bare.StartLogicalReplication(options));
    }

    [ClusterFact]
    public void Stream_actor_hands_committed_transactions_to_the_sink_and_stops_cleanly()
    {
        var table = Unique("sa");
        var publication = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); CREATE PUBLICATION {publication} FOR TABLE {table}; SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput');");
        try
        {
            var connection = new Dictionary<string, string?>(StreamTestSupport.Connection(), StringComparer.Ordinal) { ["replication"] = "database" };
            var settings = ConnectionSettings.Resolve(null, connection, new EmptyEnvironment());
            var sink = CreateTestProbe();
            var ack = CreateTestProbe();
            var progress = new LreplProgress();
            var stream = Sys.ActorOf(ReplicationStreamActor.Props(settings, new StreamTarget("public", table, slot, publication), sink, ack, progress));

            sink.ExpectMsg<GetSinkPosition>();
            sink.Reply(new SinkPosition(Lsn.Invalid, 0));
            ack.ExpectMsg<GetLreplState>();
            ack.Reply(new LreplState());
            AwaitCondition(() => progress.Streaming, TimeSpan.FromSeconds(30));

            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (1, 'one'), (2, 'two');");
            var batch = sink.ExpectMsg<TransactionBatch>(TimeSpan.FromSeconds(30));
            // Answers go to the stream through the table's relay, its child.
            Assert.Equal(stream.Path, batch.ReplyTo.Path.Parent);
            var transaction = Assert.Single(batch.Transactions);
            Assert.True(transaction.EndLsn > transaction.CommitLsn);
            var rows = new List<string>();
            var reader = transaction.ReadChanges();
            while (reader.TryRead(out var change))
            {
                Assert.Equal(ChangeKind.Insert, change.Kind);
                Assert.Equal((table, "name"), (change.Relation.Name, change.Relation.Columns[1].Name));
                var columns = new PgWire.Protocol.Replication.PgOutput.TupleColumn[2];
                change.NewTuple.CopyColumnsTo(columns);
                rows.Add(System.Text.Encoding.UTF8.GetString(change.NewTuple.GetValue(columns[1])));
            }

            transaction.Buffer.Dispose();
            Assert.Equal(["one", "two"], rows);

            var state = new LreplState { SnapshotDone = true, CommitLsn = transaction.CommitLsn.Value, EndLsn = transaction.EndLsn.Value, FileOffset = 100 };
            batch.ReplyTo.Tell(new Persisted(state, 2), sink);
            AwaitCondition(() => progress.DurableLsn == transaction.CommitLsn, TimeSpan.FromSeconds(10));

            Watch(stream);
            stream.Tell(StopReplicationStream.Instance);
            ExpectTerminated(stream, TimeSpan.FromSeconds(10));
            AwaitAssert(
                () =>
                {
                    var confirmed = Lsn.Parse(StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'"));
                    Assert.True(confirmed >= transaction.EndLsn, $"confirmed_flush_lsn {confirmed} < {transaction.EndLsn}");
                },
                TimeSpan.FromSeconds(10),
                TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            StreamTestSupport.Cleanup(table, publication, slot);
        }
    }
}
