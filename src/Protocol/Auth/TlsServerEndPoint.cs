using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgWire.Protocol.Auth;

/// <summary>The <c>tls-server-end-point</c> channel binding of RFC 5929 section 4.</summary>
public static class TlsServerEndPoint
{
    private const string Md5 = "1.2.840.113549.2.5";
    private const string Sha1 = "1.3.14.3.2.26";
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private const string Sha384 = "2.16.840.1.101.3.4.2.2";
    private const string Sha512 = "2.16.840.1.101.3.4.2.3";
    private const string RsaPss = "1.2.840.113549.1.1.10";

    /// <summary>
    /// Hashes the server's DER-encoded certificate with the hash function of its signature
    /// algorithm. MD5 and SHA-1 are replaced by SHA-256, as RFC 5929 requires.
    /// </summary>
    /// <exception cref="PgAuthenticationException">
    /// The signature algorithm has no single hash function usable here (for example Ed25519), or the
    /// certificate cannot be parsed.
    /// </exception>
    public static byte[] Compute(X509Certificate2 serverCertificate)
    {
        ArgumentNullException.ThrowIfNull(serverCertificate);
        byte[] der = serverCertificate.RawData;
        HashAlgorithmName hash = ChannelBindingHash(der);
        return hash.Name switch
        {
            "SHA256" => SHA256.HashData(der),
            "SHA384" => SHA384.HashData(der),
            "SHA512" => SHA512.HashData(der),
            _ => throw new PgAuthenticationException($"no channel binding hash for {hash.Name}"),
        };
    }

    /// <summary>The hash function used for the binding of a certificate, after the MD5/SHA-1 upgrade.</summary>
    internal static HashAlgorithmName ChannelBindingHash(byte[] certificateDer)
    {
        string oid;
        ReadOnlyMemory<byte>? parameters;
        try
        {
            (oid, parameters) = ReadSignatureAlgorithm(certificateDer);
        }
        catch (AsnContentException)
        {
            throw new PgAuthenticationException("the server certificate could not be parsed for channel binding");
        }

        string? digestOid = oid switch
        {
            "1.2.840.113549.1.1.4" => Md5,
            "1.2.840.113549.1.1.5" => Sha1,
            "1.2.840.113549.1.1.11" => Sha256,
            "1.2.840.113549.1.1.12" => Sha384,
            "1.2.840.113549.1.1.13" => Sha512,
            "1.2.840.10045.4.1" => Sha1,
            "1.2.840.10045.4.3.2" => Sha256,
            "1.2.840.10045.4.3.3" => Sha384,
            "1.2.840.10045.4.3.4" => Sha512,
            "1.2.840.10040.4.3" => Sha1,
            "2.16.840.1.101.3.4.3.2" => Sha256,
            "2.16.840.1.101.3.4.3.3" => Sha384,
            "2.16.840.1.101.3.4.3.4" => Sha512,
            RsaPss => PssDigest(parameters),
            _ => null,
        };

        return digestOid switch
        {
            Md5 or Sha1 or Sha256 => HashAlgorithmName.SHA256,
            Sha384 => HashAlgorithmName.SHA384,
            Sha512 => HashAlgorithmName.SHA512,
            _ => throw new PgAuthenticationException(
                $"channel binding is not supported for certificates signed with algorithm {oid}"),
        };
    }

    private static (string Oid, ReadOnlyMemory<byte>? Parameters) ReadSignatureAlgorithm(byte[] der)
    {
        var certificate = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        certificate.ReadEncodedValue();
        AsnReader algorithm = certificate.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = algorithm.HasData ? algorithm.ReadEncodedValue() : null;
        return (oid, parameters);
    }

    private static string? PssDigest(ReadOnlyMemory<byte>? parameters)
    {
        if (parameters is null)
        {
            return Sha1;
        }

        try
        {
            AsnReader pss = new AsnReader(parameters.Value, AsnEncodingRules.DER).ReadSequence();
            var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (!pss.HasData || !pss.PeekTag().HasSameClassAndValue(hashTag))
            {
                return Sha1;
            }

            AsnReader hashAlgorithm = pss.ReadSequence(hashTag).ReadSequence();
            return hashAlgorithm.ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
