using System.Globalization;
using System.Text.RegularExpressions;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;
using static PgWire.Host.Tests.Lrepl.StopScenarios;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>
/// The real pgwire lrepl while something it depends on is away: its state store (refused
/// connections, mid-stream) or the source server (unreachable, mid-stream). The run rides it out,
/// lrepl.log stays small however long it lasts (the first error in full, repeats counted per
/// log.repeat-interval), and SIGTERM during the wait ends the run within the stop budget with status 0.
/// </summary>
public sealed partial class LreplOutageTests
{
    private readonly ITestOutputHelper _output;

    public LreplOutageTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [GeneratedRegex(@"\[repeated (\d+) more time\(s\) since \d\d:\d\d:\d\d\]")]
    private static partial Regex RepeatedLine();

    /// <summary>A run of <paramref name="table"/> (20 rows), through <paramref name="sourcePort"/> when given, with the state store of <paramref name="config"/>.</summary>
    private static LreplProcess Start(string table, string dir, int? sourcePort = null, string? config = null)
    {
        var args = LreplProcess.Arguments(table, table + "_pub", dir);
        args.Add("--create-publication");
        if (sourcePort is { } port)
        {
            args[args.IndexOf("-p") + 1] = port.ToString(CultureInfo.InvariantCulture);
        }

        if (config is not null)
        {
            args.AddRange(["--config", config]);
        }

        return LreplProcess.Start(args);
    }

    /// <summary>A config naming a PostgreSQL state store reached through <paramref name="relay"/>, under its own persistence id.</summary>
    private static string StateStoreConfig(string dir, TcpRelay relay, string persistenceId)
    {
        var conf = Path.Combine(dir, "lrepl.conf");
        File.WriteAllText(conf, $$"""
            pgwire.lrepl.state {
              provider = "PostgreSQL.15"
              connection-string = "Host=127.0.0.1;Port={{relay.Port}};Username={{TestCluster.SuperUser}};Password={{TestCluster.SuperUserPassword}};Database={{TestCluster.Database}};Timeout=3;Command Timeout=5"
              persistence-id = "{{persistenceId}}"
            }
            """);
        return conf;
    }

    private static void DropState(string persistenceId) =>
        TestCluster.RunPsql("-X", "-q", "-c", $"DELETE FROM journal WHERE persistence_id LIKE '{persistenceId}%'; DELETE FROM snapshot WHERE persistence_id LIKE '{persistenceId}%'");

    private static async Task StreamOneChangeAsync(LreplProcess process, string table, string dir)
    {
        Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), process.Stderr);
        RunSql($"INSERT INTO {table} VALUES (100, 'streamed')");
        var path = Path.Combine(dir, table + ".data");
        Assert.True(await WaitUntilAsync(() => File.Exists(path) && File.ReadAllText(path).Contains("streamed", StringComparison.Ordinal), TimeSpan.FromSeconds(30), process), process.Stderr);
    }

    /// <summary>
    /// The log after a long outage: small; its first entry in full (the error, its cause, the
    /// cause's stack); repeats of an error only counted, in lines of their own.
    /// </summary>
    private void AssertSmallLog(string what, string log)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(log);
        _output.WriteLine($"{what}: lrepl.log is {bytes} bytes after 60 s and the stop");
        Assert.True(bytes < 20_000, $"{what}: lrepl.log grew to {bytes} bytes in 60 s:\n{log}");
        var entries = Entry().Matches(log);
        Assert.True(entries.Count > 0, $"{what}: no error in lrepl.log:\n{log}");
        var first = log[..(entries.Count > 1 ? entries[1].Index : log.Length)];
        Assert.Contains("Cause: ", first, StringComparison.Ordinal);
        Assert.Contains("   at ", first, StringComparison.Ordinal);

        // No error is written in full twice.
        var kinds = entries.Select(m => m.Groups[1].Value + " " + m.Groups[2].Value).ToList();
        Assert.True(kinds.Count == kinds.Distinct(StringComparer.Ordinal).Count(), $"{what}: an error is written in full more than once:\n{string.Join('\n', kinds)}");
        var repeats = RepeatedLine().Matches(log).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        // Retries back off (up to 30 s apart), so a minute holds a handful of repeats.
        Assert.True(repeats.Sum() >= 2, $"{what}: repeats are not counted in lrepl.log:\n{log}");
    }

    /// <summary>An entry written in full: its level, time and source, then its message (group 1, without the time) and its cause's first line (group 2).</summary>
    [GeneratedRegex(@"^\[(?:ERROR|WARNING)\]\[[^\]]*\]\[Thread \d+\](.*)(?:\n(Cause: .*))?$", RegexOptions.Multiline)]
    private static partial Regex Entry();

    [ClusterFact]
    public async Task A_minute_without_the_state_store_or_the_source_server_leaves_a_small_log()
    {
        const string stateTable = "lr_outage_state";
        const string sourceTable = "lr_outage_source";
        var persistenceId = "lr-outage-state-" + Guid.NewGuid().ToString("N");
        Cleanup(stateTable);
        Cleanup(sourceTable);
        RunSql($"CREATE TABLE {stateTable} (id int PRIMARY KEY, v text); INSERT INTO {stateTable} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        RunSql($"CREATE TABLE {sourceTable} (id int PRIMARY KEY, v text); INSERT INTO {sourceTable} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var stateDir = NewDir(stateTable);
        var sourceDir = NewDir(sourceTable);
        try
        {
            using var stateRelay = new TcpRelay();
            using var sourceRelay = new TcpRelay();
            using var stateRun = Start(stateTable, stateDir, config: StateStoreConfig(stateDir, stateRelay, persistenceId));
            using var sourceRun = Start(sourceTable, sourceDir, sourcePort: sourceRelay.Port);
            await StreamOneChangeAsync(stateRun, stateTable, stateDir);
            await StreamOneChangeAsync(sourceRun, sourceTable, sourceDir);

            // Both go away for a minute: the state store refuses every connection while changes keep
            // coming, the source server cannot be reached at all.
            stateRelay.Cut();
            sourceRelay.Cut();
            var until = DateTime.UtcNow.AddSeconds(60);
            var i = 0;
            while (DateTime.UtcNow < until)
            {
                RunSql($"INSERT INTO {stateTable} VALUES ({1000 + i}, 'during'); INSERT INTO {sourceTable} VALUES ({1000 + i}, 'during')");
                i++;
                await Task.Delay(1000);
                Assert.False(stateRun.HasExited, "the run ended while the state store was away:\n" + stateRun.Stderr);
                Assert.False(sourceRun.HasExited, "the run ended while the source server was away:\n" + sourceRun.Stderr);
            }

            Assert.Contains("waiting for the state store since", stateRun.Stderr, StringComparison.Ordinal);
            Assert.Contains("not streaming since", sourceRun.Stderr, StringComparison.Ordinal);
            Assert.True(sourceRelay.Refused >= 5, $"the source server was tried {sourceRelay.Refused} time(s) in a minute");
            Assert.True(stateRelay.Refused >= 5, $"the state store was tried {stateRelay.Refused} time(s) in a minute");

            // A minute in, the source run backs off between retries for many seconds, and the other
            // waits for its state store: SIGTERM ends either within the stop budget, with status 0.
            var sourceStop = await StopAsync(sourceRun, "TERM", "backing off after a minute without the source server");
            var stateStop = await StopAsync(stateRun, "TERM", "waiting for the state store for a minute");
            _output.WriteLine($"SIGTERM ended the runs in {sourceStop.TotalSeconds:0.00} s (source away) and {stateStop.TotalSeconds:0.00} s (state store away)");

            // The logs as the runs left them (the repeats still being counted are written at the end).
            var stateLog = Log(stateDir);
            var sourceLog = Log(sourceDir);
            _output.WriteLine("--- state store away ---\n" + stateLog + "\n--- source server away ---\n" + sourceLog);
            AssertSmallLog("state store away", stateLog);
            AssertSmallLog("source server away", sourceLog);
        }
        finally
        {
            Cleanup(stateTable);
            Cleanup(sourceTable);
            DropState(persistenceId);
            Directory.Delete(stateDir, true);
            Directory.Delete(sourceDir, true);
        }
    }

    [ClusterFact]
    public async Task Sigterm_while_the_source_server_is_frozen_mid_stream_ends_the_run_in_time()
    {
        const string table = "lr_outage_frozen";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using (var relay = new TcpRelay())
            {
                using var process = Start(table, dir, sourcePort: relay.Port);
                await StreamOneChangeAsync(process, table, dir);

                // The server stops answering without closing anything: the stream hears nothing
                // (the receive timeout is a minute away), and its last acknowledgement cannot be sent.
                relay.Freeze();
                RunSql($"INSERT INTO {table} VALUES (101, 'while frozen')");
                await Task.Delay(3000);
                var elapsed = await StopAsync(process, "TERM", "the source server frozen");
                _output.WriteLine($"SIGTERM ended the run in {elapsed.TotalSeconds:0.00} s while the source server was frozen");
            }

            RunSql($"INSERT INTO {table} VALUES (102, 'after')");
            using var next = Start(table, dir);
            Assert.True(await next.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(60)), next.Stderr);
            var path = Path.Combine(dir, table + ".data");
            var expected = LreplWorkload.TableRows(table);
            Assert.True(await WaitUntilAsync(() => LreplWorkload.ReplayJson(path, out _).SequenceEqual(expected), TimeSpan.FromSeconds(60), next), next.Stderr);
            Assert.Equal(0, await next.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Sigterm_while_waiting_for_the_state_store_mid_stream_ends_the_run_in_time()
    {
        const string table = "lr_outage_term";
        var persistenceId = "lr-outage-term-" + Guid.NewGuid().ToString("N");
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 20) g");
        var dir = NewDir(table);
        try
        {
            using (var relay = new TcpRelay())
            {
                var config = StateStoreConfig(dir, relay, persistenceId);
                using var process = Start(table, dir, config: config);
                await StreamOneChangeAsync(process, table, dir);

                // The store goes away while changes come: the run waits for it, then is stopped.
                relay.Cut();
                RunSql($"INSERT INTO {table} VALUES (101, 'while away')");
                Assert.True(await process.WaitForStderrAsync("waiting for the state store since", TimeSpan.FromSeconds(60)), process.Stderr);
                await Task.Delay(1500);
                var elapsed = await StopAsync(process, "TERM", "waiting for the state store");
                _output.WriteLine($"SIGTERM ended the run in {elapsed.TotalSeconds:0.00} s while it waited for the state store");

                // Once the store is back, the next run goes on from what it recorded.
                relay.Restore();
                RunSql($"INSERT INTO {table} VALUES (102, 'after')");
                using var next = Start(table, dir, config: config);
                Assert.True(await next.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(60)), next.Stderr);
                var path = Path.Combine(dir, table + ".data");
                var expected = LreplWorkload.TableRows(table);
                Assert.True(await WaitUntilAsync(() => LreplWorkload.ReplayJson(path, out _).SequenceEqual(expected), TimeSpan.FromSeconds(60), next), next.Stderr);
                Assert.Equal(0, await next.TerminateAsync(TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            Cleanup(table);
            DropState(persistenceId);
            Directory.Delete(dir, true);
        }
    }
}
