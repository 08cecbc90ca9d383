using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using PgWire.Protocol.Auth;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Frontend;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>Tuning knobs of a connection actor.</summary>
public sealed record ConnectionOptions
{
    /// <summary>Initial size of the receive buffer; it grows for larger messages.</summary>
    public int ReceiveBufferSize { get; init; } = 128 * 1024;

    /// <summary>The socket is not read while this many FrameBatches are unacknowledged.</summary>
    public int MaxUnackedBatches { get; init; } = 4;

    /// <summary>
    /// When a read returns less than half the buffer while the session is busy (a query or COPY
    /// under way), wait this long before reading on, so that a producer slower than the consumer
    /// hands over larger batches; zero reads on at once. Meant for long data streams.
    /// </summary>
    public TimeSpan ReadCoalesceDelay { get; init; }

    /// <summary>Largest backend message accepted.</summary>
    public int MaxMessageLength { get; init; } = FrameScanner.DefaultMaxMessageLength;

    public static readonly ConnectionOptions Default = new();
}

/// <summary>
/// Owns one PostgreSQL session: the socket, TLS, the authentication exchange and the query cycle.
/// Phases are Become states: Connecting → (TLS) → Authenticating → Ready ⇄ Busy (query, COPY).
/// Socket reads are issued one at a time and come back as self-messages; the next read is only
/// issued after the bytes were processed and while the consumer keeps up with FrameBatches, which
/// is the backpressure. The actor is never restarted: on failure it reports and stops, and the
/// parent creates a fresh connection.
/// The class is split by phase: this file holds the state and lifecycle, ConnectionActor.Connect.cs
/// the host list, socket opening and TLS, ConnectionActor.Auth.cs authentication,
/// ConnectionActor.Target.cs the target_session_attrs check,
/// ConnectionActor.Query.cs the ready and busy phases (queries, COPY, cancel),
/// ConnectionActor.Close.cs the orderly close and ConnectionActor.Socket.cs the reads and writes.
/// </summary>
public sealed partial class ConnectionActor : UntypedActor, IWithUnboundedStash, IWithTimers
{
    private readonly ConnectionSettings _settings;
    private readonly ConnectionOptions _options;
    private readonly IActorRef _owner;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly FrameScanner _scanner;
    private readonly FrontendWriter _writer = new();
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);

    private Socket? _socket;
    private Stream? _stream;
    private SslStream? _ssl;

    /// <summary>Why the server certificate of the handshake under way was refused, when the check gave a reason of its own.</summary>
    private string? _tlsRejection;
    private HostSpec? _endpoint;
    private readonly int[] _hostOrder;
    private int _hostIndex;
    private bool _preferStandbyAnyPass;
    private readonly List<string> _hostErrors = [];
    private bool _tryTlsFirst;
    private bool _retriedWithTls;

    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _bufferShared;
    private bool _reading;
    private int _unacked;

    // Receive buffers handed out in FrameBatches, oldest first, one entry per batch. Consumers
    // acknowledge in order, so the oldest entry is released first; a buffer returns to the pool
    // once no batch refers to it and the socket no longer reads into it.
    private readonly Queue<byte[]> _lentBuffers = new();

    private Action<BackendMessageCode, ReadOnlySpan<byte>> _onFrame;
    private AuthExchange? _auth;
    private BackendKeyData? _key;
    private bool _established;

    private IActorRef _requester = ActorRefs.Nobody;

    // Queries of the requester queued behind the running cycle (PipelinedQuery), written one at each
    // ReadyForQuery, and how many of them a cancel dropped (answered at the running cycle's end).
    private readonly Queue<string> _pipelined = new();
    private int _droppedPipelined;

    // Cycles of the requester written behind the running one (PipelinedQuery with WriteNow): each
    // ReadyForQuery while some are out starts the next of them instead of ending the busy phase.
    private int _writtenAhead;
    private BackendMessageCode _batchCode;
    private readonly List<int> _batchOffsets = [];
    private readonly List<int> _batchLengths = [];
    private bool _busy;
    private readonly LowWatermark.Mark _lowWatermark = new();

    private readonly EarlyConnection? _early;
    private bool _earlyPending;
    private readonly ICallerReads? _callerReads;
    private CallerRead? _offeredRead;
    private bool _draining;

    public ConnectionActor(ConnectionSettings settings, ConnectionOptions options, IActorRef? owner, EarlyConnection? early = null)
        : this(settings, options, owner, early, null)
    {
    }

    internal ConnectionActor(ConnectionSettings settings, ConnectionOptions options, IActorRef? owner, EarlyConnection? early, ICallerReads? callerReads)
    {
        _early = early;
        _callerReads = callerReads;
        _settings = settings;
        _options = options;
        _owner = owner ?? Context.Parent;
        _scanner = new FrameScanner(options.MaxMessageLength);
        _buffer = ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
        _onFrame = UnexpectedFrame;
        _hostOrder = HostOrder(settings);
        _writer.ByteText = settings.ClientEncoding is { } encoding && !PgEncoding.IsUtf8Name(encoding);
    }

    /// <summary>Text of the session's client encoding is carried byte for byte (it is not UTF8).</summary>
    private bool ByteText => _writer.ByteText;

    /// <summary>Records a ParameterStatus; a new client_encoding changes how text is read and sent from now on.</summary>
    private void SaveParameter(ParameterStatus p)
    {
        _parameters[p.Name] = p.Value;
        if (p.Name == "client_encoding")
        {
            _writer.ByteText = !PgEncoding.IsUtf8Name(p.Value);
        }
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="early">Connection steps already under way for these settings (see <see cref="EarlyConnection"/>), adopted instead of connecting anew.</param>
    public static Props Props(ConnectionSettings settings, ConnectionOptions? options = null, IActorRef? owner = null, EarlyConnection? early = null) =>
        DelegateProps.Create(() => new ConnectionActor(settings, options ?? ConnectionOptions.Default, owner, early));

    /// <summary>As <see cref="Props(ConnectionSettings, ConnectionOptions?, IActorRef?, EarlyConnection?)"/>, with the socket reads run by <paramref name="callerReads"/>'s waiting thread.</summary>
    internal static Props Props(ConnectionSettings settings, ConnectionOptions options, IActorRef owner, EarlyConnection? early, ICallerReads? callerReads) =>
        DelegateProps.Create(() => new ConnectionActor(settings, options, owner, early, callerReads));

    // Each phase is a switch over the message rather than ReceiveActor handlers, which compile an
    // expression tree per phase the first time an actor of this type enters it.
    protected override void OnReceive(object message) => Connecting(message);

    protected override void PreStart()
    {
        if (_settings.ConnectTimeout is { } timeout && timeout > TimeSpan.Zero)
        {
            // libpq's connect_timeout bounds the whole establishment, not only the TCP connect.
            Timers.StartSingleTimer("connect-timeout", ConnectTimedOut.Instance, timeout);
        }

        if (_early?.Take() is { } early)
        {
            _earlyPending = true;
            // A plain continuation rather than PipeTo: a short-lived client's start then compiles
            // no asynchronous state machine for it.
            var self = Self;
            early.ContinueWith(
                static (t, state) => ((IActorRef)state!).Tell(new EarlyTransport(t.IsCompletedSuccessfully ? t.Result : null)),
                self,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return;
        }

        TryNextHost();
    }

    private sealed class ConnectTimedOut
    {
        public static readonly ConnectTimedOut Instance = new();
    }

    private void OnConnectTimedOut()
    {
        if (!_established)
        {
            var where = _endpoint is null ? "connection to server failed" : Describe(_endpoint);
            Fail(new PgConnectionException(ConnectionFailureKind.Network, $"{where}: timeout expired"));
        }
    }

    protected override void PostStop()
    {
        if (_earlyPending)
        {
            // Stopped (a timeout, the owner gone) while the early steps were still under way.
            _early!.Abort();
        }

        _early?.DisposeIfNotTaken();
        CloseSocket();
        base.PostStop();
    }

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    // ---------------------------------------------------------------- failure

    private void Fail(PgConnectionException error)
    {
        CloseSocket();
        _owner.Tell(new ConnectionFailed(error));
        Context.Stop(Self);
    }

    private void Lost(PgConnectionException error)
    {
        if (!_established)
        {
            FailOrNextHost(error);
            return;
        }

        CloseSocket();
        _owner.Tell(new ConnectionClosed(error));
        if (_requester != ActorRefs.Nobody && _requester != _owner)
        {
            _requester.Tell(new ConnectionClosed(error));
        }

        Context.Stop(Self);
    }
}
