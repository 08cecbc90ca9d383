using System.Globalization;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;
using static PgWire.Host.Tests.Lrepl.StopScenarios;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>
/// SIGTERM and SIGINT end the real pgwire lrepl within <see cref="StopScenarios.Budget"/> whatever
/// the run is doing: connecting to a server that never answers or cannot be reached, creating a
/// slot the server makes wait, dropping a slot someone else holds, copying, streaming, or backing
/// off between retries. Each test brings the run into its phase deterministically first.
/// </summary>
public sealed class LreplStopPhaseTests
{
    private readonly ITestOutputHelper _output;

    public LreplStopPhaseTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static List<string> Args(string table, string dir, int? port = null)
    {
        var args = LreplProcess.Arguments(table, table + "_pub", dir);
        args.Add("--create-publication");
        if (port is { } p)
        {
            args[args.IndexOf("-p") + 1] = p.ToString(CultureInfo.InvariantCulture);
        }

        return args;
    }

    private async Task StopAndReport(LreplProcess process, string signal, string phase)
    {
        var elapsed = await StopAsync(process, signal, phase);
        _output.WriteLine($"{phase}: SIG{signal} ended the run in {elapsed.TotalSeconds:0.00} s");
    }

    /// <summary>A complete run from <paramref name="dir"/>'s state: the file replays to the table's rows.</summary>
    private static async Task AssertNextRunCompletesAsync(string table, string dir)
    {
        using var next = LreplProcess.Start(Args(table, dir));
        Assert.True(await WaitUntilAsync(() => next.Stderr.Contains(" done: ", StringComparison.Ordinal) || next.Stderr.Contains("resuming", StringComparison.Ordinal), TimeSpan.FromSeconds(60), next), next.Stderr);
        var path = Path.Combine(dir, table + ".data");
        var expected = LreplWorkload.TableRows(table);
        Assert.True(await WaitUntilAsync(() => File.Exists(path) && LreplWorkload.ReplayJson(path, out _).SequenceEqual(expected), TimeSpan.FromSeconds(60), next), next.Stderr);
        Assert.Equal(0, await next.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    [ClusterFact]
    public async Task Connecting_to_a_server_that_never_answers()
    {
        using var server = new SilentServer();
        var dir = NewDir("lr_stop_silent");
        try
        {
            using var process = LreplProcess.Start(Args("lr_stop_silent", dir, server.Port));
            Assert.True(await WaitUntilAsync(() => server.Accepted >= 1, TimeSpan.FromSeconds(30), process), process.Stderr);
            await Task.Delay(500);
            await StopAndReport(process, "TERM", "connecting to a silent server");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Connecting_to_a_blackholed_address()
    {
        using var hole = new BlackholeListener();
        var dir = NewDir("lr_stop_hole");
        try
        {
            using var process = LreplProcess.Start(Args("lr_stop_hole", dir, hole.Port));
            Assert.True(await WaitUntilAsync(() => ConnectPending(hole.Port), TimeSpan.FromSeconds(30), process), process.Stderr);
            await Task.Delay(500);
            await StopAndReport(process, "INT", "connecting to a blackholed address");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Waiting_for_a_slot_another_connection_holds()
    {
        const string table = "lr_stop_busy";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using (var first = LreplProcess.Start(Args(table, dir)))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), first.Stderr);
                Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
            }

            using (var holder = new SlotHolder(table + "_slot", table + "_pub"))
            {
                await holder.WaitActiveAsync();
                using var process = LreplProcess.Start(Args(table, dir));
                Assert.True(await process.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(60)), process.Stderr);

                // The stream's START_REPLICATION is refused while the slot is active; it retries with backoff.
                Assert.True(await WaitUntilAsync(() => Log(dir).Contains("is active for PID", StringComparison.Ordinal), TimeSpan.FromSeconds(30), process), process.Stderr + Log(dir));
                await Task.Delay(700);
                await StopAndReport(process, "TERM", "waiting for a busy slot");
            }

            RunSql($"INSERT INTO {table} VALUES (100, 'after')");
            await AssertNextRunCompletesAsync(table, dir);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Creating_a_slot_while_a_transaction_with_an_xid_is_open()
    {
        const string table = "lr_stop_create";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using (var held = new HeldSession())
            {
                var output = await held.RunAsync("BEGIN; SELECT 'xid=' || pg_current_xact_id();");
                var xid = output.Split("xid=", 2)[1].Split('\n', 2)[0].Trim();
                using var process = LreplProcess.Start(Args(table, dir));

                // CREATE_REPLICATION_SLOT waits for the open transaction to end before it builds its snapshot.
                var waiting = await WaitUntilAsync(() => Scalar($"SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND transactionid = '{xid}' AND NOT granted") != "0", TimeSpan.FromSeconds(60), process);
                Assert.True(waiting, "lrepl never waited for the open transaction: " + process.Stderr);
                await Task.Delay(300);
                await StopAndReport(process, "TERM", "creating a slot");
            }

            await AssertNextRunCompletesAsync(table, dir);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Dropping_a_slot_another_connection_holds()
    {
        const string table = "lr_stop_drop";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, repeat('v', 100) || g FROM generate_series(1, 20000) g");
        var dir = NewDir(table);
        try
        {
            // A run killed during its snapshot leaves the slot it created: the next run drops it and starts over.
            using (var relay = new TcpRelay { ServerBytesPerSecond = 256 * 1024 })
            {
                using var killed = LreplProcess.Start(Args(table, dir, relay.Port));
                Assert.True(await killed.WaitForStderrAsync("copying snapshot", TimeSpan.FromSeconds(60)), killed.Stderr);
                killed.KillHard();
            }

            Assert.True(await WaitUntilAsync(() => Scalar($"SELECT active FROM pg_replication_slots WHERE slot_name = '{table}_slot'") == "f", TimeSpan.FromSeconds(30)), "the killed run's slot is not there or still active");
            using (var holder = new SlotHolder(table + "_slot", table + "_pub"))
            {
                await holder.WaitActiveAsync();
                using var process = LreplProcess.Start(Args(table, dir));

                // Seen from the server (DROP_REPLICATION_SLOT ... WAIT) or from the run (a drop retried while the slot is active).
                var waiting = await WaitUntilAsync(
                    () => process.Stderr.Contains("to release slot", StringComparison.Ordinal) || Scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'ReplicationSlotDrop'") != "0",
                    TimeSpan.FromSeconds(60),
                    process);
                Assert.True(waiting, "the run never waited to drop the slot: " + process.Stderr);
                await Task.Delay(700);
                await StopAndReport(process, "TERM", "dropping a slot");
            }

            await AssertNextRunCompletesAsync(table, dir);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Copying_the_snapshot()
    {
        const string table = "lr_stop_copy";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, repeat('v', 100) || g FROM generate_series(1, 20000) g");
        var dir = NewDir(table);
        try
        {
            // A slow link: the copy (about 2.5 MB) takes about ten seconds to arrive.
            using (var relay = new TcpRelay { ServerBytesPerSecond = 256 * 1024 })
            {
                using var process = LreplProcess.Start(Args(table, dir, relay.Port));
                Assert.True(await process.WaitForStderrAsync("copying snapshot", TimeSpan.FromSeconds(60)), process.Stderr);
                await Task.Delay(500);
                Assert.DoesNotContain(" done: ", process.Stderr, StringComparison.Ordinal);
                await StopAndReport(process, "INT", "copying the snapshot");
            }

            await AssertNextRunCompletesAsync(table, dir);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A state store that accepts connections and never answers: the config naming it.</summary>
    private static string SilentStateStore(string dir, SilentServer journal)
    {
        var conf = Path.Combine(dir, "lrepl.conf");
        File.WriteAllText(conf, $$"""
            pgwire.lrepl.state {
              provider = "PostgreSQL.15"
              connection-string = "Host=127.0.0.1;Port={{journal.Port}};Username=postgres;Password=postgres;Database=postgres;Timeout=3"
            }
            """);
        return conf;
    }

    [ClusterFact]
    public async Task Checking_a_state_store_that_never_answers()
    {
        const string table = "lr_stop_journal";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        var dir = NewDir(table);
        using var journal = new SilentServer();
        try
        {
            using var process = LreplProcess.Start([.. Args(table, dir), "--config", SilentStateStore(dir, journal)]);
            Assert.True(await WaitUntilAsync(() => journal.Accepted >= 1, TimeSpan.FromSeconds(60), process), process.Stderr);
            await Task.Delay(500);
            await StopAndReport(process, "TERM", "checking the state store");
            Assert.Equal("0", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim());
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task A_state_store_that_never_answers_stops_the_run_within_its_timeout_with_nothing_created()
    {
        const string table = "lr_stop_journal2";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        var dir = NewDir(table);
        using var journal = new SilentServer();
        try
        {
            using var process = LreplProcess.Start([.. Args(table, dir), "--config", SilentStateStore(dir, journal)]);
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, code);
            Assert.Contains("the state store (PostgreSQL at 127.0.0.1:", process.Stderr, StringComparison.Ordinal);
            Assert.Contains("timeout expired", process.Stderr, StringComparison.Ordinal);
            Assert.Equal("0", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim());
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Streaming()
    {
        const string table = "lr_stop_stream";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using var process = LreplProcess.Start(Args(table, dir));
            Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), process.Stderr);
            RunSql($"INSERT INTO {table} VALUES (100, 'streamed')");
            var path = Path.Combine(dir, table + ".data");
            Assert.True(await WaitUntilAsync(() => File.ReadAllText(path).Contains("streamed", StringComparison.Ordinal), TimeSpan.FromSeconds(30), process), process.Stderr);
            await StopAndReport(process, "INT", "streaming");
            Assert.Contains("stopped;", process.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Backing_off_after_the_server_went_away()
    {
        const string table = "lr_stop_backoff";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using (var relay = new TcpRelay())
            {
                using var process = LreplProcess.Start(Args(table, dir, relay.Port));
                Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), process.Stderr);
                await Task.Delay(500);

                // Every connection is dropped, and every new one reset: the stream fails, backs off and retries.
                relay.Cut();
                Assert.True(await WaitUntilAsync(() => relay.Refused >= 2, TimeSpan.FromSeconds(30), process), process.Stderr);
                await Task.Delay(300);
                await StopAndReport(process, "TERM", "backing off between retries");
            }

            RunSql($"INSERT INTO {table} VALUES (100, 'after')");
            await AssertNextRunCompletesAsync(table, dir);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }
}
