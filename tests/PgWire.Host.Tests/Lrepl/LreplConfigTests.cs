using PgWire.Actors.Replication;
using PgWire.Host.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

public sealed class LreplConfigTests
{
    private static string WriteConfig(string hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), "lrepl-conf-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(path, hocon);
        return path;
    }

    [Fact]
    public void Defaults_come_from_reference_conf()
    {
        var options = LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x"], null)!;
        Assert.Equal(TimeSpan.FromSeconds(5), options.ProgressInterval);
        Assert.Equal(LreplFormat.JsonLines, options.Format);
        Assert.Equal("SQLite.MS", options.StateProvider);
        Assert.Null(options.StateConnectionString);
        Assert.Equal(100, options.StateSnapshotEvery);
        Assert.True(options.Binary);
        Assert.Null(options.ProtocolVersion);
    }

    [Fact]
    public void Config_files_akka_keys_reach_the_runs_actor_system_under_lrepls_own()
    {
        var path = WriteConfig("""
            pgwire.lrepl.progress-interval = 2s
            akka {
              loglevel = DEBUG
              scheduler.tick-duration = 20ms
              persistence.journal.sql.connection-string = "Data Source=/elsewhere.db"
              persistence.journal.sql.table-mapping = sqlite
            }
            """);
        try
        {
            var options = LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path], null)!;
            var config = LreplRunner.SystemConfig(options);
            Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
            Assert.Equal(TimeSpan.FromMilliseconds(20), config.GetTimeSpan("akka.scheduler.tick-duration"));
            Assert.Equal("sqlite", config.GetString("akka.persistence.journal.sql.table-mapping"));
            // The journal lrepl reads and writes, its log and Akka's quiet standard output stay lrepl's.
            Assert.Equal("Data Source=" + options.StatePath, config.GetString("akka.persistence.journal.sql.connection-string"));
            Assert.Equal(options.LogPath, config.GetString("pgwire.lrepl.log-file"));
            Assert.Equal("OFF", config.GetString("akka.stdout-loglevel"));
            Assert.Equal(TimeSpan.FromSeconds(2), options.ProgressInterval);

            // Without --config, or a file without akka keys: lrepl's defaults.
            var plain = LreplRunner.SystemConfig(LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x"], null)!);
            Assert.Equal("WARNING", plain.GetString("akka.loglevel"));
            Assert.Equal(TimeSpan.FromMilliseconds(100), plain.GetTimeSpan("akka.scheduler.tick-duration"));
            File.WriteAllText(path, "pgwire.lrepl.progress-interval = 2s\n");
            Assert.Null(LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path], null)!.SystemConfig);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Config_file_sets_every_key_and_flags_win()
    {
        var path = WriteConfig("""
            pgwire.lrepl {
              progress-interval = 250ms
              format = csv
              binary = off
              protocol-version = 1
              state {
                provider = "PostgreSQL.15"
                connection-string = "Host=db;Username=u"
                persistence-id = "orders-east"
                snapshot-every = 7
              }
            }
            """);
        try
        {
            var options = LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path], null)!;
            Assert.Equal(TimeSpan.FromMilliseconds(250), options.ProgressInterval);
            Assert.Equal(LreplFormat.Csv, options.Format);
            Assert.Equal("PostgreSQL.15", options.StateProvider);
            Assert.Equal("Host=db;Username=u", options.StateConnectionString);
            Assert.Equal("orders-east", options.StateId);
            Assert.Equal(7, options.StateSnapshotEvery);
            Assert.False(options.Binary);
            Assert.Equal(1, options.ProtocolVersion);
            Assert.Equal(LreplFormat.JsonLines, LreplCommand.Parse(["--config", path, "--format", "jsonl", "-t", "t", "-L", "p", "-c", "/tmp/x"], null)!.Format);
            var hocon = LreplRunner.PersistenceConfig(options);
            Assert.Equal("PostgreSQL.15", hocon.GetString("akka.persistence.journal.sql.provider-name"));
            Assert.Equal("Host=db;Username=u", hocon.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_config_values_are_argument_errors()
    {
        var path = WriteConfig("pgwire.lrepl.format = xml");
        try
        {
            var ex = Assert.Throws<ArgumentException>(() => LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path], null));
            Assert.Contains("pgwire.lrepl.format", ex.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path + ".missing"], null));
            File.WriteAllText(path, "pgwire.lrepl.protocol-version = 5");
            ex = Assert.Throws<ArgumentException>(() => LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--config", path], null));
            Assert.Contains("pgwire.lrepl.protocol-version", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ClusterFact]
    public async Task State_in_postgresql_survives_a_kill()
    {
        const string table = "lr_proc_pgstate";
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'; DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-pgstate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var id = "lrepl-test-" + Guid.NewGuid().ToString("N");
        var conf = Path.Combine(dir, "lrepl.conf");
        File.WriteAllText(conf, $$"""
            pgwire.lrepl {
              progress-interval = 1s
              state {
                provider = "PostgreSQL.15"
                connection-string = "{{TestCluster.ConnString(TestCluster.SuperUser, TestCluster.SuperUserPassword)}}"
                persistence-id = "{{id}}"
                snapshot-every = 5
              }
            }
            """);
        var workload = new LreplWorkload(table, 5);
        TestCluster.RunPsql("-X", "-q", "-c", workload.CreateSql(20));
        List<string> args = [.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication", "--config", conf];
        try
        {
            using (var first = LreplProcess.Start(args))
            {
                Assert.True(await first.WaitForStderrAsync(" done: ", TimeSpan.FromSeconds(60)), first.Stderr);
                Assert.True(workload.RunBatch(20, 0));
                await Task.Delay(1500);
                first.KillHard();
            }

            Assert.False(File.Exists(Path.Combine(dir, "lrepl-state.db")));
            Assert.True(workload.RunBatch(20, 0));
            using var second = LreplProcess.Start(args);
            Assert.True(await second.WaitForStderrAsync("resuming", TimeSpan.FromSeconds(60)), second.Stderr);
            var expected = LreplWorkload.TableRows(table);
            var path = Path.Combine(dir, table + ".data");
            var actual = new List<string>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline && !actual.SequenceEqual(expected))
            {
                await Task.Delay(250);
                actual = LreplWorkload.ReplayJson(path, out _);
            }

            Assert.Equal(expected, actual);
            Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(20 + workload.Changes, File.ReadAllLines(path).Length);
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'; DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
            Directory.Delete(dir, true);
        }
    }

    [ClusterTheory]
    [InlineData("Host=127.0.0.1;Port=1;Database=nowhere;Username=lrepl;Password=state-secret", "Connection refused")]
    [InlineData("WRONG_PASSWORD", "password authentication failed")]
    public async Task A_state_store_that_cannot_be_used_is_one_line_before_anything_is_created(string connection, string reason)
    {
        const string table = "lr_proc_badstate";
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'; DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY)");
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-badstate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        if (connection == "WRONG_PASSWORD")
        {
            connection = TestCluster.ConnString(TestCluster.SuperUser, "state-secret");
        }

        var conf = Path.Combine(dir, "lrepl.conf");
        File.WriteAllText(conf, $$"""
            pgwire.lrepl.state {
              provider = "PostgreSQL.15"
              connection-string = "{{connection}}"
            }
            """);
        try
        {
            using var run = LreplProcess.Start([.. LreplProcess.Arguments(table, table + "_pub", dir), "--create-publication", "--config", conf]);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, code);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
            var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var line = Assert.Single(lines, l => l.Contains("state store", StringComparison.Ordinal));
            Assert.Contains(reason, line, StringComparison.Ordinal);
            Assert.DoesNotContain("state-secret", run.Stderr, StringComparison.Ordinal);
            Assert.Equal("0", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim());
            Assert.Equal("0", TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_publication WHERE pubname = '{table}_pub'").Stdout.Trim());
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot'; DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
            Directory.Delete(dir, true);
        }
    }
}
