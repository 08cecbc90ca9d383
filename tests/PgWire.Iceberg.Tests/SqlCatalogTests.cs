using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>The catalog on SQLite.</summary>
public sealed class SqliteCatalogTests : SqlCatalogTests
{
    private string ConnectionString => $"Data Source={Path.Combine(Dir, "catalog.db")}";

    protected override SqlCatalog NewCatalog(string warehouse, IFileIO io) => new(ConnectionString, CatalogName, warehouse, io);

    protected override DbConnection Connect() => new SqliteConnection(ConnectionString);

    protected override string ColumnsSql(string table) => $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";

    public override void Dispose()
    {
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }

    [Fact]
    public Task Concurrent_commits_from_one_version_let_exactly_one_win() => Concurrent_commits_from_one_version_let_exactly_one_winAsync();

    [Fact]
    public Task Namespaces_are_listed_and_created_once() => Namespaces_are_listed_and_created_onceAsync();

    [Fact]
    public Task Catalog_tables_have_the_columns_other_catalogs_expect() => Catalog_tables_have_the_columns_other_catalogs_expectAsync();

    [Fact]
    public Task A_table_created_and_appended_to_loads_from_another_catalog_object() => A_table_created_and_appended_to_loads_from_another_catalog_objectAsync();

    [Fact]
    public Task A_commit_from_a_stale_version_is_refused_and_changes_nothing() => A_commit_from_a_stale_version_is_refused_and_changes_nothingAsync();

    [Fact]
    public Task Creating_a_table_twice_or_in_a_missing_namespace_fails() => Creating_a_table_twice_or_in_a_missing_namespace_failsAsync();
}

/// <summary>
/// The catalog on the test cluster's PostgreSQL, in a database created for the run; each test
/// has a catalog name of its own.
/// </summary>
[Collection(nameof(PostgresCatalogDatabase))]
public sealed class PostgresCatalogTests(PostgresCatalogDatabase database) : SqlCatalogTests
{
    protected override SqlCatalog NewCatalog(string warehouse, IFileIO io) => SqlCatalog.ForPostgres(database.ConnectionString, CatalogName, warehouse, io);

    protected override DbConnection Connect() => new NpgsqlConnection(database.ConnectionString);

    protected override string ColumnsSql(string table) =>
        $"SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position";

    [ClusterFact]
    public Task Concurrent_commits_from_one_version_let_exactly_one_win() => Concurrent_commits_from_one_version_let_exactly_one_winAsync();

    [ClusterFact]
    public Task Namespaces_are_listed_and_created_once() => Namespaces_are_listed_and_created_onceAsync();

    [ClusterFact]
    public async Task Settings_with_a_postgresql_uri_open_the_catalog_and_create_the_namespace()
    {
        var file = Path.Combine(Dir, "iceberg.env");
        var password = Uri.EscapeDataString(TestCluster.SuperUserPassword);
        await File.WriteAllTextAsync(file, $"""
            CATALOG_URI=postgresql+psycopg2://{TestCluster.SuperUser}:{password}@{TestCluster.Host}:{TestCluster.Port}/{database.Name}
            TABLE_NAME={CatalogName}.lake.orders
            WAREHOUSE=wh
            """);
        var settings = IcebergSettings.Load(file, "/nonexistent", "shop");
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        Assert.Equal(["lake"], await catalog.ListNamespacesAsync());
        var ident = settings.TableFor("public", "o", onlyTable: true);
        Assert.Equal(new IcebergTableIdent(CatalogName, "lake", "orders"), ident);
        var table = await catalog.CreateTableAsync(ident.Namespace, ident.Name, TableWriteTests.Schema());
        Assert.StartsWith(Path.Combine(Dir, "wh", "lake.db", "orders", "metadata") + "/", table.MetadataLocation, StringComparison.Ordinal);
        Assert.Equal(table.MetadataLocation, Assert.Single(Rows()).Location);
    }

    [ClusterFact]
    public async Task First_initializations_at_once_all_succeed()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..8];
        await using (var c = new NpgsqlConnection(database.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await cmd.ExecuteNonQueryAsync();
        }

        var cs = new NpgsqlConnectionStringBuilder(database.ConnectionString) { SearchPath = schema }.ConnectionString;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SqlCatalog.ForPostgres(cs, CatalogName, Dir, new LocalFileIO()).InitializeAsync())));
        var catalog = SqlCatalog.ForPostgres(cs, CatalogName, Dir, new LocalFileIO());
        await catalog.EnsureNamespaceAsync("ns");
        await catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema());
        Assert.Equal(["t"], await catalog.ListTablesAsync("ns"));
        await using (var c = new NpgsqlConnection(cs))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {schema}.iceberg_tables", c);
            Assert.Equal(1L, await cmd.ExecuteScalarAsync());
        }
    }

    [ClusterFact]
    public Task Catalog_tables_have_the_columns_other_catalogs_expect() => Catalog_tables_have_the_columns_other_catalogs_expectAsync();

    [ClusterFact]
    public Task A_table_created_and_appended_to_loads_from_another_catalog_object() => A_table_created_and_appended_to_loads_from_another_catalog_objectAsync();

    [ClusterFact]
    public Task A_commit_from_a_stale_version_is_refused_and_changes_nothing() => A_commit_from_a_stale_version_is_refused_and_changes_nothingAsync();

    [ClusterFact]
    public Task Creating_a_table_twice_or_in_a_missing_namespace_fails() => Creating_a_table_twice_or_in_a_missing_namespace_failsAsync();

    [ClusterFact]
    public async Task Column_types_and_keys_are_those_of_the_jdbc_catalog()
    {
        await CatalogAsync();
        await using var c = Connect();
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type || coalesce('(' || c.character_maximum_length || ')', '') || ' ' || c.is_nullable
            FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name LIKE 'iceberg%' ORDER BY c.table_name, c.ordinal_position
            """;
        var columns = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                columns.Add(r.GetString(0));
            }
        }

        Assert.Equal(
        [
            "iceberg_namespace_properties.catalog_name character varying(255) NO",
            "iceberg_namespace_properties.namespace character varying(255) NO",
            "iceberg_namespace_properties.property_key character varying(255) NO",
            "iceberg_namespace_properties.property_value character varying(1000) YES",
            "iceberg_tables.catalog_name character varying(255) NO",
            "iceberg_tables.table_namespace character varying(255) NO",
            "iceberg_tables.table_name character varying(255) NO",
            "iceberg_tables.metadata_location character varying(1000) YES",
            "iceberg_tables.previous_metadata_location character varying(1000) YES",
        ], columns);
        cmd.CommandText = """
            SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indisprimary AND i.indrelid = 'iceberg_tables'::regclass
            """;
        Assert.Equal("catalog_name,table_namespace,table_name", await cmd.ExecuteScalarAsync());
    }
}

[CollectionDefinition(nameof(PostgresCatalogDatabase))]
public sealed class PostgresCatalogDatabaseCollection : ICollectionFixture<PostgresCatalogDatabase>;

/// <summary>A database of its own for the run's PostgreSQL catalog tests, dropped at the end.</summary>
public sealed class PostgresCatalogDatabase : IAsyncLifetime
{
    public string Name { get; } = "pgwire_iceberg_" + Guid.NewGuid().ToString("N")[..12];

    public string? SkipReason => TestCluster.SkipReason;

    public string ConnectionString => TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword, Name);

    private static string Admin => TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword);

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        await using var c = new NpgsqlConnection(Admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {Name}", c);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(Admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>The catalog's behaviour, the same on every database it runs on.</summary>
public abstract class SqlCatalogTests : IDisposable
{
    protected string Dir { get; } = Path.Combine(Path.GetTempPath(), "pgwire-catalog-" + Guid.NewGuid().ToString("N"));

    /// <summary>Each test's own catalog_name, so that tests sharing a database see only their rows.</summary>
    protected string CatalogName { get; } = "pgwire_" + Guid.NewGuid().ToString("N")[..8];

    protected SqlCatalogTests() => Directory.CreateDirectory(Dir);

    protected abstract SqlCatalog NewCatalog(string warehouse, IFileIO io);

    protected abstract DbConnection Connect();

    protected abstract string ColumnsSql(string table);

    public virtual void Dispose() => Directory.Delete(Dir, recursive: true);

    protected async Task<SqlCatalog> CatalogAsync()
    {
        var catalog = NewCatalog(Path.Combine(Dir, "warehouse"), new LocalFileIO());
        await catalog.InitializeAsync();
        return catalog;
    }

    private List<string> Columns(string table)
    {
        using var c = Connect();
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = ColumnsSql(table);
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read())
        {
            names.Add(r.GetString(0));
        }

        return names;
    }

    protected List<(string Ns, string Name, string? Location, string? Previous)> Rows()
    {
        using var c = Connect();
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT table_namespace, table_name, metadata_location, previous_metadata_location FROM iceberg_tables WHERE catalog_name = '{CatalogName}'";
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string, string?, string?)>();
        while (r.Read())
        {
            rows.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
        }

        return rows;
    }

    protected async Task Catalog_tables_have_the_columns_other_catalogs_expectAsync()
    {
        await CatalogAsync();
        Assert.Equal(["catalog_name", "table_namespace", "table_name", "metadata_location", "previous_metadata_location"], Columns("iceberg_tables"));
        Assert.Equal(["catalog_name", "namespace", "property_key", "property_value"], Columns("iceberg_namespace_properties"));
    }

    protected async Task A_table_created_and_appended_to_loads_from_another_catalog_objectAsync()
    {
        var catalog = await CatalogAsync();
        await catalog.CreateNamespaceAsync("public");
        Assert.True(await catalog.NamespaceExistsAsync("public"));
        var table = await catalog.CreateTableAsync("public", "items", TableWriteTests.Schema());
        var created = table.MetadataLocation;
        Assert.Matches(@"/public\.db/items/metadata/00000-[0-9a-f-]{36}\.metadata\.json$", created);
        await table.AppendAsync([TableWriteTests.Row(1), TableWriteTests.Row(2)], new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/1" });

        var row = Assert.Single(Rows());
        Assert.Equal(("public", "items"), (row.Ns, row.Name));
        Assert.Equal(table.MetadataLocation, row.Location);
        Assert.Equal(created, row.Previous);
        Assert.Matches(@"/metadata/00001-[0-9a-f-]{36}\.metadata\.json$", row.Location);

        var again = await (await CatalogAsync()).LoadTableAsync("public", "items");
        Assert.Equal(2, (await again.ReadAsync()).Rows.Count);
        Assert.Equal("0/1", again.Metadata.CurrentSnapshot!.Summary["pgwire.commit-lsn"]);
        Assert.Equal(["items"], await catalog.ListTablesAsync("public"));
    }

    protected async Task A_commit_from_a_stale_version_is_refused_and_changes_nothingAsync()
    {
        var catalog = await CatalogAsync();
        await catalog.CreateNamespaceAsync("ns");
        await catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema());
        var a = await catalog.LoadTableAsync("ns", "t");
        var b = await catalog.LoadTableAsync("ns", "t");
        await a.AppendAsync([TableWriteTests.Row(1)]);
        var after = Rows().Single();
        await Assert.ThrowsAsync<CommitConflictException>(() => b.AppendAsync([TableWriteTests.Row(2)]));
        Assert.Equal(after, Rows().Single());
        var reloaded = await catalog.LoadTableAsync("ns", "t");
        Assert.Equal(1L, (long)(await reloaded.ReadAsync()).Rows.Single()[0]!);
    }

    protected async Task Creating_a_table_twice_or_in_a_missing_namespace_failsAsync()
    {
        var catalog = await CatalogAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.CreateTableAsync("nope", "t", TableWriteTests.Schema()));
        await catalog.CreateNamespaceAsync("ns");
        await catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema());
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema()));
    }

    protected async Task Concurrent_commits_from_one_version_let_exactly_one_winAsync()
    {
        var catalog = await CatalogAsync();
        await catalog.CreateNamespaceAsync("ns");
        var created = (await catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema())).MetadataLocation;
        var writers = new List<IcebergTable>();
        for (var i = 0; i < 6; i++)
        {
            writers.Add(await NewCatalog(Path.Combine(Dir, "warehouse"), new LocalFileIO()).LoadTableAsync("ns", "t"));
        }

        using var start = new ManualResetEventSlim();
        var attempts = writers.Select((w, i) => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await w.AppendAsync([TableWriteTests.Row(i + 1)]);
                return true;
            }
            catch (CommitConflictException)
            {
                return false;
            }
        })).ToList();
        start.Set();
        var won = await Task.WhenAll(attempts);
        Assert.Equal(1, won.Count(w => w));

        var winner = writers[Array.IndexOf(won, true)];
        var row = Assert.Single(Rows());
        Assert.Equal((winner.MetadataLocation, created), (row.Location, row.Previous));
        var table = await catalog.LoadTableAsync("ns", "t");
        Assert.Single(table.Metadata.Snapshots);
        Assert.Equal(Array.IndexOf(won, true) + 1L, (long)(await table.ReadAsync()).Rows.Single()[0]!);
    }

    protected async Task Namespaces_are_listed_and_created_onceAsync()
    {
        var catalog = await CatalogAsync();
        Assert.Empty(await catalog.ListNamespacesAsync());
        await catalog.EnsureNamespaceAsync("b");
        await catalog.EnsureNamespaceAsync("b");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => catalog.EnsureNamespaceAsync("a")));
        await catalog.CreateTableAsync("a", "t", TableWriteTests.Schema());
        Assert.Equal(["a", "b"], await catalog.ListNamespacesAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.CreateNamespaceAsync("a"));
    }
}
