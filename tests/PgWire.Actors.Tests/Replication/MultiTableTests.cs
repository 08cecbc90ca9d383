using System.Text.Json.Nodes;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Iceberg;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>Several tables from one slot: one snapshot for all, a file per table, tables added and left out on later runs.</summary>
public sealed class MultiTableTests
{
    private static void Psql(string sql) => StreamTestSupport.Psql(sql);

    private static string Scalar(string sql) => StreamTestSupport.Scalar(sql);

    /// <summary>Drops what a test made: its slot (and any temporary one left), publication, tables and schema.</summary>
    private sealed class Scene : IDisposable
    {
        public Scene(string name)
        {
            Name = name + Guid.NewGuid().ToString("N")[..6];
            Dir = StreamTestSupport.NewDir();
            Cleanup();
        }

        public string Name { get; }

        public string Dir { get; }

        public string Publication => Name + "_pub";

        public string Slot => Name + "_slot";

        public string Schema => Name + "_s";

        public void Cleanup()
        {
            StreamTestSupport.Cleanup(Name, Publication, Slot);
            TestCluster.RunPsql("-X", "-q", "-c", $"DROP TABLE IF EXISTS {Name}_c; DROP SCHEMA IF EXISTS {Schema} CASCADE");
        }

        public void Dispose()
        {
            Cleanup();
            Directory.Delete(Dir, true);
        }
    }

    private static Task<StreamTestSupport.Run> StartAsync(Scene scene, params string[] tables) =>
        StreamTestSupport.StartAsync(tables[0], scene.Publication, scene.Dir, configure: o => o with { Tables = tables });

    /// <summary>Waits until the data file replays to the table's rows, JSON objects of (id, v).</summary>
    private static Task WaitForMatchAsync(string table, string path, int? lines = null) =>
        StreamTestSupport.WaitForReplayAsync($"SELECT json_build_object('id', id, 'v', v) FROM {table}", path, lines);

    private static int SlotsLike(string pattern) => int.Parse(Scalar($"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{pattern}'"), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Table_lists_split_at_commas_outside_quotes_and_files_are_named_apart()
    {
        Assert.Equal(["orders", "\"a,b\"", "sales.items"], LreplOptions.ParseTableList("orders, \"a,b\",sales.items,"));
        var dir = Path.GetTempPath();
        string FileOf(string table) => Path.GetFileName(new LreplOptions(new Dictionary<string, string?>(), table, "p", dir).DataPath);
        Assert.Equal("orders.data", FileOf("orders"));
        Assert.Equal("orders.data", FileOf("public.orders"));
        Assert.Equal("sales.items.data", FileOf("Sales.Items"));
        Assert.Equal("a%2Eb.data", FileOf("\"a.b\""));
        Assert.Equal("a.b.data", FileOf("a.b"));
        Assert.Equal("Mixed%20Case.data", FileOf("\"Mixed Case\""));
        Assert.Equal("x.caf%C3%A9.data", FileOf("x.\"café\""));
    }

    [ClusterFact]
    public async Task Several_tables_share_one_slot_and_a_reordered_list_keeps_it()
    {
        using var scene = new Scene("mt_one");
        var a = scene.Name;
        var b = $"{scene.Schema}.\"B.x\"";
        Psql($"""
            CREATE SCHEMA {scene.Schema};
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {b} (id int PRIMARY KEY, v text);
            INSERT INTO {a} SELECT g, 'a' || g FROM generate_series(1, 50) g;
            INSERT INTO {b} SELECT g, 'b' || g FROM generate_series(1, 30) g;
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathB = Path.Combine(scene.Dir, scene.Schema + ".B%2Ex.data");

        var run = await StartAsync(scene, a, b);
        var log = run.Log.ToString();
        Assert.Contains("created slot " + scene.Slot, log, StringComparison.Ordinal);
        Assert.Contains($"snapshot of \"public\".\"{a}\" done", log, StringComparison.Ordinal);
        Assert.Contains($"snapshot of \"{scene.Schema}\".\"B.x\" done", log, StringComparison.Ordinal);
        Psql($"""
            BEGIN; INSERT INTO {a} VALUES (100, 'both'); INSERT INTO {b} VALUES (100, 'both'); UPDATE {b} SET v = 'b1!' WHERE id = 1; COMMIT;
            DELETE FROM {a} WHERE id <= 10;
            UPDATE {b} SET id = id + 1000 WHERE id > 25;
            BEGIN; DELETE FROM {a} WHERE id = 11; TRUNCATE {b}; INSERT INTO {b} VALUES (7, 'after truncate'); COMMIT;
            """);
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(b, pathB);
        var progress = await run.StopAsync();
        Assert.Equal(1, SlotsLike(scene.Name + "%"));
        var stoppedLog = run.Log.ToString();
        Assert.Contains($"lrepl: {a}: stopped", stoppedLog, StringComparison.Ordinal);
        Assert.Contains($"lrepl: {b}: stopped", stoppedLog, StringComparison.Ordinal);

        // While stopped, both tables change; the next run names them the other way round, and
        // a third time only one of them: the slot stays the first run's, nothing is copied again.
        Psql($"INSERT INTO {a} VALUES (200, 'later'); INSERT INTO {b} VALUES (200, 'later');");
        var again = await StartAsync(scene, b, a);
        Assert.DoesNotContain("snapshot of", again.Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("resuming", again.Log.ToString(), StringComparison.Ordinal);
        Psql($"BEGIN; UPDATE {a} SET v = 'x' WHERE id = 200; UPDATE {b} SET v = 'y' WHERE id = 200; COMMIT;");
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(b, pathB);
        await again.StopAsync();
        Assert.Equal(1, SlotsLike(scene.Name + "%"));
        Assert.Equal(0, SlotsLike("%B_x_slot"));

        // Every change of each table is in its file exactly once (ChangeReplay fails on a double),
        // and nothing of the other table is.
        var linesA = File.ReadAllLines(pathA);
        Assert.DoesNotContain(linesA, l => l.Contains("after truncate", StringComparison.Ordinal));
        Assert.Equal(50, linesA.Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal)));
        var linesB = File.ReadAllLines(pathB);
        Assert.Equal(30, linesB.Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal)));
        Assert.Single(linesB, l => l.Contains("\"op\":\"t\"", StringComparison.Ordinal));
        Assert.True(progress.SnapshotRows >= 50, "snapshot rows " + progress.SnapshotRows);
    }

    [ClusterFact]
    public async Task A_table_added_later_is_copied_under_a_temporary_slot_without_a_gap_or_a_double()
    {
        using var scene = new Scene("mt_add");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"""
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} SELECT g, 'a' || g FROM generate_series(1, 20) g;
            INSERT INTO {c} SELECT g, 'c' || g FROM generate_series(1, 40) g;
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathC = Path.Combine(scene.Dir, c + ".data");

        var run = await StartAsync(scene, a);
        Psql($"INSERT INTO {a} VALUES (21, 'a21'); UPDATE {c} SET v = 'changed before it was followed' WHERE id = 1;");
        await WaitForMatchAsync(a, pathA);
        await run.StopAsync();
        Assert.False(File.Exists(pathC));

        // c changes while nobody follows it, and keeps changing while it is copied and after.
        Psql($"DELETE FROM {c} WHERE id = 2; INSERT INTO {a} VALUES (22, 'a22');");
        using var writing = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var id = 1000;
            while (!writing.IsCancellationRequested)
            {
                Psql($"BEGIN; INSERT INTO {c} VALUES ({id}, 'w'); UPDATE {c} SET v = v || '+' WHERE id = 3; INSERT INTO {a} VALUES ({id}, 'w'); COMMIT;");
                id++;
                await Task.Delay(20);
            }
        });
        StreamTestSupport.Run added;
        try
        {
            added = await StartAsync(scene, a, c);
            await Task.Delay(1000);
        }
        finally
        {
            await writing.CancelAsync();
            await writer;
        }

        var log = added.Log.ToString();
        Assert.Contains("temporary slot", log, StringComparison.Ordinal);
        Assert.Contains($"snapshot of \"public\".\"{c}\" done", log, StringComparison.Ordinal);
        Assert.DoesNotContain($"snapshot of \"public\".\"{a}\"", log, StringComparison.Ordinal);
        Psql($"UPDATE {c} SET v = 'streamed' WHERE id = 4; DELETE FROM {a} WHERE id = 1;");
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(c, pathC);
        await added.StopAsync();
        Assert.Equal(0, SlotsLike("%_sync_%"));
        Assert.Equal(1, SlotsLike(scene.Name + "%"));
    }

    [ClusterFact]
    public async Task A_copy_killed_before_it_was_recorded_is_removed_and_copied_again_but_a_foreign_file_is_refused()
    {
        using var scene = new Scene("mt_kcopy");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"""
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} SELECT g, 'a' || g FROM generate_series(1, 10) g;
            INSERT INTO {c} SELECT g, 'c' || g FROM generate_series(1, 25) g;
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathC = Path.Combine(scene.Dir, c + ".data");
        var run = await StartAsync(scene, a);
        await WaitForMatchAsync(a, pathA);
        await run.StopAsync();

        // What a process killed half way through copying c leaves: the config dir says the copy was
        // started, the file holds part of it, and c has no recorded state.
        var dirFile = Path.Combine(scene.Dir, LreplConfigDir.FileName);
        var record = JsonNode.Parse(File.ReadAllText(dirFile))!.AsObject();
        Assert.Null(record["copying"]);
        record["copying"] = new JsonArray(JsonValue.Create(c + ".data"));
        File.WriteAllText(dirFile, record.ToJsonString());
        File.WriteAllText(pathC, "{\"op\":\"r\",\"key\":{\"id\":1},\"row\":{\"id\":1,\"v\":\"half a cop");
        Psql($"INSERT INTO {c} VALUES (100, 'after'); INSERT INTO {a} VALUES (100, 'after');");

        var again = await StartAsync(scene, a, c);
        var log = again.Log.ToString();
        Assert.Contains($"removing {pathC}: an earlier run of this config dir was stopped while copying it", log, StringComparison.Ordinal);
        Assert.Contains($"snapshot of \"public\".\"{c}\" done", log, StringComparison.Ordinal);
        Psql($"UPDATE {c} SET v = 'streamed' WHERE id = 2;");
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(c, pathC);
        await again.StopAsync();
        Assert.Null(JsonNode.Parse(File.ReadAllText(dirFile))!["copying"]);
        Assert.Equal(26, File.ReadAllLines(pathC).Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal)));

        // The same file without the dir's record of a copy is not this dir's to remove.
        var d = scene.Name + "_d";
        Psql($"CREATE TABLE {d} (id int PRIMARY KEY, v text); INSERT INTO {d} VALUES (1, 'd');");
        try
        {
            var pathD = Path.Combine(scene.Dir, d + ".data");
            File.WriteAllText(pathD, "someone else's\n");
            var ex = await Assert.ThrowsAsync<LreplException>(() => StartAsync(scene, a, c, d));
            Assert.Contains($"{pathD} exists, but this config dir has no replication state for it", ex.Message, StringComparison.Ordinal);
            Assert.Equal("someone else's\n", File.ReadAllText(pathD));
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {d}");
        }
    }

    [ClusterFact]
    public async Task A_table_left_out_and_named_again_is_set_aside_and_copied_again()
    {
        using var scene = new Scene("mt_gap");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"""
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} VALUES (1, 'a1');
            INSERT INTO {c} VALUES (1, 'c1');
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathC = Path.Combine(scene.Dir, c + ".data");
        var both = await StartAsync(scene, a, c);
        Psql($"INSERT INTO {c} VALUES (2, 'c2')");
        await WaitForMatchAsync(c, pathC);
        await both.StopAsync();

        // Only a is followed: the slot moves past c's recorded position while c changes.
        var alone = await StartAsync(scene, a);
        Psql($"INSERT INTO {c} VALUES (3, 'c3'); INSERT INTO {a} VALUES (2, 'a2');");
        await WaitForMatchAsync(a, pathA);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Scalar($"SELECT confirmed_flush_lsn >= pg_current_wal_lsn() - 1000 FROM pg_replication_slots WHERE slot_name = '{scene.Slot}'") != "t")
        {
            await Task.Delay(200);
        }

        await alone.StopAsync();
        Assert.Equal(2, ChangeReplay.Rows(pathC, out _).Count);

        var back = await StartAsync(scene, a, c);
        var log = back.Log.ToString();
        Assert.Contains("left out of this slot's last run", log, StringComparison.Ordinal);
        Assert.Contains("renamed " + pathC, log, StringComparison.Ordinal);
        var aside = Assert.Single(Directory.GetFiles(scene.Dir, c + ".data.replaced-*"));
        Assert.Equal(2, ChangeReplay.Rows(aside, out _).Count);
        await WaitForMatchAsync(c, pathC);
        Psql($"UPDATE {c} SET v = 'c3!' WHERE id = 3");
        await WaitForMatchAsync(c, pathC);
        await WaitForMatchAsync(a, pathA);
        await back.StopAsync();
    }

    [ClusterFact]
    public async Task All_tables_follows_the_publication_and_a_table_added_to_it_joins_while_the_others_stream_on()
    {
        using var scene = new Scene("mt_all");
        var a = scene.Name;
        var b = $"{scene.Schema}.items";
        var c = scene.Name + "_c";
        Psql($"""
            CREATE SCHEMA {scene.Schema};
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {b} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} VALUES (1, 'a1');
            INSERT INTO {b} VALUES (1, 'b1');
            INSERT INTO {c} SELECT g, 'c' || g FROM generate_series(1, 20000) g;
            CREATE PUBLICATION {scene.Publication} FOR TABLE {a}, {b};
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathB = Path.Combine(scene.Dir, scene.Schema + ".items.data");
        var pathC = Path.Combine(scene.Dir, c + ".data");
        var starts = 0;
        var run = await StreamTestSupport.StartAsync("", scene.Publication, scene.Dir, configure: o => o with
        {
            AllTables = true,
            CreatePublication = false,
            OnStreaming = () =>
            {
                Interlocked.Increment(ref starts);
                o.OnStreaming?.Invoke();
            },
        });
        Assert.Contains("created slot " + scene.Slot, run.Log.ToString(), StringComparison.Ordinal);
        Psql($"INSERT INTO {a} VALUES (2, 'a2'); INSERT INTO {b} VALUES (2, 'b2');");
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(b, pathB);
        Assert.False(File.Exists(pathC));

        // A writer on a (each transaction also changing c now and then) goes on all the time.
        using var stopWriter = new CancellationTokenSource();
        var written = 100_000;
        var writer = Task.Run(() =>
        {
            while (!stopWriter.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref written);
                Psql(id % 3 == 0
                    ? $"BEGIN; INSERT INTO {a} VALUES ({id}, 'w'); INSERT INTO {c} VALUES ({id}, 'w'); UPDATE {c} SET v = 'u{id}' WHERE id = 1; COMMIT;"
                    : $"INSERT INTO {a} VALUES ({id}, 'w'); INSERT INTO {c} VALUES ({id}, 'w'); DELETE FROM {c} WHERE id = {id - 50};");
            }
        });

        // A transaction left open keeps the new table's temporary slot from being made (its snapshot
        // waits for the transactions running when it starts): the copy waits, the stream must not.
        var blocker = Task.Run(() => Psql("BEGIN; SELECT txid_current(); SELECT pg_sleep(10); COMMIT;"));
        await WaitUntilAsync(() => Scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()") == "1");

        // Added to the publication while running: its first change in the stream starts its copy
        // under a temporary slot, and the others stream on meanwhile.
        Psql($"ALTER PUBLICATION {scene.Publication} ADD TABLE {c}");
        Psql($"BEGIN; INSERT INTO {c} VALUES (-2, 'c2'); INSERT INTO {a} VALUES (-3, 'a3'); COMMIT; UPDATE {c} SET v = 'c1!' WHERE id = 2;");
        // The insert position: with synchronous_commit off (the test cluster's setting) the write
        // position pg_current_wal_lsn() may still be before the commits just made.
        var metC = Scalar("SELECT pg_current_wal_insert_lsn()");
        await WaitUntilAsync(() => run.Log.ToString().Contains($"table public.{c} was added to publication {scene.Publication}: copying it while the other tables stream on", StringComparison.Ordinal), run);
        await AssertStreamingWhileCopyingAsync(scene, run, pathA, () => Volatile.Read(ref written), metC, blocker, c);

        await blocker;
        await WaitUntilAsync(() => run.Log.ToString().Contains($"{c} joined the stream", StringComparison.Ordinal), run);
        var joined = Volatile.Read(ref written);
        await WaitUntilAsync(() => Volatile.Read(ref written) > joined + 20);
        await stopWriter.CancelAsync();
        await writer;
        Psql($"INSERT INTO {c} VALUES (-4, 'c4'); DELETE FROM {b} WHERE id = 1;");
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(b, pathB);
        await WaitForMatchAsync(c, pathC);
        var progress = await run.StopAsync();
        var log = run.Log.ToString();
        Assert.Contains("temporary slot", log, StringComparison.Ordinal);
        Assert.DoesNotContain("starting again", log, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming", log, StringComparison.Ordinal);
        Assert.Equal(1, starts);
        Assert.Equal(0, progress.Restarts);
        Assert.Equal(0, SlotsLike("%_sync_%"));
        Assert.Equal(1, SlotsLike(scene.Name + "%"));

        // Every row of c is in the file once: as a snapshot row or as a change after it (ChangeReplay
        // fails on a row inserted twice), and a's file has every line of the writer.
        var snapshotRows = File.ReadAllLines(pathC).Count(l => l.Contains("\"op\":\"r\"", StringComparison.Ordinal));
        Assert.Equal(int.Parse(Scalar($"SELECT count(*) FROM {c}"), System.Globalization.CultureInfo.InvariantCulture), ChangeReplay.Rows(pathC, out _).Count);
        Assert.True(snapshotRows >= 19_000, "snapshot rows " + snapshotRows);

        // The next run goes on from what each table recorded; nothing is copied again.
        Psql($"INSERT INTO {c} VALUES (-5, 'c5'); INSERT INTO {a} VALUES (-5, 'a5');");
        var again = await StreamTestSupport.StartAsync("", scene.Publication, scene.Dir, configure: o => o with { AllTables = true, CreatePublication = false });
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(c, pathC);
        await again.StopAsync();
        Assert.DoesNotContain("snapshot of", again.Log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// While the added table <paramref name="c"/> waits for its copy (<paramref name="blocker"/> still
    /// running), the writer's changes of a keep landing in <paramref name="pathA"/>, and the slot's
    /// confirmed position stays before <paramref name="metC"/> (a position after c's first change):
    /// the server keeps the WAL a restart would need for c.
    /// </summary>
    private static async Task AssertStreamingWhileCopyingAsync(Scene scene, StreamTestSupport.Run run, string pathA, Func<int> written, string metC, Task blocker, string c)
    {
        for (var i = 0; i < 2; i++)
        {
            var during = written() + 5;
            await WaitUntilAsync(() => File.Exists(pathA) && System.Text.RegularExpressions.Regex.IsMatch(File.ReadAllText(pathA), $"\"id\":{during}[,}}]"), run);
            await Task.Delay(1200);
        }

        Assert.False(blocker.IsCompleted, "the copy's wait ended before the writer's changes of a were streamed");
        Assert.DoesNotContain($"snapshot of \"public\".\"{c}\" done", run.Log.ToString(), StringComparison.Ordinal);
        var confirmed = Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{scene.Slot}'");
        Assert.True(
            Scalar($"SELECT '{confirmed}'::pg_lsn < '{metC}'") == "t",
            $"the slot's confirmed position {confirmed} is not before {metC}, after {c}'s first change; log:\n{run.Log}");
    }

    [ClusterFact]
    public async Task A_table_added_while_running_joins_after_the_stream_lost_its_connection_during_the_copy()
    {
        using var scene = new Scene("mt_allc");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"""
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} VALUES (1, 'a1');
            INSERT INTO {c} SELECT g, 'c' || g FROM generate_series(1, 5000) g;
            CREATE PUBLICATION {scene.Publication} FOR TABLE {a};
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathC = Path.Combine(scene.Dir, c + ".data");
        var run = await StreamTestSupport.StartAsync("", scene.Publication, scene.Dir, configure: o => o with { AllTables = true, CreatePublication = false });
        using var stopWriter = new CancellationTokenSource();
        var written = 100_000;
        var writer = Task.Run(() =>
        {
            while (!stopWriter.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref written);
                Psql($"BEGIN; INSERT INTO {a} VALUES ({id}, 'w'); INSERT INTO {c} VALUES ({id}, 'w'); COMMIT; UPDATE {c} SET v = 'u{id}' WHERE id = {id - 3};");
            }
        });

        var blocker = Task.Run(() => Psql("BEGIN; SELECT txid_current(); SELECT pg_sleep(12); COMMIT;"));
        await WaitUntilAsync(() => Scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(12)%' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()") == "1");
        Psql($"ALTER PUBLICATION {scene.Publication} ADD TABLE {c}");
        Psql($"INSERT INTO {c} VALUES (-1, 'c-1')");
        // The insert position: with synchronous_commit off (the test cluster's setting) the write
        // position pg_current_wal_lsn() may still be before the commits just made.
        var metC = Scalar("SELECT pg_current_wal_insert_lsn()");
        await WaitUntilAsync(() => run.Log.ToString().Contains($"table public.{c} was added to publication", StringComparison.Ordinal), run);

        // The stream's connection is cut while c waits for its copy: the stream starts again by
        // itself, routing c as before (its changes kept back from the held position on).
        Psql($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{scene.Slot}'");
        await AssertStreamingWhileCopyingAsync(scene, run, pathA, () => Volatile.Read(ref written), metC, blocker, c);

        await blocker;
        await WaitUntilAsync(() => run.Log.ToString().Contains($"{c} joined the stream", StringComparison.Ordinal), run);
        var joined = Volatile.Read(ref written);
        await WaitUntilAsync(() => Volatile.Read(ref written) > joined + 20);
        await stopWriter.CancelAsync();
        await writer;
        await WaitForMatchAsync(a, pathA);
        await WaitForMatchAsync(c, pathC);
        var progress = await run.StopAsync();
        Assert.True(progress.Restarts >= 1, "the stream did not start again");
        Assert.DoesNotContain("starting again", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, SlotsLike("%_sync_%"));
    }

    /// <summary>
    /// A table added while running that cannot join the stream as it runs: more of its changes than
    /// may be kept back (none here), or, on a text stream, a column whose JSON values need the
    /// database's catalog (an enum). Its first change makes the run start again, which copies it.
    /// A text stream of a table of built-in types joins while running.
    /// </summary>
    [ClusterTheory]
    [InlineData("text", 0L, true, false)]
    [InlineData("mood", 256L << 20, false, false)]
    [InlineData("text", 256L << 20, false, true)]
    public async Task A_table_added_while_running_joins_or_the_run_starts_again_to_copy_it(string type, long holdBytes, bool binary, bool joins)
    {
        using var scene = new Scene("mt_allr");
        var a = scene.Name;
        var c = scene.Name + "_c";
        var mood = scene.Name + "_mood";
        Psql($"""
            DROP TYPE IF EXISTS {mood};
            CREATE TYPE {mood} AS ENUM ('c1', 'c1!', 'c2', 'c3');
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v {(type == "mood" ? mood : type)});
            INSERT INTO {a} VALUES (1, 'a1');
            INSERT INTO {c} VALUES (1, 'c1');
            CREATE PUBLICATION {scene.Publication} FOR TABLE {a};
            """);
        var pathA = Path.Combine(scene.Dir, a + ".data");
        var pathC = Path.Combine(scene.Dir, c + ".data");
        try
        {
            var run = await StreamTestSupport.StartAsync("", scene.Publication, scene.Dir, binary: binary, configure: o => o with { AllTables = true, CreatePublication = false, AdditionHoldBytes = holdBytes });
            Psql($"ALTER PUBLICATION {scene.Publication} ADD TABLE {c}");
            Psql($"BEGIN; INSERT INTO {c} VALUES (2, 'c2'); INSERT INTO {a} VALUES (3, 'a3'); COMMIT; UPDATE {c} SET v = 'c1!' WHERE id = 1;");
            await WaitForMatchAsync(c, pathC);
            Psql($"INSERT INTO {c} VALUES (3, 'c3'); DELETE FROM {a} WHERE id = 1;");
            await WaitForMatchAsync(a, pathA);
            await WaitForMatchAsync(c, pathC);
            await run.StopAsync();
            var log = run.Log.ToString();
            Assert.Contains("temporary slot", log, StringComparison.Ordinal);

            // Each table counts its own rows and changes.
            Assert.Contains($"lrepl: {a}: stopped; snapshot rows 1,", log, StringComparison.Ordinal);
            Assert.Contains($"lrepl: {c}: stopped; snapshot rows ", log, StringComparison.Ordinal);
            if (joins)
            {
                Assert.Contains($"{c} joined the stream", log, StringComparison.Ordinal);
                Assert.DoesNotContain("starting again", log, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains($"table public.{c} was added to publication {scene.Publication}: starting again to copy it", log, StringComparison.Ordinal);
                Assert.Equal(holdBytes == 0, log.Contains("were kept back while it is copied", StringComparison.Ordinal));
            }

            Assert.Equal(0, SlotsLike("%_sync_%"));
            Assert.Equal(1, SlotsLike(scene.Name + "%"));
        }
        finally
        {
            scene.Cleanup();
            Psql($"DROP TYPE IF EXISTS {mood}");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, StreamTestSupport.Run? run = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out; " + run?.Log);
            await Task.Delay(100);
        }
    }

    /// <summary>An Iceberg table's rows (deletes applied) as <c>id|v</c> lines, sorted; duplicates kept.</summary>
    private static async Task<List<string>> IcebergRowsAsync(string dir, string schema, string table)
    {
        var settings = IcebergSettings.Load(null, dir, TestCluster.Database);
        var catalog = await settings.OpenCatalogAsync(CancellationToken.None);
        var ident = settings.TableFor(schema, table, onlyTable: false);
        var scan = await (await catalog.LoadTableAsync(ident.Namespace, ident.Name)).ReadAsync();
        var id = scan.Schema.Fields.ToList().FindIndex(f => f.Name == "id");
        var v = scan.Schema.Fields.ToList().FindIndex(f => f.Name == "v");
        return [.. scan.Rows.Select(r => $"{r[id]}|{r[v]}").Order(StringComparer.Ordinal)];
    }

    private static async Task WaitForIcebergAsync(string dir, string schema, string table, string qualified)
    {
        var expected = Scalar($"SELECT id || '|' || v FROM {qualified}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> actual = [];
        while (DateTime.UtcNow < deadline)
        {
            actual = await IcebergRowsAsync(dir, schema, table);
            if (actual.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Equal(expected, actual);
    }

    [ClusterFact]
    public async Task Several_tables_go_to_their_own_Iceberg_tables_in_one_namespace()
    {
        using var scene = new Scene("mt_ice");
        var a = scene.Name;
        var b = $"{scene.Schema}.items";
        Psql($"""
            CREATE SCHEMA {scene.Schema};
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {b} (id int PRIMARY KEY, v text);
            INSERT INTO {a} SELECT g, 'a' || g FROM generate_series(1, 30) g;
            INSERT INTO {b} VALUES (1, 'b1'), (2, 'b2');
            """);
        var run = await StreamTestSupport.StartAsync(a, scene.Publication, scene.Dir, configure: o => o with { Tables = [a, b], Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(200) });
        Psql($"BEGIN; UPDATE {a} SET v = 'both' WHERE id = 1; DELETE FROM {b} WHERE id = 1; COMMIT; INSERT INTO {b} VALUES (3, 'b3'); DELETE FROM {a} WHERE id > 20;");
        await WaitForIcebergAsync(scene.Dir, "public", a, a);
        await WaitForIcebergAsync(scene.Dir, scene.Schema, "items", b);
        await run.StopAsync();

        Psql($"INSERT INTO {a} VALUES (100, 'later'); UPDATE {b} SET v = 'b3!' WHERE id = 3;");
        var again = await StreamTestSupport.StartAsync(b, scene.Publication, scene.Dir, configure: o => o with { Tables = [b, a], Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(200) });
        Assert.DoesNotContain("snapshot of", again.Log.ToString(), StringComparison.Ordinal);
        await WaitForIcebergAsync(scene.Dir, "public", a, a);
        await WaitForIcebergAsync(scene.Dir, scene.Schema, "items", b);
        await again.StopAsync();
        Assert.Equal(1, SlotsLike(scene.Name + "%"));
    }

    [ClusterFact]
    public async Task A_table_added_while_running_joins_the_stream_into_its_own_Iceberg_table()
    {
        using var scene = new Scene("mt_icel");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"""
            CREATE TABLE {a} (id int PRIMARY KEY, v text);
            CREATE TABLE {c} (id int PRIMARY KEY, v text);
            INSERT INTO {a} SELECT g, 'a' || g FROM generate_series(1, 30) g;
            INSERT INTO {c} SELECT g, 'c' || g FROM generate_series(1, 500) g;
            CREATE PUBLICATION {scene.Publication} FOR TABLE {a};
            """);
        var run = await StreamTestSupport.StartAsync("", scene.Publication, scene.Dir, configure: o => o with { AllTables = true, CreatePublication = false, Sink = LreplSink.Iceberg, CommitInterval = TimeSpan.FromMilliseconds(200) });
        Psql($"ALTER PUBLICATION {scene.Publication} ADD TABLE {c}");
        Psql($"BEGIN; UPDATE {a} SET v = 'both' WHERE id = 1; DELETE FROM {c} WHERE id = 1; COMMIT; INSERT INTO {c} VALUES (1000, 'c1000'); DELETE FROM {a} WHERE id > 20;");
        await WaitUntilAsync(() => run.Log.ToString().Contains($"{c} joined the stream", StringComparison.Ordinal), run);
        Psql($"UPDATE {c} SET v = 'c2!' WHERE id = 2; INSERT INTO {a} VALUES (100, 'a100');");
        await WaitForIcebergAsync(scene.Dir, "public", a, a);
        await WaitForIcebergAsync(scene.Dir, "public", c, c);
        await run.StopAsync();
        Assert.DoesNotContain("starting again", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, SlotsLike(scene.Name + "%"));
    }

    [ClusterFact]
    public async Task Drop_of_one_table_drops_the_slot_and_the_state_of_every_table_it_served()
    {
        using var scene = new Scene("mt_drop");
        var a = scene.Name;
        var c = scene.Name + "_c";
        Psql($"CREATE TABLE {a} (id int PRIMARY KEY, v text); CREATE TABLE {c} (id int PRIMARY KEY, v text); INSERT INTO {a} VALUES (1, 'a'); INSERT INTO {c} VALUES (1, 'c');");
        var run = await StartAsync(scene, a, c);
        await run.StopAsync();

        var log = new StringWriter();
        await LreplRunner.DropAsync(new LreplOptions(StreamTestSupport.Connection(), c, "", scene.Dir) { Environment = new EmptyEnvironment(), Log = log }, CancellationToken.None);
        var said = log.ToString();
        Assert.Contains("dropped replication slot " + scene.Slot, said, StringComparison.Ordinal);
        Assert.Contains("dropped the replication state of " + a, said, StringComparison.Ordinal);
        Assert.Contains("dropped the replication state of " + c, said, StringComparison.Ordinal);
        Assert.Contains("dropped publication " + scene.Publication, said, StringComparison.Ordinal);
        Assert.Equal(0, SlotsLike(scene.Name + "%"));
        Assert.True(File.Exists(Path.Combine(scene.Dir, a + ".data")));

        // Both files are still there: the next run refuses until they are moved away, then starts over.
        var refused = await Assert.ThrowsAsync<LreplException>(() => StartAsync(scene, a, c));
        Assert.Contains("has no replication state", refused.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(scene.Dir, a + ".data"));
        File.Delete(Path.Combine(scene.Dir, c + ".data"));
        var fresh = await StartAsync(scene, a, c);
        Assert.Contains("created slot " + scene.Slot, fresh.Log.ToString(), StringComparison.Ordinal);
        await WaitForMatchAsync(a, Path.Combine(scene.Dir, a + ".data"));
        await WaitForMatchAsync(c, Path.Combine(scene.Dir, c + ".data"));
        await fresh.StopAsync();
    }
}
