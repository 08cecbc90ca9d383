using PgWire.Protocol.Messages;

namespace PgWire.Actors.Connection;

// ---- Commands a client sends to the ConnectionActor ----

/// <summary>Runs one simple-protocol query string (it may hold several statements). Events go to the sender.</summary>
public sealed record Query(string Sql);

/// <summary>
/// A simple-protocol query string queued behind the running query cycle of the same sender without
/// waiting for its results: it is written the moment the server reports that cycle done
/// (ReadyForQuery), before the sender has taken that cycle's results, so the server runs it while
/// the sender is still busy with them. Its events follow the earlier cycle's <see cref="QueryDone"/>,
/// in order. <see cref="CancelQuery"/> drops the queued queries not written yet: each is answered
/// with <see cref="PipelinedQueryDropped"/> instead of its events. With nothing running it is a
/// <see cref="Query"/>; while another sender's cycle runs it waits as one does.
/// With <paramref name="WriteNow"/> it is written at once instead, behind the cycles written
/// already (when none is queued unwritten ahead of it), so the server runs it straight after them;
/// a cancel does not take it back.
/// </summary>
public sealed record PipelinedQuery(string Sql, bool WriteNow = false);

/// <summary>
/// Runs one statement through the extended protocol (Parse, Bind, Describe, Execute, Sync) with
/// text parameters (null for SQL NULL). <paramref name="ResultFormats"/> are the Bind result
/// format codes (0 text, 1 binary): none means every column in text, one applies to every
/// column, otherwise one per column. Events go to the sender.
/// </summary>
public sealed record ExtendedQuery(string Sql, IReadOnlyList<string?> Parameters, IReadOnlyList<short>? ResultFormats = null);

/// <summary>
/// Describes one statement without running it (Parse and Describe of the unnamed statement, then Sync):
/// the sender gets its RowDescription, or nothing when it returns no rows, or the error parsing it.
/// </summary>
public sealed record DescribeStatement(string Sql);

/// <summary>Sends a CopyData message while COPY FROM STDIN or COPY BOTH is in progress.</summary>
public sealed record SendCopyData(ReadOnlyMemory<byte> Data);

/// <summary>Ends COPY FROM STDIN successfully.</summary>
public sealed class SendCopyDone
{
    public static readonly SendCopyDone Instance = new();
    private SendCopyDone()
    {
    }
}

/// <summary>Aborts COPY FROM STDIN with the given reason (the server answers with an error).</summary>
public sealed record SendCopyFail(string Reason);

/// <summary>Tells the connection that one <see cref="FrameBatch"/> was processed, so it may read more.</summary>
public sealed class BatchAck
{
    public static readonly BatchAck Instance = new();
    private BatchAck()
    {
    }
}

/// <summary>Asks the server to cancel the running query (CancelRequest on a second connection).</summary>
public sealed class CancelQuery
{
    public static readonly CancelQuery Instance = new();
    private CancelQuery()
    {
    }
}

/// <summary>Sends Terminate, closes the socket and stops the actor.</summary>
public sealed class Terminate
{
    /// <summary>
    /// Half-closes the socket after Terminate and reads until the server closes its side before
    /// closing it: a replication stream may still be sending, and closing a socket with unread
    /// bytes resets the connection, which may drop what was sent last.
    /// </summary>
    public static readonly Terminate Instance = new(true);

    /// <summary>
    /// Closes the socket right after Terminate, as libpq does: for a query connection with
    /// nothing more to come, without waiting for the server's backend to exit.
    /// </summary>
    public static readonly Terminate WithoutDraining = new(false);

    private Terminate(bool drain) => Drain = drain;

    /// <summary>Whether the socket is read to its end before it is closed.</summary>
    public bool Drain { get; }
}

// ---- Events sent to the owner (the actor that created the connection, or the one given in Props) ----

/// <summary>What the server told us at startup.</summary>
public sealed record ServerSession(
    string Host,
    int Port,
    bool IsUnixSocket,
    string User,
    string Database,
    int ProcessId,
    int SecretKey,
    IReadOnlyDictionary<string, string> Parameters,
    string? TlsProtocol,
    string? TlsCipher,
    string AuthenticationMethod)
{
    /// <summary>server_version_num form of server_version, e.g. 150018, or 0 when unknown.</summary>
    public int ServerVersionNumber => ParseVersion(Parameters.TryGetValue("server_version", out var v) ? v : null);

    public bool IsSuperuser => Parameters.TryGetValue("is_superuser", out var s) && s == "on";

    public static int ParseVersion(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return 0;
        }

        var parts = version.Split(' ', 2)[0].Split('.');
        static int Num(string s)
        {
            var digits = new string(s.TakeWhile(char.IsAsciiDigit).ToArray());
            return digits.Length == 0 ? 0 : int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        }

        var major = Num(parts[0]);
        var minor = parts.Length > 1 ? Num(parts[1]) : 0;
        return major >= 10 ? (major * 10000) + minor : (major * 10000) + (minor * 100) + (parts.Length > 2 ? Num(parts[2]) : 0);
    }
}

/// <summary>The connection is authenticated and ready for queries.</summary>
public sealed record Connected(ServerSession Session);

/// <summary>The connection could not be established; the actor stops.</summary>
public sealed record ConnectionFailed(PgConnectionException Error);

/// <summary>An established connection ended (server closed it, network error, Terminate); the actor stops.</summary>
public sealed record ConnectionClosed(Exception? Error);

/// <summary>A NoticeResponse that arrived outside or inside a query.</summary>
public sealed record NoticeReceived(PostgresErrorFields Notice);

/// <summary>A NotificationResponse (LISTEN/NOTIFY).</summary>
public sealed record NotificationReceived(NotificationResponse Notification);

/// <summary>A ParameterStatus that changed after startup.</summary>
public sealed record ParameterChanged(string Name, string Value);

// ---- Query events, sent to the sender of Query/ExtendedQuery ----

public sealed record RowDescriptionReceived(RowDescription Description);

public sealed record CommandCompleted(CommandComplete Complete);

public sealed class EmptyQuery
{
    public static readonly EmptyQuery Instance = new();
    private EmptyQuery()
    {
    }
}

/// <summary>The statement failed; a <see cref="QueryDone"/> still follows.</summary>
public sealed record QueryFailed(PostgresErrorFields Error);

/// <summary>The server entered a COPY mode; for COPY IN, send SendCopyData then SendCopyDone/SendCopyFail.</summary>
public sealed record CopyStarted(CopyResponse Response);

/// <summary>The server finished sending COPY OUT data.</summary>
public sealed class CopyOutCompleted
{
    public static readonly CopyOutCompleted Instance = new();
    private CopyOutCompleted()
    {
    }
}

/// <summary>ParseComplete, BindComplete, NoData, PortalSuspended, CloseComplete of an extended query.</summary>
public sealed record ExtendedStep(BackendMessageCode Code);

/// <summary>ParameterDescription of an extended query.</summary>
public sealed record ParametersDescribed(ParameterDescription Description);

/// <summary>ReadyForQuery: the query cycle ended.</summary>
public sealed record QueryDone(TransactionStatus Status);

/// <summary>A <see cref="PipelinedQuery"/> that was never written: a cancel came while it waited.</summary>
public sealed class PipelinedQueryDropped
{
    public static readonly PipelinedQueryDropped Instance = new();
    private PipelinedQueryDropped()
    {
    }
}

/// <summary>
/// Consecutive DataRow or CopyData payloads, in order, sharing one pooled buffer. The receiver
/// must answer <see cref="BatchAck"/> to the connection when done, in the order the batches came;
/// until then the bytes stay valid, and afterwards the buffer goes back to the pool and is
/// overwritten, so nothing may keep a span or memory of it past the ack. The connection stops
/// reading once too many batches are unacknowledged.
/// </summary>
public sealed class FrameBatch
{
    internal FrameBatch(BackendMessageCode code, byte[] buffer, int[] offsets, int[] lengths, int count)
    {
        Code = code;
        Buffer = buffer;
        Offsets = offsets;
        Lengths = lengths;
        Count = count;
    }

    public BackendMessageCode Code { get; }
    public byte[] Buffer { get; }
    public int Count { get; }
    private int[] Offsets { get; }
    private int[] Lengths { get; }

    public ReadOnlySpan<byte> this[int index] => Buffer.AsSpan(Offsets[index], Lengths[index]);

    public ReadOnlyMemory<byte> GetMemory(int index) => Buffer.AsMemory(Offsets[index], Lengths[index]);
}
