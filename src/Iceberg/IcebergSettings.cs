using System.Globalization;
using System.Text;

namespace PgWire.Iceberg;

/// <summary>A table in a catalog: ToString is "namespace.name", as catalogs and query engines name it.</summary>
public sealed record IcebergTableIdent(string Catalog, string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}.{Name}";
}

/// <summary>Where S3 objects are: endpoint, credentials, region and addressing.</summary>
public sealed record S3Settings
{
    /// <summary>A custom endpoint (MinIO, s3rver, ...) such as http://127.0.0.1:9000; null for AWS.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Null with <see cref="SecretKey"/>: the SDK's default credentials (AWS_ACCESS_KEY_ID, profiles, ...).</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>Null: us-east-1.</summary>
    public string? Region { get; init; }

    /// <summary>bucket in the path (http://endpoint/bucket/key) rather than the host name; null: path style with a custom endpoint, virtual-hosted on AWS.</summary>
    public bool? PathStyle { get; init; }

    public override string ToString() =>
        $"S3Settings {{ Endpoint = {Endpoint}, AccessKey = {AccessKey}, SecretKey = {(SecretKey is null ? "" : "***")}, Region = {Region}, PathStyle = {PathStyle} }}";
}

/// <summary>A value in the Iceberg configuration that cannot be used: one line saying which and why.</summary>
public sealed class IcebergConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Where pgwire keeps Iceberg tables: the catalog (SQLite or PostgreSQL, with the tables of the
/// JDBC catalog and pyiceberg's SqlCatalog), the warehouse (a local folder or S3) and how often
/// and how large files are written.
/// </summary>
/// <remarks>
/// A configuration file holds one KEY=value a line, as pyiceberg users keep them in .env files:
/// <code>
/// CATALOG_URI=postgresql+psycopg2://user:secret@db:5432/catalog
/// TABLE_NAME=pgwire.sales            # catalog.namespace, or catalog.namespace.table
/// WAREHOUSE=s3://lake/warehouse
/// S3_ENDPOINT=http://minio:9000
/// S3_ACCESS_KEY=...
/// S3_SECRET_KEY="..."
/// S3_REGION=us-east-1
/// S3_PATH_STYLE=true
/// COMMIT_INTERVAL=10s
/// TARGET_FILE_SIZE=128MB
/// </code>
/// Blank lines and lines starting with # are skipped; a value may be wrapped in single or double
/// quotes (taken literally, no escapes); anything after the = of an unquoted value is the value,
/// # included. Relative paths (sqlite:///catalog.db, WAREHOUSE=warehouse) are taken from the
/// folder the file is in. Sizes: KB, MB, GB (and KiB, MiB, GiB) are powers of 1024.
/// </remarks>
public sealed record IcebergSettings
{
    public const string DefaultCatalogName = "pgwire";

    public static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromSeconds(10);

    public const long DefaultTargetFileSize = 128L << 20;

    /// <summary>The keys a configuration file may hold.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "CATALOG_URI", "TABLE_NAME", "WAREHOUSE", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_REGION", "S3_PATH_STYLE",
        "COMMIT_INTERVAL", "TARGET_FILE_SIZE",
    ];

    /// <summary>sqlite:////absolute/path/catalog.db or postgresql://user:password@host:port/database ("" in a partial settings: not given).</summary>
    public string CatalogUri { get; init; } = "";

    /// <summary>The catalog_name of the catalog rows ("" in a partial settings: not given).</summary>
    public string CatalogName { get; init; } = "";

    /// <summary>The namespace tables go to; null: the PostgreSQL database's name.</summary>
    public string? Namespace { get; init; }

    /// <summary>The table of a one-table replication (TABLE_NAME catalog.namespace.table), or null.</summary>
    public string? TableName { get; init; }

    /// <summary>s3://bucket/prefix or an absolute local path ("" in a partial settings: not given).</summary>
    public string Warehouse { get; init; } = "";

    /// <summary>S3 access, or null where nothing is on S3 and no S3 key was given.</summary>
    public S3Settings? S3 { get; init; }

    /// <summary>How often buffered changes become a snapshot.</summary>
    public TimeSpan CommitInterval { get; init; } = DefaultCommitInterval;

    /// <summary>The size at which a data file is closed and the next one begun, in bytes.</summary>
    public long TargetFileSize { get; init; } = DefaultTargetFileSize;

    /// <summary>True when the warehouse is on S3 (s3://, s3a://, s3n://).</summary>
    public bool WarehouseOnS3 => S3FileIO.IsS3Location(Warehouse);

    public override string ToString() =>
        $"IcebergSettings {{ CatalogUri = {CatalogUris.Redact(CatalogUri)}, CatalogName = {CatalogName}, Namespace = {Namespace}, TableName = {TableName}, Warehouse = {Warehouse}, S3 = {S3}, CommitInterval = {CommitInterval}, TargetFileSize = {TargetFileSize} }}";

    /// <summary>
    /// The settings of a configuration file (null: none) over <paramref name="defaults"/> (e.g. the
    /// HOCON section), and what neither gives from the embedded defaults: a SQLite catalog
    /// <paramref name="configDir"/>/catalog.db, the warehouse <paramref name="configDir"/>/warehouse,
    /// catalog name pgwire and namespace <paramref name="pgDatabase"/>.
    /// </summary>
    /// <exception cref="IcebergConfigException">The file cannot be read, or a line or value is wrong.</exception>
    public static IcebergSettings Load(string? configFile, string configDir, string pgDatabase, IcebergSettings? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(configDir);
        ArgumentNullException.ThrowIfNull(pgDatabase);
        var settings = defaults ?? new IcebergSettings();
        if (configFile is not null)
        {
            string text;
            try
            {
                text = File.ReadAllText(configFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IcebergConfigException($"cannot read the Iceberg configuration {configFile}: {e.Message}", e);
            }

            var baseDir = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
            settings = FromValues(ParseFile(text, configFile), baseDir, settings);
        }

        var dir = Path.GetFullPath(configDir);
        if (settings.CatalogUri.Length == 0)
        {
            settings = settings with { CatalogUri = CatalogUris.SqliteUri(Path.Combine(dir, "catalog.db")) };
        }

        if (settings.Warehouse.Length == 0)
        {
            settings = settings with { Warehouse = Path.Combine(dir, "warehouse") };
        }

        if (settings.CatalogName.Length == 0)
        {
            settings = settings with { CatalogName = DefaultCatalogName };
        }

        settings = settings with { Namespace = settings.Namespace ?? pgDatabase };
        if (settings.WarehouseOnS3 && settings.S3 is null)
        {
            settings = settings with { S3 = new S3Settings() };
        }

        if (settings.S3 is { } s3 && (s3.AccessKey is null) != (s3.SecretKey is null))
        {
            throw new IcebergConfigException("S3_ACCESS_KEY and S3_SECRET_KEY go together: give both, or neither for the S3 SDK's default credentials");
        }

        CatalogUris.Parse(settings.CatalogUri, "CATALOG_URI");
        return settings;
    }

    /// <summary>
    /// Applies KEY=value pairs (the keys of <see cref="Keys"/>) over <paramref name="basis"/>: a
    /// partial settings where "" and null mean not given. Relative paths are taken from
    /// <paramref name="baseDir"/>. Empty values are skipped. Where is each value's origin for errors
    /// (e.g. "FILE:LINE: KEY").
    /// </summary>
    public static IcebergSettings FromValues(IEnumerable<(string Key, string Value, string Where)> values, string baseDir, IcebergSettings? basis = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = basis ?? new IcebergSettings();
        foreach (var (key, value, where) in values)
        {
            if (value.Length == 0)
            {
                continue;
            }

            IcebergConfigException Bad(string why) => new($"{where}: {why}");
            S3Settings S3() => s.S3 ?? new S3Settings();
            switch (key)
            {
                case "CATALOG_URI":
                    s = s with { CatalogUri = CatalogUris.Normalize(value, baseDir, where) };
                    break;
                case "TABLE_NAME":
                    var parts = value.Split('.');
                    if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
                    {
                        throw Bad($"\"{value}\" is not catalog.namespace or catalog.namespace.table");
                    }

                    s = s with { CatalogName = parts[0], Namespace = parts[1], TableName = parts.Length == 3 ? parts[2] : null };
                    break;
                case "WAREHOUSE":
                    s = s with { Warehouse = NormalizeWarehouse(value, baseDir, Bad) };
                    break;
                case "S3_ENDPOINT":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
                    {
                        throw Bad($"\"{value}\" is not an http:// or https:// URL");
                    }

                    s = s with { S3 = S3() with { Endpoint = value.TrimEnd('/') } };
                    break;
                case "S3_ACCESS_KEY":
                    s = s with { S3 = S3() with { AccessKey = value } };
                    break;
                case "S3_SECRET_KEY":
                    s = s with { S3 = S3() with { SecretKey = value } };
                    break;
                case "S3_REGION":
                    s = s with { S3 = S3() with { Region = value } };
                    break;
                case "S3_PATH_STYLE":
                    s = s with
                    {
                        S3 = S3() with
                        {
                            PathStyle = value.ToLowerInvariant() switch
                            {
                                "true" or "on" or "yes" or "1" => true,
                                "false" or "off" or "no" or "0" => false,
                                _ => throw Bad($"\"{value}\" is not true or false"),
                            },
                        },
                    };
                    break;
                case "COMMIT_INTERVAL":
                    s = s with { CommitInterval = ParseDuration(value) ?? throw Bad($"\"{value}\" is not a positive duration such as 500ms, 10s, 1m or 1h") };
                    break;
                case "TARGET_FILE_SIZE":
                    s = s with { TargetFileSize = ParseSize(value) ?? throw Bad($"\"{value}\" is not a positive size such as 128MB, 512KB or 1GB") };
                    break;
                default:
                    throw new IcebergConfigException($"{where}: unknown key (known: {string.Join(", ", Keys)})");
            }
        }

        return s;
    }

    /// <summary>The KEY=value lines of a configuration file; <paramref name="name"/> names it in errors.</summary>
    internal static List<(string Key, string Value, string Where)> ParseFile(string text, string name)
    {
        var values = new List<(string, string, string)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"{name}:{i + 1}");
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new IcebergConfigException($"{where}: expected KEY=value, found \"{Shorten(line)}\"");
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (!Keys.Contains(key))
            {
                throw new IcebergConfigException($"{where}: unknown key {key} (known: {string.Join(", ", Keys)})");
            }

            if (value.Length > 0 && value[0] is '"' or '\'')
            {
                if (value.Length < 2 || value[^1] != value[0])
                {
                    throw new IcebergConfigException($"{where}: {key}: the value's opening quote {value[0]} has no closing one at the end of the line");
                }

                value = value[1..^1];
            }

            if (seen.TryGetValue(key, out var first))
            {
                throw new IcebergConfigException(string.Create(CultureInfo.InvariantCulture, $"{where}: {key} was given before, on line {first}"));
            }

            seen[key] = i + 1;
            values.Add((key, value, $"{where}: {key}"));
        }

        return values;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string NormalizeWarehouse(string value, string baseDir, Func<string, IcebergConfigException> bad)
    {
        if (S3FileIO.IsS3Location(value))
        {
            var rest = value[(value.IndexOf("://", StringComparison.Ordinal) + 3)..];
            if (rest.Length == 0 || rest[0] == '/')
            {
                throw bad($"\"{value}\" names no bucket (s3://bucket/prefix)");
            }

            return value.TrimEnd('/');
        }

        if (value.StartsWith("file:", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !uri.IsFile)
            {
                throw bad($"\"{value}\" is not a file:// URI");
            }

            return uri.LocalPath.TrimEnd('/');
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            throw bad($"\"{value}\": only s3://bucket/prefix, file:// URIs and local paths are supported");
        }

        return Path.GetFullPath(value, baseDir).TrimEnd('/');
    }

    /// <summary>500ms, 10s, 1m, 1h (a number and a unit; fractions allowed); null when it is not a positive duration.</summary>
    public static TimeSpan? ParseDuration(string value)
    {
        var (number, unit) = Split(value);
        if (number is not { } n || n <= 0)
        {
            return null;
        }

        double? ms = unit.ToLowerInvariant() switch
        {
            "ms" or "millisecond" or "milliseconds" => n,
            "s" or "second" or "seconds" => n * 1000,
            "m" or "min" or "minute" or "minutes" => n * 60_000,
            "h" or "hour" or "hours" => n * 3_600_000,
            _ => null,
        };
        return ms is { } v && v >= 1 && v < TimeSpan.MaxValue.TotalMilliseconds ? TimeSpan.FromMilliseconds(Math.Round(v)) : null;
    }

    /// <summary>128MB, 512KB, 1GB, 134217728 (bytes); K, M, G with or without B or iB are powers of 1024; null when it is not a positive size.</summary>
    public static long? ParseSize(string value)
    {
        var (number, unit) = Split(value);
        if (number is not { } n || n <= 0)
        {
            return null;
        }

        var u = unit.ToUpperInvariant();
        int? shift = u switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            _ => null,
        };
        if (shift is not { } sh)
        {
            return null;
        }

        var bytes = n * Math.Pow(2, sh);
        return bytes >= 1 && bytes < long.MaxValue ? (long)bytes : null;
    }

    private static (double? Number, string Unit) Split(string value)
    {
        value = value.Trim();
        var i = 0;
        while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.'))
        {
            i++;
        }

        return double.TryParse(value[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
            ? (n, value[i..].Trim())
            : (null, value);
    }

    /// <summary>
    /// The table a PostgreSQL table goes to: TABLE_NAME when it names one table and
    /// <paramref name="onlyTable"/> (one table is replicated); otherwise, in the configured
    /// namespace, the table's name for a table of schema public and SCHEMA__TABLE for others.
    /// </summary>
    public IcebergTableIdent TableFor(string pgSchema, string pgTable, bool onlyTable)
    {
        ArgumentNullException.ThrowIfNull(pgSchema);
        ArgumentNullException.ThrowIfNull(pgTable);
        var ns = Namespace ?? throw new InvalidOperationException("no namespace: use IcebergSettings.Load, which defaults it to the database name");
        var catalog = CatalogName.Length > 0 ? CatalogName : DefaultCatalogName;
        if (onlyTable && TableName is { } name)
        {
            return new IcebergTableIdent(catalog, ns, name);
        }

        return new IcebergTableIdent(catalog, ns, pgSchema == "public" ? pgTable : $"{pgSchema}__{pgTable}");
    }

    /// <summary>Where the data and metadata files go: S3 for an s3:// warehouse, else the local file system.</summary>
    public IFileIO OpenFileIO()
    {
        if (S3 is null && !WarehouseOnS3)
        {
            return new LocalFileIO();
        }

        return new S3FileIO(S3 ?? new S3Settings());
    }

    /// <summary>
    /// Opens the catalog, creating its tables and the configured namespace where missing.
    /// </summary>
    /// <exception cref="IcebergConfigException">The catalog cannot be reached or set up.</exception>
    public async Task<SqlCatalog> OpenCatalogAsync(CancellationToken ct)
    {
        var uri = CatalogUris.Parse(CatalogUri, "CATALOG_URI");
        var name = CatalogName.Length > 0 ? CatalogName : DefaultCatalogName;
        var catalog = uri.Postgres
            ? SqlCatalog.ForPostgres(uri.ConnectionString, name, Warehouse, OpenFileIO())
            : new SqlCatalog(uri.ConnectionString, name, Warehouse, OpenFileIO());
        try
        {
            if (!uri.Postgres)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(uri.Path!)!);
            }

            await catalog.InitializeAsync(ct).ConfigureAwait(false);
            if (Namespace is { } ns)
            {
                await catalog.EnsureNamespaceAsync(ns, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or UnauthorizedAccessException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new IcebergConfigException($"cannot open the Iceberg catalog {CatalogUris.Redact(CatalogUri)}: {OneLine(e)}", e);
        }

        return catalog;
    }

    private static string OneLine(Exception e)
    {
        var message = e.Message;
        if (e.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message += ": " + inner.Message;
        }

        return message.ReplaceLineEndings(" ");
    }
}

/// <summary>SQLAlchemy-style catalog URIs, as pyiceberg's SqlCatalog takes them.</summary>
internal static class CatalogUris
{
    internal sealed record Parsed(bool Postgres, string ConnectionString, string? Path);

    public static string SqliteUri(string absolutePath) => "sqlite:///" + absolutePath;

    /// <summary>Checks a URI and makes a relative SQLite path absolute (from <paramref name="baseDir"/>).</summary>
    public static string Normalize(string uri, string baseDir, string what)
    {
        var parsed = Parse(uri, what, baseDir);
        return parsed.Postgres ? uri : SqliteUri(parsed.Path!);
    }

    /// <summary>The URI with its password replaced by ***.</summary>
    public static string Redact(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return uri;
        }

        var rest = uri[(scheme + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var at = authority.LastIndexOf('@');
        var colon = at < 0 ? -1 : authority.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || colon > at ? uri : uri[..(scheme + 3)] + authority[..(colon + 1)] + "***" + rest[at..];
    }

    /// <summary>
    /// sqlite:///relative/path, sqlite:////absolute/path, postgresql[+driver]://user:password@host:port/database[?sslmode=...].
    /// </summary>
    public static Parsed Parse(string uri, string what, string? baseDir = null)
    {
        IcebergConfigException Bad(string why) => new($"{what}: {why}");
        var sep = uri.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            throw Bad($"\"{Redact(uri)}\" is not a URI (sqlite:///path/catalog.db or postgresql://user:password@host:port/database)");
        }

        var scheme = uri[..sep].ToLowerInvariant();
        var plus = scheme.IndexOf('+', StringComparison.Ordinal);
        var dialect = plus < 0 ? scheme : scheme[..plus];
        var rest = uri[(sep + 3)..];
        if (dialect == "sqlite")
        {
            if (rest.Length == 0 || rest[0] != '/')
            {
                throw Bad($"\"{uri}\": a SQLite URI has no host: sqlite:///relative/path or sqlite:////absolute/path");
            }

            var path = Uri.UnescapeDataString(rest[1..].Split('?', 2)[0]);
            if (path.Length == 0 || path == ":memory:")
            {
                throw Bad($"\"{uri}\" names no database file (an in-memory catalog would be lost at exit)");
            }

            if (!System.IO.Path.IsPathRooted(path))
            {
                path = System.IO.Path.GetFullPath(path, baseDir ?? Directory.GetCurrentDirectory());
            }

            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path };
            return new Parsed(false, builder.ConnectionString, path);
        }

        if (dialect is not ("postgresql" or "postgres"))
        {
            throw Bad($"unsupported catalog \"{scheme}://\" (sqlite:/// or postgresql://)");
        }

        string? query = null;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var database = slash < 0 ? "" : Uri.UnescapeDataString(rest[(slash + 1)..]);
        var at = authority.LastIndexOf('@');
        var userInfo = at < 0 ? null : authority[..at];
        var hostPort = at < 0 ? authority : authority[(at + 1)..];
        var b = new StringBuilder();
        void Add(string key, string value)
        {
            b.Append(key).Append('=');
            b.Append(value.IndexOfAny([';', '"', '\'', '=', ' ']) >= 0 || value.Length == 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value).Append(';');
        }

        if (hostPort.Length == 0)
        {
            throw Bad($"\"{Redact(uri)}\" names no host");
        }

        string host = hostPort, port = "5432";
        if (hostPort.Contains(',', StringComparison.Ordinal))
        {
            // Several hosts: Npgsql reads host:port pairs from Host.
            host = hostPort;
        }
        else
        {
            var close = hostPort.LastIndexOf(']');
            var colon = hostPort.LastIndexOf(':');
            if (colon > close && colon >= 0)
            {
                host = hostPort[..colon];
                port = hostPort[(colon + 1)..];
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
                {
                    throw Bad($"\"{Redact(uri)}\": invalid port \"{port}\"");
                }
            }

            host = host.Trim('[', ']');
        }

        Add("Host", Uri.UnescapeDataString(host));
        Add("Port", port);
        if (database.Length > 0)
        {
            Add("Database", database);
        }

        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            Add("Username", Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]));
            if (colon >= 0)
            {
                Add("Password", Uri.UnescapeDataString(userInfo[(colon + 1)..]));
            }
        }

        if (query is { Length: > 0 })
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                switch (key)
                {
                    case "sslmode":
                        Add("SSL Mode", value switch
                        {
                            "disable" => "Disable",
                            "allow" => "Allow",
                            "prefer" => "Prefer",
                            "require" => "Require",
                            "verify-ca" => "VerifyCA",
                            "verify-full" => "VerifyFull",
                            _ => throw Bad($"sslmode \"{value}\" is not disable, allow, prefer, require, verify-ca or verify-full"),
                        });
                        break;
                    case "sslrootcert":
                        Add("Root Certificate", value);
                        break;
                    case "application_name":
                        Add("Application Name", value);
                        break;
                    case "connect_timeout":
                        Add("Timeout", value);
                        break;
                    default:
                        throw Bad($"unsupported parameter \"{key}\" (sslmode, sslrootcert, application_name, connect_timeout)");
                }
            }
        }

        return new Parsed(true, b.ToString(), null);
    }
}
