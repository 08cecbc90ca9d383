using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public class UriParsingTests
{
    private static ConnectionSettings Resolve(string uri, FakeSettingsEnvironment? env = null) =>
        ConnectionSettings.Resolve(uri, env: env ?? new FakeSettingsEnvironment());

    [Fact]
    public void Full_uri()
    {
        var s = Resolve("postgresql://bob:pw@db.example:6543/sales?application_name=report&connect_timeout=5");
        Assert.Equal([new HostSpec("db.example", 6543)], s.Hosts);
        Assert.Equal("bob", s.User);
        Assert.Equal("pw", s.Password);
        Assert.False(s.PasswordFromPgpass);
        Assert.Equal("sales", s.Database);
        Assert.Equal("report", s.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(5), s.ConnectTimeout);
    }

    [Fact]
    public void Short_prefix()
    {
        var s = Resolve("postgres://h/d");
        Assert.Equal([new HostSpec("h", 5432)], s.Hosts);
        Assert.Equal("d", s.Database);
    }

    [Fact]
    public void Bare_prefix_gives_defaults()
    {
        var s = Resolve("postgresql://");
        Assert.Equal([new HostSpec("localhost", 5432)], s.Hosts);
        Assert.Equal("alice", s.User);
        Assert.Equal("alice", s.Database);
    }

    [Fact]
    public void User_without_password()
    {
        var s = Resolve("postgresql://bob@h");
        Assert.Equal("bob", s.User);
        Assert.Null(s.Password);
    }

    [Fact]
    public void Ipv6_literals()
    {
        Assert.Equal([new HostSpec("::1", 5432)], Resolve("postgresql://[::1]/db").Hosts);
        Assert.Equal([new HostSpec("2001:db8::7", 6000)], Resolve("postgresql://u@[2001:db8::7]:6000").Hosts);
    }

    [Fact]
    public void Multi_host()
    {
        var s = Resolve("postgresql://a:1,[::1]:2,c/db?target_session_attrs=read-write");
        Assert.Equal([new HostSpec("a", 1), new HostSpec("::1", 2), new HostSpec("c", 5432)], s.Hosts);
        Assert.Equal(TargetSessionAttrs.ReadWrite, s.TargetSessionAttrs);
    }

    [Fact]
    public void Multi_host_without_ports_uses_environment_port()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGPORT"] = "7777";
        var s = Resolve("postgresql://a,b/db", env);
        Assert.Equal([new HostSpec("a", 7777), new HostSpec("b", 7777)], s.Hosts);
    }

    [Fact]
    public void Percent_decoding_everywhere()
    {
        var s = Resolve("postgresql://us%40er:p%40ss%3Aw%2Frd@h%2Dx/my%20db?application_name=caf%C3%A9%26co");
        Assert.Equal("us@er", s.User);
        Assert.Equal("p@ss:w/rd", s.Password);
        Assert.Equal("h-x", s.Hosts[0].Host);
        Assert.Equal("my db", s.Database);
        Assert.Equal("café&co", s.ApplicationName);
    }

    [Fact]
    public void Plus_is_not_a_space()
    {
        Assert.Equal("a+b", Resolve("postgresql:///a+b").Database);
    }

    [Fact]
    public void Unix_socket_via_query_host()
    {
        var s = Resolve("postgresql:///mydb?host=%2Fvar%2Frun%2Fpostgresql&port=5433");
        var host = Assert.Single(s.Hosts);
        Assert.Equal("/var/run/postgresql", host.Host);
        Assert.True(host.IsUnixSocket);
        Assert.Equal("/var/run/postgresql/.s.PGSQL.5433", host.UnixSocketPath);
        Assert.Equal("mydb", s.Database);
    }

    [Fact]
    public void Unix_socket_via_encoded_authority()
    {
        var host = Assert.Single(Resolve("postgresql://%2Ftmp/db").Hosts);
        Assert.Equal("/tmp", host.Host);
        Assert.Equal("/tmp/.s.PGSQL.5432", host.UnixSocketPath);
    }

    [Fact]
    public void Query_parameters_override_authority()
    {
        var s = Resolve("postgresql://u@h:1/d?host=other&user=v&dbname=e");
        Assert.Equal([new HostSpec("other", 1)], s.Hosts);
        Assert.Equal("v", s.User);
        Assert.Equal("e", s.Database);
    }

    [Fact]
    public void Ssl_true_maps_to_require()
    {
        Assert.Equal(SslMode.Require, Resolve("postgresql://h/d?ssl=true").SslMode);
    }

    [Fact]
    public void Query_without_path()
    {
        var s = Resolve("postgresql://h?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
        Assert.Equal(SslMode.VerifyFull, s.SslMode);
        Assert.Equal("/etc/ca.pem", s.SslRootCert);
        Assert.Equal("alice", s.Database);
    }

    [Fact]
    public void At_sign_in_query_is_not_user_info()
    {
        var s = Resolve("postgresql://h?application_name=a@b");
        Assert.Equal("h", s.Hosts[0].Host);
        Assert.Equal("a@b", s.ApplicationName);
        Assert.Equal("alice", s.User);
    }

    [Theory]
    [InlineData("postgresql://h/d?foo=1", "invalid URI query parameter: \"foo\"")]
    [InlineData("postgresql://h/d?ssl=false", "invalid URI query parameter: \"ssl\"")]
    [InlineData("postgresql://h/d?sslmode", "missing key/value separator \"=\" in URI query parameter: \"sslmode\"")]
    [InlineData("postgresql://h/d?sslmode=a=b", "extra key/value separator \"=\" in URI query parameter: \"sslmode=a=b\"")]
    [InlineData("postgresql://h/d?sslmode=x", "invalid sslmode value: \"x\"")]
    [InlineData("postgresql://h:abc/d", "invalid port number: \"abc\"")]
    [InlineData("postgresql://[::1/d", "end of string reached when looking for matching \"]\" in IPv6 host address in URI")]
    [InlineData("postgresql://[]/d", "IPv6 host address may not be empty in URI")]
    [InlineData("postgresql://[::1]x/d", "unexpected character \"x\" at position 19 in URI (expected \":\" or \"/\")")]
    [InlineData("postgresql://h/d%zz", "invalid percent-encoded token: \"d%zz\"")]
    [InlineData("postgresql://h/d%2", "invalid percent-encoded token: \"d%2\"")]
    [InlineData("postgresql://h/d%00", "forbidden value %00 in percent-encoded value: \"d%00\"")]
    public void Invalid_uris(string uri, string message)
    {
        var e = Assert.Throws<ConnectionSettingsException>(() => Resolve(uri));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("postgresql://u:hunter2%zz@h/d")]
    [InlineData("postgresql://u:hunter2%00@h/d")]
    [InlineData("postgresql://h/d?password=hunter2=x")]
    [InlineData("postgresql://h/d?password=hunter2%zz")]
    [InlineData("postgresql://u:hunter2@h:bad/d")]
    [InlineData("postgresql://u:hunter2@h/d?bogus=1")]
    [InlineData("postgresql://u:hunter2@[::1/d")]
    public void Password_never_appears_in_errors(string uri)
    {
        var e = Assert.Throws<ConnectionSettingsException>(() => Resolve(uri));
        Assert.DoesNotContain("hunter2", e.Message);
    }
}
