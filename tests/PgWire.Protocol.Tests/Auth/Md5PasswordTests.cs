using System.Security.Cryptography;
using System.Text;
using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

public class Md5PasswordTests
{
    private static readonly byte[] Salt = [1, 2, 3, 4];

    [Fact]
    public void Matches_md5_composition()
    {
        string innerHex = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("secret" + "postgres")));
        byte[] outerInput = [.. Encoding.ASCII.GetBytes(innerHex), .. Salt];
        string expected = "md5" + Convert.ToHexStringLower(MD5.HashData(outerInput));

        Assert.Equal(expected, Md5Password.Compute("postgres", "secret", Salt));
    }

    [Fact]
    public void Matches_literal_from_md5sum()
    {
        // inner=$(printf '%s' 'secretpostgres' | md5sum | cut -d' ' -f1)
        // echo "md5$( { printf '%s' "$inner"; printf '\x01\x02\x03\x04'; } | md5sum | cut -d' ' -f1)"
        Assert.Equal("md5bb41a296aab6baccb36ff243a562abff", Md5Password.Compute("postgres", "secret", Salt));
    }

    [Fact]
    public void Has_no_trailing_nul_and_fixed_length()
    {
        string result = Md5Password.Compute("u", "p", Salt);
        Assert.Equal(35, result.Length);
        Assert.DoesNotContain('\0', result);
    }

    [Fact]
    public void Rejects_salt_of_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => Md5Password.Compute("u", "p", new byte[3]));
    }
}
