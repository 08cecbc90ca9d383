using System.Security.Cryptography;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>Client certificates against the test cluster's <c>cert</c> and <c>clientcert=verify-ca</c> roles.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClientCertificateTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgwire-cert-").FullName;
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("client-certificate-tests");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ConnectionSettings Settings(string user, string extra, ISettingsEnvironment? env = null) =>
        ConnectionSettings.Resolve(
            $"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={user} sslmode=verify-full " +
            $"sslrootcert={TestCluster.QuoteLibpq(TestCluster.CaPath!)} connect_timeout=10 {extra}",
            env: env ?? new EmptyEnvironment());

    private static string CertAndKey(string key) =>
        $"sslcert={TestCluster.QuoteLibpq(TestCluster.ClientCertPath!)} sslkey={TestCluster.QuoteLibpq(key)}";

    private string CopyKey(UnixFileMode mode)
    {
        var path = Path.Combine(_dir, "client.key");
        File.Copy(TestCluster.ClientKeyPath!, path, overwrite: true);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private async Task<string> CurrentUser(ConnectionSettings settings)
    {
        await using var client = await PgClient.ConnectAsync(_system, settings);
        Assert.NotNull(client.Session.TlsProtocol);
        var observer = new CollectingObserver();
        await client.ExecuteAsync("SELECT current_user", observer);
        return observer.Rows.Single()[0]!;
    }

    private async Task<string> Refused(ConnectionSettings settings) =>
        (await Assert.ThrowsAsync<PgConnectionException>(() => PgClient.ConnectAsync(_system, settings))).Message;

    private static string Where => $"connection to server at \"{TestCluster.Host}\", port {TestCluster.Port} failed";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [ClusterFact]
    public async Task The_certificate_authenticates_its_role()
    {
        Assert.Equal(TestCluster.CertUser, await CurrentUser(Settings(TestCluster.CertUser, CertAndKey(TestCluster.ClientKeyPath!))));
        Assert.Equal(
            TestCluster.CertCaUser,
            await CurrentUser(Settings(TestCluster.CertCaUser, $"{CertAndKey(TestCluster.ClientKeyPath!)} password={TestCluster.Password}")));
    }

    [ClusterFact]
    public async Task Without_a_certificate_the_server_refuses()
    {
        var noCert = $"sslcert={TestCluster.QuoteLibpq(Path.Combine(_dir, "none.crt"))}";
        Assert.Equal(
            $"{Where}: FATAL:  connection requires a valid client certificate",
            await Refused(Settings(TestCluster.CertUser, noCert)));
        Assert.Equal(
            $"{Where}: FATAL:  connection requires a valid client certificate",
            await Refused(Settings(TestCluster.CertCaUser, $"{noCert} password={TestCluster.Password}")));
    }

    [ClusterFact]
    public async Task A_key_others_may_read_is_refused_with_libpqs_message()
    {
        var key = CopyKey(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal(
            $"{Where}: private key file \"{key}\" has group or world access; file must have permissions u=rw (0600) or less " +
            "if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            await Refused(Settings(TestCluster.CertUser, CertAndKey(key))));

        File.SetUnixFileMode(key, OwnerOnly);
        Assert.Equal(TestCluster.CertUser, await CurrentUser(Settings(TestCluster.CertUser, CertAndKey(key))));
    }

    [ClusterFact]
    public async Task A_group_readable_key_is_accepted_only_from_root()
    {
        var key = CopyKey(OwnerOnly | UnixFileMode.GroupRead);
        if (Environment.UserName == "root")
        {
            // Owned by root, 0640 is allowed (system-wide keys such as Debian's snakeoil key).
            Assert.Equal(TestCluster.CertUser, await CurrentUser(Settings(TestCluster.CertUser, CertAndKey(key))));
        }
        else
        {
            Assert.Contains("has group or world access", await Refused(Settings(TestCluster.CertUser, CertAndKey(key))), StringComparison.Ordinal);
        }
    }

    [ClusterFact]
    public async Task A_certificate_without_its_key_is_refused()
    {
        var missing = Path.Combine(_dir, "missing.key");
        Assert.Equal(
            $"{Where}: certificate present, but not private key file \"{missing}\"",
            await Refused(Settings(TestCluster.CertUser, CertAndKey(missing))));
        Assert.Equal(
            $"{Where}: private key file \"{_dir}\" is not a regular file",
            await Refused(Settings(TestCluster.CertUser, CertAndKey(_dir))));
    }

    [ClusterFact]
    public async Task The_default_files_under_the_home_directory_are_used()
    {
        var home = Path.Combine(_dir, "home");
        var dotDir = Directory.CreateDirectory(Path.Combine(home, ".postgresql")).FullName;
        File.Copy(TestCluster.ClientCertPath!, Path.Combine(dotDir, "postgresql.crt"));
        File.Copy(TestCluster.ClientKeyPath!, Path.Combine(dotDir, "postgresql.key"));
        File.SetUnixFileMode(Path.Combine(dotDir, "postgresql.key"), OwnerOnly);
        Assert.Equal(TestCluster.CertUser, await CurrentUser(Settings(TestCluster.CertUser, "", new EmptyEnvironment(home))));
    }

    [ClusterFact]
    public async Task An_encrypted_key_needs_sslpassword()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestCluster.ClientKeyPath!));
        var key = Path.Combine(_dir, "encrypted.key");
        File.WriteAllText(key, rsa.ExportEncryptedPkcs8PrivateKeyPem("s3cret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        File.SetUnixFileMode(key, OwnerOnly);

        Assert.Equal(TestCluster.CertUser, await CurrentUser(Settings(TestCluster.CertUser, $"{CertAndKey(key)} sslpassword=s3cret")));
        Assert.Equal(
            $"{Where}: could not load private key file \"{key}\": the key is encrypted and no sslpassword was given",
            await Refused(Settings(TestCluster.CertUser, CertAndKey(key))));
        Assert.StartsWith(
            $"{Where}: could not load private key file \"{key}\": ",
            await Refused(Settings(TestCluster.CertUser, $"{CertAndKey(key)} sslpassword=wrong")), StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task A_key_of_another_certificate_is_refused()
    {
        using var other = RSA.Create(2048);
        var key = Path.Combine(_dir, "other.key");
        File.WriteAllText(key, other.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(key, OwnerOnly);
        Assert.StartsWith(
            $"{Where}: certificate does not match private key file \"{key}\"",
            await Refused(Settings(TestCluster.CertUser, CertAndKey(key))), StringComparison.Ordinal);
    }
}
