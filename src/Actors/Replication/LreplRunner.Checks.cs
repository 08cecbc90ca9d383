using PgWire.Actors.Connection;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>What a run checks and reads before it creates anything: settings, the table, its publication, its slot, the stream's transfer format.</summary>
public static partial class LreplRunner
{
    /// <param name="PublishedColumns">The columns the publication's changes carry, in table order: its column list (PostgreSQL 15 and later) without the generated columns pgoutput leaves out; null for a table without columns.</param>
    /// <param name="RowFilter">The publication's row filter for the table (PostgreSQL 15 and later), as SQL; null means every row.</param>
    internal sealed record TableInfo(string Schema, string Name, string Qualified, uint Oid, IReadOnlySet<string> KeyColumns, IReadOnlyList<string>? PublishedColumns = null, string? RowFilter = null);

    /// <summary>
    /// Run-time settings of every lrepl session, snapshot and stream alike: values are written in
    /// one form whatever the server's or role's defaults (timestamptz in UTC, ISO dates, shortest
    /// exact floats, hex bytea), and binary values are turned into exactly that text.
    /// </summary>
    internal static readonly KeyValuePair<string, string>[] SessionParameters =
    [
        new("DateStyle", "ISO, MDY"),
        new("IntervalStyle", "postgres"),
        new("TimeZone", "UTC"),
        new("extra_float_digits", "1"),
        new("bytea_output", "hex"),
    ];

    private static ConnectionSettings Resolve(LreplOptions options, string? replication)
    {
        var overrides = new Dictionary<string, string?>(options.Connection, StringComparer.Ordinal)
        {
            ["replication"] = replication,
        };
        try
        {
            return ConnectionSettings.Resolve(null, overrides, options.Environment).WithStartupParameters(SessionParameters);
        }
        catch (ConnectionSettingsException ex)
        {
            throw new LreplException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Everything a run checks before it starts, read in one round trip: wal_level, the table, its
    /// replica identity columns, the publication and its membership, and whether the slot exists.
    /// One row per replica identity column (one row with a null column when there is none).
    /// </summary>
    /// <remarks>
    /// A partitioned table's changes are decoded under the name of the partition they land in
    /// unless the publication says publish_via_partition_root; only then do they reach this table's
    /// stream, so a partitioned table needs a publication that does. From PostgreSQL 15 on, the
    /// publication's column list and row filter for the table are read too: the snapshot copies
    /// what the stream will carry, as the server's own table synchronization does. Generated
    /// columns are left out the same way the stream leaves them out.
    /// </remarks>
    private static string CheckQuery(LreplOptions options, int serverVersion)
    {
        var publication = SqlLiteral(options.Publication);

        // The publication's entry for the table: its column list and row filter from 15 on.
        var entry = serverVersion >= 150000
            ? $"SELECT pt.attnames, pt.rowfilter FROM pg_publication_tables pt WHERE pt.pubname = {publication} AND pt.schemaname = n.nspname AND pt.tablename = c.relname"
            : "SELECT NULL::name[], NULL::text";

        // Generated columns are never published before 18; from 18 on, when the entry lists them.
        var generated = serverVersion switch
        {
            < 120000 => "",
            < 180000 => "AND a.attgenerated = ''",
            _ => "AND (a.attgenerated = '' OR a.attname = ANY (pt.attnames))",
        };
        return $"""
            SELECT current_setting('wal_level'), n.nspname, c.relname, c.oid::int8::text, c.relreplident::text,
                   (SELECT {(serverVersion >= 130000 ? "pubviaroot" : "false")} FROM pg_publication WHERE pubname = {publication}),
                   EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = {publication} AND schemaname = n.nspname AND tablename = c.relname),
                   EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = {SqlLiteral(options.SlotName)}),
                   k.attname, c.relkind::text,
                   (SELECT to_json(array_agg(a.attname ORDER BY a.attnum))::text FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      AND (pt.attnames IS NULL OR a.attname = ANY (pt.attnames)) {generated}),
                   pt.rowfilter,
                   (SELECT concat_ws('|', slot_type, coalesce(confirmed_flush_lsn::text, ''), coalesce(active_pid::text, ''), coalesce(plugin, ''), coalesce(database, ''))
                    FROM pg_replication_slots WHERE slot_name = {SqlLiteral(options.SlotName)})
            FROM (SELECT to_regclass({SqlLiteral(options.Table)})) r (oid)
            LEFT JOIN pg_class c ON c.oid = r.oid
            LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN LATERAL ({entry}) pt (attnames, rowfilter) ON true
            LEFT JOIN LATERAL (
                SELECT a.attname FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND (c.relreplident = 'f' OR a.attnum = ANY (
                      SELECT unnest(i.indkey) FROM pg_index i
                      WHERE i.indrelid = c.oid AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END))
            ) k ON true
            """;
    }

    /// <summary>A SQL string literal that reads the same whatever standard_conforming_strings is.</summary>
    private static string SqlLiteral(string value) =>
        "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task<(TableInfo Table, SlotInfo? Slot)> CheckAsync(PgClient client, LreplOptions options, LreplConfigDir dir, CancellationToken ct)
    {
        var serverVersion = client.Session.ServerVersionNumber;
        var rows = await QueryAsync(client, CheckQuery(options, serverVersion), null, ct).ConfigureAwait(false);
        var first = rows[0];
        var walLevel = first[0];
        if (walLevel != "logical")
        {
            throw new LreplException($"wal_level is '{walLevel}'; logical replication needs wal_level = logical (ALTER SYSTEM SET wal_level = logical, then restart the server)");
        }

        if (first[1] is null)
        {
            throw new LreplException($"table \"{options.Table}\" does not exist");
        }

        if (first[9] is not ("r" or "p"))
        {
            var kind = first[9] switch
            {
                "v" => "a view",
                "m" => "a materialized view",
                "f" => "a foreign table",
                "S" => "a sequence",
                "i" or "I" => "an index",
                _ => "not a table",
            };
            throw new LreplException($"\"{options.Table}\" is {kind}; logical replication publishes tables only");
        }

        var schema = first[1]!;
        var name = first[2]!;
        var oid = uint.Parse(first[3]!, System.Globalization.CultureInfo.InvariantCulture);
        var qualified = ReplicationCommands.QuoteIdentifier(schema) + "." + ReplicationCommands.QuoteIdentifier(name);
        var keys = rows.Where(r => r[8] is not null).Select(r => r[8]!).ToHashSet(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            throw new LreplException($"table {qualified} has no usable replica identity (add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL or USING INDEX)");
        }

        var partitioned = first[9] == "p";
        if (partitioned && serverVersion < 130000)
        {
            throw new LreplException($"table {qualified} is partitioned; publishing a partitioned table needs PostgreSQL 13 or later");
        }

        var publicationName = ReplicationCommands.QuoteIdentifier(options.Publication);
        var viaRoot = partitioned ? " WITH (publish_via_partition_root = true)" : "";
        // Column 5: null without the publication, else whether it publishes via partition roots.
        if (first[5] is null)
        {
            if (!options.CreatePublication)
            {
                throw new LreplException($"publication \"{options.Publication}\" does not exist (create it with CREATE PUBLICATION {publicationName} FOR TABLE {qualified}{viaRoot}, or pass --create-publication)");
            }

            // Recorded first, so that --drop in this dir knows the publication is its own.
            dir.RecordPublication(options.Publication);
            try
            {
                await QueryAsync(client, $"CREATE PUBLICATION {publicationName} FOR TABLE {qualified}{viaRoot}", null, ct).ConfigureAwait(false);
            }
            catch (LreplException)
            {
                dir.ForgetPublication(options.Publication);
                throw;
            }
        }
        else if (partitioned && first[5] != "t")
        {
            throw new LreplException($"publication \"{options.Publication}\" publishes the changes of partitioned table {qualified} under the names of its partitions; lrepl needs them under the table's own name (ALTER PUBLICATION {publicationName} SET (publish_via_partition_root = true))");
        }
        else if (first[6] != "t")
        {
            if (!dir.CreatedPublication(options.Publication))
            {
                throw new LreplException($"publication \"{options.Publication}\" does not include table {qualified} (ALTER PUBLICATION {publicationName} ADD TABLE {qualified})");
            }

            // A publication this dir's --create-publication made takes the tables its runs name.
            await QueryAsync(client, $"ALTER PUBLICATION {publicationName} ADD TABLE {qualified}", null, ct).ConfigureAwait(false);
        }

        List<string>? published = null;
        if (first[10] is { } json)
        {
            // A JSON array of column names (no serializer: its first use costs more than this whole check).
            using var names = System.Text.Json.JsonDocument.Parse(json);
            published = [.. names.RootElement.EnumerateArray().Select(e => e.GetString()!)];
        }

        return (new TableInfo(schema, name, qualified, oid, keys, published, first[11]), first[7] == "t" ? SlotInfo.Parse(options.SlotName, first[12]) : null);
    }

    /// <summary>
    /// Binary transfer for the stream when the options allow it, the server has it (14 and later)
    /// and every column type of the table has a binary form decoded here; otherwise null (text).
    /// </summary>
    private static async Task<BinaryStreaming?> BinaryStreamingAsync(PgClient client, LreplOptions options, IReadOnlyList<TableInfo> tables, TextWriter log, CancellationToken ct)
    {
        var version = client.Session.ServerVersionNumber;
        if (!options.Binary || version < 140000)
        {
            return null;
        }

        var catalog = new PgTypeCatalog(version);
        foreach (var row in await QueryAsync(client, PgTypeCatalog.LoadQuery, null, ct).ConfigureAwait(false))
        {
            catalog.AddRow(ParseOid(row[0]), row[1]![0], ParseOid(row[2]), ParseOid(row[3]));
        }

        var oids = "{" + string.Join(",", tables.Select(t => t.Oid.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "}";
        var columns = await QueryAsync(client, "SELECT attname, atttypid::int8::text, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = ANY ($1::oid[]) AND attnum > 0 AND NOT attisdropped ORDER BY attrelid, attnum", [oids], ct).ConfigureAwait(false);
        var textOnly = columns.Where(c => !BinaryTextFormatter.CanFormat(ParseOid(c[1]), catalog)).Select(c => $"{c[0]} ({c[2]})").ToList();
        if (textOnly.Count > 0)
        {
            log.WriteLine($"lrepl: streaming values as text: no binary form decoded here for {string.Join(", ", textOnly)}");
            return null;
        }

        log.WriteLine("lrepl: column values stream in binary");
        return new BinaryStreaming(catalog);
    }

    private static uint ParseOid(string? text) => uint.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);
}
