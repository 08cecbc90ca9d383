using PgWire.Host.Lrepl;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>Which runs may verify a certificate against the system's trusted roots (and so keep OpenSSL reading them).</summary>
public sealed class SystemRootsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lrepl-roots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private bool Needs(params string[] extra) =>
        LreplCommand.NeedsSystemRoots(LreplCommand.Parse(["-t", "t", "-L", "p", "-c", Path.Combine(_dir, "cfg"), .. extra], null)!);

    [Fact]
    public void A_file_sink_with_the_default_state_store_needs_none() => Assert.False(Needs());

    [Fact]
    public void Iceberg_with_the_embedded_catalog_and_a_local_warehouse_needs_none()
    {
        Assert.False(Needs("--sink", "iceberg"));
        Assert.False(Needs("--sink", "iceberg", "--iceberg-config", Write("local.properties", $"CATALOG_URI=sqlite:///{_dir}/c.db\nWAREHOUSE={_dir}/wh\n")));
    }

    [Fact]
    public void A_catalog_on_postgresql_or_a_warehouse_on_s3_may()
    {
        Assert.True(Needs("--sink", "iceberg", "--iceberg-config", Write("pg.properties", "CATALOG_URI=postgresql://u:p@db.example.com:5432/cat\n")));
        Assert.True(Needs("--sink", "iceberg", "--iceberg-config", Write("s3.properties", "WAREHOUSE=s3://bucket/warehouse\nS3_ENDPOINT=https://s3.example.com\n")));
    }

    [Fact]
    public void A_state_store_on_postgresql_may() =>
        Assert.True(Needs("--config", Write("state.conf", "pgwire.lrepl.state { provider = \"PostgreSQL.15\", connection-string = \"Host=db.example.com\" }\n")));

    [Fact]
    public void A_configuration_that_cannot_be_read_counts_as_needing_them() =>
        Assert.True(Needs("--sink", "iceberg", "--iceberg-config", Path.Combine(_dir, "missing.properties")));
}
