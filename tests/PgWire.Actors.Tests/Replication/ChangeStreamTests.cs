using System.Collections.Concurrent;
using Akka.Streams;
using Akka.Streams.Dsl;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The pipeline with the application's own Akka.Streams stream as its sink.</summary>
public sealed class ChangeStreamTests : SqliteStateTestKit
{
    public ChangeStreamTests()
        : base("lrepl-change-stream-test")
    {
    }

    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>What the application stored: one line per change, and the batches it acknowledged.</summary>
    private sealed class Store
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public int Acknowledged;

        /// <summary>Stores and acknowledges every batch, except that it stops acknowledging (storing nothing) after <paramref name="acknowledgeBatches"/> batches.</summary>
        public Task RunAsync(ChangeStreamHandle handle, IMaterializer materializer, int acknowledgeBatches = int.MaxValue) =>
            handle.Changes.RunForeach(
                batch =>
                {
                    if (Acknowledged >= acknowledgeBatches)
                    {
                        return;
                    }

                    foreach (var transaction in batch.Transactions)
                    {
                        foreach (var change in transaction.Changes)
                        {
                            var row = change.New ?? change.Old;
                            Lines.Enqueue($"{(char)change.Kind} {row?.Get(change.Table, "id")} {row?.Get(change.Table, "name")}");
                        }
                    }

                    Interlocked.Increment(ref Acknowledged);
                    batch.Acknowledge();
                },
                materializer);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what + (state is null ? "" : "; " + state()));
            await Task.Delay(50);
        }
    }

    /// <summary>What a run that did not deliver was doing, for the failure message.</summary>
    private static string Describe(ChangeStreamHandle handle)
    {
        var p = handle.Pipeline.Progress;
        var slots = StreamTestSupport.Scalar("SELECT string_agg(slot_name || ' active=' || active || ' pid=' || coalesce(active_pid::text, '-') || ' confirmed=' || confirmed_flush_lsn, '; ') FROM pg_replication_slots");
        return $"streaming={p.Streaming} restarts={p.Restarts} last error={p.LastError ?? "none"} server WAL end={p.ServerWalEnd} completion={handle.Pipeline.Completion.Status}; slots: {slots}";
    }

    [ClusterFact]
    public async Task Snapshot_and_changes_reach_the_application_and_only_acknowledged_batches_are_recorded()
    {
        var table = Unique("cs");
        var publication = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); INSERT INTO {table} SELECT g, 'r' || g FROM generate_series(1, 2500) g;");
        try
        {
            var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = new LreplOptions(StreamTestSupport.Connection(), table, publication, Dir)
            {
                CreatePublication = true,
                Environment = new EmptyEnvironment(),
                OnStreaming = () => streaming.TrySetResult(),
            };
            var materializer = Sys.Materializer();
            var handle = Sys.StartChangeStream(options);
            var store = new Store();
            var run = store.RunAsync(handle, materializer);
            await Task.WhenAny(streaming.Task, handle.Pipeline.Completion).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(streaming.Task.IsCompleted, "streaming did not start");

            // The snapshot, in batches of 1,000 rows, all acknowledged before streaming began.
            Assert.Equal(2500, store.Lines.Count(l => l.StartsWith("r ", StringComparison.Ordinal)));
            Assert.Contains("r 2500 r2500", store.Lines);

            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (3000, 'new'); UPDATE {table} SET name = 'changed' WHERE id = 1; DELETE FROM {table} WHERE id = 2; TRUNCATE {table};");
            await WaitForAsync(() => store.Lines.Any(l => l.StartsWith('T')), "the truncate");
            Assert.Equal(["I 3000 new", "U 1 changed", "D 2 ", "T  "], store.Lines.Skip(2500));
            await handle.Pipeline.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await run.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(4, handle.Pipeline.Progress.Changes);
            var confirmed = Lsn.Parse(StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'"));
            Assert.Equal(handle.Pipeline.Progress.FlushedLsn, confirmed);

            // A second run: the application stores nothing and acknowledges nothing, so nothing is recorded.
            var second = Sys.StartChangeStream(options with { OnStreaming = null });
            var forgetful = new Store();
            var secondRun = forgetful.RunAsync(second, materializer, acknowledgeBatches: 0);
            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (4000, 'unacknowledged');");
            await WaitForAsync(() => second.Pipeline.Progress.ServerWalEnd > confirmed, "the insert to arrive", () => Describe(second));
            await Task.Delay(500);
            await second.Pipeline.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await secondRun.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, second.Pipeline.Progress.Changes);
            Assert.Empty(forgetful.Lines);

            // The third run gets the unacknowledged insert again, and nothing it already had.
            var third = Sys.StartChangeStream(options with { OnStreaming = null });
            var again = new Store();
            var thirdRun = again.RunAsync(third, materializer);
            await WaitForAsync(() => !again.Lines.IsEmpty, "the insert again", () => Describe(third));
            await Task.Delay(500);
            await third.Pipeline.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await thirdRun.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(["I 4000 unacknowledged"], again.Lines);
        }
        finally
        {
            StreamTestSupport.Cleanup(table, publication, slot);
        }
    }
}
