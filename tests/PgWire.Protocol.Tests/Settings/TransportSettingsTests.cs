using System.Security.Authentication;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

/// <summary>The options that decide how a connection is made and which server it accepts, read and checked as libpq does.</summary>
public class TransportSettingsTests
{
    private static ConnectionSettings Resolve(string conninfo, FakeSettingsEnvironment? env = null) =>
        ConnectionSettings.Resolve(conninfo, env: env ?? new FakeSettingsEnvironment());

    private static string Refused(string conninfo, FakeSettingsEnvironment? env = null) =>
        Assert.Throws<ConnectionSettingsException>(() => Resolve(conninfo, env)).Message;

    [Fact]
    public void Defaults_match_libpq()
    {
        var s = Resolve("host=db");
        Assert.Null(s.RequireAuth);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, s.TlsProtocols);
        Assert.True(s.SslSni);
        Assert.Equal(SslCertMode.Allow, s.SslCertMode);
        Assert.Null(s.RequirePeer);
        Assert.Equal((true, (int?)null, (int?)null, (int?)null, (int?)null), s.Tcp.Parse());
    }

    [Theory]
    [InlineData("scram-sha-256", AuthenticationKind.Sasl, true)]
    [InlineData("scram-sha-256", AuthenticationKind.SaslFinal, true)]
    [InlineData("scram-sha-256", AuthenticationKind.Md5Password, false)]
    [InlineData("scram-sha-256", AuthenticationKind.CleartextPassword, false)]
    [InlineData("password,md5", AuthenticationKind.Md5Password, true)]
    [InlineData("password,md5", AuthenticationKind.Sasl, false)]
    [InlineData("!password", AuthenticationKind.CleartextPassword, false)]
    [InlineData("!password", AuthenticationKind.Md5Password, true)]
    [InlineData("!password,!md5", AuthenticationKind.Sasl, true)]
    [InlineData("gss,sspi", AuthenticationKind.GssContinue, true)]
    [InlineData("none", AuthenticationKind.CleartextPassword, false)]
    public void Require_auth_allows_the_listed_requests(string value, AuthenticationKind kind, bool allowed)
    {
        var rule = Resolve($"require_auth={value}").RequireAuth!;
        Assert.Equal(allowed, rule.Allows(kind));
        Assert.Equal(allowed, rule.Refusal(kind, completed: false) is null);
    }

    [Theory]
    [InlineData("scram-sha-256", true)]
    [InlineData("none", false)]
    [InlineData("none,md5", false)]
    [InlineData("!md5", false)]
    [InlineData("!none", true)]
    [InlineData("!none,!password", true)]
    public void Require_auth_says_whether_the_server_must_ask(string value, bool required)
    {
        var rule = Resolve($"require_auth={value}").RequireAuth!;
        Assert.Equal(required, rule.AuthRequired);
        Assert.Equal(required, rule.Refusal(AuthenticationKind.Ok, completed: false) is not null);
        Assert.Null(rule.Refusal(AuthenticationKind.Ok, completed: true));
    }

    [Fact]
    public void Require_auth_refusals_are_worded_as_libpq_words_them()
    {
        var rule = Resolve("require_auth=scram-sha-256").RequireAuth!;
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server requested a hashed password", rule.Refusal(AuthenticationKind.Md5Password, false));
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server requested a cleartext password", rule.Refusal(AuthenticationKind.CleartextPassword, false));
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server requested GSSAPI authentication", rule.Refusal(AuthenticationKind.Gss, false));
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server requested SSPI authentication", rule.Refusal(AuthenticationKind.Sspi, false));
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server requested an unknown authentication type", rule.Refusal(AuthenticationKind.KerberosV5, false));
        Assert.Equal("authentication method requirement \"scram-sha-256\" failed: server did not complete authentication", rule.Refusal(AuthenticationKind.Ok, false));
    }

    [Theory]
    [InlineData("require_auth=md6", "invalid require_auth value: \"md6\"")]
    [InlineData("require_auth=password,!md5", "negative require_auth method \"!md5\" cannot be mixed with non-negative methods")]
    [InlineData("require_auth=!password,md5", "require_auth method \"md5\" cannot be mixed with negative methods")]
    [InlineData("require_auth=md5,md5", "require_auth method \"md5\" is specified more than once")]
    [InlineData("require_auth=!md5,!md5", "require_auth method \"!md5\" is specified more than once")]
    [InlineData("require_auth=none,none", "require_auth method \"none\" is specified more than once")]
    [InlineData("require_auth=!none,!none", "require_auth method \"!none\" is specified more than once")]
    [InlineData("ssl_min_protocol_version=TLSv1.4", "invalid ssl_min_protocol_version value: \"TLSv1.4\"")]
    [InlineData("ssl_max_protocol_version=tls1.2", "invalid ssl_max_protocol_version value: \"tls1.2\"")]
    [InlineData("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2", "invalid SSL protocol version range")]
    [InlineData("sslcertmode=always", "invalid sslcertmode value: \"always\"")]
    [InlineData("gssencmode=maybe", "invalid gssencmode value: \"maybe\"")]
    [InlineData("gssencmode=require", "gssencmode value \"require\" invalid when GSSAPI support is not compiled in")]
    [InlineData("sslnegotiation=fast", "invalid sslnegotiation value: \"fast\"")]
    [InlineData("sslnegotiation=direct", "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")")]
    [InlineData("sslnegotiation=direct sslmode=require", "sslnegotiation value \"direct\" is not supported: TLS is negotiated with an SSLRequest (sslnegotiation=postgres)")]
    [InlineData("min_protocol_version=3.1", "invalid min_protocol_version value: \"3.1\"")]
    [InlineData("min_protocol_version=3.2", "min_protocol_version \"3.2\" is not supported: this client speaks protocol 3.0")]
    public void Invalid_values_stop_the_connection_before_it_starts(string conninfo, string message)
    {
        Assert.Equal(message, Refused("host=db " + conninfo));
    }

    [Theory]
    [InlineData("ssl_max_protocol_version=TLSv1.2", SslProtocols.Tls12)]
    [InlineData("ssl_min_protocol_version=TLSv1.3", SslProtocols.Tls13)]
    [InlineData("ssl_min_protocol_version='' ssl_max_protocol_version=TLSv1.3", SslProtocols.None)]
    public void Tls_versions_run_from_the_minimum_to_the_maximum(string conninfo, SslProtocols expected)
    {
#pragma warning disable SYSLIB0039 // named by ssl_min_protocol_version='' (no lower bound)
        var all = SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12 | SslProtocols.Tls13;
#pragma warning restore SYSLIB0039
        Assert.Equal(expected == SslProtocols.None ? all : expected, Resolve("host=db " + conninfo).TlsProtocols);
    }

    [Fact]
    public void Tls_versions_come_from_the_environment_too()
    {
        var env = new FakeSettingsEnvironment();
        env.Variables["PGSSLMAXPROTOCOLVERSION"] = "TLSv1.2";
        Assert.Equal(SslProtocols.Tls12, Resolve("host=db", env).TlsProtocols);
        env.Variables["PGSSLMINPROTOCOLVERSION"] = "TLSv1.3";
        Assert.Equal("invalid SSL protocol version range", Refused("host=db", env));
    }

    [Fact]
    public void Keepalive_and_peer_options_are_kept()
    {
        var s = Resolve("host=db keepalives=0 keepalives_idle=30 keepalives_interval=5 keepalives_count=4 tcp_user_timeout=9000 requirepeer=postgres sslsni=0 sslcertmode=require");
        Assert.Equal((false, (int?)30, (int?)5, (int?)4, (int?)9000), s.Tcp.Parse());
        Assert.Equal("postgres", s.RequirePeer);
        Assert.False(s.SslSni);
        Assert.Equal(SslCertMode.Require, s.SslCertMode);
        Assert.True(Resolve("host=db keepalives=1").Tcp.Parse().Enabled);

        // Read as integers when a TCP connection is set up, as libpq reads them.
        var bad = Resolve("host=db keepalives_idle=soon tcp_user_timeout=1s").Tcp;
        Assert.Equal("invalid integer value \"soon\" for connection option \"keepalives_idle\"", Assert.Throws<ConnectionSettingsException>(() => bad.Parse()).Message);
    }

    [Fact]
    public void Revocation_lists_default_to_root_crl_under_the_home_directory()
    {
        var s = Resolve("host=db");
        Assert.Equal("/home/alice/.postgresql/root.crl", s.SslCrl);
        Assert.Null(s.SslCrlDirectory);
        s = Resolve("host=db sslcrl=/etc/ssl/a.crl sslcrldir=/etc/ssl/crls");
        Assert.Equal("/etc/ssl/a.crl", s.SslCrl);
        Assert.Equal("/etc/ssl/crls", s.SslCrlDirectory);
        var env = new FakeSettingsEnvironment();
        env.Variables["PGSSLCRL"] = "/env.crl";
        env.Variables["PGSSLCRLDIR"] = "/envdir";
        Assert.Equal(("/env.crl", "/envdir"), (Resolve("host=db", env).SslCrl, Resolve("host=db", env).SslCrlDirectory));
    }
}
