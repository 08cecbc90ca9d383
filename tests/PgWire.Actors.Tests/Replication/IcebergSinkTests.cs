using System.Collections;
using System.Globalization;
using System.Text;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Iceberg;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>lrepl into an Iceberg table (the embedded default: a SQLite catalog and a local warehouse in the config dir).</summary>
public sealed class IcebergSinkTests
{
    private static LreplOptions Iceberg(LreplOptions options) =>
        options with { Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(200) };

    /// <summary>The test table's rows as PostgreSQL has them, one canonical line each, sorted.</summary>
    private static List<string> Expected(string table)
    {
        var text = StreamTestSupport.Scalar($"""
            SELECT concat_ws('|', id, coalesce(name, '∅'), coalesce(amount::text, '∅'),
                   coalesce(CASE WHEN flag THEN 'true' WHEN NOT flag THEN 'false' END, '∅'), coalesce(f::text, '∅'),
                   coalesce(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '∅'),
                   coalesce(array_to_string(tags, ',', '∅'), '∅'))
            FROM {table}
            """);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    private static string Render(object? value) => value switch
    {
        null => "∅",
        string s when s.Length > 1000 => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(s))),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        string s => s,
        IList list => string.Join(",", list.Cast<object?>().Select(Render)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static async Task<IcebergTable> LoadAsync(string dir, string table)
    {
        var settings = IcebergSettings.Load(null, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", table, onlyTable: true);
        return await catalog.LoadTableAsync(ident.Namespace, ident.Name);
    }

    /// <summary>The Iceberg table's rows (deletes applied), in the order of <see cref="Expected"/>'s columns, sorted; duplicates kept.</summary>
    private static async Task<List<string>> ActualAsync(string dir, string table)
    {
        var loaded = await LoadAsync(dir, table);
        var scan = await loaded.ReadAsync();
        var names = new[] { "id", "name", "amount", "flag", "f", "ts", "tags" };
        var index = names.Select(n => scan.Schema.Fields.ToList().FindIndex(f => f.Name == n)).ToArray();
        return [.. scan.Rows.Select(r => string.Join("|", index.Select(i => Render(r[i])))).Order(StringComparer.Ordinal)];
    }

    private static async Task WaitForMatchAsync(string dir, string table)
    {
        var expected = Expected(table);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> actual = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                actual = await ActualAsync(dir, table);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or FileNotFoundException)
            {
                actual = [ex.Message];
            }

            if (actual.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Equal(expected, actual);
    }

    /// <summary>Every snapshot records a later position than its parent: no LSN range was committed twice.</summary>
    private static async Task AssertPositionsIncreaseAsync(string dir, string table)
    {
        var loaded = await LoadAsync(dir, table);
        var m = loaded.Metadata;
        var chain = new List<Snapshot>();
        for (var s = m.CurrentSnapshot; s is not null; s = s.ParentSnapshotId is { } p ? m.Snapshots.FirstOrDefault(x => x.SnapshotId == p) : null)
        {
            chain.Add(s);
        }

        chain.Reverse();
        var lsns = chain.Select(s => Protocol.Replication.Lsn.Parse(s.Summary["pgwire.commit-lsn"])).ToList();
        for (var i = 1; i < lsns.Count; i++)
        {
            // Only upkeep's rewrite (operation replace) keeps its parent's position; the sink's commits move on.
            var replace = chain[i].Summary.TryGetValue("operation", out var op) && op == "replace";
            Assert.True(lsns[i] > lsns[i - 1] || (replace && lsns[i] == lsns[i - 1]), $"snapshot {i} records {lsns[i]} after {lsns[i - 1]}");
        }
    }

    private const string Create = "CREATE TABLE {0} (id int PRIMARY KEY, name text, amount numeric(12,2), flag bool, f float8, ts timestamptz, tags text[])";

    [ClusterFact]
    public async Task Snapshot_and_changes_reach_the_iceberg_table_and_a_restart_repeats_nothing()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_e2e");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql(string.Format(CultureInfo.InvariantCulture, Create, table) + $"; INSERT INTO {table} SELECT g, 'row' || g, g * 1.5, g % 2 = 0, g / 4.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', ARRAY['a' || g, NULL] FROM generate_series(1, 300) g");

        var run = await StreamTestSupport.StartAsync(table, pub, scratch.Dir, configure: Iceberg);
        Assert.Contains("snapshot of", run.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(dir, table);

        StreamTestSupport.Psql($"""
            INSERT INTO {table} VALUES (1000, 'new', 1.25, true, 'NaN', '2020-02-29 12:34:56.789012+05:30', ARRAY['x,y', 'z"q']);
            UPDATE {table} SET name = 'changed', amount = amount + 1 WHERE id <= 10;
            UPDATE {table} SET id = 2000 WHERE id = 20;
            DELETE FROM {table} WHERE id BETWEEN 30 AND 60;
            BEGIN; INSERT INTO {table} VALUES (3000, 'short-lived'); UPDATE {table} SET name = 'still short' WHERE id = 3000; DELETE FROM {table} WHERE id = 3000; COMMIT;
            BEGIN; INSERT INTO {table} VALUES (4000, 'rolled back'); ROLLBACK;
            """);
        await WaitForMatchAsync(dir, table);
        await run.StopAsync();
        await AssertPositionsIncreaseAsync(dir, table);

        // Changes made while nothing runs are caught up; TRUNCATE empties the table in one snapshot.
        StreamTestSupport.Psql($"UPDATE {table} SET f = -f WHERE id % 7 = 0; BEGIN; TRUNCATE {table}; INSERT INTO {table} VALUES (5, 'after truncate'); COMMIT; INSERT INTO {table} VALUES (6, 'six')");
        var restarted = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        Assert.DoesNotContain("snapshot of", restarted.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(dir, table);
        await restarted.StopAsync();
        await AssertPositionsIncreaseAsync(dir, table);
    }

    [ClusterFact]
    public async Task Abrupt_stops_mid_stream_lose_and_repeat_nothing()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_crash");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql(string.Format(CultureInfo.InvariantCulture, Create, table) + $"; INSERT INTO {table} SELECT g, 'row' || g FROM generate_series(1, 200) g");
        var rounds = 3;
        for (var round = 0; round < rounds; round++)
        {
            using var abort = new CancellationTokenSource();
            var run = await StreamTestSupport.StartAsync(table, pub, dir, abort: abort.Token, configure: Iceberg);
            var script = new StringBuilder();
            for (var i = 0; i < 150; i++)
            {
                var n = round * 1000 + i;
                script.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET amount = coalesce(amount, 0) + 1, name = 'u{n}' WHERE id = {(n % 200) + 1};\n");
                script.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} (id, name) VALUES ({10000 + n}, 'n{n}');\n");
                if (i % 3 == 0)
                {
                    script.Append(CultureInfo.InvariantCulture, $"DELETE FROM {table} WHERE id = {10000 + n};\n");
                }

                script.Append("SELECT pg_sleep(0.003);\n");
            }

            var workload = Task.Run(() => TestCluster.RunPsql(new PsqlOptions { Input = script.ToString(), Timeout = TimeSpan.FromSeconds(120) }, "-X", "-q", "-v", "ON_ERROR_STOP=1"));
            await Task.Delay(300 + (round * 250));
            await abort.CancelAsync();
            await run.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var (code, _, stderr) = await workload;
            Assert.True(code == 0, stderr);
        }

        var last = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        await WaitForMatchAsync(dir, table);
        await last.StopAsync();
        await AssertPositionsIncreaseAsync(dir, table);
    }

    [ClusterFact]
    public async Task An_existing_table_of_someone_else_with_rows_is_refused_and_nothing_is_created()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_foreign");
        var (table, pub, slot, dir, _) = scratch;
        StreamTestSupport.Psql(string.Format(CultureInfo.InvariantCulture, Create, table) + $"; INSERT INTO {table} VALUES (1, 'one')");
        var settings = IcebergSettings.Load(null, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", table, onlyTable: true);
        var schema = new IcebergSchema(0, [new NestedField(1, "id", true, PrimitiveType.Int), new NestedField(2, "name", false, PrimitiveType.String)], [1]);
        var foreign = await catalog.CreateTableAsync(ident.Namespace, ident.Name, schema);
        await foreign.AppendAsync([[7, "theirs"]]);

        var options = Iceberg(new LreplOptions(StreamTestSupport.Connection(), table, pub, dir) { CreatePublication = true, Environment = new EmptyEnvironment() });
        var error = await Assert.ThrowsAsync<LreplException>(() => LreplRunner.RunAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no field \"amount\"", error.Message, StringComparison.Ordinal);
        Assert.Equal("0", StreamTestSupport.Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        var reloaded = await catalog.LoadTableAsync(ident.Namespace, ident.Name);
        Assert.Equal(foreign.Metadata.CurrentSnapshotId, reloaded.Metadata.CurrentSnapshotId);
    }

    /// <summary>The Iceberg table's rows as text, columns in <paramref name="names"/> order, sorted.</summary>
    private static async Task<List<string>> RowsAsync(string dir, string table, params string[] names)
    {
        var scan = await (await LoadAsync(dir, table)).ReadAsync();
        var index = names.Select(n => scan.Schema.Fields.ToList().FindIndex(f => f.Name == n)).ToArray();
        return [.. scan.Rows.Select(r => string.Join("|", index.Select(i => i < 0 ? "(no field)" : Render(r[i])))).Order(StringComparer.Ordinal)];
    }

    private static async Task WaitForRowsAsync(string dir, string table, string expectedQuery, params string[] names)
    {
        var expected = StreamTestSupport.Scalar(expectedQuery).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> actual = [];
        while (DateTime.UtcNow < deadline)
        {
            actual = await RowsAsync(dir, table, names);
            if (actual.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Equal(expected, actual);
    }

    [ClusterFact]
    public async Task A_table_without_a_key_loses_exactly_one_of_equal_rows_per_delete_and_unchanged_toast_values_are_kept()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_full");
        var (table, pub, _, dir, _) = scratch;
        // Equal rows, and a value large enough to be stored out of line (TOAST), which an update of another column does not resend.
        StreamTestSupport.Psql($"""
            CREATE TABLE {table} (a int, b text, big text);
            ALTER TABLE {table} REPLICA IDENTITY FULL;
            INSERT INTO {table} VALUES (1, 'x', NULL), (1, 'x', NULL), (1, 'x', NULL), (2, 'y', NULL);
            """);
        {
            var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
            StreamTestSupport.Psql($"DELETE FROM {table} WHERE ctid = (SELECT min(ctid) FROM {table} WHERE a = 1); UPDATE {table} SET b = 'z' WHERE ctid = (SELECT max(ctid) FROM {table} WHERE a = 1); INSERT INTO {table} VALUES (2, 'y', NULL)");
            await WaitForRowsAsync(dir, table, $"SELECT concat_ws('|', a, b, coalesce(big, '∅')) FROM {table}", "a", "b", "big");
            await run.StopAsync();

            using var keyed = new StreamTestSupport.Scratch(table + "_k");
            var dir2 = keyed.Dir;
            StreamTestSupport.Psql($"CREATE TABLE {keyed.Table} (id int PRIMARY KEY, n int, big text); ALTER TABLE {keyed.Table} ALTER COLUMN big SET STORAGE EXTERNAL; INSERT INTO {keyed.Table} SELECT g, g, repeat(md5(g::text), 400) FROM generate_series(1, 3) g");
            var run2 = await StreamTestSupport.StartAsync(keyed.Table, keyed.Publication, dir2, configure: Iceberg);
            StreamTestSupport.Psql($"INSERT INTO {keyed.Table} VALUES (4, 4, repeat('q', 20000)); UPDATE {keyed.Table} SET n = n + 10");
            await WaitForRowsAsync(dir2, keyed.Table, $"SELECT concat_ws('|', id, n, md5(big)) FROM {keyed.Table}", "id", "n", "big");
            await run2.StopAsync();
        }
    }

    /// <summary>
    /// One-column bigint and uuid keys (held as numbers in the key index): a transaction of
    /// 150,000 inserts, handed to the data file in several batches encoded beside the applier,
    /// then updates and deletes of rows in those batches and in the snapshot's file, and keys
    /// changed; then a restart, which rebuilds the index from the table, and more changes.
    /// </summary>
    [ClusterFact]
    public async Task Bigint_and_uuid_keys_follow_a_large_transaction_and_changed_keys_across_a_restart()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_keys");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql($"CREATE TABLE {table} (id bigint PRIMARY KEY, u uuid, name text); INSERT INTO {table} SELECT g, md5(g::text)::uuid, md5(g::text) FROM generate_series(1, 1000) g");
        var expected = $"SELECT concat_ws('|', id, u, name) FROM {table}";
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        StreamTestSupport.Psql($"""
            BEGIN;
            INSERT INTO {table} SELECT g, md5(g::text)::uuid, repeat(md5(g::text), 2) FROM generate_series(1001, 150000) g;
            UPDATE {table} SET name = 'u' || id WHERE id % 1000 = 7;
            DELETE FROM {table} WHERE id % 1000 = 3;
            UPDATE {table} SET id = id + 1000000 WHERE id <= 2000;
            COMMIT
            """);
        await WaitForRowsAsync(dir, table, expected, "id", "u", "name");
        await run.StopAsync();

        StreamTestSupport.Psql($"UPDATE {table} SET id = id - 800000 WHERE id > 1000000; DELETE FROM {table} WHERE id % 10 = 5");
        var resumed = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        await WaitForRowsAsync(dir, table, expected, "id", "u", "name");
        StreamTestSupport.Psql($"UPDATE {table} SET name = 'again' WHERE id % 100 = 1; DELETE FROM {table} WHERE id > 140000");
        await WaitForRowsAsync(dir, table, expected, "id", "u", "name");
        await resumed.StopAsync();

        using var uuids = new StreamTestSupport.Scratch(table + "_u");
        StreamTestSupport.Psql($"CREATE TABLE {uuids.Table} (id uuid PRIMARY KEY, n int); INSERT INTO {uuids.Table} SELECT md5(g::text)::uuid, g FROM generate_series(1, 100) g");
        var run2 = await StreamTestSupport.StartAsync(uuids.Table, uuids.Publication, uuids.Dir, configure: Iceberg);
        StreamTestSupport.Psql($"INSERT INTO {uuids.Table} SELECT md5(g::text)::uuid, g FROM generate_series(101, 200) g; UPDATE {uuids.Table} SET n = -n WHERE n % 3 = 0; DELETE FROM {uuids.Table} WHERE n % 5 = 0; UPDATE {uuids.Table} SET id = md5('x' || n)::uuid WHERE n % 7 = 0");
        await WaitForRowsAsync(uuids.Dir, uuids.Table, $"SELECT concat_ws('|', id, n) FROM {uuids.Table}", "id", "n");
        await run2.StopAsync();
    }

    [ClusterFact]
    public async Task A_column_added_while_streaming_becomes_a_new_field_and_older_rows_read_null()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_alter");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); INSERT INTO {table} VALUES (1, 'one')");
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        StreamTestSupport.Psql($"INSERT INTO {table} VALUES (2, 'two'); ALTER TABLE {table} ADD COLUMN score numeric(5,1), ADD COLUMN tags int[]; INSERT INTO {table} VALUES (3, 'three', 2.5, '{{1,NULL,3}}'); UPDATE {table} SET score = 9.5 WHERE id = 1; ALTER TABLE {table} DROP COLUMN name; INSERT INTO {table} VALUES (4, 4.0, NULL)");
        await WaitForRowsAsync(dir, table, $"SELECT concat_ws('|', id, CASE WHEN id <= 3 THEN (ARRAY['one','two','three'])[id] ELSE '∅' END, coalesce(score::text, '∅'), coalesce(array_to_string(tags, ',', '∅'), '∅')) FROM {table}", "id", "name", "score", "tags");
        await run.StopAsync();
        var fields = (await LoadAsync(dir, table)).Metadata.CurrentSchema.Fields;
        Assert.Equal(["id", "name", "score", "tags"], fields.Select(f => f.Name));
        Assert.Equal("decimal(5,1)", fields[2].Type.ToString());
    }

    [ClusterFact]
    public async Task Rows_of_another_writer_are_refused_unless_replace_is_given()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_replace");
        var (table, pub, slot, dir, _) = scratch;
        StreamTestSupport.Psql(string.Format(CultureInfo.InvariantCulture, Create, table) + $"; INSERT INTO {table} (id, name) VALUES (1, 'one'), (2, 'two')");
        var settings = IcebergSettings.Load(null, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor("public", table, onlyTable: true);
        var schema = new IcebergSchema(0, [
            new NestedField(1, "id", true, PrimitiveType.Int), new NestedField(2, "name", false, PrimitiveType.String),
            new NestedField(3, "amount", false, PrimitiveType.Decimal(12, 2)), new NestedField(4, "flag", false, PrimitiveType.Boolean),
            new NestedField(5, "f", false, PrimitiveType.Double), new NestedField(6, "ts", false, PrimitiveType.TimestampTz),
            new NestedField(7, "tags", false, new ListType(8, PrimitiveType.String, false))], [1]);
        var foreign = await catalog.CreateTableAsync(ident.Namespace, ident.Name, schema);
        await foreign.AppendAsync([[7, "theirs", null, null, null, null, null]]);

        var options = Iceberg(new LreplOptions(StreamTestSupport.Connection(), table, pub, dir) { CreatePublication = true, Environment = new EmptyEnvironment() });
        var error = await Assert.ThrowsAsync<LreplException>(() => LreplRunner.RunAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("already holds 1 rows written by someone else; pass --iceberg-replace", error.Message, StringComparison.Ordinal);
        Assert.Equal("0", StreamTestSupport.Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        Assert.Equal(foreign.Metadata.CurrentSnapshotId, (await catalog.LoadTableAsync(ident.Namespace, ident.Name)).Metadata.CurrentSnapshotId);

        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => Iceberg(o) with { IcebergReplace = true });
        Assert.Contains("rows are replaced by the snapshot", run.Log.ToString(), StringComparison.Ordinal);
        StreamTestSupport.Psql($"INSERT INTO {table} (id, name) VALUES (3, 'three')");
        await WaitForMatchAsync(dir, table);
        await run.StopAsync();

        // From then on the table is this config dir's: a restart resumes in it.
        StreamTestSupport.Psql($"DELETE FROM {table} WHERE id = 1");
        var resumed = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        Assert.Contains("resuming", resumed.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(dir, table);
        await resumed.StopAsync();
    }

    [ClusterFact]
    public async Task Upkeep_while_streaming_compacts_and_expires_and_rows_stay_the_same_and_a_widened_type_is_promoted()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_upkeep");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, n int, name text); INSERT INTO {table} SELECT g, g, 'r' || g FROM generate_series(1, 50) g");
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with
        {
            Sink = LreplSink.Iceberg,
            CommitInterval = TimeSpan.FromMilliseconds(100),
            IcebergMaintenanceInterval = TimeSpan.FromSeconds(2),
            IcebergSnapshotRetention = TimeSpan.Zero,
        });
        for (var round = 0; round < 6; round++)
        {
            var script = new StringBuilder();
            for (var i = 0; i < 20; i++)
            {
                script.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET n = n + 1 WHERE id = {((round * 20) + i) % 50 + 1}; SELECT pg_sleep(0.02);\n");
            }

            StreamTestSupport.Psql(script.ToString());
        }

        // A widening the Iceberg spec allows: the field is promoted and later rows carry values beyond int.
        StreamTestSupport.Psql($"ALTER TABLE {table} ALTER COLUMN n TYPE bigint; UPDATE {table} SET n = n + 10000000000 WHERE id = 1");
        await WaitForRowsAsync(dir, table, $"SELECT concat_ws('|', id, n, name) FROM {table}", "id", "n", "name");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!run.Log.ToString().Contains("Iceberg upkeep:", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        StreamTestSupport.Psql($"UPDATE {table} SET name = 'after upkeep' WHERE id = 2; DELETE FROM {table} WHERE id = 3");
        await WaitForRowsAsync(dir, table, $"SELECT concat_ws('|', id, n, name) FROM {table}", "id", "n", "name");
        await run.StopAsync();
        Assert.Contains("Iceberg upkeep:", run.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("upkeep failed", run.Log.ToString(), StringComparison.Ordinal);
        var loaded = await LoadAsync(dir, table);
        Assert.Equal("long", loaded.Metadata.CurrentSchema.Fields.Single(f => f.Name == "n").Type.ToString());
        Assert.True(loaded.Metadata.Snapshots.Count < 40, $"{loaded.Metadata.Snapshots.Count} snapshots kept");
        await AssertPositionsIncreaseAsync(dir, table);
    }
    [ClusterFact]
    public async Task A_snapshot_of_every_common_type_read_into_column_batches_equals_the_source()
    {
        using var scratch = new StreamTestSupport.Scratch("ice_types");
        var (table, pub, _, dir, _) = scratch;
        // No list column, so the copy goes through typed column batches. NULLs in every nullable
        // column, escapes and characters beyond the BMP in text, NaN in float8, and numeric NaN,
        // which numeric(12,2)'s decimal cannot hold (written as null, counted in the summary).
        StreamTestSupport.Psql($"""
            CREATE TABLE {table} (id int PRIMARY KEY, big bigint, small smallint, name text, v varchar(20), amount numeric(12,2),
                anynum numeric, f4 real, f8 float8, flag bool, d date, t time, ts timestamp, tstz timestamptz, u uuid, b bytea);
            INSERT INTO {table}
            SELECT g, g * 10000000000, (g % 300)::smallint,
                   CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN E'tab\there\nnew line \\ é 𝄞 ' || g ELSE 'row ' || g END,
                   CASE WHEN g % 4 = 0 THEN NULL ELSE 'v' || g END,
                   CASE WHEN g % 97 = 0 THEN 'NaN'::numeric WHEN g % 6 = 0 THEN NULL ELSE g * 1.25 END,
                   CASE WHEN g % 7 = 0 THEN NULL ELSE g / 3.0 END,
                   CASE WHEN g % 8 = 0 THEN NULL ELSE g / 4.0 END,
                   CASE WHEN g = 2 THEN 'NaN' WHEN g % 9 = 0 THEN NULL ELSE g * 0.5 END,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE g % 2 = 0 END,
                   CASE WHEN g % 11 = 0 THEN NULL ELSE date '1999-12-31' + g END,
                   CASE WHEN g % 12 = 0 THEN NULL ELSE time '00:00:00.000001' + g * interval '17 seconds 1 microsecond' END,
                   CASE WHEN g % 13 = 0 THEN NULL ELSE timestamp '1969-12-31 23:00:00' + g * interval '1 hour 1 microsecond' END,
                   CASE WHEN g % 14 = 0 THEN NULL ELSE timestamptz '2024-06-01 12:00:00+05:30' + g * interval '1 minute 3 microseconds' END,
                   CASE WHEN g % 15 = 0 THEN NULL ELSE md5(g::text)::uuid END,
                   CASE WHEN g % 16 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END
            FROM generate_series(1, 3000) g
            """);

        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Iceberg);
        await run.StopAsync();
        // Rows joined by a record separator: values hold newlines.
        var expected = StreamTestSupport.Scalar($"""
            SELECT string_agg(concat_ws('|', id, big, small, coalesce(name, '∅'), coalesce(v, '∅'),
                   CASE WHEN amount IS NULL OR amount = 'NaN' THEN '∅' ELSE amount::text END, coalesce(anynum::text, '∅'),
                   coalesce(f4::text, '∅'), coalesce(f8::text, '∅'), coalesce(flag::text, '∅'), coalesce(d::text, '∅'),
                   coalesce(to_char(t, 'HH24:MI:SS.US'), '∅'), coalesce(to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '∅'),
                   coalesce(to_char(tstz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '∅'), coalesce(u::text, '∅'), coalesce(encode(b, 'hex'), '∅')), chr(30))
            FROM {table}
            """).Split('\u001e').Order(StringComparer.Ordinal).ToList();

        static string Text(object? value) => CellText(value);

        var loaded = await LoadAsync(dir, table);
        var scan = await loaded.ReadAsync();
        var names = new[] { "id", "big", "small", "name", "v", "amount", "anynum", "f4", "f8", "flag", "d", "t", "ts", "tstz", "u", "b" };
        var index = names.Select(n => scan.Schema.Fields.ToList().FindIndex(f => f.Name == n)).ToArray();
        var actual = scan.Rows.Select(r => string.Join("|", index.Select(i => Text(r[i])))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal("30", loaded.Metadata.CurrentSnapshot!.Summary["pgwire.unrepresentable-values"]);
        Assert.Contains("column \"amount\": the value 'NaN' cannot be held by the Iceberg type decimal(12,2)", run.Log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Streamed inserts of every common type go into the applier's column batch (no list column);
    /// updates and deletes then hit rows still in that batch (in the same transaction and the next),
    /// rows already handed to the data file (two batches: the padding passes the 16 MB buffer),
    /// and a TOAST value left unchanged by an update of a batch row. A table without a key
    /// (REPLICA IDENTITY FULL) finds batch rows by all their values, equal rows included. The
    /// Iceberg table must equal PostgreSQL's, in binary and in text transfer.
    /// </summary>
    [ClusterTheory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Streamed_inserts_in_column_batches_then_updates_and_deletes_of_them_equal_the_source(bool keyed, bool binary)
    {
        using var scratch = new StreamTestSupport.Scratch(keyed ? "ice_batch_k" : "ice_batch_f");
        var (table, pub, _, dir, _) = scratch;
        StreamTestSupport.Psql($"""
            CREATE TABLE {table} (id int {(keyed ? "PRIMARY KEY" : "NOT NULL")}, big bigint, small smallint, name text, v varchar(20), amount numeric(12,2),
                anynum numeric, f4 real, f8 float8, flag bool, d date, t time, ts timestamp, tstz timestamptz, u uuid, b bytea, pad text, toasted text);
            ALTER TABLE {table} ALTER COLUMN toasted SET STORAGE EXTERNAL;
            {(keyed ? "" : $"ALTER TABLE {table} REPLICA IDENTITY FULL;")}
            INSERT INTO {table} (id, name) VALUES (0, 'before the start');
            """);
        const string Values = """
            SELECT g, g * 10000000000, (g % 300)::smallint,
                   CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN E'tab\there\nnew line \\ é 𝄞 ' || g ELSE 'row ' || g END,
                   CASE WHEN g % 4 = 0 THEN NULL ELSE 'v' || g END,
                   CASE WHEN g % 97 = 0 THEN 'NaN'::numeric WHEN g % 6 = 0 THEN NULL ELSE g * 1.25 END,
                   CASE WHEN g % 7 = 0 THEN NULL ELSE g / 3.0 END,
                   CASE WHEN g % 8 = 0 THEN NULL ELSE g / 4.0 END,
                   CASE WHEN g = 2 THEN 'NaN' WHEN g % 9 = 0 THEN NULL ELSE g * 0.5 END,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE g % 2 = 0 END,
                   CASE WHEN g % 11 = 0 THEN NULL WHEN g = 1 THEN 'infinity' ELSE date '1999-12-31' + g END,
                   CASE WHEN g % 12 = 0 THEN NULL ELSE time '00:00:00.000001' + g * interval '17 seconds 1 microsecond' END,
                   CASE WHEN g % 13 = 0 THEN NULL ELSE timestamp '1969-12-31 23:00:00' + g * interval '1 hour 1 microsecond' END,
                   CASE WHEN g % 14 = 0 THEN NULL ELSE timestamptz '2024-06-01 12:00:00+05:30' + g * interval '1 minute 3 microseconds' END,
                   CASE WHEN g % 15 = 0 THEN NULL ELSE md5(g::text)::uuid END,
                   CASE WHEN g % 16 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
                   repeat(md5(g::text), 30),
                   CASE WHEN g % 500 = 1 THEN repeat(md5(g::text), 200) END
            """;
        var run = await StreamTestSupport.StartAsync(table, pub, dir, binary: binary, configure: Iceberg);
        // One transaction: 20,000 inserts (about 20 MB: two batches), then changes of rows in the
        // first batch (by then in the data file), in the second (still buffered), equal rows, and
        // an update that leaves the TOAST value of a buffered row unchanged.
        StreamTestSupport.Psql($"""
            BEGIN;
            INSERT INTO {table} {Values} FROM generate_series(1, 20000) g;
            INSERT INTO {table} (id, name) VALUES (-1, 'twin'), ({(keyed ? -2 : -1)}, 'twin'), ({(keyed ? -3 : -1)}, 'twin');
            UPDATE {table} SET name = 'changed ' || id, f8 = -f8 WHERE id % 1000 = 7;
            DELETE FROM {table} WHERE id % 1000 = 3 OR id = 0;
            UPDATE {table} SET id = id + 1000000 WHERE id BETWEEN 19990 AND 20000;
            UPDATE {table} SET small = -1 WHERE id = 19501;
            DELETE FROM {table} WHERE ctid = (SELECT min(ctid) FROM {table} WHERE id = -1);
            COMMIT;
            """);
        // The next transactions: rows of the first (buffered or committed by now) changed again.
        StreamTestSupport.Psql($"""
            INSERT INTO {table} {Values} FROM generate_series(20001, 20100) g;
            UPDATE {table} SET small = -2 WHERE id IN (20001, 501, 20050);
            DELETE FROM {table} WHERE id % 100 = 11;
            UPDATE {table} SET name = NULL WHERE ctid = (SELECT min(ctid) FROM {table} WHERE id = -1);
            """);

        var query = $"""
            SELECT concat_ws('|', id, coalesce(big::text, '∅'), coalesce(small::text, '∅'), coalesce(name, '∅'), coalesce(v, '∅'),
                   CASE WHEN amount IS NULL OR amount = 'NaN' THEN '∅' ELSE amount::text END, coalesce(anynum::text, '∅'),
                   coalesce(f4::text, '∅'), coalesce(f8::text, '∅'), coalesce(flag::text, '∅'), CASE WHEN d IS NULL OR d = 'infinity' THEN '∅' ELSE d::text END,
                   coalesce(to_char(t, 'HH24:MI:SS.US'), '∅'), coalesce(to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '∅'),
                   coalesce(to_char(tstz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '∅'), coalesce(u::text, '∅'), coalesce(encode(b, 'hex'), '∅'),
                   coalesce(md5(pad), '∅'), coalesce(md5(toasted), '∅'))
            FROM {table}
            """;

        static string Text(object? value) => value is string { Length: > 100 } s
            ? Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(s)))
            : CellText(value);

        // Rows joined by a record separator: values hold newlines.
        var expected = StreamTestSupport.Scalar($"SELECT string_agg(line, chr(30)) FROM ({query}) AS q(line)").Split('\u001e').Order(StringComparer.Ordinal).ToList();
        var names = new[] { "id", "big", "small", "name", "v", "amount", "anynum", "f4", "f8", "flag", "d", "t", "ts", "tstz", "u", "b", "pad", "toasted" };
        List<string> actual = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var scan = await (await LoadAsync(dir, table)).ReadAsync();
            var index = names.Select(n => scan.Schema.Fields.ToList().FindIndex(f => f.Name == n)).ToArray();
            actual = [.. scan.Rows.Select(r => string.Join("|", index.Select(i => Text(r[i])))).Order(StringComparer.Ordinal)];
            if (actual.SequenceEqual(expected))
            {
                break;
            }

            await Task.Delay(300);
        }

        await run.StopAsync();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        // The unrepresentable values (numeric NaN in a decimal, the infinite date) were counted and told.
        Assert.Contains("column \"amount\": the value 'NaN' cannot be held by the Iceberg type decimal(12,2)", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("column \"d\": the value 'infinity' cannot be held", run.Log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A value read back from the Iceberg table in the text the server's query gives for it (∅ for null).</summary>
    private static string CellText(object? value) => value switch
    {
        null => "∅",
        bool b => b ? "true" : "false",
        float f => float.IsNaN(f) ? "NaN" : f.ToString("R", CultureInfo.InvariantCulture),
        double d => double.IsNaN(d) ? "NaN" : d.ToString("R", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        byte[] b => Convert.ToHexStringLower(b),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
