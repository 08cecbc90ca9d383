using System.Runtime.InteropServices;

namespace PgWire.Actors.Connection;

/// <summary>
/// Cipher suite names as OpenSSL spells them, which is what libpq (and so psql's banner and
/// <c>\conninfo</c>) shows: <c>ECDHE-RSA-AES256-GCM-SHA384</c> where .NET says
/// <c>TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384</c>. TLS 1.3 suites have one name in both. The name
/// comes from OpenSSL itself (<c>OPENSSL_cipher_name</c>, OpenSSL 3.0 and later); without it the
/// standard name is kept.
/// </summary>
internal static unsafe class CipherNames
{
    private static readonly delegate* unmanaged<byte*, byte*> OpenSslName = Find();

    /// <summary>OpenSSL's name for the suite with the standard (IANA) name <paramref name="standardName"/>.</summary>
    public static string OpenSsl(string standardName)
    {
        ArgumentNullException.ThrowIfNull(standardName);
        if (OpenSslName == null || !standardName.StartsWith("TLS_", StringComparison.Ordinal))
        {
            return standardName;
        }

        var input = Marshal.StringToCoTaskMemUTF8(standardName);
        try
        {
            var name = OpenSslName((byte*)input);
            var text = name == null ? null : Marshal.PtrToStringUTF8((IntPtr)name);
            return string.IsNullOrEmpty(text) || text == "(NONE)" ? standardName : text;
        }
        finally
        {
            Marshal.FreeCoTaskMem(input);
        }
    }

    private static delegate* unmanaged<byte*, byte*> Find()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsFreeBSD())
        {
            return null;
        }

        foreach (var library in new[] { "libssl.so.3", "libssl.so" })
        {
            if (NativeLibrary.TryLoad(library, out var handle) && NativeLibrary.TryGetExport(handle, "OPENSSL_cipher_name", out var export))
            {
                return (delegate* unmanaged<byte*, byte*>)export;
            }
        }

        return null;
    }
}
