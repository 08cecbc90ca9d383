using Microsoft.Data.Sqlite;
using Xunit;

namespace PgWire.Iceberg.Tests;

[Collection(nameof(S3rver))]
public sealed class S3FileIOTests(S3rver s3) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-s3io-" + Guid.NewGuid().ToString("N"));

    private readonly string _prefix = $"s3://{S3rver.Bucket}/t-{Guid.NewGuid():N}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static async Task<byte[]> ReadAllAsync(IFileIO io, string location)
    {
        await using var s = io.OpenRead(location);
        using var m = new MemoryStream();
        await s.CopyToAsync(m);
        return m.ToArray();
    }

    [S3rverFact]
    public async Task Small_and_multipart_files_read_back_byte_for_byte()
    {
        var requests = new RequestLog();
        using var io = new S3FileIO(s3.Settings, c => c.HttpClientFactory = requests);
        var small = Bytes(1000, 1);
        await using (var s = io.Create($"{_prefix}/small.bin"))
        {
            await s.WriteAsync(small);
        }

        // Two full parts and a short last one; written in odd-sized pieces, partly synchronously.
        var large = Bytes((2 * S3FileIO.PartSize) + 12345, 2);
        await using (var s = io.Create($"{_prefix}/large.bin"))
        {
            for (var at = 0; at < large.Length; at += 3_000_001)
            {
                var piece = large.AsMemory(at, Math.Min(3_000_001, large.Length - at));
                if (at % 2 == 0)
                {
                    await s.WriteAsync(piece);
                }
                else
                {
                    s.Write(piece.Span);
                }
            }
        }

        Assert.Equal(small, await ReadAllAsync(io, $"{_prefix}/small.bin"));
        Assert.Equal(large, await ReadAllAsync(io, $"{_prefix}/large.bin"));

        // The small file went up in one PUT, the large one in three parts.
        var puts = requests.Lines.Where(l => l.StartsWith("PUT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, puts.Count);
        Assert.EndsWith("/small.bin", puts[0], StringComparison.Ordinal);
        Assert.All(puts.Skip(1), p => Assert.Matches(@"/large\.bin\?.*partNumber=[123]", p));
        Assert.Single(requests.Lines, l => l.StartsWith("POST ", StringComparison.Ordinal) && l.Contains("/large.bin?uploads", StringComparison.Ordinal));
        Assert.Single(requests.Lines, l => l.StartsWith("POST ", StringComparison.Ordinal) && l.Contains("/large.bin?uploadId=", StringComparison.Ordinal));
    }

    /// <summary>The SDK's requests, as "METHOD path?query" lines.</summary>
    private sealed class RequestLog : Amazon.Runtime.HttpClientFactory
    {
        public List<string> Lines { get; } = [];

        public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(new Logger(this, new HttpClientHandler()));

        private sealed class Logger(RequestLog log, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                lock (log.Lines)
                {
                    log.Lines.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
                }

                return base.SendAsync(request, cancellationToken);
            }
        }
    }

    [S3rverFact]
    public async Task Create_refuses_an_existing_file_and_missing_files_are_reported()
    {
        using var io = new S3FileIO(s3.Settings);
        var location = $"{_prefix}/one.json";
        Assert.False(io.Exists(location));
        Assert.Throws<FileNotFoundException>(() => io.OpenRead(location));
        await using (var s = io.Create(location))
        {
            await s.WriteAsync("first"u8.ToArray());
        }

        Assert.True(io.Exists(location));
        var e = Assert.Throws<IOException>(() => io.Create(location));
        Assert.Equal($"{location} exists", e.Message);
        Assert.Equal("first"u8.ToArray(), await ReadAllAsync(io, location));
        io.Delete(location);
        Assert.False(io.Exists(location));
        io.Delete(location);
    }

    [S3rverFact]
    public async Task Listing_a_folder_gives_its_files_with_sizes_and_times()
    {
        using var io = new S3FileIO(s3.Settings);
        foreach (var (name, length) in new[] { ("a/one.bin", 3), ("a/deeper/two.bin", 5), ("ab/not-under-a.bin", 1) })
        {
            await using var s = io.Create($"{_prefix}/{name}");
            await s.WriteAsync(Bytes(length, length));
        }

        var listed = io.List($"{_prefix}/a").OrderBy(f => f.Location, StringComparer.Ordinal).ToList();
        Assert.Equal([($"{_prefix}/a/deeper/two.bin", 5L), ($"{_prefix}/a/one.bin", 3L)], listed.Select(f => (f.Location, f.Size)));
        Assert.All(listed, f => Assert.InRange(f.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));
        // The scheme is kept as given, so listed locations compare equal to the metadata's.
        var s3a = "s3a" + _prefix[2..];
        Assert.Equal($"{s3a}/a/one.bin", io.List($"{s3a}/a/").Single(f => f.Size == 3).Location);
        Assert.Empty(io.List($"{_prefix}/nothing"));
    }

    [S3rverFact]
    public async Task Upkeep_of_a_table_on_s3_compacts_expires_and_keeps_the_rows()
    {
        var (settings, rows) = await WriteTableAsync();
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var table = await catalog.LoadTableAsync("lake", "items");
        using var io = new S3FileIO(s3.Settings);
        var orphan = $"{table.Metadata.Location}/data/left-behind.parquet";
        await using (var s = io.Create(orphan))
        {
            await s.WriteAsync(Bytes(10, 1));
        }

        var result = await TableMaintenance.RunAsync(table, io, new MaintenanceOptions
        {
            SnapshotRetention = TimeSpan.Zero,
            OrphanGracePeriod = TimeSpan.Zero,
            Clock = () => DateTimeOffset.UtcNow.AddMinutes(1),
        });
        Assert.Equal(2, result.DataFilesRewritten);
        Assert.Equal(1, result.DataFilesWritten);
        Assert.Equal(2, result.SnapshotsExpired);
        Assert.True(result.OrphansRemoved >= 1, result.ToString());
        Assert.False(io.Exists(orphan));

        var again = await (await settings.OpenCatalogAsync(CancellationToken.None)).LoadTableAsync("lake", "items");
        Assert.Equal(rows, (await again.ReadAsync()).Rows.Select(r => $"{r[0]}:{r[1] ?? "null"}").Order(StringComparer.Ordinal));
        var parquet = io.List($"{again.Metadata.Location}/data").Select(f => f.Location).ToList();
        var (data, deletes) = await TableScan.PlanAsync(io, again.Metadata.CurrentSnapshot!);
        Assert.Empty(deletes);
        Assert.Equal([Assert.Single(data).File.FilePath], parquet);
    }

    [S3rverFact]
    public void A_missing_bucket_is_an_io_error_naming_the_location()
    {
        using var io = new S3FileIO(s3.Settings);
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            using var s = io.Create("s3://no-such-bucket/x.bin");
            s.Write([1, 2, 3]);
        });
        Assert.StartsWith("s3://no-such-bucket/x.bin: ", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A table in an S3 warehouse, written through settings from a file and a SQLite catalog: 6 rows, then an update and a delete.</summary>
    private async Task<(IcebergSettings Settings, List<string> Rows)> WriteTableAsync()
    {
        Directory.CreateDirectory(_dir);
        var config = Path.Combine(_dir, "iceberg.env");
        await File.WriteAllTextAsync(config, $"""
            CATALOG_URI=sqlite:///catalog.db
            TABLE_NAME=pgwire.lake
            WAREHOUSE={_prefix}/warehouse
            S3_ENDPOINT={s3.Endpoint}
            S3_ACCESS_KEY=S3RVER
            S3_SECRET_KEY="S3RVER"
            S3_PATH_STYLE=true
            """);
        var settings = IcebergSettings.Load(config, _dir, "shop");
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", "items", onlyTable: false);
        var table = await catalog.CreateTableAsync(ident.Namespace, ident.Name, TableWriteTests.Schema());
        Assert.StartsWith($"{_prefix}/warehouse/lake.db/items/metadata/00000-", table.MetadataLocation, StringComparison.Ordinal);
        await table.AppendAsync(Enumerable.Range(1, 6).Select(i => TableWriteTests.Row(i)).ToList(), new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/AB" });
        var renamed = TableWriteTests.Row(2);
        renamed[1] = "renamed";
        await table.CommitRowsAsync([renamed], [[2L], [5L]]);

        var again = await (await settings.OpenCatalogAsync(CancellationToken.None)).LoadTableAsync("lake", "items");
        var rows = (await again.ReadAsync()).Rows.Select(r => $"{r[0]}:{r[1] ?? "null"}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["1:name 1 é", "2:renamed", "3:null", "4:name 4 é", "6:null"], rows);
        Assert.Equal("0/AB", again.Metadata.Snapshots[0].Summary["pgwire.commit-lsn"]);
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories), f => f.EndsWith(".parquet", StringComparison.Ordinal) || f.EndsWith(".avro", StringComparison.Ordinal));
        return (settings, rows);
    }

    [S3rverFact]
    public async Task A_table_in_an_s3_warehouse_written_through_the_catalog_reads_back() => await WriteTableAsync();

    [S3rverFact(NeedsIcebird = true)]
    public async Task Icebird_reads_the_table_from_s3()
    {
        var (settings, rows) = await WriteTableAsync();
        var table = await (await settings.OpenCatalogAsync(CancellationToken.None)).LoadTableAsync("lake", "items");
        var name = table.MetadataLocation[(table.MetadataLocation.LastIndexOf('/') + 1)..];
        var theirs = Icebird.ReadS3(table.Metadata.Location, name, s3.Endpoint).Select(r => $"{r!["id"]}:{(string?)r["name"] ?? "null"}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(rows, theirs);
    }
}
