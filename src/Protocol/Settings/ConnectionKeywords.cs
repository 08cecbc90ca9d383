namespace PgWire.Protocol.Settings;

/// <summary>The libpq connection keywords and the environment variables that supply their defaults.</summary>
internal static class ConnectionKeywords
{
    /// <summary>Every accepted keyword, mapped to its environment variable (null when there is none).</summary>
    public static readonly IReadOnlyDictionary<string, string?> All = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["host"] = "PGHOST",
        ["hostaddr"] = "PGHOSTADDR",
        ["port"] = "PGPORT",
        ["dbname"] = "PGDATABASE",
        ["user"] = "PGUSER",
        ["password"] = "PGPASSWORD",
        ["passfile"] = "PGPASSFILE",
        ["require_auth"] = "PGREQUIREAUTH",
        ["channel_binding"] = "PGCHANNELBINDING",
        ["connect_timeout"] = "PGCONNECT_TIMEOUT",
        ["client_encoding"] = "PGCLIENTENCODING",
        ["options"] = "PGOPTIONS",
        ["application_name"] = "PGAPPNAME",
        ["fallback_application_name"] = null,
        ["keepalives"] = null,
        ["keepalives_idle"] = null,
        ["keepalives_interval"] = null,
        ["keepalives_count"] = null,
        ["tcp_user_timeout"] = null,
        ["replication"] = null,
        ["sslmode"] = "PGSSLMODE",
        ["sslnegotiation"] = "PGSSLNEGOTIATION",
        ["sslcompression"] = "PGSSLCOMPRESSION",
        ["sslcert"] = "PGSSLCERT",
        ["sslkey"] = "PGSSLKEY",
        ["sslcertmode"] = "PGSSLCERTMODE",
        ["sslpassword"] = null,
        ["sslrootcert"] = "PGSSLROOTCERT",
        ["sslcrl"] = "PGSSLCRL",
        ["sslcrldir"] = "PGSSLCRLDIR",
        ["sslsni"] = "PGSSLSNI",
        ["requirepeer"] = "PGREQUIREPEER",
        ["ssl_min_protocol_version"] = "PGSSLMINPROTOCOLVERSION",
        ["ssl_max_protocol_version"] = "PGSSLMAXPROTOCOLVERSION",
        ["min_protocol_version"] = "PGMINPROTOCOLVERSION",
        ["max_protocol_version"] = "PGMAXPROTOCOLVERSION",
        ["gssencmode"] = "PGGSSENCMODE",
        ["krbsrvname"] = "PGKRBSRVNAME",
        ["gsslib"] = "PGGSSLIB",
        ["gssdelegation"] = "PGGSSDELEGATION",
        ["target_session_attrs"] = "PGTARGETSESSIONATTRS",
        ["load_balance_hosts"] = "PGLOADBALANCEHOSTS",
        ["service"] = "PGSERVICE",
    };

    /// <summary>Keywords whose values are secret and must never be displayed.</summary>
    public static bool IsSecret(string keyword) =>
        keyword is "password" or "sslpassword";

    public static void EnsureKnown(string keyword)
    {
        if (!All.ContainsKey(keyword))
        {
            throw new ConnectionSettingsException($"invalid connection option \"{keyword}\"");
        }
    }
}
