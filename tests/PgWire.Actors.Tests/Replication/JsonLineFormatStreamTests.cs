using System.Text.Json.Nodes;
using Akka.Actor;
using PgWire.Actors.Replication;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Actors.Tests.Replication.StreamTestSupport;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The JSON line format versions against the real server: what each writes, and which one a data file goes on with.</summary>
public sealed class JsonLineFormatStreamTests
{
    private const string Values = """
        '2026-01-01 08:00:00.123456+00', '2026-01-01 08:00:00.5', '0044-03-15 BC', '08:00:00.25', '08:00:00+05:30', '\x00ff10',
        '{{1,NULL},{3,4}}', ARRAY['a,b', 'q"uote', E'back\\slash', NULL, '', 'NULL', '{x}'],
        ARRAY['infinity', '0044-03-15 12:00:00+00 BC', '12026-01-01 00:00:00+00', '2026-01-01 08:00:00.1+00']::timestamptz[],
        ARRAY['\x'::bytea, '\x0102', NULL], ARRAY['{"a": [1, "x"]}'::jsonb, 'null', '2', NULL],
        ARRAY['happy', 'sad', NULL]::jvs_mood[], ARRAY[1, 2]::jvs_posint[], '[2:3]={7,8}', ARRAY['NaN', '-Infinity', 1.5]::float8[],
        5, '{t,f,NULL}', '{1.10,NaN}', '{}'
        """;

    /// <summary>The row's columns as version 2 writes them, but for id.</summary>
    private const string Expected = """
        {"tz":"2026-01-01T08:00:00.123456Z","ts":"2026-01-01T08:00:00.5","d":"0044-03-15 BC","tm":"08:00:00.25","ttz":"08:00:00+05:30","by":"AP8Q",
         "ia":[[1,null],[3,4]],"ta":["a,b","q\"uote","back\\slash",null,"","NULL","{x}"],
         "tza":["infinity","0044-03-15 12:00:00+00 BC","12026-01-01T00:00:00Z","2026-01-01T08:00:00.1Z"],
         "ba":["","AQI=",null],"ja":[{"a":[1,"x"]},null,2,null],
         "ea":["happy","sad",null],"pa":[1,2],"lb":{"lower_bounds":[2],"elements":[7,8]},"fa":["NaN","-Infinity",1.5],
         "p":5,"bo":[true,false,null],"n":["1.10","NaN"],"e":[]}
        """;

    private static void CreateTable(string table) => Psql($"""
        DO $$ BEGIN CREATE TYPE jvs_mood AS ENUM ('happy', 'sad'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN CREATE DOMAIN jvs_posint AS int4 CHECK (VALUE > 0); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        CREATE TABLE {table} (id int, tz timestamptz, ts timestamp, d date, tm time, ttz timetz, by bytea, ia int[], ta text[], tza timestamptz[],
          ba bytea[], ja jsonb[], ea jvs_mood[], pa jvs_posint[], lb int[], fa float8[], p jvs_posint, bo bool[], n numeric[], e text[],
          PRIMARY KEY (id, tz));
        ALTER TABLE {table} REPLICA IDENTITY FULL;
        INSERT INTO {table} VALUES (1, {Values});
        """);

    private static JsonObject Row(int id)
    {
        var row = JsonNode.Parse(Expected)!.AsObject();
        row.Insert(0, "id", id);
        return row;
    }

    /// <summary>Under REPLICA IDENTITY FULL every column is part of the key.</summary>
    private static JsonObject Key(int id) => Row(id);

    private static void AssertJson(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    private static async Task<string[]> WaitForLinesAsync(string path, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path) && File.ReadAllLines(path) is var lines && lines.Length >= count)
            {
                return lines;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{path} did not reach {count} lines");
        return [];
    }

    [ClusterFact]
    public async Task Version_2_values_read_back_alike_from_the_snapshot_and_the_binary_and_text_streams()
    {
        using var binaryScratch = new Scratch("jvs_values", slot: "jvs_values_bslot");
        using var textScratch = new Scratch("jvs_values", slot: "jvs_values_tslot");
        CreateTable(binaryScratch.Table);
        var binaryRun = await StartAsync(binaryScratch.Table, binaryScratch.Publication, binaryScratch.Dir, slot: binaryScratch.Slot, binary: true);
        var textRun = await StartAsync(textScratch.Table, textScratch.Publication, textScratch.Dir, slot: textScratch.Slot, binary: false);
        Assert.Contains("column values stream in binary", binaryRun.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("column values stream in binary", textRun.Log.ToString(), StringComparison.Ordinal);
        Psql($"""
            INSERT INTO {binaryScratch.Table} VALUES (2, {Values});
            UPDATE {binaryScratch.Table} SET id = 3 WHERE id = 2;
            DELETE FROM {binaryScratch.Table} WHERE id = 1;
            """);
        var binaryLines = await WaitForLinesAsync(binaryScratch.DataPath, 4);
        var textLines = await WaitForLinesAsync(textScratch.DataPath, 4);
        await binaryRun.StopAsync();
        await textRun.StopAsync();

        foreach (var lines in new[] { binaryLines, textLines })
        {
            Assert.Equal(4, lines.Length);
            var records = lines.Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
            Assert.Equal(["r", "c", "u", "d"], records.Select(r => (string)r["op"]!));
            AssertJson(Key(1), records[0]["key"]);
            AssertJson(Row(1), records[0]["after"]);
            AssertJson(Key(2), records[1]["key"]);
            AssertJson(Row(2), records[1]["after"]);
            AssertJson(Key(2), records[2]["key"]);
            AssertJson(Row(2), records[2]["before"]);
            AssertJson(Row(3), records[2]["after"]);
            AssertJson(Key(1), records[3]["key"]);
            AssertJson(Row(1), records[3]["before"]);
            Assert.Null(records[3]["after"]);
        }

        // Byte for byte alike, but for the snapshot's LSN (each slot has its own consistent point).
        Assert.Equal(textLines[1..], binaryLines[1..]);
        Assert.Equal(textLines[0][textLines[0].IndexOf("\"xid\"", StringComparison.Ordinal)..], binaryLines[0][binaryLines[0].IndexOf("\"xid\"", StringComparison.Ordinal)..]);
    }

    [ClusterFact]
    public async Task A_data_file_started_before_versions_were_recorded_goes_on_in_version_1()
    {
        using var scratch = new Scratch("jvs_old");
        Psql($"CREATE TABLE {scratch.Table} (id int PRIMARY KEY, tz timestamptz, by bytea, ia int[]); INSERT INTO {scratch.Table} VALUES (1, '2026-01-01 08:00:00.5+00', '\\x0102', '{{1,2}}')");
        var run = await StartAsync(scratch.Table, scratch.Publication, scratch.Dir);
        Psql($"INSERT INTO {scratch.Table} VALUES (2, '2026-01-01 08:00:00.5+00', '\\x0102', '{{1,2}}')");
        var lines = await WaitForLinesAsync(scratch.DataPath, 2);
        await run.StopAsync();
        const string v2 = "\"tz\":\"2026-01-01T08:00:00.5Z\",\"by\":\"AQI=\",\"ia\":[1,2]}";
        Assert.All(lines, l => Assert.EndsWith(v2 + "}", l, StringComparison.Ordinal));

        // The state as a run from before versions were recorded left it: a snapshot event without one.
        var statePath = Path.Combine(scratch.Dir, "lrepl-state.db");
        string persistenceId;
        using (var dir = LreplConfigDir.Open(scratch.Dir))
        {
            persistenceId = dir.PersistenceId("lrepl-" + scratch.Table);
        }

        using (var system = ActorSystem.Create("jvs-old-state", LreplRunner.PersistenceConfig(statePath)))
        {
            var ack = system.ActorOf(LsnAckActor.Props(persistenceId));
            var state = await ack.Ask<LreplState>(GetLreplState.Instance, TimeSpan.FromSeconds(30));
            Assert.Equal(JsonLineFormat.V2, state.JsonFormat);
            var rewritten = await ack.Ask<Persisted>(new SnapshotCompleted(state.CommitLsn, state.FileOffset, state.SnapshotRows, JsonFormat: 0), TimeSpan.FromSeconds(30));
            Assert.Equal(0, rewritten.State.JsonFormat);
            Assert.Equal(state.FileOffset, rewritten.State.FileOffset);

            // The snapshot event took the recorded flush position back to its own; restore it.
            rewritten = await ack.Ask<Persisted>(new Durable(state.CommitLsn, state.EndLsn, state.FileOffset, 0), TimeSpan.FromSeconds(30));
            Assert.Equal(state.EndLsn, rewritten.State.EndLsn);
            await system.Terminate();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        run = await StartAsync(scratch.Table, scratch.Publication, scratch.Dir);
        Assert.Contains("resuming", run.Log.ToString(), StringComparison.Ordinal);
        Psql($"INSERT INTO {scratch.Table} VALUES (3, '2026-01-01 08:00:00.5+00', '\\x0102', '{{1,2}}')");
        lines = await WaitForLinesAsync(scratch.DataPath, 3);
        await run.StopAsync();
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("\"after\":{\"id\":3,\"tz\":\"2026-01-01 08:00:00.5+00\",\"by\":\"\\\\x0102\",\"ia\":\"{1,2}\"}}", lines[2], StringComparison.Ordinal);

        // A restart keeps version 1: it is the state's, not the run's.
        run = await StartAsync(scratch.Table, scratch.Publication, scratch.Dir);
        Psql($"INSERT INTO {scratch.Table} VALUES (4, '2026-01-01 08:00:00.5+00', '\\x0102', '{{1,2}}')");
        lines = await WaitForLinesAsync(scratch.DataPath, 4);
        await run.StopAsync();
        Assert.EndsWith("\"after\":{\"id\":4,\"tz\":\"2026-01-01 08:00:00.5+00\",\"by\":\"\\\\x0102\",\"ia\":\"{1,2}\"}}", lines[3], StringComparison.Ordinal);
    }
}
