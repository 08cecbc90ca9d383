using System.Security.Cryptography;
using System.Text;
using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

/// <summary>
/// Runs the client against the server side of SCRAM, using verifiers that PostgreSQL 15 stored in
/// pg_authid.rolpassword after <c>SET password_encryption = 'scram-sha-256'</c> and
/// <c>CREATE ROLE ... PASSWORD E'...'</c> with the passwords below. They check that the client's
/// SASLprep agrees with the server's, including the cases where the server falls back to the raw password.
/// </summary>
public class PostgresVerifierTests
{
    [Theory]
    // Mapped to space, mapped to nothing, and NFKC-normalized.
    [InlineData("p\u00E4ss\u2168\u00A0x\u00AD",
        "SCRAM-SHA-256$4096:o6f6ceQn0+5B6or7/qNF0w==$F0yPVjZZqSTAjSbIU1VMIyfIx03unD+slOKAG0nZq2E=:G/wLLDzh8TmltiT+OV+5GGd0tMad5qIS6xk3Aos7eVI=")]
    // U+1F600 is unassigned in Unicode 3.2: the raw password is used, so the ligature is not expanded.
    [InlineData("\uFB01\U0001F600",
        "SCRAM-SHA-256$4096:J0msJeGtsFuXSTqNj2UIqQ==$50Yyf9Yh2vtzhAtZMGetQHcAXrTwS2/s6HfSaMQJ+9k=:3Bmg7/qvk58E07oN0mrPHPn2my6rL1FGinkyJwMExj0=")]
    // Bidi violation: the raw password is used.
    [InlineData("\u0627\u0031",
        "SCRAM-SHA-256$4096:Mf+a0SUkEuTZkZ9ikEXTNA==$F7qXGUiDidJIGwS0utIEGwjl+sSY5MsCQdB8XxM7ls4=:Z0Kfbcqi+zdErEW6Nmxn6gHauPqdkbKyBChWGeycfR8=")]
    // Composition, Hangul and a compatibility decomposition into Hangul jamo.
    [InlineData("e\u0301\uAC01\u3200",
        "SCRAM-SHA-256$4096:Y19tCQLGqNmRbqKU6zSTXQ==$w0MLqN7Zh9wShEMkLs7z5m7otG0cIkT1E4/D5400xbc=:h+CWDJdhpeEBTaw2GQAuAojnHpbfgBi5rGTfdkuCgoo=")]
    public void Exchange_succeeds_against_stored_verifier(string password, string verifier)
    {
        string[] parts = verifier.Split('$', ':');
        int iterations = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        string salt = parts[2];
        byte[] storedKey = Convert.FromBase64String(parts[3]);
        byte[] serverKey = Convert.FromBase64String(parts[4]);

        var client = new ScramSha256Client(password, ScramMechanisms.Sha256, null, "clientnonce");
        string clientFirstBare = Encoding.ASCII.GetString(client.CreateClientFirstMessage())["n,,".Length..];
        string serverFirst = $"r=clientnonceSERVER,s={salt},i={iterations}";
        string clientFinal = Encoding.ASCII.GetString(client.HandleServerFirstMessage(Encoding.ASCII.GetBytes(serverFirst)));

        int proofAt = clientFinal.IndexOf(",p=", StringComparison.Ordinal);
        byte[] proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        byte[] authMessage = Encoding.UTF8.GetBytes(clientFirstBare + "," + serverFirst + "," + clientFinal[..proofAt]);
        byte[] clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        byte[] clientKey = proof.Zip(clientSignature, (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal(storedKey, SHA256.HashData(clientKey));

        string serverFinal = "v=" + Convert.ToBase64String(HMACSHA256.HashData(serverKey, authMessage));
        client.VerifyServerFinalMessage(Encoding.ASCII.GetBytes(serverFinal));
        Assert.True(client.ServerVerified);
    }
}
