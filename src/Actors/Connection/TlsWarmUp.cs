using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// Loads the X.509 and OpenSSL machinery a TLS handshake needs (the system certificate store, chain
/// building, key exchange) on a thread-pool thread, so that it happens while the actor system starts
/// rather than inside the first handshake.
/// </summary>
public static class TlsWarmUp
{
    private static int _started;

    /// <summary>Starts the warm-up once per process, unless <paramref name="mode"/> means no TLS at all.</summary>
    public static void Start(SslMode mode)
    {
        if (mode == SslMode.Disable || Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _ = Task.Run(Run);
    }

    private static void Run()
    {
        try
        {
            // A chain for a throwaway self-signed certificate touches what the handshake's chain does.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=pgwire", key, HashAlgorithmName.SHA256);
            var now = DateTimeOffset.UtcNow;
            using var certificate = request.CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(1));
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.Build(certificate);
        }
        catch (CryptographicException)
        {
            // Only a head start: the handshake reports real problems.
        }
    }
}
