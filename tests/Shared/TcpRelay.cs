using System.Net;
using System.Net.Sockets;

namespace PgWire.Tests.Shared;

/// <summary>
/// A TCP relay to the test server. <see cref="Cut"/> closes every relayed connection and resets
/// each later one at once, as a server that went away would; it counts the connections it refused.
/// <see cref="Freeze"/> makes it a server that stopped answering without closing anything.
/// With <see cref="ServerBytesPerSecond"/> what the server sends arrives no faster than that: a slow link.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _open = [];
    private readonly HashSet<Socket> _silenced = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;
    private volatile bool _frozen;
    private int _refused;
    private int _relayed;
    private int _swallowed;

    public TcpRelay()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Connections relayed so far.</summary>
    public int Relayed => Volatile.Read(ref _relayed);

    /// <summary>The rate at which the server's bytes are passed on; 0 means as fast as they come.</summary>
    public int ServerBytesPerSecond { get; init; }

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>After <see cref="Cut"/>: new connections are relayed again, as when the server is back.</summary>
    public void Restore() => _cut = false;

    /// <summary>
    /// Every connection relayed so far stops passing bytes, in both directions, and stays open, as
    /// when a NAT or firewall drops a flow without a FIN or RST. Later connections pass as usual.
    /// </summary>
    public void SilenceExisting()
    {
        lock (_open)
        {
            _silenced.UnionWith(_open);
        }
    }

    /// <summary>
    /// A server that froze (a black hole): every open connection stops passing bytes without
    /// closing, as <see cref="SilenceExisting"/>, and each new one is accepted and never answered.
    /// Those connections stay dead after <see cref="Thaw"/>, as flows a firewall dropped do.
    /// </summary>
    public void Freeze()
    {
        _frozen = true;
        SilenceExisting();
    }

    /// <summary>After <see cref="Freeze"/>: new connections are relayed again.</summary>
    public void Thaw() => _frozen = false;

    /// <summary>Connections accepted and never answered while frozen.</summary>
    public int Swallowed => Volatile.Read(ref _swallowed);

    private bool Silenced(Socket socket)
    {
        lock (_open)
        {
            return _silenced.Contains(socket);
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                if (_cut)
                {
                    client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    Interlocked.Increment(ref _refused);
                    continue;
                }

                if (_frozen)
                {
                    // Held open, never read from: the client's connect succeeds and then nothing comes.
                    Interlocked.Increment(ref _swallowed);
                    lock (_open)
                    {
                        _open.Add(client);
                        _silenced.Add(client);
                    }

                    continue;
                }

                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await server.ConnectAsync(new IPEndPoint(IPAddress.Parse(TestCluster.Host), TestCluster.Port), _stop.Token);
                client.NoDelay = true;
                Interlocked.Increment(ref _relayed);
                lock (_open)
                {
                    _open.Add(client);
                    _open.Add(server);
                }

                _ = PumpAsync(client, server, 0);
                _ = PumpAsync(server, client, ServerBytesPerSecond);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, int bytesPerSecond)
    {
        var buffer = new byte[bytesPerSecond > 0 ? Math.Max(1, bytesPerSecond / 20) : 64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (Silenced(from))
                {
                    if (n == 0)
                    {
                        return;
                    }

                    continue;
                }

                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                if (bytesPerSecond > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)n / bytesPerSecond), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        _stop.Dispose();
    }
}
