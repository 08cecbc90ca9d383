using System.Text;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>What to replicate and where.</summary>
/// <param name="Connection">libpq keywords (host, port, user, password, dbname, ...).</param>
/// <param name="Environment">Where PGPASSWORD, ~/.pgpass and the like come from; the process environment when null.</param>
public sealed record LreplOptions(IReadOnlyDictionary<string, string?> Connection, string Table, string Publication, string ConfigDir)
{
    public ISettingsEnvironment? Environment { get; init; }

    /// <summary>The application's change stream, when it is the sink instead of the data file (<see cref="ChangeStreamExtensions.StartChangeStream"/>).</summary>
    internal ChangeQueue? Changes { get; init; }

    public string? Slot { get; init; }
    public bool CreatePublication { get; init; }

    /// <summary>Where the changes go: the data file (the default) or an Iceberg table.</summary>
    public LreplSink Sink { get; init; } = LreplSink.File;

    /// <summary>The key=value file with the Iceberg catalog and storage (CATALOG_URI, WAREHOUSE, ...); null for the embedded default under the config dir.</summary>
    public string? IcebergConfigFile { get; init; }

    /// <summary>Iceberg settings from HOCON (pgwire.lrepl.iceberg), under what the file says.</summary>
    public PgWire.Iceberg.IcebergSettings? IcebergDefaults { get; init; }

    /// <summary>How often the Iceberg sink commits; over the file and HOCON when set.</summary>
    public TimeSpan? CommitInterval { get; init; }

    /// <summary>How often the Iceberg sink runs the table's upkeep (compaction, snapshot expiry, orphan removal); zero never.</summary>
    public TimeSpan IcebergMaintenanceInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Snapshots younger than this are kept by the sink's upkeep.</summary>
    public TimeSpan IcebergSnapshotRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Files no metadata references are removed by the sink's upkeep once older than this.</summary>
    public TimeSpan IcebergOrphanGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An existing Iceberg table with rows written by someone else is replaced by the snapshot instead of refused.</summary>
    public bool IcebergReplace { get; init; }

    internal bool WritesDataFile => Changes is null && Sink == LreplSink.File;

    /// <summary>How the data file is written: JSON lines (the default) or CSV with a header.</summary>
    public LreplFormat Format { get; init; } = LreplFormat.JsonLines;
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A replication connection that receives nothing for this long is dropped and made again; zero never.</summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Size past which <see cref="LogPath"/> is rotated.</summary>
    public long LogMaxBytes { get; init; } = 10L << 20;

    /// <summary>Rotated log files kept besides the current one.</summary>
    public int LogKeep { get; init; } = 3;

    /// <summary>A repeated error is written once, then counted in one line per this interval.</summary>
    public TimeSpan LogRepeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>linq2db provider name of the state journal (Akka.Persistence.Sql), e.g. "SQLite.MS" or "PostgreSQL.15".</summary>
    public string StateProvider { get; init; } = "SQLite.MS";

    /// <summary>Connection string of the state journal; null means SQLite at <see cref="StatePath"/>.</summary>
    public string? StateConnectionString { get; init; }

    /// <summary>Journal persistence id; null means "lrepl-" + table.</summary>
    public string? StateId { get; init; }

    /// <summary>A journal snapshot is saved (and older events deleted) after this many persisted positions.</summary>
    public int StateSnapshotEvery { get; init; } = 100;
    public TextWriter? Log { get; init; }

    /// <summary>pgoutput protocol version (1 to 4); null picks the highest the server speaks.</summary>
    public int? ProtocolVersion { get; init; }

    /// <summary>
    /// Binary transfer of column values (pgoutput <c>binary</c>, PostgreSQL 14 and later) when every
    /// column type of the table has a binary form decoded here; the data file is the same either way.
    /// </summary>
    public bool Binary { get; init; } = true;

    /// <summary>Receive buffer size, backpressure bound and largest message of every connection (<c>pgwire.connection</c>).</summary>
    public ConnectionOptions ConnectionOptions { get; init; } = ConnectionOptions.Default;

    /// <summary>
    /// The --config file as written (no defaults), for its <c>akka</c> keys, which configure the actor
    /// system of a standalone run (<c>akka.loglevel = DEBUG</c> and the like); null when the file has
    /// no <c>akka</c> key. lrepl's own keys
    /// (its log file, the state journal and snapshot store it reads and writes) stay lrepl's.
    /// An application that embeds lrepl configures its own actor system instead.
    /// </summary>
    public Akka.Configuration.Config? SystemConfig { get; init; }

    /// <summary>Bytes of one transaction held in memory before it spills under <see cref="SpillDirectory"/>.</summary>
    public int SpillThreshold { get; init; } = 16 << 20;

    /// <summary>
    /// Bytes of changes of a table added to the publication while the stream runs that are kept back
    /// while it is copied (<see cref="AllTables"/>); beyond them the run starts again and copies it
    /// as a table new to the slot, the other tables pausing for that (<c>pgwire.lrepl.added-table-hold</c>).
    /// </summary>
    public long AdditionHoldBytes { get; init; } = 256L << 20;

    public string SpillDirectory => Path.Combine(ConfigDir, "spill", SlotName);

    /// <summary>Called once streaming has started (tests use it to begin a workload).</summary>
    public Action? OnStreaming { get; init; }

    /// <summary>When signalled, the actor system is torn down at once with no drain (crash tests).</summary>
    internal CancellationToken Abort { get; init; }

    private readonly IReadOnlyList<string>? _tables;

    /// <summary>
    /// Every table the run follows from its one slot, in the order given; <see cref="Table"/> is the
    /// first. Each has its own data file (or Iceberg table) and its own recorded position.
    /// </summary>
    public IReadOnlyList<string> Tables
    {
        get => _tables ?? [Table];
        init => _tables = value is { Count: > 0 } ? value : null;
    }

    /// <summary>
    /// Follow every table of the publication (its tables when the run starts, and one added to it
    /// while running, which is then copied and followed too); <see cref="Tables"/> is ignored.
    /// </summary>
    public bool AllTables { get; init; }

    public string SlotName => Slot ?? SanitizeSlot(PlainTableName) + "_slot";

    /// <summary>
    /// <c>&lt;table&gt;.data</c> for a table named without a schema or in <c>public</c>,
    /// <c>&lt;schema&gt;.&lt;table&gt;.data</c> otherwise, every character outside
    /// <c>[A-Za-z0-9_-]</c> of either part percent-encoded (so <c>"a.b"</c> and <c>a.b</c> differ).
    /// A file an earlier version started under the plain table name is used while it is there.
    /// </summary>
    public string DataPath
    {
        get
        {
            var (schema, name) = SplitTableName(Table);
            var file = Path.Combine(ConfigDir, (schema is null or "public" ? "" : PercentEncode(schema) + ".") + PercentEncode(name) + ".data");
            var legacy = Path.Combine(ConfigDir, PlainTableName.Replace('/', '_') + ".data");
            return legacy != file && !File.Exists(file) && File.Exists(legacy) ? legacy : file;
        }
    }

    /// <summary>The table as <c>schema.name</c> (without quotes; <c>public</c> when no schema is given), how the config dir records it.</summary>
    public string TableKey => KeyOf(Table);

    /// <summary>A table name as <c>schema.name</c>, see <see cref="TableKey"/>.</summary>
    public static string KeyOf(string table)
    {
        var (schema, name) = SplitTableName(table);
        return (schema ?? "public") + "." + name;
    }

    /// <summary>This run for one of its tables: the same slot, that table's file, state and sink.</summary>
    internal LreplOptions ForTable(string table, string slot) => this with
    {
        Table = table,
        Tables = [table],
        Slot = slot,
        StateId = Tables.Count == 1 ? StateId : null,
        SeveralTables = Tables.Count > 1,
    };

    /// <summary>Set on a table's options when its run follows several tables (Iceberg tables are then named per table in the configured namespace).</summary>
    internal bool SeveralTables { get; init; }

    /// <summary>
    /// Splits a table name as PostgreSQL reads it: an optional schema and the name, unquoted parts
    /// folded to lower case, quoted parts kept (a dot inside quotes is part of the name).
    /// </summary>
    public static (string? Schema, string Name) SplitTableName(string table)
    {
        var parts = NameParts(table);
        return parts.Count >= 2 ? (parts[^2], parts[^1]) : (null, parts[0]);
    }

    /// <summary>The dot-separated parts of a name, unquoted parts folded to lower case, quoted ones kept (<c>""</c> is a quote).</summary>
    private static List<string> NameParts(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var parts = new List<string>();
        var sb = new StringBuilder(table.Length);
        var quoted = false;
        for (var i = 0; i < table.Length; i++)
        {
            var c = table[i];
            if (c == '"')
            {
                if (quoted && i + 1 < table.Length && table[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == '.' && !quoted)
            {
                parts.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(quoted ? c : char.ToLowerInvariant(c));
            }
        }

        parts.Add(sb.ToString());
        return parts;
    }

    /// <summary>
    /// Splits a <c>-t</c> value into table names: commas separate them, except inside double quotes
    /// (<c>orders,"a,b",sales.items</c> gives three). Blank entries are dropped.
    /// </summary>
    public static IReadOnlyList<string> ParseTableList(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var names = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length && value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (i == value.Length || (value[i] == ',' && !quoted))
            {
                var name = value[start..i].Trim();
                if (name.Length > 0)
                {
                    names.Add(name);
                }

                start = i + 1;
            }
        }

        return names;
    }

    private static string PercentEncode(string part)
    {
        var sb = new StringBuilder(part.Length);
        foreach (var b in Encoding.UTF8.GetBytes(part))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'-')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The table name as PostgreSQL reads it, without quotes: unquoted parts folded to lower case,
    /// quoted parts kept as written (<c>"Mixed Case"</c> gives <c>Mixed Case</c>, <c>Sales.Orders</c>
    /// gives <c>sales.orders</c>).
    /// </summary>
    public string PlainTableName => string.Join('.', NameParts(Table));
    public string StatePath => Path.Combine(ConfigDir, "lrepl-state.db");

    /// <summary>Where a standalone run (<see cref="LreplRunner.RunAsync"/>) writes Akka's log.</summary>
    public string LogPath => Path.Combine(ConfigDir, "lrepl.log");

    private static string SanitizeSlot(string table)
    {
        var sb = new StringBuilder(table.Length);
        foreach (var c in table.ToLowerInvariant())
        {
            sb.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        return sb.ToString();
    }
}

/// <summary>Where a run writes the changes.</summary>
public enum LreplSink
{
    /// <summary>The data file <c>&lt;config-dir&gt;/&lt;table&gt;.data</c>.</summary>
    File,

    /// <summary>An Apache Iceberg table in a SQL catalog (see <see cref="LreplOptions.IcebergConfigFile"/>).</summary>
    Iceberg,
}

/// <summary>The data file's format.</summary>
public enum LreplFormat
{
    /// <summary>One JSON object per line: op, lsn, xid, commit_ts, key, before, after.</summary>
    JsonLines,

    /// <summary>RFC 4180 CSV: a header, then op, lsn and the table's columns in text format (see <see cref="CsvLineEncoder"/>).</summary>
    Csv,
}
