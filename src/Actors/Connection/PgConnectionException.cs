namespace PgWire.Actors.Connection;

/// <summary>What went wrong while opening a connection.</summary>
public enum ConnectionFailureKind
{
    /// <summary>Host name resolution, refused connection, unreachable network, timeout.</summary>
    Network,
    /// <summary>TLS negotiation or certificate validation.</summary>
    Tls,
    /// <summary>The server rejected our credentials, or proved it did not know them.</summary>
    Authentication,
    /// <summary>The server sent an error during startup (unknown database, too many clients...).</summary>
    Server,
    /// <summary>The server broke the protocol.</summary>
    Protocol,
    /// <summary>The settings do not allow a connection (no password given, unsupported method...).</summary>
    Configuration,
}

/// <summary>
/// A connection that could not be established or was lost, with a one-line, libpq-like message
/// (never containing a password).
/// </summary>
public sealed class PgConnectionException : Exception
{
    public PgConnectionException(ConnectionFailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ConnectionFailureKind Kind { get; }

    /// <summary>
    /// The server asked for a password and none was supplied (libpq's <c>PQconnectionNeedsPassword</c>):
    /// a client that can ask its user for one may try again with it.
    /// </summary>
    public bool PasswordNeeded { get; init; }
}
