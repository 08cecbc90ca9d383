using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

/// <summary>Revocation lists made by .NET's builder, read and checked against a chain of a made-up CA.</summary>
public sealed class RevocationListTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgwire-crl-unit-").FullName;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static X509Certificate2 Authority(string name, bool ecdsa = false)
    {
        CertificateRequest request;
        if (ecdsa)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
            return WithAuthorityExtensions(request).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
        }

        using var rsa = RSA.Create(2048);
        request = new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return WithAuthorityExtensions(request).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
    }

    private static CertificateRequest WithAuthorityExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    private static X509Certificate2 Leaf(X509Certificate2 authority, byte[] serial)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=db.example", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.Create(authority, Now.AddDays(-1), Now.AddDays(10), serial);
    }

    private static byte[] Crl(X509Certificate2 authority, IEnumerable<byte[]> revoked, DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in revoked)
        {
            builder.AddEntry(serial);
        }

        var generator = authority.GetECDsaPrivateKey() is { } ec
            ? X509SignatureGenerator.CreateForECDsa(ec)
            : X509SignatureGenerator.CreateForRSA(authority.GetRSAPrivateKey()!, RSASignaturePadding.Pkcs1);
        return builder.Build(authority.SubjectName, generator, BigInteger.One, nextUpdate ?? Now.AddDays(7), HashAlgorithmName.SHA256, X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false), thisUpdate ?? Now.AddMinutes(-5));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_list_is_read_and_its_signature_checked(bool ecdsa)
    {
        using var authority = Authority("CN=Test CA", ecdsa);
        using var other = Authority("CN=Test CA", ecdsa);
        var list = RevocationList.Parse(Crl(authority, [[0x00, 0x9f], [0x42]]));
        Assert.True(list.Revokes([0x00, 0x9f]));
        Assert.True(list.Revokes([0x42]));
        Assert.False(list.Revokes([0x43]));
        Assert.True(list.IsIssuedBy(authority));

        // Same name, other key: the signature does not verify.
        Assert.False(list.IsIssuedBy(other));
    }

    [Fact]
    public void A_chain_is_checked_below_its_root()
    {
        using var authority = Authority("CN=Test CA");
        using var good = Leaf(authority, [0x10]);
        using var bad = Leaf(authority, [0x11]);
        IReadOnlyList<RevocationList> lists = [RevocationList.Parse(Crl(authority, [[0x11]]))];
        Assert.Null(RevocationList.Check([good, authority], lists, Now));
        Assert.Equal("certificate revoked", RevocationList.Check([bad, authority], lists, Now));

        Assert.Equal("unable to get certificate CRL", RevocationList.Check([good, authority], [], Now));
        using var impostor = Authority("CN=Test CA");
        Assert.Equal("CRL signature failure", RevocationList.Check([good, authority], [RevocationList.Parse(Crl(impostor, []))], Now));
        Assert.Equal("CRL has expired", RevocationList.Check([good, authority], [RevocationList.Parse(Crl(authority, [], Now.AddDays(-3), Now.AddDays(-1)))], Now));
        Assert.Equal("CRL is not yet valid", RevocationList.Check([good, authority], [RevocationList.Parse(Crl(authority, [], Now.AddDays(1), Now.AddDays(3)))], Now));

        // A current list counts even beside an expired one.
        Assert.Null(RevocationList.Check([good, authority], [RevocationList.Parse(Crl(authority, [], Now.AddDays(-3), Now.AddDays(-1))), lists[0]], Now));
    }

    [Fact]
    public void Files_hold_pem_lists_or_one_der_list_and_missing_paths_give_none()
    {
        using var authority = Authority("CN=Test CA");
        var pem = Path.Combine(_dir, "two.pem");
        File.WriteAllText(pem, PemEncoding.WriteString("X509 CRL", Crl(authority, [[0x01]])) + "\n" + PemEncoding.WriteString("X509 CRL", Crl(authority, [[0x02]])) + "\n");
        var der = Path.Combine(_dir, "one.der");
        File.WriteAllBytes(der, Crl(authority, [[0x03]]));
        Assert.Equal(2, RevocationList.Load(pem, null).Count);
        Assert.True(Assert.Single(RevocationList.Load(der, null)).Revokes([0x03]));
        Assert.Empty(RevocationList.Load(Path.Combine(_dir, "missing.crl"), Path.Combine(_dir, "missing")));

        var directory = Directory.CreateDirectory(Path.Combine(_dir, "lists")).FullName;
        File.Copy(pem, Path.Combine(directory, "a.r0"));
        File.Copy(der, Path.Combine(directory, "b.r0"));
        Assert.Equal(3, RevocationList.Load(null, directory).Count);

        var junk = Path.Combine(_dir, "junk.crl");
        File.WriteAllText(junk, "not a list");
        Assert.StartsWith($"could not read certificate revocation list \"{junk}\"", Assert.Throws<ConnectionSettingsException>(() => RevocationList.Load(junk, null)).Message, StringComparison.Ordinal);
    }
}
