using Akka.Actor;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>Receives the results of one query cycle. Callbacks run on the caller's task, in order.</summary>
public interface IQueryObserver
{
    void OnRowDescription(RowDescription description);

    /// <summary>One DataRow payload (see <see cref="DataRowReader"/>); valid only during the call.</summary>
    void OnRow(ReadOnlySpan<byte> dataRow);

    void OnCommandComplete(CommandComplete complete);

    void OnEmptyQuery();

    void OnError(PostgresErrorFields error);

    void OnNotice(PostgresErrorFields notice);

    /// <summary>COPY TO STDOUT started.</summary>
    void OnCopyOutStart(CopyResponse response);

    /// <summary>One CopyData payload of COPY TO STDOUT; valid only during the call.</summary>
    void OnCopyOutData(ReadOnlySpan<byte> data);

    /// <summary>
    /// COPY FROM STDIN started: write the data with <paramref name="send"/> and return normally to
    /// finish it, or throw to abort it (the server then reports an error).
    /// </summary>
    Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken);

    /// <summary>The query cycle ended (ReadyForQuery); called before the query's task completes.</summary>
    void OnQueryDone()
    {
    }
}

/// <summary>
/// A small async facade over a <see cref="ConnectionActor"/> for code that is not an actor (the
/// CLI, tests, plain services). One query cycle at a time; <see cref="Cancel"/> may be called
/// from any thread.
/// </summary>
public sealed class PgClient : IAsyncDisposable
{
    private readonly ClientInbox _inbox;
    private readonly IActorRef _bridge;
    private readonly IActorRef _inboxRef;
    private readonly IActorRef _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Exception? _closedBy;
    private bool _closed;
    private int _inFlight;

    private PgClient(ClientInbox inbox, IActorRef bridge, IActorRef inboxRef, IActorRef connection, ServerSession session)
    {
        _inbox = inbox;
        _bridge = bridge;
        _inboxRef = inboxRef;
        _connection = connection;
        Session = session;
        Parameters = new Dictionary<string, string>(session.Parameters, StringComparer.Ordinal);
    }

    public ServerSession Session { get; }

    /// <summary>Current server parameters (ParameterStatus), updated as the server reports changes.</summary>
    public Dictionary<string, string> Parameters { get; }

    public TransactionStatus TransactionStatus { get; private set; } = TransactionStatus.Idle;

    /// <summary>
    /// When set, a query cycle runs on the calling thread and blocks it until the server is done
    /// (the returned task is then complete), and so does closing the connection
    /// (<see cref="DisposeAsync"/>): no thread-pool hand-off per result, for a caller with
    /// one thread of work such as a command-line client. COPY FROM STDIN still awaits the observer.
    /// Off by default, as blocking a thread-pool thread suits few callers.
    /// </summary>
    public bool WaitsSynchronously { get; set; }

    public bool IsClosed => _closed;

    /// <summary>Notifications received so far and not yet taken.</summary>
    public Queue<NotificationResponse> PendingNotifications { get; } = new();

    /// <summary>Notices that arrive outside any query (delivered at the next query cycle).</summary>
    public event Action<PostgresErrorFields>? Notice;

    /// <summary>
    /// Connects; with <paramref name="early"/> (started with <see cref="EarlyConnection.Start"/> for
    /// the same settings, typically before the actor system) its transport is adopted instead of
    /// connecting anew.
    /// </summary>
    public static Task<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, ConnectionOptions? options = null, CancellationToken cancellationToken = default, EarlyConnection? early = null) =>
        ConnectAsync(system, settings, options, early, false, cancellationToken).AsTask();

    /// <summary>
    /// Connects as <see cref="ConnectAsync(ActorSystem, ConnectionSettings, ConnectionOptions?, CancellationToken, EarlyConnection?)"/>
    /// does, blocking the calling thread until the connection is made or has failed: for a caller
    /// that waits on its own thread anyway (a command-line client, <see cref="WaitsSynchronously"/>),
    /// whose start then needs no asynchronous machinery for this step. When the actor system runs
    /// connections on the calling thread (<see cref="CallingThreadExecutorConfigurator"/>), the socket
    /// is read by the thread that waits for results, blocking, as libpq reads it: nothing is read
    /// between queries, so a notification or notice the server sends meanwhile arrives with the next
    /// query's results.
    /// </summary>
    public static PgClient Connect(ActorSystem system, ConnectionSettings settings, ConnectionOptions? options = null, CancellationToken cancellationToken = default, EarlyConnection? early = null)
    {
        var connecting = ConnectAsync(system, settings, options, early, true, cancellationToken);
        return connecting.IsCompleted ? connecting.Result : connecting.AsTask().GetAwaiter().GetResult();
    }

    private static async ValueTask<PgClient> ConnectAsync(ActorSystem system, ConnectionSettings settings, ConnectionOptions? options, EarlyConnection? early, bool blocking, CancellationToken cancellationToken)
    {
        var inbox = new ClientInbox();
        var inboxRef = new InboxRef(((ExtendedActorSystem)system).Provider, inbox);
        var dispatcher = CallingThreadExecutorConfigurator.IsConfigured(system) ? CallingThreadExecutorConfigurator.DispatcherId : null;
        // A client that connects blocking and whose connection runs on the calling thread reads the
        // socket on its own waiting thread as well.
        var callerReads = blocking && dispatcher is not null ? inbox : null;
        var bridge = system.ActorOf(DelegateProps.Create(() => new ClientBridge(settings, options ?? ConnectionOptions.Default, early, inboxRef, dispatcher, inbox, callerReads)));
        try
        {
            // With the calling-thread dispatcher the connection may report before the bridge has
            // said which actor it is: take the two in either order.
            IActorRef? connection = null;
            ServerSession? session = null;
            while (connection is null || session is null)
            {
                switch (blocking ? inbox.Read(cancellationToken) : await inbox.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    case ClientBridge.Started started:
                        connection = started.Connection;
                        break;
                    case Connected c:
                        session = c.Session;
                        break;
                    case ConnectionFailed f:
                        throw f.Error;
                }
            }

            return new PgClient(inbox, bridge, inboxRef, connection, session);
        }
        catch
        {
            early?.DisposeIfNotTaken();
            system.Stop(bridge);
            throw;
        }
    }

    /// <summary>Runs a simple-protocol query string until ReadyForQuery.</summary>
    public Task ExecuteAsync(string sql, IQueryObserver observer, CancellationToken cancellationToken = default) =>
        RunAsync(new Query(sql), observer, cancellationToken);

    /// <summary>
    /// Queues a simple-protocol query string behind the query cycles sent this way whose results were
    /// not read yet, without waiting for them: it is written to the server the moment the cycle before
    /// it ends, so the server runs it while the results before it are still being taken (no round
    /// trip and no processing of results between the two). Read the results of each, in the order
    /// sent, with <see cref="ReadPipelinedAsync"/>; no other query may run until all are read.
    /// <see cref="Cancel"/> drops the queued ones not written yet. Only what would be sent next
    /// whatever the results before it should be sent this way: an error before it does not stop it.
    /// </summary>
    public void SendPipelined(string sql)
    {
        ThrowIfClosed();
        Interlocked.Increment(ref _inFlight);
        _connection.Tell(new PipelinedQuery(sql), _inboxRef);
    }

    /// <summary>
    /// Like <see cref="SendPipelined"/>, but the query is written to the server at once, behind the
    /// cycles written before it, so the server runs it straight after them with no round trip
    /// between (a query queued unwritten ahead of it keeps it waiting, to keep the order). A cancel
    /// does not take it back: for queries that would be sent whatever the results before them, and
    /// whose running does no harm when the caller stops before reading them, such as catalog reads.
    /// </summary>
    public void WritePipelined(string sql)
    {
        ThrowIfClosed();
        Interlocked.Increment(ref _inFlight);
        _connection.Tell(new PipelinedQuery(sql, WriteNow: true), _inboxRef);
    }

    /// <summary>Query cycles sent with <see cref="SendPipelined"/> or <see cref="WritePipelined"/> whose results were not read yet.</summary>
    public int PipelinedInFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Reads the results of the oldest query sent with <see cref="SendPipelined"/>, until its
    /// ReadyForQuery; <see cref="OperationCanceledException"/> when a cancel dropped it before it was written.
    /// </summary>
    public Task ReadPipelinedAsync(IQueryObserver observer, CancellationToken cancellationToken = default)
    {
        if (PipelinedInFlight == 0)
        {
            throw new InvalidOperationException("no pipelined query is waiting for its results");
        }

        return RunAsync(null, observer, cancellationToken);
    }

    /// <summary>Runs one statement with text parameters through the extended protocol.</summary>
    public Task ExecuteExtendedAsync(string sql, IReadOnlyList<string?> parameters, IQueryObserver observer, CancellationToken cancellationToken = default) =>
        RunAsync(new ExtendedQuery(sql, parameters), observer, cancellationToken);

    /// <summary>
    /// Runs one statement with text parameters through the extended protocol, asking for results
    /// in the given format codes (0 text, 1 binary): one code for every column, or one per column.
    /// Binary values reach <see cref="IQueryObserver.OnRow"/> in the types' send format.
    /// </summary>
    public Task ExecuteExtendedAsync(string sql, IReadOnlyList<string?> parameters, IReadOnlyList<short> resultFormats, IQueryObserver observer, CancellationToken cancellationToken = default) =>
        RunAsync(new ExtendedQuery(sql, parameters, resultFormats), observer, cancellationToken);

    /// <summary>
    /// Describes one statement without running it: its columns reach <see cref="IQueryObserver.OnRowDescription"/>
    /// (nothing when it returns no rows), a parse error <see cref="IQueryObserver.OnError"/>.
    /// </summary>
    public Task DescribeAsync(string sql, IQueryObserver observer, CancellationToken cancellationToken = default) =>
        RunAsync(new DescribeStatement(sql), observer, cancellationToken);

    /// <summary>Sends a CancelRequest for the running query.</summary>
    public void Cancel() => _connection.Tell(CancelQuery.Instance);

    /// <summary>
    /// How long a query whose token was cancelled may take to end after its CancelRequest before the
    /// connection is closed under it (a server that does not answer, a command that ignores cancels).
    /// </summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs one query cycle. Cancelling <paramref name="cancellationToken"/> sends a CancelRequest; the
    /// call then ends with <see cref="OperationCanceledException"/> once the server has ended the
    /// query, or after <see cref="CancelGrace"/> with the connection closed.
    /// </summary>
    private async Task RunAsync(object? command, IQueryObserver observer, CancellationToken cancellationToken)
    {
        if (command is not null && PipelinedInFlight > 0)
        {
            throw new InvalidOperationException("the results of pipelined queries must be read before another query runs");
        }

        if (WaitsSynchronously)
        {
            _gate.Wait(cancellationToken);
        }
        else
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (command is null)
            {
                // The pipelined query was written already; its messages are the next in the inbox.
                Interlocked.Decrement(ref _inFlight);
                ThrowIfClosed();
            }
            else
            {
                DrainIdleMessages();
                ThrowIfClosed();
                cancellationToken.ThrowIfCancellationRequested();
                _connection.Tell(command, _inboxRef);
            }

            Exception? observerError = null;
            using var abandon = new CancellationTokenSource();
            using var registration = cancellationToken.Register(() =>
            {
                Cancel();
                abandon.CancelAfter(CancelGrace);
            });
            while (true)
            {
                object message;
                try
                {
                    message = WaitsSynchronously ? _inbox.Read(abandon.Token) : await _inbox.ReadAsync(abandon.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (abandon.IsCancellationRequested)
                {
                    Abandon();
                    throw new OperationCanceledException("the query was cancelled and did not end in time; the connection was closed", null, cancellationToken);
                }

                switch (message)
                {
                    case FrameBatch batch:
                        try
                        {
                            if (observerError is null)
                            {
                                Deliver(batch, observer);
                            }
                        }
                        catch (Exception ex)
                        {
                            // Keep draining the protocol so the session stays usable; report afterwards.
                            observerError = ex;
                            Cancel();
                        }
                        finally
                        {
                            _connection.Tell(BatchAck.Instance);
                        }

                        break;
                    case RowDescriptionReceived rd:
                        observer.OnRowDescription(rd.Description);
                        break;
                    case CommandCompleted cc:
                        observer.OnCommandComplete(cc.Complete);
                        break;
                    case EmptyQuery:
                        observer.OnEmptyQuery();
                        break;
                    case QueryFailed qf:
                        observer.OnError(qf.Error);
                        break;
                    case NoticeReceived n:
                        observer.OnNotice(n.Notice);
                        break;
                    case NotificationReceived or ParameterChanged:
                        HandleSessionMessage(message);
                        break;
                    case CopyStarted cs when cs.Response.Direction == CopyDirection.In:
                        await RunCopyInAsync(cs.Response, observer, cancellationToken).ConfigureAwait(false);
                        break;
                    case CopyStarted cs:
                        observer.OnCopyOutStart(cs.Response);
                        break;
                    case CopyOutCompleted:
                    case ExtendedStep:
                    case ParametersDescribed:
                        break;
                    case QueryDone done:
                        TransactionStatus = done.Status;
                        if (observerError is null)
                        {
                            try
                            {
                                observer.OnQueryDone();
                            }
                            catch (Exception ex)
                            {
                                observerError = ex;
                            }
                        }

                        if (observerError is not null)
                        {
                            throw observerError;
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        return;
                    case ConnectionClosed closed:
                        MarkClosed(closed.Error);
                        cancellationToken.ThrowIfCancellationRequested();
                        ThrowIfClosed();
                        return;
                    case PipelinedQueryDropped:
                        throw new OperationCanceledException("the query was not sent: a cancel came before its turn");
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Deliver(FrameBatch batch, IQueryObserver observer)
    {
        if (batch.Code == BackendMessageCode.DataRow)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                observer.OnRow(batch[i]);
            }
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                observer.OnCopyOutData(batch[i]);
            }
        }
    }

    private async Task RunCopyInAsync(CopyResponse response, IQueryObserver observer, CancellationToken cancellationToken)
    {
        var connection = _connection;
        try
        {
            await observer.OnCopyInAsync(response, data =>
            {
                // Copy: the caller may reuse its buffer as soon as this returns.
                connection.Tell(new SendCopyData(data.ToArray()));
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            connection.Tell(SendCopyDone.Instance);
        }
        catch (Exception ex)
        {
            connection.Tell(new SendCopyFail(ex is OperationCanceledException ? "canceled by user" : ex.Message));
        }
    }

    private void DrainIdleMessages()
    {
        while (_inbox.TryRead(out var message))
        {
            HandleSessionMessage(message);
        }
    }

    /// <summary>Messages about the session rather than a query: they may arrive at any time.</summary>
    private void HandleSessionMessage(object message)
    {
        switch (message)
        {
            case NoticeReceived n:
                Notice?.Invoke(n.Notice);
                break;
            case NotificationReceived nr:
                PendingNotifications.Enqueue(nr.Notification);
                break;
            case ParameterChanged pc:
                Parameters[pc.Name] = pc.Value;
                break;
            case ConnectionClosed closed:
                MarkClosed(closed.Error);
                break;
        }
    }

    /// <summary>Takes notifications and notices that arrived while idle.</summary>
    public void Poll()
    {
        // With pipelined queries in flight, what is queued belongs to their results.
        if (PipelinedInFlight == 0 && _gate.Wait(0))
        {
            try
            {
                DrainIdleMessages();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Closes the connection at once, without waiting for the server: the session is given up.</summary>
    private void Abandon()
    {
        _connection.Tell(PoisonPill.Instance);
        MarkClosed(new PgConnectionException(ConnectionFailureKind.Network, "connection closed: a cancelled query did not end in time"));
    }

    private void MarkClosed(Exception? error)
    {
        _closed = true;
        _closedBy ??= error ?? new PgConnectionException(ConnectionFailureKind.Network, "connection closed");
    }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw _closedBy as PgConnectionException ?? new PgConnectionException(ConnectionFailureKind.Network, _closedBy?.Message ?? "connection closed", _closedBy);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _connection.Tell(Terminate.WithoutDraining);
            _closed = ClosedAlready();
        }

        if (!_closed)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                while (true)
                {
                    var message = WaitsSynchronously ? _inbox.Read(timeout.Token) : await _inbox.ReadAsync(timeout.Token).ConfigureAwait(false);
                    if (message is ConnectionClosed)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // the actor is gone either way
            }

            _closed = true;
        }

        _bridge.Tell(PoisonPill.Instance);
    }

    /// <summary>
    /// Whether the connection already reported its close: on the calling-thread dispatcher it closes
    /// while Terminate is told, and the wait (with a timer for its timeout) can be skipped.
    /// </summary>
    private bool ClosedAlready()
    {
        while (_inbox.TryRead(out var message))
        {
            if (message is ConnectionClosed)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Owns the connection actor and reports its end. The connection's events go straight into the
    /// channel the facade reads (<see cref="InboxRef"/>), without a hop through this actor.
    /// </summary>
    private sealed class ClientBridge : UntypedActor
    {
        private readonly ConnectionSettings _settings;
        private readonly ConnectionOptions _options;
        private readonly IActorRef _inboxRef;
        private readonly string? _dispatcher;
        private readonly ClientInbox _writer;

        private readonly EarlyConnection? _early;
        private readonly ICallerReads? _callerReads;

        public ClientBridge(ConnectionSettings settings, ConnectionOptions options, EarlyConnection? early, IActorRef inboxRef, string? dispatcher, ClientInbox writer, ICallerReads? callerReads)
        {
            _early = early;
            _callerReads = callerReads;
            _settings = settings;
            _options = options;
            _inboxRef = inboxRef;
            _dispatcher = dispatcher;
            _writer = writer;
        }

        public sealed record Started(IActorRef Connection);

        protected override void PreStart()
        {
            var props = ConnectionActor.Props(_settings, _options, _inboxRef, _early, _callerReads);
            if (_dispatcher is not null)
            {
                props = props.WithDispatcher(_dispatcher);
            }

            var connection = Context.ActorOf(props, "connection");
            Context.Watch(connection);
            _writer.Write(new Started(connection));
        }

        protected override void OnReceive(object message)
        {
            if (message is Terminated)
            {
                _writer.Write(new ConnectionClosed(null));
                return;
            }

            _writer.Write(message);
        }

        protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
    }

    /// <summary>An actor reference whose messages are written into the facade's channel, on the sender's thread.</summary>
    private sealed class InboxRef : MinimalActorRef
    {
        private readonly ClientInbox _writer;

        public InboxRef(IActorRefProvider provider, ClientInbox writer)
        {
            Provider = provider;
            Path = provider.TempPath();
            _writer = writer;
        }

        public override ActorPath Path { get; }

        public override IActorRefProvider Provider { get; }

        protected override void TellInternal(object message, IActorRef sender) => _writer.Write(message);
    }
}
