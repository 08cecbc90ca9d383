using PgWire.Actors;
using PgWire.Actors.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Config;

public class PgWireConfigTests
{
    [Fact]
    public void Embedded_defaults_give_the_documented_connection_options()
    {
        var options = PgWireConfig.ConnectionOptions(PgWireConfig.Default);
        Assert.Equal(128 * 1024, options.ReceiveBufferSize);
        Assert.Equal(4, options.MaxUnackedBatches);
        Assert.Equal(1073741823, options.MaxMessageLength);
    }

    [Fact]
    public void A_user_file_overrides_single_keys_and_keeps_the_rest()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "pgwire.connection.max-unacked-batches = 9\n");
            var options = PgWireConfig.ConnectionOptions(PgWireConfig.Load(path));
            Assert.Equal(9, options.MaxUnackedBatches);
            Assert.Equal(128 * 1024, options.ReceiveBufferSize);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Lrepl_options_take_the_connection_keys_of_the_config_file()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(
            "pgwire.connection { receive-buffer-size = 64 KiB, max-unacked-batches = 2 }");
        var options = new LreplOptions(new Dictionary<string, string?>(), "t", "p", "/tmp/none").WithConfig(config);
        Assert.Equal(64 * 1024, options.ConnectionOptions.ReceiveBufferSize);
        Assert.Equal(2, options.ConnectionOptions.MaxUnackedBatches);
        Assert.Equal(1073741823, options.ConnectionOptions.MaxMessageLength);

        var defaults = new LreplOptions(new Dictionary<string, string?>(), "t", "p", "/tmp/none").WithConfig(PgWireConfig.Default);
        Assert.Equal(128 * 1024, defaults.ConnectionOptions.ReceiveBufferSize);
        Assert.Equal(4, defaults.ConnectionOptions.MaxUnackedBatches);
    }

    [Fact]
    public void The_hold_of_a_table_added_while_running_is_a_byte_size_of_the_config_file()
    {
        LreplOptions Options(string hocon) => new LreplOptions(new Dictionary<string, string?>(), "t", "p", "/tmp/none").WithConfig(Akka.Configuration.ConfigurationFactory.ParseString(hocon));
        Assert.Equal(256L << 20, Options("").AdditionHoldBytes);
        Assert.Equal(8L << 20, Options("pgwire.lrepl.added-table-hold = 8 MiB").AdditionHoldBytes);
        Assert.Equal(0, Options("pgwire.lrepl.added-table-hold = 0").AdditionHoldBytes);
        Assert.Contains("added-table-hold", Assert.Throws<ArgumentException>(() => Options("pgwire.lrepl.added-table-hold = -1")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pgwire.connection.max-unacked-batches = 0", "max-unacked-batches")]
    [InlineData("pgwire.connection.receive-buffer-size = 10", "receive-buffer-size")]
    [InlineData("pgwire.connection.max-message-length = 2 GiB", "max-message-length")]
    public void Out_of_range_connection_keys_are_refused(string hocon, string key)
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(hocon).WithFallback(PgWireConfig.Default);
        var error = Assert.Throws<ArgumentException>(() => PgWireConfig.ConnectionOptions(config));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
