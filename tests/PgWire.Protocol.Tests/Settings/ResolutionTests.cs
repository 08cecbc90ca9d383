using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public class ResolutionTests
{
    private const string PgPassPath = "/home/alice/.pgpass";

    private static Dictionary<string, string?> Flags(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Defaults_without_socket_directory()
    {
        var s = ConnectionSettings.Resolve(null, env: new FakeSettingsEnvironment());
        Assert.Equal([new HostSpec("localhost", 5432)], s.Hosts);
        Assert.False(s.Hosts[0].IsUnixSocket);
        Assert.Null(s.Hosts[0].UnixSocketPath);
        Assert.Equal("alice", s.User);
        Assert.Equal("alice", s.Database);
        Assert.Null(s.Password);
        Assert.False(s.PasswordFromPgpass);
        Assert.Equal(SslMode.Prefer, s.SslMode);
        Assert.Equal(TargetSessionAttrs.Any, s.TargetSessionAttrs);
        Assert.Null(s.ConnectTimeout);
        Assert.Null(s.ApplicationName);
        Assert.Null(s.Options);
        Assert.Null(s.Replication);
        Assert.False(s.LoadBalanceHosts);
        Assert.Equal("/home/alice/.postgresql/root.crt", s.SslRootCert);
        Assert.Equal("/home/alice/.postgresql/postgresql.crt", s.SslCert);
        Assert.Equal("/home/alice/.postgresql/postgresql.key", s.SslKey);
        Assert.Equal(PgPassPath, s.PassFile);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Default_host_is_socket_directory_when_it_exists()
    {
        var env = new FakeSettingsEnvironment();
        env.Directories.Add("/var/run/postgresql");
        var host = Assert.Single(ConnectionSettings.Resolve("", env: env).Hosts);
        Assert.Equal(new HostSpec("/var/run/postgresql", 5432), host);
        Assert.True(host.IsUnixSocket);
        Assert.Equal("/var/run/postgresql/.s.PGSQL.5432", host.UnixSocketPath);
    }

    [Fact]
    public void No_home_directory_means_no_default_files()
    {
        var env = new FakeSettingsEnvironment { HomeDirectory = null };
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Null(s.SslRootCert);
        Assert.Null(s.PassFile);
        Assert.Null(s.Password);
    }

    [Fact]
    public void Unknown_os_user_without_user_setting_is_an_error()
    {
        var env = new FakeSettingsEnvironment { CurrentOsUser = null };
        Assert.Throws<ConnectionSettingsException>(() => ConnectionSettings.Resolve(null, env: env));
        Assert.Equal("bob", ConnectionSettings.Resolve("user=bob", env: env).User);
    }

    [Fact]
    public void Environment_variables()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "envhost1,envhost2";
        env.Variables["PGPORT"] = "6001,6002";
        env.Variables["PGUSER"] = "envuser";
        env.Variables["PGPASSWORD"] = "envpw";
        env.Variables["PGDATABASE"] = "envdb";
        env.Variables["PGSSLMODE"] = "verify-ca";
        env.Variables["PGSSLROOTCERT"] = "/ca.pem";
        env.Variables["PGAPPNAME"] = "envapp";
        env.Variables["PGCONNECT_TIMEOUT"] = "12";
        env.Variables["PGCHANNELBINDING"] = "require";
        env.Variables["PGOPTIONS"] = "-c geqo=off";
        env.Variables["PGTARGETSESSIONATTRS"] = "standby";
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Equal([new HostSpec("envhost1", 6001), new HostSpec("envhost2", 6002)], s.Hosts);
        Assert.Equal("envuser", s.User);
        Assert.Equal("envpw", s.Password);
        Assert.Equal("envdb", s.Database);
        Assert.Equal(SslMode.VerifyCa, s.SslMode);
        Assert.Equal("/ca.pem", s.SslRootCert);
        Assert.Equal("envapp", s.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(12), s.ConnectTimeout);
        Assert.Equal("require", s.ChannelBinding);
        Assert.Equal("-c geqo=off", s.Options);
        Assert.Equal(TargetSessionAttrs.Standby, s.TargetSessionAttrs);
    }

    [Fact]
    public void Pghostaddr_environment_variable()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOSTADDR"] = "192.0.2.1";
        Assert.Equal("192.0.2.1", Assert.Single(ConnectionSettings.Resolve(null, env: env).Hosts).Address);
    }

    [Fact]
    public void Empty_environment_variables_are_ignored()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "";
        env.Variables["PGUSER"] = "";
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Equal("localhost", s.Hosts[0].Host);
        Assert.Equal("alice", s.User);
    }

    [Fact]
    public void Invalid_environment_value_is_reported()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGSSLMODE"] = "bogus";
        var e = Assert.Throws<ConnectionSettingsException>(() => ConnectionSettings.Resolve(null, env: env));
        Assert.Equal("invalid sslmode value: \"bogus\"", e.Message);
    }

    [Fact]
    public void Unsupported_pgclientencoding_does_not_stop_the_connection()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGCLIENTENCODING"] = "LATIN1";
        Assert.Single(ConnectionSettings.Resolve(null, env: env).Warnings);
    }

    [Fact]
    public void Overrides_beat_environment()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "envhost";
        env.Variables["PGUSER"] = "envuser";
        env.Variables["PGPORT"] = "1111";
        var s = ConnectionSettings.Resolve(null, Flags(("host", "flaghost"), ("user", "flaguser"), ("port", null)), env);
        Assert.Equal([new HostSpec("flaghost", 1111)], s.Hosts);
        Assert.Equal("flaguser", s.User);
    }

    [Fact]
    public void Empty_override_counts_as_unset()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "envhost";
        var s = ConnectionSettings.Resolve(null, Flags(("host", "")), env);
        Assert.Equal("envhost", s.Hosts[0].Host);
    }

    [Fact]
    public void Connection_string_beats_overrides_and_environment()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "envhost";
        env.Variables["PGDATABASE"] = "envdb";
        var s = ConnectionSettings.Resolve("host=y", Flags(("host", "x"), ("user", "flaguser")), env);
        Assert.Equal("y", s.Hosts[0].Host);
        Assert.Equal("flaguser", s.User);
        Assert.Equal("envdb", s.Database);
    }

    [Fact]
    public void Uri_beats_overrides()
    {
        var s = ConnectionSettings.Resolve("postgresql://uriuser@urihost/uridb",
            Flags(("host", "x"), ("port", "9"), ("user", "u"), ("dbname", "flagdb")), new FakeSettingsEnvironment());
        Assert.Equal([new HostSpec("urihost", 9)], s.Hosts);
        Assert.Equal("uriuser", s.User);
        Assert.Equal("uridb", s.Database);
    }

    [Fact]
    public void Plain_database_argument_beats_dbname_override()
    {
        var s = ConnectionSettings.Resolve("argdb", Flags(("dbname", "flagdb")), new FakeSettingsEnvironment());
        Assert.Equal("argdb", s.Database);
    }

    [Fact]
    public void Empty_value_in_connection_string_resets_to_default()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGHOST"] = "envhost";
        var s = ConnectionSettings.Resolve("host=''", Flags(("host", "flaghost")), env);
        Assert.Equal("localhost", s.Hosts[0].Host);
    }

    [Fact]
    public void Explicit_password_beats_environment()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGPASSWORD"] = "envpw";
        Assert.Equal("flagpw", ConnectionSettings.Resolve(null, Flags(("password", "flagpw")), env).Password);
        Assert.Equal("cspw", ConnectionSettings.Resolve("password=cspw", Flags(("password", "flagpw")), env).Password);
    }

    [Fact]
    public void Unknown_override_keyword_is_rejected()
    {
        var e = Assert.Throws<ConnectionSettingsException>(() =>
            ConnectionSettings.Resolve(null, Flags(("hostname", "x")), new FakeSettingsEnvironment()));
        Assert.Equal("invalid connection option \"hostname\"", e.Message);
    }

    [Fact]
    public void Pgpass_supplies_password_when_none_given()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("db:5432:app:bob:frompass\n");
        var s = ConnectionSettings.Resolve("host=db dbname=app user=bob", env: env);
        Assert.Equal("frompass", s.Password);
        Assert.True(s.PasswordFromPgpass);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Pgpass_not_used_when_password_given()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("*:*:*:*:frompass\n");
        env.Variables["PGPASSWORD"] = "envpw";
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Equal("envpw", s.Password);
        Assert.False(s.PasswordFromPgpass);
    }

    [Fact]
    public void Empty_password_falls_back_to_pgpass()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("*:*:*:*:frompass\n");
        var s = ConnectionSettings.Resolve("password=''", env: env);
        Assert.Equal("frompass", s.Password);
        Assert.True(s.PasswordFromPgpass);
    }

    [Fact]
    public void Empty_pgpass_password_means_no_password()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("*:*:*:*:\n");
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Null(s.Password);
        Assert.False(s.PasswordFromPgpass);
    }

    [Fact]
    public void Missing_pgpass_is_ignored()
    {
        var s = ConnectionSettings.Resolve(null, env: new FakeSettingsEnvironment());
        Assert.Null(s.Password);
        Assert.Empty(s.Warnings);
    }

    [Fact]
    public void Pgpass_uses_resolved_defaults_for_database_and_user()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("localhost:5432:bob:alice:wrong\nlocalhost:5432:alice:alice:right\n");
        Assert.Equal("right", ConnectionSettings.Resolve(null, env: env).Password);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupExecute)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite)]
    public void Pgpass_with_group_or_world_access_is_ignored_with_warning(UnixFileMode mode)
    {
        var env = new FakeSettingsEnvironment().WithPgPass("*:*:*:*:frompass\n", mode);
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Null(s.Password);
        Assert.Equal(
            ["WARNING: password file \"/home/alice/.pgpass\" has group or world access; permissions should be u=rw (0600) or less"],
            s.Warnings);
    }

    [Fact]
    public void Pgpass_with_owner_only_access_is_used()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("*:*:*:*:frompass\n", UnixFileMode.UserRead);
        Assert.Equal("frompass", ConnectionSettings.Resolve(null, env: env).Password);
    }

    [Fact]
    public void Pgpass_permissions_not_checked_on_windows()
    {
        var env = new FakeSettingsEnvironment { IsWindows = true };
        env.Variables["APPDATA"] = @"C:\Users\alice\AppData\Roaming";
        var path = Path.Combine(@"C:\Users\alice\AppData\Roaming", "postgresql", "pgpass.conf");
        env.Files[path] = "*:*:*:*:winpw";
        var s = ConnectionSettings.Resolve(null, env: env);
        Assert.Equal(path, s.PassFile);
        Assert.Equal("winpw", s.Password);
    }

    [Fact]
    public void Pgpassfile_environment_and_passfile_keyword()
    {
        var env = new FakeSettingsEnvironment();
        env.Files["/etc/envpass"] = "*:*:*:*:fromenvfile";
        env.Files["/etc/kwpass"] = "*:*:*:*:fromkwfile";
        env.Variables["PGPASSFILE"] = "/etc/envpass";
        Assert.Equal("fromenvfile", ConnectionSettings.Resolve(null, env: env).Password);
        var s = ConnectionSettings.Resolve("passfile=/etc/kwpass", env: env);
        Assert.Equal("fromkwfile", s.Password);
        Assert.Equal("/etc/kwpass", s.PassFile);
    }

    [Fact]
    public void Pgpass_default_socket_directory_matches_localhost()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("/var/run/postgresql:*:*:*:bypath\nlocalhost:*:*:*:bylocalhost\n");
        env.Directories.Add("/var/run/postgresql");
        Assert.Equal("bylocalhost", ConnectionSettings.Resolve(null, env: env).Password);
        Assert.Equal("bylocalhost", ConnectionSettings.Resolve("host=/var/run/postgresql/", env: env).Password);
    }

    [Fact]
    public void Pgpass_other_socket_directory_matches_its_path()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("localhost:*:*:*:bylocalhost\n/tmp:*:*:*:bypath\n");
        Assert.Equal("bypath", ConnectionSettings.Resolve("host=/tmp", env: env).Password);
    }

    [Fact]
    public void Pgpass_hostaddr_used_when_no_host()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("127.0.0.1:5432:*:*:byaddr\nlocalhost:*:*:*:bylocalhost\n");
        Assert.Equal("byaddr", ConnectionSettings.Resolve("hostaddr=127.0.0.1", env: env).Password);
        Assert.Equal("bylocalhost", ConnectionSettings.Resolve("host=localhost hostaddr=127.0.0.1", env: env).Password);
    }

    [Fact]
    public void Pgpass_is_looked_up_per_host()
    {
        var env = new FakeSettingsEnvironment().WithPgPass("a:1:*:*:pa\nb:2:*:*:pb\n");
        var s = ConnectionSettings.Resolve("postgresql://a:1,b:2,c:3/db", env: env);
        Assert.Equal("pa", s.GetPassword(0));
        Assert.Equal("pb", s.GetPassword(1));
        Assert.Null(s.GetPassword(2));
        Assert.True(s.IsPasswordFromPgpass(1));
        Assert.False(s.IsPasswordFromPgpass(2));
    }

    [Fact]
    public void Pgpass_matches_ipv6_host_with_escaped_colons()
    {
        var env = new FakeSettingsEnvironment().WithPgPass(@"\:\:1:5432:*:*:v6pw");
        Assert.Equal("v6pw", ConnectionSettings.Resolve("postgresql://[::1]", env: env).Password);
    }

    [Fact]
    public void Safe_string_never_contains_password()
    {
        var s = ConnectionSettings.Resolve(
            "postgresql://bob:hunter2@a:1,b/app?application_name=my%20app&sslmode=require&sslpassword=keypw",
            env: new FakeSettingsEnvironment());
        var text = s.ToSafeString();
        Assert.Equal("host=a,b port=1,5432 user=bob dbname=app sslmode=require application_name='my app'", text);
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("keypw", text);
        Assert.Equal(text, s.ToString());
    }

    [Fact]
    public void Safe_string_quotes_special_values()
    {
        var s = ConnectionSettings.Resolve(@"dbname='it\'s' options='-c a=\\b' connect_timeout=7 hostaddr=::1 replication=on",
            env: new FakeSettingsEnvironment());
        Assert.Equal(
            @"host=::1 hostaddr=::1 port=5432 user=alice dbname='it\'s' sslmode=prefer options='-c a=\\b' replication=true connect_timeout=7",
            s.ToSafeString());
    }

    [Fact]
    public void Safe_string_round_trips()
    {
        var original = ConnectionSettings.Resolve(@"host=h,/tmp port=1,2 user='a b' dbname='x\'y' application_name=z",
            env: new FakeSettingsEnvironment());
        var again = ConnectionSettings.Resolve(original.ToSafeString(), env: new FakeSettingsEnvironment());
        Assert.Equal(original.Hosts, again.Hosts);
        Assert.Equal(original.User, again.User);
        Assert.Equal(original.Database, again.Database);
        Assert.Equal(original.ApplicationName, again.ApplicationName);
    }

    [Fact]
    public void Password_not_in_error_messages_from_keyword_strings()
    {
        var e = Assert.Throws<ConnectionSettingsException>(() =>
            ConnectionSettings.Resolve("password=hunter2 port=x", env: new FakeSettingsEnvironment()));
        Assert.DoesNotContain("hunter2", e.Message);
        e = Assert.Throws<ConnectionSettingsException>(() =>
            ConnectionSettings.Resolve("password='hunter2", env: new FakeSettingsEnvironment()));
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void Socket_path_ignores_trailing_slash()
    {
        var host = Assert.Single(ConnectionSettings.Resolve("host=/run/pg/ port=6", env: new FakeSettingsEnvironment()).Hosts);
        Assert.Equal("/run/pg/.s.PGSQL.6", host.UnixSocketPath);
    }

    [Fact]
    public void Abstract_namespace_socket()
    {
        var host = Assert.Single(ConnectionSettings.Resolve("host=@pg", env: new FakeSettingsEnvironment()).Hosts);
        Assert.True(host.IsUnixSocket);
    }
}
