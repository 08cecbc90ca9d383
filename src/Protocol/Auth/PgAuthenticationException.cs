namespace PgWire.Protocol.Auth;

/// <summary>
/// Raised when authentication cannot proceed safely: the server failed to prove it knows the
/// password, a nonce does not match, a SASL message is malformed, or no mechanism both sides
/// support is available. The message never contains the password.
/// </summary>
public sealed class PgAuthenticationException : Exception
{
    public PgAuthenticationException(string message)
        : base(message)
    {
    }
}
