using PgWire.Protocol.Messages;

namespace PgWire.Protocol.Settings;

/// <summary>
/// The <c>require_auth</c> connection option: the authentication requests the client answers.
/// A comma-separated list of <c>password</c>, <c>md5</c>, <c>gss</c>, <c>sspi</c>,
/// <c>scram-sha-256</c> and <c>none</c> allows only those (and, unless <c>none</c> is in it,
/// refuses a server that lets the client in without asking, as trust or cert authentication
/// does); the same names each after a <c>!</c> refuse those and allow the rest (<c>!none</c>:
/// the server must ask). Negated and plain names cannot be mixed, and a name given twice is an
/// error: a typo in a setting like this one should stop the connection, not weaken it.
/// </summary>
public sealed class RequireAuth
{
    private readonly uint _allowed;

    private RequireAuth(string text, uint allowed, bool authRequired)
    {
        Text = text;
        _allowed = allowed;
        AuthRequired = authRequired;
    }

    /// <summary>The option as given, for error messages.</summary>
    public string Text { get; }

    /// <summary>Whether the server must complete an authentication exchange before AuthenticationOk.</summary>
    public bool AuthRequired { get; }

    /// <summary>Whether an authentication request of <paramref name="kind"/> may be answered.</summary>
    public bool Allows(AuthenticationKind kind) => kind switch
    {
        AuthenticationKind.CleartextPassword or AuthenticationKind.Md5Password or AuthenticationKind.Gss
            or AuthenticationKind.GssContinue or AuthenticationKind.Sspi or AuthenticationKind.Sasl
            or AuthenticationKind.SaslContinue or AuthenticationKind.SaslFinal => (_allowed & Bit(kind)) != 0,
        _ => false,
    };

    /// <summary>
    /// Why a server's request of <paramref name="kind"/> is refused, worded as libpq words it
    /// (<c>authentication method requirement "…" failed: …</c>); null when it is allowed.
    /// <paramref name="completed"/>: whether the client finished an exchange before an AuthenticationOk.
    /// </summary>
    public string? Refusal(AuthenticationKind kind, bool completed)
    {
        string reason;
        if (kind == AuthenticationKind.Ok)
        {
            if (!AuthRequired || completed)
            {
                return null;
            }

            reason = "server did not complete authentication";
        }
        else if (Allows(kind))
        {
            return null;
        }
        else
        {
            reason = kind switch
            {
                AuthenticationKind.CleartextPassword => "server requested a cleartext password",
                AuthenticationKind.Md5Password => "server requested a hashed password",
                AuthenticationKind.Gss or AuthenticationKind.GssContinue => "server requested GSSAPI authentication",
                AuthenticationKind.Sspi => "server requested SSPI authentication",
                AuthenticationKind.Sasl or AuthenticationKind.SaslContinue or AuthenticationKind.SaslFinal => "server requested SASL authentication",
                _ => "server requested an unknown authentication type",
            };
        }

        return $"authentication method requirement \"{Text}\" failed: {reason}";
    }

    /// <summary>Reads the option; null for an empty value (everything allowed).</summary>
    /// <exception cref="ConnectionSettingsException">An unknown name, mixed negation or a name given twice.</exception>
    public static RequireAuth? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split(',');
        var negated = parts[0].StartsWith('!');

        // A negated list starts from everything allowed and no exchange required, and takes away.
        var allowed = negated ? uint.MaxValue : 0u;
        var authRequired = !negated;
        foreach (var part in parts)
        {
            var method = part;
            if (method.StartsWith('!'))
            {
                if (!negated)
                {
                    throw new ConnectionSettingsException($"negative require_auth method \"{method}\" cannot be mixed with non-negative methods");
                }

                method = method[1..];
            }
            else if (negated)
            {
                throw new ConnectionSettingsException($"require_auth method \"{method}\" cannot be mixed with negative methods");
            }

            uint bits;
            switch (method)
            {
                case "password":
                    bits = Bit(AuthenticationKind.CleartextPassword);
                    break;
                case "md5":
                    bits = Bit(AuthenticationKind.Md5Password);
                    break;
                case "gss":
                    bits = Bit(AuthenticationKind.Gss) | Bit(AuthenticationKind.GssContinue);
                    break;
                case "sspi":
                    bits = Bit(AuthenticationKind.Sspi) | Bit(AuthenticationKind.GssContinue);
                    break;
                case "scram-sha-256":
                    bits = Bit(AuthenticationKind.Sasl) | Bit(AuthenticationKind.SaslContinue) | Bit(AuthenticationKind.SaslFinal);
                    break;
                case "none":
                    // "none": the server may let the client in unasked; "!none": it may not.
                    if (authRequired == negated)
                    {
                        throw Duplicate(part);
                    }

                    authRequired = negated;
                    continue;
                default:
                    throw new ConnectionSettingsException($"invalid require_auth value: \"{method}\"");
            }

            if (negated)
            {
                if ((allowed & bits) == 0)
                {
                    throw Duplicate(part);
                }

                allowed &= ~bits;
            }
            else
            {
                if ((allowed & bits) == bits)
                {
                    throw Duplicate(part);
                }

                allowed |= bits;
            }
        }

        return new RequireAuth(text, allowed, authRequired);
    }

    private static uint Bit(AuthenticationKind kind) => 1u << (int)kind;

    private static ConnectionSettingsException Duplicate(string part) =>
        new($"require_auth method \"{part}\" is specified more than once");
}
