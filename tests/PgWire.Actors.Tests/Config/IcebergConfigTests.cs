using Akka.Configuration;
using PgWire.Actors.Replication;
using PgWire.Iceberg;
using Xunit;

namespace PgWire.Actors.Tests.Config;

public sealed class IcebergConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-icehocon-" + Guid.NewGuid().ToString("N"));

    public IcebergConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reference_conf_gives_the_documented_defaults()
    {
        var s = IcebergConfig.Resolve(null, null, _dir, "shop");
        Assert.Equal(TimeSpan.FromSeconds(10), s.CommitInterval);
        Assert.Equal(128L << 20, s.TargetFileSize);
        Assert.Equal("sqlite:///" + Path.Combine(_dir, "catalog.db"), s.CatalogUri);
        Assert.Equal(Path.Combine(_dir, "warehouse"), s.Warehouse);
        Assert.Equal(("pgwire", "shop"), (s.CatalogName, s.Namespace));
        Assert.Null(s.S3);
    }

    [Fact]
    public void Hocon_then_the_file_then_the_command_line_win()
    {
        var hocon = ConfigurationFactory.ParseString("""
            pgwire.lrepl.iceberg {
              catalog-uri = "sqlite:///cat.db"
              table-name = lake.sales
              warehouse = "s3://bucket/wh"
              commit-interval = 30s
              target-file-size = 64MB
              s3 { endpoint = "http://127.0.0.1:9000", access-key = a, secret-key = b, path-style = false }
            }
            """);
        var s = IcebergConfig.Resolve(hocon, null, _dir, "shop");
        Assert.Equal("sqlite:///" + Path.Combine(_dir, "cat.db"), s.CatalogUri);
        Assert.Equal(("lake", "sales"), (s.CatalogName, s.Namespace));
        Assert.Equal("s3://bucket/wh", s.Warehouse);
        Assert.Equal(TimeSpan.FromSeconds(30), s.CommitInterval);
        Assert.Equal(64L << 20, s.TargetFileSize);
        Assert.Equal(new S3Settings { Endpoint = "http://127.0.0.1:9000", AccessKey = "a", SecretKey = "b", PathStyle = false }, s.S3);

        var file = Path.Combine(_dir, "ice.env");
        File.WriteAllText(file, "COMMIT_INTERVAL=5s\nS3_SECRET_KEY=c\n");
        s = IcebergConfig.Resolve(hocon, file, _dir, "shop");
        Assert.Equal(TimeSpan.FromSeconds(5), s.CommitInterval);
        Assert.Equal(("a", "c"), (s.S3!.AccessKey, s.S3.SecretKey));
        Assert.Equal(64L << 20, s.TargetFileSize);

        s = IcebergConfig.Resolve(hocon, file, _dir, "shop", TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.CommitInterval);
    }

    [Fact]
    public void A_bad_hocon_value_names_its_path()
    {
        var hocon = ConfigurationFactory.ParseString("pgwire.lrepl.iceberg.commit-interval = soon");
        var e = Assert.Throws<IcebergConfigException>(() => IcebergConfig.Resolve(hocon, null, _dir, "shop"));
        Assert.Equal("pgwire.lrepl.iceberg.commit-interval: \"soon\" is not a positive duration such as 500ms, 10s, 1m or 1h", e.Message);
    }
}
