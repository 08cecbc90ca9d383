using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Actors.Tests.Replication.StreamTestSupport;

namespace PgWire.Actors.Tests.Replication;

public sealed class StreamProtocolTests
{
    private const string Columns = "id, i2, i4, i8, n, t, vc, b, f4, f8, d, tm, ts, tstz, iv, u, j, jb, by, ia, ta, e, big";

    private static string RowValues(string g) => $"""
        {g}, (({g}) % 30000)::int2, ({g}) * 7, ({g})::int8 * 1000000007, ({g})::numeric / 7,
        'line ' || ({g}) || chr(10) || 'q"' || chr(92) || ' é',
        left('vc-' || md5(({g})::text), 20),
        CASE ({g}) % 3 WHEN 0 THEN true WHEN 1 THEN false END,
        CASE ({g}) % 7 WHEN 0 THEN 'NaN'::float4 WHEN 1 THEN 'Infinity'::float4 ELSE (({g}) / 3.0)::float4 END,
        CASE ({g}) % 11 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN '-Infinity'::float8 ELSE ({g}) * 1.1e-3 END,
        date '2020-01-01' + ({g})::int, time '00:00' + ({g}) * interval '1.25 second',
        timestamp '2021-06-01 12:00' + ({g}) * interval '1.5 second', timestamptz '2021-06-01 12:00+02' + ({g}) * interval '1 minute',
        ({g}) * interval '1 day 2 hours 3.5 seconds', md5(({g})::text)::uuid,
        json_build_object('g', {g}, 'a', json_build_array(1, 'x', NULL)), jsonb_build_object('g', {g}, 's', 'é"\'),
        decode(md5(({g})::text), 'hex'), ARRAY[{g}, ({g}) + 1, NULL]::int[], ARRAY['a' || ({g}), 'b,c', NULL, 'd"e'],
        (enum_range(NULL::lrs_mood))[1 + ({g}) % 3],
        CASE WHEN ({g}) % 400 = 0 THEN (SELECT string_agg(md5(({g})::text || x::text), '') FROM generate_series(1, 3200) x) ELSE 'small' || ({g}) END
        """;

    /// <summary>The table of common types the workloads fill (the enum type must exist).</summary>
    private static string CreateTypesTable(string table) => $"""
        CREATE TABLE {table} (id int8 PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric, t text, vc varchar(20), b bool, f4 float4, f8 float8,
          d date, tm time, ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, by bytea, ia int[], ta text[], e lrs_mood, big text);
        ALTER TABLE {table} ALTER COLUMN big SET STORAGE EXTERNAL;
        """;

    private static string Insert(string table, long from, int count) =>
        $"INSERT INTO {table} ({Columns}) SELECT {RowValues("g")} FROM generate_series({from}, {from + count - 1}) g;\n";

    /// <summary>Transactions of 1 to 5,000 rows: inserts, updates (some moving the key, some leaving TOAST untouched), deletes, truncates, rollbacks and rolled back savepoints.</summary>
    private static string Workload(string table, int seed, int transactions)
    {
        var rng = new Random(seed);
        var sizes = new[] { 1, 3, 40, 300, 2000, 5000 };
        var next = 1_000L;
        var sb = new StringBuilder();
        var truncates = 0;
        for (var i = 0; i < transactions; i++)
        {
            sb.Append("BEGIN;\n");
            var statements = 1 + rng.Next(3);
            for (var s = 0; s < statements; s++)
            {
                var m = 2 + rng.Next(20);
                var r = rng.Next(m);
                switch (rng.Next(10))
                {
                    case <= 3:
                        var n = sizes[rng.Next(sizes.Length)];
                        sb.Append(Insert(table, next, n));
                        next += n;
                        break;
                    case 4:
                        sb.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET i4 = i4 + 1, t = t || '+', f8 = f8 * 2, ia = ia || 7 WHERE id % {m} = {r};\n");
                        break;
                    case 5:
                        sb.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET big = big || 'x', jb = jb || '{{\"u\": true}}' WHERE id % {m * 7} = {r};\n");
                        break;
                    case 6:
                        sb.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET id = id + 10000000, vc = 'moved' WHERE id IN (SELECT id FROM {table} WHERE id % {m} = {r} ORDER BY id LIMIT {1 + rng.Next(50)});\n");
                        break;
                    case 7:
                        sb.Append(CultureInfo.InvariantCulture, $"DELETE FROM {table} WHERE id % {m * 3} = {r};\n");
                        break;
                    case 8 when truncates < 2 && i > 3:
                        truncates++;
                        sb.Append(CultureInfo.InvariantCulture, $"TRUNCATE {table};\n");
                        sb.Append(Insert(table, next, 20));
                        next += 20;
                        break;
                    default:
                        sb.Append(Insert(table, next, 3000));
                        next += 3000;
                        sb.Append("SAVEPOINT a;\n");
                        sb.Append(Insert(table, next, 2500));
                        next += 2500;
                        sb.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET t = 'in savepoint' WHERE id % {m} = {r};\n");
                        sb.Append("SAVEPOINT b;\n");
                        sb.Append(Insert(table, next, 10));
                        next += 10;
                        sb.Append("ROLLBACK TO SAVEPOINT a;\n");
                        sb.Append("SAVEPOINT c;\n");
                        sb.Append(Insert(table, next, 5));
                        next += 5;
                        sb.Append("RELEASE SAVEPOINT c;\n");
                        break;
                }
            }

            sb.Append(rng.Next(7) == 0 ? "ROLLBACK;\n" : "COMMIT;\n");
        }

        return sb.ToString();
    }

    private static void SmallWorkMem(bool on)
    {
        Psql(on ? "ALTER SYSTEM SET logical_decoding_work_mem = '64kB'; SELECT pg_reload_conf();" : "ALTER SYSTEM RESET logical_decoding_work_mem; SELECT pg_reload_conf();");
    }

    [ClusterTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_workload_of_common_types_replays_to_the_table(int version)
    {
        var table = $"lrs_types_v{version}";
        var pub = table + "_pub";
        var slot = table + "_slot";
        Cleanup(table, pub, slot);
        Psql("DO $$ BEGIN CREATE TYPE lrs_mood AS ENUM ('sad', 'ok', 'happy'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;");
        var dir = NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"""
                {CreateTypesTable(table)}
                {Insert(table, 1, 400)}
                """);
            SmallWorkMem(true);
            var run = await StartAsync(table, pub, dir, version, spillThreshold: 256 << 10);
            Psql(Workload(table, 1000 + version, 30));
            await WaitForMatchAsync(table, path);
            var progress = await run.StopAsync();
            Assert.True(progress.Changes > 0, run.Log.ToString());
            if (version >= 2)
            {
                Assert.NotEqual("0", Scalar($"SELECT coalesce(stream_txns, 0) FROM pg_stat_replication_slots WHERE slot_name = '{slot}'"));
            }

            var lines = File.ReadAllLines(path);
            Assert.True(lines.Length > 10_000, $"{lines.Length} lines");
            Assert.Contains(lines, l => l.Contains("\"op\":\"u\"", StringComparison.Ordinal) && !l.Contains("\"big\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"f4\":\"NaN\"", StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(dir, "spill", slot)) && Directory.EnumerateFiles(Path.Combine(dir, "spill", slot)).Any(), "spill files left behind");
        }
        finally
        {
            SmallWorkMem(false);
            Cleanup(table, pub, slot);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Binary_and_text_streams_write_the_same_file()
    {
        // Two pipelines follow one table, one with binary transfer and one with text; apart from the
        // LSN of the snapshot rows (each snapshot has its own consistent point), the files are equal.
        const string table = "lrs_binary";
        const string pub = table + "_pub";
        const string binarySlot = table + "_bslot";
        const string textSlot = table + "_tslot";
        Cleanup(table, pub, binarySlot);
        Cleanup(table, pub, textSlot);
        Psql("DO $$ BEGIN CREATE TYPE lrs_mood AS ENUM ('sad', 'ok', 'happy'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;");
        var binaryDir = NewDir();
        var textDir = NewDir();
        try
        {
            Psql($"""
                {CreateTypesTable(table)}
                {Insert(table, 1, 300)}
                INSERT INTO {table} (id, n, f4, f8, d, ts, tstz, iv, ta, by) VALUES
                  (-1, 'NaN', '-0', '1e-7', '4713-01-01 BC', 'infinity', '0044-03-15 12:00+01 BC', '-1 year -2 mons +3 days -04:05:06.789', ARRAY[E'a\\b', '', 'NULL', ' x'], ''),
                  (-2, '-0.000100', '3.4e38', '-1.7976931348623157e300', '294276-12-31', '-infinity', '2000-02-29 23:59:59.999999+14', '178000000 years', ARRAY[]::text[], '\x00ff');
                """);
            var binaryRun = await StartAsync(table, pub, binaryDir, slot: binarySlot, binary: true);
            var textRun = await StartAsync(table, pub, textDir, slot: textSlot, binary: false);
            Assert.Contains("column values stream in binary", binaryRun.Log.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("column values stream in binary", textRun.Log.ToString(), StringComparison.Ordinal);
            Psql(Workload(table, 77, 12));
            var binaryPath = Path.Combine(binaryDir, table + ".data");
            var textPath = Path.Combine(textDir, table + ".data");
            await WaitForMatchAsync(table, binaryPath);
            await WaitForMatchAsync(table, textPath);
            await binaryRun.StopAsync();
            await textRun.StopAsync();

            static string WithoutSnapshotLsn(string line) =>
                line.StartsWith("{\"op\":\"r\",", StringComparison.Ordinal) ? System.Text.RegularExpressions.Regex.Replace(line, "\"lsn\":\"[0-9A-F/]+\"", "\"lsn\":\"\"") : line;
            var binaryLines = File.ReadAllLines(binaryPath).Select(WithoutSnapshotLsn).ToArray();
            var textLines = File.ReadAllLines(textPath).Select(WithoutSnapshotLsn).ToArray();
            Assert.True(binaryLines.Length > 1000, $"{binaryLines.Length} lines");
            Assert.Equal(textLines.Length, binaryLines.Length);
            for (var i = 0; i < textLines.Length; i++)
            {
                Assert.Equal(textLines[i], binaryLines[i]);
            }
        }
        finally
        {
            Cleanup(table, pub, binarySlot);
            Cleanup(table, pub, textSlot);
            Directory.Delete(binaryDir, true);
            Directory.Delete(textDir, true);
        }
    }

    [ClusterFact]
    public async Task Column_added_with_a_type_without_binary_form_sends_the_stream_back_to_text()
    {
        // The decoder meets the new column in a Relation message, switches the stream to text and
        // fails; the restarted stream reads the transaction again from the durable position, as text.
        const string table = "lrs_to_text";
        const string pub = table + "_pub";
        const string slot = table + "_slot";
        Cleanup(table, pub, slot);
        var dir = NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"CREATE TABLE {table} (id int8 PRIMARY KEY, v text); INSERT INTO {table} SELECT g, 'v' || g FROM generate_series(1, 50) g;");
            var run = await StartAsync(table, pub, dir, binary: true);
            Assert.Contains("column values stream in binary", run.Log.ToString(), StringComparison.Ordinal);
            Psql($"""
                INSERT INTO {table} SELECT g, 'b' || g FROM generate_series(51, 80) g;
                BEGIN;
                ALTER TABLE {table} ADD COLUMN p point;
                INSERT INTO {table} SELECT g, 't' || g, point(g, -g) FROM generate_series(81, 120) g;
                UPDATE {table} SET p = point(0.5, id) WHERE id % 10 = 0;
                COMMIT;
                DELETE FROM {table} WHERE id % 7 = 0;
                """);
            await WaitForMatchAsync(table, path);
            var progress = await run.StopAsync();
            Assert.True(progress.Restarts >= 1, run.Log.ToString());
            Assert.Contains("has type 600, which has no binary form decoded here; reconnecting to stream text", progress.LastError, StringComparison.Ordinal);
            Assert.Contains(File.ReadAllLines(path), l => l.Contains("\"p\":\"(0.5,90)\"", StringComparison.Ordinal));
        }
        finally
        {
            Cleanup(table, pub, slot);
            Directory.Delete(dir, true);
        }
    }

    [ClusterTheory]
    [InlineData("full")]
    [InlineData("index")]
    public async Task Replica_identity_and_columns_added_or_dropped_mid_stream(string identity)
    {
        var table = $"lrs_ident_{identity}";
        var pub = table + "_pub";
        var slot = table + "_slot";
        Cleanup(table, pub, slot);
        var dir = NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"""
                CREATE TABLE {table} (id int8 NOT NULL, code text NOT NULL, v text, n numeric);
                {(identity == "full" ? $"ALTER TABLE {table} REPLICA IDENTITY FULL;" : $"CREATE UNIQUE INDEX {table}_code ON {table} (code); ALTER TABLE {table} REPLICA IDENTITY USING INDEX {table}_code;")}
                INSERT INTO {table} SELECT g, 'c' || g, 'v' || g, g FROM generate_series(1, 100) g;
                """);
            var run = await StartAsync(table, pub, dir, null);
            Psql($"""
                UPDATE {table} SET v = 'changed' WHERE id % 3 = 0;
                UPDATE {table} SET code = code || '-moved' WHERE id % 5 = 0;
                DELETE FROM {table} WHERE id % 7 = 0;
                ALTER TABLE {table} ADD COLUMN extra int;
                INSERT INTO {table} SELECT g, 'c' || g, 'new' || g, g, g * 2 FROM generate_series(101, 120) g;
                BEGIN; UPDATE {table} SET extra = id WHERE id % 4 = 0; INSERT INTO {table} VALUES (121, 'c121', 'x', 1, 1); COMMIT;
                ALTER TABLE {table} DROP COLUMN v;
                INSERT INTO {table} SELECT g, 'c' || g, g, -g FROM generate_series(122, 130) g;
                UPDATE {table} SET n = n + 1, code = code || '!' WHERE id % 6 = 0;
                DELETE FROM {table} WHERE id % 11 = 0;
                """);
            await WaitForMatchAsync(table, path);
            await run.StopAsync();

            var records = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            var changes = records.Where(r => (string)r["op"]! != "r").ToList();
            var withExtra = changes.FindIndex(r => r["after"] is JsonObject a && a.ContainsKey("extra"));
            var withoutV = changes.FindIndex(r => r["after"] is JsonObject a && a.ContainsKey("extra") && !a.ContainsKey("v"));
            Assert.True(withExtra > 0, "no record shows the added column");
            Assert.True(withoutV > withExtra, "no record after the drop lacks the dropped column");
            Assert.All(changes.Skip(withoutV), r => Assert.False(r["after"] is JsonObject a && a.ContainsKey("v")));
            Assert.All(changes.Take(withExtra), r => Assert.False(r["after"] is JsonObject a && a.ContainsKey("extra")));
            foreach (var record in changes.Where(r => (string)r["op"]! is "u" or "d"))
            {
                var key = record["key"]!.AsObject().Select(p => p.Key).ToList();
                if (identity == "index")
                {
                    Assert.Equal(["code"], key);
                }
                else
                {
                    Assert.Contains("id", key);
                    Assert.Contains("n", key);
                    Assert.NotNull(record["before"]);
                }
            }
        }
        finally
        {
            Cleanup(table, pub, slot);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Quiet_table_lets_the_slot_confirm_wal_of_other_tables()
    {
        const string table = "lrs_quiet";
        const string other = "lrs_quiet_other";
        const string pub = table + "_pub";
        const string slot = table + "_slot";
        Cleanup(table, pub, slot);
        Psql($"DROP TABLE IF EXISTS {other}; CREATE TABLE {other} (id int PRIMARY KEY, v text);");
        var dir = NewDir();
        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY); INSERT INTO {table} VALUES (1);");
            var run = await StartAsync(table, pub, dir, null);
            Psql($"INSERT INTO {other} SELECT g, md5(g::text) FROM generate_series(1, 20000) g; UPDATE {other} SET v = 'x' WHERE id < 5000;");
            var target = Scalar("SELECT pg_current_wal_insert_lsn()");
            var before = Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            var advanced = false;
            while (!advanced && DateTime.UtcNow < deadline)
            {
                advanced = Scalar($"SELECT confirmed_flush_lsn >= '{target}'::pg_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'") == "t";
                if (!advanced)
                {
                    await Task.Delay(250);
                }
            }

            var after = Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'");
            var current = Scalar("SELECT pg_current_wal_lsn()");
            await run.StopAsync();
            Assert.True(advanced, $"confirmed_flush_lsn went from {before} to {after}, WAL after the workload was at {target} (now {current})");
            Assert.True(Scalar($"SELECT '{after}'::pg_lsn <= '{current}'::pg_lsn") == "t");
        }
        finally
        {
            Cleanup(table, pub, slot);
            Psql($"DROP TABLE IF EXISTS {other}");
            Directory.Delete(dir, true);
        }
    }
}
