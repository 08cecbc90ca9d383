using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PgWire.Protocol;
using PgWire.Protocol.Auth;
using PgWire.Protocol.Frontend;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// The client side of one authentication exchange with one server: the answers to the server's
/// authentication requests (cleartext password, md5, SCRAM-SHA-256 with or without channel
/// binding) and the checks libpq makes on them (require_auth, sslcertmode=require,
/// channel_binding=require, a server that ends SCRAM without proving it knows the password). It
/// belongs to the <see cref="ConnectionActor"/> of the session; an <see cref="EarlyConnection"/> may
/// run its first steps before the actor exists and hand it over where it stands.
/// </summary>
internal sealed class AuthExchange
{
    private readonly ConnectionSettings _settings;
    private readonly int _hostIndex;
    private readonly string _where;
    private readonly SslStream? _ssl;
    private ScramSha256Client? _scram;
    private bool _passwordSent;

    /// <param name="hostIndex">The position in <see cref="ConnectionSettings.Hosts"/> of the server (for its password file entry).</param>
    /// <param name="where">How errors name the server ("connection to server at ... failed").</param>
    /// <param name="ssl">The session's TLS stream, whose server certificate SCRAM channel binding binds to.</param>
    public AuthExchange(ConnectionSettings settings, int hostIndex, string where, SslStream? ssl)
    {
        _settings = settings;
        _hostIndex = hostIndex;
        _where = where;
        _ssl = ssl;
    }

    /// <summary>The method the server authenticated the client with (<c>trust</c> until it asks for one).</summary>
    public string Method { get; private set; } = "trust";

    /// <summary>
    /// Answers one authentication request into <paramref name="writer"/> (nothing is written for
    /// AuthenticationOk and SASL final). Throws <see cref="PgConnectionException"/> when the exchange
    /// cannot go on (no password, a refused method, a server proof that does not verify) and
    /// <see cref="PgProtocolException"/> for a request out of order.
    /// </summary>
    public void OnRequest(AuthenticationRequest request, FrontendWriter writer)
    {
        // The checks libpq makes before it answers anything: sslcertmode=require, then require_auth.
        if (request.Kind == AuthenticationKind.Ok && _settings.SslCertMode == SslCertMode.Require && _ssl?.LocalCertificate is null)
        {
            // A configured certificate is sent whenever the server asks for one.
            var reason = _ssl is not null && _settings.SslCert is { } certFile && !File.Exists(certFile)
                ? "server accepted connection without a valid SSL certificate"
                : "server did not request an SSL certificate";
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: {reason}");
        }

        if (_settings.RequireAuth?.Refusal(request.Kind, _passwordSent || _scram is { ServerVerified: true }) is { } refusal)
        {
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: {refusal}");
        }

        switch (request.Kind)
        {
            case AuthenticationKind.Ok:
                if (_scram is { ServerVerified: false })
                {
                    throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: server finished SCRAM authentication without proving it knows the password");
                }

                if (_settings.ChannelBinding == "require" && (_scram is null || _scram.Mechanism != ScramMechanisms.Sha256Plus))
                {
                    throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: channel binding required, but server authenticated client without channel binding");
                }

                break;
            case AuthenticationKind.CleartextPassword:
                RefuseWithoutChannelBinding("password");
                writer.WritePassword(RequirePassword());
                _passwordSent = true;
                Method = "password";
                break;
            case AuthenticationKind.Md5Password:
                RefuseWithoutChannelBinding("md5");
                writer.WritePassword(Md5Password.Compute(_settings.User, RequirePassword(), request.Data));
                _passwordSent = true;
                Method = "md5";
                break;
            case AuthenticationKind.Sasl:
                StartScram(request.Mechanisms, writer);
                break;
            case AuthenticationKind.SaslContinue:
                if (_scram is null)
                {
                    throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, "SASL continue without a SASL exchange");
                }

                writer.WriteSaslResponse(WrapAuth(() => _scram.HandleServerFirstMessage(request.Data)));
                break;
            case AuthenticationKind.SaslFinal:
                if (_scram is null)
                {
                    throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, "SASL final without a SASL exchange");
                }

                WrapAuth(() =>
                {
                    _scram.VerifyServerFinalMessage(request.Data);
                    return true;
                });
                break;
            default:
                throw new PgConnectionException(ConnectionFailureKind.Configuration, $"{_where}: authentication method {request.Kind} is not supported");
        }
    }

    private string RequirePassword()
    {
        var password = _settings.GetPassword(_hostIndex);
        if (string.IsNullOrEmpty(password))
        {
            throw new PgConnectionException(ConnectionFailureKind.Configuration, $"{_where}: fe_sendauth: no password supplied") { PasswordNeeded = true };
        }

        return password;
    }

    private void RefuseWithoutChannelBinding(string method)
    {
        if (_settings.ChannelBinding == "require")
        {
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: channel binding required but not supported by server's authentication request ({method})");
        }
    }

    private T WrapAuth<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (PgAuthenticationException ex)
        {
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{_where}: {ex.Message}", ex);
        }
    }

    private void StartScram(IReadOnlyList<string> mechanisms, FrontendWriter writer)
    {
        byte[]? binding = null;
        if (_ssl?.RemoteCertificate is { } remote)
        {
            using var cert = X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
            try
            {
                binding = TlsServerEndPoint.Compute(cert);
            }
            catch (Exception ex) when (ex is NotSupportedException or PgAuthenticationException or System.Security.Cryptography.CryptographicException)
            {
                binding = null;
            }
        }

        var mode = _settings.ChannelBinding switch
        {
            "disable" => ChannelBindingMode.Disable,
            "require" => ChannelBindingMode.Require,
            _ => ChannelBindingMode.Prefer,
        };
        var password = RequirePassword();
        var mechanism = WrapAuth(() => ScramMechanisms.Choose(mechanisms, binding is not null, mode));
        _scram = new ScramSha256Client(password, mechanism, mechanism == ScramMechanisms.Sha256Plus ? binding : null);
        writer.WriteSaslInitialResponse(mechanism, _scram.CreateClientFirstMessage());
        Method = mechanism;
    }
}
