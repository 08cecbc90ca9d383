using System.Globalization;
using PgWire.Host.Lrepl;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>Password sources, host names and TLS options of pgwire lrepl.</summary>
public sealed class LreplConnectionTests
{
    private sealed class FakeEnvironment : ISettingsEnvironment
    {
        public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);
        public string? GetVariable(string name) => Variables.GetValueOrDefault(name);
        public string? HomeDirectory { get; init; }
        public string? CurrentOsUser => "nobody";
        public bool IsWindows => false;
        public bool FileExists(string path) => File.Exists(path);
        public bool DirectoryExists(string path) => Directory.Exists(path);
        public string ReadAllText(string path) => File.ReadAllText(path);
        public UnixFileMode? GetMode(string path) => OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
    }

    private const string Table = "lr_conn";

    private static async Task<(int Code, string Stderr)> RunAsync(FakeEnvironment environment, params string[] extra)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-conn-" + Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "-u", TestCluster.SuperUser, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture),
            "-d", TestCluster.Database, "-t", Table, "-L", Table + "_pub", "-c", dir, "--create-publication", .. extra,
        ];
        var writer = new StringWriter();
        var stderr = TextWriter.Synchronized(writer);
        using var cts = new CancellationTokenSource();
        try
        {
            var task = LreplCommand.RunAsync(args, stderr, environment, cts.Token);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!task.IsCompleted && DateTime.UtcNow < deadline && !writer.ToString().Contains(" done: ", StringComparison.Ordinal))
            {
                await Task.Delay(100);
            }

            await cts.CancelAsync();
            var code = await task.WaitAsync(TimeSpan.FromSeconds(60));
            return (code, writer.ToString());
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                // What a user does with a config dir that is done with: its slot is dropped with it.
                string[] drop =
                [
                    "-u", TestCluster.SuperUser, "-P", TestCluster.SuperUserPassword, "-H", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture),
                    "-d", TestCluster.Database, "-t", Table, "-c", dir, "--drop",
                ];
                var dropLog = new StringWriter();
                Assert.True(await LreplCommand.RunAsync(drop, dropLog, new FakeEnvironment(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)) == 0, dropLog.ToString());
                Directory.Delete(dir, true);
            }
        }
    }

    private static void Reset()
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Table}_slot'; DROP PUBLICATION IF EXISTS {Table}_pub; DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (id int PRIMARY KEY); INSERT INTO {Table} VALUES (1)");
    }

    [Fact]
    public void Tls_flags_reach_the_connection_keywords()
    {
        var options = LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x", "--sslmode", "verify-full", "--sslrootcert=/etc/ca.pem"], null)!;
        Assert.Equal("verify-full", options.Connection["sslmode"]);
        Assert.Equal("/etc/ca.pem", options.Connection["sslrootcert"]);
        Assert.False(LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x"], null)!.Connection.ContainsKey("sslmode"));
    }

    [Fact]
    public void Service_certificate_and_target_flags_reach_the_connection_keywords()
    {
        var options = LreplCommand.Parse(
            ["-t", "t", "-L", "p", "-c", "/tmp/x", "--service", "cdc", "--sslcert=/c.crt", "--sslkey", "/c.key", "--target-session-attrs", "read-write", "-H", "a,b", "-p", "5432,5433"],
            null)!;
        Assert.Equal("cdc", options.Connection["service"]);
        Assert.Equal("/c.crt", options.Connection["sslcert"]);
        Assert.Equal("/c.key", options.Connection["sslkey"]);
        Assert.Equal("read-write", options.Connection["target_session_attrs"]);
        Assert.Equal("a,b", options.Connection["host"]);
        Assert.Equal("5432,5433", options.Connection["port"]);

        // A service leaves out lrepl's own defaults, so that the service's values count.
        Assert.Null(options.Connection["user"]);
        Assert.Null(options.Connection["dbname"]);
        var plain = LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x"], new FakeEnvironment())!;
        Assert.Equal("postgres", plain.Connection["user"]);
        Assert.Equal("127.0.0.1", plain.Connection["host"]);
        var env = new FakeEnvironment();
        env.Variables["PGSERVICE"] = "cdc";
        Assert.Null(LreplCommand.Parse(["-t", "t", "-L", "p", "-c", "/tmp/x"], env)!.Connection["host"]);
    }

    [ClusterFact]
    public async Task A_service_supplies_host_and_password()
    {
        Reset();
        var file = Path.Combine(Path.GetTempPath(), "lrepl-service-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, $"[cdc]\nhost={TestCluster.Host}\npassword={TestCluster.SuperUserPassword}\n");
        try
        {
            var env = new FakeEnvironment();
            env.Variables["PGSERVICEFILE"] = file;
            var (code, stderr) = await RunAsync(env, "--service", "cdc");
            Assert.True(code == 0 && stderr.Contains(" done: ", StringComparison.Ordinal), stderr);

            (code, stderr) = await RunAsync(env, "--service", "other");
            Assert.Equal(1, code);
            Assert.Contains("definition of service \"other\" not found", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [ClusterFact]
    public async Task Password_from_PGPASSWORD_and_pgpass_when_no_flag()
    {
        Reset();
        var home = Path.Combine(Path.GetTempPath(), "lrepl-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        try
        {
            var env = new FakeEnvironment { HomeDirectory = home };
            env.Variables["PGPASSWORD"] = TestCluster.SuperUserPassword;
            var (code, stderr) = await RunAsync(env, "-H", TestCluster.Host);
            Assert.True(code == 0 && stderr.Contains(" done: ", StringComparison.Ordinal), stderr);

            var (noPassword, noPasswordErr) = await RunAsync(new FakeEnvironment { HomeDirectory = home }, "-H", TestCluster.Host);
            Assert.Equal(1, noPassword);
            Assert.Contains("password", noPasswordErr, StringComparison.OrdinalIgnoreCase);

            var pgpass = Path.Combine(home, ".pgpass");
            File.WriteAllText(pgpass, $"*:{TestCluster.Port}:*:{TestCluster.SuperUser}:{TestCluster.SuperUserPassword}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            (code, stderr) = await RunAsync(new FakeEnvironment { HomeDirectory = home }, "-H", TestCluster.Host);
            Assert.True(code == 0 && stderr.Contains(" done: ", StringComparison.Ordinal), stderr);
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    [ClusterFact]
    public async Task Host_name_and_verified_tls()
    {
        Reset();
        Assert.NotNull(TestCluster.CaPath);
        var (code, stderr) = await RunAsync(new FakeEnvironment(), "-H", "localhost", "-P", TestCluster.SuperUserPassword, "--sslmode", "verify-ca", "--sslrootcert", TestCluster.CaPath!);
        Assert.True(code == 0 && stderr.Contains(" done: ", StringComparison.Ordinal), stderr);

        var env = new FakeEnvironment();
        env.Variables["PGSSLMODE"] = "verify-ca";
        env.Variables["PGSSLROOTCERT"] = "/nonexistent/ca.crt";
        (code, stderr) = await RunAsync(env, "-H", "localhost", "-P", TestCluster.SuperUserPassword);
        Assert.Equal(1, code);
        Assert.StartsWith("pgwire lrepl: connection to server at \"localhost\"", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', stderr.Trim());

        (code, stderr) = await RunAsync(new FakeEnvironment(), "-H", TestCluster.Host, "-P", TestCluster.SuperUserPassword, "--sslmode", "bogus");
        Assert.Equal(1, code);
        Assert.Contains("sslmode", stderr, StringComparison.Ordinal);
    }
}
