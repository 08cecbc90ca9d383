using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.Event;
using PgWire.Protocol;
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
/// </summary>
public sealed class ConnectionActor : UntypedActor, IWithUnboundedStash, IWithTimers
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
    private HostSpec? _endpoint;
    private int _hostIndex;
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
    private ScramSha256Client? _scram;
    private string _authMethod = "trust";
    private BackendKeyData? _key;
    private bool _established;

    private IActorRef _requester = ActorRefs.Nobody;
    private BackendMessageCode _batchCode;
    private readonly List<int> _batchOffsets = [];
    private readonly List<int> _batchLengths = [];
    private bool _busy;

    public ConnectionActor(ConnectionSettings settings, ConnectionOptions options, IActorRef? owner)
    {
        _settings = settings;
        _options = options;
        _owner = owner ?? Context.Parent;
        _scanner = new FrameScanner(options.MaxMessageLength);
        _buffer = ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
        _onFrame = UnexpectedFrame;
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConnectionSettings settings, ConnectionOptions? options = null, IActorRef? owner = null) =>
        DelegateProps.Create(() => new ConnectionActor(settings, options ?? ConnectionOptions.Default, owner));

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
        CloseSocket();
        base.PostStop();
    }

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    // ---------------------------------------------------------------- socket plumbing

    private sealed record SocketOpened(Socket Socket, HostSpec Endpoint);
    private sealed record SocketOpenFailed(string Error);
    private sealed record SslAnswer(int Answer);
    private sealed record TlsEstablished(SslStream Stream);
    private sealed record TlsFailed(Exception Error);
    private sealed record ReadCompleted(int Count);
    private sealed record ReadFailed(Exception Error);

    private void TryNextHost()
    {
        if (_hostIndex >= _settings.Hosts.Count)
        {
            Fail(new PgConnectionException(ConnectionFailureKind.Network, string.Join("\n", _hostErrors)));
            return;
        }

        var host = _settings.Hosts[_hostIndex++];
        var timeout = _settings.ConnectTimeout;
        OpenSocketAsync(host, timeout).PipeTo(Self, success: m => m, failure: ex => new SocketOpenFailed(ex.Message));
    }

    private static bool IsUnixSocket(HostSpec host) => host.Host.StartsWith('/') || host.Host.StartsWith('@');

    private static string Describe(HostSpec host) => IsUnixSocket(host)
        ? $"connection to server on socket \"{SocketPath(host)}\" failed"
        : $"connection to server at \"{host.Host}\", port {host.Port} failed";

    private static string SocketPath(HostSpec host) => Path.Combine(host.Host, $".s.PGSQL.{host.Port}");

    private static async Task<object> OpenSocketAsync(HostSpec host, TimeSpan? timeout)
    {
        using var cts = timeout is { } t && t > TimeSpan.Zero ? new CancellationTokenSource(t) : new CancellationTokenSource();
        if (IsUnixSocket(host))
        {
            var path = SocketPath(host);
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token).ConfigureAwait(false);
                return new SocketOpened(unix, host);
            }
            catch (Exception ex)
            {
                unix.Dispose();
                var reason = ex is SocketException se ? SocketReason(se) : ex is OperationCanceledException ? "timeout expired" : ex.Message;
                return new SocketOpenFailed($"{Describe(host)}: {reason}\n\tIs the server running locally and accepting connections on that socket?");
            }
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host.Host, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var reason = ex is SocketException { SocketErrorCode: SocketError.HostNotFound } ? "Name or service not known" : ex is OperationCanceledException ? "timeout expired" : ex.Message;
                return new SocketOpenFailed($"could not translate host name \"{host.Host}\" to address: {reason}");
            }
        }

        var errors = new List<string>();
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, host.Port), cts.Token).ConfigureAwait(false);
                return new SocketOpened(socket, host);
            }
            catch (Exception ex)
            {
                socket.Dispose();
                var reason = ex is SocketException se ? SocketReason(se) : ex is OperationCanceledException ? "timeout expired" : ex.Message;
                var where = IPAddress.TryParse(host.Host, out _)
                    ? $"connection to server at \"{host.Host}\", port {host.Port} failed"
                    : $"connection to server at \"{host.Host}\" ({address}), port {host.Port} failed";
                errors.Add($"{where}: {reason}\n\tIs the server running on that host and accepting TCP/IP connections?");
                if (ex is OperationCanceledException)
                {
                    break;
                }
            }
        }

        return new SocketOpenFailed(errors.Count == 0 ? $"{Describe(host)}: no addresses" : string.Join("\n", errors));
    }

    private static string SocketReason(SocketException se) => se.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.AddressNotAvailable => "No such file or directory",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.TimedOut => "Connection timed out",
        SocketError.AccessDenied => "Permission denied",
        _ => se.Message,
    };

    private void StartRead()
    {
        if (_reading || _stream is null || _unacked >= _options.MaxUnackedBatches)
        {
            return;
        }

        EnsureReadSpace();
        _reading = true;
        var stream = _stream;
        var memory = _buffer.AsMemory(_end);
        var self = Self;
        var delay = _busy ? _options.ReadCoalesceDelay : TimeSpan.Zero;
        _ = ReadAsync(stream, _socket, memory, self, delay);
    }

    private static async Task ReadAsync(Stream stream, Socket? socket, Memory<byte> memory, IActorRef self, TimeSpan coalesce)
    {
        try
        {
            var total = await stream.ReadAsync(memory).ConfigureAwait(false);
            if (coalesce > TimeSpan.Zero && total > 0 && total < memory.Length / 2)
            {
                await Task.Delay(coalesce).ConfigureAwait(false);
            }

            // While more bytes are already waiting, keep filling the buffer: one self-message then
            // carries many rows instead of one TLS record's worth.
            while (total > 0 && memory.Length - total >= 16 * 1024 && socket is { Available: > 0 })
            {
                var n = await stream.ReadAsync(memory[total..]).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            self.Tell(new ReadCompleted(total));
        }
        catch (Exception ex)
        {
            self.Tell(new ReadFailed(ex));
        }
    }

    private void EnsureReadSpace()
    {
        var needed = _buffer.Length;
        if (_end - _start >= FrameScanner.HeaderLength
            && _scanner.TryReadHeader(_buffer.AsSpan(_start, _end - _start), out _, out var payloadLength))
        {
            needed = Math.Max(needed, FrameScanner.HeaderLength + payloadLength);
        }

        if (_bufferShared || needed > _buffer.Length)
        {
            var size = _buffer.Length;
            while (size < needed)
            {
                size = (int)Math.Min((long)size * 2, (long)_options.MaxMessageLength + 1);
            }

            var fresh = ArrayPool<byte>.Shared.Rent(Math.Max(size, _options.ReceiveBufferSize));
            _buffer.AsSpan(_start, _end - _start).CopyTo(fresh);
            _end -= _start;
            _start = 0;
            var old = _buffer;
            _buffer = fresh;
            _bufferShared = false;
            ReleaseIfUnused(old);
        }
        else if (_end == _buffer.Length || (_start > 0 && _buffer.Length - _end < 4096))
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private void OnReadCompleted(ReadCompleted m)
    {
        _reading = false;
        if (m.Count == 0)
        {
            Lost(new PgConnectionException(ConnectionFailureKind.Network, _ssl is not null && _established
                ? "SSL connection has been closed unexpectedly"
                : "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request."));
            return;
        }

        _end += m.Count;
        try
        {
            ProcessFrames();
        }
        catch (PgProtocolException ex)
        {
            Lost(new PgConnectionException(ConnectionFailureKind.Protocol, $"protocol error: {ex.Message}", ex));
            return;
        }
        catch (PgConnectionException ex)
        {
            Lost(ex);
            return;
        }

        StartRead();
    }

    private void OnReadFailed(ReadFailed m)
    {
        _reading = false;
        if (_stream is null)
        {
            return;
        }

        Lost(new PgConnectionException(ConnectionFailureKind.Network, $"could not receive data from server: {m.Error.Message}", m.Error));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessFrames()
    {
        while (_stream is not null)
        {
            var consumed = _scanner.TryRead(_buffer.AsSpan(_start, _end - _start), out var code, out var payload);
            if (consumed == 0)
            {
                break;
            }

            var offset = _start + FrameScanner.HeaderLength;
            _start += consumed;
            if ((code == BackendMessageCode.DataRow || code == BackendMessageCode.CopyData) && _busy)
            {
                if (_batchOffsets.Count > 0 && _batchCode != code)
                {
                    FlushBatch();
                }

                if (code == BackendMessageCode.DataRow)
                {
                    DataRowReader.Validate(payload);
                }

                _batchCode = code;
                _batchOffsets.Add(offset);
                _batchLengths.Add(payload.Length);
                continue;
            }

            FlushBatch();
            _onFrame(code, payload);
        }

        FlushBatch();
        if (_start == _end && !_bufferShared)
        {
            _start = _end = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FlushBatch()
    {
        if (_batchOffsets.Count == 0)
        {
            return;
        }

        var batch = new FrameBatch(_batchCode, _buffer, [.. _batchOffsets], [.. _batchLengths], _batchOffsets.Count);
        _batchOffsets.Clear();
        _batchLengths.Clear();
        _bufferShared = true;
        _lentBuffers.Enqueue(_buffer);
        _unacked++;
        _requester.Tell(batch, Self);
    }

    private void Send()
    {
        if (_stream is null)
        {
            _writer.Clear();
            return;
        }

        try
        {
            _stream.Write(_writer.WrittenSpan);
            _stream.Flush();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _writer.Clear();
            Lost(new PgConnectionException(ConnectionFailureKind.Network, $"could not send data to server: {ex.Message}", ex));
            return;
        }

        _writer.Clear();
    }

    private void ReleaseIfUnused(byte[] buffer)
    {
        if (!ReferenceEquals(buffer, _buffer) && !_lentBuffers.Contains(buffer))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CloseSocket()
    {
        var stream = _stream;
        _stream = null;
        _ssl = null;
        try
        {
            stream?.Dispose();
        }
        catch (Exception)
        {
            // closing a broken stream may throw; the socket is gone either way
        }

        _socket?.Dispose();
        _socket = null;
    }

    // ---------------------------------------------------------------- phase: connecting

    private void Connecting(object message)
    {
        switch (message)
        {
            case SocketOpened m:
                OnSocketOpened(m);
                break;
            case SocketOpenFailed m:
                _hostErrors.Add(m.Error);
                TryNextHost();
                break;
            case SslAnswer m:
                OnSslAnswer(m);
                break;
            case TlsEstablished m:
                OnTlsEstablished(m);
                break;
            case TlsFailed m:
                FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Tls, $"{Describe(_endpoint!)}: SSL error: {TlsMessage(m.Error)}", m.Error));
                break;
            default:
                DuringStartup(message);
                break;
        }
    }

    /// <summary>Handles the outcome of a socket read the way authenticating, ready and busy all do; false for any other message.</summary>
    private bool OnSocketRead(object message)
    {
        switch (message)
        {
            case ReadCompleted m:
                OnReadCompleted(m);
                return true;
            case ReadFailed m:
                OnReadFailed(m);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The rest, while connecting or authenticating: a stop, the connect timeout, or a request kept for when the session is ready.</summary>
    private void DuringStartup(object message)
    {
        switch (message)
        {
            case Terminate:
                Context.Stop(Self);
                break;
            case ConnectTimedOut:
                OnConnectTimedOut();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private void OnSocketOpened(SocketOpened m)
    {
        _socket = m.Socket;
        _endpoint = m.Endpoint;
        _stream = new NetworkStream(m.Socket, ownsSocket: false);
        var mode = IsUnixSocket(m.Endpoint) ? SslMode.Disable : _settings.SslMode;
        _tryTlsFirst = !_settingsOverrideNoTls && (mode is not (SslMode.Disable or SslMode.Allow) || (mode == SslMode.Allow && _retriedWithTls));
        if (_tryTlsFirst)
        {
            _writer.WriteSslRequest();
            Send();
            var stream = _stream;
            ReadOneByteAsync(stream).PipeTo(Self, success: b => new SslAnswer(b), failure: ex => new SslAnswer(-1));
        }
        else
        {
            BeginStartup();
        }
    }

    private static async Task<int> ReadOneByteAsync(Stream stream)
    {
        // Exactly one byte: anything the server sends after 'S' belongs to the TLS handshake.
        var one = new byte[1];
        var n = await stream.ReadAsync(one).ConfigureAwait(false);
        return n == 0 ? -1 : one[0];
    }

    private void OnSslAnswer(SslAnswer m)
    {
        if (m.Answer == 'S')
        {
            var host = _endpoint!.Host;
            var ssl = new SslStream(_stream!, leaveInnerStreamOpen: false, ValidateServerCertificate);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = SslProtocols.None,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
            ssl.AuthenticateAsClientAsync(options).PipeTo(Self, success: () => new TlsEstablished(ssl), failure: ex => new TlsFailed(ex));
            return;
        }

        if (m.Answer == 'N')
        {
            if (_settings.SslMode is SslMode.Require or SslMode.VerifyCa or SslMode.VerifyFull)
            {
                FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Tls, $"{Describe(_endpoint!)}: server does not support SSL, but SSL was required"));
                return;
            }

            BeginStartup();
            return;
        }

        if (m.Answer == 'E')
        {
            FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Protocol, $"{Describe(_endpoint!)}: server rejected the SSL request"));
            return;
        }

        FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Protocol, m.Answer < 0
            ? $"{Describe(_endpoint!)}: server closed the connection unexpectedly"
            : $"{Describe(_endpoint!)}: received invalid response to SSL negotiation: {(char)m.Answer}"));
    }

    private static string TlsMessage(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && inner is AuthenticationException)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var mode = _settings.SslMode;
        var rootPath = _settings.SslRootCert;
        var hasRoot = !string.IsNullOrEmpty(rootPath) && File.Exists(rootPath);
        if (mode is SslMode.Prefer or SslMode.Allow or SslMode.Require && !hasRoot)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        if (mode is SslMode.VerifyCa or SslMode.VerifyFull && !hasRoot)
        {
            _log.Warning("root certificate file \"{0}\" does not exist", rootPath ?? "");
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(rootPath!);
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!custom.Build(leaf))
        {
            return false;
        }

        return mode != SslMode.VerifyFull || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
    }

    private void OnTlsEstablished(TlsEstablished m)
    {
        _ssl = m.Stream;
        _stream = m.Stream;
        BeginStartup();
    }

    private void BeginStartup()
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("user", _settings.User),
            new("database", _settings.Database),
            new("client_encoding", "UTF8"),
        };
        if (!string.IsNullOrEmpty(_settings.ApplicationName))
        {
            parameters.Add(new("application_name", _settings.ApplicationName));
        }

        if (!string.IsNullOrEmpty(_settings.Replication))
        {
            parameters.Add(new("replication", _settings.Replication));
        }

        if (!string.IsNullOrEmpty(_settings.Options))
        {
            parameters.Add(new("options", _settings.Options));
        }

        foreach (var (k, v) in _settings.ExtraStartupParameters)
        {
            if (!parameters.Any(p => p.Key == k))
            {
                parameters.Add(new(k, v));
            }
        }

        _writer.WriteStartup(parameters);
        Send();
        Become(Authenticating);
        _onFrame = AuthFrame;
        StartRead();
    }

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
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse");
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
                _owner.Tell(new NoticeReceived(PostgresErrorFields.Parse(payload, "NoticeResponse")));
                break;
            case BackendMessageCode.ParameterStatus:
                var p = ParameterStatus.Parse(payload);
                _parameters[p.Name] = p.Value;
                break;
            case BackendMessageCode.BackendKeyData:
                _key = BackendKeyData.Parse(payload);
                break;
            case BackendMessageCode.ReadyForQuery:
                ReadyForQuery.Parse(payload);
                OnEstablished();
                break;
            default:
                throw new PgProtocolException(ProtocolErrorKind.UnexpectedMessage, $"unexpected message '{(char)code}' during authentication");
        }
    }

    private string RequirePassword()
    {
        var password = _settings.GetPassword(Math.Max(0, _hostIndex - 1));
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
            case ExtendedQuery m:
                _writer.WriteParse("", m.Sql, []);
                var values = m.Parameters.Select(p => p is null ? null : Encoding.UTF8.GetBytes(p)).ToArray();
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
            case Terminate:
                OnTerminate();
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
                break;
            case Terminate:
                OnTerminate();
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
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse");
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
                var notice = new NoticeReceived(PostgresErrorFields.Parse(payload, "NoticeResponse"));
                _owner.Tell(notice);
                if (_requester != ActorRefs.Nobody && _requester != _owner)
                {
                    _requester.Tell(notice);
                }

                return true;
            case BackendMessageCode.NotificationResponse:
                _owner.Tell(new NotificationReceived(NotificationResponse.Parse(payload)));
                return true;
            case BackendMessageCode.ParameterStatus:
                var p = ParameterStatus.Parse(payload);
                _parameters[p.Name] = p.Value;
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
                _requester.Tell(new RowDescriptionReceived(RowDescription.Parse(payload)));
                break;
            case BackendMessageCode.CommandComplete:
                _requester.Tell(new CommandCompleted(CommandComplete.Parse(payload)));
                break;
            case BackendMessageCode.EmptyQueryResponse:
                EmptyMessage.Parse(code, payload);
                _requester.Tell(EmptyQuery.Instance);
                break;
            case BackendMessageCode.ErrorResponse:
                var error = PostgresErrorFields.Parse(payload, "ErrorResponse");
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

    private void OnTerminate()
    {
        if (_stream is null)
        {
            FinishClose();
            return;
        }

        _writer.WriteTerminate();
        try
        {
            _stream.Write(_writer.WrittenSpan);
            _stream.Flush();

            // Half-close and read to the end before closing: closing a socket with unread bytes
            // (a replication stream keeps sending) resets the connection, and the server may then
            // drop what we sent last, such as a final standby status update.
            _socket?.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            _writer.Clear();
            FinishClose();
            return;
        }

        _writer.Clear();
        _busy = false;
        _onFrame = static (_, _) => { };
        _unacked = 0;
        Become(Closing);
        Timers.StartSingleTimer("close", CloseNow.Instance, TimeSpan.FromSeconds(2));
        StartRead();
    }

    private sealed class CloseNow
    {
        public static readonly CloseNow Instance = new();
    }

    private void Closing(object message)
    {
        switch (message)
        {
            case ReadCompleted m:
                _reading = false;
                if (m.Count == 0)
                {
                    FinishClose();
                    return;
                }

                // Whatever still arrives is discarded.
                _end += m.Count;
                _start = _end;
                StartRead();
                break;
            case ReadFailed:
                _reading = false;
                FinishClose();
                break;
            case CloseNow:
                FinishClose();
                break;
        }
    }

    private void FinishClose()
    {
        CloseSocket();
        _owner.Tell(new ConnectionClosed(null));
        if (_requester != ActorRefs.Nobody && _requester != _owner)
        {
            _requester.Tell(new ConnectionClosed(null));
        }

        Context.Stop(Self);
    }

    // ---------------------------------------------------------------- failure

    private void FailOrNextHost(PgConnectionException error)
    {
        CloseSocket();
        if (_hostIndex < _settings.Hosts.Count && error.Kind is ConnectionFailureKind.Network or ConnectionFailureKind.Tls)
        {
            _hostErrors.Add(error.Message);
            Become(Connecting);
            TryNextHost();
            return;
        }

        if (_settings.SslMode == SslMode.Prefer && _tryTlsFirst && error.Kind == ConnectionFailureKind.Tls && !_retriedWithTls)
        {
            // sslmode=prefer: if the TLS handshake itself fails, try again without TLS.
            _retriedWithTls = true;
            _hostIndex--;
            Become(Connecting);
            _settingsOverrideNoTls = true;
            TryNextHost();
            return;
        }

        Fail(error);
    }

    private bool _settingsOverrideNoTls;

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
