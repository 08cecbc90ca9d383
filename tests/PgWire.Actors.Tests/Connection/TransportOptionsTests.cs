using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>
/// The libpq options that decide how a connection is made and which server it accepts, against the
/// test cluster's roles: require_auth, ssl_min/max_protocol_version, sslcertmode, sslsni, the TCP
/// keepalive options and requirepeer.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TransportOptionsTests : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("transport-options-tests");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private static ConnectionSettings Settings(string user, string extra, string sslMode = "disable", string? host = null) =>
        ConnectionSettings.Resolve(
            $"host={TestCluster.QuoteLibpq(host ?? TestCluster.Host)} port={TestCluster.Port} dbname={TestCluster.Database} user={user} password={TestCluster.Password} " +
            $"sslmode={sslMode} sslrootcert={TestCluster.QuoteLibpq(TestCluster.CaPath ?? "/nonexistent")} connect_timeout=10 {extra}",
            env: new EmptyEnvironment());

    private async Task<IReadOnlyList<string?>> Query(ConnectionSettings settings, string sql)
    {
        await using var client = await PgClient.ConnectAsync(_system, settings);
        var observer = new CollectingObserver();
        await client.ExecuteAsync(sql, observer);
        return observer.Rows.Single();
    }

    private async Task<string> Refused(ConnectionSettings settings) =>
        (await Assert.ThrowsAsync<PgConnectionException>(() => PgClient.ConnectAsync(_system, settings))).Message;

    private static string Where => $"connection to server at \"{TestCluster.Host}\", port {TestCluster.Port} failed";

    [ClusterTheory]
    [InlineData(TestCluster.ScramUser, "scram-sha-256")]
    [InlineData(TestCluster.Md5User, "md5")]
    [InlineData(TestCluster.CleartextUser, "password")]
    [InlineData(TestCluster.TrustUser, "none")]
    [InlineData(TestCluster.Md5User, "password,md5")]
    [InlineData(TestCluster.ScramUser, "!password,!md5")]
    [InlineData(TestCluster.TrustUser, "!password")]
    public async Task Require_auth_lets_an_allowed_method_in(string user, string requireAuth)
    {
        Assert.Equal(user, (await Query(Settings(user, $"require_auth={requireAuth}"), "SELECT current_user"))[0]);
    }

    [ClusterTheory]
    [InlineData(TestCluster.Md5User, "scram-sha-256", "server requested a hashed password")]
    [InlineData(TestCluster.CleartextUser, "scram-sha-256", "server requested a cleartext password")]
    [InlineData(TestCluster.CleartextUser, "!password", "server requested a cleartext password")]
    [InlineData(TestCluster.ScramUser, "md5,password", "server requested SASL authentication")]
    [InlineData(TestCluster.ScramUser, "!scram-sha-256", "server requested SASL authentication")]
    [InlineData(TestCluster.TrustUser, "scram-sha-256", "server did not complete authentication")]
    [InlineData(TestCluster.TrustUser, "!none", "server did not complete authentication")]
    public async Task Require_auth_refuses_any_other_request_before_answering_it(string user, string requireAuth, string reason)
    {
        var message = await Refused(Settings(user, $"require_auth={requireAuth}"));
        Assert.Equal($"{Where}: authentication method requirement \"{requireAuth}\" failed: {reason}", message);
    }

    [ClusterFact]
    public async Task Require_auth_refuses_a_cleartext_request_without_sending_the_password()
    {
        // The server logs a password that reached it and was wrong; a refused request sends nothing,
        // so the backend sees the client go away before any password message.
        var settings = ConnectionSettings.Resolve(
            $"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.CleartextUser} password=not-the-password sslmode=disable require_auth=md5",
            env: new EmptyEnvironment());
        var message = await Refused(settings);
        Assert.Contains("server requested a cleartext password", message, StringComparison.Ordinal);
        Assert.DoesNotContain("password authentication failed", message, StringComparison.Ordinal);
    }

    [ClusterTheory]
    [InlineData("", "TLSv1.3")]
    [InlineData("ssl_max_protocol_version=TLSv1.2", "TLSv1.2")]
    [InlineData("ssl_min_protocol_version=tlsv1.3", "TLSv1.3")]
    [InlineData("ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.2", "TLSv1.2")]
    public async Task The_tls_version_stays_within_the_bounds_given(string extra, string expected)
    {
        Assert.NotNull(TestCluster.CaPath);
        var row = await Query(Settings(TestCluster.ScramUser, extra, "require"), "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        Assert.Equal(expected, row[0]);
    }

    [ClusterFact]
    public async Task A_tls_version_the_server_refuses_fails_the_handshake()
    {
        Assert.NotNull(TestCluster.CaPath);

        // The cluster allows TLS 1.2 and up; a client that offers only TLS 1.0 cannot agree with it.
        var message = await Refused(Settings(TestCluster.ScramUser, "ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1", "require"));
        Assert.StartsWith(Where, message, StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task Sslcertmode_require_needs_a_certificate_sent()
    {
        Assert.NotNull(TestCluster.ClientCertPath);
        Assert.NotNull(TestCluster.ClientKeyPath);
        var certificate = $"sslcert={TestCluster.QuoteLibpq(TestCluster.ClientCertPath!)} sslkey={TestCluster.QuoteLibpq(TestCluster.ClientKeyPath!)}";

        // pgw_certca: a certificate of the test CA and the password.
        Assert.Equal(TestCluster.CertCaUser, (await Query(Settings(TestCluster.CertCaUser, $"{certificate} sslcertmode=require", "verify-full", "localhost"), "SELECT current_user"))[0]);

        // The scram role needs no certificate: without one the server lets the client in, which sslcertmode=require refuses.
        var message = await Refused(Settings(TestCluster.ScramUser, "sslcert=/nonexistent/client.crt sslcertmode=require", "verify-full", "localhost"));
        Assert.Equal($"connection to server at \"localhost\", port {TestCluster.Port} failed: server accepted connection without a valid SSL certificate", message);

        // Over a plain connection no certificate can be asked for.
        message = await Refused(Settings(TestCluster.ScramUser, "sslcertmode=require"));
        Assert.Equal($"{Where}: server did not request an SSL certificate", message);
    }

    [ClusterFact]
    public async Task Sslcertmode_disable_never_sends_the_certificate()
    {
        Assert.NotNull(TestCluster.ClientCertPath);
        Assert.NotNull(TestCluster.ClientKeyPath);
        var certificate = $"sslcert={TestCluster.QuoteLibpq(TestCluster.ClientCertPath!)} sslkey={TestCluster.QuoteLibpq(TestCluster.ClientKeyPath!)}";
        Assert.Equal(TestCluster.CertUser, (await Query(Settings(TestCluster.CertUser, certificate, "verify-full", "localhost"), "SELECT current_user"))[0]);

        // pgw_cert signs in by certificate alone: without it the server refuses.
        var message = await Refused(Settings(TestCluster.CertUser, $"{certificate} sslcertmode=disable", "verify-full", "localhost"));
        Assert.Equal($"connection to server at \"localhost\", port {TestCluster.Port} failed: FATAL:  connection requires a valid client certificate", message);
    }

    [ClusterFact]
    public async Task Without_sni_verify_full_still_checks_the_host_name()
    {
        Assert.NotNull(TestCluster.CaPath);
        Assert.Equal("t", (await Query(Settings(TestCluster.ScramUser, "sslsni=0", "verify-full", "localhost"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))[0]);

        // 127.0.0.2 reaches the same server but is not a name in its certificate.
        await Refused(Settings(TestCluster.ScramUser, "sslsni=0", "verify-full", "127.0.0.2"));
    }

    [ClusterFact]
    public async Task Keepalives_are_on_by_default_and_take_the_idle_time_given()
    {
        // /proc/net/tcp shows timer 2 while the keepalive timer is pending, with its time left in
        // hundredths of a second; an idle connection without keepalives has no timer.
        Assert.InRange((await KeepaliveCentiseconds("keepalives_idle=7200")).GetValueOrDefault(-1), 7000 * 100, 7200 * 100);
        Assert.InRange((await KeepaliveCentiseconds("keepalives_idle=300 keepalives_interval=5 keepalives_count=3")).GetValueOrDefault(-1), 290 * 100, 300 * 100);
        Assert.Null(await KeepaliveCentiseconds("keepalives=0"));
        Assert.NotNull(await KeepaliveCentiseconds(""));
    }

    private async Task<int?> KeepaliveCentiseconds(string extra)
    {
        await using var client = await PgClient.ConnectAsync(_system, Settings(TestCluster.ScramUser, extra, host: "127.0.0.1"));
        var observer = new CollectingObserver();
        await client.ExecuteAsync("SELECT client_port FROM pg_stat_activity WHERE pid = pg_backend_pid()", observer);
        var port = int.Parse(observer.Rows.Single()[0]!, CultureInfo.InvariantCulture);
        var local = $"0100007F:{port:X4}";
        var remote = $"0100007F:{TestCluster.Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1] == local && fields[2] == remote)
            {
                var timer = fields[5].Split(':');
                return timer[0] == "02" ? int.Parse(timer[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : null;
            }
        }

        throw new InvalidOperationException($"no socket from port {port} in /proc/net/tcp");
    }

    [ClusterFact]
    public async Task Requirepeer_checks_the_user_the_server_runs_as()
    {
        Assert.NotNull(TestCluster.SocketDir);
        var socket = Path.Combine(TestCluster.SocketDir!, $".s.PGSQL.{TestCluster.Port}");
        var owner = OwnerOf(socket);

        Assert.Equal(TestCluster.TrustUser, (await Query(Settings(TestCluster.TrustUser, $"requirepeer={owner}", host: TestCluster.SocketDir), "SELECT current_user"))[0]);
        var message = await Refused(Settings(TestCluster.TrustUser, "requirepeer=pgw_no_such_os_user", host: TestCluster.SocketDir));
        Assert.Equal($"connection to server on socket \"{socket}\" failed: requirepeer specifies \"pgw_no_such_os_user\", but actual peer user name is \"{owner}\"", message);

        // Over TCP there is no peer to ask: the option does not apply.
        Assert.Equal(TestCluster.ScramUser, (await Query(Settings(TestCluster.ScramUser, "requirepeer=pgw_no_such_os_user"), "SELECT current_user"))[0]);
    }

    private static string OwnerOf(string path)
    {
        // The socket file belongs to the user the server runs as; stat(1) names it independently.
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal(0, stat.ExitCode);
        return owner;
    }

    /// <summary>A revocation list of the test CA (or of <paramref name="issuer"/>) revoking <paramref name="serials"/>, written to a new file.</summary>
    private static string WriteCrl(string directory, string name, IEnumerable<byte[]> serials, X509Certificate2? issuer = null, DateTimeOffset? nextUpdate = null)
    {
        using var ca = issuer ?? X509Certificate2.CreateFromPemFile(TestCluster.CaPath!, Path.Combine(Path.GetDirectoryName(TestCluster.CaPath!)!, "ca.key"));
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in serials)
        {
            builder.AddEntry(serial, DateTimeOffset.UtcNow.AddDays(-1));
        }

        var now = DateTimeOffset.UtcNow;
        var der = builder.Build(ca, BigInteger.One, nextUpdate ?? now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-10));
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", der) + "\n");
        return path;
    }

    private static byte[] ServerSerial()
    {
        using var server = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Path.GetDirectoryName(TestCluster.CaPath!)!, "server.crt")));
        return server.SerialNumberBytes.ToArray();
    }

    [ClusterFact]
    public async Task A_revocation_list_refuses_a_revoked_server_as_psql_does()
    {
        Assert.NotNull(TestCluster.CaPath);
        var dir = Directory.CreateTempSubdirectory("pgwire-crl-").FullName;
        try
        {
            var revoking = WriteCrl(dir, "revoking.crl", [ServerSerial()]);
            var other = WriteCrl(dir, "other.crl", [[0x01, 0x02, 0x03]]);
            string Libpq(string crl) => $"host=localhost port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=verify-full sslrootcert={TestCluster.CaPath} sslcrl={crl}";

            // psql (libpq, OpenSSL) reads the same files the same way.
            Assert.NotEqual(0, TestCluster.RunPsql("-X", "-At", "-c", "select 1", Libpq(revoking)).ExitCode);
            Assert.Equal(0, TestCluster.RunPsql("-X", "-At", "-c", "select 1", Libpq(other)).ExitCode);

            var message = await Refused(Settings(TestCluster.ScramUser, $"sslcrl={TestCluster.QuoteLibpq(revoking)}", "verify-full", "localhost"));
            Assert.Equal($"connection to server at \"localhost\", port {TestCluster.Port} failed: SSL error: certificate verify failed: certificate revoked", message);
            Assert.Equal("t", (await Query(Settings(TestCluster.ScramUser, $"sslcrl={TestCluster.QuoteLibpq(other)}", "verify-full", "localhost"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))[0]);

            // A directory of lists: one of them revokes the server.
            var listDir = Directory.CreateDirectory(Path.Combine(dir, "lists")).FullName;
            File.Copy(other, Path.Combine(listDir, "a.r0"));
            Assert.Equal("t", (await Query(Settings(TestCluster.ScramUser, $"sslcrldir={TestCluster.QuoteLibpq(listDir)}", "verify-full", "localhost"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))[0]);
            File.Copy(revoking, Path.Combine(listDir, "b.r0"));
            Assert.EndsWith("certificate revoked", await Refused(Settings(TestCluster.ScramUser, $"sslcrldir={TestCluster.QuoteLibpq(listDir)}", "verify-full", "localhost")), StringComparison.Ordinal);

            // A list past its next update, and one of another issuer only: the server cannot be checked.
            var expired = WriteCrl(dir, "expired.crl", [], nextUpdate: DateTimeOffset.UtcNow.AddMinutes(-5));
            Assert.EndsWith("CRL has expired", await Refused(Settings(TestCluster.ScramUser, $"sslcrl={TestCluster.QuoteLibpq(expired)}", "verify-full", "localhost")), StringComparison.Ordinal);
            using var otherCaKey = RSA.Create(2048);
            var otherCaRequest = new CertificateRequest("CN=pgwire other CA", otherCaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            otherCaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            otherCaRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, true));
            var foreign = WriteCrl(dir, "foreign.crl", [], otherCaRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)));
            Assert.EndsWith("unable to get certificate CRL", await Refused(Settings(TestCluster.ScramUser, $"sslcrl={TestCluster.QuoteLibpq(foreign)}", "verify-full", "localhost")), StringComparison.Ordinal);
            Assert.NotEqual(0, TestCluster.RunPsql("-X", "-At", "-c", "select 1", Libpq(foreign)).ExitCode);

            // Not a revocation list at all.
            var junk = Path.Combine(dir, "junk.crl");
            File.WriteAllText(junk, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
            Assert.Contains($"could not read certificate revocation list \"{junk}\"", await Refused(Settings(TestCluster.ScramUser, $"sslcrl={TestCluster.QuoteLibpq(junk)}", "verify-full", "localhost")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
