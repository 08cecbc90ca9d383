using Akka.Configuration;
using PgWire.Iceberg;

namespace PgWire.Actors.Replication;

/// <summary>
/// The <c>pgwire.lrepl.iceberg</c> section (see hocon/reference.conf) as <see cref="IcebergSettings"/>,
/// and the order the sources win in: the command line, then an --iceberg-config file, then HOCON,
/// then the embedded defaults.
/// </summary>
public static class IcebergConfig
{
    private static readonly (string Path, string Key)[] Keys =
    [
        ("catalog-uri", "CATALOG_URI"), ("table-name", "TABLE_NAME"), ("warehouse", "WAREHOUSE"),
        ("commit-interval", "COMMIT_INTERVAL"), ("target-file-size", "TARGET_FILE_SIZE"),
        ("s3.endpoint", "S3_ENDPOINT"), ("s3.access-key", "S3_ACCESS_KEY"), ("s3.secret-key", "S3_SECRET_KEY"),
        ("s3.region", "S3_REGION"), ("s3.path-style", "S3_PATH_STYLE"),
    ];

    /// <summary>The keys <paramref name="config"/> gives under pgwire.lrepl.iceberg (missing keys fall back to reference.conf); relative paths from <paramref name="configDir"/>.</summary>
    /// <exception cref="IcebergConfigException">A key holds a value that cannot be used.</exception>
    public static IcebergSettings FromHocon(Config config, string configDir)
    {
        ArgumentNullException.ThrowIfNull(config);
        var full = ReferenceEquals(config, PgWireConfig.Default) ? config : config.WithFallback(PgWireConfig.Default);
        var section = full.GetConfig("pgwire.lrepl.iceberg");
        var values = new List<(string, string, string)>();
        foreach (var (path, key) in Keys)
        {
            if (section?.HasPath(path) == true && section.GetString(path) is { Length: > 0 } value)
            {
                values.Add((key, value, "pgwire.lrepl.iceberg." + path));
            }
        }

        return IcebergSettings.FromValues(values, Path.GetFullPath(configDir));
    }

    /// <summary>
    /// The settings of a run: <paramref name="commitInterval"/> (--commit-interval) over the file
    /// <paramref name="icebergConfigFile"/> (--iceberg-config) over <paramref name="config"/>'s
    /// pgwire.lrepl.iceberg section (null: reference.conf) over the embedded defaults.
    /// </summary>
    /// <exception cref="IcebergConfigException">A source holds a value that cannot be used.</exception>
    public static IcebergSettings Resolve(Config? config, string? icebergConfigFile, string configDir, string pgDatabase, TimeSpan? commitInterval = null)
    {
        var settings = IcebergSettings.Load(icebergConfigFile, configDir, pgDatabase, FromHocon(config ?? PgWireConfig.Default, configDir));
        if (commitInterval is { } interval)
        {
            if (interval <= TimeSpan.Zero)
            {
                throw new IcebergConfigException("--commit-interval must be positive");
            }

            settings = settings with { CommitInterval = interval };
        }

        return settings;
    }
}
