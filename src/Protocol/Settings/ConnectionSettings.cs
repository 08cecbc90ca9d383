using System.Globalization;
using System.Net;
using System.Text;

namespace PgWire.Protocol.Settings;

/// <summary>
/// Connection settings resolved the way libpq resolves them.
/// </summary>
/// <remarks>
/// <para>Precedence, lowest first:</para>
/// <list type="number">
/// <item>built-in defaults;</item>
/// <item>environment variables (<c>PGHOST</c>, <c>PGPORT</c>, <c>PGUSER</c>, ...); empty variables count as unset;</item>
/// <item>the connection service named by <c>service</c> (else <c>PGSERVICE</c>), from a <c>pg_service.conf</c>
/// file (see <see cref="ServiceFile"/>): its values win over the environment and lose to anything given
/// explicitly below;</item>
/// <item>the overrides (typically command line flags such as <c>-h</c>, <c>-p</c>, <c>-U</c>); null or empty values count as unset;</item>
/// <item>keywords of the connection string or URI given as the database argument.</item>
/// </list>
/// <para>
/// This matches psql, where <c>psql -h x "host=y"</c> connects to <c>y</c>: the database argument is
/// expanded last and its keywords replace earlier values, including empty ones (<c>host=''</c>).
/// The argument is expanded only when it starts with <c>postgresql://</c> or <c>postgres://</c>
/// or contains <c>=</c>; otherwise it is a plain database name.
/// </para>
/// <para>
/// Defaults: when no host is given, the Unix-domain socket directory <c>/var/run/postgresql</c>
/// is used if it exists (the usual libpq default on Debian-based systems), otherwise
/// <c>localhost</c>. The port is 5432, the user is the operating system user, the database is
/// the user name, <c>sslmode</c> is <c>prefer</c> and <c>channel_binding</c> is <c>prefer</c>.
/// SSL is never used on Unix-domain sockets whatever <see cref="SslMode"/> says.
/// </para>
/// <para>
/// When no password is given (or it is empty) the password file is consulted for each host:
/// <c>passfile</c> / <c>PGPASSFILE</c>, else <c>~/.pgpass</c> (<c>%APPDATA%\postgresql\pgpass.conf</c>
/// on Windows). A missing file is ignored; on Unix a file with any group or world permission is
/// ignored with a warning in <see cref="Warnings"/>. By default the connection uses UTF8: <c>client_encoding</c>
/// may only name UTF8 (or <c>auto</c>); a <c>PGCLIENTENCODING</c> naming another encoding is left out
/// with a warning in <see cref="Warnings"/>. A client that handles other encodings (simpsql) resolves
/// with <c>anyClientEncoding</c> and gets <see cref="ClientEncoding"/> as given (<c>auto</c> taken from
/// the locale, as libpq does); the server checks the name.
/// </para>
/// <para>
/// As libpq does, <c>PGDATESTYLE</c>, <c>PGTZ</c> and <c>PGGEQO</c> become the startup parameters
/// <c>datestyle</c>, <c>timezone</c> and <c>geqo</c> (a value of <c>default</c> sends nothing), and
/// <c>options</c> (<c>PGOPTIONS</c>) is sent as the <c>options</c> startup parameter. The server applies
/// <c>options</c> before the other startup parameters, so those win over a <c>-c</c> of the same setting.
/// </para>
/// </remarks>
public sealed partial class ConnectionSettings
{
    /// <summary>The Unix-domain socket directory used when no host is given, if it exists.</summary>
    public const string DefaultSocketDirectory = "/var/run/postgresql";

    /// <summary>The port used when none is given.</summary>
    public const int DefaultPort = 5432;

    private readonly IReadOnlyDictionary<string, string> _values;
    private readonly IReadOnlyList<string?> _hostPasswords;
    private readonly IReadOnlyList<bool> _hostPasswordsFromPgpass;

    private ConnectionSettings(
        IReadOnlyDictionary<string, string> values,
        IReadOnlyList<HostSpec> hosts,
        IReadOnlyList<string?> hostPasswords,
        IReadOnlyList<bool> hostPasswordsFromPgpass,
        string user,
        string database,
        IReadOnlyList<string> warnings)
    {
        _values = values;
        _hostPasswords = hostPasswords;
        _hostPasswordsFromPgpass = hostPasswordsFromPgpass;
        Hosts = hosts;
        User = user;
        Database = database;
        Warnings = warnings;
    }

    /// <summary>The servers to try, in order. Never empty.</summary>
    public IReadOnlyList<HostSpec> Hosts { get; }

    public string User { get; }

    public string Database { get; }

    /// <summary>The password for the first host, after password file lookup; null when there is none.</summary>
    public string? Password => _hostPasswords[0];

    /// <summary>Whether <see cref="Password"/> came from the password file.</summary>
    public bool PasswordFromPgpass => _hostPasswordsFromPgpass[0];

    /// <summary>The path of the password file consulted (or that would have been), or null if none.</summary>
    public string? PassFile { get; private init; }

    public string? ApplicationName { get; private init; }

    public SslMode SslMode { get; private init; }

    /// <summary>The root certificate file: <c>sslrootcert</c>, else <c>~/.postgresql/root.crt</c>. Used for verify-ca and verify-full.</summary>
    public string? SslRootCert { get; private init; }

    /// <summary>The client certificate file: <c>sslcert</c>, else <c>~/.postgresql/postgresql.crt</c>.</summary>
    public string? SslCert { get; private init; }

    /// <summary>The client key file: <c>sslkey</c>, else <c>~/.postgresql/postgresql.key</c>.</summary>
    public string? SslKey { get; private init; }

    /// <summary>The passphrase of an encrypted client key (<c>sslpassword</c>); never displayed.</summary>
    public string? SslPassword { get; private init; }

    /// <summary>
    /// The time allowed for each connection attempt, from <c>connect_timeout</c> in seconds.
    /// Null for zero, negative or absent values; values of 1 become 2 seconds as in libpq.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; private init; }

    /// <summary><c>disable</c>, <c>prefer</c> (the default) or <c>require</c>.</summary>
    public string ChannelBinding { get; private init; } = "prefer";

    /// <summary><c>database</c>, <c>true</c> or null (no replication). Boolean spellings are normalized to <c>true</c>.</summary>
    public string? Replication { get; private init; }

    /// <summary>The <c>options</c> startup parameter (command-line options for the server).</summary>
    public string? Options { get; private init; }

    public TargetSessionAttrs TargetSessionAttrs { get; private init; }

    /// <summary>Whether hosts should be tried in random order (<c>load_balance_hosts=random</c>).</summary>
    public bool LoadBalanceHosts { get; private init; }

    /// <summary>
    /// The <c>client_encoding</c> the startup message asks for: <c>UTF8</c> unless resolved with
    /// <c>anyClientEncoding</c>, then the name given (<c>client_encoding</c>, <c>PGCLIENTENCODING</c>; <c>auto</c>
    /// becomes the locale's encoding), or null to send none and get the database's encoding, as libpq does.
    /// </summary>
    public string? ClientEncoding { get; private set; } = "UTF8";

    /// <summary>
    /// Startup message parameters other than <c>user</c>, <c>database</c> and
    /// <c>client_encoding</c> (which the connection always sets to UTF8):
    /// <c>application_name</c>, <c>options</c> and <c>replication</c> when set, and the session
    /// settings taken from <c>PGDATESTYLE</c> (<c>datestyle</c>), <c>PGTZ</c> (<c>timezone</c>) and
    /// <c>PGGEQO</c> (<c>geqo</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraStartupParameters { get; private set; } =
        new Dictionary<string, string>();

    /// <summary>
    /// A copy whose startup message also sets <paramref name="parameters"/> (run-time settings such as
    /// <c>TimeZone</c>); they override parameters of the same name, compared without case as the server
    /// compares setting names (<c>TimeZone</c> replaces a <c>timezone</c> taken from <c>PGTZ</c>).
    /// </summary>
    public ConnectionSettings WithStartupParameters(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var merged = new Dictionary<string, string>(ExtraStartupParameters, StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            foreach (var existing in merged.Keys.Where(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                merged.Remove(existing);
            }

            merged[name] = value;
        }

        var copy = (ConnectionSettings)MemberwiseClone();
        copy.ExtraStartupParameters = merged;
        return copy;
    }

    /// <summary>A copy whose startup message asks for <paramref name="clientEncoding"/> (null: none, the database's encoding).</summary>
    public ConnectionSettings WithClientEncoding(string? clientEncoding)
    {
        var copy = (ConnectionSettings)MemberwiseClone();
        copy.ClientEncoding = clientEncoding;
        return copy;
    }

    /// <summary>Warnings produced while resolving, worded like libpq's (e.g. about password file permissions).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The password for the host at <paramref name="hostIndex"/> in <see cref="Hosts"/>.</summary>
    public string? GetPassword(int hostIndex) => _hostPasswords[hostIndex];

    /// <summary>Whether the password for the host at <paramref name="hostIndex"/> came from the password file.</summary>
    public bool IsPasswordFromPgpass(int hostIndex) => _hostPasswordsFromPgpass[hostIndex];

    /// <summary>
    /// The raw resolved value of any libpq keyword (for example <c>keepalives_idle</c>), or null
    /// when it was not given. Built-in defaults are not included.
    /// </summary>
    public string? GetOption(string keyword)
    {
        ConnectionKeywords.EnsureKnown(keyword);
        return _values.TryGetValue(keyword, out var value) ? value : null;
    }

    /// <summary>Resolves settings with the precedence described on <see cref="ConnectionSettings"/>.</summary>
    /// <param name="connInfo">A database name, a keyword/value connection string, or a URI; may be null.</param>
    /// <param name="overrides">libpq keywords and values that take precedence over the environment.</param>
    /// <param name="env">The environment; defaults to <see cref="SystemSettingsEnvironment.Instance"/>.</param>
    /// <exception cref="ConnectionSettingsException">Malformed input, unknown keyword or invalid value.</exception>
    public static ConnectionSettings Resolve(
        string? connInfo,
        IReadOnlyDictionary<string, string?>? overrides = null,
        ISettingsEnvironment? env = null,
        bool anyClientEncoding = false)
    {
        env ??= SystemSettingsEnvironment.Instance;

        // The values given explicitly: the overrides, then the connection string's keywords.
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (overrides is not null)
        {
            foreach (var (keyword, value) in overrides)
            {
                ConnectionKeywords.EnsureKnown(keyword);
                if (!string.IsNullOrEmpty(value))
                {
                    values[keyword] = value;
                }
            }
        }

        if (!string.IsNullOrEmpty(connInfo))
        {
            if (ConnInfoParser.IsConnectionString(connInfo))
            {
                foreach (var (keyword, value) in ConnInfoParser.Parse(connInfo))
                {
                    values[keyword] = value;
                }
            }
            else
            {
                values["dbname"] = connInfo;
            }
        }

        // As libpq does, a keyword not given explicitly comes from the service (service=, else
        // PGSERVICE), then from its environment variable.
        var service = Get(values, "service") ?? (env.GetVariable("PGSERVICE") is { Length: > 0 } s ? s : null);
        if (service is not null)
        {
            values["service"] = service;
            foreach (var (keyword, value) in ServiceFile.Lookup(service, env))
            {
                values.TryAdd(keyword, value);
            }
        }

        var warnings = new List<string>();
        foreach (var (keyword, variable) in ConnectionKeywords.All)
        {
            if (variable is null || keyword == "service" || values.ContainsKey(keyword)
                || env.GetVariable(variable) is not { Length: > 0 } fromEnv)
            {
                continue;
            }

            if (keyword == "client_encoding" && !anyClientEncoding && !IsUtf8(fromEnv))
            {
                warnings.Add($"WARNING: client encoding \"{fromEnv}\" of PGCLIENTENCODING is not supported: using UTF8");
                continue;
            }

            values[keyword] = fromEnv;
        }

        return Build(values, env, warnings, anyClientEncoding);
    }

    private static ConnectionSettings Build(Dictionary<string, string> values, ISettingsEnvironment env, List<string> warnings, bool anyClientEncoding)
    {
        string? clientEncoding = "UTF8";
        if (anyClientEncoding)
        {
            clientEncoding = Get(values, "client_encoding") is { } given
                ? string.Equals(given, "auto", StringComparison.Ordinal) ? PgEncoding.FromLocale(env)?.Name : given
                : null;
        }
        else if (Get(values, "client_encoding") is { } encoding && !IsUtf8(encoding))
        {
            throw new ConnectionSettingsException(
                $"unsupported client_encoding value: \"{encoding}\" (only UTF8 is supported)");
        }

        var hosts = ResolveHosts(values, env);

        var user = Get(values, "user") ?? env.CurrentOsUser
            ?? throw new ConnectionSettingsException("could not determine the local user name; specify a user name");
        var database = Get(values, "dbname") ?? user;

        var sslMode = ParseSslMode(Get(values, "sslmode"));
        var channelBinding = Get(values, "channel_binding") ?? "prefer";
        if (channelBinding is not ("disable" or "prefer" or "require"))
        {
            throw InvalidValue("channel_binding", channelBinding);
        }

        var targetSessionAttrs = ParseTargetSessionAttrs(Get(values, "target_session_attrs"));
        var loadBalance = Get(values, "load_balance_hosts") switch
        {
            null or "disable" => false,
            "random" => true,
            var other => throw InvalidValue("load_balance_hosts", other),
        };

        var replication = ParseReplication(Get(values, "replication"));
        var timeout = ParseInteger(values, "connect_timeout") switch
        {
            null or <= 0 => (TimeSpan?)null,
            1 => TimeSpan.FromSeconds(2),
            var seconds => TimeSpan.FromSeconds(seconds.Value),
        };

        var transport = ParseTransport(values, sslMode);

        var applicationName = Get(values, "application_name") ?? Get(values, "fallback_application_name");
        var options = Get(values, "options");
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        if (applicationName is not null)
        {
            extra["application_name"] = applicationName;
        }

        if (options is not null)
        {
            extra["options"] = options;
        }

        if (replication is not null)
        {
            extra["replication"] = replication;
        }

        foreach (var (variable, parameter) in EnvironmentSessionSettings)
        {
            if (env.GetVariable(variable) is { Length: > 0 } setting && !setting.Equals("default", StringComparison.OrdinalIgnoreCase))
            {
                extra[parameter] = setting;
            }
        }

        var home = env.HomeDirectory;
        string? UnderHome(string file) =>
            home is null ? null : Path.Combine(home, env.IsWindows ? "postgresql" : ".postgresql", file);

        var passFile = Get(values, "passfile") ?? DefaultPassFile(env);
        var passwords = new string?[hosts.Count];
        var fromPgpass = new bool[hosts.Count];
        var explicitPassword = Get(values, "password");
        string? passFileText = null;
        var passFileLoaded = false;
        for (var i = 0; i < hosts.Count; i++)
        {
            if (explicitPassword is not null)
            {
                passwords[i] = explicitPassword;
                continue;
            }

            if (!passFileLoaded)
            {
                passFileText = LoadPassFile(passFile, env, warnings);
                passFileLoaded = true;
            }

            if (passFileText is null)
            {
                continue;
            }

            var found = PgPassFile.Lookup(passFileText, PassFileHost(hosts[i]), hosts[i].Port, database, user);
            if (!string.IsNullOrEmpty(found))
            {
                passwords[i] = found;
                fromPgpass[i] = true;
            }
        }

        return new ConnectionSettings(values, hosts, passwords, fromPgpass, user, database, warnings)
        {
            PassFile = passFile,
            ApplicationName = applicationName,
            SslMode = sslMode,
            SslRootCert = Get(values, "sslrootcert") ?? UnderHome("root.crt"),
            SslCert = Get(values, "sslcert") ?? UnderHome("postgresql.crt"),
            SslKey = Get(values, "sslkey") ?? UnderHome("postgresql.key"),
            SslPassword = Get(values, "sslpassword"),
            ConnectTimeout = timeout,
            ChannelBinding = channelBinding,
            Replication = replication,
            Options = options,
            TargetSessionAttrs = targetSessionAttrs,
            LoadBalanceHosts = loadBalance,
            ClientEncoding = clientEncoding,
            ExtraStartupParameters = extra,
            RequireAuth = transport.RequireAuth,
            TlsProtocols = transport.Tls,
            SslSni = transport.Sni,
            SslCertMode = transport.CertMode,
            RequirePeer = Get(values, "requirepeer"),
            SslCrl = Get(values, "sslcrl") ?? UnderHome("root.crl"),
            SslCrlDirectory = Get(values, "sslcrldir"),
            Tcp = transport.Tcp,
        };
    }

    /// <summary>Environment variables libpq sends as session settings in the startup message, and those settings.</summary>
    private static readonly (string Variable, string Parameter)[] EnvironmentSessionSettings =
    [
        ("PGDATESTYLE", "datestyle"),
        ("PGTZ", "timezone"),
        ("PGGEQO", "geqo"),
    ];

    private static List<HostSpec> ResolveHosts(Dictionary<string, string> values, ISettingsEnvironment env)
    {
        var hostValue = values.GetValueOrDefault("host") ?? "";
        var hostNames = hostValue.Split(',');
        string[]? addresses = null;
        if (Get(values, "hostaddr") is { } addressValue)
        {
            addresses = addressValue.Split(',');
            if (hostValue.Length == 0)
            {
                hostNames = new string[addresses.Length];
                Array.Fill(hostNames, "");
            }
            else if (hostNames.Length != addresses.Length)
            {
                throw new ConnectionSettingsException(
                    $"could not match {hostNames.Length} host names to {addresses.Length} hostaddr values");
            }

            foreach (var address in addresses)
            {
                if (address.Length > 0 && !IPAddress.TryParse(address, out _))
                {
                    throw new ConnectionSettingsException($"could not parse network address \"{address}\"");
                }
            }
        }

        var portValues = (values.GetValueOrDefault("port") ?? "").Split(',');
        if (portValues.Length != 1 && portValues.Length != hostNames.Length)
        {
            throw new ConnectionSettingsException(
                $"could not match {portValues.Length} port numbers to {hostNames.Length} hosts");
        }

        string? defaultHost = null;
        var hosts = new List<HostSpec>(hostNames.Length);
        for (var i = 0; i < hostNames.Length; i++)
        {
            var port = ParsePort(portValues.Length == 1 ? portValues[0] : portValues[i]);
            var address = addresses is null || addresses[i].Length == 0 ? null : addresses[i];
            var host = hostNames[i];
            if (host.Length == 0)
            {
                host = address ?? (defaultHost ??= env.DirectoryExists(DefaultSocketDirectory) ? DefaultSocketDirectory : "localhost");
            }

            hosts.Add(new HostSpec(host, port) { Address = address });
        }

        return hosts;
    }

    private static string PassFileHost(HostSpec host) =>
        host.Host.TrimEnd('/') == DefaultSocketDirectory && HostSpec.IsSocketDirectory(host.Host) ? "localhost" : host.Host;

    private static string? DefaultPassFile(ISettingsEnvironment env)
    {
        if (env.IsWindows)
        {
            var appData = env.GetVariable("APPDATA");
            return string.IsNullOrEmpty(appData) ? null : Path.Combine(appData, "postgresql", "pgpass.conf");
        }

        var home = env.HomeDirectory;
        return home is null ? null : Path.Combine(home, ".pgpass");
    }

    private static string? LoadPassFile(string? path, ISettingsEnvironment env, List<string> warnings)
    {
        if (path is null || !env.FileExists(path))
        {
            return null;
        }

        try
        {
            const UnixFileMode groupOrWorld =
                UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if (env.GetMode(path) is { } mode && (mode & groupOrWorld) != 0)
            {
                warnings.Add(
                    $"WARNING: password file \"{path}\" has group or world access; permissions should be u=rw (0600) or less");
                return null;
            }

            return env.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int ParsePort(string text)
    {
        if (text.Length == 0)
        {
            return DefaultPort;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ConnectionSettingsException($"invalid port number: \"{text}\"");
        }

        return port;
    }

    private static int? ParseInteger(Dictionary<string, string> values, string keyword)
    {
        if (Get(values, keyword) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            throw new ConnectionSettingsException(
                $"invalid integer value \"{text}\" for connection option \"{keyword}\"");
        }

        return number;
    }

    private static SslMode ParseSslMode(string? text) => text switch
    {
        null or "prefer" => SslMode.Prefer,
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCa,
        "verify-full" => SslMode.VerifyFull,
        _ => throw InvalidValue("sslmode", text),
    };

    private static TargetSessionAttrs ParseTargetSessionAttrs(string? text) => text switch
    {
        null or "any" => TargetSessionAttrs.Any,
        "read-write" => TargetSessionAttrs.ReadWrite,
        "read-only" => TargetSessionAttrs.ReadOnly,
        "primary" => TargetSessionAttrs.Primary,
        "standby" => TargetSessionAttrs.Standby,
        "prefer-standby" => TargetSessionAttrs.PreferStandby,
        _ => throw InvalidValue("target_session_attrs", text),
    };

    private static string? ParseReplication(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return text.ToLowerInvariant() switch
        {
            "database" => "database",
            "true" or "on" or "yes" or "1" => "true",
            "false" or "off" or "no" or "0" => null,
            _ => throw InvalidValue("replication", text),
        };
    }

    private static bool IsUtf8(string encoding) =>
        encoding.ToUpperInvariant() is "UTF8" or "UTF-8" or "UNICODE" or "AUTO";

    private static ConnectionSettingsException InvalidValue(string keyword, string value) =>
        new($"invalid {keyword} value: \"{value}\"");

    private static string? Get(Dictionary<string, string> values, string keyword) =>
        values.TryGetValue(keyword, out var value) && value.Length > 0 ? value : null;

    /// <summary>
    /// A keyword/value connection string describing these settings, suitable for display and
    /// logs. Passwords are never included.
    /// </summary>
    public string ToSafeString()
    {
        var builder = new StringBuilder();
        void Add(string keyword, string? value)
        {
            if (value is null)
            {
                return;
            }

            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(keyword).Append('=').Append(Quote(value));
        }

        Add("host", string.Join(',', Hosts.Select(h => h.Host)));
        if (Hosts.Any(h => h.Address is not null))
        {
            Add("hostaddr", string.Join(',', Hosts.Select(h => h.Address ?? "")));
        }

        Add("port", string.Join(',', Hosts.Select(h => h.Port.ToString(CultureInfo.InvariantCulture))));
        Add("user", User);
        Add("dbname", Database);
        Add("sslmode", SslModeName(SslMode));
        Add("application_name", ApplicationName);
        Add("options", Options);
        Add("replication", Replication);
        Add("connect_timeout", ConnectTimeout is { } timeout
            ? ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)
            : null);
        Add("target_session_attrs", _values.GetValueOrDefault("target_session_attrs") is { Length: > 0 } tsa ? tsa : null);
        return builder.ToString();
    }

    public override string ToString() => ToSafeString();

    private static string Quote(string value)
    {
        if (value.Length > 0 && !value.Any(c => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v' or '\'' or '\\'))
        {
            return value;
        }

        var builder = new StringBuilder("'");
        foreach (var c in value)
        {
            if (c is '\'' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('\'').ToString();
    }
}
