using PgWire.Protocol.Replication;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

public sealed class LreplSigtermTests
{
    private static string Scalar(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
        return stdout.Trim();
    }

    [ClusterFact]
    public async Task Sigterm_leaves_the_slot_confirmed_up_to_the_last_written_commit()
    {
        var table = "lrterm_" + Guid.NewGuid().ToString("N")[..8];
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-" + table);
        Directory.CreateDirectory(dir);
        Scalar($"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} VALUES (1, 'a')");
        try
        {
            using var process = LreplProcess.Start([.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication"]);
            Assert.True(await process.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), process.Stderr);
            await Task.Delay(500);
            var before = Lsn.Parse(Scalar("SELECT pg_current_wal_insert_lsn()"));
            Scalar($"INSERT INTO {table} VALUES (2, 'b'), (3, 'c')");
            var path = Path.Combine(dir, table + ".data");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline && File.ReadAllLines(path).Length < 3)
            {
                await Task.Delay(50);
            }

            Assert.Equal(3, File.ReadAllLines(path).Length);
            Assert.Equal(0, await process.TerminateAsync(TimeSpan.FromSeconds(30)));
            var confirmed = Lsn.Parse(Scalar($"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{table}_slot'"));
            Assert.True(confirmed > before, $"confirmed_flush_lsn {confirmed} is not past the last commit (inserted after {before})");
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'");
            TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
            Directory.Delete(dir, true);
        }
    }
}
