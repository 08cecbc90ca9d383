using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// The throwaway PostgreSQL cluster started by scripts/pg-test-cluster.sh, described by the
/// PGWIRE_TEST_* environment variables that scripts/test.sh and .ci/run export.
/// </summary>
public static class TestCluster
{
    /// <summary>A loopback TCP port nothing listens on now (for a server a test starts itself).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public const string NotAvailableReason = "PGWIRE_TEST_PORT not set: run through scripts/test.sh";

    public const string SuperUser = "postgres";
    public const string SuperUserPassword = "postgres";

    /// <summary>Password shared by every pgw_* role that has one, except <see cref="ScramUtf8User"/>.</summary>
    public const string Password = "pgw_secret";

    public const string TrustUser = "pgw_trust";
    public const string CleartextUser = "pgw_password";
    public const string Md5User = "pgw_md5";
    public const string ScramUser = "pgw_scram";
    public const string ScramUtf8User = "pgw_scram_utf8";
    public const string ScramUtf8Password = "p\u00e4ssw\u00f6rd";
    public const string SslOnlyUser = "pgw_sslonly";
    public const string ReplicationUser = "pgw_repl";

    /// <summary>Authenticated by its client certificate alone (<c>cert</c>), over TLS only.</summary>
    public const string CertUser = "pgw_cert";

    /// <summary>Password plus a certificate signed by the test CA (<c>clientcert=verify-ca</c>).</summary>
    public const string CertCaUser = "pgw_certca";

    public static readonly TimeSpan DefaultPsqlTimeout = TimeSpan.FromSeconds(60);

    public static bool Available => ParsePort(Environment.GetEnvironmentVariable("PGWIRE_TEST_PORT")) is not null;

    /// <summary>True when running under CI (CI=true), where a missing cluster is an error, not a skip.</summary>
    public static bool InCi =>
        Environment.GetEnvironmentVariable("CI") is { } ci &&
        (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The reason to skip a cluster test, or null when it must run.</summary>
    public static string? SkipReason => Available || InCi ? null : NotAvailableReason;

    private static readonly Lazy<int?> LazyServerVersionNum = new(() =>
    {
        if (!Available)
        {
            return null;
        }

        var (code, stdout, _) = RunPsql("-X", "-tA", "-c", "SHOW server_version_num");
        return code == 0 && int.TryParse(stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    });

    /// <summary>The test server's server_version_num; null without the cluster.</summary>
    public static int? ServerVersionNum => LazyServerVersionNum.Value;

    /// <summary>
    /// Whether tests may mount tmpfs file systems (full-disk tests): scripts/test.sh sets
    /// PGWIRE_TEST_TMPFS=1 when a mount works here, and then such a test must not skip.
    /// </summary>
    public static bool TmpfsRequired => Env("PGWIRE_TEST_TMPFS") == "1";

    /// <summary>
    /// Why a full-disk test cannot run here (a tmpfs cannot be mounted), or null: PGWIRE_TEST_TMPFS
    /// as scripts/test.sh sets it, else a probe mount.
    /// </summary>
    public static string? TmpfsSkipReason => LazyTmpfsSkipReason.Value;

    private static readonly Lazy<string?> LazyTmpfsSkipReason = new(() => Env("PGWIRE_TEST_TMPFS") switch
    {
        "1" => null,
        "0" => "a tmpfs cannot be mounted here (needs root with the right to mount): full-disk test not run",
        _ => ProbeTmpfs(),
    });

    private static string? ProbeTmpfs()
    {
        if (OperatingSystem.IsWindows())
        {
            return "full-disk tests mount a tmpfs, which needs Linux";
        }

        var dir = Path.Combine(Path.GetTempPath(), "pgwire-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            static int Run(params string[] args)
            {
                using var p = Process.Start(new ProcessStartInfo(args[0], args[1..]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
                p.WaitForExit();
                return p.ExitCode;
            }

            if (Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir) != 0)
            {
                return "a tmpfs cannot be mounted here (needs root with the right to mount): full-disk test not run";
            }

            Run("umount", dir);
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "no mount command here: full-disk test not run";
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    public static string Host => Env("PGWIRE_TEST_HOST") ?? "127.0.0.1";

    public static int Port => ParsePort(Environment.GetEnvironmentVariable("PGWIRE_TEST_PORT")) ?? 55432;

    public static string? SocketDir => Env("PGWIRE_TEST_SOCKET_DIR");

    public static string? CaPath => Env("PGWIRE_TEST_CA");

    /// <summary>The client certificate of <see cref="CertUser"/>, signed by the test CA.</summary>
    public static string? ClientCertPath => Env("PGWIRE_TEST_CLIENT_CERT");

    /// <summary>The private key of <see cref="ClientCertPath"/> (mode 0600).</summary>
    public static string? ClientKeyPath => Env("PGWIRE_TEST_CLIENT_KEY");

    public static string Database => Env("PGWIRE_TEST_DB") ?? "pgwire_test";

    public static string? BinDir => Env("PGWIRE_TEST_BINDIR");

    public static string? DataDir => Env("PGWIRE_TEST_DATADIR");

    /// <summary>Throws with a clear message when the cluster environment is missing.</summary>
    public static void EnsureAvailable()
    {
        if (!Available)
        {
            throw new InvalidOperationException(NotAvailableReason);
        }
    }

    /// <summary>
    /// An Npgsql-style keyword connection string (Host=...;Port=...;Username=...).
    /// </summary>
    public static string ConnString(
        string user,
        string? password,
        string? database = null,
        string? host = null,
        int? port = null,
        string? sslMode = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        EnsureAvailable();
        var builder = new DbConnectionStringBuilder
        {
            ["Host"] = host ?? Host,
            ["Port"] = (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database"] = database ?? Database,
            ["Username"] = user,
        };
        if (password is not null)
        {
            builder["Password"] = password;
        }
        if (sslMode is not null)
        {
            builder["SSL Mode"] = sslMode;
            if (CaPath is { } ca)
            {
                builder["Root Certificate"] = ca;
            }
        }
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                builder[key] = value;
            }
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// A libpq keyword/value connection string (host=... port=... user=...), as psql accepts.
    /// </summary>
    public static string LibpqConnString(
        string user,
        string? password = null,
        string? database = null,
        string? host = null,
        int? port = null,
        string? sslMode = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        EnsureAvailable();
        var parts = new List<KeyValuePair<string, string>>
        {
            new("host", host ?? Host),
            new("port", (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("dbname", database ?? Database),
            new("user", user),
        };
        if (password is not null)
        {
            parts.Add(new("password", password));
        }
        if (sslMode is not null)
        {
            parts.Add(new("sslmode", sslMode));
            if (CaPath is { } ca)
            {
                parts.Add(new("sslrootcert", ca));
            }
        }
        if (extra is not null)
        {
            parts.AddRange(extra);
        }
        return string.Join(' ', parts.Select(p => p.Key + "=" + QuoteLibpq(p.Value)));
    }

    /// <summary>
    /// Runs the real psql as the superuser against the test database over TCP.
    /// Command-line options (-h, -p, -U, -d or a connection string) override those defaults.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) RunPsql(params string[] args) =>
        RunPsql(new PsqlOptions(), args);

    /// <summary>Runs the real psql with the given environment, standard input and timeout.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunPsql(PsqlOptions options, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureAvailable();

        var psi = new ProcessStartInfo(FindPsql())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = options.Bytes ? Encoding.Latin1 : new UTF8Encoding(false),
            StandardErrorEncoding = options.Bytes ? Encoding.Latin1 : new UTF8Encoding(false),
            StandardInputEncoding = options.Bytes ? Encoding.Latin1 : new UTF8Encoding(false),
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var env = psi.Environment;
        foreach (var key in env.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }
        env["PGHOST"] = Host;
        env["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["PGDATABASE"] = Database;
        env["PGUSER"] = options.User ?? SuperUser;
        SetOrRemove(env, "PGPASSWORD", options.Password ?? (options.User is null ? SuperUserPassword : null));
        env["PGCLIENTENCODING"] = "UTF8";
        env["PGCONNECT_TIMEOUT"] = "10";
        env["PSQLRC"] = "/dev/null";
        env.Remove("PAGER");
        env.Remove("PSQL_PAGER");
        env["LC_ALL"] = "C.UTF-8";
        env["LANG"] = "C.UTF-8";
        if (options.Environment is not null)
        {
            foreach (var (key, value) in options.Environment)
            {
                SetOrRemove(env, key, value);
            }
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start psql");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (options.Input is not null)
            {
                process.StandardInput.Write(options.Input);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        var timeout = options.Timeout ?? DefaultPsqlTimeout;
        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            process.WaitForExit();
            throw new TimeoutException(
                $"psql {string.Join(' ', args)} did not finish within {timeout}; stderr: {SafeResult(stderr)}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The psql binary: PGWIRE_TEST_BINDIR first, then PATH.</summary>
    public static string FindPsql()
    {
        if (BinDir is { } bin && File.Exists(Path.Combine(bin, "psql")))
        {
            return Path.Combine(bin, "psql");
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "psql")))
            {
                return Path.Combine(dir, "psql");
            }
        }
        throw new FileNotFoundException("psql not found in PGWIRE_TEST_BINDIR or PATH");
    }

    private static void SetOrRemove(IDictionary<string, string?> env, string key, string? value)
    {
        if (value is null)
        {
            env.Remove(key);
        }
        else
        {
            env[key] = value;
        }
    }

    private static string SafeResult(Task<string> task) =>
        task.Wait(TimeSpan.FromSeconds(2)) ? task.Result : "";

    /// <summary>A value for a libpq keyword/value string: as it is when plain, else quoted and escaped.</summary>
    public static string QuoteLibpq(string value)
    {
        if (value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '\'' or '\\'))
        {
            return value;
        }
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }

    private static string? Env(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static int? ParsePort(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
        && port is > 0 and < 65536
            ? port
            : null;
}

/// <summary>How <see cref="TestCluster.RunPsql(PsqlOptions, string[])"/> runs psql.</summary>
public sealed record PsqlOptions
{
    /// <summary>PGUSER; the superuser when null.</summary>
    public string? User { get; init; }

    /// <summary>PGPASSWORD; the superuser's password when both this and <see cref="User"/> are null.</summary>
    public string? Password { get; init; }

    /// <summary>Written to psql's standard input, which is then closed.</summary>
    public string? Input { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>Extra environment variables; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Standard input, output and error are bytes, one char per byte (Latin1), not UTF-8 text.</summary>
    public bool Bytes { get; init; }
}

/// <summary>
/// The psql the comparisons run against: its output is the record simpsql must match, and the
/// golden files were captured with psql 15, so another major version would be a mismatch that says
/// nothing about simpsql.
/// </summary>
public static class ComparisonPsql
{
    public const int Major = 15;

    private static readonly Lazy<string?> LazySkipReason = new(() =>
    {
        if (TestCluster.SkipReason is { } cluster)
        {
            return cluster;
        }

        string psql;
        try
        {
            psql = TestCluster.FindPsql();
        }
        catch (FileNotFoundException ex)
        {
            return ex.Message;
        }

        var version = Version(psql);
        return version == Major ? null : $"{psql} is psql {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "of an unknown version"}; the comparisons need psql {Major}, the version their expected output comes from (scripts/pg-test-cluster.sh installs it)";
    });

    /// <summary>Null when the test cluster is there and its psql is version <see cref="Major"/>; otherwise why not.</summary>
    public static string? SkipReason => LazySkipReason.Value;

    /// <summary>The major version <c>psql --version</c> prints ("psql (PostgreSQL) 15.10 ..."), or null.</summary>
    public static int? Version(string psql)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(psql, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var match = System.Text.RegularExpressions.Regex.Match(text, @"\) (\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}

/// <summary>A fact that compares with psql: skipped, with the reason, without the cluster or when its psql is not version 15.</summary>
public sealed class PsqlFactAttribute : FactAttribute
{
    public PsqlFactAttribute()
    {
        if (ComparisonPsql.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that compares with psql: skipped, with the reason, without the cluster or when its psql is not version 15.</summary>
public sealed class PsqlTheoryAttribute : TheoryAttribute
{
    public PsqlTheoryAttribute()
    {
        if (ComparisonPsql.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// A fact that needs the test cluster. Skipped when PGWIRE_TEST_PORT is unset, except under CI,
/// where it runs and fails.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    private int _minServerVersion;

    public ClusterFactAttribute()
    {
        if (TestCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>The oldest server (server_version_num) the test can run on; an older test server is a visible skip.</summary>
    public int MinServerVersion
    {
        get => _minServerVersion;
        set
        {
            _minServerVersion = value;
            if (Skip is null && TestCluster.ServerVersionNum is { } have && have < value)
            {
                Skip = $"needs PostgreSQL {value / 10000} or later; the test server is {have / 10000}";
            }
        }
    }

    /// <summary>The test connects to ::1: a machine without an IPv6 loopback address is a visible skip.</summary>
    public bool NeedsIpv6Loopback
    {
        get => _needsIpv6Loopback;
        set
        {
            _needsIpv6Loopback = value;
            if (value && Skip is null && !HasIpv6Loopback())
            {
                Skip = "this machine has no IPv6 loopback address (::1)";
            }
        }
    }

    private bool _needsIpv6Loopback;

    private static bool HasIpv6Loopback()
    {
        try
        {
            return System.Net.Sockets.Socket.OSSupportsIPv6
                && File.ReadAllText("/proc/net/if_inet6").Contains("00000000000000000000000000000001", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>
/// A theory that needs the test cluster. Skipped when PGWIRE_TEST_PORT is unset, except under CI,
/// where it runs and fails.
/// </summary>
public sealed class ClusterTheoryAttribute : TheoryAttribute
{
    public ClusterTheoryAttribute()
    {
        if (TestCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A full-disk test (it mounts a small tmpfs): skipped, with the reason, where no tmpfs can be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute(bool needsCluster = false)
    {
        Skip = (needsCluster ? TestCluster.SkipReason : null) ?? TestCluster.TmpfsSkipReason;
    }
}

/// <summary>A full-disk theory that needs the test cluster: skipped, with the reason, where either is missing.</summary>
public sealed class ClusterTmpfsTheoryAttribute : TheoryAttribute
{
    public ClusterTmpfsTheoryAttribute()
    {
        Skip = TestCluster.SkipReason ?? TestCluster.TmpfsSkipReason;
    }
}
