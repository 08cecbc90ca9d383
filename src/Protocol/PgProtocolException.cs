namespace PgWire.Protocol;

/// <summary>What kind of protocol violation was found in bytes received from the server.</summary>
public enum ProtocolErrorKind
{
    /// <summary>A length field is smaller than the length word itself, or negative.</summary>
    InvalidLength,
    /// <summary>A length field claims more bytes than the configured maximum message size.</summary>
    MessageTooLarge,
    /// <summary>A message ended before all of its fields were read.</summary>
    Truncated,
    /// <summary>A message carries bytes after its last field.</summary>
    TrailingBytes,
    /// <summary>A message type byte this client does not know.</summary>
    UnknownMessage,
    /// <summary>A message that is valid on its own but not in the current protocol state.</summary>
    UnexpectedMessage,
    /// <summary>A string is not valid UTF-8 or lacks its terminating NUL.</summary>
    InvalidString,
    /// <summary>A field holds a value outside its allowed set.</summary>
    InvalidValue,
}

/// <summary>
/// Raised when the bytes from the server do not follow the PostgreSQL frontend/backend protocol.
/// The connection that produced them cannot be trusted any more and must be closed.
/// </summary>
public sealed class PgProtocolException : Exception
{
    public PgProtocolException(ProtocolErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public ProtocolErrorKind Kind { get; }
}
