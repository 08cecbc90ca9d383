using Microsoft.Data.Sqlite;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class IcebergSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-icecfg-" + Guid.NewGuid().ToString("N"));

    public IcebergSettingsTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string File(string text)
    {
        var path = Path.Combine(_dir, "iceberg.env");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private IcebergConfigException Fails(string text) =>
        Assert.Throws<IcebergConfigException>(() => IcebergSettings.Load(File(text), _dir, "shop"));

    [Fact]
    public void Without_a_file_the_catalog_and_warehouse_are_in_the_config_dir()
    {
        var s = IcebergSettings.Load(null, _dir, "shop");
        Assert.Equal("sqlite:///" + Path.Combine(_dir, "catalog.db"), s.CatalogUri);
        Assert.StartsWith("sqlite:////", s.CatalogUri, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_dir, "warehouse"), s.Warehouse);
        Assert.Equal("pgwire", s.CatalogName);
        Assert.Equal("shop", s.Namespace);
        Assert.Null(s.TableName);
        Assert.Null(s.S3);
        Assert.Equal(TimeSpan.FromSeconds(10), s.CommitInterval);
        Assert.Equal(128L << 20, s.TargetFileSize);
        Assert.IsType<LocalFileIO>(s.OpenFileIO());
    }

    [Fact]
    public void A_file_with_every_key_comments_blank_lines_and_quotes()
    {
        var s = IcebergSettings.Load(File("""
            # lake settings

            S3_SECRET_KEY="se#cret key"
            S3_ENDPOINT=http://127.0.0.1:9000/
            export S3_ACCESS_KEY='AK'
            CATALOG_URI=postgresql+psycopg2://ice%40user:p%3Ass%2Fw@db.example:6432/catalog
            TABLE_NAME=lake.sales.orders
            WAREHOUSE=s3://bucket/warehouse/
              S3_REGION = eu-central-1
            S3_PATH_STYLE=false
            COMMIT_INTERVAL=500ms
            TARGET_FILE_SIZE=64MB
            """.Replace("\n", "\r\n", StringComparison.Ordinal)), _dir, "shop");
        Assert.Equal("lake", s.CatalogName);
        Assert.Equal("sales", s.Namespace);
        Assert.Equal("orders", s.TableName);
        Assert.Equal("s3://bucket/warehouse", s.Warehouse);
        Assert.True(s.WarehouseOnS3);
        Assert.Equal(new S3Settings { Endpoint = "http://127.0.0.1:9000", AccessKey = "AK", SecretKey = "se#cret key", Region = "eu-central-1", PathStyle = false }, s.S3);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.CommitInterval);
        Assert.Equal(64L << 20, s.TargetFileSize);
        Assert.IsType<S3FileIO>(s.OpenFileIO());

        var uri = CatalogUris.Parse(s.CatalogUri, "CATALOG_URI");
        Assert.True(uri.Postgres);
        var b = new Npgsql.NpgsqlConnectionStringBuilder(uri.ConnectionString);
        Assert.Equal(("db.example", 6432, "catalog", "ice@user", "p:ss/w"), (b.Host, b.Port, b.Database, b.Username, b.Password));

        // Secrets stay out of ToString.
        Assert.DoesNotContain("p:ss", s.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("p%3Ass", s.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("se#cret", s.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://u@h/d", "h", 5432, "d", "u", null)]
    [InlineData("postgres://u:@h:1/d?sslmode=verify-full", "h", 1, "d", "u", "")]
    [InlineData("postgresql+psycopg://[::1]:6000/db%20x", "::1", 6000, "db x", null, null)]
    public void Postgres_uris(string uri, string host, int port, string db, string? user, string? password)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(CatalogUris.Parse(uri, "CATALOG_URI").ConnectionString);
        Assert.Equal((host, port, db, user), (b.Host, b.Port, b.Database, b.Username));
        Assert.Equal(password ?? "", b.Password ?? "");
    }

    [Fact]
    public void Relative_paths_are_taken_from_the_files_folder()
    {
        var s = IcebergSettings.Load(File("CATALOG_URI=sqlite:///cat/catalog.db\nWAREHOUSE=wh\n"), "/elsewhere", "shop");
        Assert.Equal("sqlite:///" + Path.Combine(_dir, "cat", "catalog.db"), s.CatalogUri);
        Assert.Equal(Path.Combine(_dir, "wh"), s.Warehouse);
        s = IcebergSettings.Load(File("CATALOG_URI=sqlite:////var/lib/pgwire/catalog.db\nWAREHOUSE=file:///var/lib/wh\n"), "/elsewhere", "shop");
        Assert.Equal("sqlite:////var/lib/pgwire/catalog.db", s.CatalogUri);
        Assert.Equal("/var/lib/wh", s.Warehouse);
    }

    [Theory]
    [InlineData("S3_ENDPOINT=x\nCATALOG=sqlite:///c.db\n", "iceberg.env:2: unknown key CATALOG")]
    [InlineData("\n# c\nCATALOG_URI sqlite:///c.db\n", "iceberg.env:3: expected KEY=value")]
    [InlineData("CATALOG_URI=mysql://h/db\n", "iceberg.env:1: CATALOG_URI: unsupported catalog \"mysql://\"")]
    [InlineData("CATALOG_URI=catalog.db\n", "iceberg.env:1: CATALOG_URI: \"catalog.db\" is not a URI")]
    [InlineData("CATALOG_URI=sqlite://host/c.db\n", "iceberg.env:1: CATALOG_URI: \"sqlite://host/c.db\": a SQLite URI has no host")]
    [InlineData("CATALOG_URI=postgresql://u:secret@h:99999/d\n", "iceberg.env:1: CATALOG_URI: \"postgresql://u:***@h:99999/d\": invalid port \"99999\"")]
    [InlineData("CATALOG_URI=postgresql://h/d?foo=1\n", "unsupported parameter \"foo\"")]
    [InlineData("TABLE_NAME=orders\n", "iceberg.env:1: TABLE_NAME: \"orders\" is not catalog.namespace or catalog.namespace.table")]
    [InlineData("TABLE_NAME=a.b.c.d\n", "is not catalog.namespace or catalog.namespace.table")]
    [InlineData("COMMIT_INTERVAL=10\n", "iceberg.env:1: COMMIT_INTERVAL: \"10\" is not a positive duration")]
    [InlineData("COMMIT_INTERVAL=-1s\n", "is not a positive duration")]
    [InlineData("TARGET_FILE_SIZE=lots\n", "iceberg.env:1: TARGET_FILE_SIZE: \"lots\" is not a positive size")]
    [InlineData("S3_PATH_STYLE=maybe\n", "S3_PATH_STYLE: \"maybe\" is not true or false")]
    [InlineData("S3_ENDPOINT=minio:9000\n", "S3_ENDPOINT: \"minio:9000\" is not an http:// or https:// URL")]
    [InlineData("WAREHOUSE=gs://bucket/x\n", "only s3://bucket/prefix, file:// URIs and local paths")]
    [InlineData("WAREHOUSE=s3:///x\n", "names no bucket")]
    [InlineData("S3_REGION=a\nS3_REGION=b\n", "iceberg.env:2: S3_REGION was given before, on line 1")]
    [InlineData("S3_SECRET_KEY=\"abc\n", "iceberg.env:1: S3_SECRET_KEY: the value's opening quote \" has no closing one")]
    [InlineData("S3_ACCESS_KEY=a\n", "S3_ACCESS_KEY and S3_SECRET_KEY go together")]
    public void Bad_lines_and_values_are_one_line_errors_naming_file_line_and_key(string text, string expected)
    {
        var e = Fails(text);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_config_error()
    {
        var e = Assert.Throws<IcebergConfigException>(() => IcebergSettings.Load(Path.Combine(_dir, "none.env"), _dir, "shop"));
        Assert.StartsWith("cannot read the Iceberg configuration " + Path.Combine(_dir, "none.env"), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60_000)]
    [InlineData("2 h", 7_200_000)]
    public void Durations(string text, long ms) => Assert.Equal(TimeSpan.FromMilliseconds(ms), IcebergSettings.ParseDuration(text));

    [Theory]
    [InlineData("128MB", 128L << 20)]
    [InlineData("128MiB", 128L << 20)]
    [InlineData("512kb", 512L << 10)]
    [InlineData("1GB", 1L << 30)]
    [InlineData("1000", 1000)]
    public void Sizes(string text, long bytes) => Assert.Equal(bytes, IcebergSettings.ParseSize(text));

    [Fact]
    public void The_file_wins_over_the_defaults_it_is_given()
    {
        var hocon = IcebergSettings.FromValues([("COMMIT_INTERVAL", "1m", "h"), ("S3_REGION", "eu-west-1", "h"), ("S3_ENDPOINT", "http://a:1", "h"), ("TABLE_NAME", "c.ns", "h")], _dir);
        var s = IcebergSettings.Load(File("S3_REGION=us-west-2\n"), _dir, "shop", hocon);
        Assert.Equal(TimeSpan.FromMinutes(1), s.CommitInterval);
        Assert.Equal("us-west-2", s.S3!.Region);
        Assert.Equal("http://a:1", s.S3.Endpoint);
        Assert.Equal(("c", "ns"), (s.CatalogName, s.Namespace));
        Assert.Equal(IcebergSettings.Load(null, _dir, "shop").CatalogUri, s.CatalogUri);
    }

    [Fact]
    public void Table_names_follow_the_schema_and_the_configured_table()
    {
        var several = IcebergSettings.Load(null, _dir, "shop");
        Assert.Equal(new IcebergTableIdent("pgwire", "shop", "orders"), several.TableFor("public", "orders", onlyTable: true));
        Assert.Equal(new IcebergTableIdent("pgwire", "shop", "sales__orders"), several.TableFor("sales", "orders", onlyTable: false));
        Assert.Equal("shop.sales__orders", several.TableFor("sales", "orders", onlyTable: true).ToString());

        var one = IcebergSettings.Load(File("TABLE_NAME=lake.ns.t\n"), _dir, "shop");
        Assert.Equal(new IcebergTableIdent("lake", "ns", "t"), one.TableFor("sales", "orders", onlyTable: true));
        Assert.Equal(new IcebergTableIdent("lake", "ns", "sales__orders"), one.TableFor("sales", "orders", onlyTable: false));

        var ns = IcebergSettings.Load(File("TABLE_NAME=lake.ns\n"), _dir, "shop");
        Assert.Equal(new IcebergTableIdent("lake", "ns", "orders"), ns.TableFor("public", "orders", onlyTable: true));
    }

    [Fact]
    public async Task Local_files_are_created_once_and_deleted_quietly()
    {
        var io = new LocalFileIO();
        var location = new Uri(Path.Combine(_dir, "a", "b.bin")).AbsoluteUri;
        await using (var s = io.Create(location))
        {
            await s.WriteAsync(new byte[] { 1 });
        }

        Assert.True(io.Exists(location));
        Assert.Throws<IOException>(() => io.Create(location));
        io.Delete(location);
        Assert.False(io.Exists(location));
        io.Delete(location);
        io.Delete(Path.Combine(_dir, "missing", "c.bin"));
    }

    [Fact]
    public async Task Opening_the_default_catalog_creates_it_with_the_namespace()
    {
        var s = IcebergSettings.Load(null, Path.Combine(_dir, "cfg"), "shop");
        var catalog = await s.OpenCatalogAsync(CancellationToken.None);
        Assert.True(System.IO.File.Exists(Path.Combine(_dir, "cfg", "catalog.db")));
        Assert.Equal(["shop"], await catalog.ListNamespacesAsync());
        var ident = s.TableFor("public", "t", true);
        var table = await catalog.CreateTableAsync(ident.Namespace, ident.Name, TableWriteTests.Schema());
        Assert.StartsWith(Path.Combine(_dir, "cfg", "warehouse", "shop.db", "t", "metadata") + "/", table.MetadataLocation, StringComparison.Ordinal);

        // Opening again finds both.
        catalog = await s.OpenCatalogAsync(CancellationToken.None);
        Assert.Equal(["t"], await catalog.ListTablesAsync("shop"));
    }

    [Fact]
    public async Task An_unreachable_catalog_is_a_one_line_config_error_without_the_password()
    {
        var s = IcebergSettings.Load(File("CATALOG_URI=postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=5\n"), _dir, "shop");
        var e = await Assert.ThrowsAsync<IcebergConfigException>(() => s.OpenCatalogAsync(CancellationToken.None));
        Assert.StartsWith("cannot open the Iceberg catalog postgresql://u:***@127.0.0.1:1/db?connect_timeout=5: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
    }
}
