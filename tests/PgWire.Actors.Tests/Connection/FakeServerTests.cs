using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>
/// Cases a real server cannot produce: a server that does not know the password but pretends to,
/// and servers that break the protocol. A loopback listener plays the server.
/// </summary>
public sealed class FakeServerTests : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("fake-server-tests");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private static byte[] Msg(char code, byte[] body)
    {
        var result = new byte[5 + body.Length];
        result[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(1), body.Length + 4);
        body.CopyTo(result, 5);
        return result;
    }

    private static byte[] Auth(int kind, byte[] rest)
    {
        var body = new byte[4 + rest.Length];
        BinaryPrimitives.WriteInt32BigEndian(body, kind);
        rest.CopyTo(body, 4);
        return Msg('R', body);
    }

    private static async Task<byte[]> ReadMessage(NetworkStream stream, bool typed)
    {
        var header = new byte[typed ? 5 : 4];
        await stream.ReadExactlyAsync(header);
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(typed ? 1 : 0));
        var body = new byte[length - 4];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    private static async Task<(int Port, Task Server)> Serve(Func<NetworkStream, Task> script)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            try
            {
                using var client = await listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                await ReadMessage(stream, typed: false); // StartupMessage
                await script(stream);
                await Task.Delay(200);
            }
            catch (IOException)
            {
                // the client hung up, which is what several tests expect
            }
            finally
            {
                listener.Stop();
            }
        });
        await Task.Yield();
        return (port, server);
    }

    /// <summary>
    /// Connects to the fake server; with <paramref name="early"/> the first steps, authentication
    /// included, are an <see cref="EarlyConnection"/>'s (blocking or not), which hands what it met to
    /// the actor: the outcome must be the same either way.
    /// </summary>
    private Task<PgClient> Connect(int port, string early = "none")
    {
        var settings = ConnectionSettings.Resolve(
            $"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable", env: new EmptyEnvironment());
        return early switch
        {
            "none" => PgClient.ConnectAsync(_system, settings),
            "blocking" => Task.Run(() => PgClient.Connect(_system, settings, early: EarlyConnection.Start(settings, blocking: true))),
            _ => PgClient.ConnectAsync(_system, settings, early: EarlyConnection.Start(settings)),
        };
    }

    private static async Task<string> ScramUpToServerFinal(NetworkStream stream)
    {
        await stream.WriteAsync(Auth(10, [.. "SCRAM-SHA-256"u8, 0, 0]));
        var initial = await ReadMessage(stream, typed: true);
        var text = Encoding.UTF8.GetString(initial);
        var clientNonce = text[(text.IndexOf("r=", StringComparison.Ordinal) + 2)..];
        var serverFirst = $"r={clientNonce}SERVERPART,s={Convert.ToBase64String(new byte[16])},i=4096";
        await stream.WriteAsync(Auth(11, Encoding.UTF8.GetBytes(serverFirst)));
        await ReadMessage(stream, typed: true); // client-final with the proof
        return serverFirst;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task A_forged_scram_server_signature_is_refused_even_if_the_server_then_says_ok(string early)
    {
        var (port, server) = await Serve(async stream =>
        {
            await ScramUpToServerFinal(stream);
            var forged = "v=" + Convert.ToBase64String(new byte[32]);
            await stream.WriteAsync(Auth(12, Encoding.UTF8.GetBytes(forged)));
            await stream.WriteAsync(Auth(0, []));
            await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
        });
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
        Assert.DoesNotContain("secret", ex.Message);
        await server;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task A_server_that_skips_the_scram_proof_is_refused(string early)
    {
        var (port, server) = await Serve(async stream =>
        {
            await ScramUpToServerFinal(stream);
            await stream.WriteAsync(Auth(0, []));
            await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
        });
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
        await server;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task A_scram_nonce_that_does_not_extend_ours_is_refused(string early)
    {
        var (port, server) = await Serve(async stream =>
        {
            await stream.WriteAsync(Auth(10, [.. "SCRAM-SHA-256"u8, 0, 0]));
            await ReadMessage(stream, typed: true);
            await stream.WriteAsync(Auth(11, "r=someoneelse,s=AAAA,i=4096"u8.ToArray()));
        });
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
        await server;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task A_two_gigabyte_message_length_is_a_protocol_error(string early)
    {
        var (port, server) = await Serve(async stream =>
        {
            var bogus = new byte[5];
            bogus[0] = (byte)'R';
            BinaryPrimitives.WriteInt32BigEndian(bogus.AsSpan(1), int.MaxValue);
            await stream.WriteAsync(bogus);
        });
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Equal(ConnectionFailureKind.Protocol, ex.Kind);
        await server;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task An_unknown_message_type_is_a_protocol_error(string early)
    {
        var (port, server) = await Serve(async stream => await stream.WriteAsync(Msg('@', [1, 2, 3])));
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Equal(ConnectionFailureKind.Protocol, ex.Kind);
        await server;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("early")]
    [InlineData("blocking")]
    public async Task A_server_that_closes_during_startup_is_reported(string early)
    {
        var (port, server) = await Serve(_ => Task.CompletedTask);
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(port, early));
        Assert.Contains("closed the connection unexpectedly", ex.Message);
        await server;
    }

    [Fact]
    public async Task A_server_that_closes_mid_query_fails_the_query_and_not_the_process()
    {
        var (port, server) = await Serve(async stream =>
        {
            await stream.WriteAsync(Auth(0, []));
            await stream.WriteAsync(Msg('K', new byte[8]));
            await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
            await ReadMessage(stream, typed: true); // the query
            await stream.WriteAsync(Msg('T', [0, 0]));
        });
        await using var client = await Connect(port);
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => client.ExecuteAsync("SELECT 1", new CollectingObserver()));
        Assert.Contains("closed the connection unexpectedly", ex.Message);
        await server;
    }

    [Fact]
    public async Task Closing_a_client_sends_Terminate_and_does_not_wait_for_the_server_to_close()
    {
        var terminated = new TaskCompletionSource<byte>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (port, server) = await Serve(async stream =>
        {
            await stream.WriteAsync(Auth(0, []));
            await stream.WriteAsync(Msg('K', new byte[8]));
            await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
            var code = new byte[1];
            await stream.ReadExactlyAsync(code);
            terminated.SetResult(code[0]);

            // A backend that takes its time to exit: the socket stays open on this side.
            await Task.Delay(5000);
        });
        var client = await Connect(port);
        var closing = client.DisposeAsync().AsTask();

        // A draining close would wait for the server's end of the socket, up to its 2 s limit.
        Assert.Same(closing, await Task.WhenAny(closing, Task.Delay(TimeSpan.FromSeconds(1.8))));
        Assert.Equal((byte)'X', await terminated.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(client.IsClosed);
        await server;
    }

    private static byte[] Cstr(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    /// <summary>A server of before 14: it reports neither in_hot_standby nor default_transaction_read_only, so the client asks.</summary>
    private static async Task<string> AnswerTargetQuery(NetworkStream stream, string answer)
    {
        await stream.WriteAsync(Auth(0, []));
        await stream.WriteAsync(Msg('S', [.. Cstr("server_version"), .. Cstr("13.9")]));
        await stream.WriteAsync(Msg('K', new byte[8]));
        await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
        var query = Encoding.UTF8.GetString(await ReadMessage(stream, typed: true)).TrimEnd('\0');
        var value = Encoding.UTF8.GetBytes(answer);
        var row = new byte[6 + value.Length];
        BinaryPrimitives.WriteInt16BigEndian(row, 1);
        BinaryPrimitives.WriteInt32BigEndian(row.AsSpan(2), value.Length);
        value.CopyTo(row, 6);
        await stream.WriteAsync(Msg('T', [0, 1, .. Cstr("x"), 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 255, 255, 255, 255, 255, 255, 0, 0]));
        await stream.WriteAsync(Msg('D', row));
        await stream.WriteAsync(Msg('C', Cstr("SHOW")));
        await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
        return query;
    }

    private Task<PgClient> ConnectWith(int port, string attrs) => PgClient.ConnectAsync(_system, ConnectionSettings.Resolve(
        $"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable target_session_attrs={attrs}", env: new EmptyEnvironment()));

    [Theory]
    [InlineData("read-write", "off", "SHOW transaction_read_only", null)]
    [InlineData("read-write", "on", "SHOW transaction_read_only", "session is read-only")]
    [InlineData("read-only", "off", "SHOW transaction_read_only", "session is not read-only")]
    [InlineData("primary", "f", "SELECT pg_catalog.pg_is_in_recovery()", null)]
    [InlineData("primary", "t", "SELECT pg_catalog.pg_is_in_recovery()", "server is in hot standby mode")]
    [InlineData("standby", "t", "SELECT pg_catalog.pg_is_in_recovery()", null)]
    [InlineData("standby", "f", "SELECT pg_catalog.pg_is_in_recovery()", "server is not in hot standby mode")]
    public async Task A_server_that_does_not_report_its_state_is_asked(string attrs, string answer, string expectedQuery, string? refusal)
    {
        string? query = null;
        var (port, server) = await Serve(async stream => query = await AnswerTargetQuery(stream, answer));
        if (refusal is null)
        {
            await using var client = await ConnectWith(port, attrs);
            Assert.Equal("13.9", client.Session.Parameters["server_version"]);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<PgConnectionException>(() => ConnectWith(port, attrs));
            Assert.Equal($"connection to server at \"127.0.0.1\", port {port} failed: {refusal}", ex.Message);
        }

        await server;
        Assert.Equal(expectedQuery, query);
    }

    [Fact]
    public async Task Connect_timeout_covers_a_server_that_accepts_and_never_answers()
    {
        var (port, server) = await Serve(_ => Task.Delay(4000));
        var settings = ConnectionSettings.Resolve($"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable connect_timeout=2", env: new EmptyEnvironment());
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => PgClient.ConnectAsync(_system, settings));
        Assert.Contains("timeout expired", ex.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3.5));
        await server;
    }

    // A client that connects blocking on the calling-thread system (as simpsql does) reads the
    // socket on its own waiting thread: a read that never returns must still end when the query is
    // abandoned or the connection times out.

    private static async Task ServeSilentQuery(NetworkStream stream)
    {
        await stream.WriteAsync(Auth(0, []));
        await stream.WriteAsync(Msg('K', new byte[8]));
        await stream.WriteAsync(Msg('Z', "I"u8.ToArray()));
        await ReadMessage(stream, typed: true); // the query, never answered
        await Task.Delay(5000);
    }

    [Fact]
    public async Task A_blocking_client_abandons_a_cancelled_query_the_server_never_answers()
    {
        var (port, server) = await Serve(ServeSilentQuery);
        using var system = ActorSystem.Create("blocking-client", PgWireConfig.ClientSystem);
        var client = PgClient.Connect(system, ConnectionSettings.Resolve(
            $"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable", env: new EmptyEnvironment()));
        client.WaitsSynchronously = true;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var running = Task.Run(() => client.ExecuteAsync("SELECT 1", new CollectingObserver(), cancel.Token));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("did not end in time", ex.Message);
        Assert.True(client.IsClosed);
        await client.DisposeAsync();
        await server;
    }

    [Fact]
    public async Task A_blocking_client_waiting_for_a_silent_server_ends_at_the_connect_timeout()
    {
        var (port, server) = await Serve(_ => Task.Delay(4000));
        using var system = ActorSystem.Create("blocking-client", PgWireConfig.ClientSystem);
        var settings = ConnectionSettings.Resolve($"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable connect_timeout=2", env: new EmptyEnvironment());
        var started = DateTime.UtcNow;
        var connecting = Task.Run(() => PgClient.Connect(system, settings, early: EarlyConnection.Start(settings, blocking: true)));
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("timeout expired", ex.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3.5));
        await server;
    }

    [Fact]
    public async Task A_connect_timeout_ends_early_steps_waiting_for_the_server()
    {
        // The early steps wait for the server's answer to the startup message; when the actor's
        // connect_timeout ends the attempt, their socket must close too, not linger.
        var closedAfter = new TaskCompletionSource<TimeSpan>();
        var started = DateTime.UtcNow;
        var (port, server) = await Serve(async stream =>
        {
            var buffer = new byte[64];
            try
            {
                while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(8)) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                // a reset or nothing at all
            }

            closedAfter.TrySetResult(DateTime.UtcNow - started);
        });
        var settings = ConnectionSettings.Resolve($"host=127.0.0.1 port={port} user=alice dbname=db password=secret sslmode=disable connect_timeout=1", env: new EmptyEnvironment());
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => PgClient.ConnectAsync(_system, settings, early: EarlyConnection.Start(settings)));
        Assert.Contains("timeout expired", ex.Message);
        Assert.True(await closedAfter.Task.WaitAsync(TimeSpan.FromSeconds(10)) < TimeSpan.FromSeconds(3), "the early connection's socket stayed open after the timeout");
        await server;
    }
}
