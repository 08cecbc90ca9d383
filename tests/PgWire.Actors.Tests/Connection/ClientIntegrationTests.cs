using System.Text;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>
/// The same tests with the connection run as simpsql runs it: on the calling thread
/// (<see cref="PgWireConfig.ClientSystem"/>) and with the client waiting for results on its own thread.
/// </summary>
public sealed class ClientIntegrationCallingThreadTests : ClientIntegrationTests
{
    protected override ActorSystem CreateSystem() => ActorSystem.Create("client-tests", PgWireConfig.ClientSystem);

    protected override bool WaitsSynchronously => true;

    [ClusterFact]
    public void The_client_system_runs_the_connection_on_the_calling_thread() =>
        Assert.True(CallingThreadExecutorConfigurator.IsConfigured(_system));
}

/// <summary>
/// The same tests once more as simpsql connects: the first steps taken by an
/// <see cref="EarlyConnection"/> before the actor adopts them (or, when they do not go plainly,
/// connects from the start) with the socket's blocking calls, the caller blocked until connected
/// (<see cref="PgClient.Connect"/>) and reading the socket itself while it waits for results:
/// every outcome, error message included, must be the same.
/// </summary>
public sealed class ClientIntegrationEarlyConnectionTests : ClientIntegrationTests
{
    protected override ActorSystem CreateSystem() => ActorSystem.Create("client-tests", PgWireConfig.ClientSystem);

    protected override bool WaitsSynchronously => true;

    protected override bool StartsEarly => true;

    protected override bool ConnectsBlocking => true;

    [ClusterTheory]
    [InlineData(false, "disable")]
    [InlineData(true, "disable")]
    [InlineData(true, "require")]
    public async Task The_early_steps_authenticate_before_the_actor_exists(bool blocking, string sslMode)
    {
        // A backend appears in pg_stat_activity once the client has authenticated: with the early
        // steps under way and no connection actor yet, it must get there.
        var application = "early_auth_" + Guid.NewGuid().ToString("N")[..8];
        var settings = Settings(TestCluster.ScramUser, TestCluster.Password, sslMode, extra: $"application_name={application}");
        var early = EarlyConnection.Start(settings, blocking);
        Assert.NotNull(early);
        await using (var watcher = await PgClient.ConnectAsync(_system, Settings(TestCluster.TrustUser, null)))
        {
            var seen = false;
            for (var i = 0; i < 100 && !seen; i++)
            {
                var count = await Run(watcher, $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'");
                seen = count.Rows.Single()[0] == "1";
                if (!seen)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(seen, "the server never saw the early steps authenticate");
        }

        await using var client = blocking ? PgClient.Connect(_system, settings, early: early) : await PgClient.ConnectAsync(_system, settings, early: early);
        Assert.Equal(sslMode == "require" ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256", client.Session.AuthenticationMethod);
        Assert.Equal(application, client.Session.Parameters["application_name"]);
        var result = await Run(client, "SELECT current_user");
        Assert.Equal(TestCluster.ScramUser, result.Rows.Single()[0]);
    }
}

public class ClientIntegrationTests : IAsyncLifetime
{
    private protected ActorSystem _system = null!;

    protected virtual ActorSystem CreateSystem() => ActorSystem.Create("client-tests");

    protected virtual bool WaitsSynchronously => false;

    protected virtual bool StartsEarly => false;

    protected virtual bool ConnectsBlocking => false;

    private async Task<PgClient> Connect(ConnectionSettings settings, ConnectionOptions? options = null)
    {
        var early = StartsEarly ? EarlyConnection.Start(settings, blocking: ConnectsBlocking) : null;
        var client = ConnectsBlocking
            ? PgClient.Connect(_system, settings, options, early: early)
            : await PgClient.ConnectAsync(_system, settings, options, early: early);
        client.WaitsSynchronously = WaitsSynchronously;
        return client;
    }

    public Task InitializeAsync()
    {
        _system = CreateSystem();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private protected static ConnectionSettings Settings(string user, string? password, string sslMode = "disable", string? host = null, string extra = "")
    {
        var conninfo = $"host={host ?? TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={user} sslmode={sslMode} sslrootcert={TestCluster.CaPath} {extra}";
        if (password is not null)
        {
            conninfo += $" password='{password.Replace("'", "\\'")}'";
        }

        return ConnectionSettings.Resolve(conninfo, env: new EmptyEnvironment());
    }

    private protected static async Task<CollectingObserver> Run(PgClient client, string sql, CollectingObserver? observer = null)
    {
        observer ??= new CollectingObserver();
        await client.ExecuteAsync(sql, observer);
        return observer;
    }

    [ClusterTheory]
    [InlineData(TestCluster.TrustUser, "trust")]
    [InlineData(TestCluster.CleartextUser, "password")]
    [InlineData(TestCluster.Md5User, "md5")]
    [InlineData(TestCluster.ScramUser, "SCRAM-SHA-256")]
    public async Task Each_authentication_method_connects_and_queries(string user, string method)
    {
        await using var client = await Connect(Settings(user, TestCluster.Password));
        Assert.Equal(method, client.Session.AuthenticationMethod);
        var result = await Run(client, "SELECT current_user, 1 + 1 AS two");
        Assert.Equal(new string?[] { user, "2" }, result.Rows.Single());
        Assert.Equal(["SELECT 1"], result.Tags);
        Assert.Equal("UTF8", client.Session.Parameters["client_encoding"]);
        Assert.True(client.Session.ServerVersionNumber >= 100000);
    }

    [ClusterFact]
    public async Task Scram_with_a_non_ascii_password_connects()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUtf8User, TestCluster.ScramUtf8Password));
        Assert.Equal("SCRAM-SHA-256", client.Session.AuthenticationMethod);
    }

    [ClusterFact]
    public async Task Scram_with_channel_binding_over_tls_uses_the_plus_mechanism()
    {
        await using var client = await Connect(Settings(TestCluster.SslOnlyUser, TestCluster.Password, "verify-full", "localhost", "channel_binding=require"));
        Assert.Equal("SCRAM-SHA-256-PLUS", client.Session.AuthenticationMethod);
        Assert.NotNull(client.Session.TlsProtocol);
        var result = await Run(client, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        Assert.Equal("t", result.Rows.Single()[0]);
    }

    [ClusterFact]
    public async Task Channel_binding_require_without_tls_is_refused()
    {
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(Settings(TestCluster.ScramUser, TestCluster.Password, "disable", extra: "channel_binding=require")));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
    }

    [ClusterFact]
    public async Task Verify_full_rejects_a_host_name_not_in_the_certificate()
    {
        // 127.0.0.2 reaches the same loopback server but is not in the certificate's names.
        var settings = ConnectionSettings.Resolve($"host=127.0.0.1 port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=verify-full sslrootcert={TestCluster.CaPath}", env: new EmptyEnvironment());
        await using (var ok = await Connect(settings))
        {
            Assert.NotNull(ok.Session.TlsProtocol);
        }

        var wrongName = ConnectionSettings.Resolve($"host=127.0.0.2 port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=verify-full sslrootcert={TestCluster.CaPath}", env: new EmptyEnvironment());
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(wrongName));
        Assert.True(ex.Kind is ConnectionFailureKind.Tls or ConnectionFailureKind.Network, ex.Message);
    }

    [ClusterFact]
    public async Task Verify_ca_rejects_a_server_signed_by_another_ca()
    {
        var otherCa = Path.Combine(Path.GetTempPath(), $"other-ca-{Guid.NewGuid():N}.crt");
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Other CA", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            req.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(otherCa, cert.ExportCertificatePem());
        }

        try
        {
            var settings = ConnectionSettings.Resolve($"host=localhost port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=verify-ca sslrootcert={otherCa}", env: new EmptyEnvironment());
            var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(settings));
            Assert.Equal(ConnectionFailureKind.Tls, ex.Kind);
        }
        finally
        {
            File.Delete(otherCa);
        }
    }

    [ClusterTheory]
    [InlineData(TestCluster.CleartextUser)]
    [InlineData(TestCluster.Md5User)]
    [InlineData(TestCluster.ScramUser)]
    public async Task A_wrong_password_fails_with_the_server_message_and_no_secret(string user)
    {
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(Settings(user, "wrong-secret-123")));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
        Assert.Contains($"password authentication failed for user \"{user}\"", ex.Message);
        Assert.DoesNotContain("wrong-secret-123", ex.Message);
    }

    [ClusterFact]
    public async Task A_missing_password_says_so()
    {
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(Settings(TestCluster.ScramUser, null)));
        Assert.Contains("no password supplied", ex.Message);
    }

    [ClusterFact]
    public async Task A_refused_port_gives_a_network_error()
    {
        var settings = ConnectionSettings.Resolve("host=127.0.0.1 port=1 user=x dbname=x sslmode=disable", env: new EmptyEnvironment());
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(settings));
        Assert.Equal(ConnectionFailureKind.Network, ex.Kind);
        Assert.Contains("Connection refused", ex.Message);
    }

    [ClusterFact]
    public async Task An_unknown_host_name_gives_a_resolution_error()
    {
        var settings = ConnectionSettings.Resolve("host=no-such-host.invalid port=5432 user=x dbname=x", env: new EmptyEnvironment());
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(settings));
        Assert.Contains("could not translate host name \"no-such-host.invalid\"", ex.Message);
    }

    [ClusterFact]
    public async Task Unix_socket_and_localhost_name_connect()
    {
        var unix = ConnectionSettings.Resolve($"host={TestCluster.SocketDir} port={TestCluster.Port} dbname={TestCluster.Database} user=postgres", env: new EmptyEnvironment());
        await using (var client = await Connect(unix))
        {
            Assert.True(client.Session.IsUnixSocket);
            Assert.True(client.Session.IsSuperuser);
        }

        await using var byName = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password, "require", "localhost"));
        Assert.NotNull(byName.Session.TlsProtocol);
    }

    [ClusterFact]
    public async Task Errors_keep_their_fields_and_the_session_stays_usable()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        var result = await Run(client, "SELECT * FROM no_such_table");
        var error = Assert.Single(result.Errors);
        Assert.Equal("42P01", error.SqlState);
        Assert.Equal(15, error.Position);
        Assert.Equal("relation \"no_such_table\" does not exist", error.Message);
        var after = await Run(client, "SELECT 42");
        Assert.Equal("42", after.Rows.Single()[0]);
    }

    [ClusterFact]
    public async Task Multiple_statements_nulls_unicode_and_empty_queries()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        var result = await Run(client, "SELECT NULL::int AS n, 'héllo 日本' AS u; SELECT generate_series(1,3); ;");
        Assert.Equal(2, result.Descriptions.Count);
        Assert.Equal(new string?[] { null, "héllo 日本" }, result.Rows[0]);
        Assert.Equal(4, result.Rows.Count);
        Assert.Equal(["SELECT 1", "SELECT 3"], result.Tags);
        var empty = await Run(client, "");
        Assert.Equal(1, empty.EmptyQueries);
    }

    [ClusterFact]
    public async Task Many_rows_arrive_in_order_through_backpressure()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password), new ConnectionOptions { ReceiveBufferSize = 4096, MaxUnackedBatches = 1 });
        var result = await Run(client, "SELECT g, repeat('x', g % 300) FROM generate_series(1, 50000) g");
        Assert.Equal(50000, result.Rows.Count);
        for (var i = 0; i < result.Rows.Count; i++)
        {
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), result.Rows[i][0]);
        }
    }

    [ClusterFact]
    public async Task A_row_larger_than_the_receive_buffer_is_read_whole()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password), new ConnectionOptions { ReceiveBufferSize = 1024 });
        var result = await Run(client, "SELECT repeat('ab', 500000)");
        Assert.Equal(1_000_000, result.Rows.Single()[0]!.Length);
    }

    [ClusterFact]
    public async Task Extended_query_binds_text_parameters()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        var observer = new CollectingObserver();
        await client.ExecuteExtendedAsync("SELECT $1::int + 1, $2::text IS NULL", ["41", null], observer);
        Assert.Equal(new string?[] { "42", "t" }, observer.Rows.Single());
        Assert.Equal(["SELECT 1"], observer.Tags);
    }

    [ClusterFact]
    public async Task Extended_query_returns_binary_results_for_the_columns_that_ask_for_them()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        var perColumn = new CollectingObserver();
        await client.ExecuteExtendedAsync("SELECT $1::int4, 'x'::text, 258::int2", ["7"], [0, 1, 1], perColumn);
        Assert.Equal(new short[] { 0, 1, 1 }, perColumn.Descriptions.Single().Fields.Select(f => f.FormatCode));
        Assert.Equal(new string?[] { "7", "x", "\u0001\u0002" }, perColumn.Rows.Single());

        var allBinary = new CollectingObserver();
        await client.ExecuteExtendedAsync("SELECT 1::int4, NULL::int8", [], [1], allBinary);
        Assert.Equal(new short[] { 1, 1 }, allBinary.Descriptions.Single().Fields.Select(f => f.FormatCode));
        Assert.Equal(new string?[] { "\0\0\0\u0001", null }, allBinary.Rows.Single());
        Assert.Equal(["SELECT 1"], allBinary.Tags);
    }

    [ClusterFact]
    public async Task Copy_in_and_copy_out_round_trip()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        await Run(client, "CREATE TEMP TABLE c (id int, t text)");
        var data = Encoding.UTF8.GetBytes("1\tone\n2\t\\N\n3\tthrée\n");
        var copyIn = await Run(client, "COPY c FROM STDIN", new CollectingObserver { CopyInData = data });
        Assert.Equal(["COPY 3"], copyIn.Tags);
        var copyOut = await Run(client, "COPY c TO STDOUT");
        Assert.Equal(data, copyOut.CopyOut.ToArray());
        Assert.Equal(["COPY 3"], copyOut.Tags);
    }

    [ClusterFact]
    public async Task A_failing_copy_in_source_aborts_the_copy_and_loses_nothing_else()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        await Run(client, "CREATE TEMP TABLE c2 (id int)");
        var failed = await Run(client, "COPY c2 FROM STDIN", new CollectingObserver());
        Assert.Equal("57014", Assert.Single(failed.Errors).SqlState);
        var count = await Run(client, "SELECT count(*) FROM c2");
        Assert.Equal("0", count.Rows.Single()[0]);
    }

    [ClusterFact]
    public async Task Notices_and_notifications_are_delivered()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        var notice = await Run(client, "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$");
        Assert.Equal("hello 42", Assert.Single(notice.Notices).Message);
        await Run(client, "LISTEN chan; NOTIFY chan, 'payload'");
        var n = Assert.Single(client.PendingNotifications);
        Assert.Equal("chan", n.Channel);
        Assert.Equal("payload", n.Payload);
    }

    [ClusterFact]
    public async Task Cancel_stops_a_running_query()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        // On another thread: a client that waits synchronously returns only when the query ends.
        var running = Task.Run(() => Run(client, "SELECT pg_sleep(30)"));
        await Task.Delay(300);
        client.Cancel();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("57014", Assert.Single(result.Errors).SqlState);
        var after = await Run(client, "SELECT 1");
        Assert.Equal("1", after.Rows.Single()[0]);
    }

    /// <summary>Queues a query behind the running cycle, or writes it at once (<see cref="PgClient.WritePipelined"/>).</summary>
    private static void Pipeline(PgClient client, string sql, bool writeNow)
    {
        if (writeNow)
        {
            client.WritePipelined(sql);
        }
        else
        {
            client.SendPipelined(sql);
        }
    }

    private static async Task<CollectingObserver> ReadPipelined(PgClient client)
    {
        var observer = new CollectingObserver();
        await client.ReadPipelinedAsync(observer);
        return observer;
    }

    [ClusterTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pipelined_queries_run_in_order_and_each_read_takes_its_own_results(bool writeNow)
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password), new ConnectionOptions { ReceiveBufferSize = 4096, MaxUnackedBatches = 1 });
        Pipeline(client, "SELECT 1 AS one", writeNow);
        Pipeline(client, "SELECT 1/0", writeNow);
        Pipeline(client, "SELECT g, repeat('x', g % 300) FROM generate_series(1, 20000) g", writeNow);

        // One queued among those written at once: it keeps its place, and so does the one after it.
        client.SendPipelined("SELECT 'queued'");
        Pipeline(client, "DO $$ BEGIN RAISE NOTICE 'last'; END $$", writeNow);
        Assert.Equal(5, client.PipelinedInFlight);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Run(client, "SELECT 2"));

        var first = await ReadPipelined(client);
        Assert.Equal("1", first.Rows.Single()[0]);
        Assert.Equal(["SELECT 1"], first.Tags);

        var second = await ReadPipelined(client);
        Assert.Equal("22012", Assert.Single(second.Errors).SqlState);
        Assert.Empty(second.Rows);

        var third = await ReadPipelined(client);
        Assert.Equal(20000, third.Rows.Count);
        Assert.Equal("20000", third.Rows[^1][0]);
        Assert.Empty(third.Notices);

        Assert.Equal("queued", (await ReadPipelined(client)).Rows.Single()[0]);
        Assert.Equal("last", Assert.Single((await ReadPipelined(client)).Notices).Message);
        Assert.Equal(0, client.PipelinedInFlight);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ReadPipelinedAsync(new CollectingObserver()));

        var after = await Run(client, "SELECT 'after'");
        Assert.Equal("after", after.Rows.Single()[0]);
    }

    /// <summary>
    /// A cancel while the first of two pipelined queries runs: a queued second one is dropped unsent
    /// (its read ends in <see cref="OperationCanceledException"/>); one written at once has been sent,
    /// and runs.
    /// </summary>
    [ClusterTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancel_drops_the_queued_query_behind_the_running_one_but_not_one_written_at_once(bool writeNow)
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        string table = "pipelined_cancel_" + Guid.NewGuid().ToString("N")[..8];
        string marker = "pipelined_sleep_" + Guid.NewGuid().ToString("N")[..8];
        Pipeline(client, $"SELECT pg_sleep(30) AS {marker}", writeNow);
        Pipeline(client, $"CREATE TABLE {table}(a int)", writeNow);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (TestCluster.RunPsql("-X", "-At", "-c", $"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%AS {marker}'").Stdout.Trim() != "1")
        {
            Assert.True(DateTime.UtcNow < deadline, "the first query never started");
            await Task.Delay(50);
        }

        client.Cancel();
        // On another thread: a client that waits synchronously returns only when the query ends.
        var first = await Task.Run(() => ReadPipelined(client)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("57014", Assert.Single(first.Errors).SqlState);
        if (writeNow)
        {
            var second = await ReadPipelined(client).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Empty(second.Errors);
            Assert.Equal(["CREATE TABLE"], second.Tags);
        }
        else
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => client.ReadPipelinedAsync(new CollectingObserver()));
        }

        Assert.Equal(0, client.PipelinedInFlight);
        var exists = await Run(client, $"SELECT to_regclass('{table}') IS NOT NULL");
        Assert.Equal(writeNow ? "t" : "f", exists.Rows.Single()[0]);
        await Run(client, $"DROP TABLE IF EXISTS {table}");
    }

    [ClusterFact]
    public async Task A_server_that_ends_the_session_is_reported()
    {
        await using var victim = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password));
        await using var admin = await Connect(Settings(TestCluster.SuperUser, TestCluster.SuperUserPassword));
        await Run(admin, $"SELECT pg_terminate_backend({victim.Session.ProcessId})");
        await Task.Delay(200);
        await Assert.ThrowsAsync<PgConnectionException>(async () =>
        {
            var r = await Run(victim, "SELECT 1");
            Assert.Empty(r.Rows);
        });
    }

    [ClusterFact(NeedsIpv6Loopback = true)]
    public async Task Ipv6_loopback_connects_when_the_machine_has_it()
    {
        await using var client = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password, "verify-full", "::1"));
        var result = await Run(client, "SELECT family(inet_client_addr())");
        Assert.Equal("6", result.Rows.Single()[0]);
    }

    [ClusterFact]
    public async Task Sslmode_allow_retries_with_tls_when_the_server_refuses_plain_connections()
    {
        await using var client = await Connect(Settings(TestCluster.SslOnlyUser, TestCluster.Password, "allow"));
        Assert.NotNull(client.Session.TlsProtocol);
    }

    [ClusterFact]
    public async Task Sslmode_prefer_uses_tls_and_disable_does_not()
    {
        await using (var preferred = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password, "prefer")))
        {
            Assert.NotNull(preferred.Session.TlsProtocol);
        }

        await using var plain = await Connect(Settings(TestCluster.ScramUser, TestCluster.Password, "disable"));
        Assert.Null(plain.Session.TlsProtocol);
        var ex = await Assert.ThrowsAsync<PgConnectionException>(() => Connect(Settings(TestCluster.SslOnlyUser, TestCluster.Password, "disable")));
        Assert.Equal(ConnectionFailureKind.Authentication, ex.Kind);
    }

    [ClusterFact]
    public async Task Several_hosts_are_tried_in_order()
    {
        var settings = ConnectionSettings.Resolve($"host=127.0.0.1,{TestCluster.Host} port=1,{TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=disable", env: new EmptyEnvironment());
        await using var client = await Connect(settings);
        Assert.Equal(TestCluster.Port, client.Session.Port);
    }
}
