using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>Connecting: the host list, opening the socket, the SSL request and TLS handshake, and the startup message.</summary>
public sealed partial class ConnectionActor
{
    // ---------------------------------------------------------------- phase: connecting

    internal sealed record SocketOpened(Socket Socket, HostSpec Endpoint);
    private sealed record SocketOpenFailed(string Error);
    private sealed record SslAnswer(int Answer);
    private sealed record TlsEstablished(SslStream Stream);
    private sealed record TlsFailed(Exception Error);

    /// <summary>
    /// The order the hosts are tried in: as given, or shuffled for <c>load_balance_hosts=random</c>
    /// (each connection shuffles anew, as libpq does).
    /// </summary>
    private static int[] HostOrder(ConnectionSettings settings)
    {
        var order = Enumerable.Range(0, settings.Hosts.Count).ToArray();
        if (settings.LoadBalanceHosts)
        {
            Random.Shared.Shuffle(order);
        }

        return order;
    }

    /// <summary>The position in <see cref="ConnectionSettings.Hosts"/> of the host being tried.</summary>
    private int CurrentHost => _hostOrder[Math.Max(0, _hostIndex - 1)];

    /// <summary>
    /// Whether another host is left: the rest of the list, or, for <c>target_session_attrs=prefer-standby</c>
    /// when no standby was found, the whole list once more accepting any server.
    /// </summary>
    private bool HasAnotherHost =>
        _hostIndex < _hostOrder.Length
        || (_settings.TargetSessionAttrs == TargetSessionAttrs.PreferStandby && !_preferStandbyAnyPass && _hostOrder.Length > 0);

    private void TryNextHost()
    {
        if (_hostIndex >= _hostOrder.Length && HasAnotherHost)
        {
            // prefer-standby found no standby: start over and take any server (libpq's second pass).
            _preferStandbyAnyPass = true;
            _hostIndex = 0;
        }

        if (_hostIndex >= _hostOrder.Length)
        {
            Fail(new PgConnectionException(ConnectionFailureKind.Network, string.Join("\n", _hostErrors)));
            return;
        }

        var host = _settings.Hosts[_hostOrder[_hostIndex++]];
        var timeout = _settings.ConnectTimeout;
        OpenSocketAsync(host, timeout, _settings.LoadBalanceHosts, _settings).PipeTo(Self, success: m => m, failure: ex => new SocketOpenFailed(ex.Message));
    }

    internal static bool IsUnixSocket(HostSpec host) => host.Host.StartsWith('/') || host.Host.StartsWith('@');

    internal static string Describe(HostSpec host) => IsUnixSocket(host)
        ? $"connection to server on socket \"{SocketPath(host)}\" failed"
        : $"connection to server at \"{host.Host}\", port {host.Port} failed";

    internal static string SocketPath(HostSpec host) => Path.Combine(host.Host, $".s.PGSQL.{host.Port}");

    /// <param name="settings">The socket options and peer checks to apply (<see cref="SocketSetup"/>); null for none.</param>
    internal static async Task<object> OpenSocketAsync(HostSpec host, TimeSpan? timeout, bool shuffleAddresses = false, ConnectionSettings? settings = null)
    {
        using var cts = timeout is { } t && t > TimeSpan.Zero ? new CancellationTokenSource(t) : new CancellationTokenSource();
        if (IsUnixSocket(host))
        {
            var path = SocketPath(host);
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                unix.Dispose();
                var reason = ex is SocketException se ? SocketReason(se) : ex is OperationCanceledException ? "timeout expired" : ex.Message;
                return new SocketOpenFailed($"{Describe(host)}: {reason}\n\tIs the server running locally and accepting connections on that socket?");
            }

            if (SocketSetup.Prepare(unix, host, settings) is { } refused)
            {
                unix.Dispose();
                return new SocketOpenFailed($"{Describe(host)}: {refused}");
            }

            return new SocketOpened(unix, host);
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

            if (shuffleAddresses)
            {
                // load_balance_hosts=random spreads over the addresses of one name too.
                Random.Shared.Shuffle(addresses);
            }
        }

        var errors = new List<string>();
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, host.Port), cts.Token).ConfigureAwait(false);
                if (SocketSetup.Prepare(socket, host, settings) is { } refused)
                {
                    socket.Dispose();
                    return new SocketOpenFailed($"{Describe(host)}: {refused}");
                }

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

    private void Connecting(object message)
    {
        switch (message)
        {
            case SocketOpened m:
                OnSocketOpened(m);
                break;
            case EarlyTransport m:
                OnEarlyTransport(m.Transport);
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
                FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Tls, $"{Describe(_endpoint!)}: SSL error: {_tlsRejection ?? TlsMessage(m.Error)}", m.Error));
                break;
            default:
                DuringStartup(message);
                break;
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
        BeginSession(m.Socket, m.Endpoint, new NetworkStream(m.Socket, ownsSocket: false));
        var mode = IsUnixSocket(m.Endpoint) ? SslMode.Disable : _settings.SslMode;
        _tryTlsFirst = !_settingsOverrideNoTls && (mode is not (SslMode.Disable or SslMode.Allow) || (mode == SslMode.Allow && _retriedWithTls));
        if (_tryTlsFirst)
        {
            _writer.WriteSslRequest();
            Send();
            var stream = _stream!;
            ReadOneByteAsync(stream).PipeTo(Self, success: b => new SslAnswer(b), failure: ex => new SslAnswer(-1));
        }
        else
        {
            BeginStartup();
        }
    }

    /// <summary>A new socket to a host: nothing of an earlier host's session carries over.</summary>
    private void BeginSession(Socket socket, HostSpec endpoint, Stream stream)
    {
        _parameters.Clear();
        _key = null;
        _auth = null;
        _start = _end = 0;
        _socket = socket;
        _endpoint = endpoint;
        _stream = stream;
    }

    private sealed record EarlyTransport(EarlyConnection.Transport? Transport);

    /// <summary>
    /// Adopts what an <see cref="EarlyConnection"/> did: the first host's socket, TLS as the sslmode
    /// asked, the startup message sent, the authentication exchange where it stands; the bytes it read
    /// and left unhandled are handled as if just read, and an error that stopped it is reported as
    /// the same error met here would be. Without a transport (the early steps did not go plainly
    /// before the startup message) the hosts are tried from the start.
    /// </summary>
    private void OnEarlyTransport(EarlyConnection.Transport? transport)
    {
        _earlyPending = false;
        if (transport is null || _hostIndex != 0 || _hostOrder.Length == 0 || _hostOrder[0] != 0)
        {
            if (transport is not null)
            {
                transport.Stream.Dispose();
                transport.Socket.Dispose();
            }

            TryNextHost();
            return;
        }

        _hostIndex = 1;
        BeginSession(transport.Socket, transport.Host, transport.Stream);
        _ssl = transport.Ssl;
        _tryTlsFirst = transport.TriedTls;
        _auth = transport.Auth;
        Become(Authenticating);
        _onFrame = AuthFrame;
        if (transport.Error is { } error)
        {
            Lost(AsConnectionError(error));
            return;
        }

        var unhandled = transport.Unhandled;
        if (unhandled.Length == 0)
        {
            StartRead();
            return;
        }

        if (unhandled.Length > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(unhandled.Length);
        }

        unhandled.Span.CopyTo(_buffer);
        _start = _end = 0;
        _reading = true;
        OnReadCompleted(new ReadCompleted(unhandled.Length));
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
            SslStreamCertificateContext? clientCertificate;
            try
            {
                clientCertificate = LoadClientCertificate(_settings);
            }
            catch (Exception ex)
            {
                var reason = ex is ConnectionSettingsException ? ex.Message : $"could not load client certificate \"{_settings.SslCert}\": {ex.Message}";
                FailOrNextHost(new PgConnectionException(ConnectionFailureKind.Tls, $"{Describe(_endpoint!)}: {reason}", ex));
                return;
            }

            _tlsRejection = null;
            var ssl = new SslStream(new ReadAheadStream(_stream!), leaveInnerStreamOpen: false, ValidateServerCertificate);
            ssl.AuthenticateAsClientAsync(TlsOptions(_settings, _endpoint!, clientCertificate)).PipeTo(Self, success: () => new TlsEstablished(ssl), failure: ex => new TlsFailed(ex));
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

    /// <summary>The TLS handshake's options for <paramref name="host"/>.</summary>
    internal static SslClientAuthenticationOptions TlsOptions(ConnectionSettings settings, HostSpec host, SslStreamCertificateContext? clientCertificate)
    {
        return new SslClientAuthenticationOptions
        {
            // Without SNI no name is given to the handshake; verify-full then checks the name itself.
            TargetHost = settings.SslSni ? host.Host : string.Empty,
            EnabledSslProtocols = settings.TlsProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateContext = clientCertificate,

            // The handshake's own chain building trusts nothing: the system's trusted roots are
            // never read (parsing the bundle is most of a first handshake's cost). What libpq trusts
            // is decided in ValidateServerCertificate, which builds its own chain to sslrootcert.
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
        };
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        ValidateServerCertificate(_settings, _endpoint!.Host, message => _log.Warning("{0}", message), certificate, chain, errors, reason => _tlsRejection = reason);

    /// <summary>
    /// The client certificate of <paramref name="settings"/> (sslcert, sslkey, sslpassword), or null when
    /// there is none or sslcertmode=disable (then the files are not read, as libpq does not read them).
    /// </summary>
    internal static SslStreamCertificateContext? LoadClientCertificate(ConnectionSettings settings) =>
        settings.SslCertMode != SslCertMode.Disable && ClientCertificate.Load(settings.SslCert, settings.SslKey, settings.SslPassword) is var (certificate, chain)
            ? SslStreamCertificateContext.Create(certificate, chain, offline: true)
            : null;

    /// <summary>libpq's check of the server certificate for the sslmode and sslrootcert of <paramref name="settings"/>; <paramref name="hostName"/> is the host connected to.</summary>
    /// <param name="reject">Told why a certificate that is refused for a reason of its own (revoked) is refused.</param>
    internal static bool ValidateServerCertificate(ConnectionSettings settings, string hostName, Action<string>? warn, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, Action<string>? reject = null)
    {
        var mode = settings.SslMode;
        var rootPath = settings.SslRootCert;
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
            warn?.Invoke($"root certificate file \"{rootPath}\" does not exist");
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

        // Revocation lists, where they exist, as libpq loads them with the root certificate.
        IReadOnlyList<RevocationList> lists;
        try
        {
            lists = RevocationList.Load(settings.SslCrl, settings.SslCrlDirectory);
        }
        catch (ConnectionSettingsException ex)
        {
            reject?.Invoke(ex.Message);
            return false;
        }

        if (lists.Count > 0
            && RevocationList.Check([.. custom.ChainElements.Select(e => e.Certificate)], lists, DateTimeOffset.UtcNow) is { } revoked)
        {
            reject?.Invoke($"certificate verify failed: {revoked}");
            return false;
        }

        if (mode != SslMode.VerifyFull)
        {
            return true;
        }

        return settings.SslSni ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 : leaf.MatchesHostname(hostName);
    }

    private void OnTlsEstablished(TlsEstablished m)
    {
        _ssl = m.Stream;
        _stream = m.Stream;
        BeginStartup();
    }

    /// <summary>The startup message's parameters libpq sends for <paramref name="settings"/>.</summary>
    internal static List<KeyValuePair<string, string>> StartupParameters(ConnectionSettings settings)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("user", settings.User),
            new("database", settings.Database),
        };
        if (settings.ClientEncoding is { } clientEncoding)
        {
            parameters.Add(new("client_encoding", clientEncoding));
        }

        if (!string.IsNullOrEmpty(settings.ApplicationName))
        {
            parameters.Add(new("application_name", settings.ApplicationName));
        }

        if (!string.IsNullOrEmpty(settings.Replication))
        {
            parameters.Add(new("replication", settings.Replication));
        }

        if (!string.IsNullOrEmpty(settings.Options))
        {
            parameters.Add(new("options", settings.Options));
        }

        foreach (var (k, v) in settings.ExtraStartupParameters)
        {
            if (!parameters.Any(p => p.Key == k))
            {
                parameters.Add(new(k, v));
            }
        }

        return parameters;
    }

    private void BeginStartup()
    {
        var parameters = StartupParameters(_settings);
        _writer.WriteStartup(parameters);
        Send();
        Become(Authenticating);
        _onFrame = AuthFrame;
        StartRead();
    }

    private void FailOrNextHost(PgConnectionException error)
    {
        CloseSocket();
        if (HasAnotherHost && error.Kind is ConnectionFailureKind.Network or ConnectionFailureKind.Tls)
        {
            _hostErrors.Add(error.Message);
            Become(Connecting);
            TryNextHost();
            return;
        }

        if (_settings.SslMode == SslMode.Prefer && _tryTlsFirst && error.Kind == ConnectionFailureKind.Tls && !_retriedWithTls)
        {
            // sslmode=prefer: if the TLS handshake itself fails, try again without TLS.
            _hostErrors.Add(error.Message);
            _retriedWithTls = true;
            _hostIndex--;
            Become(Connecting);
            _settingsOverrideNoTls = true;
            TryNextHost();
            return;
        }

        if (_hostErrors.Count > 0)
        {
            // As libpq, the reasons the earlier hosts (or attempts) failed come first.
            error = new PgConnectionException(error.Kind, string.Join("\n", _hostErrors) + "\n" + error.Message, error.InnerException)
            {
                PasswordNeeded = error.PasswordNeeded,
            };
        }

        Fail(error);
    }

    private bool _settingsOverrideNoTls;
}
