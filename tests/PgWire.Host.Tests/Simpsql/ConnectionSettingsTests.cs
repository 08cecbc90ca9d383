using System.Globalization;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Connection services, client certificates, target_session_attrs and load_balance_hosts: simpsql
/// connects (or refuses, with the same words) as psql 15 does.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConnectionSettingsTests : IClassFixture<StandbyServer>, IDisposable
{
    private readonly StandbyServer _standby;
    private readonly string _dir = Directory.CreateTempSubdirectory("pgwire-conn-").FullName;

    public ConnectionSettingsTests(StandbyServer standby)
    {
        _standby = standby;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Port => TestCluster.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>No PG* variable but those given, and no user or system service file but those written here.</summary>
    private Dictionary<string, string?> Isolated(params (string Name, string? Value)[] variables)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGHOST"] = null,
            ["PGPORT"] = null,
            ["PGUSER"] = null,
            ["PGDATABASE"] = null,
            ["PGPASSWORD"] = null,
            ["PGSERVICEFILE"] = Path.Combine(_dir, "user_service.conf"),
            ["PGSYSCONFDIR"] = Path.Combine(_dir, "sysconf"),
            ["HOME"] = Path.Combine(_dir, "home"),
        };
        foreach (var (name, value) in variables)
        {
            env[name] = value;
        }

        return env;
    }

    private void WriteServices(string userFile, string? systemFile = null)
    {
        File.WriteAllText(Path.Combine(_dir, "user_service.conf"), userFile);
        if (systemFile is not null)
        {
            Directory.CreateDirectory(Path.Combine(_dir, "sysconf"));
            File.WriteAllText(Path.Combine(_dir, "sysconf", "pg_service.conf"), systemFile);
        }
    }

    private const string WhoAmI = "select current_user, current_database(), inet_server_port()";

    [PsqlFact]
    public void A_service_supplies_the_connection()
    {
        WriteServices(
            $"# test services\n[app]\nhost={TestCluster.Host}\nport={Port}\ndbname={TestCluster.Database}\nuser={TestCluster.ScramUser}\npassword={TestCluster.Password}\n",
            $"[sys]\nhost={TestCluster.Host}\nport={Port}\ndbname=postgres\nuser={TestCluster.TrustUser}\n");
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", WhoAmI, "service=app"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", WhoAmI], environment: Isolated(("PGSERVICE", "sys")));

        // Explicit values win over the service, the service over the environment.
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", WhoAmI, "-U", TestCluster.TrustUser, "service=app"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", WhoAmI, "service=app dbname=postgres"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-At", "-c", WhoAmI, "service=sys"],
            environment: Isolated(("PGUSER", TestCluster.Md5User), ("PGDATABASE", "nosuchdb")));
    }

    [PsqlFact]
    public void Service_errors_are_libpqs()
    {
        WriteServices("[app]\nhost = x\n");
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", "service=nosuch"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1"], environment: Isolated(("PGSERVICE", "missing")));
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", "service=app"], environment: Isolated());
    }

    private string CertConnInfo(string user, string extra = "") =>
        $"host={TestCluster.Host} port={Port} dbname={TestCluster.Database} user={user} sslmode=verify-full sslrootcert={TestCluster.CaPath} {extra}";

    private string KeyCopy(UnixFileMode mode)
    {
        var key = Path.Combine(_dir, "client.key");
        File.Copy(TestCluster.ClientKeyPath!, key, overwrite: true);
        File.SetUnixFileMode(key, mode);
        return key;
    }

    [PsqlFact]
    public void A_client_certificate_logs_in_as_with_psql()
    {
        var files = $"sslcert={TestCluster.ClientCertPath} sslkey={TestCluster.ClientKeyPath}";
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", "select current_user", CertConnInfo(TestCluster.CertUser, files)], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-At", "-c", "select current_user", CertConnInfo(TestCluster.CertUser)],
            environment: Isolated(("PGSSLCERT", TestCluster.ClientCertPath), ("PGSSLKEY", TestCluster.ClientKeyPath)));
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-At", "-c", "select current_user", CertConnInfo(TestCluster.CertCaUser, files)],
            environment: Isolated(("PGPASSWORD", TestCluster.Password)));

        // The defaults under ~/.postgresql.
        var dotDir = Directory.CreateDirectory(Path.Combine(_dir, "home", ".postgresql")).FullName;
        File.Copy(TestCluster.ClientCertPath!, Path.Combine(dotDir, "postgresql.crt"));
        File.Copy(TestCluster.ClientKeyPath!, Path.Combine(dotDir, "postgresql.key"));
        File.SetUnixFileMode(Path.Combine(dotDir, "postgresql.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", "select current_user", CertConnInfo(TestCluster.CertUser)], environment: Isolated());
    }

    [PsqlFact]
    public void Certificate_refusals_are_worded_as_psqls()
    {
        // No certificate at all: the server refuses.
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", CertConnInfo(TestCluster.CertUser)], environment: Isolated());

        // A key others may read: refused before anything is sent.
        var key = KeyCopy(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-c", "select 1", CertConnInfo(TestCluster.CertUser, $"sslcert={TestCluster.ClientCertPath} sslkey={key}")],
            environment: Isolated());

        // A certificate without its key.
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-c", "select 1", CertConnInfo(TestCluster.CertUser, $"sslcert={TestCluster.ClientCertPath} sslkey={_dir}/none.key")],
            environment: Isolated());
    }

    [PsqlFact]
    public void Transport_options_of_libpq_15_act_as_with_psql()
    {
        var tcp = $"host={TestCluster.Host} port={Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password}";
        const string TlsVersion = "select version from pg_stat_ssl where pid = pg_backend_pid()";
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", TlsVersion, $"{tcp} sslmode=require ssl_max_protocol_version=TLSv1.2"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", TlsVersion, $"{tcp} sslmode=require ssl_min_protocol_version=TLSv1.3"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", TlsVersion, $"{tcp} sslmode=require"], environment: Isolated(("PGSSLMAXPROTOCOLVERSION", "TLSv1.2")));

        // The cipher as OpenSSL names it, as libpq shows it: the names differ from the standard ones before TLS 1.3.
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\conninfo", $"{tcp} sslmode=require ssl_max_protocol_version=TLSv1.2"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\conninfo", $"{tcp} sslmode=require"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", $"{tcp} ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", $"{tcp} ssl_max_protocol_version=SSLv3"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", "select 1", $"{tcp} keepalives=0 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=10000"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", $"{tcp} keepalives_idle=soon"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", $"{tcp} gssencmode=sometimes"], environment: Isolated());

        // requirepeer on the Unix-domain socket: the server's user passes, any other is refused with both names.
        var socket = $"host={TestCluster.SocketDir} port={Port} dbname={TestCluster.Database} user={TestCluster.TrustUser}";
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", $"{TestCluster.SocketDir}/.s.PGSQL.{Port}"]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", "select current_user", $"{socket} requirepeer={owner}"], environment: Isolated());
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", $"{socket} requirepeer=pgw_no_such_os_user"], environment: Isolated());
    }

    private string TwoHosts(int first, int second, string attrs) =>
        $"host={TestCluster.Host},{TestCluster.Host} port={first},{second} dbname={TestCluster.Database} user={TestCluster.SuperUser} sslmode=disable {attrs}";

    [StandbyFact]
    public void Target_session_attrs_choose_the_server_as_psql()
    {
        var primary = TestCluster.Port;
        var standby = _standby.Port;
        var env = Isolated(("PGPASSWORD", TestCluster.SuperUserPassword));
        const string Where = "select pg_is_in_recovery(), inet_server_port() = current_setting('port')::int";
        foreach (var attrs in new[] { "any", "read-write", "read-only", "primary", "standby", "prefer-standby" })
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", Where, TwoHosts(primary, standby, "target_session_attrs=" + attrs)], environment: env);
            SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", Where, TwoHosts(standby, primary, "target_session_attrs=" + attrs)], environment: env);
        }

        SimpsqlHarness.AssertSameAsPsql(["-X", "-At", "-c", Where, TwoHosts(primary, primary, "target_session_attrs=prefer-standby")], environment: env);
    }

    [StandbyFact]
    public void No_fitting_server_is_reported_as_by_psql()
    {
        var primary = TestCluster.Port;
        var standby = _standby.Port;
        var env = Isolated(("PGPASSWORD", TestCluster.SuperUserPassword));
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(standby, standby, "target_session_attrs=primary")], environment: env);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(standby, standby, "target_session_attrs=read-write")], environment: env);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(primary, primary, "target_session_attrs=standby")], environment: env);
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(primary, primary, "target_session_attrs=read-only")], environment: env);
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-c", "select 1", TwoHosts(primary, primary, "target_session_attrs=read-write options='-c default_transaction_read_only=on'")],
            environment: env);

        // Every host's reason is kept: a refused connection, a standby, then a failed password.
        var closed = TestCluster.FreePort();
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(closed, standby, "target_session_attrs=primary")], environment: env);

        // prefer-standby goes over the list twice, so a host that is down is reported twice.
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "select 1", TwoHosts(closed, closed, "target_session_attrs=prefer-standby")], environment: env);
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-c", "select 1", TwoHosts(standby, primary, "target_session_attrs=primary")],
            environment: Isolated(("PGPASSWORD", "wrong")));
        SimpsqlHarness.AssertSameAsPsql(
            ["-X", "-c", "select 1", $"host={TestCluster.Host},{TestCluster.Host},{TestCluster.Host} port={closed},{standby},{primary} dbname={TestCluster.Database} user={TestCluster.SuperUser} sslmode=disable target_session_attrs=read-write"],
            environment: Isolated(("PGPASSWORD", "wrong")));
    }

    [StandbyFact]
    public void Load_balance_hosts_is_accepted()
    {
        var env = Isolated(("PGPASSWORD", TestCluster.SuperUserPassword));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 24 && seen.Count < 2; i++)
        {
            var (code, stdout, stderr) = SimpsqlHarness.RunSimpsql(
                ["-X", "-At", "-c", "select pg_is_in_recovery()", TwoHosts(TestCluster.Port, _standby.Port, "load_balance_hosts=random")],
                environment: env);
            Assert.True(code == 0, stderr);
            seen.Add(stdout);
        }

        Assert.Equal(["f\n", "t\n"], seen.Order(StringComparer.Ordinal));
        var refused = SimpsqlHarness.RunSimpsql(["-X", "-c", "select 1", TwoHosts(TestCluster.Port, _standby.Port, "load_balance_hosts=sometimes")], environment: env);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("simpsql: error: invalid load_balance_hosts value: \"sometimes\"\n", refused.Stderr);
    }
}
