using System.Globalization;
using Microsoft.Data.Sqlite;
using PgWire.Host.Iceberg;
using PgWire.Iceberg;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Iceberg;

public sealed class IcebergShowTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceshow-" + Guid.NewGuid().ToString("N"));

    public IcebergShowTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly IcebergSchema Schema = new(
        0,
        [
            new NestedField(1, "id", true, PrimitiveType.Long),
            new NestedField(2, "name", false, PrimitiveType.String),
            new NestedField(3, "price", false, PrimitiveType.Decimal(10, 2)),
            new NestedField(4, "at", false, PrimitiveType.TimestampTz),
            new NestedField(5, "ok", false, PrimitiveType.Boolean),
            new NestedField(6, "tags", false, new ListType(7, PrimitiveType.String, false)),
            new NestedField(8, "raw", false, PrimitiveType.Binary),
        ],
        [1]);

    private static object?[] Row(long id, string? name, decimal? price) =>
    [
        id, name, price, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(id * 10), id % 2 == 0,
        id == 1 ? new object?[] { "a", "b c", null } : null, id == 3 ? new byte[] { 0xDE, 0xAD } : null,
    ];

    /// <summary>A catalog in the config dir, as lrepl's default: namespace shop, table orders with three commits.</summary>
    private async Task<IcebergTable> WriteAsync(string ns = "shop", string name = "orders")
    {
        var catalog = await IcebergSettings.Load(null, _dir, ns).OpenCatalogAsync(CancellationToken.None);
        var table = await catalog.CreateTableAsync(ns, name, Schema);
        await table.AppendAsync([Row(3, "three", 3.5m), Row(1, "one", 10m), Row(2, "two", null)], new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/16B3748" });
        await table.CommitRowsAsync([Row(2, "zwei", 2.25m)], [[2L], [3L]], new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/16B4000" });
        await table.AppendAsync([Row(10, "ten", -1m)]);
        return table;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var code = await IcebergCommand.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Show_prints_the_current_rows_with_deletes_applied_as_psql_does()
    {
        await WriteAsync();
        var (code, output, error) = await RunAsync("show", "-c", _dir, "shop.orders");
        Assert.Equal("", error);
        Assert.Equal(0, code);
        // psql 15's output for the same values (SET timezone = UTC; text[] and bytea columns).
        Assert.Equal(
            " id | name | price |              at               | ok |      tags      | raw \n" +
            "----+------+-------+-------------------------------+----+----------------+-----\n" +
            "  1 | one  | 10.00 | 2024-05-06 07:08:09.000001+00 | f  | {a,\"b c\",NULL} | \n" +
            "  2 | zwei |  2.25 | 2024-05-06 07:08:09.000002+00 | t  |                | \n" +
            " 10 | ten  | -1.00 | 2024-05-06 07:08:09.00001+00  | t  |                | \n" +
            "(3 rows)\n" +
            "\n",
            output);
    }

    [Fact]
    public async Task The_executable_prints_list_columns_of_every_element_type_as_the_command_does_in_process()
    {
        // Parquet.Net reads list columns through a method it instantiates by reflection for each
        // element type: the published executable (native code, no compiling at run time) must read
        // every one of them, and print what the command prints in this process.
        PrimitiveType[] types =
        [
            PrimitiveType.Boolean, PrimitiveType.Int, PrimitiveType.Long, PrimitiveType.Float, PrimitiveType.Double,
            PrimitiveType.String, PrimitiveType.Binary, PrimitiveType.Uuid, PrimitiveType.Decimal(10, 2),
            PrimitiveType.Date, PrimitiveType.Time, PrimitiveType.Timestamp, PrimitiveType.TimestampTz,
        ];
        object?[] Elements(PrimitiveType type) => type.Name switch
        {
            "boolean" => [true, null, false],
            "int" => [1, null, -2],
            "long" => [1L << 40, null],
            "float" => [1.5f, null],
            "double" => [2.25, null],
            "string" => ["a b", null, ""],
            "binary" => [new byte[] { 0xCA, 0xFE }, null],
            "uuid" => [Guid.Parse("0c8a2f4e-9b3d-4c1a-8f6e-2d7b5a1c3e90"), null],
            "decimal" => [12.34m, null],
            "date" => [new DateOnly(2024, 2, 29), null],
            "time" => [new TimeOnly(13, 14, 15), null],
            "timestamp" => [new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Unspecified), null],
            _ => [new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), null],
        };
        var fields = new List<NestedField> { new(1, "id", true, PrimitiveType.Long) };
        for (var i = 0; i < types.Length; i++)
        {
            fields.Add(new NestedField(10 + (2 * i), "l_" + types[i].Name.Split('(')[0], false, new ListType(11 + (2 * i), types[i], false)));
        }

        var catalog = await IcebergSettings.Load(null, _dir, "shop").OpenCatalogAsync(CancellationToken.None);
        var table = await catalog.CreateTableAsync("shop", "lists", new IcebergSchema(0, fields, [1]));
        await table.AppendAsync(
            [[1L, .. types.Select(t => (object?)Elements(t))], [2L, .. types.Select(_ => (object?)null)]],
            new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/16B3748" });

        var (code, expected, error) = await RunAsync("show", "-c", _dir, "shop.lists");
        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Contains("{\"a b\",NULL,\"\"}", expected, StringComparison.Ordinal);

        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(PgWire.Host.Tests.Lrepl.LreplProcess.Executable, ["iceberg", "show", "-c", _dir, "shop.lists"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "pgwire iceberg show did not end within 60 s");
        var errors = await stderr;
        Assert.True(errors.Length == 0 && process.ExitCode == 0, $"exit {process.ExitCode}:\n{errors}");
        Assert.Equal(expected, await stdout);
    }

    [Fact]
    public async Task Just_the_table_name_finds_the_namespace_holding_it()
    {
        await WriteAsync();
        var (code, output, _) = await RunAsync("show", "--config-dir=" + _dir, "orders");
        Assert.Equal(0, code);
        Assert.EndsWith("(3 rows)\n\n", output, StringComparison.Ordinal);

        await WriteAsync("other");
        (code, _, var error) = await RunAsync("show", "-c", _dir, "orders");
        Assert.Equal(1, code);
        Assert.Equal("pgwire iceberg: table \"orders\" is in several namespaces (other, shop): give NAMESPACE.TABLE\n", error);
    }

    [Fact]
    public async Task History_lists_the_snapshots_with_their_counts_and_commit_lsn()
    {
        var table = await WriteAsync();
        var (code, output, error) = await RunAsync("show", "-c", _dir, "--history", "shop.orders");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.Split('\n');
        Assert.Equal(" snapshot_id | committed_at | operation | added_records | deleted_records | total_records | commit_lsn ",
            System.Text.RegularExpressions.Regex.Replace(lines[0], " +", " "));
        var snapshots = table.Metadata.Snapshots;
        string At(int i) => DateTimeOffset.FromUnixTimeMilliseconds(snapshots[i].TimestampMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+00";
        string Cells(string line) => string.Join("|", line.Split('|').Select(c => c.Trim()));
        Assert.Equal($"{snapshots[0].SnapshotId}|{At(0)}|append|3|0|3|0/16B3748", Cells(lines[2]));
        Assert.Equal($"{snapshots[1].SnapshotId}|{At(1)}|overwrite|1|2|4|0/16B4000", Cells(lines[3]));
        Assert.Equal($"{snapshots[2].SnapshotId}|{At(2)}|append|1|0|5|", Cells(lines[4]));
        Assert.Equal("(3 rows)", lines[5]);
    }

    [Fact]
    public async Task The_catalog_can_come_from_an_iceberg_config_file()
    {
        var elsewhere = Path.Combine(_dir, "lake");
        var catalog = await IcebergSettings.Load(null, elsewhere, "shop").OpenCatalogAsync(CancellationToken.None);
        var table = await catalog.CreateTableAsync("shop", "t", Schema);
        await table.AppendAsync([Row(5, "five", 5m)]);
        var file = Path.Combine(_dir, "iceberg.env");
        await File.WriteAllTextAsync(file, "CATALOG_URI=sqlite:///lake/catalog.db\nWAREHOUSE=lake/warehouse\n");
        var (code, output, error) = await RunAsync("show", "--iceberg-config", file, "shop.t");
        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Contains("  5 | five |  5.00 |", output, StringComparison.Ordinal);
        Assert.EndsWith("(1 row)\n\n", output, StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task A_postgresql_catalog_from_the_config_file()
    {
        var db = "pgwire_iceshow_" + Guid.NewGuid().ToString("N")[..8];
        var admin = TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword);
        await using (var c = new Npgsql.NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {db}", c);
            await cmd.ExecuteNonQueryAsync();
        }

        try
        {
            var file = Path.Combine(_dir, "iceberg.env");
            await File.WriteAllTextAsync(file, $"""
                CATALOG_URI=postgresql://{TestCluster.SuperUser}:{TestCluster.SuperUserPassword}@{TestCluster.Host}:{TestCluster.Port}/{db}
                TABLE_NAME=lake.sales
                WAREHOUSE={_dir}/wh
                """);
            var settings = IcebergSettings.Load(file, _dir, "ignored");
            var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
            var ident = settings.TableFor("public", "orders", onlyTable: false);
            var table = await catalog.CreateTableAsync(ident.Namespace, ident.Name, Schema);
            await table.AppendAsync([Row(7, "seven", 7m)]);

            var (code, output, error) = await RunAsync("show", "--iceberg-config", file, "orders");
            Assert.Equal("", error);
            Assert.Equal(0, code);
            Assert.Contains("  7 | seven |  7.00 |", output, StringComparison.Ordinal);
            (code, _, error) = await RunAsync("show", "--iceberg-config", file, "sales.nope");
            Assert.Equal((1, "pgwire iceberg: table \"sales.nope\" does not exist in catalog lake\n"), (code, error));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var c = new Npgsql.NpgsqlConnection(admin);
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {db} WITH (FORCE)", c);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task An_empty_table_prints_no_rows()
    {
        var catalog = await IcebergSettings.Load(null, _dir, "shop").OpenCatalogAsync(CancellationToken.None);
        await catalog.CreateTableAsync("shop", "empty", new IcebergSchema(0, [new NestedField(1, "n", false, PrimitiveType.Int)]));
        var (code, output, _) = await RunAsync("show", "-c", _dir, "shop.empty");
        Assert.Equal(0, code);
        Assert.Equal(" n \n---\n(0 rows)\n\n", output);
    }

    [Theory]
    [InlineData("shop.nope", "pgwire iceberg: table \"shop.nope\" does not exist in catalog pgwire\n")]
    [InlineData("nope", "pgwire iceberg: table \"nope\" does not exist in catalog pgwire\n")]
    public async Task An_unknown_table_is_one_line_and_exit_1(string name, string expected)
    {
        await WriteAsync();
        var (code, output, error) = await RunAsync("show", "-c", _dir, name);
        Assert.Equal((1, "", expected), (code, output, error));
    }

    [Fact]
    public async Task Missing_catalog_bad_config_and_bad_arguments()
    {
        var (code, _, error) = await RunAsync("show", "-c", Path.Combine(_dir, "none"), "t");
        Assert.Equal(1, code);
        Assert.Equal($"pgwire iceberg: no Iceberg catalog at {Path.Combine(_dir, "none", "catalog.db")} (lrepl creates it on its first run)\n", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "none")));

        var file = Path.Combine(_dir, "bad.env");
        await File.WriteAllTextAsync(file, "CATALOG=x\n");
        (code, _, error) = await RunAsync("show", "--iceberg-config", file, "t");
        Assert.Equal((1, $"pgwire iceberg: {file}:1: unknown key CATALOG (known: CATALOG_URI, TABLE_NAME, WAREHOUSE, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_PATH_STYLE, COMMIT_INTERVAL, TARGET_FILE_SIZE)\n"), (code, error));

        (code, _, error) = await RunAsync("show", "t");
        Assert.Equal((2, "pgwire iceberg: -c CONFIG_DIR or --iceberg-config FILE is required\nTry \"pgwire iceberg --help\" for more information.\n"), (code, error));
        (code, _, error) = await RunAsync("show", "-c", _dir);
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: which table?", error, StringComparison.Ordinal);
        (code, _, error) = await RunAsync("drop", "t");
        Assert.Equal(2, code);
        Assert.StartsWith("pgwire iceberg: unknown subcommand \"drop\" (show, maintain)", error, StringComparison.Ordinal);
        (code, var output, _) = await RunAsync("show", "--help");
        Assert.Equal(0, code);
        Assert.Contains("pgwire iceberg show [-c CONFIG_DIR] [--iceberg-config FILE] [--history] [NAMESPACE.]TABLE", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Pgwire_help_names_the_iceberg_command() =>
        Assert.Contains("  iceberg    show an Iceberg table's rows or snapshots, or maintain it (pgwire iceberg -h)\n", Program.Usage, StringComparison.Ordinal);
}
