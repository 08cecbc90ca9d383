using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PgWire.Iceberg;

/// <summary>
/// A SQL catalog on SQLite or PostgreSQL with the tables of the Iceberg JDBC catalog and
/// pyiceberg's SqlCatalog (iceberg_tables, iceberg_namespace_properties), so either can open the
/// tables it lists. A commit is a compare-and-swap of metadata_location: the row is updated only
/// where it still holds the location the writer started from.
/// </summary>
public sealed class SqlCatalog
{
    private readonly Func<DbConnection> _connect;
    private readonly SqlDialect _dialect;
    private readonly IFileIO _io;

    /// <summary>A catalog in a SQLite database.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, e.g. "Data Source=/path/catalog.db".</param>
    /// <param name="name">The catalog_name the rows carry.</param>
    /// <param name="warehouse">Where new tables go: WAREHOUSE/NAMESPACE.db/TABLE.</param>
    public SqlCatalog(string connectionString, string name, string warehouse, IFileIO io)
        : this(() => new SqliteConnection(connectionString), SqlDialect.Sqlite, name, warehouse, io)
    {
    }

    private SqlCatalog(Func<DbConnection> connect, SqlDialect dialect, string name, string warehouse, IFileIO io)
    {
        _connect = connect;
        _dialect = dialect;
        Name = name;
        Warehouse = warehouse.TrimEnd('/');
        _io = io;
    }

    /// <summary>A catalog in a PostgreSQL database (the tables go to the connection's search_path, public by default).</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. "Host=db;Database=catalog;Username=u;Password=p".</param>
    public static SqlCatalog ForPostgres(string connectionString, string name, string warehouse, IFileIO io) =>
        new(() => new NpgsqlConnection(connectionString), SqlDialect.Postgres, name, warehouse, io);

    public string Name { get; }

    public string Warehouse { get; }

    /// <summary>Creates the catalog tables where they are missing.</summary>
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        if (_dialect == SqlDialect.Postgres)
        {
            // Where both exist nothing is created, so a user without the right to create tables
            // can still use the catalog.
            if (await ScalarAsync(c, "SELECT to_regclass('iceberg_tables') IS NOT NULL AND to_regclass('iceberg_namespace_properties') IS NOT NULL", [], ct) is true)
            {
                return;
            }

            // Two first runs at once: CREATE TABLE IF NOT EXISTS is not safe against a concurrent
            // one in PostgreSQL (a unique violation in pg_type); the lock, held to the end of the
            // transaction, serialises them.
            await ExecuteAsync(c, "BEGIN", [], ct);
            await ExecuteAsync(c, "SELECT pg_advisory_xact_lock(@k)", [("@k", 0x1CEBE7C0L)], ct);
        }

        await ExecuteAsync(c, """
            CREATE TABLE IF NOT EXISTS iceberg_tables (
                catalog_name VARCHAR(255) NOT NULL,
                table_namespace VARCHAR(255) NOT NULL,
                table_name VARCHAR(255) NOT NULL,
                metadata_location VARCHAR(1000),
                previous_metadata_location VARCHAR(1000),
                PRIMARY KEY (catalog_name, table_namespace, table_name))
            """, [], ct);
        await ExecuteAsync(c, """
            CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
                catalog_name VARCHAR(255) NOT NULL,
                namespace VARCHAR(255) NOT NULL,
                property_key VARCHAR(255) NOT NULL,
                property_value VARCHAR(1000),
                PRIMARY KEY (catalog_name, namespace, property_key))
            """, [], ct);
        if (_dialect == SqlDialect.Postgres)
        {
            await ExecuteAsync(c, "COMMIT", [], ct);
        }
    }

    /// <summary>Creates the namespace unless it exists (also when another writer creates it at the same time).</summary>
    public async Task EnsureNamespaceAsync(string ns, CancellationToken ct = default)
    {
        if (await NamespaceExistsAsync(ns, ct))
        {
            return;
        }

        await using var c = await OpenAsync(ct);
        try
        {
            await ExecuteAsync(c, "INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) VALUES (@c, @n, @k, @v)",
                [("@c", Name), ("@n", ns), ("@k", "exists"), ("@v", "true")], ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            // Created meanwhile.
        }
    }

    /// <summary>The namespaces of this catalog: those with properties and those holding tables.</summary>
    public async Task<List<string>> ListNamespacesAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = Command(c, """
            SELECT namespace FROM iceberg_namespace_properties WHERE catalog_name = @c
            UNION SELECT table_namespace FROM iceberg_tables WHERE catalog_name = @c
            ORDER BY 1
            """, [("@c", Name)]);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var names = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Creates a namespace; with no properties it gets "exists" = "true", as the JDBC catalog records one.</summary>
    public async Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        if (await NamespaceExistsAsync(ns, ct))
        {
            throw new InvalidOperationException($"namespace {ns} exists");
        }

        var props = properties is { Count: > 0 } ? properties : new Dictionary<string, string> { ["exists"] = "true" };
        await using var c = await OpenAsync(ct);
        foreach (var (k, v) in props)
        {
            await ExecuteAsync(c, "INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) VALUES (@c, @n, @k, @v)",
                [("@c", Name), ("@n", ns), ("@k", k), ("@v", v)], ct);
        }
    }

    public async Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        var count = await ScalarAsync(c, """
            SELECT (SELECT COUNT(*) FROM iceberg_namespace_properties WHERE catalog_name = @c AND namespace = @n)
                 + (SELECT COUNT(*) FROM iceberg_tables WHERE catalog_name = @c AND table_namespace = @n)
            """, [("@c", Name), ("@n", ns)], ct);
        return Convert.ToInt64(count, CultureInfo.InvariantCulture) > 0;
    }

    public async Task<List<string>> ListTablesAsync(string ns, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = Command(c, "SELECT table_name FROM iceberg_tables WHERE catalog_name = @c AND table_namespace = @n ORDER BY table_name", [("@c", Name), ("@n", ns)]);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var names = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Creates a table with no snapshot at WAREHOUSE/NAMESPACE.db/TABLE and registers it.</summary>
    public async Task<IcebergTable> CreateTableAsync(string ns, string name, IcebergSchema schema, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        if (!await NamespaceExistsAsync(ns, ct))
        {
            throw new InvalidOperationException($"namespace {ns} does not exist");
        }

        var metadata = IcebergTable.NewMetadata($"{Warehouse}/{ns}.db/{name}", schema, properties);
        var path = NewMetadataPath(metadata.Location, 0);
        await WriteAsync(path, metadata, ct);
        await using var c = await OpenAsync(ct);
        try
        {
            await ExecuteAsync(c, "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location) VALUES (@c, @n, @t, @m, NULL)",
                [("@c", Name), ("@n", ns), ("@t", name), ("@m", path)], ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            throw new InvalidOperationException($"table {ns}.{name} exists", e);
        }

        return new IcebergTable(_io, metadata, path, new Committer(this, ns, name));
    }

    public async Task<IcebergTable> LoadTableAsync(string ns, string name, CancellationToken ct = default)
    {
        var location = await MetadataLocationAsync(ns, name, ct) ?? throw new InvalidOperationException($"table {ns}.{name} does not exist");
        return new IcebergTable(_io, await IcebergTable.ReadMetadataAsync(_io, location, ct), location, new Committer(this, ns, name));
    }

    public async Task<string?> MetadataLocationAsync(string ns, string name, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        return await ScalarAsync(c, "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = @c AND table_namespace = @n AND table_name = @t",
            [("@c", Name), ("@n", ns), ("@t", name)], ct) as string;
    }

    private sealed class Committer(SqlCatalog catalog, string ns, string name) : ITableCommitter
    {
        public async Task<string> CurrentLocationAsync(string tableLocation, CancellationToken ct) =>
            await catalog.MetadataLocationAsync(ns, name, ct) ?? throw new InvalidOperationException($"table {ns}.{name} does not exist");

        public async Task<string> CommitAsync(string baseLocation, TableMetadata next, CancellationToken ct)
        {
            var path = NewMetadataPath(next.Location, VersionOf(baseLocation) + 1);
            await catalog.WriteAsync(path, next, ct);
            await using var c = await catalog.OpenAsync(ct);
            var changed = await ExecuteAsync(c, """
                UPDATE iceberg_tables SET metadata_location = @new, previous_metadata_location = @old
                WHERE catalog_name = @c AND table_namespace = @n AND table_name = @t AND metadata_location = @old
                """, [("@new", path), ("@old", baseLocation), ("@c", catalog.Name), ("@n", ns), ("@t", name)], ct);
            if (changed != 1)
            {
                // The new metadata file stays behind unreferenced; nothing points at it.
                throw new CommitConflictException($"table {ns}.{name} no longer has metadata {baseLocation}: another writer committed first");
            }

            return path;
        }
    }

    /// <summary>METADATA/NNNNN-UUID.metadata.json, the naming the Java and Python catalogs use.</summary>
    private static string NewMetadataPath(string location, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{location}/metadata/{version:D5}-{Guid.NewGuid():D}.metadata.json");

    private static int VersionOf(string location)
    {
        var name = location[(location.LastIndexOf('/') + 1)..];
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }

    private async Task WriteAsync(string path, TableMetadata metadata, CancellationToken ct)
    {
        await using var s = _io.Create(path);
        await s.WriteAsync(Encoding.UTF8.GetBytes(MetadataJson.Write(metadata)), ct);
    }

    private static bool IsUniqueViolation(DbException e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == 19,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    private async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = _connect();
        try
        {
            await c.OpenAsync(ct);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }

        return c;
    }

    private static DbCommand Command(DbConnection c, string sql, (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = n;
            p.Value = v ?? DBNull.Value;
            if (v is null)
            {
                p.DbType = System.Data.DbType.String;
            }

            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    private static async Task<int> ExecuteAsync(DbConnection c, string sql, (string Name, object? Value)[] parameters, CancellationToken ct)
    {
        await using var cmd = Command(c, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DbConnection c, string sql, (string Name, object? Value)[] parameters, CancellationToken ct)
    {
        await using var cmd = Command(c, sql, parameters);
        return await cmd.ExecuteScalarAsync(ct);
    }
}

/// <summary>The databases a <see cref="SqlCatalog"/> runs on; the SQL is the same but for a few spots.</summary>
internal enum SqlDialect
{
    Sqlite,
    Postgres,
}
