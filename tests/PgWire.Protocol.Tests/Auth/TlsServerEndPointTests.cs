using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

public class TlsServerEndPointTests
{
    private static X509Certificate2 SelfSigned(CertificateRequest request) =>
        request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    private static X509Certificate2 Rsa(HashAlgorithmName hash, RSASignaturePadding padding)
    {
        using RSA rsa = RSA.Create(2048);
        return SelfSigned(new CertificateRequest("CN=pg", rsa, hash, padding));
    }

    private static X509Certificate2 Ecdsa(HashAlgorithmName hash)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return SelfSigned(new CertificateRequest("CN=pg", ecdsa, hash));
    }

    [Fact]
    public void Rsa_sha256_uses_sha256()
    {
        using X509Certificate2 cert = Rsa(HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.Equal(SHA256.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Rsa_sha384_uses_sha384()
    {
        using X509Certificate2 cert = Rsa(HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
        Assert.Equal(SHA384.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Rsa_sha512_uses_sha512()
    {
        using X509Certificate2 cert = Rsa(HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
        Assert.Equal(SHA512.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Rsa_sha1_is_upgraded_to_sha256()
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=pg", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 cert = request.Create(
            new X500DistinguishedName("CN=pg"), new Sha1RsaGenerator(rsa),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
        Assert.Equal("1.2.840.113549.1.1.5", cert.SignatureAlgorithm.Value);
        Assert.Equal(SHA256.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Ecdsa_sha512_uses_sha512()
    {
        using X509Certificate2 cert = Ecdsa(HashAlgorithmName.SHA512);
        Assert.Equal(SHA512.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Ecdsa_sha256_uses_sha256()
    {
        using X509Certificate2 cert = Ecdsa(HashAlgorithmName.SHA256);
        Assert.Equal(SHA256.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Rsa_pss_uses_hash_from_parameters()
    {
        using X509Certificate2 cert = Rsa(HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        Assert.Equal("1.2.840.113549.1.1.10", cert.SignatureAlgorithm.Value);
        Assert.Equal(SHA384.HashData(cert.RawData), TlsServerEndPoint.Compute(cert));
    }

    [Fact]
    public void Unparseable_certificate_data_is_refused()
    {
        Assert.Throws<PgAuthenticationException>(() => TlsServerEndPoint.ChannelBindingHash([0x30, 0x03, 0x02, 0x01]));
    }

    [Fact]
    public void Unknown_signature_algorithm_is_refused()
    {
        // Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier { 1.3.101.112 (Ed25519) }, signature }
        byte[] der = [0x30, 0x0D, 0x30, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x02, 0x00, 0x00];
        var ex = Assert.Throws<PgAuthenticationException>(() => TlsServerEndPoint.ChannelBindingHash(der));
        Assert.Contains("1.3.101.112", ex.Message);
    }

    /// <summary>Signs with sha1WithRSAEncryption, which CertificateRequest no longer produces by itself.</summary>
    private sealed class Sha1RsaGenerator(RSA key) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _inner = CreateForRSA(key, RSASignaturePadding.Pkcs1);

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
            [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => _inner.PublicKey;
    }
}
