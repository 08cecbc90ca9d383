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

    private void OnAuthenticationRequest(AuthenticationRequest request)
    {
        _auth ??= new AuthExchange(_settings, CurrentHost, Describe(_endpoint!), _ssl);
        _auth.OnRequest(request, _writer);
        if (_writer.WrittenSpan.Length > 0)
        {
            Send();
        }
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
            _ssl is null ? null : CipherNames.OpenSsl(_ssl.NegotiatedCipherSuite.ToString()),
            _auth?.Method ?? "trust");
        _owner.Tell(new Connected(session));
        GoReady();
    }
}
