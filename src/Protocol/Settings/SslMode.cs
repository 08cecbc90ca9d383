namespace PgWire.Protocol.Settings;

/// <summary>The libpq <c>sslmode</c> setting.</summary>
public enum SslMode
{
    /// <summary>Never use SSL.</summary>
    Disable,
    /// <summary>Try a plain connection first; use SSL only if that fails.</summary>
    Allow,
    /// <summary>Try SSL first; fall back to a plain connection if the server refuses it. The default.</summary>
    Prefer,
    /// <summary>Require SSL but do not verify the server certificate.</summary>
    Require,
    /// <summary>Require SSL and verify that the server certificate is signed by a trusted CA.</summary>
    VerifyCa,
    /// <summary>Like <see cref="VerifyCa"/>, and also check that the server host name matches the certificate.</summary>
    VerifyFull,
}

/// <summary>The libpq <c>target_session_attrs</c> setting.</summary>
public enum TargetSessionAttrs
{
    /// <summary>Any successful connection is acceptable. The default.</summary>
    Any,
    /// <summary>The session must accept read-write transactions by default.</summary>
    ReadWrite,
    /// <summary>The session must not accept read-write transactions by default.</summary>
    ReadOnly,
    /// <summary>The server must not be in hot standby mode.</summary>
    Primary,
    /// <summary>The server must be in hot standby mode.</summary>
    Standby,
    /// <summary>Prefer a standby server; fall back to any server if none is available.</summary>
    PreferStandby,
}
