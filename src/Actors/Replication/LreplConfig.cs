using Akka.Configuration;

namespace PgWire.Actors.Replication;

/// <summary>Reads the <c>pgwire.lrepl</c> section (see hocon/reference.conf) into <see cref="LreplOptions"/>.</summary>
public static class LreplConfig
{
    private static TimeSpan NotNegative(TimeSpan value, string key) =>
        value >= TimeSpan.Zero ? value : throw new ArgumentException($"pgwire.lrepl.{key} must not be negative");

    private static PgWire.Iceberg.IcebergSettings IcebergDefaults(Config config, string configDir)
    {
        try
        {
            return IcebergConfig.FromHocon(config, configDir);
        }
        catch (PgWire.Iceberg.IcebergConfigException ex)
        {
            throw new ArgumentException(ex.Message);
        }
    }

    /// <summary>Returns <paramref name="options"/> with every <c>pgwire.lrepl</c> key of <paramref name="config"/> applied (missing keys fall back to reference.conf).</summary>
    public static LreplOptions WithConfig(this LreplOptions options, Config config)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        var full = ReferenceEquals(config, PgWireConfig.Default) ? config : config.WithFallback(PgWireConfig.Default);
        var section = full.GetConfig("pgwire.lrepl");
        var format = section.GetString("format", "jsonl");
        var connectionString = section.GetString("state.connection-string", "");
        var id = section.GetString("state.persistence-id", "");
        var snapshotEvery = section.GetInt("state.snapshot-every", 100);
        var progress = section.GetTimeSpan("progress-interval", TimeSpan.FromSeconds(5));
        var receiveTimeout = section.GetTimeSpan("receive-timeout", TimeSpan.FromSeconds(60));
        var logMax = section.GetByteSize("log.max-size") ?? (10L << 20);
        var logKeep = section.GetInt("log.keep", 3);
        var logRepeat = section.GetTimeSpan("log.repeat-interval", TimeSpan.FromSeconds(10));
        if (logMax < 4096 || logKeep < 0 || logRepeat <= TimeSpan.Zero)
        {
            throw new ArgumentException("pgwire.lrepl.log: max-size must be at least 4 KiB, keep not negative, repeat-interval positive");
        }

        if (receiveTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("pgwire.lrepl.receive-timeout must not be negative");
        }

        var addedTableHold = section.GetByteSize("added-table-hold") ?? (256L << 20);
        if (addedTableHold < 0)
        {
            throw new ArgumentException("pgwire.lrepl.added-table-hold must not be negative");
        }

        var protocol = section.GetInt("protocol-version", 0);
        if (protocol is < 0 or > 4)
        {
            throw new ArgumentException("pgwire.lrepl.protocol-version must be 0 (the highest the server speaks) or 1 to 4");
        }

        if (snapshotEvery < 1)
        {
            throw new ArgumentException("pgwire.lrepl.state.snapshot-every must be at least 1");
        }

        if (progress <= TimeSpan.Zero)
        {
            throw new ArgumentException("pgwire.lrepl.progress-interval must be positive");
        }

        return options with
        {
            ProgressInterval = progress,
            ReceiveTimeout = receiveTimeout,
            LogMaxBytes = logMax,
            LogKeep = logKeep,
            LogRepeatInterval = logRepeat,
            Format = format switch
            {
                "jsonl" => LreplFormat.JsonLines,
                "csv" => LreplFormat.Csv,
                _ => throw new ArgumentException($"pgwire.lrepl.format: unsupported format \"{format}\" (jsonl or csv)"),
            },
            StateProvider = section.GetString("state.provider", "SQLite.MS"),
            StateConnectionString = connectionString.Length == 0 ? null : connectionString,
            StateId = id.Length == 0 ? null : id,
            StateSnapshotEvery = snapshotEvery,
            Binary = section.GetBoolean("binary", true),
            AdditionHoldBytes = addedTableHold,
            ProtocolVersion = protocol == 0 ? options.ProtocolVersion : protocol,
            ConnectionOptions = PgWireConfig.ConnectionOptions(full),
            IcebergDefaults = IcebergDefaults(full, options.ConfigDir),
            IcebergMaintenanceInterval = NotNegative(section.GetTimeSpan("iceberg.maintenance.interval", TimeSpan.FromHours(1)), "iceberg.maintenance.interval"),
            IcebergSnapshotRetention = NotNegative(section.GetTimeSpan("iceberg.maintenance.snapshot-retention", TimeSpan.FromDays(1)), "iceberg.maintenance.snapshot-retention"),
            IcebergOrphanGrace = NotNegative(section.GetTimeSpan("iceberg.maintenance.orphan-grace", TimeSpan.FromHours(1)), "iceberg.maintenance.orphan-grace"),
        };
    }
}
