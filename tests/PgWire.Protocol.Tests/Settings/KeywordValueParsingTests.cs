using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public class KeywordValueParsingTests
{
    private static ConnectionSettings Resolve(string connInfo, FakeSettingsEnvironment? env = null) =>
        ConnectionSettings.Resolve(connInfo, env: env ?? new FakeSettingsEnvironment());

    [Fact]
    public void Basic_keywords()
    {
        var s = Resolve("host=localhost port=5433 dbname=mydb user=bob connect_timeout=10 application_name=psql");
        Assert.Equal([new HostSpec("localhost", 5433)], s.Hosts);
        Assert.Equal("mydb", s.Database);
        Assert.Equal("bob", s.User);
        Assert.Equal(TimeSpan.FromSeconds(10), s.ConnectTimeout);
        Assert.Equal("psql", s.ApplicationName);
    }

    [Fact]
    public void Spaces_around_equals_and_extra_whitespace_are_allowed()
    {
        var s = Resolve("  host = db1\t port=  6000\n dbname =x  ");
        Assert.Equal([new HostSpec("db1", 6000)], s.Hosts);
        Assert.Equal("x", s.Database);
    }

    [Fact]
    public void Quoted_values_with_escapes()
    {
        var s = Resolve(@"application_name='it\'s a \\ test' options='-c search_path=a,b' dbname=''");
        Assert.Equal(@"it's a \ test", s.ApplicationName);
        Assert.Equal("-c search_path=a,b", s.Options);
        Assert.Equal("alice", s.Database);
    }

    [Fact]
    public void Backslash_escapes_in_unquoted_values()
    {
        var s = Resolve(@"application_name=a\ b");
        Assert.Equal("a b", s.ApplicationName);
    }

    [Fact]
    public void Quoted_value_may_be_followed_directly_by_next_keyword()
    {
        var s = Resolve("dbname='x'user=y");
        Assert.Equal("x", s.Database);
        Assert.Equal("y", s.User);
    }

    [Fact]
    public void Later_keyword_wins()
    {
        var s = Resolve("port=1 port=2");
        Assert.Equal(2, s.Hosts[0].Port);
    }

    [Fact]
    public void Unknown_keyword_is_rejected()
    {
        var e = Assert.Throws<ConnectionSettingsException>(() => Resolve("host=x foo=bar"));
        Assert.Equal("invalid connection option \"foo\"", e.Message);
    }

    [Theory]
    [InlineData("host port=5", "missing \"=\" after \"host\" in connection info string")]
    [InlineData("host=x port", "missing \"=\" after \"port\" in connection info string")]
    [InlineData("dbname='abc", "unterminated quoted string in connection info string")]
    [InlineData("port=abc", "invalid port number: \"abc\"")]
    [InlineData("port=0", "invalid port number: \"0\"")]
    [InlineData("port=65536", "invalid port number: \"65536\"")]
    [InlineData("port=-1", "invalid port number: \"-1\"")]
    [InlineData("sslmode=x", "invalid sslmode value: \"x\"")]
    [InlineData("channel_binding=maybe", "invalid channel_binding value: \"maybe\"")]
    [InlineData("target_session_attrs=master", "invalid target_session_attrs value: \"master\"")]
    [InlineData("load_balance_hosts=yes", "invalid load_balance_hosts value: \"yes\"")]
    [InlineData("replication=sometimes", "invalid replication value: \"sometimes\"")]
    [InlineData("connect_timeout=soon", "invalid integer value \"soon\" for connection option \"connect_timeout\"")]
    [InlineData("host=a,b,c port=1,2", "could not match 2 port numbers to 3 hosts")]
    [InlineData("host=a,b hostaddr=127.0.0.1", "could not match 2 host names to 1 hostaddr values")]
    [InlineData("hostaddr=not-an-ip", "could not parse network address \"not-an-ip\"")]
    [InlineData("client_encoding=LATIN1", "unsupported client_encoding value: \"LATIN1\" (only UTF8 is supported)")]
    [InlineData("service=mine", "definition of service \"mine\" not found")]
    public void Invalid_input_gives_clear_message(string connInfo, string message)
    {
        var e = Assert.Throws<ConnectionSettingsException>(() => Resolve(connInfo));
        Assert.Equal(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCa)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void Ssl_modes(string text, SslMode mode)
    {
        Assert.Equal(mode, Resolve("sslmode=" + text).SslMode);
    }

    [Theory]
    [InlineData("any", TargetSessionAttrs.Any)]
    [InlineData("read-write", TargetSessionAttrs.ReadWrite)]
    [InlineData("read-only", TargetSessionAttrs.ReadOnly)]
    [InlineData("primary", TargetSessionAttrs.Primary)]
    [InlineData("standby", TargetSessionAttrs.Standby)]
    [InlineData("prefer-standby", TargetSessionAttrs.PreferStandby)]
    public void Target_session_attrs(string text, TargetSessionAttrs value)
    {
        Assert.Equal(value, Resolve("target_session_attrs=" + text).TargetSessionAttrs);
    }

    [Theory]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("1", 2)]
    [InlineData("2", 2)]
    [InlineData(" 30 ", 30)]
    public void Connect_timeout(string text, int? seconds)
    {
        var s = Resolve($"connect_timeout='{text}'");
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), s.ConnectTimeout);
    }

    [Theory]
    [InlineData("database", "database")]
    [InlineData("true", "true")]
    [InlineData("on", "true")]
    [InlineData("1", "true")]
    [InlineData("yes", "true")]
    [InlineData("false", null)]
    [InlineData("off", null)]
    public void Replication_values(string text, string? expected)
    {
        var s = Resolve("replication=" + text);
        Assert.Equal(expected, s.Replication);
        Assert.Equal(expected, s.ExtraStartupParameters.GetValueOrDefault("replication"));
    }

    [Fact]
    public void Channel_binding_defaults_to_prefer()
    {
        Assert.Equal("prefer", Resolve("").ChannelBinding);
        Assert.Equal("require", Resolve("channel_binding=require").ChannelBinding);
        Assert.Equal("disable", Resolve("channel_binding=disable").ChannelBinding);
    }

    [Fact]
    public void Multi_host_with_port_list()
    {
        var s = Resolve("host=a,b,c port=1,2,3");
        Assert.Equal([new HostSpec("a", 1), new HostSpec("b", 2), new HostSpec("c", 3)], s.Hosts);
    }

    [Fact]
    public void Single_port_applies_to_all_hosts_and_empty_entries_take_defaults()
    {
        Assert.Equal([new HostSpec("a", 7), new HostSpec("b", 7)], Resolve("host=a,b port=7").Hosts);
        Assert.Equal([new HostSpec("a", 5432), new HostSpec("localhost", 6)], Resolve("host=a, port=,6").Hosts);
    }

    [Fact]
    public void Hostaddr_without_host_becomes_the_host()
    {
        var s = Resolve("hostaddr=10.0.0.1");
        var host = Assert.Single(s.Hosts);
        Assert.Equal("10.0.0.1", host.Host);
        Assert.Equal("10.0.0.1", host.Address);
        Assert.False(host.IsUnixSocket);
    }

    [Fact]
    public void Hostaddr_with_host_keeps_name()
    {
        var host = Assert.Single(Resolve("host=db.example hostaddr=::1").Hosts);
        Assert.Equal("db.example", host.Host);
        Assert.Equal("::1", host.Address);
    }

    [Fact]
    public void Plain_database_name_argument()
    {
        var s = Resolve("mydb");
        Assert.Equal("mydb", s.Database);
    }

    [Fact]
    public void Client_encoding_utf8_is_accepted()
    {
        Resolve("client_encoding=UTF8");
        Resolve("client_encoding=utf-8");
        Resolve("client_encoding=auto");
    }

    [Fact]
    public void Other_known_keywords_are_available_raw()
    {
        var s = Resolve("keepalives_idle=30 sslnegotiation=postgres");
        Assert.Equal("30", s.GetOption("keepalives_idle"));
        Assert.Equal("postgres", s.GetOption("sslnegotiation"));
        Assert.Null(s.GetOption("keepalives"));
        Assert.Throws<ConnectionSettingsException>(() => s.GetOption("nope"));
    }

    [Fact]
    public void Extra_startup_parameters()
    {
        var s = Resolve("application_name=app options='-c x=1' replication=database");
        Assert.Equal(
            new Dictionary<string, string> { ["application_name"] = "app", ["options"] = "-c x=1", ["replication"] = "database" },
            s.ExtraStartupParameters);
        Assert.Empty(Resolve("").ExtraStartupParameters);
    }

    [Fact]
    public void Startup_parameters_added_to_a_copy_override_those_of_the_same_name()
    {
        var s = Resolve("application_name=app host=db");
        var t = s.WithStartupParameters([new("TimeZone", "UTC"), new("application_name", "other")]);
        Assert.Equal(
            new Dictionary<string, string> { ["application_name"] = "other", ["TimeZone"] = "UTC" },
            t.ExtraStartupParameters);
        Assert.Equal(new Dictionary<string, string> { ["application_name"] = "app" }, s.ExtraStartupParameters);
        Assert.Equal(s.Hosts, t.Hosts);
        Assert.Equal(s.User, t.User);
    }

    [Fact]
    public void Fallback_application_name_used_only_when_application_name_absent()
    {
        Assert.Equal("fb", Resolve("fallback_application_name=fb").ApplicationName);
        Assert.Equal("app", Resolve("fallback_application_name=fb application_name=app").ApplicationName);
    }
}
