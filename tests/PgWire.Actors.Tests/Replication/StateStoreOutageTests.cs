using PgWire.Actors.Replication;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Actors.Tests.Replication;

/// <summary>
/// A PostgreSQL state store that freezes while a workload streams: open connections go silent
/// without closing and new ones are never answered, for about 20 s. The run waits, goes on by itself
/// once the store answers again, loses and repeats nothing, and never reports to the server a
/// position it could not record.
/// </summary>
public sealed class StateStoreOutageTests
{
    private readonly ITestOutputHelper _output;

    public StateStoreOutageTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static string ConfirmedFlush(string slot) =>
        StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'");

    private static async Task WaitForReplayAsync(string table, string path, long lines, StreamTestSupport.Run run, TimeSpan timeout)
    {
        var expected = LreplWorkload.TableRows(table);
        var deadline = DateTime.UtcNow + timeout;
        List<string> actual = [];
        var count = 0;
        while (DateTime.UtcNow < deadline && !run.Task.IsCompleted)
        {
            actual = File.Exists(path) ? ChangeReplay.Rows(path, out count) : [];
            if (count == lines && actual.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.False(run.Task.IsCompleted, "the run ended: " + run.Log);
        Assert.Equal(lines, count);
        Assert.Equal(expected, actual);
    }

    [ClusterFact]
    public async Task A_state_store_that_freezes_mid_stream_is_waited_for_and_nothing_is_lost_repeated_or_reported_early()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_state_freeze");
        var (table, pub, slot, dir, path) = scratch;
        var persistenceId = "lr-state-freeze-" + Guid.NewGuid().ToString("N");
        var workload = new LreplWorkload(table, seed: 20261205);
        StreamTestSupport.Psql(workload.CreateSql(200));
        using var relay = new TcpRelay();
        LreplOptions Configure(LreplOptions o) => o with
        {
            StateProvider = "PostgreSQL.15",
            StateConnectionString = $"Host=127.0.0.1;Port={relay.Port};Username={TestCluster.SuperUser};Password={TestCluster.SuperUserPassword};Database={TestCluster.Database};Timeout=3;Command Timeout=5",
            StateId = persistenceId,
        };

        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Configure);
        var first = run;
        using var stopWorkload = new CancellationTokenSource();
        var batches = Task.Run(() =>
        {
            while (!stopWorkload.IsCancellationRequested)
            {
                Assert.True(workload.RunBatch(10, 0.02), "a workload batch failed");
            }
        });

        try
        {
            await Task.Delay(4000);
            Assert.False(run.Task.IsCompleted, "the run ended: " + run.Log);

            // The store freezes: nothing answers, nothing closes.
            var frozenAt = DateTime.UtcNow;
            relay.Freeze();
            var deadline = frozenAt.AddSeconds(20);
            while (!run.Log.ToString().Contains("waiting for the state store since", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.True(run.Log.ToString().Contains("waiting for the state store since", StringComparison.Ordinal), "no wait reported while the state store was frozen: " + run.Log);
            _output.WriteLine($"the wait was reported {(DateTime.UtcNow - frozenAt).TotalSeconds:0.0} s after the freeze");
            var confirmed = ConfirmedFlush(slot);
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                Assert.False(run.Task.IsCompleted, "the run ended while the state store was frozen: " + run.Log);
            }

            // Nothing was reported to the server while no position could be recorded.
            Assert.Equal(confirmed, ConfirmedFlush(slot));
            Assert.True(relay.Swallowed > 0, "no connection to the state store was tried while it was frozen");

            relay.Thaw();
            var thawedAt = DateTime.UtcNow;
            await Task.Delay(3000);
            await stopWorkload.CancelAsync();
            await batches;
            Assert.True(workload.Exact);
            // Once the store answers, the run is back within seconds (a question to the store asked
            // while it was frozen is not waited for to its end): 45 s leaves room for a loaded machine.
            await WaitForReplayAsync(table, path, 200 + workload.Changes, run, TimeSpan.FromSeconds(45));
            _output.WriteLine($"{workload.Transactions} transactions, {workload.Changes} changes; caught up {(DateTime.UtcNow - thawedAt).TotalSeconds:0.0} s after the store answered again");

            // Positions are reported again once recorded (within a status interval).
            var reportBy = DateTime.UtcNow.AddSeconds(20);
            while (ConfirmedFlush(slot) == confirmed && DateTime.UtcNow < reportBy)
            {
                await Task.Delay(250);
            }

            Assert.NotEqual(confirmed, ConfirmedFlush(slot));
            await run.StopAsync();

            // A run from what was recorded starts, so the slot is not past it, and goes on without a gap or a repeat.
            run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Configure);
            Assert.True(workload.RunBatch(10, 0));
            await WaitForReplayAsync(table, path, 200 + workload.Changes, run, TimeSpan.FromSeconds(60));
            await run.StopAsync();
        }
        finally
        {
            await stopWorkload.CancelAsync();
            await batches.ContinueWith(_ => { }, TaskScheduler.Default);
            if (!run.Task.IsCompleted)
            {
                await run.StopAsync();
            }

            _output.WriteLine(first.Log.ToString());
            if (run != first)
            {
                _output.WriteLine("second run:\n" + run.Log);
            }

            StreamTestSupport.Psql($"DELETE FROM journal WHERE persistence_id LIKE '{persistenceId}%'; DELETE FROM snapshot WHERE persistence_id LIKE '{persistenceId}%'");
        }
    }
}
