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
                CREATE TABLE {table} (id int8 PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric, t text, vc varchar(20), b bool, f4 float4, f8 float8,
                  d date, tm time, ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, by bytea, ia int[], ta text[], e lrs_mood, big text);
                ALTER TABLE {table} ALTER COLUMN big SET STORAGE EXTERNAL;
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
}
