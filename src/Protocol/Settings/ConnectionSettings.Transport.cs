using System.Security.Authentication;

namespace PgWire.Protocol.Settings;

/// <summary>The libpq <c>sslcertmode</c> setting: whether a client certificate is sent.</summary>
public enum SslCertMode
{
    /// <summary>Never send one, even when the server asks.</summary>
    Disable,

    /// <summary>Send one when the server asks and one is configured. The default.</summary>
    Allow,

    /// <summary>Fail unless the server asked for a certificate and one was sent.</summary>
    Require,
}

/// <summary>
/// TCP keepalive and user-timeout settings of a connection, as given (libpq's <c>keepalives</c>,
/// <c>keepalives_idle</c>, <c>keepalives_interval</c>, <c>keepalives_count</c>,
/// <c>tcp_user_timeout</c>). As in libpq they are read as integers only when a TCP connection is
/// set up, so a bad value fails that connection (and none over a Unix-domain socket).
/// </summary>
public sealed record TcpSettings(string? Keepalives, string? Idle, string? Interval, string? Count, string? UserTimeout)
{
    /// <summary>The values as integers: keepalives on unless 0; null where not given.</summary>
    /// <exception cref="ConnectionSettingsException">A value that is not an integer, worded as libpq words it.</exception>
    public (bool Enabled, int? IdleSeconds, int? IntervalSeconds, int? Count, int? UserTimeoutMilliseconds) Parse() =>
        (Integer(Keepalives, "keepalives") is not 0,
         Integer(Idle, "keepalives_idle"),
         Integer(Interval, "keepalives_interval"),
         Integer(Count, "keepalives_count"),
         Integer(UserTimeout, "tcp_user_timeout"));

    private static int? Integer(string? text, string keyword)
    {
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw new ConnectionSettingsException($"invalid integer value \"{text}\" for connection option \"{keyword}\"");
        }

        return value;
    }
}

/// <summary>The settings of the transport under the protocol: TCP, TLS and the peer checks.</summary>
public sealed partial class ConnectionSettings
{
    /// <summary><c>require_auth</c>: the authentication requests that may be answered; null allows all.</summary>
    public RequireAuth? RequireAuth { get; private init; }

    /// <summary>
    /// The TLS versions allowed, from <c>ssl_min_protocol_version</c> (default TLSv1.2) to
    /// <c>ssl_max_protocol_version</c> (default: the newest).
    /// </summary>
    public SslProtocols TlsProtocols { get; private init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary><c>sslsni</c>: whether the host name is sent in the TLS handshake (Server Name Indication). On by default.</summary>
    public bool SslSni { get; private init; } = true;

    /// <summary><c>sslcertmode</c>.</summary>
    public SslCertMode SslCertMode { get; private init; } = SslCertMode.Allow;

    /// <summary><c>requirepeer</c>: the operating system user the server must run as (checked on Unix-domain sockets).</summary>
    public string? RequirePeer { get; private init; }

    /// <summary>
    /// The certificate revocation list file: <c>sslcrl</c>, else <c>~/.postgresql/root.crl</c>. Where the
    /// server's certificate is verified, the lists of this file and of <see cref="SslCrlDirectory"/>, when
    /// they exist, are checked as libpq checks them.
    /// </summary>
    public string? SslCrl { get; private init; }

    /// <summary><c>sslcrldir</c>: a directory of certificate revocation list files.</summary>
    public string? SslCrlDirectory { get; private init; }

    /// <summary>TCP keepalives and the user timeout of TCP connections.</summary>
    public TcpSettings Tcp { get; private init; } = new(null, null, null, null, null);

    /// <summary>Reads and checks the transport options, as libpq checks them before it connects.</summary>
    private static (RequireAuth? RequireAuth, SslProtocols Tls, bool Sni, SslCertMode CertMode, TcpSettings Tcp) ParseTransport(
        Dictionary<string, string> values, SslMode sslMode)
    {
        var requireAuth = RequireAuth.Parse(Get(values, "require_auth"));

        if (Get(values, "sslnegotiation") is { } negotiation)
        {
            if (negotiation is not ("postgres" or "direct"))
            {
                throw InvalidValue("sslnegotiation", negotiation);
            }

            if (negotiation == "direct")
            {
                if (sslMode is not (SslMode.Require or SslMode.VerifyCa or SslMode.VerifyFull))
                {
                    throw new ConnectionSettingsException($"weak sslmode \"{SslModeName(sslMode)}\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")");
                }

                throw new ConnectionSettingsException("sslnegotiation value \"direct\" is not supported: TLS is negotiated with an SSLRequest (sslnegotiation=postgres)");
            }
        }

        var min = Get(values, "ssl_min_protocol_version") ?? (values.ContainsKey("ssl_min_protocol_version") ? null : "TLSv1.2");
        var max = Get(values, "ssl_max_protocol_version");
        var minVersion = TlsVersion("ssl_min_protocol_version", min);
        var maxVersion = TlsVersion("ssl_max_protocol_version", max);
        if (minVersion is { } low && maxVersion is { } high && low > high)
        {
            throw new ConnectionSettingsException("invalid SSL protocol version range");
        }

        var tls = SslProtocols.None;
        for (var version = minVersion ?? 0; version <= (maxVersion ?? 3); version++)
        {
#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 only when asked for by name, as libpq allows
            tls |= version switch
            {
                0 => SslProtocols.Tls,
                1 => SslProtocols.Tls11,
                2 => SslProtocols.Tls12,
                _ => SslProtocols.Tls13,
            };
#pragma warning restore SYSLIB0039
        }

        var certMode = Get(values, "sslcertmode") switch
        {
            null or "allow" => SslCertMode.Allow,
            "disable" => SslCertMode.Disable,
            "require" => SslCertMode.Require,
            var other => throw InvalidValue("sslcertmode", other),
        };

        if (Get(values, "gssencmode") is { } gssMode)
        {
            if (gssMode is not ("disable" or "prefer" or "require"))
            {
                throw InvalidValue("gssencmode", gssMode);
            }

            if (gssMode == "require")
            {
                throw new ConnectionSettingsException("gssencmode value \"require\" invalid when GSSAPI support is not compiled in");
            }
        }

        foreach (var keyword in new[] { "min_protocol_version", "max_protocol_version" })
        {
            if (Get(values, keyword) is { } version)
            {
                if (version is not ("3.0" or "3.2" or "latest"))
                {
                    throw InvalidValue(keyword, version);
                }

                if (keyword == "min_protocol_version" && version != "3.0")
                {
                    throw new ConnectionSettingsException($"min_protocol_version \"{version}\" is not supported: this client speaks protocol 3.0");
                }
            }
        }

        var tcp = new TcpSettings(
            Get(values, "keepalives"),
            Get(values, "keepalives_idle"),
            Get(values, "keepalives_interval"),
            Get(values, "keepalives_count"),
            Get(values, "tcp_user_timeout"));

        var sni = Get(values, "sslsni") is not { } sniText || sniText.StartsWith('1');
        return (requireAuth, tls, sni, certMode, tcp);
    }

    /// <summary>0 for TLSv1 up to 3 for TLSv1.3; null for no bound.</summary>
    private static int? TlsVersion(string keyword, string? text) => text?.ToLowerInvariant() switch
    {
        null or "" => null,
        "tlsv1" => 0,
        "tlsv1.1" => 1,
        "tlsv1.2" => 2,
        "tlsv1.3" => 3,
        _ => throw InvalidValue(keyword, text),
    };

    private static string SslModeName(SslMode mode) => mode switch
    {
        SslMode.Disable => "disable",
        SslMode.Allow => "allow",
        SslMode.Prefer => "prefer",
        SslMode.Require => "require",
        SslMode.VerifyCa => "verify-ca",
        _ => "verify-full",
    };
}
