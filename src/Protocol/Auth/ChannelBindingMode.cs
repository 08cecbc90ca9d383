namespace PgWire.Protocol.Auth;

/// <summary>How SCRAM channel binding is used, with the meaning of libpq's <c>channel_binding</c> setting.</summary>
public enum ChannelBindingMode
{
    /// <summary>Never use channel binding.</summary>
    Disable,
    /// <summary>Use channel binding when TLS provides binding data and the server offers it.</summary>
    Prefer,
    /// <summary>Fail authentication unless channel binding is used.</summary>
    Require,
}
