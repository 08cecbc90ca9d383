using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using PgWire.Protocol.Frontend;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// The first steps of a connection taken before there is an actor to take them: the socket to the
/// first host, the SSL request and TLS handshake the sslmode asks for, and the startup message. A
/// short-lived client starts it first thing and creates its actor system meanwhile; the
/// <see cref="ConnectionActor"/> then adopts the transport and goes on with authentication, which
/// stays its own. Whenever a step goes otherwise than plainly (a refused socket, a TLS handshake that
/// fails, a server without TLS where TLS is required, several hosts in random order, a verifying
/// sslmode without its root certificate file), the early connection is dropped and the actor connects
/// from the start, so every error and every fallback (sslmode=prefer without TLS, the next host) is
/// the actor's as before.
/// </summary>
public sealed class EarlyConnection
{
    private readonly Task<Transport?> _transport;
    private int _taken;

    private EarlyConnection(Task<Transport?> transport) => _transport = transport;

    /// <summary>What the early steps produced: the socket, its stream (TLS or plain) and the host.</summary>
    internal sealed record Transport(Socket Socket, HostSpec Host, Stream Stream, SslStream? Ssl, bool TriedTls);

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
        return new EarlyConnection(Task.Run(() => ConnectAsync(settings, host, mode, blocking)));
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

    private static async Task<Transport?> ConnectAsync(ConnectionSettings settings, HostSpec host, SslMode mode, bool blocking)
    {
        var socket = blocking
            ? OpenSocket(host)
            : await ConnectionActor.OpenSocketAsync(host, settings.ConnectTimeout).ConfigureAwait(false) is ConnectionActor.SocketOpened opened ? opened.Socket : null;
        if (socket is null)
        {
            return null;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: false);
        SslStream? ssl = null;
        bool tryTls = mode is not (SslMode.Disable or SslMode.Allow);
        try
        {
            var writer = new FrontendWriter();
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
                    var clientCertificate = ClientCertificate.Load(settings.SslCert, settings.SslKey, settings.SslPassword) is var (certificate, chain)
                        ? SslStreamCertificateContext.Create(certificate, chain, offline: true)
                        : null;
                    ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, cert, chain, errors) => ConnectionActor.ValidateServerCertificate(settings, null, cert, chain, errors));
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
            return new Transport(socket, host, stream, ssl, tryTls);
        }
        catch (Exception)
        {
            // Whatever it was, the actor meets it again and reports it as it always does.
            Close(new Transport(socket, host, stream, ssl, tryTls));
            return null;
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
