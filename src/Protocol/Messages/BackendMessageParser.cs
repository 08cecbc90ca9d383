namespace PgWire.Protocol.Messages;

/// <summary>
/// Turns a framed payload into its parsed message. DataRow and CopyData are left to the callers
/// that stream them (<see cref="DataRowReader"/>, raw payloads) and are rejected here.
/// </summary>
public static class BackendMessageParser
{
    public static BackendMessage Parse(BackendMessageCode code, ReadOnlySpan<byte> payload) => code switch
    {
        BackendMessageCode.Authentication => AuthenticationRequest.Parse(payload),
        BackendMessageCode.ParameterStatus => ParameterStatus.Parse(payload),
        BackendMessageCode.BackendKeyData => BackendKeyData.Parse(payload),
        BackendMessageCode.ReadyForQuery => ReadyForQuery.Parse(payload),
        BackendMessageCode.RowDescription => RowDescription.Parse(payload),
        BackendMessageCode.CommandComplete => CommandComplete.Parse(payload),
        BackendMessageCode.ErrorResponse => ErrorResponse.Parse(payload),
        BackendMessageCode.NoticeResponse => NoticeResponse.Parse(payload),
        BackendMessageCode.NotificationResponse => NotificationResponse.Parse(payload),
        BackendMessageCode.ParameterDescription => ParameterDescription.Parse(payload),
        BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse => CopyResponse.Parse(code, payload),
        BackendMessageCode.NegotiateProtocolVersion => NegotiateProtocolVersion.Parse(payload),
        BackendMessageCode.ParseComplete or BackendMessageCode.BindComplete or BackendMessageCode.CloseComplete
            or BackendMessageCode.NoData or BackendMessageCode.PortalSuspended or BackendMessageCode.EmptyQueryResponse
            or BackendMessageCode.CopyDone => EmptyMessage.Parse(code, payload),
        _ => throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"message '{(char)code}' is not parsed as a standalone message"),
    };
}
