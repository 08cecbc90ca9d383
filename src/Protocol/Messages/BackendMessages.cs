using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Messages;

/// <summary>Base of the parsed backend messages that are not on a hot path.</summary>
public abstract record BackendMessage;

public enum AuthenticationKind
{
    Ok = 0,
    KerberosV5 = 2,
    CleartextPassword = 3,
    Md5Password = 5,
    Gss = 7,
    GssContinue = 8,
    Sspi = 9,
    Sasl = 10,
    SaslContinue = 11,
    SaslFinal = 12,
}

/// <summary>'R': one step of the authentication exchange.</summary>
public sealed record AuthenticationRequest(AuthenticationKind Kind, byte[] Data, IReadOnlyList<string> Mechanisms) : BackendMessage
{
    public static AuthenticationRequest Parse(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "Authentication message");
        var kind = r.ReadInt32();
        switch (kind)
        {
            case (int)AuthenticationKind.Ok:
            case (int)AuthenticationKind.CleartextPassword:
            case (int)AuthenticationKind.KerberosV5:
            case (int)AuthenticationKind.Gss:
            case (int)AuthenticationKind.Sspi:
                r.EnsureEnd();
                return new AuthenticationRequest((AuthenticationKind)kind, [], []);
            case (int)AuthenticationKind.Md5Password:
                var salt = r.ReadBytes(4).ToArray();
                r.EnsureEnd();
                return new AuthenticationRequest(AuthenticationKind.Md5Password, salt, []);
            case (int)AuthenticationKind.Sasl:
                var mechanisms = new List<string>();
                while (true)
                {
                    var name = r.ReadCString();
                    if (name.Length == 0)
                    {
                        break;
                    }

                    mechanisms.Add(name);
                }

                r.EnsureEnd();
                return new AuthenticationRequest(AuthenticationKind.Sasl, [], mechanisms);
            case (int)AuthenticationKind.SaslContinue:
            case (int)AuthenticationKind.SaslFinal:
            case (int)AuthenticationKind.GssContinue:
                return new AuthenticationRequest((AuthenticationKind)kind, r.Rest.ToArray(), []);
            default:
                throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"unknown authentication request type {kind}");
        }
    }
}

/// <summary>'S': a run-time parameter the server reports (server_version, TimeZone, ...).</summary>
public sealed record ParameterStatus(string Name, string Value) : BackendMessage
{
    public static ParameterStatus Parse(ReadOnlySpan<byte> payload, bool byteText = false)
    {
        var r = new PayloadReader(payload, "ParameterStatus", byteText);
        var name = r.ReadCString();
        var value = r.ReadCString();
        r.EnsureEnd();
        return new ParameterStatus(name, value);
    }
}

/// <summary>'K': the key a CancelRequest must present.</summary>
public sealed record BackendKeyData(int ProcessId, int SecretKey) : BackendMessage
{
    public static BackendKeyData Parse(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "BackendKeyData");
        var pid = r.ReadInt32();
        var key = r.ReadInt32();
        r.EnsureEnd();
        return new BackendKeyData(pid, key);
    }
}

/// <summary>Transaction status carried by ReadyForQuery.</summary>
public enum TransactionStatus : byte
{
    Idle = (byte)'I',
    InTransaction = (byte)'T',
    Failed = (byte)'E',
}

/// <summary>'Z': the server is ready for a new query cycle.</summary>
public sealed record ReadyForQuery(TransactionStatus Status) : BackendMessage
{
    private static readonly ReadyForQuery IdleInstance = new(TransactionStatus.Idle);
    private static readonly ReadyForQuery InTransactionInstance = new(TransactionStatus.InTransaction);
    private static readonly ReadyForQuery FailedInstance = new(TransactionStatus.Failed);

    public static ReadyForQuery Parse(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "ReadyForQuery");
        var status = r.ReadByte();
        r.EnsureEnd();
        return status switch
        {
            (byte)'I' => IdleInstance,
            (byte)'T' => InTransactionInstance,
            (byte)'E' => FailedInstance,
            _ => throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid transaction status 0x{status:X2} in ReadyForQuery"),
        };
    }
}

/// <summary>One column of a RowDescription.</summary>
public sealed record FieldDescription(string Name, uint TableOid, short ColumnAttribute, uint TypeOid, short TypeSize, int TypeModifier, short FormatCode);

/// <summary>'T': the shape of the rows that follow.</summary>
public sealed record RowDescription(IReadOnlyList<FieldDescription> Fields) : BackendMessage
{
    public static RowDescription Parse(ReadOnlySpan<byte> payload, bool byteText = false)
    {
        var r = new PayloadReader(payload, "RowDescription", byteText);
        var count = r.ReadInt16();
        if (count < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative field count {count} in RowDescription");
        }

        // Each field needs at least 19 bytes; check before allocating the list.
        if (count * 19 > r.Remaining)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"RowDescription claims {count} fields but holds only {r.Remaining} bytes");
        }

        var fields = new FieldDescription[count];
        for (var i = 0; i < count; i++)
        {
            fields[i] = new FieldDescription(
                r.ReadCString(),
                r.ReadUInt32(),
                r.ReadInt16(),
                r.ReadUInt32(),
                r.ReadInt16(),
                r.ReadInt32(),
                r.ReadInt16());
        }

        r.EnsureEnd();
        return new RowDescription(fields);
    }
}

/// <summary>'C': a command finished; the tag is e.g. "INSERT 0 1" or "SELECT 5".</summary>
public sealed record CommandComplete(string Tag) : BackendMessage
{
    public static CommandComplete Parse(ReadOnlySpan<byte> payload, bool byteText = false)
    {
        var r = new PayloadReader(payload, "CommandComplete", byteText);
        var tag = r.ReadCString();
        r.EnsureEnd();
        return new CommandComplete(tag);
    }

    /// <summary>The row count at the end of the tag (SELECT n, INSERT oid n, UPDATE n, COPY n ...), if any.</summary>
    public long? RowCount
    {
        get
        {
            var space = Tag.LastIndexOf(' ');
            return space >= 0 && long.TryParse(Tag.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        }
    }
}

/// <summary>'E': the server reports an error.</summary>
public sealed record ErrorResponse(PostgresErrorFields Fields) : BackendMessage
{
    public static ErrorResponse Parse(ReadOnlySpan<byte> payload) => new(PostgresErrorFields.Parse(payload, "ErrorResponse"));
}

/// <summary>'N': a notice (WARNING, NOTICE, INFO, ...).</summary>
public sealed record NoticeResponse(PostgresErrorFields Fields) : BackendMessage
{
    public static NoticeResponse Parse(ReadOnlySpan<byte> payload) => new(PostgresErrorFields.Parse(payload, "NoticeResponse"));
}

/// <summary>'A': a NOTIFY delivered to a channel this session LISTENs on.</summary>
public sealed record NotificationResponse(int ProcessId, string Channel, string Payload) : BackendMessage
{
    public static NotificationResponse Parse(ReadOnlySpan<byte> payload, bool byteText = false)
    {
        var r = new PayloadReader(payload, "NotificationResponse", byteText);
        var pid = r.ReadInt32();
        var channel = r.ReadCString();
        var text = r.ReadCString();
        r.EnsureEnd();
        return new NotificationResponse(pid, channel, text);
    }
}

/// <summary>'t': parameter types of a prepared statement.</summary>
public sealed record ParameterDescription(IReadOnlyList<uint> TypeOids) : BackendMessage
{
    public static ParameterDescription Parse(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "ParameterDescription");
        var count = r.ReadInt16();
        if (count < 0 || count * 4 != r.Remaining)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"ParameterDescription claims {count} parameters in {r.Remaining} bytes");
        }

        var oids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            oids[i] = r.ReadUInt32();
        }

        return new ParameterDescription(oids);
    }
}

public enum CopyDirection
{
    In,
    Out,
    Both,
}

/// <summary>'G', 'H' and 'W': the server switched to COPY mode.</summary>
public sealed record CopyResponse(CopyDirection Direction, bool Binary, IReadOnlyList<short> ColumnFormats) : BackendMessage
{
    public static CopyResponse Parse(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        var direction = code switch
        {
            BackendMessageCode.CopyInResponse => CopyDirection.In,
            BackendMessageCode.CopyOutResponse => CopyDirection.Out,
            BackendMessageCode.CopyBothResponse => CopyDirection.Both,
            _ => throw new ArgumentOutOfRangeException(nameof(code)),
        };
        var r = new PayloadReader(payload, $"{direction} copy response");
        var overall = r.ReadByte();
        if (overall > 1)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid copy format {overall}");
        }

        var count = r.ReadInt16();
        if (count < 0 || count * 2 != r.Remaining)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"copy response claims {count} columns in {r.Remaining} bytes");
        }

        var formats = new short[count];
        for (var i = 0; i < count; i++)
        {
            formats[i] = r.ReadInt16();
        }

        return new CopyResponse(direction, overall == 1, formats);
    }
}

/// <summary>'v': the server supports an older minor version or not all protocol options.</summary>
public sealed record NegotiateProtocolVersion(int NewestMinorVersion, IReadOnlyList<string> UnrecognizedOptions) : BackendMessage
{
    public static NegotiateProtocolVersion Parse(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "NegotiateProtocolVersion");
        var minor = r.ReadInt32();
        var count = r.ReadInt32();
        if (count < 0 || count > r.Remaining)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"NegotiateProtocolVersion claims {count} options in {r.Remaining} bytes");
        }

        var options = new string[count];
        for (var i = 0; i < count; i++)
        {
            options[i] = r.ReadCString();
        }

        r.EnsureEnd();
        return new NegotiateProtocolVersion(minor, options);
    }
}

/// <summary>Messages with an empty payload: ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended, EmptyQueryResponse, CopyDone.</summary>
public sealed record EmptyMessage(BackendMessageCode Code) : BackendMessage
{
    public static readonly EmptyMessage ParseComplete = new(BackendMessageCode.ParseComplete);
    public static readonly EmptyMessage BindComplete = new(BackendMessageCode.BindComplete);
    public static readonly EmptyMessage CloseComplete = new(BackendMessageCode.CloseComplete);
    public static readonly EmptyMessage NoData = new(BackendMessageCode.NoData);
    public static readonly EmptyMessage PortalSuspended = new(BackendMessageCode.PortalSuspended);
    public static readonly EmptyMessage EmptyQueryResponse = new(BackendMessageCode.EmptyQueryResponse);
    public static readonly EmptyMessage CopyDone = new(BackendMessageCode.CopyDone);

    public static EmptyMessage Parse(BackendMessageCode code, ReadOnlySpan<byte> payload)
    {
        if (!payload.IsEmpty)
        {
            throw new PgProtocolException(ProtocolErrorKind.TrailingBytes, $"message '{(char)code}' must be empty but has {payload.Length} byte(s)");
        }

        return code switch
        {
            BackendMessageCode.ParseComplete => ParseComplete,
            BackendMessageCode.BindComplete => BindComplete,
            BackendMessageCode.CloseComplete => CloseComplete,
            BackendMessageCode.NoData => NoData,
            BackendMessageCode.PortalSuspended => PortalSuspended,
            BackendMessageCode.EmptyQueryResponse => EmptyQueryResponse,
            BackendMessageCode.CopyDone => CopyDone,
            _ => throw new ArgumentOutOfRangeException(nameof(code)),
        };
    }
}
