using System.Globalization;
using PgWire.Host.Lrepl;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

public sealed class LreplCommandTests
{

    private static string[] Args(string table, string pub, string dir, string password = TestCluster.SuperUserPassword, params string[] extra) =>
    [
        "-u", TestCluster.SuperUser, "-P", password, "-H", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture),
        "-d", TestCluster.Database, "-t", table, "-L", pub, "-c", dir, .. extra,
    ];

    private static async Task<(int Code, string Stderr)> RunAsync(string[] args, Func<string, bool>? stopWhen = null)
    {
        var writer = new StringWriter();
        var stderr = TextWriter.Synchronized(writer);
        using var cts = new CancellationTokenSource();
        var task = LreplCommand.RunAsync(args, stderr, new EmptyEnvironment(), cts.Token);
        if (stopWhen is not null)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!task.IsCompleted && DateTime.UtcNow < deadline && !stopWhen(writer.ToString()))
            {
                await Task.Delay(100);
            }

            await cts.CancelAsync();
        }

        var code = await task.WaitAsync(TimeSpan.FromSeconds(90));
        return (code, writer.ToString());
    }

    [Fact]
    public void Parse_applies_defaults_and_slot_name()
    {
        var options = LreplCommand.Parse(["-t", "orders", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!;
        Assert.Equal("postgres", options.Connection["user"]);
        Assert.Equal("127.0.0.1", options.Connection["host"]);
        Assert.Equal("5432", options.Connection["port"]);
        Assert.Equal("postgres", options.Connection["dbname"]);
        Assert.Equal("orders_slot", options.SlotName);
        Assert.Equal(Path.Combine("/tmp/x", "orders.data"), options.DataPath);
        Assert.Null(LreplCommand.Parse(["-h"], new EmptyEnvironment()));

        // -U and --username as pg_recvlogical and psql spell them, -u and --user as well.
        foreach (var flag in new[] { "-U", "-u", "--username", "--user" })
        {
            Assert.Equal("alice", LreplCommand.Parse([flag, "alice", "-t", "orders", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!.Connection["user"]);
        }

        var quoted = LreplCommand.Parse(["-t", "\"Sales\".\"Big \"\"Q\"\"\"", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!;
        Assert.Equal("Sales.Big \"Q\"", quoted.PlainTableName);
        Assert.Equal(Path.Combine("/tmp/x", "Sales.Big%20%22Q%22.data"), quoted.DataPath);
        Assert.Equal("sales_big__q__slot", quoted.SlotName);
        Assert.Equal("sales.orders", LreplCommand.Parse(["-t", "Sales.Orders", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!.PlainTableName);

        // Several tables: -t repeated and comma lists; the first names the slot.
        var several = LreplCommand.Parse(["-t", "orders, customers", "-t", "\"a,b\"", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!;
        Assert.Equal(["orders", "customers", "\"a,b\""], several.Tables);
        Assert.Equal("orders", several.Table);
        Assert.Equal("orders_slot", several.SlotName);
        var all = LreplCommand.Parse(["--all-tables", "-L", "pub", "-c", "/tmp/x"], new EmptyEnvironment())!;
        Assert.True(all.AllTables);
    }

    [Fact]
    public async Task Bad_arguments_exit_with_2()
    {
        var (code, stderr) = await RunAsync(["-t", "x", "-c", "/tmp/x"]);
        Assert.Equal(2, code);
        Assert.Contains("--publication is required", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-L", "p", "-c", "/tmp/x"]);
        Assert.Equal(2, code);
        Assert.Contains("--table (or --all-tables) is required", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", ",", "-L", "p", "-c", "/tmp/x"]);
        Assert.Equal(2, code);
        Assert.Contains("names no table", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "--all-tables", "-L", "p", "-c", "/tmp/x"]);
        Assert.Equal(2, code);
        Assert.Contains("leave out --table", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "-L", "p", "-c", "/tmp/x", "--format", "xml"]);
        Assert.Equal(2, code);
        Assert.Contains("unsupported format", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "-L", "p", "-c", "/tmp/x", "--sink", "kafka"]);
        Assert.Equal(2, code);
        Assert.Contains("unsupported sink \"kafka\" (file or iceberg)", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "-L", "p", "-c", "/tmp/x", "--commit-interval", "1s"]);
        Assert.Equal(2, code);
        Assert.Contains("go with --sink iceberg", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "-L", "p", "-c", "/tmp/x", "--sink", "iceberg", "--commit-interval", "soon"]);
        Assert.Equal(2, code);
        Assert.Contains("--commit-interval: \"soon\" is not a duration", stderr, StringComparison.Ordinal);
        (code, stderr) = await RunAsync(["-t", "x", "-L", "p", "-c", "/tmp/x", "--sink", "iceberg", "--format", "csv"]);
        Assert.Equal(2, code);
        Assert.Contains("--format is for the data file", stderr, StringComparison.Ordinal);
        Assert.NotNull(LreplCommand.Parse(["-t", "x", "-L", "p", "-c", "/tmp/x", "--sink", "file"], new EmptyEnvironment()));
        var iceberg = LreplCommand.Parse(["-t", "x", "-L", "p", "-c", "/tmp/x", "--sink", "iceberg", "--commit-interval", "500ms", "--iceberg-config", "ice.env", "--iceberg-replace"], new EmptyEnvironment())!;
        Assert.Equal(PgWire.Actors.Replication.LreplSink.Iceberg, iceberg.Sink);
        Assert.Equal(TimeSpan.FromMilliseconds(500), iceberg.CommitInterval);
        Assert.Equal(Path.GetFullPath("ice.env"), iceberg.IcebergConfigFile);
        Assert.True(iceberg.IcebergReplace);
    }

    [ClusterFact]
    public async Task Errors_are_one_clear_line_and_keep_the_state()
    {
        const string table = "lr_cli";
        const string pub = "lr_cli_pub";
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-cli-" + Guid.NewGuid().ToString("N"));
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot('lr_cli_slot') FROM pg_replication_slots WHERE slot_name = 'lr_cli_slot'; DROP PUBLICATION IF EXISTS {pub}; DROP PUBLICATION IF EXISTS lr_cli_other_pub; DROP VIEW IF EXISTS lr_cli_view; DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS lr_cli_nopub");
        TestCluster.RunPsql("-X", "-q", "-c", $"CREATE TABLE {table} (id int PRIMARY KEY, v text); INSERT INTO {table} VALUES (1, 'a'); CREATE TABLE lr_cli_nopub (id int PRIMARY KEY)");
        try
        {
            var (code, stderr) = await RunAsync(Args("lr_cli_missing", pub, dir));
            Assert.Equal(1, code);
            Assert.Equal("pgwire lrepl: table \"lr_cli_missing\" does not exist", stderr.Trim());

            TestCluster.RunPsql("-X", "-q", "-c", $"CREATE VIEW lr_cli_view AS SELECT * FROM {table}");
            (code, stderr) = await RunAsync(Args("lr_cli_view", pub, dir));
            Assert.Equal(1, code);
            Assert.Equal("pgwire lrepl: \"lr_cli_view\" is a view; logical replication publishes tables only", stderr.Trim());

            (code, stderr) = await RunAsync(Args("lr_cli_nopub", "lr_cli_nopub_pub", dir));
            Assert.Equal(1, code);
            Assert.StartsWith("pgwire lrepl: publication \"lr_cli_nopub_pub\" does not exist", stderr.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain('\n', stderr.Trim());

            // A publication that exists but publishes another table.
            TestCluster.RunPsql("-X", "-q", "-c", "CREATE PUBLICATION lr_cli_other_pub FOR TABLE lr_cli_nopub");
            (code, stderr) = await RunAsync(Args(table, "lr_cli_other_pub", dir));
            Assert.Equal(1, code);
            Assert.Equal("pgwire lrepl: publication \"lr_cli_other_pub\" does not include table \"public\".\"lr_cli\" (ALTER PUBLICATION \"lr_cli_other_pub\" ADD TABLE \"public\".\"lr_cli\")", stderr.Trim());
            Assert.Empty(TestCluster.RunPsql("-X", "-At", "-c", "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'lr_cli_slot'").Stdout.Trim());

            (code, stderr) = await RunAsync(Args(table, pub, dir, TestCluster.SuperUserPassword, "--create-publication"), s => s.Contains("done:", StringComparison.Ordinal));
            Assert.True(code == 0, stderr);
            Assert.Contains("snapshot of \"public\".\"lr_cli\" done: 1 rows", stderr, StringComparison.Ordinal);

            (code, stderr) = await RunAsync(Args(table, pub, dir, "wrong-password"));
            Assert.Equal(1, code);
            Assert.Contains("password authentication failed", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', stderr.Trim());

            TestCluster.RunPsql("-X", "-q", "-c", $"INSERT INTO {table} VALUES (2, 'b')");
            (code, stderr) = await RunAsync(Args(table, pub, dir), s => s.Contains("changes streamed 1", StringComparison.Ordinal));
            Assert.True(code == 0, stderr);
            Assert.Contains("resuming", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("created slot", stderr, StringComparison.Ordinal);
            var lines = File.ReadAllLines(Path.Combine(dir, table + ".data"));
            Assert.Equal(2, lines.Length);
            Assert.Contains("\"op\":\"c\"", lines[1], StringComparison.Ordinal);
            Assert.Contains("\"after\":{\"id\":2,\"v\":\"b\"}", lines[1], StringComparison.Ordinal);
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot('lr_cli_slot') FROM pg_replication_slots WHERE slot_name = 'lr_cli_slot'; DROP PUBLICATION IF EXISTS {pub}; DROP PUBLICATION IF EXISTS lr_cli_other_pub; DROP VIEW IF EXISTS lr_cli_view; DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS lr_cli_nopub");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [ClusterFact]
    public async Task Connections_begun_while_the_actor_system_starts_fail_as_before_and_create_nothing()
    {
        // The connections get under way before the actor system is up and before anything is
        // checked; whatever goes wrong with them is reported as it always was, and nothing (slot,
        // publication) is left behind.
        const string table = "lr_early";
        const string pub = "lr_early_pub";
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-early-" + Guid.NewGuid().ToString("N"));
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot('lr_early_slot') FROM pg_replication_slots WHERE slot_name = 'lr_early_slot'; DROP PUBLICATION IF EXISTS {pub}; DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY); INSERT INTO {table} VALUES (1)");
        void AssertNothingCreated()
        {
            Assert.Empty(TestCluster.RunPsql("-X", "-At", "-c", "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'lr_early_slot'").Stdout.Trim());
            Assert.Empty(TestCluster.RunPsql("-X", "-At", "-c", $"SELECT pubname FROM pg_publication WHERE pubname = '{pub}'").Stdout.Trim());
            Assert.False(File.Exists(Path.Combine(dir, table + ".data")));
        }

        try
        {
            // Nothing listens on the port: refused before any actor exists.
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var closed = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var args = Args(table, pub, dir, TestCluster.SuperUserPassword, "--create-publication");
            args[Array.IndexOf(args, "-p") + 1] = closed.ToString(CultureInfo.InvariantCulture);
            var (code, stderr) = await RunAsync(args);
            Assert.Equal(1, code);
            // As libpq (and so psql) words it, hint line included.
            Assert.Equal($"pgwire lrepl: connection to server at \"{TestCluster.Host}\", port {closed} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?", stderr.Trim());
            AssertNothingCreated();

            // The server answers, the startup message is sent early, the password is wrong.
            (code, stderr) = await RunAsync(Args(table, pub, dir, "wrong-password", "--create-publication"));
            Assert.Equal(1, code);
            Assert.StartsWith("pgwire lrepl: connection to server at", stderr.Trim(), StringComparison.Ordinal);
            Assert.Contains("password authentication failed for user \"postgres\"", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', stderr.Trim());
            AssertNothingCreated();

            // The config dir is held by another run: refused before anything reaches the server.
            using (var held = PgWire.Actors.Replication.LreplConfigDir.Open(dir))
            {
                (code, stderr) = await RunAsync(Args(table, pub, dir, TestCluster.SuperUserPassword, "--create-publication"));
            }

            Assert.Equal(1, code);
            Assert.Equal($"pgwire lrepl: config dir {dir} is in use by another lrepl process (it holds {Path.Combine(dir, "lrepl.lock")}); one config dir serves one process at a time", stderr.Trim());
            AssertNothingCreated();

            // And a run that can connect takes its snapshot as before.
            (code, stderr) = await RunAsync(Args(table, pub, dir, TestCluster.SuperUserPassword, "--create-publication"), s => s.Contains("done:", StringComparison.Ordinal));
            Assert.True(code == 0, stderr);
            Assert.Contains("snapshot of \"public\".\"lr_early\" done: 1 rows", stderr, StringComparison.Ordinal);
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot('lr_early_slot') FROM pg_replication_slots WHERE slot_name = 'lr_early_slot'; DROP PUBLICATION IF EXISTS {pub}; DROP TABLE IF EXISTS {table}");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [ClusterFact]
    public async Task A_table_without_a_usable_replica_identity_is_refused_in_one_line()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-noident-" + Guid.NewGuid().ToString("N"));
        TestCluster.RunPsql("-X", "-q", "-c", "DROP PUBLICATION IF EXISTS lr_noident_pub; DROP TABLE IF EXISTS lr_noident; DROP TABLE IF EXISTS lr_nothing");
        TestCluster.RunPsql("-X", "-q", "-c", "CREATE TABLE lr_noident (id int, v text); CREATE TABLE lr_nothing (id int PRIMARY KEY); ALTER TABLE lr_nothing REPLICA IDENTITY NOTHING");
        try
        {
            foreach (var table in new[] { "lr_noident", "lr_nothing" })
            {
                var (code, stderr) = await RunAsync(Args(table, "lr_noident_pub", dir, TestCluster.SuperUserPassword, "--create-publication"));
                Assert.Equal(1, code);
                Assert.Equal($"pgwire lrepl: table \"public\".\"{table}\" has no usable replica identity (add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL or USING INDEX)", stderr.Trim());
                Assert.Empty(TestCluster.RunPsql("-X", "-At", "-c", $"SELECT slot_name FROM pg_replication_slots WHERE slot_name = '{table}_slot'").Stdout.Trim());
            }
        }
        finally
        {
            TestCluster.RunPsql("-X", "-q", "-c", "DROP PUBLICATION IF EXISTS lr_noident_pub; DROP TABLE IF EXISTS lr_noident; DROP TABLE IF EXISTS lr_nothing");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [ClusterFact]
    public async Task A_server_without_logical_wal_is_refused_in_one_line()
    {
        // A second, short-lived server with the default wal_level (replica): initdb refuses root,
        // so it runs as the postgres user like the main test cluster.
        var bin = TestCluster.BinDir ?? "/usr/lib/postgresql/15/bin";
        var root = Path.Combine(Path.GetTempPath(), "lrepl-replica-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        void Run(params string[] command)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(asRoot ? "runuser" : command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (asRoot)
            {
                foreach (var a in new[] { "-u", "postgres", "--" })
                {
                    psi.ArgumentList.Add(a);
                }

                psi.ArgumentList.Add(command[0]);
            }

            foreach (var a in command.Skip(1))
            {
                psi.ArgumentList.Add(a);
            }

            using var p = System.Diagnostics.Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }

        if (asRoot)
        {
            System.Diagnostics.Process.Start("chown", ["postgres", root])!.WaitForExit();
        }

        // A port free now, not one at a fixed distance from the test cluster's: the standby tests
        // running beside this one take free ports too, and one of them took that one once.
        var port = TestCluster.FreePort();
        var data = Path.Combine(root, "data");
        try
        {
            Run(Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync");
            Run(Path.Combine(bin, "pg_ctl"), "-D", data, "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c wal_level=replica -c fsync=off", "-l", Path.Combine(root, "log"), "-w", "start");
            var args = new[] { "-u", "postgres", "-P", "x", "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-d", "postgres", "-t", "t", "-L", "p", "-c", Path.Combine(root, "cfg") };
            var (code, stderr) = await RunAsync(args);
            Assert.Equal(1, code);
            Assert.Equal("pgwire lrepl: wal_level is 'replica'; logical replication needs wal_level = logical (ALTER SYSTEM SET wal_level = logical, then restart the server)", stderr.Trim());
        }
        finally
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop");
            }
            catch (Exception)
            {
                // not started
            }

            Directory.Delete(root, true);
        }
    }
}
