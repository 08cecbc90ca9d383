using System.Globalization;
using System.Text;
using PgWire.Actors;
using PgWire.Actors.Replication;
using PgWire.Host.Psql;
using PgWire.Iceberg;

namespace PgWire.Host.Iceberg;

/// <summary><c>pgwire iceberg show</c>: a table's current rows, or its snapshots, from the catalog lrepl writes to.</summary>
public static class IcebergCommand
{
    public const string Usage = """
        pgwire iceberg: look after the Iceberg tables pgwire lrepl writes

        Usage:
          pgwire iceberg show [-c CONFIG_DIR] [--iceberg-config FILE] [--history] [NAMESPACE.]TABLE
          pgwire iceberg maintain [-c CONFIG_DIR] [--iceberg-config FILE] [--retention 1d]
                                  [--target-file-size 128MB] [--orphan-grace 1h] [NAMESPACE.]TABLE

        show prints the table's current rows (deletes applied) as psql does, or with --history its
        snapshots: id, commit time (UTC), operation, records added and deleted (rows removed
        and delete records written), total records and the PostgreSQL commit LSN lrepl recorded.

        maintain compacts the data files smaller than a quarter of the target size, with the
        deletes that apply to them, into files of the target size and merges the manifests (one
        "replace" snapshot), expires the snapshots older than the retention (never the current
        one) and deletes the files only they used, then removes files under the table's data/
        and metadata/ folders that no metadata refers to and that are older than the grace
        period. It is safe while lrepl writes to the table: a commit that loses the race is
        rebuilt on top of lrepl's, and lrepl's position (pgwire.commit-lsn) is carried on.

        TABLE alone is looked up in every namespace of the catalog.

        Options:
          -c, --config-dir DIR      lrepl's config dir: without --iceberg-config the catalog is
                                    DIR/catalog.db and the warehouse DIR/warehouse; relative
                                    paths of the HOCON settings are taken from it
              --iceberg-config FILE KEY=value lines (CATALOG_URI, TABLE_NAME, WAREHOUSE, S3_*),
                                    as lrepl takes them
              --config FILE         HOCON file with pgwire.lrepl.iceberg settings
              --history             (show) the snapshots instead of the rows
              --retention DURATION  (maintain) keep snapshots younger than this: 0, 30m, 12h, 1d
                                    (default 1d)
              --target-file-size SIZE
                                    (maintain) size of compacted files (default TARGET_FILE_SIZE
                                    of the config, 128MB)
              --orphan-grace DURATION
                                    (maintain) only remove unreferenced files older than this
                                    (default 1h)
          -h, --help                show this help
        """;

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? configDir = null, icebergConfig = null, hocon = null, table = null;
        var history = false;
        TimeSpan? retention = null, grace = null;
        long? targetSize = null;
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help")
            {
                await (args.Length == 0 ? stderr : stdout).WriteLineAsync(Usage).ConfigureAwait(false);
                return args.Length == 0 ? 2 : 0;
            }

            if (args[0] is not ("show" or "maintain"))
            {
                throw new ArgumentException($"unknown subcommand \"{args[0]}\" (show, maintain)");
            }

            var maintain = args[0] == "maintain";

            for (var i = 1; i < args.Length; i++)
            {
                var arg = args[i];
                string? inline = null;
                if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
                {
                    inline = arg[(eq + 1)..];
                    arg = arg[..eq];
                }

                string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {arg} needs a value"));
                switch (arg)
                {
                    case "-h":
                    case "--help":
                        await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
                        return 0;
                    case "-c":
                    case "--config-dir":
                        configDir = Value();
                        break;
                    case "--iceberg-config":
                        icebergConfig = Value();
                        break;
                    case "--config":
                        hocon = Value();
                        break;
                    case "--history" when !maintain:
                        history = true;
                        break;
                    case "--retention" when maintain:
                        retention = Duration(arg, Value());
                        break;
                    case "--orphan-grace" when maintain:
                        grace = Duration(arg, Value());
                        break;
                    case "--target-file-size" when maintain:
                        var text = Value();
                        targetSize = IcebergSettings.ParseSize(text) ?? throw new ArgumentException($"{arg}: \"{text}\" is not a size (128MB, 512KB, 1GB, bytes)");
                        break;
                    default:
                        if (arg.StartsWith('-') || table is not null)
                        {
                            throw new ArgumentException($"unknown argument \"{args[i]}\"");
                        }

                        table = arg;
                        break;
                }
            }

            if (table is null || table.Length == 0)
            {
                throw new ArgumentException("which table? (NAMESPACE.TABLE or TABLE)");
            }

            if (configDir is null && icebergConfig is null)
            {
                throw new ArgumentException("-c CONFIG_DIR or --iceberg-config FILE is required");
            }
        }
        catch (ArgumentException e)
        {
            await stderr.WriteLineAsync("pgwire iceberg: " + e.Message).ConfigureAwait(false);
            await stderr.WriteLineAsync("Try \"pgwire iceberg --help\" for more information.").ConfigureAwait(false);
            return 2;
        }

        try
        {
            var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            if (args[0] == "maintain")
            {
                await MaintainAsync(configDir, icebergConfig, hocon, table, retention, targetSize, grace, output, ct).ConfigureAwait(false);
            }
            else
            {
                await ShowAsync(configDir, icebergConfig, hocon, table, history, output, ct).ConfigureAwait(false);
            }

            await stdout.WriteAsync(output.ToString()).ConfigureAwait(false);
            await stdout.FlushAsync(ct).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is IcebergConfigException or ShowException or IOException or UnauthorizedAccessException or IcebergFormatException
            or Akka.Configuration.ConfigurationException or System.Data.Common.DbException)
        {
            await stderr.WriteLineAsync("pgwire iceberg: " + e.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
            return 1;
        }
    }

    private sealed class ShowException(string message) : Exception(message);

    /// <summary>0, or a number and a unit: ms, s, m, h or d (days).</summary>
    private static TimeSpan Duration(string option, string value)
    {
        var text = value.Trim();
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        foreach (var unit in new[] { "days", "day", "d" })
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^unit.Length].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var days) && days > 0)
            {
                return TimeSpan.FromDays(days);
            }
        }

        return IcebergSettings.ParseDuration(text) ?? throw new ArgumentException($"{option}: \"{value}\" is not a duration (0, 500ms, 30s, 10m, 12h, 1d)");
    }

    private static async Task ShowAsync(string? configDir, string? icebergConfig, string? hocon, string name, bool history, TextWriter output, CancellationToken ct)
    {
        var (table, _) = await FindTableAsync(configDir, icebergConfig, hocon, name, ct).ConfigureAwait(false);
        var result = history ? History(table.Metadata) : await RowsAsync(table, ct).ConfigureAwait(false);
        ResultPrinter.Print(result, new PrintOptions { Pager = PagerMode.Off }, output);
    }

    private static async Task MaintainAsync(string? configDir, string? icebergConfig, string? hocon, string name, TimeSpan? retention, long? targetSize, TimeSpan? grace, TextWriter output, CancellationToken ct)
    {
        var (table, settings) = await FindTableAsync(configDir, icebergConfig, hocon, name, ct).ConfigureAwait(false);
        var options = new MaintenanceOptions
        {
            SnapshotRetention = retention ?? MaintenanceOptions.DefaultRetention,
            TargetFileSize = targetSize ?? settings.TargetFileSize,
            OrphanGracePeriod = grace ?? MaintenanceOptions.DefaultOrphanGracePeriod,
        };
        var io = settings.OpenFileIO();
        MaintenanceResult r;
        try
        {
            r = await TableMaintenance.RunAsync(table, io, options, ct).ConfigureAwait(false);
        }
        finally
        {
            (io as IDisposable)?.Dispose();
        }

        static string Bytes(long n) => n switch
        {
            >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{n / (double)(1L << 30):0.0} GB"),
            >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{n / (double)(1L << 20):0.0} MB"),
            >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.0} kB"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{n} bytes"),
        };

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"table {name}: {table.Metadata.Location}"));
        if (r.CompactionSkipped is { } why)
        {
            output.WriteLine("compaction: skipped, " + why);
        }
        else if (r.DataFilesRewritten > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"compaction: {r.DataFilesRewritten} data files ({Bytes(r.BytesRewritten)}) rewritten into {r.DataFilesWritten} ({Bytes(r.BytesWritten)}), {r.DeleteFilesDropped} delete files dropped, {r.ManifestsBefore} manifests merged into {r.ManifestsAfter} (snapshot {r.ReplaceSnapshotId})"));
        }
        else if (r.ReplaceSnapshotId is { } merged)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"compaction: no small data files; {r.ManifestsBefore} manifests merged into {r.ManifestsAfter} (snapshot {merged})"));
        }
        else
        {
            output.WriteLine("compaction: nothing to do");
        }

        if (r.ExpirySkipped is { } notExpired)
        {
            output.WriteLine("snapshots: expiry skipped, " + notExpired);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"snapshots: {r.SnapshotsExpired} expired (older than {Format(options.SnapshotRetention)}), {table.Metadata.Snapshots.Count} kept; {r.FilesDeleted} files no longer used deleted ({Bytes(r.BytesDeleted)})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"orphan files: {r.OrphansRemoved} removed ({Bytes(r.OrphanBytes)})"));
    }

    private static string Format(TimeSpan t) => t switch
    {
        { Ticks: 0 } => "0",
        _ when t.Ticks % TimeSpan.TicksPerDay == 0 => string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / TimeSpan.TicksPerDay}d"),
        _ when t.Ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / TimeSpan.TicksPerHour}h"),
        _ when t.Ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / TimeSpan.TicksPerMinute}m"),
        _ when t.Ticks % TimeSpan.TicksPerSecond == 0 => string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / TimeSpan.TicksPerSecond}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0}ms"),
    };

    private static async Task<(IcebergTable Table, IcebergSettings Settings)> FindTableAsync(string? configDir, string? icebergConfig, string? hocon, string name, CancellationToken ct)
    {
        var dir = configDir ?? Path.GetDirectoryName(Path.GetFullPath(icebergConfig!))!;
        var config = hocon is null ? PgWireConfig.Default : PgWireConfig.Load(hocon);
        var settings = IcebergConfig.Resolve(config, icebergConfig, dir, "");
        var preferred = settings.Namespace is { Length: > 0 } ns ? ns : null;
        settings = settings with { Namespace = null };
        if (settings.CatalogUri.StartsWith("sqlite:///", StringComparison.Ordinal) && settings.CatalogUri["sqlite:///".Length..] is var path && !File.Exists(path))
        {
            throw new ShowException($"no Iceberg catalog at {path} (lrepl creates it on its first run)");
        }

        var catalog = await settings.OpenCatalogAsync(ct).ConfigureAwait(false);
        string tableNs, tableName;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            (tableNs, tableName) = (name[..dot], name[(dot + 1)..]);
        }
        else
        {
            var holding = new List<string>();
            foreach (var candidate in await catalog.ListNamespacesAsync(ct).ConfigureAwait(false))
            {
                if ((await catalog.ListTablesAsync(candidate, ct).ConfigureAwait(false)).Contains(name))
                {
                    holding.Add(candidate);
                }
            }

            tableName = name;
            tableNs = holding.Count switch
            {
                0 => throw new ShowException($"table \"{name}\" does not exist in catalog {catalog.Name}"),
                1 => holding[0],
                _ when preferred is not null && holding.Contains(preferred) => preferred,
                _ => throw new ShowException($"table \"{name}\" is in several namespaces ({string.Join(", ", holding)}): give NAMESPACE.TABLE"),
            };
        }

        if (await catalog.MetadataLocationAsync(tableNs, tableName, ct).ConfigureAwait(false) is null)
        {
            throw new ShowException($"table \"{tableNs}.{tableName}\" does not exist in catalog {catalog.Name}");
        }

        return (await catalog.LoadTableAsync(tableNs, tableName, ct).ConfigureAwait(false), settings);
    }

    private static async Task<ResultSet> RowsAsync(IcebergTable table, CancellationToken ct)
    {
        var scan = await table.ReadAsync(ct).ConfigureAwait(false);
        var fields = scan.Schema.Fields;
        var rows = scan.Rows.ToList();
        // In the order of the row identity where the table has one, so that the output is stable.
        var keys = scan.Schema.IdentifierFieldIds.Select(id => fields.ToList().FindIndex(f => f.Id == id)).Where(i => i >= 0).ToArray();
        if (keys.Length > 0)
        {
            rows.Sort((a, b) =>
            {
                foreach (var k in keys)
                {
                    var c = Compare(a[k], b[k]);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return 0;
            });
        }

        return new ResultSet(
            [.. fields.Select(f => new ResultColumn(f.Name, TypeOid(f.Type)))],
            [.. rows.Select(r => r.Select(IcebergText.Format).ToArray())]);
    }

    private static int Compare(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        (string x, string y) => string.CompareOrdinal(x, y),
        (IComparable x, _) when a.GetType() == b.GetType() => x.CompareTo(b),
        _ => 0,
    };

    private static ResultSet History(TableMetadata m)
    {
        static long Count(Snapshot s, string key) =>
            s.Summary.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        static string? Value(Snapshot s, string key) => s.Summary.TryGetValue(key, out var v) ? v : null;

        var rows = m.Snapshots.OrderBy(s => s.SequenceNumber).ThenBy(s => s.TimestampMs).Select(s => new string?[]
        {
            s.SnapshotId.ToString(CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(s.TimestampMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+00",
            Value(s, "operation"),
            Count(s, "added-records").ToString(CultureInfo.InvariantCulture),
            (Count(s, "deleted-records") + Count(s, "added-position-deletes") + Count(s, "added-equality-deletes")).ToString(CultureInfo.InvariantCulture),
            Value(s, "total-records"),
            Value(s, "pgwire.commit-lsn"),
        }).ToList();
        return new ResultSet(
            [
                new ResultColumn("snapshot_id", 20), new ResultColumn("committed_at", 1184), new ResultColumn("operation", 25),
                new ResultColumn("added_records", 20), new ResultColumn("deleted_records", 20), new ResultColumn("total_records", 20),
                new ResultColumn("commit_lsn", 3220),
            ],
            rows);
    }

    /// <summary>The PostgreSQL type OID a column of this type would have (psql right-aligns numbers).</summary>
    private static uint TypeOid(IcebergType type) => type switch
    {
        PrimitiveType { Name: "boolean" } => 16,
        PrimitiveType { Name: "int" } => 23,
        PrimitiveType { Name: "long" } => 20,
        PrimitiveType { Name: "float" } => 700,
        PrimitiveType { Name: "double" } => 701,
        PrimitiveType { Name: "decimal" } => 1700,
        PrimitiveType { Name: "date" } => 1082,
        PrimitiveType { Name: "time" } => 1083,
        PrimitiveType { Name: "timestamp" } => 1114,
        PrimitiveType { Name: "timestamptz" } => 1184,
        PrimitiveType { Name: "uuid" } => 2950,
        PrimitiveType { Name: "binary" or "fixed" } => 17,
        _ => 25,
    };
}

/// <summary>Iceberg values in PostgreSQL's text format, as psql would show the column they came from.</summary>
internal static class IcebergText
{
    public static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "t" : "f",
        string s => s,
        float f => Real(f.ToString("R", CultureInfo.InvariantCulture)),
        double d => Real(d.ToString("R", CultureInfo.InvariantCulture)),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(t.Ticks),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(t.Ticks),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(o.UtcTicks) + "+00",
        Guid g => g.ToString("D"),
        byte[] bytes => "\\x" + Convert.ToHexStringLower(bytes),
        object?[] list => Array(list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>.NET writes 1E+20 where PostgreSQL writes 1e+20.</summary>
    private static string Real(string s) => s.Replace('E', 'e');

    /// <summary>The fraction of a second, to microseconds, without trailing zeros (PostgreSQL's form).</summary>
    private static string Fraction(long ticks)
    {
        var micros = ticks % TimeSpan.TicksPerSecond / 10;
        return micros == 0 ? "" : "." + micros.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    /// <summary>An array literal: {a,b,NULL}, elements quoted where PostgreSQL quotes them.</summary>
    private static string Array(object?[] list)
    {
        var b = new StringBuilder("{");
        for (var i = 0; i < list.Length; i++)
        {
            if (i > 0)
            {
                b.Append(',');
            }

            var text = Format(list[i]);
            if (text is null)
            {
                b.Append("NULL");
            }
            else if (list[i] is object?[] || (text.Length > 0 && !text.Equals("NULL", StringComparison.OrdinalIgnoreCase)
                && text.AsSpan().IndexOfAny("{},\"\\ \t\n\r\v\f") < 0))
            {
                b.Append(text);
            }
            else
            {
                b.Append('"').Append(text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
        }

        return b.Append('}').ToString();
    }
}
