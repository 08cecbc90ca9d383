namespace PgWire.Protocol.Auth;

/// <summary>The SASL mechanism names this client implements, and the choice among those a server offers.</summary>
public static class ScramMechanisms
{
    public const string Sha256 = "SCRAM-SHA-256";
    public const string Sha256Plus = "SCRAM-SHA-256-PLUS";

    /// <summary>
    /// Chooses a mechanism from the list in AuthenticationSASL. SCRAM-SHA-256-PLUS is chosen when the
    /// server offers it, TLS channel binding data is available and <paramref name="mode"/> is not
    /// <see cref="ChannelBindingMode.Disable"/>; otherwise SCRAM-SHA-256, unless
    /// <paramref name="mode"/> is <see cref="ChannelBindingMode.Require"/>.
    /// </summary>
    /// <exception cref="PgAuthenticationException">No acceptable mechanism is offered.</exception>
    public static string Choose(IReadOnlyList<string> serverMechanisms, bool channelBindingAvailable, ChannelBindingMode mode)
    {
        ArgumentNullException.ThrowIfNull(serverMechanisms);
        bool plusOffered = false;
        bool plainOffered = false;
        foreach (string mechanism in serverMechanisms)
        {
            plusOffered |= string.Equals(mechanism, Sha256Plus, StringComparison.Ordinal);
            plainOffered |= string.Equals(mechanism, Sha256, StringComparison.Ordinal);
        }

        if (plusOffered && channelBindingAvailable && mode != ChannelBindingMode.Disable)
        {
            return Sha256Plus;
        }

        if (mode == ChannelBindingMode.Require)
        {
            string reason = !channelBindingAvailable
                ? "the connection has no TLS channel binding data"
                : "the server does not offer " + Sha256Plus;
            throw new PgAuthenticationException($"channel binding is required, but {reason}");
        }

        if (plainOffered)
        {
            return Sha256;
        }

        string offered = serverMechanisms.Count == 0 ? "none" : string.Join(", ", serverMechanisms);
        throw new PgAuthenticationException($"none of the SASL mechanisms offered by the server is supported (offered: {offered})");
    }
}
