using System.Security.Cryptography;
using System.Text;
using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

public class ScramSha256ClientTests
{
    // RFC 7677 section 3.
    private const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static ScramSha256Client RfcClient() =>
        new("pencil", ScramMechanisms.Sha256, null, ClientNonce, user: "user");

    private static ScramSha256Client RfcClientAfterFirst()
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        client.HandleServerFirstMessage(Ascii(ServerFirst));
        return client;
    }

    [Fact]
    public void Rfc7677_vector()
    {
        ScramSha256Client client = RfcClient();
        Assert.Equal(ScramMechanisms.Sha256, client.Mechanism);
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", Encoding.ASCII.GetString(client.CreateClientFirstMessage()));
        Assert.Equal(ClientFinal, Encoding.ASCII.GetString(client.HandleServerFirstMessage(Ascii(ServerFirst))));
        Assert.False(client.ServerVerified);
        client.VerifyServerFinalMessage(Ascii(ServerFinal));
        Assert.True(client.ServerVerified);
    }

    [Fact]
    public void Default_user_is_empty_and_nonce_is_random()
    {
        var a = new ScramSha256Client("pw", ScramMechanisms.Sha256, null);
        var b = new ScramSha256Client("pw", ScramMechanisms.Sha256, null);
        string first = Encoding.ASCII.GetString(a.CreateClientFirstMessage());
        Assert.StartsWith("n,,n=,r=", first);
        Assert.Equal(24, first.Length - "n,,n=,r=".Length);
        Assert.NotEqual(first, Encoding.ASCII.GetString(b.CreateClientFirstMessage()));
    }

    [Fact]
    public void User_name_is_escaped()
    {
        var client = new ScramSha256Client("pw", ScramMechanisms.Sha256, null, "abc", user: "a=b,c");
        Assert.Equal("n,,n=a=3Db=2Cc,r=abc", Encoding.ASCII.GetString(client.CreateClientFirstMessage()));
    }

    [Fact]
    public void Server_signature_with_one_bit_flipped_is_refused()
    {
        byte[] signature = Convert.FromBase64String(ServerFinal[2..]);
        signature[7] ^= 0x04;
        ScramSha256Client client = RfcClientAfterFirst();
        var ex = Assert.Throws<PgAuthenticationException>(
            () => client.VerifyServerFinalMessage(Ascii("v=" + Convert.ToBase64String(signature))));
        Assert.Contains("server signature mismatch", ex.Message);
        Assert.False(client.ServerVerified);
    }

    [Theory]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhK1UVkpt3eGrvBj1pXhz4=")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95A==")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4A")]
    [InlineData("v=")]
    [InlineData("v=not base64!")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4")]
    [InlineData("x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    [InlineData("")]
    [InlineData("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    public void Malformed_or_wrong_server_final_is_refused(string serverFinal)
    {
        ScramSha256Client client = RfcClientAfterFirst();
        Assert.Throws<PgAuthenticationException>(() => client.VerifyServerFinalMessage(Ascii(serverFinal)));
        Assert.False(client.ServerVerified);
    }

    [Fact]
    public void Server_error_is_reported()
    {
        ScramSha256Client client = RfcClientAfterFirst();
        var ex = Assert.Throws<PgAuthenticationException>(() => client.VerifyServerFinalMessage(Ascii("e=invalid-proof")));
        Assert.Contains("invalid-proof", ex.Message);
        Assert.DoesNotContain("pencil", ex.Message);
    }

    [Fact]
    public void Invalid_utf8_server_final_is_refused()
    {
        ScramSha256Client client = RfcClientAfterFirst();
        Assert.Throws<PgAuthenticationException>(() => client.VerifyServerFinalMessage(new byte[] { (byte)'v', (byte)'=', 0xFF }));
    }

    [Theory]
    [InlineData("r=XrOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqX%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfw,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    public void Server_nonce_not_extending_client_nonce_is_refused(string serverFirst)
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        Assert.Throws<PgAuthenticationException>(() => client.HandleServerFirstMessage(Ascii(serverFirst)));
    }

    [Theory]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=abc")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+12")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=!!!,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYD,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==")]
    [InlineData("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqO%hvYD,i=4096")]
    [InlineData("m=ext,r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hv\u00E9,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("")]
    [InlineData(",,")]
    [InlineData("garbage")]
    public void Malformed_server_first_is_refused(string serverFirst)
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        Assert.Throws<PgAuthenticationException>(() => client.HandleServerFirstMessage(Encoding.UTF8.GetBytes(serverFirst)));
    }

    [Fact]
    public void Invalid_utf8_server_first_is_refused()
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        Assert.Throws<PgAuthenticationException>(() => client.HandleServerFirstMessage(new byte[] { (byte)'r', (byte)'=', 0xC3 }));
    }

    [Fact]
    public void Server_first_extensions_are_ignored()
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        string final = Encoding.ASCII.GetString(client.HandleServerFirstMessage(Ascii(ServerFirst + ",x=ext")));
        Assert.StartsWith("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=", final);
    }

    [Fact]
    public void Calls_out_of_order_are_refused()
    {
        ScramSha256Client client = RfcClient();
        Assert.Throws<InvalidOperationException>(() => client.HandleServerFirstMessage(Ascii(ServerFirst)));
        Assert.Throws<InvalidOperationException>(() => client.VerifyServerFinalMessage(Ascii(ServerFinal)));
        client.CreateClientFirstMessage();
        Assert.Throws<InvalidOperationException>(() => client.CreateClientFirstMessage());
        Assert.Throws<InvalidOperationException>(() => client.VerifyServerFinalMessage(Ascii(ServerFinal)));
        client.HandleServerFirstMessage(Ascii(ServerFirst));
        Assert.Throws<InvalidOperationException>(() => client.HandleServerFirstMessage(Ascii(ServerFirst)));
        client.VerifyServerFinalMessage(Ascii(ServerFinal));
        Assert.Throws<InvalidOperationException>(() => client.VerifyServerFinalMessage(Ascii(ServerFinal)));
        Assert.True(client.ServerVerified);
    }

    [Fact]
    public void Failed_exchange_cannot_continue()
    {
        ScramSha256Client client = RfcClient();
        client.CreateClientFirstMessage();
        Assert.Throws<PgAuthenticationException>(() => client.HandleServerFirstMessage(Ascii("r=x,s=AA==,i=1")));
        Assert.Throws<InvalidOperationException>(() => client.HandleServerFirstMessage(Ascii(ServerFirst)));
    }

    [Fact]
    public void Plus_uses_tls_server_end_point_binding()
    {
        byte[] cbind = SHA256.HashData("certificate"u8);
        var client = new ScramSha256Client("pencil", ScramMechanisms.Sha256Plus, cbind, ClientNonce);
        Assert.Equal(ScramMechanisms.Sha256Plus, client.Mechanism);
        Assert.Equal("p=tls-server-end-point,,n=,r=" + ClientNonce, Encoding.ASCII.GetString(client.CreateClientFirstMessage()));

        string final = Encoding.ASCII.GetString(client.HandleServerFirstMessage(Ascii(ServerFirst)));
        string c = final.Split(',')[0];
        Assert.StartsWith("c=", c);
        byte[] expected = [.. "p=tls-server-end-point,,"u8.ToArray(), .. cbind];
        Assert.Equal(expected, Convert.FromBase64String(c[2..]));
        Assert.Contains(",r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=", final);
    }

    [Fact]
    public void Plus_proof_matches_independent_computation()
    {
        byte[] cbind = [1, 2, 3, 250];
        var client = new ScramSha256Client("pencil", ScramMechanisms.Sha256Plus, cbind, ClientNonce);
        string clientFirst = Encoding.ASCII.GetString(client.CreateClientFirstMessage());
        string final = Encoding.ASCII.GetString(client.HandleServerFirstMessage(Ascii(ServerFirst)));

        string withoutProof = final[..final.IndexOf(",p=", StringComparison.Ordinal)];
        string authMessage = clientFirst["p=tls-server-end-point,,".Length..] + "," + ServerFirst + "," + withoutProof;
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2("pencil"u8.ToArray(), Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, HashAlgorithmName.SHA256, 32);
        byte[] clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        byte[] signature = HMACSHA256.HashData(SHA256.HashData(clientKey), Encoding.ASCII.GetBytes(authMessage));
        byte[] proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal(withoutProof + ",p=" + Convert.ToBase64String(proof), final);

        byte[] serverSignature = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), Encoding.ASCII.GetBytes(authMessage));
        client.VerifyServerFinalMessage(Ascii("v=" + Convert.ToBase64String(serverSignature)));
        Assert.True(client.ServerVerified);
    }

    [Fact]
    public void Plain_with_binding_data_sends_y_flag_without_data()
    {
        var client = new ScramSha256Client("pencil", ScramMechanisms.Sha256, [9, 9, 9], ClientNonce);
        Assert.Equal("y,,n=,r=" + ClientNonce, Encoding.ASCII.GetString(client.CreateClientFirstMessage()));
        string final = Encoding.ASCII.GetString(client.HandleServerFirstMessage(Ascii(ServerFirst)));
        Assert.StartsWith("c=eSws,", final);
    }

    [Fact]
    public void Password_is_saslprepped()
    {
        var prepared = new ScramSha256Client("IX", ScramMechanisms.Sha256, null, ClientNonce);
        var raw = new ScramSha256Client("\u2168", ScramMechanisms.Sha256, null, ClientNonce);
        prepared.CreateClientFirstMessage();
        raw.CreateClientFirstMessage();
        Assert.Equal(prepared.HandleServerFirstMessage(Ascii(ServerFirst)), raw.HandleServerFirstMessage(Ascii(ServerFirst)));
    }

    [Fact]
    public void Constructor_validates_arguments()
    {
        Assert.Throws<ArgumentException>(() => new ScramSha256Client("pw", ScramMechanisms.Sha256Plus, null));
        Assert.Throws<ArgumentException>(() => new ScramSha256Client("pw", ScramMechanisms.Sha256Plus, []));
        Assert.Throws<ArgumentException>(() => new ScramSha256Client("pw", "SCRAM-SHA-1", null));
        Assert.Throws<ArgumentException>(() => new ScramSha256Client("pw", ScramMechanisms.Sha256, null, "a,b"));
        Assert.Throws<ArgumentException>(() => new ScramSha256Client("pw", ScramMechanisms.Sha256, null, ""));
    }
}
