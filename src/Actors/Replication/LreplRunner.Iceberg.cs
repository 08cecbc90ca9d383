using System.Globalization;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Actors.Replication.Iceberg;
using PgWire.Iceberg;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>The Iceberg sink's part of a run: the catalog, the table made or checked, and the sink started.</summary>
public static partial class LreplRunner
{
    /// <summary>The table property that says which config dir writes an Iceberg table.</summary>
    internal const string DirIdProperty = "pgwire.config-dir-id";

    /// <summary>The Iceberg table a run writes, and where.</summary>
    internal sealed class IcebergTarget(IcebergSettings settings, SqlCatalog catalog, IFileIO io, IcebergTableIdent ident, IReadOnlyDictionary<string, PgColumnType> columns)
    {
        public IcebergSettings Settings { get; } = settings;
        public SqlCatalog Catalog { get; } = catalog;
        public IFileIO IO { get; } = io;
        public IcebergTableIdent Ident { get; } = ident;

        /// <summary>The table's PostgreSQL columns when the run started, by name.</summary>
        public IReadOnlyDictionary<string, PgColumnType> Columns { get; } = columns;

        public IcebergTable Table { get; set; } = null!;

        public Task<IcebergTable> LoadAsync(CancellationToken ct) => Catalog.LoadTableAsync(Ident.Namespace, Ident.Name, ct);

        /// <summary>The Iceberg type of a column of the stream's relation: from the catalog's type name when known, else from a built-in OID.</summary>
        public IcebergType TypeOf(ColumnInfo column)
        {
            var next = 1_000_000;
            if (Columns.TryGetValue(column.Name, out var known) && known.TypeOid == column.TypeOid)
            {
                return PostgresTypeMapping.ToIceberg(known.TypeName, known.TypeModifier, () => next++);
            }

            return PostgresTypeMapping.ToIceberg(BuiltInTypeName(column.TypeOid), column.TypeModifier, () => next++);
        }
    }

    /// <summary>A column's type as the catalog names it (a domain by its base type) and its modifier.</summary>
    internal sealed record PgColumnType(string Name, uint TypeOid, string TypeName, int TypeModifier, bool NotNull);

    /// <summary>pg_type.typname of a built-in type (arrays as _elem); "text" for any other, which is stored as a string.</summary>
    internal static string BuiltInTypeName(uint oid)
    {
        var element = PgTypeOids.BuiltInArrayElement(oid);
        if (element != 0)
        {
            return "_" + BuiltInTypeName(element);
        }

        return oid switch
        {
            PgTypeOids.Bool => "bool",
            PgTypeOids.Bytea => "bytea",
            PgTypeOids.Int8 => "int8",
            PgTypeOids.Int2 => "int2",
            PgTypeOids.Int4 => "int4",
            PgTypeOids.Float4 => "float4",
            PgTypeOids.Float8 => "float8",
            PgTypeOids.Date => "date",
            PgTypeOids.Time => "time",
            PgTypeOids.Timestamp => "timestamp",
            PgTypeOids.TimestampTz => "timestamptz",
            PgTypeOids.Numeric => "numeric",
            PgTypeOids.Uuid => "uuid",
            PgTypeOids.Json => "json",
            PgTypeOids.Jsonb => "jsonb",
            _ => "text",
        };
    }

    private static async Task<List<PgColumnType>> ColumnTypesAsync(PgClient client, TableInfo table, CancellationToken ct)
    {
        const string sql = """
            SELECT a.attname,
                   a.atttypid::int8::text,
                   CASE WHEN t.typtype = 'd' THEN b.typname ELSE t.typname END,
                   (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text,
                   a.attnotnull::text
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
            WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """;
        var rows = await QueryAsync(client, sql, [table.Oid.ToString(CultureInfo.InvariantCulture)], ct).ConfigureAwait(false);
        var published = table.PublishedColumns is { } p ? new HashSet<string>(p, StringComparer.Ordinal) : null;
        return [.. rows
            .Where(r => published is null || published.Contains(r[0]!))
            .Select(r => new PgColumnType(r[0]!, uint.Parse(r[1]!, CultureInfo.InvariantCulture), r[2]!, int.Parse(r[3]!, CultureInfo.InvariantCulture), r[4] == "true"))];
    }

    /// <summary>The Iceberg schema of the PostgreSQL table: its columns in order, the primary key as identifier fields.</summary>
    internal static IcebergSchema SchemaFor(IReadOnlyList<PgColumnType> columns, IReadOnlySet<string> key)
    {
        var ids = 0;
        var fields = new List<(PgColumnType Column, int Id)>();
        foreach (var column in columns)
        {
            fields.Add((column, ++ids));
        }

        var nested = new List<NestedField>();
        foreach (var (column, id) in fields)
        {
            var type = PostgresTypeMapping.ToIceberg(column.TypeName, column.TypeModifier, () => ++ids);
            var isKey = key.Contains(column.Name) && type is PrimitiveType { Name: not ("float" or "double") };
            nested.Add(new NestedField(id, column.Name, isKey, type));
        }

        var identifiers = nested.Where(f => f.Required).Select(f => f.Id).ToList();
        if (identifiers.Count != key.Count || columns.Any(c => key.Contains(c.Name) && !c.NotNull))
        {
            // REPLICA IDENTITY FULL (every column "key", nulls allowed), or a key Iceberg cannot
            // use as identifier (a float column): rows are known by all their values.
            identifiers.Clear();
            nested = [.. nested.Select(f => f with { Required = false })];
        }

        return new IcebergSchema(0, nested, identifiers);
    }

    /// <summary>
    /// Opens the catalog and the Iceberg table before anything is created on the server: a missing
    /// table is created, an existing one is checked (its schema fits, it is this dir's or empty, or
    /// --iceberg-replace says to replace it). On a resume the table must be this dir's and hold at
    /// least the recorded position.
    /// </summary>
    private static async Task<IcebergTarget> PrepareIcebergAsync(PgClient client, LreplOptions options, LreplConfigDir dir, TableInfo table, LreplState? resume, CancellationToken ct)
    {
        var database = client.Session.Parameters.TryGetValue("database", out var db) ? db : (options.Connection.TryGetValue("dbname", out var name) ? name : null) ?? "postgres";
        IcebergSettings settings;
        SqlCatalog catalog;
        try
        {
            settings = IcebergSettings.Load(options.IcebergConfigFile, options.ConfigDir, database, options.IcebergDefaults);
            if (options.CommitInterval is { } interval)
            {
                settings = settings with { CommitInterval = interval };
            }

            catalog = await settings.OpenCatalogAsync(ct).ConfigureAwait(false);
        }
        catch (IcebergConfigException ex)
        {
            throw new LreplException(ex.Message, ex);
        }

        var ident = settings.TableFor(table.Schema, table.Name, onlyTable: !options.SeveralTables);
        var columns = await ColumnTypesAsync(client, table, ct).ConfigureAwait(false);
        var target = new IcebergTarget(settings, catalog, settings.OpenFileIO(), ident, columns.ToDictionary(c => c.Name, StringComparer.Ordinal));
        var schema = SchemaFor(columns, table.KeyColumns);
        var location = await catalog.MetadataLocationAsync(ident.Namespace, ident.Name, ct).ConfigureAwait(false);
        if (location is null)
        {
            if (resume is { SnapshotDone: true })
            {
                throw new LreplException($"the Iceberg table {ident} that this config dir writes is gone from the catalog; the changes since its last snapshot cannot be recovered: run lrepl --drop with this config dir and start over");
            }

            target.Table = await catalog.CreateTableAsync(ident.Namespace, ident.Name, schema, new Dictionary<string, string>
            {
                [DirIdProperty] = dir.Id,
                ["pgwire.source-table"] = table.Qualified,
            }, ct).ConfigureAwait(false);
            options.Log?.WriteLine($"lrepl: created Iceberg table {ident} at {target.Table.Metadata.Location}");
            return target;
        }

        target.Table = await target.LoadAsync(ct).ConfigureAwait(false);
        var metadata = target.Table.Metadata;
        var ours = metadata.Properties.TryGetValue(DirIdProperty, out var owner) && owner == dir.Id;
        foreach (var field in schema.Fields)
        {
            var have = metadata.CurrentSchema.Fields.FirstOrDefault(f => f.Name == field.Name)
                ?? throw new LreplException($"the Iceberg table {ident} has no field \"{field.Name}\" for the column of {table.Qualified}; use another table name (TABLE_NAME) or add the field");
            if (!IcebergChangeApplier.Fits(have.Type, field.Type))
            {
                throw new LreplException($"field \"{field.Name}\" of the Iceberg table {ident} is {have.Type}, which cannot hold the column's {field.Type}");
            }
        }

        var rows = metadata.CurrentSnapshot is { } current && current.Summary.TryGetValue("total-records", out var total) ? total : "0";
        if (resume is { SnapshotDone: true })
        {
            if (!ours)
            {
                throw new LreplException($"the Iceberg table {ident} is not the one this config dir wrote (its {DirIdProperty} is {owner ?? "missing"}); the replication state cannot continue in it");
            }

            var tableLsn = IcebergSinkActor.CommitLsnOf(metadata.CurrentSnapshot);
            if (tableLsn is null || tableLsn.Value.Value < resume.CommitLsn)
            {
                throw new LreplException($"the Iceberg table {ident} holds changes up to {tableLsn?.ToString() ?? "none"}, but {new Lsn(resume.CommitLsn)} was recorded as durable: its newer snapshots were removed or rolled back, and the changes in between cannot be recovered; run lrepl --drop with this config dir and start over");
            }

            return target;
        }

        if (!ours && rows != "0" && !options.IcebergReplace)
        {
            throw new LreplException($"the Iceberg table {ident} already holds {rows} rows written by someone else; pass --iceberg-replace to replace them with the snapshot, or use another table name");
        }

        if (!ours)
        {
            // Empty, or to be replaced: from here this config dir writes it.
            await target.Table.SetPropertiesAsync(new Dictionary<string, string> { [DirIdProperty] = dir.Id, ["pgwire.source-table"] = table.Qualified }, ct).ConfigureAwait(false);
            options.Log?.WriteLine($"lrepl: taking over Iceberg table {ident}{(rows != "0" ? $" (its {rows} rows are replaced by the snapshot)" : "")}");
        }

        return target;
    }

    private static async Task<Props> IcebergSinkPropsAsync(LreplOptions lrepl, IcebergTarget target, IActorRef ack, LreplState state, LreplProgress progress, TextWriter log, CancellationToken ct)
    {
        var applier = await IcebergChangeApplier.OpenAsync(target.IO, target.LoadAsync, target.Settings.TargetFileSize, line => log.WriteLine("lrepl: " + line), ct).ConfigureAwait(false);
        var durable = IcebergSinkActor.CommitLsnOf(applier.Table.Metadata.CurrentSnapshot) ?? new Lsn(state.CommitLsn);
        var options = new IcebergSinkOptions(target.Settings.CommitInterval, target.Settings.TargetFileSize, target.TypeOf)
        {
            MaintenanceInterval = lrepl.IcebergMaintenanceInterval,
            Maintenance = new MaintenanceOptions { SnapshotRetention = lrepl.IcebergSnapshotRetention, OrphanGracePeriod = lrepl.IcebergOrphanGrace },
            Log = line => log.WriteLine("lrepl: " + line),
        };
        return IcebergSinkActor.Props(applier, durable, ack, options, progress);
    }
}
