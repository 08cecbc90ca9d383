using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using PgWire.Protocol;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// Checking the session against <c>target_session_attrs</c> once authentication is done, as libpq
/// does: from the <c>in_hot_standby</c> and <c>default_transaction_read_only</c> parameters that
/// servers from PostgreSQL 14 on report at start-up, else by asking (<c>SHOW transaction_read_only</c>
/// or <c>SELECT pg_catalog.pg_is_in_recovery()</c>). A server that does not fit is left politely and
/// the next host is tried.
/// </summary>
public sealed partial class ConnectionActor
{
    // ---------------------------------------------------------------- phase: checking the target

    private const string ReadOnlyQuery = "SHOW transaction_read_only";
    private const string RecoveryQuery = "SELECT pg_catalog.pg_is_in_recovery()";

    private string? _targetQuery;
    private string? _targetAnswer;
    private string? _targetError;

    private TargetSessionAttrs EffectiveTargetSessionAttrs =>
        _preferStandbyAnyPass ? TargetSessionAttrs.Any : _settings.TargetSessionAttrs;

    private void CheckTargetSession()
    {
        switch (EffectiveTargetSessionAttrs)
        {
            case TargetSessionAttrs.ReadWrite or TargetSessionAttrs.ReadOnly:
                if (Flag("default_transaction_read_only") is { } defaultReadOnly && Flag("in_hot_standby") is { } hotStandby)
                {
                    DecideReadOnly(defaultReadOnly || hotStandby);
                }
                else
                {
                    AskTarget(ReadOnlyQuery);
                }

                break;
            case TargetSessionAttrs.Primary or TargetSessionAttrs.Standby or TargetSessionAttrs.PreferStandby:
                if (Flag("in_hot_standby") is { } inHotStandby)
                {
                    DecideStandby(inHotStandby);
                }
                else if (ServerVersionNumber is > 0 and < 90000)
                {
                    // Before 9.0 there is no standby mode to be in.
                    DecideStandby(false);
                }
                else
                {
                    AskTarget(RecoveryQuery);
                }

                break;
            default:
                OnEstablished();
                break;
        }
    }

    private bool? Flag(string parameter) =>
        _parameters.TryGetValue(parameter, out var value) ? value == "on" : null;

    private int ServerVersionNumber =>
        _parameters.TryGetValue("server_version", out var version)
        && int.TryParse(version.Split('.', ' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? major * 10000
            : 0;

    private void AskTarget(string query)
    {
        _targetQuery = query;
        _targetAnswer = null;
        _targetError = null;
        _onFrame = TargetFrame;
        _writer.WriteQuery(query);
        Send();
    }

    private void TargetFrame(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        switch (code)
        {
            case BackendMessageCode.DataRow:
                DataRowReader.Validate(payload);
                if (BinaryPrimitives.ReadInt16BigEndian(payload) > 0 && BinaryPrimitives.ReadInt32BigEndian(payload[2..]) is var length and >= 0)
                {
                    _targetAnswer = Encoding.UTF8.GetString(payload.Slice(6, length));
                }

                break;
            case BackendMessageCode.RowDescription:
            case BackendMessageCode.CommandComplete:
                break;
            case BackendMessageCode.ErrorResponse:
                _targetError = PostgresErrorFields.Parse(payload, "ErrorResponse", ByteText).Message;
                break;
            case BackendMessageCode.NoticeResponse:
                _owner.Tell(new NoticeReceived(PostgresErrorFields.Parse(payload, "NoticeResponse", ByteText)));
                break;
            case BackendMessageCode.ParameterStatus:
                var p = ParameterStatus.Parse(payload, ByteText);
                SaveParameter(p);
                break;
            case BackendMessageCode.ReadyForQuery:
                ReadyForQuery.Parse(payload);
                OnTargetAnswered();
                break;
            default:
                throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}' while checking the session");
        }
    }

    private void OnTargetAnswered()
    {
        if (_targetError is not null || _targetAnswer is null)
        {
            RejectHost(_targetError is null ? $"\"{_targetQuery}\" returned no value" : $"\"{_targetQuery}\" failed: {_targetError}");
            return;
        }

        if (_targetQuery == ReadOnlyQuery)
        {
            DecideReadOnly(_targetAnswer == "on");
        }
        else
        {
            DecideStandby(_targetAnswer == "t");
        }
    }

    private void DecideReadOnly(bool readOnly)
    {
        if (EffectiveTargetSessionAttrs == TargetSessionAttrs.ReadWrite && readOnly)
        {
            RejectHost("session is read-only");
        }
        else if (EffectiveTargetSessionAttrs == TargetSessionAttrs.ReadOnly && !readOnly)
        {
            RejectHost("session is not read-only");
        }
        else
        {
            OnEstablished();
        }
    }

    private void DecideStandby(bool inHotStandby)
    {
        if (EffectiveTargetSessionAttrs == TargetSessionAttrs.Primary && inHotStandby)
        {
            RejectHost("server is in hot standby mode");
        }
        else if (EffectiveTargetSessionAttrs is TargetSessionAttrs.Standby or TargetSessionAttrs.PreferStandby && !inHotStandby)
        {
            RejectHost("server is not in hot standby mode");
        }
        else
        {
            OnEstablished();
        }
    }

    /// <summary>The server is not the kind asked for: close the session with a Terminate and go on to the next host.</summary>
    private void RejectHost(string reason)
    {
        _hostErrors.Add($"{Describe(_endpoint!)}: {reason}");
        _writer.Clear();
        _writer.WriteTerminate();
        try
        {
            _stream?.Write(_writer.WrittenSpan);
            _stream?.Flush();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // the server is being left anyway
        }

        _writer.Clear();
        CloseSocket();
        _start = _end = 0;
        _onFrame = UnexpectedFrame;
        Become(Connecting);
        TryNextHost();
    }
}
