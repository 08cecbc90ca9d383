using System.Runtime.InteropServices;

namespace PgWire.Host.Simpsql;

/// <summary>
/// Keeps OpenSSL from reading the system's trusted root certificates, which simpsql never uses:
/// as with libpq, a server certificate is trusted through the sslrootcert file or not checked at
/// all (sslmode=prefer, require without a root file), and that check builds its own chain. .NET's
/// TLS handshake nevertheless builds the server's chain against the system store first, and
/// reading and parsing that bundle (some 150 files) was a third of a TLS start-up's CPU. Pointing
/// OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR at nothing in the native environment of this process
/// stops it; programs simpsql starts get .NET's copy of the environment, which is unchanged.
/// </summary>
internal static partial class SystemTrustStore
{
    /// <summary>Call first thing, before any other thread may read the environment.</summary>
    public static void Ignore()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = SetEnv("SSL_CERT_FILE", "/dev/null", 1);
            _ = SetEnv("SSL_CERT_DIR", "/dev/null", 1);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // The handshake then reads the store as before.
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
