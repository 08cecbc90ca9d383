namespace PgWire.Protocol.Settings;

/// <summary>
/// Raised when connection settings cannot be resolved: an unknown keyword, a malformed
/// connection string or URI, or an invalid value. The message is a single line and never
/// contains a password.
/// </summary>
public sealed class ConnectionSettingsException : Exception
{
    public ConnectionSettingsException(string message)
        : base(message)
    {
    }
}
