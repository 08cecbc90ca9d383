using PgWire.Host.Psql.Describe;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Describe;

/// <summary>
/// <see cref="CatalogQuery.RunStepsAsync"/>: a meta-command's independent catalog queries, written to
/// the server at once and handed over in order; one at a time while ECHO_HIDDEN shows them.
/// </summary>
public sealed class CatalogStepsTests
{
    private static bool Active(string marker)
    {
        var (_, stdout, _) = TestCluster.RunPsql("-X", "-At", "-c", $"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%AS {marker}'");
        return stdout.Trim() == "1";
    }

    private static bool WaitUntilActive(string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Active(marker))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    [ClusterFact]
    public async Task The_queries_after_the_first_are_on_the_server_before_its_result_is_handed_over()
    {
        await using var host = await TestMetaCommandHost.ConnectAsync();
        string marker = "steps_" + Guid.NewGuid().ToString("N")[..8];
        bool secondRan = false;
        var seen = new List<string>();
        CatalogStep[] steps =
        [
            CatalogStep.Query("SELECT 'first'", r =>
            {
                seen.Add(r.Rows[0][0]!);

                // Nothing reads the second query's results while this runs: it can only be on the
                // server because it was written with the first.
                secondRan = WaitUntilActive(marker, TimeSpan.FromSeconds(20));
            }),
            CatalogStep.Do(() => seen.Add("between")),
            CatalogStep.Query($"SELECT pg_sleep(1)::text AS {marker}", _ => seen.Add("second")),
            CatalogStep.Query("SELECT 'third'", r => seen.Add(r.Rows[0][0]!)),
        ];

        Assert.True(await CatalogQuery.RunStepsAsync(host, steps, CancellationToken.None));
        Assert.True(secondRan, "the second query was not running while the first one's result was handled");
        Assert.Equal(["first", "between", "second", "third"], seen);
        Assert.Equal(0, host.Client.PipelinedInFlight);
        Assert.Equal("", host.Stderr.ToString());
    }

    [ClusterFact]
    public async Task An_error_ends_the_steps_as_psql_would_and_the_connection_stays_in_step()
    {
        await using var host = await TestMetaCommandHost.ConnectAsync();
        var seen = new List<string>();
        CatalogStep[] steps =
        [
            CatalogStep.Query("SELECT 'one'", r => seen.Add(r.Rows[0][0]!)),
            CatalogStep.Query("SELECT 1/0", _ => seen.Add("error handed over")),
            CatalogStep.Do(() => seen.Add("after the error")),
            CatalogStep.Query("SELECT 'three'", r => seen.Add(r.Rows[0][0]!)),
            CatalogStep.Query("SELECT g FROM generate_series(1, 50000) g", r => seen.Add("four")),
        ];

        Assert.False(await CatalogQuery.RunStepsAsync(host, steps, CancellationToken.None));
        Assert.Equal(["one"], seen);
        Assert.Equal("ERROR:  division by zero\n", host.Stderr.ToString());
        Assert.Equal(0, host.Client.PipelinedInFlight);
        var (result, stdout, _) = await host.RunAsync("d", "dsct.parent");
        Assert.True(result);
        Assert.Contains("Table \"dsct.parent\"", stdout, StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task A_cancel_ends_the_steps_and_the_queries_written_after_are_read_and_dropped()
    {
        await using var host = await TestMetaCommandHost.ConnectAsync();
        string marker = "steps_cancel_" + Guid.NewGuid().ToString("N")[..8];
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        CatalogStep[] steps =
        [
            CatalogStep.Query($"SELECT pg_sleep(30)::text AS {marker}", _ => seen.Add("sleep")),
            CatalogStep.Query("SELECT 'two'", r => seen.Add(r.Rows[0][0]!)),
            CatalogStep.Query("SELECT 'three'", r => seen.Add(r.Rows[0][0]!)),
        ];

        var run = Task.Run(() => CatalogQuery.RunStepsAsync(host, steps, cancel.Token));
        Assert.True(WaitUntilActive(marker, TimeSpan.FromSeconds(20)), "the first query never started");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(seen);
        Assert.Equal(0, host.Client.PipelinedInFlight);
        var (result, _, stderr) = await host.RunAsync("d", "dsct.parent");
        Assert.True(result, stderr);
    }

    [ClusterFact]
    public async Task Under_ECHO_HIDDEN_each_query_is_shown_and_run_in_its_turn_and_noexec_runs_none()
    {
        await using var host = await TestMetaCommandHost.ConnectAsync();
        host.EchoHidden = "on";
        string marker = "steps_echo_" + Guid.NewGuid().ToString("N")[..8];
        bool secondRan = true;
        CatalogStep[] steps =
        [
            CatalogStep.Query("SELECT 'first'", _ => secondRan = WaitUntilActive(marker, TimeSpan.FromSeconds(1))),
            CatalogStep.Query($"SELECT pg_sleep(0.5)::text AS {marker}", _ => { }),
        ];

        Assert.True(await CatalogQuery.RunStepsAsync(host, steps, CancellationToken.None));
        Assert.False(secondRan, "the second query ran before the first one's result was handled");
        Assert.Equal(2, host.ShownQueries.Count);

        host.EchoHidden = "noexec";
        host.ShownQueries.Clear();
        bool handed = false;
        CatalogStep[] none =
        [
            CatalogStep.Query("SELECT 1", _ => handed = true),
            CatalogStep.Query("SELECT 2", _ => handed = true),
        ];
        Assert.False(await CatalogQuery.RunStepsAsync(host, none, CancellationToken.None));
        Assert.False(handed);
        Assert.Equal(["SELECT 1"], host.ShownQueries);
        Assert.Equal(0, host.Client.PipelinedInFlight);
    }
}
