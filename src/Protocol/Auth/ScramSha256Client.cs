using System.Security.Cryptography;
using System.Text;

namespace PgWire.Protocol.Auth;

/// <summary>
/// Client side of one SCRAM-SHA-256 or SCRAM-SHA-256-PLUS exchange (RFC 5802, RFC 7677) as used by
/// PostgreSQL. Call <see cref="CreateClientFirstMessage"/>, <see cref="HandleServerFirstMessage"/> and
/// <see cref="VerifyServerFinalMessage"/> exactly once each, in that order.
/// </summary>
public sealed class ScramSha256Client
{
    private const string ChannelBindingType = "tls-server-end-point";
    private const int NonceBytes = 18;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _password;
    private readonly string _gs2Header;
    private readonly byte[]? _channelBindingData;
    private readonly string _clientNonce;
    private readonly string _clientFirstBare;
    private byte[]? _expectedServerSignature;
    private Step _step;

    /// <summary>Creates the exchange.</summary>
    /// <param name="password">The password; SASLprep is applied to it.</param>
    /// <param name="mechanism"><see cref="ScramMechanisms.Sha256"/> or <see cref="ScramMechanisms.Sha256Plus"/>.</param>
    /// <param name="channelBindingData">
    /// For SCRAM-SHA-256-PLUS the <c>tls-server-end-point</c> bytes (see <see cref="TlsServerEndPoint"/>); required.
    /// For SCRAM-SHA-256 pass null when the connection does not use channel binding (gs2 flag <c>n</c>), or
    /// the binding data when TLS could bind but the server did not offer SCRAM-SHA-256-PLUS (gs2 flag <c>y</c>,
    /// which lets the server detect a downgrade); the data itself is not sent then.
    /// </param>
    /// <param name="clientNonce">The client nonce; a random one is generated when null.</param>
    /// <param name="user">
    /// The user name in the client-first-message. PostgreSQL ignores it and uses the startup user, so it is empty by default.
    /// </param>
    public ScramSha256Client(string password, string mechanism, byte[]? channelBindingData, string? clientNonce = null, string user = "")
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(mechanism);
        ArgumentNullException.ThrowIfNull(user);

        if (mechanism == ScramMechanisms.Sha256Plus)
        {
            if (channelBindingData is null || channelBindingData.Length == 0)
            {
                throw new ArgumentException("SCRAM-SHA-256-PLUS needs channel binding data.", nameof(channelBindingData));
            }

            _gs2Header = "p=" + ChannelBindingType + ",,";
            _channelBindingData = (byte[])channelBindingData.Clone();
        }
        else if (mechanism == ScramMechanisms.Sha256)
        {
            _gs2Header = channelBindingData is null ? "n,," : "y,,";
        }
        else
        {
            throw new ArgumentException($"Unsupported SASL mechanism '{mechanism}'.", nameof(mechanism));
        }

        if (clientNonce is null)
        {
            clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceBytes));
        }
        else if (clientNonce.Length == 0 || !IsPrintable(clientNonce))
        {
            throw new ArgumentException("The client nonce must be non-empty printable ASCII without ','.", nameof(clientNonce));
        }

        Mechanism = mechanism;
        _password = password;
        _clientNonce = clientNonce;
        _clientFirstBare = "n=" + EscapeSaslName(user) + ",r=" + clientNonce;
    }

    private enum Step
    {
        Initial,
        FirstSent,
        FinalSent,
        Verified,
        Failed,
    }

    /// <summary>The mechanism name to send in SASLInitialResponse.</summary>
    public string Mechanism { get; }

    /// <summary>True once the server has proved that it knows the password.</summary>
    public bool ServerVerified => _step == Step.Verified;

    /// <summary>The client-first-message, the data of SASLInitialResponse.</summary>
    public byte[] CreateClientFirstMessage()
    {
        Expect(Step.Initial, nameof(CreateClientFirstMessage));
        _step = Step.FirstSent;
        return Encoding.ASCII.GetBytes(_gs2Header + _clientFirstBare);
    }

    /// <summary>
    /// Processes the server-first-message (AuthenticationSASLContinue) and returns the
    /// client-final-message, the data of SASLResponse.
    /// </summary>
    /// <exception cref="PgAuthenticationException">The message is malformed or its nonce does not extend the client nonce.</exception>
    public byte[] HandleServerFirstMessage(ReadOnlySpan<byte> serverFirst)
    {
        Expect(Step.FirstSent, nameof(HandleServerFirstMessage));
        _step = Step.Failed;

        string message = DecodeMessage(serverFirst, "server-first-message");
        string[] attributes = message.Split(',');
        if (attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            throw new PgAuthenticationException("the server requires an unsupported SCRAM extension");
        }

        if (attributes.Length < 3)
        {
            throw Malformed("server-first-message", "expected r=, s= and i= attributes");
        }

        string nonce = AttributeValue(attributes[0], 'r', "server-first-message");
        string saltText = AttributeValue(attributes[1], 's', "server-first-message");
        string iterationText = AttributeValue(attributes[2], 'i', "server-first-message");

        if (!IsPrintable(nonce))
        {
            throw Malformed("server-first-message", "the nonce contains invalid characters");
        }

        if (nonce.Length <= _clientNonce.Length || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            throw new PgAuthenticationException("the server nonce does not extend the client nonce");
        }

        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(saltText);
        }
        catch (FormatException)
        {
            throw Malformed("server-first-message", "the salt is not valid base64");
        }

        if (salt.Length == 0)
        {
            throw Malformed("server-first-message", "the salt is empty");
        }

        if (iterationText.Length == 0 || iterationText.Length > 10 || !iterationText.All(char.IsAsciiDigit)
            || !int.TryParse(iterationText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1)
        {
            throw Malformed("server-first-message", "the iteration count is not a positive integer");
        }

        string channelBinding = Convert.ToBase64String(ChannelBindingInput());
        string finalWithoutProof = "c=" + channelBinding + ",r=" + nonce;
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + message + "," + finalWithoutProof);

        byte[] passwordBytes = Encoding.UTF8.GetBytes(SaslPrep.Prepare(_password));
        byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, iterations, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        byte[] clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        byte[] serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);
        byte[] proof = new byte[clientKey.Length];
        for (int i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }

        _expectedServerSignature = HMACSHA256.HashData(serverKey, authMessage);
        string clientFinal = finalWithoutProof + ",p=" + Convert.ToBase64String(proof);

        CryptographicOperations.ZeroMemory(passwordBytes);
        CryptographicOperations.ZeroMemory(saltedPassword);
        CryptographicOperations.ZeroMemory(clientKey);
        CryptographicOperations.ZeroMemory(storedKey);
        CryptographicOperations.ZeroMemory(serverKey);
        CryptographicOperations.ZeroMemory(proof);

        _step = Step.FinalSent;
        return Encoding.ASCII.GetBytes(clientFinal);
    }

    /// <summary>
    /// Checks the server-final-message (AuthenticationSASLFinal). Succeeds only if the server
    /// signature equals the one computed from the password.
    /// </summary>
    /// <exception cref="PgAuthenticationException">The server reported an error or its signature does not match.</exception>
    public void VerifyServerFinalMessage(ReadOnlySpan<byte> serverFinal)
    {
        Expect(Step.FinalSent, nameof(VerifyServerFinalMessage));
        _step = Step.Failed;
        byte[] expected = _expectedServerSignature!;
        _expectedServerSignature = null;

        string message = DecodeMessage(serverFinal, "server-final-message");
        string first = message.Split(',')[0];
        if (first.StartsWith("e=", StringComparison.Ordinal))
        {
            throw new PgAuthenticationException("the server rejected the SCRAM exchange: " + first[2..]);
        }

        string signatureText = AttributeValue(first, 'v', "server-final-message");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException)
        {
            throw Malformed("server-final-message", "the server signature is not valid base64");
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            throw new PgAuthenticationException("server signature mismatch: the server could not prove it knows the password");
        }

        _step = Step.Verified;
    }

    private byte[] ChannelBindingInput()
    {
        byte[] header = Encoding.ASCII.GetBytes(_gs2Header);
        if (_channelBindingData is null)
        {
            return header;
        }

        byte[] input = new byte[header.Length + _channelBindingData.Length];
        header.CopyTo(input, 0);
        _channelBindingData.CopyTo(input, header.Length);
        return input;
    }

    private void Expect(Step step, string operation)
    {
        if (_step != step)
        {
            throw new InvalidOperationException($"{operation} cannot be called in SCRAM step {_step}.");
        }
    }

    private static string DecodeMessage(ReadOnlySpan<byte> data, string what)
    {
        try
        {
            return StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed(what, "it is not valid UTF-8");
        }
    }

    private static string AttributeValue(string attribute, char name, string what)
    {
        if (attribute.Length < 2 || attribute[0] != name || attribute[1] != '=')
        {
            throw Malformed(what, $"expected attribute '{name}='");
        }

        return attribute[2..];
    }

    private static PgAuthenticationException Malformed(string what, string detail) =>
        new($"malformed SCRAM {what}: {detail}");

    private static bool IsPrintable(string value)
    {
        foreach (char c in value)
        {
            if (c < 0x21 || c > 0x7E || c == ',')
            {
                return false;
            }
        }

        return true;
    }

    private static string EscapeSaslName(string user) =>
        user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
}
