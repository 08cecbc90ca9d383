using System.Globalization;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;
using static PgWire.Host.Tests.Lrepl.StopScenarios;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>SIGTERM and SIGINT at random points of real runs: each ends within the budget, and nothing is lost or doubled.</summary>
public sealed class LreplStopRandomTests : IDisposable
{
    private readonly ITestOutputHelper _output;

    public LreplStopRandomTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>The runs reach the server through it, so that a test knows when one has started connecting.</summary>
    private readonly TcpRelay _relay = new();

    private List<string> Args(string table, string dir)
    {
        var args = LreplProcess.Arguments(table, table + "_pub", dir);
        args[args.IndexOf("-p") + 1] = _relay.Port.ToString(CultureInfo.InvariantCulture);
        args.Add("--create-publication");
        return args;
    }

    /// <summary>
    /// Starts a run, waits until it connects (a signal before the process has set up its handlers,
    /// while the runtime starts, ends it the default way), lets it go on for a random while, then stops it.
    /// </summary>
    private async Task<string> RunAndStopAsync(string table, string dir, Random random, int maxDelayMs, string phase)
    {
        var relayed = _relay.Relayed;
        using var process = LreplProcess.Start(Args(table, dir));
        Assert.True(await WaitUntilAsync(() => _relay.Relayed > relayed, TimeSpan.FromSeconds(30), process), process.Stderr);
        var delay = random.Next(maxDelayMs);
        var signal = random.Next(2) == 0 ? "TERM" : "INT";
        await Task.Delay(delay);
        var elapsed = await StopAsync(process, signal, $"{phase}, SIG{signal} after {delay} ms");
        _output.WriteLine($"{phase}: SIG{signal} after {delay} ms ended the run in {elapsed.TotalSeconds:0.00} s");
        return process.Stderr;
    }

    public void Dispose() => _relay.Dispose();

    [ClusterFact]
    public async Task Signals_at_random_points_end_each_run_in_time_and_the_next_run_resumes()
    {
        const string table = "lr_stop_random";
        Cleanup(table);
        var dir = NewDir(table);
        var path = Path.Combine(dir, table + ".data");
        var seed = Environment.GetEnvironmentVariable("LREPL_TEST_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        _output.WriteLine($"seed {seed} (LREPL_TEST_SEED={seed} replays it)");
        var random = new Random(seed);
        var workload = new LreplWorkload(table, seed);
        const int initialRows = 50000;
        RunSql(workload.CreateSql(initialRows));
        try
        {
            // Stops while connecting, checking, creating the slot and copying, until one run has
            // finished the snapshot (each stopped one leaves the next to start it over).
            var snapshotDone = false;
            for (var i = 0; i < 4 && !snapshotDone; i++)
            {
                snapshotDone = (await RunAndStopAsync(table, dir, random, 1500, "snapshot " + i)).Contains(" done: ", StringComparison.Ordinal);
            }

            if (!snapshotDone)
            {
                using var finish = LreplProcess.Start(Args(table, dir));
                Assert.True(await finish.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), finish.Stderr);
                await StopAsync(finish, "TERM", "after the snapshot");
            }

            // Stops while resuming and streaming a random workload.
            using var stop = new CancellationTokenSource();
            var load = Task.Run(() =>
            {
                var loadRandom = new Random(seed + 1);
                while (!stop.IsCancellationRequested)
                {
                    workload.RunBatch(loadRandom.Next(3, 15), 0.01);
                }
            });

            try
            {
                for (var i = 0; i < 6; i++)
                {
                    await RunAndStopAsync(table, dir, random, 3000, "streaming " + i);
                }
            }
            finally
            {
                await stop.CancelAsync();
                await load;
            }

            Assert.True(workload.Exact, "a workload batch failed");

            using var last = LreplProcess.Start(Args(table, dir));
            var expected = LreplWorkload.TableRows(table);
            var expectedLines = initialRows + workload.Changes;
            var lines = 0;
            var matched = await WaitUntilAsync(() => LreplWorkload.ReplayJson(path, out lines).SequenceEqual(expected) && lines == expectedLines, TimeSpan.FromSeconds(60), last);
            await StopAsync(last, "TERM", "the last run");
            Assert.True(matched, $"the file has {lines} lines (expected {expectedLines}) and replays to {(LreplWorkload.ReplayJson(path, out _).SequenceEqual(expected) ? "" : "not ")}the table\n{last.Stderr}");
            _output.WriteLine($"{workload.Transactions} transactions, {workload.Changes} changes, {lines} lines");
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }
}
