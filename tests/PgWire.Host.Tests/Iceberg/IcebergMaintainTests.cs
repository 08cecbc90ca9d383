using System.Globalization;
using Microsoft.Data.Sqlite;
using PgWire.Host.Iceberg;
using PgWire.Iceberg;
using Xunit;

namespace PgWire.Host.Tests.Iceberg;

public sealed class IcebergMaintainTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-icemaint-" + Guid.NewGuid().ToString("N"));


    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var code = await IcebergCommand.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>shop.orders in the config dir's catalog: 10 rows, then 20 commits each updating one row as lrepl does.</summary>
    private async Task<IcebergTable> WriteAsync()
    {
        Directory.CreateDirectory(_dir);
        var io = new LocalFileIO();
        var catalog = await IcebergSettings.Load(null, _dir, "shop").OpenCatalogAsync(CancellationToken.None);
        var table = await catalog.CreateTableAsync("shop", "orders", new IcebergSchema(0, [
            new NestedField(1, "id", true, PrimitiveType.Long),
            new NestedField(2, "name", false, PrimitiveType.String),
        ], [1]));
        var first = await DataFileWriter.WriteAsync(io, table.NewDataFileLocation(), table.Metadata.CurrentSchema, [.. Enumerable.Range(0, 10).Select(i => new object?[] { (long)i, $"n{i}" })]);
        await table.CommitAsync([first], [], removeAllExisting: false, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/100" });
        var where = Enumerable.Range(0, 10).ToDictionary(i => (long)i, i => new PositionDelete(first.FilePath, i));
        for (var c = 1; c <= 20; c++)
        {
            var id = (long)(c * 3 % 10);
            var file = await DataFileWriter.WriteAsync(io, table.NewDataFileLocation(), table.Metadata.CurrentSchema, [[id, $"n{id} v{c}"]]);
            await table.CommitAsync([file], [where[id]], removeAllExisting: false, new Dictionary<string, string> { ["pgwire.commit-lsn"] = string.Create(CultureInfo.InvariantCulture, $"0/{0x100 + c:X}") });
            where[id] = new PositionDelete(file.FilePath, 0);
        }

        return table;
    }

    [Fact]
    public async Task Maintain_compacts_expires_and_prints_what_it_did()
    {
        await WriteAsync();
        var (_, rowsBefore, _) = await RunAsync("show", "-c", _dir, "shop.orders");
        var (code, output, error) = await RunAsync("maintain", "-c", _dir, "--retention", "0", "orders");
        log.WriteLine(output);
        Assert.Equal("", error);
        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("table orders: ", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^compaction: 21 data files \(.+\) rewritten into 1 \(.+\), 20 delete files dropped, 41 manifests merged into 3 \(snapshot \d+\)$", lines[1]);
        Assert.Matches(@"^snapshots: 21 expired \(older than 0\), 1 kept; \d+ files no longer used deleted \(.+\)$", lines[2]);
        // Files written a moment ago are within the default grace period of an hour.
        Assert.Equal("orphan files: 0 removed (0 bytes)", lines[3]);

        var (_, rowsAfter, _) = await RunAsync("show", "-c", _dir, "shop.orders");
        Assert.Equal(rowsBefore, rowsAfter);
        Assert.EndsWith("(10 rows)\n\n", rowsAfter, StringComparison.Ordinal);
        var (_, history, _) = await RunAsync("show", "-c", _dir, "--history", "shop.orders");
        // The replace snapshot carries lrepl's position on; its counts are the rewritten records.
        Assert.Matches(@"\| replace +\| +10 \| +30 \| +10 \| 0/114\n\(1 row\)", history);

        (code, output, _) = await RunAsync("maintain", "-c", _dir, "shop.orders");
        Assert.Equal(0, code);
        Assert.Equal(["compaction: nothing to do", "snapshots: 0 expired (older than 1d), 1 kept; 0 files no longer used deleted (0 bytes)", "orphan files: 0 removed (0 bytes)"], output.TrimEnd('\n').Split('\n')[1..]);
    }

    [Fact]
    public async Task Unknown_tables_and_bad_options_are_one_line()
    {
        await WriteAsync();
        var (code, output, error) = await RunAsync("maintain", "-c", _dir, "shop.nope");
        Assert.Equal((1, "", "pgwire iceberg: table \"shop.nope\" does not exist in catalog pgwire\n"), (code, output, error));

        (code, _, error) = await RunAsync("maintain", "-c", _dir, "--retention", "soon", "orders");
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: --retention: \"soon\" is not a duration (0, 500ms, 30s, 10m, 12h, 1d)\n", error, StringComparison.Ordinal);
        (code, _, error) = await RunAsync("maintain", "-c", _dir, "--target-file-size=big", "orders");
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: --target-file-size: \"big\" is not a size", error, StringComparison.Ordinal);
        (code, _, error) = await RunAsync("maintain", "-c", _dir, "--history", "orders");
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: unknown argument \"--history\"", error, StringComparison.Ordinal);
        (code, _, error) = await RunAsync("show", "-c", _dir, "--retention", "1d", "orders");
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: unknown argument \"--retention\"", error, StringComparison.Ordinal);

        // A large target: every file is small, 1.5d of retention keeps all snapshots.
        (code, output, _) = await RunAsync("maintain", "-c", _dir, "--retention", "1.5d", "--target-file-size", "1GB", "--orphan-grace", "2h", "orders");
        Assert.Equal(0, code);
        Assert.Contains("snapshots: 0 expired (older than 36h), 22 kept;", output, StringComparison.Ordinal);
    }
}
