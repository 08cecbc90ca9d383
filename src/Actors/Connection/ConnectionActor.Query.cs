using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using PgWire.Protocol;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Frontend;
using PgWire.Protocol.Messages;

namespace PgWire.Actors.Connection;

/// <summary>Ready and busy: simple and extended queries, describe, COPY in and out, asynchronous messages and cancel requests.</summary>
public sealed partial class ConnectionActor
{
    // ---------------------------------------------------------------- phase: ready / busy

    private void GoReady()
    {
        _requester = ActorRefs.Nobody;
        _busy = false;
        _onFrame = IdleFrame;
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready(object message)
    {
        if (OnSocketRead(message))
        {
            return;
        }

        switch (message)
        {
            case Query m:
                _writer.WriteQuery(m.Sql);
                BeginBusy(Sender);
                break;
            case PipelinedQuery m:
                _writer.WriteQuery(m.Sql);
                BeginBusy(Sender);
                break;
            case ExtendedQuery m:
                _writer.WriteParse("", m.Sql, []);
                var values = m.Parameters.Select(p => p is null ? null : _writer.TextEncoding.GetBytes(p)).ToArray();
                _writer.WriteBind("", "", [], values, m.ResultFormats is { Count: > 0 } formats ? formats.ToArray() : []);
                _writer.WriteDescribe((byte)'P', "");
                _writer.WriteExecute("", 0);
                _writer.WriteSync();
                BeginBusy(Sender);
                break;
            case DescribeStatement m:
                _writer.WriteParse("", m.Sql, []);
                _writer.WriteDescribe((byte)'S', "");
                _writer.WriteSync();
                BeginBusy(Sender);
                break;
            case BatchAck:
                OnBatchAck();
                break;
            case CancelQuery:
            case SendCopyData:
                break;
            case Terminate terminate:
                OnTerminate(terminate.Drain);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void BeginBusy(IActorRef requester)
    {
        _requester = requester;
        _busy = true;
        _onFrame = BusyFrame;
        Become(Busy);
        Send();
        StartRead();
    }

    private void Busy(object message)
    {
        if (OnSocketRead(message))
        {
            return;
        }

        switch (message)
        {
            case BatchAck:
                OnBatchAck();
                break;
            case PipelinedQuery { WriteNow: true } m when Sender.Equals(_requester) && _pipelined.Count == 0:
                _writer.WriteQuery(m.Sql);
                Send();
                _writtenAhead++;
                break;
            case PipelinedQuery m when Sender.Equals(_requester):
                _pipelined.Enqueue(m.Sql);
                break;
            case SendCopyData m:
                _writer.WriteCopyData(m.Data.Span);
                Send();
                break;
            case SendCopyDone:
                _writer.WriteCopyDone();
                Send();
                break;
            case SendCopyFail m:
                _writer.WriteCopyFail(m.Reason);
                Send();
                break;
            case CancelQuery:
                SendCancelRequest();
                _droppedPipelined += _pipelined.Count;
                _pipelined.Clear();
                break;
            case Terminate terminate:
                OnTerminate(terminate.Drain);
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private void OnBatchAck()
    {
        if (_unacked > 0)
        {
            _unacked--;
        }

        if (_lentBuffers.TryDequeue(out var returned))
        {
            ReleaseIfUnused(returned);
        }

        StartRead();
    }

    private void IdleFrame(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        if (!HandleAsynchronous(code, payload))
        {
            if (code == BackendMessageCode.ErrorResponse)
            {
                // e.g. FATAL: terminating connection due to administrator command
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse", ByteText);
                throw new PgConnectionException(ConnectionFailureKind.Server, $"{error.Severity}:  {error.Message}", new PostgresException(error));
            }

            throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}' while idle");
        }
    }

    private bool HandleAsynchronous(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        switch (code)
        {
            case BackendMessageCode.NoticeResponse:
                var notice = new NoticeReceived(PostgresErrorFields.Parse(payload, "NoticeResponse", ByteText));
                _owner.Tell(notice);
                if (_requester != ActorRefs.Nobody && _requester != _owner)
                {
                    _requester.Tell(notice);
                }

                return true;
            case BackendMessageCode.NotificationResponse:
                _owner.Tell(new NotificationReceived(NotificationResponse.Parse(payload, ByteText)));
                return true;
            case BackendMessageCode.ParameterStatus:
                var p = ParameterStatus.Parse(payload, ByteText);
                SaveParameter(p);
                _owner.Tell(new ParameterChanged(p.Name, p.Value));
                return true;
            default:
                return false;
        }
    }

    private void BusyFrame(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        if (HandleAsynchronous(code, payload))
        {
            return;
        }

        switch (code)
        {
            case BackendMessageCode.RowDescription:
                _requester.Tell(new RowDescriptionReceived(RowDescription.Parse(payload, ByteText)));
                break;
            case BackendMessageCode.CommandComplete:
                _requester.Tell(new CommandCompleted(CommandComplete.Parse(payload, ByteText)));
                break;
            case BackendMessageCode.EmptyQueryResponse:
                EmptyMessage.Parse(code, payload);
                _requester.Tell(EmptyQuery.Instance);
                break;
            case BackendMessageCode.ErrorResponse:
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse", ByteText);
                // After a FATAL error the server closes the connection; the end of the stream that
                // follows is reported as the lost connection, the error itself goes to the requester.
                _requester.Tell(new QueryFailed(error));
                break;
            case BackendMessageCode.CopyInResponse:
            case BackendMessageCode.CopyOutResponse:
            case BackendMessageCode.CopyBothResponse:
                var copy = CopyResponse.Parse(code, payload);
                _requester.Tell(new CopyStarted(copy));
                break;
            case BackendMessageCode.CopyDone:
                EmptyMessage.Parse(code, payload);
                _requester.Tell(CopyOutCompleted.Instance);
                break;
            case BackendMessageCode.ParseComplete:
            case BackendMessageCode.BindComplete:
            case BackendMessageCode.NoData:
            case BackendMessageCode.PortalSuspended:
            case BackendMessageCode.CloseComplete:
                EmptyMessage.Parse(code, payload);
                _requester.Tell(new ExtendedStep(code));
                break;
            case BackendMessageCode.ParameterDescription:
                _requester.Tell(new ParametersDescribed(ParameterDescription.Parse(payload)));
                break;
            case BackendMessageCode.ReadyForQuery:
                var ready = ReadyForQuery.Parse(payload);
                _requester.Tell(new QueryDone(ready.Status));
                if (_writtenAhead > 0)
                {
                    // The next cycle was written already; its messages follow this one's.
                    _writtenAhead--;
                    break;
                }

                if (_pipelined.TryDequeue(out var next))
                {
                    // The next queued query goes out at once; its messages follow this cycle's.
                    _writer.WriteQuery(next);
                    Send();
                    break;
                }

                for (; _droppedPipelined > 0; _droppedPipelined--)
                {
                    _requester.Tell(PipelinedQueryDropped.Instance);
                }

                GoReady();
                break;
            default:
                throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}' during a query");
        }
    }

    private void UnexpectedFrame(BackendMessageCode code, ReadOnlySpan<byte> payload) =>
        throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}'");

    private void SendCancelRequest()
    {
        if (_key is null || _endpoint is null)
        {
            return;
        }

        var key = _key;
        var endpoint = _endpoint;
        var timeout = _settings.ConnectTimeout;
        var log = _log;
        _ = Task.Run(async () =>
        {
            try
            {
                var opened = await OpenSocketAsync(endpoint, timeout).ConfigureAwait(false);
                if (opened is SocketOpened s)
                {
                    using var socket = s.Socket;
                    var request = new byte[16];
                    BinaryPrimitives.WriteInt32BigEndian(request, 16);
                    BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), FrontendWriter.CancelRequestCode);
                    BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), key.ProcessId);
                    BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(12), key.SecretKey);
                    await socket.SendAsync(request).ConfigureAwait(false);
                    // The server closes the connection after reading the request; wait for that.
                    var sink = new byte[1];
                    await socket.ReceiveAsync(sink).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                log.Warning("could not send cancel request: {0}", ex.Message);
            }
        });
    }
}
