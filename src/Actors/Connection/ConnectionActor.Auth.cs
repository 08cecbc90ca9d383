using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using PgWire.Protocol;
using PgWire.Protocol.Auth;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>Authenticating: password, md5 and SCRAM (with channel binding) exchanges until the session is established.</summary>
public sealed partial class ConnectionActor
{
    // ---------------------------------------------------------------- phase: authenticating

    private void Authenticating(object message)
    {
        if (!OnSocketRead(message))
        {
            DuringStartup(message);
        }
    }

    private void AuthFrame(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        switch (code)
        {
            case BackendMessageCode.Authentication:
                OnAuthenticationRequest(AuthenticationRequest.Parse(payload));
                break;
            case BackendMessageCode.ErrorResponse:
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse", ByteText);
                var kind = error.SqlState is "28P01" or "28000" ? ConnectionFailureKind.Authentication : ConnectionFailureKind.Server;
                if (_settings.SslMode == SslMode.Allow && _ssl is null && !_retriedWithTls && kind == ConnectionFailureKind.Authentication)
                {
                    // sslmode=allow: a server that refuses a plain connection may accept an encrypted one.
                    _retriedWithTls = true;
                    _hostIndex--;
                    CloseSocket();
                    Become(Connecting);
                    TryNextHost();
                    return;
                }

                FailOrNextHost(new PgConnectionException(kind, $"{Describe(_endpoint!)}: {error.Severity}:  {error.Message}", new PostgresException(error)));
                break;
            case BackendMessageCode.NegotiateProtocolVersion:
                // We ask for 3.0 with no _pq_ options, so a downgrade notice carries nothing we rely on.
                NegotiateProtocolVersion.Parse(payload);
                break;
            case BackendMessageCode.NoticeResponse:
                _owner.Tell(new NoticeReceived(PostgresErrorFields.Parse(payload, "NoticeResponse", ByteText)));
                break;
            case BackendMessageCode.ParameterStatus:
                var p = ParameterStatus.Parse(payload, ByteText);
                SaveParameter(p);
                break;
            case BackendMessageCode.BackendKeyData:
                _key = BackendKeyData.Parse(payload);
                break;
            case BackendMessageCode.ReadyForQuery:
                ReadyForQuery.Parse(payload);
                CheckTargetSession();
                break;
            default:
                throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}' during authentication");
        }
    }

    private string RequirePassword()
    {
        var password = _settings.GetPassword(CurrentHost);
        if (string.IsNullOrEmpty(password))
        {
            throw new PgConnectionException(ConnectionFailureKind.Configuration, $"{Describe(_endpoint!)}: fe_sendauth: no password supplied") { PasswordNeeded = true };
        }

        return password;
    }

    private void OnAuthenticationRequest(AuthenticationRequest request)
    {
        switch (request.Kind)
        {
            case AuthenticationKind.Ok:
                if (_scram is { ServerVerified: false })
                {
                    throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{Describe(_endpoint!)}: server finished SCRAM authentication without proving it knows the password");
                }

                if (_settings.ChannelBinding == "require" && (_scram is null || _scram.Mechanism != ScramMechanisms.Sha256Plus))
                {
                    throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{Describe(_endpoint!)}: channel binding required, but server authenticated client without channel binding");
                }

                break;
            case AuthenticationKind.CleartextPassword:
                RefuseWithoutChannelBinding("password");
                _authMethod = "password";
                _writer.WritePassword(RequirePassword());
                Send();
                break;
            case AuthenticationKind.Md5Password:
                RefuseWithoutChannelBinding("md5");
                _authMethod = "md5";
                _writer.WritePassword(Md5Password.Compute(_settings.User, RequirePassword(), request.Data));
                Send();
                break;
            case AuthenticationKind.Sasl:
                StartScram(request.Mechanisms);
                break;
            case AuthenticationKind.SaslContinue:
                if (_scram is null)
                {
                    throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, "SASL continue without a SASL exchange");
                }

                _writer.WriteSaslResponse(WrapAuth(() => _scram.HandleServerFirstMessage(request.Data)));
                Send();
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
                throw new PgConnectionException(ConnectionFailureKind.Configuration, $"{Describe(_endpoint!)}: authentication method {request.Kind} is not supported");
        }
    }

    private void RefuseWithoutChannelBinding(string method)
    {
        if (_settings.ChannelBinding == "require")
        {
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{Describe(_endpoint!)}: channel binding required but not supported by server's authentication request ({method})");
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
            throw new PgConnectionException(ConnectionFailureKind.Authentication, $"{Describe(_endpoint!)}: {ex.Message}", ex);
        }
    }

    private void StartScram(IReadOnlyList<string> mechanisms)
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
        _authMethod = mechanism;
        _writer.WriteSaslInitialResponse(mechanism, _scram.CreateClientFirstMessage());
        Send();
    }


    private void OnEstablished()
    {
        _established = true;
        Timers.Cancel("connect-timeout");
        var endpoint = _endpoint!;
        var session = new ServerSession(
            endpoint.Host,
            endpoint.Port,
            IsUnixSocket(endpoint),
            _settings.User,
            _settings.Database,
            _key?.ProcessId ?? 0,
            _key?.SecretKey ?? 0,
            new Dictionary<string, string>(_parameters, StringComparer.Ordinal),
            _ssl?.SslProtocol.ToString(),
            _ssl?.NegotiatedCipherSuite.ToString(),
            _authMethod);
        _owner.Tell(new Connected(session));
        GoReady();
    }
}
