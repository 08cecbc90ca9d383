using Microsoft.Data.Sqlite;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class SqlCatalogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-catalog-" + Guid.NewGuid().ToString("N"));

    public SqlCatalogTests() => Directory.CreateDirectory(_dir);

    private string ConnectionString => $"Data Source={Path.Combine(_dir, "catalog.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<SqlCatalog> CatalogAsync()
    {
        var catalog = new SqlCatalog(ConnectionString, "pgwire", Path.Combine(_dir, "warehouse"), new LocalFileIO());
        await catalog.InitializeAsync();
        return catalog;
    }

    private List<(string Ns, string Name, string? Location, string? Previous)> Rows()
    {
        using var c = new SqliteConnection(ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT table_namespace, table_name, metadata_location, previous_metadata_location FROM iceberg_tables WHERE catalog_name = 'pgwire'";
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string, string?, string?)>();
        while (r.Read())
        {
            rows.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
        }

        return rows;
    }

    [Fact]
    public async Task Catalog_tables_have_the_columns_other_catalogs_expect()
    {
        await CatalogAsync();
        using var c = new SqliteConnection(ConnectionString);
        c.Open();
        List<string> Columns(string table)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
            using var r = cmd.ExecuteReader();
            var names = new List<string>();
            while (r.Read())
            {
                names.Add(r.GetString(0));
            }

            return names;
        }

        Assert.Equal(["catalog_name", "table_namespace", "table_name", "metadata_location", "previous_metadata_location"], Columns("iceberg_tables"));
        Assert.Equal(["catalog_name", "namespace", "property_key", "property_value"], Columns("iceberg_namespace_properties"));
    }

    [Fact]
    public async Task A_table_created_and_appended_to_loads_from_another_catalog_object()
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

    [Fact]
    public async Task A_commit_from_a_stale_version_is_refused_and_changes_nothing()
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

    [Fact]
    public async Task Creating_a_table_twice_or_in_a_missing_namespace_fails()
    {
        var catalog = await CatalogAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.CreateTableAsync("nope", "t", TableWriteTests.Schema()));
        await catalog.CreateNamespaceAsync("ns");
        await catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema());
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.CreateTableAsync("ns", "t", TableWriteTests.Schema()));
    }
}
