using System.Net;
using System.Net.Sockets;

namespace PgWire.Tests.Shared;

/// <summary>
/// A TCP proxy in front of a server whose existing connections can be silenced: bytes are still
/// read on both sides but no longer passed on, and no socket is closed, as when a NAT or firewall
/// drops a flow without a FIN or RST. Connections made afterwards pass as usual.
/// </summary>
public sealed class SilencingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Flow> _flows = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private readonly int _port;

    public SilencingProxy(string host, int port)
    {
        _host = host;
        _port = port;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>The port the proxy listens on (127.0.0.1).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get
        {
            lock (_flows)
            {
                return _flows.Count;
            }
        }
    }

    /// <summary>Every connection made so far stops passing bytes, in both directions, and stays open.</summary>
    public void SilenceExisting()
    {
        lock (_flows)
        {
            foreach (var flow in _flows)
            {
                flow.Silenced = true;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_flows)
        {
            foreach (var flow in _flows)
            {
                flow.Client.Dispose();
                flow.Server.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_host, _port, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var flow = new Flow(client, server);
            lock (_flows)
            {
                _flows.Add(flow);
            }

            _ = Task.Run(() => PumpAsync(flow, flow.Client, flow.Server));
            _ = Task.Run(() => PumpAsync(flow, flow.Server, flow.Client));
        }
    }

    private async Task PumpAsync(Flow flow, Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    if (!flow.Silenced)
                    {
                        to.Shutdown(SocketShutdown.Send);
                    }

                    return;
                }

                if (!flow.Silenced)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed class Flow(Socket client, Socket server)
    {
        public Socket Client { get; } = client;

        public Socket Server { get; } = server;

        public volatile bool Silenced;
    }
}
