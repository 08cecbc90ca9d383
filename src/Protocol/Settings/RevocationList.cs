using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgWire.Protocol.Settings;

/// <summary>
/// An X.509 certificate revocation list (RFC 5280 section 5), read from the file named by
/// <c>sslcrl</c> or the files of <c>sslcrldir</c>: who issued it, when it was made and until when
/// it holds, the serial numbers it revokes, and its signature, checked against the issuer's key.
/// </summary>
public sealed class RevocationList
{
    private readonly HashSet<BigInteger> _revoked;
    private readonly byte[] _signed;
    private readonly string _signatureAlgorithm;
    private readonly ReadOnlyMemory<byte>? _signatureParameters;
    private readonly byte[] _signature;

    private RevocationList(byte[] issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<BigInteger> revoked, byte[] signed, string signatureAlgorithm, ReadOnlyMemory<byte>? signatureParameters, byte[] signature)
    {
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
        _signed = signed;
        _signatureAlgorithm = signatureAlgorithm;
        _signatureParameters = signatureParameters;
        _signature = signature;
    }

    /// <summary>The issuer's distinguished name, DER-encoded as in the list.</summary>
    public byte[] Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    /// <summary>Whether the list revokes the certificate with serial number <paramref name="serialNumber"/> (big-endian, as in the certificate).</summary>
    public bool Revokes(ReadOnlySpan<byte> serialNumber) => _revoked.Contains(new BigInteger(serialNumber, isUnsigned: false, isBigEndian: true));

    /// <summary>Whether <paramref name="issuer"/> issued the list: its subject is the list's issuer and its key verifies the signature.</summary>
    public bool IsIssuedBy(X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer))
        {
            return false;
        }

        try
        {
            switch (_signatureAlgorithm)
            {
                case "1.2.840.113549.1.1.5":
                    return VerifyRsa(issuer, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
                case "1.2.840.113549.1.1.11":
                    return VerifyRsa(issuer, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                case "1.2.840.113549.1.1.12":
                    return VerifyRsa(issuer, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
                case "1.2.840.113549.1.1.13":
                    return VerifyRsa(issuer, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
                case "1.2.840.113549.1.1.10":
                    return VerifyRsa(issuer, PssHash(), RSASignaturePadding.Pss);
                case "1.2.840.10045.4.3.2":
                    return VerifyEcdsa(issuer, HashAlgorithmName.SHA256);
                case "1.2.840.10045.4.3.3":
                    return VerifyEcdsa(issuer, HashAlgorithmName.SHA384);
                case "1.2.840.10045.4.3.4":
                    return VerifyEcdsa(issuer, HashAlgorithmName.SHA512);
                default:
                    return false;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException)
        {
            return false;
        }
    }

    private bool VerifyRsa(X509Certificate2 issuer, HashAlgorithmName hash, RSASignaturePadding padding)
    {
        using var key = issuer.GetRSAPublicKey();
        return key is not null && key.VerifyData(_signed, _signature, hash, padding);
    }

    private bool VerifyEcdsa(X509Certificate2 issuer, HashAlgorithmName hash)
    {
        using var key = issuer.GetECDsaPublicKey();
        return key is not null && key.VerifyData(_signed, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>The hash of RSASSA-PSS parameters (RFC 4055): SHA-1 when absent.</summary>
    private HashAlgorithmName PssHash()
    {
        if (_signatureParameters is not { } parameters)
        {
            return HashAlgorithmName.SHA1;
        }

        var sequence = new AsnReader(parameters, AsnEncodingRules.DER).ReadSequence();
        var tag = new Asn1Tag(TagClass.ContextSpecific, 0);
        if (!sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(tag))
        {
            return HashAlgorithmName.SHA1;
        }

        var hash = sequence.ReadSequence(tag).ReadSequence().ReadObjectIdentifier();
        return hash switch
        {
            "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
            "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
            "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
            _ => HashAlgorithmName.SHA1,
        };
    }

    /// <summary>
    /// The lists of <paramref name="file"/> (PEM, several allowed, or one DER) and of every file in
    /// <paramref name="directory"/>; a path that does not exist contributes nothing, as in libpq.
    /// </summary>
    /// <exception cref="ConnectionSettingsException">A file that cannot be read or is not a revocation list.</exception>
    public static IReadOnlyList<RevocationList> Load(string? file, string? directory)
    {
        var lists = new List<RevocationList>();
        if (!string.IsNullOrEmpty(file) && File.Exists(file))
        {
            lists.AddRange(ReadFile(file));
        }

        if (!string.IsNullOrEmpty(directory) && Directory.Exists(directory))
        {
            foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                lists.AddRange(ReadFile(path));
            }
        }

        return lists;
    }

    private static IEnumerable<RevocationList> ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConnectionSettingsException($"could not read certificate revocation list \"{path}\": {ex.Message}");
        }

        var lists = new List<RevocationList>();
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
            {
                foreach (var der in PemBlocks(text))
                {
                    lists.Add(Parse(der));
                }
            }
            else
            {
                lists.Add(Parse(bytes));
            }
        }
        catch (Exception ex) when (ex is AsnContentException or FormatException or CryptographicException)
        {
            throw new ConnectionSettingsException($"could not read certificate revocation list \"{path}\": {ex.Message}");
        }

        return lists;
    }

    private static IEnumerable<byte[]> PemBlocks(string text)
    {
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            if (rest.Span[fields.Label].SequenceEqual("X509 CRL"))
            {
                yield return Convert.FromBase64String(rest.Span[fields.Base64Data].ToString());
            }

            rest = rest[fields.Location.End..];
        }
    }

    /// <summary>Reads one DER-encoded CertificateList.</summary>
    public static RevocationList Parse(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var list = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var signed = list.ReadEncodedValue().ToArray();
        var algorithm = list.ReadSequence();
        var algorithmOid = algorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = algorithm.HasData ? algorithm.ReadEncodedValue() : null;
        var signature = list.ReadBitString(out _);
        list.ThrowIfNotEmpty();

        var tbs = new AsnReader(signed, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }

        tbs.ReadSequence(); // the signature algorithm again
        var issuer = tbs.ReadEncodedValue().ToArray();
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var revoked = new HashSet<BigInteger>();
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(entry.ReadInteger());
            }
        }

        return new RevocationList(issuer, thisUpdate, nextUpdate, revoked, signed, algorithmOid, parameters, signature);
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>
    /// Checks every certificate of a verified chain but its root against <paramref name="lists"/>, as
    /// OpenSSL does with CRL_CHECK and CRL_CHECK_ALL (libpq's flags when it loads a list): each needs
    /// a list of its issuer, signed by the issuer and current, that does not revoke it. Returns the
    /// reason (OpenSSL's wording) of the first certificate that fails, or null.
    /// </summary>
    public static string? Check(IReadOnlyList<X509Certificate2> chain, IReadOnlyList<RevocationList> lists, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(lists);
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var certificate = chain[i];
            var issuer = chain[i + 1];
            var candidates = lists.Where(l => l.Issuer.AsSpan().SequenceEqual(certificate.IssuerName.RawData)).ToList();
            if (candidates.Count == 0)
            {
                return "unable to get certificate CRL";
            }

            var signedOnes = candidates.Where(l => l.IsIssuedBy(issuer)).ToList();
            if (signedOnes.Count == 0)
            {
                return "CRL signature failure";
            }

            var current = signedOnes.Where(l => l.ThisUpdate <= now && (l.NextUpdate is null || l.NextUpdate >= now)).ToList();
            if (current.Count == 0)
            {
                return signedOnes.Any(l => l.ThisUpdate > now) ? "CRL is not yet valid" : "CRL has expired";
            }

            if (current.Any(l => l.Revokes(certificate.SerialNumberBytes.Span)))
            {
                return "certificate revoked";
            }
        }

        return null;
    }
}
