using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public class LreplProgressTests
{
    [Fact]
    public void Lag_is_zero_when_everything_the_server_reported_is_durable()
    {
        var progress = new LreplProgress();
        progress.ServerPosition(new Lsn(1000));
        progress.SetDurable(new Lsn(1000));
        Assert.Equal(0, progress.LagBytes);
        Assert.Equal(TimeSpan.Zero, progress.Lag);
    }

    [Fact]
    public async Task Lag_counts_bytes_and_the_age_of_the_oldest_undurable_position()
    {
        var progress = new LreplProgress();
        progress.SetDurable(new Lsn(100));
        progress.ServerPosition(new Lsn(500));
        await Task.Delay(250);
        progress.ServerPosition(new Lsn(900));
        Assert.Equal(800, progress.LagBytes);
        Assert.True(progress.Lag >= TimeSpan.FromMilliseconds(200), progress.Lag.ToString());

        // Once the first reported position is durable, only the newer one is behind.
        progress.SetDurable(new Lsn(500));
        Assert.Equal(400, progress.LagBytes);
        Assert.True(progress.Lag < TimeSpan.FromMilliseconds(200), progress.Lag.ToString());
        progress.SetDurable(new Lsn(900));
        Assert.Equal(TimeSpan.Zero, progress.Lag);
    }

    [Fact]
    public void An_outage_counts_its_retries_from_the_first_failure_until_streaming_again()
    {
        var progress = new LreplProgress { Streaming = true };
        Assert.Null(progress.Outage);

        var before = DateTime.UtcNow;
        progress.Streaming = false;
        progress.Restarted();
        Thread.Sleep(20);
        progress.Restarted();
        var outage = Assert.NotNull(progress.Outage);
        Assert.Equal(2, outage.Retries);
        Assert.InRange(outage.Since, before.AddSeconds(-1), before.AddSeconds(1));

        progress.Streaming = true;
        Assert.Null(progress.Outage);
        progress.Streaming = false;
        progress.Restarted();
        Assert.Equal(1, Assert.NotNull(progress.Outage).Retries);
        Assert.Equal(3, progress.Restarts);
    }
}
