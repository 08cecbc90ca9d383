using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgWire.Protocol.Settings;

/// <summary>
/// The client certificate and key sent when the server asks for one, loaded as libpq loads them:
/// <c>sslcert</c> (default <c>~/.postgresql/postgresql.crt</c>) is used when the file exists and
/// silently skipped when it does not; the key <c>sslkey</c> (default <c>~/.postgresql/postgresql.key</c>)
/// must then exist, be a regular file and, on Unix, have no group or world access (<c>0600</c> or
/// less), except that a key owned by root may be group-readable (<c>0640</c>).
/// </summary>
/// <remarks>
/// Keys are PEM: PKCS#8 (<c>BEGIN PRIVATE KEY</c>), PKCS#1 RSA or SEC1 EC. A PKCS#8 key encrypted
/// with a passphrase (<c>BEGIN ENCRYPTED PRIVATE KEY</c>) is read with <c>sslpassword</c>; without it
/// the connection is refused (libpq would ask for the passphrase on the terminal). Keys encrypted in
/// OpenSSL's older PEM form (<c>Proc-Type: 4,ENCRYPTED</c>) are refused with a message saying how to
/// convert them. Certificates after the first in the file are sent as the chain.
/// </remarks>
public static class ClientCertificate
{
    /// <summary>
    /// The certificate with its private key and the rest of the chain, or null when there is no
    /// certificate file.
    /// </summary>
    /// <exception cref="ConnectionSettingsException">The certificate or key cannot be used; the message is libpq's.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain)? Load(string? certPath, string? keyPath, string? password)
    {
        if (string.IsNullOrEmpty(certPath) || !File.Exists(certPath))
        {
            return null;
        }

        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(certPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConnectionSettingsException($"could not read certificate file \"{certPath}\": {ex.Message}");
        }

        if (all.Count == 0)
        {
            throw new ConnectionSettingsException($"could not read certificate file \"{certPath}\": no certificate found");
        }

        if (string.IsNullOrEmpty(keyPath))
        {
            throw new ConnectionSettingsException("certificate present, but no private key file was given and there is no home directory");
        }

        CheckKeyFile(keyPath);
        string keyText;
        try
        {
            keyText = File.ReadAllText(keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConnectionSettingsException($"could not load private key file \"{keyPath}\": {ex.Message}");
        }

        X509Certificate2 withKey;
        try
        {
            withKey = LoadWithKey(all[0], keyText, keyPath, password);
        }
        catch (CryptographicException ex)
        {
            throw new ConnectionSettingsException($"could not load private key file \"{keyPath}\": {ex.Message}");
        }

        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        return (withKey, chain);
    }

    private static X509Certificate2 LoadWithKey(X509Certificate2 certificate, string keyText, string keyPath, string? password)
    {
        if (keyText.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new ConnectionSettingsException(
                $"could not load private key file \"{keyPath}\": keys encrypted in the older OpenSSL PEM form are not supported; " +
                "convert it to encrypted PKCS#8 (openssl pkcs8 -topk8 -v2 aes-256-cbc) and give its passphrase as sslpassword");
        }

        AsymmetricAlgorithm key;
        if (keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(password))
            {
                throw new ConnectionSettingsException(
                    $"could not load private key file \"{keyPath}\": the key is encrypted and no sslpassword was given");
            }

            key = ImportKey(certificate, k => k.ImportFromEncryptedPem(keyText, password));
        }
        else
        {
            key = ImportKey(certificate, k => k.ImportFromPem(keyText));
        }

        using (key)
        {
            try
            {
                return key switch
                {
                    RSA rsa => certificate.CopyWithPrivateKey(rsa),
                    ECDsa ec => certificate.CopyWithPrivateKey(ec),
                    _ => throw new CryptographicException("unsupported key type"),
                };
            }
            catch (ArgumentException)
            {
                // The runtime's words for it: the key does not match the certificate's public key.
                throw new ConnectionSettingsException($"certificate does not match private key file \"{keyPath}\": key values mismatch");
            }
        }
    }

    /// <summary>A key of the certificate's algorithm, filled by <paramref name="import"/>.</summary>
    private static AsymmetricAlgorithm ImportKey(X509Certificate2 certificate, Action<AsymmetricAlgorithm> import)
    {
        AsymmetricAlgorithm key = certificate.GetKeyAlgorithm() switch
        {
            "1.2.840.10045.2.1" => ECDsa.Create(),
            _ => RSA.Create(),
        };
        try
        {
            import(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The checks libpq makes before reading a key file, with its messages.</summary>
    private static void CheckKeyFile(string keyPath)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!File.Exists(keyPath))
            {
                throw new ConnectionSettingsException($"certificate present, but not private key file \"{keyPath}\"");
            }

            return;
        }

        if (!TryStat(keyPath, out var mode, out var owner))
        {
            throw new ConnectionSettingsException($"certificate present, but not private key file \"{keyPath}\"");
        }

        const int typeMask = 0xF000;
        const int regularFile = 0x8000;
        if ((mode & typeMask) != regularFile)
        {
            throw new ConnectionSettingsException($"private key file \"{keyPath}\" is not a regular file");
        }

        // Group or world access of any kind; for a key owned by root, group read is allowed.
        const int groupOrWorld = 0x3F;      // rwx for group and others (0077)
        const int rootForbidden = 0x1F;     // group write and execute, all of others (0037)
        if ((mode & (owner == 0 ? rootForbidden : groupOrWorld)) != 0)
        {
            throw new ConnectionSettingsException(
                $"private key file \"{keyPath}\" has group or world access; file must have permissions u=rw (0600) or less " +
                "if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root");
        }
    }

    private static bool TryStat(string path, out int mode, out uint owner)
    {
        if (NativeStat(path, out var status) != 0)
        {
            mode = 0;
            owner = 0;
            return false;
        }

        mode = status.Mode;
        owner = status.Uid;
        return true;
    }

    /// <summary>The leading fields of the runtime's own portable stat result (its other fields follow, unread).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;

        // Room for the fields after these, which differ between runtime versions.
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 32)]
        public long[] Rest;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, SetLastError = true)]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);
}
