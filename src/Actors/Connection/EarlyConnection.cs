using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using PgWire.Protocol;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Frontend;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// The first steps of a connection taken before there is an actor to take them: the socket to the
/// first host, the SSL request and TLS handshake the sslmode asks for, the startup message, and the
/// authentication exchange up to the server's first message after it (usually ReadyForQuery, with
/// the ParameterStatus and BackendKeyData before it). A short-lived client starts it first thing and
/// creates its actor system meanwhile; the <see cref="ConnectionActor"/> then adopts the transport,
/// the <see cref="AuthExchange"/> where it stands and the bytes read but not yet handled, and goes on
/// as if it had taken those steps itself. Whenever a step before the startup message goes otherwise
/// than plainly (a refused socket, a TLS handshake that fails, a server without TLS where TLS is
/// required, several hosts in random order, a verifying sslmode without its root certificate file),
/// the early connection is dropped and the actor connects from the start, so every error and every
/// fallback (sslmode=prefer without TLS, the next host) is the actor's as before. Once the startup
/// message is sent, nothing is dropped: anything but a plain authentication step (an error of the
/// server, a notice, a missing password, a proof that does not verify, a lost connection) stops the
/// early steps there, and the actor handles it, from the same bytes or the same exception, as it
/// handles it on a connection it made itself.
/// </summary>
public sealed class EarlyConnection
{
    private Task<Transport?> _transport = null!;
    private int _taken;
    private Socket? _socket;
    private volatile bool _aborted;

    private EarlyConnection()
    {
    }

    /// <summary>
    /// What the early steps produced: the socket, its stream (TLS or plain) and the host; the
    /// authentication exchange as it stands (null when the startup message was not sent), the bytes
    /// read and not handled yet (from the first message the early steps left to the actor on), and
    /// the error that stopped the exchange, if one did.
    /// </summary>
    internal sealed record Transport(Socket Socket, HostSpec Host, Stream Stream, SslStream? Ssl, bool TriedTls)
    {
        public AuthExchange? Auth { get; init; }

        public ReadOnlyMemory<byte> Unhandled { get; init; }

        public Exception? Error { get; init; }
    }

    /// <summary>
    /// Starts connecting to the first host of <paramref name="settings"/> on the thread pool; null
    /// when these settings are better left to the actor from the start. With
    /// <paramref name="blocking"/> (and no connect_timeout) the steps use the socket's blocking calls
    /// only, for a client that goes on reading it blocking (<see cref="PgClient.Connect"/>): the socket
    /// then never enters the runtime's asynchronous socket engine, and no thread of that engine starts.
    /// </summary>
    public static EarlyConnection? Start(ConnectionSettings settings, bool blocking = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Hosts.Count == 0 || settings.LoadBalanceHosts)
        {
            return null;
        }

        var host = settings.Hosts[0];
        var mode = ConnectionActor.IsUnixSocket(host) ? SslMode.Disable : settings.SslMode;
        if (mode is SslMode.VerifyCa or SslMode.VerifyFull && (string.IsNullOrEmpty(settings.SslRootCert) || !File.Exists(settings.SslRootCert)))
        {
            return null;
        }

        blocking &= settings.ConnectTimeout is not { } timeout || timeout <= TimeSpan.Zero;
        var early = new EarlyConnection();
        early._transport = Task.Run(() => early.ConnectAsync(settings, host, mode, blocking));
        return early;
    }

    /// <summary>
    /// Ends the early steps wherever they are (a read waiting for the server returns at once) and
    /// closes their socket: for an actor that took the transport and stops before it arrived.
    /// </summary>
    internal void Abort()
    {
        _aborted = true;
        var socket = Volatile.Read(ref _socket);
        if (socket is null)
        {
            return;
        }

        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // not connected or already closed
        }

        socket.Dispose();
    }

    /// <summary>The transport, once: null when the early steps did not go plainly (the actor then starts over).</summary>
    internal Task<Transport?>? Take() => Interlocked.Exchange(ref _taken, 1) == 0 ? _transport : null;

    /// <summary>Closes the transport if nobody took it.</summary>
    internal void DisposeIfNotTaken()
    {
        if (Take() is { } transport)
        {
            _ = transport.ContinueWith(static t => Close(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private static void Close(Transport? transport)
    {
        if (transport is null)
        {
            return;
        }

        try
        {
            transport.Stream.Dispose();
        }
        catch (Exception)
        {
            // closing is all that is left to do
        }

        transport.Socket.Dispose();
    }

    private async Task<Transport?> ConnectAsync(ConnectionSettings settings, HostSpec host, SslMode mode, bool blocking)
    {
        var socket = blocking
            ? OpenSocket(host)
            : await ConnectionActor.OpenSocketAsync(host, settings.ConnectTimeout).ConfigureAwait(false) is ConnectionActor.SocketOpened opened ? opened.Socket : null;
        if (socket is null)
        {
            return null;
        }

        if (SocketSetup.Prepare(socket, host, settings) is not null)
        {
            // The connection actor starts over and reports it.
            socket.Dispose();
            return null;
        }

        Volatile.Write(ref _socket, socket);
        if (_aborted)
        {
            socket.Dispose();
            return null;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: false);
        SslStream? ssl = null;
        bool tryTls = mode is not (SslMode.Disable or SslMode.Allow);
        var writer = new FrontendWriter { ByteText = settings.ClientEncoding is { } encoding && !PgEncoding.IsUtf8Name(encoding) };
        try
        {
            if (tryTls)
            {
                writer.WriteSslRequest();
                stream.Write(writer.WrittenSpan);
                writer.Clear();
                var answer = new byte[1];
                if ((blocking ? stream.Read(answer) : await stream.ReadAsync(answer).ConfigureAwait(false)) != 1)
                {
                    throw new IOException("no answer to the SSL request");
                }

                if (answer[0] == 'S')
                {
                    var clientCertificate = ConnectionActor.LoadClientCertificate(settings);
                    ssl = new SslStream(new ReadAheadStream(stream), leaveInnerStreamOpen: false, (_, cert, chain, errors) => ConnectionActor.ValidateServerCertificate(settings, host.Host, null, cert, chain, errors));
                    var options = ConnectionActor.TlsOptions(settings, host, clientCertificate);
                    if (blocking)
                    {
                        ssl.AuthenticateAsClient(options);
                    }
                    else
                    {
                        await ssl.AuthenticateAsClientAsync(options).ConfigureAwait(false);
                    }

                    stream = ssl;
                }
                else if (answer[0] != 'N' || settings.SslMode is SslMode.Require or SslMode.VerifyCa or SslMode.VerifyFull)
                {
                    throw new IOException("the server does not offer TLS");
                }
            }

            writer.WriteStartup(ConnectionActor.StartupParameters(settings));
            stream.Write(writer.WrittenSpan);
            stream.Flush();
            writer.Clear();
        }
        catch (Exception)
        {
            // Whatever it was, the actor meets it again and reports it as it always does.
            Close(new Transport(socket, host, stream, ssl, tryTls));
            return null;
        }

        var transport = new Transport(socket, host, stream, ssl, tryTls);
        return blocking
            ? Authenticate(transport, settings, writer, blocking: true).GetAwaiter().GetResult()
            : await Authenticate(transport, settings, writer, blocking: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers the server's authentication requests while each is a plain step, and reads on until
    /// the first message that is the actor's to handle is complete in the buffer. Returns the
    /// transport with the exchange, the bytes not handled and the error that ended the exchange.
    /// </summary>
    private static async ValueTask<Transport> Authenticate(Transport transport, ConnectionSettings settings, FrontendWriter writer, bool blocking)
    {
        var stream = transport.Stream;
        var auth = new AuthExchange(settings, 0, ConnectionActor.Describe(transport.Host), transport.Ssl);
        var scanner = new FrameScanner();
        var buffer = new byte[8192];
        int start = 0, scan = 0, end = 0;
        Transport Handover(Exception? error = null) => transport with { Auth = auth, Unhandled = buffer.AsMemory(start, end - start), Error = error };

        while (true)
        {
            while (true)
            {
                int length;
                BackendMessageCode code;
                AuthenticationRequest request;
                try
                {
                    length = scanner.TryRead(buffer.AsSpan(scan, end - scan), out code, out var payload);
                    if (length == 0)
                    {
                        break;
                    }

                    if (code != BackendMessageCode.Authentication || scan != start)
                    {
                        if (code is BackendMessageCode.ReadyForQuery or BackendMessageCode.ErrorResponse or BackendMessageCode.Authentication)
                        {
                            return Handover();
                        }

                        // ParameterStatus, BackendKeyData, a notice: the actor's to read; look further.
                        scan += length;
                        continue;
                    }

                    request = AuthenticationRequest.Parse(payload);
                }
                catch (PgProtocolException)
                {
                    // The actor reads the same bytes and reports them.
                    return Handover();
                }

                scan += length;
                start = scan;
                try
                {
                    auth.OnRequest(request, writer);
                }
                catch (Exception ex) when (ex is PgConnectionException or PgProtocolException)
                {
                    return Handover(ex);
                }

                if (writer.WrittenSpan.Length > 0)
                {
                    try
                    {
                        stream.Write(writer.WrittenSpan);
                        stream.Flush();
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
                    {
                        return Handover(new PgConnectionException(ConnectionFailureKind.Network, $"could not send data to server: {ex.Message}", ex));
                    }
                    finally
                    {
                        writer.Clear();
                    }
                }
            }

            if (end == buffer.Length)
            {
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    scan -= start;
                    end -= start;
                    start = 0;
                }
                else
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }

            int n;
            try
            {
                n = blocking ? stream.Read(buffer.AsSpan(end)) : await stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A failed or closed read is met again by the actor's first read, which reports it.
                return Handover();
            }

            if (n == 0)
            {
                return Handover();
            }

            end += n;
        }
    }

    /// <summary>The first host's socket, connected with the blocking call; null on any failure (the actor then connects and reports it).</summary>
    private static Socket? OpenSocket(HostSpec host)
    {
        if (ConnectionActor.IsUnixSocket(host))
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                unix.Connect(new UnixDomainSocketEndPoint(ConnectionActor.SocketPath(host)));
                return unix;
            }
            catch (Exception)
            {
                unix.Dispose();
                return null;
            }
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Host, out var literal) ? [literal] : Dns.GetHostAddresses(host.Host);
        }
        catch (Exception)
        {
            return null;
        }

        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(new IPEndPoint(address, host.Port));
                return socket;
            }
            catch (Exception)
            {
                socket.Dispose();
            }
        }

        return null;
    }
}
