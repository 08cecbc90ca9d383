using PgWire.Actors;
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
}
