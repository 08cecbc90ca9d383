using System.Text.Json;
using System.Text.Json.Nodes;
using PgWire.Actors.Replication;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

public sealed class CsvProcessTests
{
    private static void Cleanup(string table)
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'");
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
    }

    private static List<string> TableRows(string table)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", $"SELECT json_build_array(id::text, v, n::text, note)::text FROM {table}");
        Assert.True(code == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.ToJsonString()).Order(StringComparer.Ordinal)];
    }

    /// <summary>Applies the CSV records by key (id); checks one header and no repeated (lsn, op, key).</summary>
    private static List<string> Replay(string path)
    {
        var records = CsvLineEncoder.ReadRecords(File.ReadAllText(path));
        Assert.Equal(["op", "lsn", "id", "v", "n", "note"], records[0]);
        var rows = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var order = new ChangeReplay.LsnOrder();
        for (var i = 1; i < records.Count; i++)
        {
            var r = records[i];
            Assert.Equal(6, r.Count);
            var (op, lsn, key) = (r[0]!, r[1]!, r[2] ?? "");
            Assert.NotEqual("op", op);
            if (op != "r")
            {
                order.Next(lsn, i);
                Assert.True(seen.Add(lsn + " " + op + " " + key), $"record {i}: ({lsn}, {op}, {key}) twice");
            }

            switch (op)
            {
                case "r":
                case "c":
                case "u":
                    Assert.True(op != "c" || !rows.ContainsKey(key), $"record {i}: insert of existing {key}");
                    Assert.True(op != "u" || rows.ContainsKey(key), $"record {i}: update of missing {key}");
                    rows[key] = [.. r.Skip(2)];
                    break;
                case "d":
                    Assert.True(rows.Remove(key), $"record {i}: delete of missing {key}");
                    break;
                case "t":
                    rows.Clear();
                    break;
                default:
                    Assert.Fail("unknown op " + op);
                    break;
            }
        }

        return [.. rows.Values.Select(v => JsonSerializer.Serialize(v)).Select(s => JsonNode.Parse(s)!.ToJsonString()).Order(StringComparer.Ordinal)];
    }

    [ClusterFact]
    public async Task Csv_output_replays_to_the_table_across_kills_with_one_header()
    {
        const string table = "lr_proc_csv";
        Cleanup(table);
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-csv-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(dir, table + ".data");
        var workload = new LreplWorkload(table, 99);
        TestCluster.RunPsql("-X", "-q", "-c", workload.CreateSql(50));
        List<string> args = [.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication", "--format", "csv"];
        try
        {
            using (var first = LreplProcess.Start(args))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(30)), first.Stderr);
                Assert.True(workload.RunBatch(30, 0));
                await Task.Delay(1500);
                first.KillHard();
            }

            Assert.StartsWith("op,lsn,id,v,n,note\r\n", File.ReadAllText(path), StringComparison.Ordinal);
            for (var i = 0; i < 3; i++)
            {
                using var again = LreplProcess.Start(args);
                Assert.True(workload.RunBatch(20, 0.01));
                await Task.Delay(700 + (i * 400));
                again.KillHard();
            }

            using var last = LreplProcess.Start(args);
            Assert.True(await last.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(30)), last.Stderr);

            // The last killed run may have written every change already: these reach the file only
            // through this run's stream, so it is streaming once the file matches.
            Assert.True(workload.RunBatch(5, 0));
            var expected = TableRows(table);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
            var actual = new List<string>();
            while (DateTime.UtcNow < deadline && !last.HasExited)
            {
                try
                {
                    actual = Replay(path);
                }
                catch (Xunit.Sdk.XunitException)
                {
                    // Read while the running process appends a batch: its last record may be cut in the
                    // middle. The file is checked whole once the process has stopped (below).
                    await Task.Delay(250);
                    continue;
                }

                if (actual.SequenceEqual(expected))
                {
                    break;
                }

                await Task.Delay(250);
            }

            Assert.Equal(expected, actual);

            // One record per snapshot row and per change, two for an update that moved the key.
            Assert.True(workload.Exact);
            Assert.Equal(50 + workload.Changes + workload.KeyChanges, CsvLineEncoder.ReadRecords(File.ReadAllText(path)).Count - 1);
            var exit = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, last.Stderr);
            Assert.Contains("stopped;", last.Stderr, StringComparison.Ordinal);
            Assert.Equal(expected, Replay(path));

            var (code, stderr) = (0, "");
            using (var wrong = LreplProcess.Start([.. LreplProcess.Arguments(table, table + "_pub", dir)]))
            {
                code = await wrong.WaitForExitAsync(TimeSpan.FromSeconds(30));
                stderr = wrong.Stderr;
            }

            Assert.Equal(1, code);
            Assert.Contains("is CSV; pass --format csv", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Cleanup(table);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
