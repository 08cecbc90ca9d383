using System.Security.Cryptography;
using System.Text;

namespace PgWire.Protocol.Auth;

/// <summary>The response to AuthenticationMD5Password.</summary>
public static class Md5Password
{
    /// <summary>
    /// Computes <c>"md5" + md5hex(md5hex(password + user) + salt)</c>, the text sent in the
    /// PasswordMessage without its terminating NUL. Password and user are encoded as UTF-8.
    /// </summary>
    /// <param name="user">The role name sent in the startup message.</param>
    /// <param name="password">The password.</param>
    /// <param name="salt4">The four salt bytes from AuthenticationMD5Password.</param>
    public static string Compute(string user, string password, ReadOnlySpan<byte> salt4)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (salt4.Length != 4)
        {
            throw new ArgumentException("The MD5 salt must be exactly 4 bytes.", nameof(salt4));
        }

        int passwordLength = Encoding.UTF8.GetByteCount(password);
        int userLength = Encoding.UTF8.GetByteCount(user);
        byte[] inner = new byte[passwordLength + userLength];
        Span<byte> innerHex = stackalloc byte[32 + 4];
        Span<byte> digest = stackalloc byte[16];
        try
        {
            Encoding.UTF8.GetBytes(password, inner);
            Encoding.UTF8.GetBytes(user, inner.AsSpan(passwordLength));
            MD5.HashData(inner, digest);
            WriteLowerHex(digest, innerHex);
            salt4.CopyTo(innerHex[32..]);
            MD5.HashData(innerHex, digest);
            return "md5" + Convert.ToHexStringLower(digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
            CryptographicOperations.ZeroMemory(innerHex);
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    private static void WriteLowerHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[2 * i + 1] = (byte)Digits[bytes[i] & 0xF];
        }
    }
}
