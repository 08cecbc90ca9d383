using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class LreplIntegrationTests
{
    private static void Psql(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
    }

    private static string Canonical(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>Waits (up to 30 s) until the file has at least <paramref name="count"/> lines.</summary>
    private static async Task WaitForLinesAsync(string path, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((!File.Exists(path) || File.ReadAllLines(path).Length < count) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until the replayed file holds what the table holds (the test tables' six columns) and,
    /// when <paramref name="lines"/> is given, has that many lines.
    /// </summary>
    private static Task WaitForMatchAsync(string table, string path, int? lines = null) =>
        WaitForAsync($"SELECT json_build_object('id', id, 'name', name, 'amount', amount::text, 'flag', flag, 'doc', doc, 'f', f) FROM {table}", path, lines);

    private static Task WaitForAsync(string expectedQuery, string path, int? lines = null) => StreamTestSupport.WaitForReplayAsync(expectedQuery, path, lines);

    private const string Workload = """
        BEGIN; INSERT INTO {0} VALUES (10, 'ten', 10.10, true, '{{"k": [1, 2]}}', 1.5), (11, 'eleven', NULL, false, NULL, 'NaN'); COMMIT;
        BEGIN; UPDATE {0} SET name = 'one!', amount = amount + 1 WHERE id = 1; UPDATE {0} SET id = 20 WHERE id = 2; COMMIT;
        BEGIN; DELETE FROM {0} WHERE id = 3; INSERT INTO {0} VALUES (99, 'never', 0, true, NULL, 0); ROLLBACK;
        BEGIN; DELETE FROM {0} WHERE id = 11; INSERT INTO {0} VALUES (12, 'tw''elve "q"', 123456789012345678901234567890.000001, NULL, '[]', '-Infinity'); COMMIT;
        BEGIN; UPDATE {0} SET doc = '{{"x": null}}' WHERE id = 20; DELETE FROM {0} WHERE id = 3; COMMIT;
        """;

    [ClusterFact]
    public async Task Snapshot_then_changes_replay_to_the_table_and_restart_neither_recopies_nor_duplicates()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_e2e");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} VALUES (1, 'one', 1.25, true, '{{\"a\": 1}}', 0.25), (2, 'two', 2, false, NULL, 2), (3, 'three', NULL, NULL, '[1, \"x\"]', NULL)");

        var run = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.Contains("snapshot of", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(path).Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal)));
        foreach (var statement in string.Format(System.Globalization.CultureInfo.InvariantCulture, Workload, table).Split('\n'))
        {
            Psql(statement);
        }

        await WaitForMatchAsync(table, path);
        var progress = await run.StopAsync();
        Assert.True(progress.Changes >= 8, "changes: " + progress.Changes + " " + run.Log);
        var lines = File.ReadAllLines(path);
        Assert.Contains(lines, l => l.Contains("\"op\":\"u\"", StringComparison.Ordinal) && l.Contains("\"key\":{\"id\":2}", StringComparison.Ordinal) && l.Contains("\"id\":20", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"amount\":\"123456789012345678901234567890.000001\"", StringComparison.Ordinal) && l.Contains("\"f\":\"-Infinity\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("never", StringComparison.Ordinal));

        Psql($"BEGIN; TRUNCATE {table}; INSERT INTO {table} VALUES (5, 'five', 5, true, NULL, 5); COMMIT;");
        var restarted = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.DoesNotContain("snapshot of", restarted.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(table, path);
        Psql($"INSERT INTO {table} VALUES (6, 'six', 6, false, NULL, 6)");
        await WaitForMatchAsync(table, path);
        await restarted.StopAsync();

        lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("\"op\":\"t\"", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("\"six\"", StringComparison.Ordinal));
        Assert.Equal(lines.Length, lines.Distinct(StringComparer.Ordinal).Count());

        File.AppendAllText(path, "{\"op\":\"c\",\"lsn\":\"0/1\",\"xi", Encoding.UTF8);
        var third = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.Contains("cutting", third.Log.ToString(), StringComparison.Ordinal);
        Psql($"UPDATE {table} SET name = 'FIVE' WHERE id = 5");
        await WaitForMatchAsync(table, path);
        await third.StopAsync();
        Assert.Equal(lines.Length + 1, File.ReadAllLines(path).Length);
    }

    [ClusterFact]
    public async Task Stop_during_the_snapshot_copy_is_a_stop_not_an_error_and_the_next_run_copies_again()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_stop_snap");
        var (table, pub, slot, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric); INSERT INTO {table} SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 300000) g");
        var log = new StringWriter();
        using var stop = new CancellationTokenSource();
        var options = new LreplOptions(StreamTestSupport.Connection(), table, pub, dir) { CreatePublication = true, Environment = new EmptyEnvironment(), Log = TextWriter.Synchronized(log) };
        var run = Task.Run(() => LreplRunner.RunAsync(options, stop.Token));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(path) && new FileInfo(path).Length > 0) && !run.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(2);
        }

        Assert.False(run.IsCompleted, "the run ended before its copy began: " + log);

        await stop.CancelAsync();

        // Stopped while the COPY runs: the server's answer to the cancelled COPY ("canceling
        // statement due to user request") is not reported as a failure, the run was asked to stop.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain(" done: ", log.ToString(), StringComparison.Ordinal);

        // The unfinished snapshot's slot would hold WAL until the next run: it is gone, and so is its file.
        Assert.Equal("0", StreamTestSupport.Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        Assert.False(File.Exists(path), "the unfinished snapshot's file is left");

        var again = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.Contains("snapshot of", again.Log.ToString(), StringComparison.Ordinal);
        await again.StopAsync();
        Assert.Equal(300000, File.ReadAllLines(path).Length);
    }

    [ClusterFact]
    public async Task Abrupt_stop_mid_stream_then_restart_loses_and_duplicates_nothing()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_crash");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, 'row' || g, g, true, NULL, g FROM generate_series(1, 500) g");
        using var abort = new CancellationTokenSource();
        var run = await StreamTestSupport.StartAsync(table, pub, dir, abort: abort.Token);
        string Script(int from, int to)
        {
            var script = new StringBuilder();
            for (var i = from; i < to; i++)
            {
                script.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET amount = amount + 1, name = 'u{i}' WHERE id = {(i % 500) + 1};\n");
                script.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} VALUES ({1000 + i}, 'n{i}', {i}, false, '{{\"i\": {i}}}', 0.5);\n");
                script.Append("SELECT pg_sleep(0.005);\n");
                if (i % 3 == 0)
                {
                    script.Append(CultureInfo.InvariantCulture, $"DELETE FROM {table} WHERE id = {1000 + i};\n");
                }
            }

            return script.ToString();
        }

        // The first half of the workload runs while lrepl streams and is stopped abruptly in
        // the middle of it; the second half runs while nothing streams, so the restart always
        // has changes to catch up on.
        var workload = Task.Run(() => TestCluster.RunPsql(new PsqlOptions { Input = Script(0, 200), Timeout = TimeSpan.FromSeconds(120) }, "-X", "-q", "-v", "ON_ERROR_STOP=1"));
        while (!workload.IsCompleted && File.ReadAllLines(path).Length < 560)
        {
            await Task.Delay(20);
        }

        await abort.CancelAsync();
        await run.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var linesAtCrash = File.ReadAllLines(path).Length;
        var (code, _, stderr) = await workload;
        Assert.True(code == 0, stderr);
        (code, _, stderr) = TestCluster.RunPsql(new PsqlOptions { Input = Script(200, 400), Timeout = TimeSpan.FromSeconds(120) }, "-X", "-q", "-v", "ON_ERROR_STOP=1");
        Assert.True(code == 0, stderr);

        // The snapshot, an update and an insert for each i, and a delete for every third. The
        // workload ends with the insert of row 1399 and its delete (399 is a multiple of 3), which
        // cancel out: the file replays to the table as soon as the update before them is in it,
        // so the wait counts the lines too. Without that the stop could come before the two reach
        // the sink, and a correct run's file would end two lines short (the next run writes them).
        const int expectedLines = 500 + 400 + 400 + 134;
        var restarted = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.DoesNotContain("snapshot of", restarted.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(table, path, expectedLines);
        await restarted.StopAsync();
        var lines = File.ReadAllLines(path);
        Assert.True(linesAtCrash < lines.Length, $"crash happened after the workload was streamed ({linesAtCrash} lines)");
        Assert.Equal(lines.Length, lines.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expectedLines, lines.Length);
    }

    [ClusterFact]
    public async Task Unfinished_snapshot_is_started_over()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_redo");
        var (table, pub, slot, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} VALUES (1, 'a', 1, true, NULL, 1), (2, 'b', 2, false, NULL, 2)");
        // What a run killed during its snapshot leaves: the slot it recorded as its own and created, a partial file.
        using (var own = LreplConfigDir.Open(dir))
        {
            own.RecordSlot(slot);
        }

        Psql($"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')");
        File.WriteAllText(path, "{\"op\":\"r\",\"partial");
        var run = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.Contains("created slot", run.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(table, path);
        await run.StopAsync();
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [ClusterFact]
    public async Task Partitioned_table_changes_arrive_under_its_own_name_and_a_publication_by_partition_is_refused()
    {
        // Without publish_via_partition_root the server names each change after its partition,
        // and the stream of the partitioned table would never see it.
        const string table = "lr_part";
        const string pub = "lr_part_pub";
        const string slot = "lr_part_slot";
        StreamTestSupport.Cleanup(table, pub, slot);
        TestCluster.RunPsql("-X", "-q", "-c", "DROP PUBLICATION IF EXISTS lr_part_leaf_pub");
        var dir = StreamTestSupport.NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8) PARTITION BY RANGE (id); CREATE TABLE {table}_low PARTITION OF {table} FOR VALUES FROM (0) TO (50); CREATE TABLE {table}_high PARTITION OF {table} FOR VALUES FROM (50) TO (1000)");
            Psql($"INSERT INTO {table} VALUES (1, 'one', 1.25, true, NULL, 0.25), (2, 'two', 2, false, NULL, 2), (3, 'three', NULL, NULL, '[1]', NULL), (70, 'seventy', 70, true, NULL, 70)");

            Psql($"CREATE PUBLICATION lr_part_leaf_pub FOR TABLE {table}");
            var options = new LreplOptions(StreamTestSupport.Connection(), table, "lr_part_leaf_pub", dir) { Environment = new EmptyEnvironment() };
            var error = await Assert.ThrowsAsync<LreplException>(() => LreplRunner.RunAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal($"publication \"lr_part_leaf_pub\" publishes the changes of partitioned table \"public\".\"{table}\" under the names of its partitions; lrepl needs them under the table's own name (ALTER PUBLICATION \"lr_part_leaf_pub\" SET (publish_via_partition_root = true))", error.Message);
            Assert.Equal("0", StreamTestSupport.Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));

            var run = await StreamTestSupport.StartAsync(table, pub, dir);
            Assert.Equal("t", StreamTestSupport.Scalar($"SELECT pubviaroot FROM pg_publication WHERE pubname = '{pub}'"));
            Assert.Equal(4, File.ReadAllLines(path).Length);
            foreach (var statement in string.Format(CultureInfo.InvariantCulture, Workload, table).Split('\n'))
            {
                Psql(statement);
            }

            // Rows that move between partitions, then a truncate of the partitioned table. (PostgreSQL
            // does not publish a TRUNCATE run on one partition when it publishes via the root.)
            Psql($"UPDATE {table} SET id = id + 100 WHERE id IN (1, 12)");
            await WaitForMatchAsync(table, path);
            Psql($"TRUNCATE {table}");
            Psql($"INSERT INTO {table} VALUES (80, 'eighty', 80, false, NULL, 80), (5, 'five', 5, true, NULL, 5)");
            await WaitForMatchAsync(table, path);
            await run.StopAsync();
        }
        finally
        {
            StreamTestSupport.Cleanup(table, pub, slot);
            TestCluster.RunPsql("-X", "-q", "-c", "DROP PUBLICATION IF EXISTS lr_part_leaf_pub");
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact(MinServerVersion = 150000)]
    public async Task A_publication_column_list_and_row_filter_shape_the_snapshot_like_the_stream()
    {

        using var scratch = new StreamTestSupport.Scratch("lr_filt");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, 'n' || g, g * 1.5, true, '{{}}', g FROM generate_series(1, 10) g");
        Psql($"CREATE PUBLICATION {pub} FOR TABLE {table} (id, name, amount) WHERE (id > 5)");
        var expected = $"SELECT json_build_object('id', id, 'name', name, 'amount', amount::text) FROM {table} WHERE id > 5";

        var run = await StreamTestSupport.StartAsync(table, pub, dir);
        var snapshot = File.ReadAllLines(path);
        Assert.Equal(5, snapshot.Length);
        Assert.All(snapshot, l => Assert.DoesNotContain("\"flag\"", l, StringComparison.Ordinal));

        // Rows that enter the filter (published as inserts), leave it (as deletes) or stay out.
        Psql($"UPDATE {table} SET id = id + 100 WHERE id = 2");
        Psql($"UPDATE {table} SET id = 0 WHERE id = 7");
        Psql($"INSERT INTO {table} VALUES (20, 'twenty', 20, false, NULL, 20), (-4, 'minus four', 4, false, NULL, 4)");
        Psql($"BEGIN; DELETE FROM {table} WHERE id = 8; UPDATE {table} SET name = 'nine', flag = false WHERE id = 9; COMMIT");
        await WaitForAsync(expected, path);
        await run.StopAsync();
    }

    [ClusterFact]
    public async Task Generated_columns_are_left_out_of_the_snapshot_as_the_stream_leaves_them_out()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_gen");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, twice numeric GENERATED ALWAYS AS (amount * 2) STORED, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} (id, name, amount, flag, doc, f) VALUES (1, 'one', 1.25, true, NULL, 0.25), (2, 'two', 2, false, NULL, 2), (3, 'three', NULL, NULL, '[1]', NULL)");
        var run = await StreamTestSupport.StartAsync(table, pub, dir);
        Assert.All(File.ReadAllLines(path), l => Assert.DoesNotContain("twice", l, StringComparison.Ordinal));
        Psql($"INSERT INTO {table} (id, name, amount, flag, doc, f) VALUES (10, 'ten', 10, true, NULL, 1)");
        Psql($"UPDATE {table} SET amount = 7 WHERE id = 1");
        await WaitForMatchAsync(table, path);
        await run.StopAsync();
        Assert.All(File.ReadAllLines(path), l => Assert.DoesNotContain("twice", l, StringComparison.Ordinal));
    }

    [ClusterFact]
    public async Task Finished_snapshot_with_slot_and_data_file_gone_fails_and_leaves_no_new_slot()
    {
        // The config dir created the slot and recorded a finished snapshot: a slot gone behind its
        // back means lost changes, so the run refuses instead of starting over silently.
        using var scratch = new StreamTestSupport.Scratch("lr_gone");
        var (table, pub, slot, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, 'n' || g, g, true, NULL, g FROM generate_series(1, 20000) g");
        var run = await StreamTestSupport.StartAsync(table, pub, dir);
        await run.StopAsync();
        Assert.True(File.Exists(path));

        Psql($"SELECT pg_drop_replication_slot('{slot}')");
        File.Delete(path);
        var options = new LreplOptions(StreamTestSupport.Connection(), table, pub, dir) { Environment = new EmptyEnvironment() };
        var error = await Assert.ThrowsAsync<LreplException>(() => LreplRunner.RunAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"replication slot \"{slot}\", created by config dir {dir}, no longer exists (dropped outside lrepl)", error.Message, StringComparison.Ordinal);
        Assert.Equal("0", StreamTestSupport.Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        Assert.False(File.Exists(path), "the data file of the undone snapshot is left");
        Assert.True(File.Exists(options.StatePath));
    }

    [ClusterFact]
    public async Task Values_are_written_in_utc_and_iso_whatever_the_role_defaults()
    {
        // The role's own defaults (a far time zone, German dates, SQL-standard intervals, escape
        // bytea) are overridden by the settings lrepl sends in its startup message, for the
        // snapshot and the stream alike.
        const string table = "lr_settings";
        const string pub = "lr_settings_pub";
        const string slot = "lr_settings_slot";
        const string role = "lr_settings_role";
        StreamTestSupport.Cleanup(table, pub, slot);
        var dir = StreamTestSupport.NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"""
                DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN REPLICATION SUPERUSER PASSWORD 'pw';
                ALTER ROLE {role} SET TimeZone = 'Asia/Kolkata'; ALTER ROLE {role} SET DateStyle = 'German, DMY';
                ALTER ROLE {role} SET IntervalStyle = 'sql_standard'; ALTER ROLE {role} SET bytea_output = 'escape';
                ALTER ROLE {role} SET extra_float_digits = 0;
                CREATE TABLE {table} (id int PRIMARY KEY, ts timestamptz, d date, iv interval, b bytea, f float8);
                INSERT INTO {table} VALUES (1, '2024-02-03 04:05:06.5+00', '2024-02-03', '1 day 02:03:04', '\x0102', 0.30000000000000004);
                """);
            var connection = StreamTestSupport.Connection();
            connection["user"] = role;
            connection["password"] = "pw";
            var run = await StreamTestSupport.StartAsync(table, pub, dir, connection: connection);
            Psql($"INSERT INTO {table} VALUES (2, '2024-02-03 04:05:06.5+00', '2024-02-03', '1 day 02:03:04', '\\x0102', 0.30000000000000004)");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((!File.Exists(path) || File.ReadAllLines(path).Length < 2) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            await run.StopAsync();
            var lines = File.ReadAllLines(path);
            Assert.Equal(2, lines.Length);
            foreach (var (line, id) in lines.Zip(new[] { 1, 2 }))
            {
                var after = JsonNode.Parse(line)!["after"]!.AsObject();
                Assert.Equal(id, (int)after["id"]!);
                Assert.Equal("2024-02-03T04:05:06.5Z", (string)after["ts"]!);
                Assert.Equal("2024-02-03", (string)after["d"]!);
                Assert.Equal("1 day 02:03:04", (string)after["iv"]!);
                Assert.Equal("AQI=", (string)after["b"]!);
                Assert.Contains("\"f\":0.30000000000000004}", line, StringComparison.Ordinal);
            }
        }
        finally
        {
            StreamTestSupport.Cleanup(table, pub, slot);
            Psql($"DROP ROLE IF EXISTS {role}");
            Directory.Delete(dir, true);
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [ClusterTmpfsTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Full_disk_loses_nothing_and_streaming_goes_on_once_there_is_room(bool stateOnSameDisk)
    {
        // The config directory is a 3 MB tmpfs: the snapshot fits, the workload does not. Writes fail
        // with "No space left on device"; the file goes back to the last complete batch and nothing
        // after it counts as durable. Once the file system is made larger, streaming resumes (or, if
        // the state journal could not record a position, a new run resumes) and the file replays to
        // the table with every change exactly once. With the state journal elsewhere only the data
        // file's writes fail, and the running stream gets over it by itself.
        var table = stateOnSameDisk ? "lr_full" : "lr_full_data";
        var pub = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Cleanup(table, pub, slot);
        var stateDir = StreamTestSupport.NewDir();
        LreplOptions Configure(LreplOptions o) => stateOnSameDisk ? o : o with { StateConnectionString = "Data Source=" + Path.Combine(stateDir, "state.db") };
        var dir = StreamTestSupport.NewDir();
        var path = Path.Combine(dir, table + ".data");
        var (mountCode, mountOutput) = Run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir);
        if (mountCode != 0)
        {
            Directory.Delete(dir, true);
            Directory.Delete(stateDir, true);
            Assert.Fail("could not mount a tmpfs although the probe could: " + mountOutput);
        }

        StreamTestSupport.Run? run = null;
        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, 'n' || g, g, true, NULL, g FROM generate_series(1, 2000) g");
            run = await StreamTestSupport.StartAsync(table, pub, dir, configure: Configure);
            for (var t = 0; t < 40; t++)
            {
                Psql($"INSERT INTO {table} SELECT g, repeat('x', 100) || g, g * 1.5, g % 2 = 0, NULL, g FROM generate_series({10_000 + (t * 500)}, {10_000 + (t * 500) + 499}) g");
            }

            // The data file's writes fail with ENOSPC (the stream retries with backoff), or SQLite
            // cannot record a position (the run stops with that reason).
            static bool Full(string text) =>
                text.Contains("No space left on device", StringComparison.Ordinal) || text.Contains("disk is full", StringComparison.Ordinal);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Full(run.Log.ToString()) && !run.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            if (run.Task.IsCompleted)
            {
                Assert.True(stateOnSameDisk, "the run stopped although only data file writes could fail");
                var error = await Assert.ThrowsAsync<LreplException>(() => run.Task);
                Assert.True(Full(error.Message), error.Message);
                run = null;
            }
            else
            {
                Assert.True(Full(run.Log.ToString()), run.Log.ToString());
            }

            var (remountCode, remountOutput) = Run("mount", "-o", "remount,size=256m", dir);
            Assert.True(remountCode == 0, remountOutput);
            run ??= await StreamTestSupport.StartAsync(table, pub, dir, configure: Configure);
            await WaitForMatchAsync(table, path);
            await run.StopAsync();
            run = null;

            var lines = File.ReadAllLines(path);
            Assert.Equal(2000, lines.Count(l => l.StartsWith("{\"op\":\"r\"", StringComparison.Ordinal)));
            Assert.Equal(40 * 500, lines.Count(l => l.StartsWith("{\"op\":\"c\"", StringComparison.Ordinal)));
            Assert.Equal(lines.Length, lines.Distinct(StringComparer.Ordinal).Count());
        }
        finally
        {
            if (run is not null)
            {
                await run.StopAsync();
            }

            StreamTestSupport.Cleanup(table, pub, slot);

            // Lazily: pooled SQLite connections of the finished run may still hold the state file.
            Run("umount", "-l", dir);
            Directory.Delete(dir, true);
            Directory.Delete(stateDir, true);
        }
    }

    [TmpfsFact(needsCluster: true)]
    public async Task Full_disk_during_the_snapshot_fails_at_once_and_the_next_run_starts_it_over()
    {
        const string table = "lr_full_snap";
        const string pub = table + "_pub";
        const string slot = table + "_slot";
        StreamTestSupport.Cleanup(table, pub, slot);
        var dir = StreamTestSupport.NewDir();
        var path = Path.Combine(dir, table + ".data");
        var (mountCode, mountOutput) = Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir);
        if (mountCode != 0)
        {
            Directory.Delete(dir, true);
            Assert.Fail("could not mount a tmpfs although the probe could: " + mountOutput);
        }

        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, repeat('y', 200), g, true, NULL, g FROM generate_series(1, 20000) g");
            var options = new LreplOptions(StreamTestSupport.Connection(), table, pub, dir) { CreatePublication = true, Environment = new EmptyEnvironment() };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<LreplException>(() => LreplRunner.RunAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
            // The data file or the state journal beside it (started during the copy) meets the full disk first.
            Assert.Matches("No space left on device|disk is full", error.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the failure took {clock.Elapsed}");

            var (remountCode, remountOutput) = Run("mount", "-o", "remount,size=64m", dir);
            Assert.True(remountCode == 0, remountOutput);
            var run = await StreamTestSupport.StartAsync(table, pub, dir);
            Assert.Contains("created slot", run.Log.ToString(), StringComparison.Ordinal);
            await WaitForMatchAsync(table, path);
            await run.StopAsync();
            Assert.Equal(20000, File.ReadAllLines(path).Length);
        }
        finally
        {
            StreamTestSupport.Cleanup(table, pub, slot);
            Run("umount", "-l", dir);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Csv_file_stops_with_a_clear_error_when_the_table_gains_a_column()
    {
        // A CSV file keeps the header it started with; a new column's values must not vanish
        // silently, so the run stops, and the file keeps every complete transaction before it.
        using var scratch = new StreamTestSupport.Scratch("lr_csv_add");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); INSERT INTO {table} VALUES (1, 'one')");
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with { Format = LreplFormat.Csv });
        Psql($"INSERT INTO {table} VALUES (2, 'two')");
        await WaitForLinesAsync(path, 3);

        Psql($"ALTER TABLE {table} ADD COLUMN extra text; INSERT INTO {table} VALUES (3, 'three', 'x')");
        var error = await Assert.ThrowsAsync<LreplException>(() => run.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("column \"extra\" is not in the header of this CSV file", error.Message, StringComparison.Ordinal);
        Assert.Equal(["op,lsn,id,name", "r,", "c,"], File.ReadAllLines(path).Select(l => l.Length > 5 && l[1] == ',' ? l[..2] : l).ToArray());
    }

    [ClusterFact(MinServerVersion = 150000)]
    public async Task Csv_header_and_rows_have_the_published_columns_only()
    {

        using var scratch = new StreamTestSupport.Scratch("lr_csv_cols");
        var (table, pub, _, dir, path) = scratch;
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, secret text, twice int GENERATED ALWAYS AS (id * 2) STORED); INSERT INTO {table} (id, name, secret) VALUES (1, 'one', 's1')");
        Psql($"CREATE PUBLICATION {pub} FOR TABLE {table} (id, name)");
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with { Format = LreplFormat.Csv });
        Psql($"INSERT INTO {table} (id, name, secret) VALUES (2, 'two', 's2')");
        await WaitForLinesAsync(path, 3);

        await run.StopAsync();

        // op, lsn (left out here: it varies), then the published columns.
        static string WithoutLsn(string line) => line.StartsWith("op,", StringComparison.Ordinal) ? line : line[..2] + line[(line.IndexOf(',', 2) + 1)..];
        Assert.Equal(["op,lsn,id,name", "r,1,one", "c,2,two"], File.ReadAllLines(path).Select(WithoutLsn).ToArray());
    }

    [ClusterFact]
    public async Task Names_with_quotes_and_backslashes_reach_the_catalog_intact()
    {
        // The checks embed the table, publication and slot names as SQL literals.
        const string table = "\"lr Odd'\\Tab\"";
        const string pub = "\"lr odd'\\pub\"";
        const string slot = "lr_odd_slot";
        StreamTestSupport.Cleanup(table, pub, slot);
        var dir = StreamTestSupport.NewDir();
        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} VALUES (1, 'a')");
            var run = await StreamTestSupport.StartAsync(table, "lr odd'\\pub", dir, slot: slot);
            // Every character outside [A-Za-z0-9_-] of the name is percent-encoded in the file's name.
            var path = Path.Combine(dir, "lr%20Odd%27%5CTab.data");
            Psql($"INSERT INTO {table} VALUES (2, 'b')");
            await WaitForLinesAsync(path, 2);
            await run.StopAsync();
            Assert.Equal(["r", "c"], File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!["op"]!.GetValue<string>()).ToArray());
            Assert.Equal("t", StreamTestSupport.Scalar("SELECT count(*) = 1 FROM pg_publication_tables WHERE pubname = E'lr odd''\\\\pub' AND tablename = E'lr Odd''\\\\Tab'"));
        }
        finally
        {
            StreamTestSupport.Cleanup(table, pub, slot);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task Prepared_transactions_are_written_once_at_commit_prepared_even_across_a_restart()
    {
        // Two-phase decoding is not asked for, so a prepared transaction reaches the file when it
        // is committed, as an ordinary one; a rolled back one never does. A restart while they are
        // prepared, after later transactions were acknowledged, loses and repeats nothing.
        const string table = "lr_prep";
        const string pub = table + "_pub";
        const string slot = table + "_slot";
        static void RollbackLeftovers()
        {
            foreach (var gid in new[] { "lr_prep_a", "lr_prep_b" })
            {
                TestCluster.RunPsql("-X", "-q", "-c", $"ROLLBACK PREPARED '{gid}'");
            }
        }

        RollbackLeftovers();
        StreamTestSupport.Cleanup(table, pub, slot);
        var dir = StreamTestSupport.NewDir();
        var path = Path.Combine(dir, table + ".data");
        try
        {
            Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} VALUES (1, 'one', 1, true, NULL, 1)");
            var run = await StreamTestSupport.StartAsync(table, pub, dir);
            Psql($"BEGIN; INSERT INTO {table} VALUES (10, 'prepared, committed', 10, true, NULL, 10); PREPARE TRANSACTION 'lr_prep_a'");
            Psql($"BEGIN; INSERT INTO {table} VALUES (11, 'prepared, rolled back', 11, true, NULL, 11); PREPARE TRANSACTION 'lr_prep_b'");
            Psql($"INSERT INTO {table} VALUES (12, 'plain', 12, false, NULL, 12)");
            await WaitForMatchAsync(table, path);
            await run.StopAsync();

            Psql("COMMIT PREPARED 'lr_prep_a'");
            Psql("ROLLBACK PREPARED 'lr_prep_b'");
            Psql($"UPDATE {table} SET name = 'after' WHERE id = 10");
            run = await StreamTestSupport.StartAsync(table, pub, dir);
            await WaitForMatchAsync(table, path);
            await run.StopAsync();

            var lines = File.ReadAllLines(path);
            int Count(string op, int id) => lines.Count(l => l.StartsWith($"{{\"op\":\"{op}\"", StringComparison.Ordinal) && l.Contains($"\"key\":{{\"id\":{id}}}", StringComparison.Ordinal));
            Assert.Equal(1, Count("c", 10));
            Assert.Equal(1, Count("u", 10));
            Assert.Equal(0, Count("c", 11));
            Assert.Equal(1, Count("c", 12));
            Assert.Equal(4, lines.Length);
        }
        finally
        {
            RollbackLeftovers();
            StreamTestSupport.Cleanup(table, pub, slot);
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task A_state_store_away_mid_stream_is_ridden_out_and_nothing_is_lost_or_repeated()
    {
        using var scratch = new StreamTestSupport.Scratch("lr_state_out");
        var (table, pub, _, dir, path) = scratch;
        var persistenceId = "lr-state-out-" + Guid.NewGuid().ToString("N");
        Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, flag bool, doc jsonb, f float8); INSERT INTO {table} SELECT g, 'row' || g, g, true, NULL, g FROM generate_series(1, 100) g");
        using var relay = new TcpRelay();
        var run = await StreamTestSupport.StartAsync(table, pub, dir, configure: o => o with
        {
            StateProvider = "PostgreSQL.15",
            StateConnectionString = $"Host=127.0.0.1;Port={relay.Port};Username={TestCluster.SuperUser};Password={TestCluster.SuperUserPassword};Database={TestCluster.Database};Timeout=3;Command Timeout=5",
            StateId = persistenceId,
        });
        string Script(int from, int to)
        {
            var script = new StringBuilder();
            for (var i = from; i < to; i++)
            {
                script.Append(CultureInfo.InvariantCulture, $"UPDATE {table} SET amount = amount + 1 WHERE id = {(i % 100) + 1};\n");
                script.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} VALUES ({1000 + i}, 'n{i}', {i}, false, NULL, 0.5);\n");
                script.Append("SELECT pg_sleep(0.01);\n");
            }

            return script.ToString();
        }

        try
        {
            StreamTestSupport.Psql(Script(0, 50));
            await WaitForMatchAsync(table, path);

            // The store goes away (open connections closed, new ones refused) while changes keep coming.
            relay.Cut();
            StreamTestSupport.Psql(Script(50, 150));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!run.Log.ToString().Contains("waiting for the state store since", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.Contains("waiting for the state store since", run.Log.ToString(), StringComparison.Ordinal);
            Assert.False(run.Task.IsCompleted, "the run ended while the state store was away: " + run.Log);
            var confirmed = StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{scratch.Slot}'");

            // Nothing was reported to the server while no position could be recorded.
            await Task.Delay(3000);
            Assert.Equal(confirmed, StreamTestSupport.Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{scratch.Slot}'"));

            relay.Restore();
            StreamTestSupport.Psql(Script(150, 200));
            await WaitForMatchAsync(table, path, 100 + (200 * 2));
            Assert.False(run.Task.IsCompleted, "the run ended: " + run.Log);
            await run.StopAsync();
            var lines = File.ReadAllLines(path);
            Assert.Equal(lines.Length, lines.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(100 + (200 * 2), lines.Length);
        }
        finally
        {
            if (!run.Task.IsCompleted)
            {
                await run.StopAsync();
            }

            StreamTestSupport.Psql($"DELETE FROM journal WHERE persistence_id LIKE '{persistenceId}%'; DELETE FROM snapshot WHERE persistence_id LIKE '{persistenceId}%'");
        }
    }
}
