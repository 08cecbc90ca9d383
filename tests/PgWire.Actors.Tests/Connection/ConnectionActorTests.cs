using Akka.Actor;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>The connection actor's phases driven by TestKit probes against the real server.</summary>
public sealed class ConnectionActorTests : TestKit
{
    private static ConnectionSettings Settings(string user = TestCluster.ScramUser, string password = TestCluster.Password) =>
        ConnectionSettings.Resolve($"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={user} password={password} sslmode=disable", env: new EmptyEnvironment());

    [ClusterFact]
    public void Connects_authenticates_and_reports_the_session_to_its_owner()
    {
        var owner = CreateTestProbe();
        Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        var connected = owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        Assert.Equal("SCRAM-SHA-256", connected.Session.AuthenticationMethod);
        Assert.True(connected.Session.ProcessId > 0);
        Assert.Equal("UTF8", connected.Session.Parameters["server_encoding"]);
    }

    [ClusterFact]
    public void A_query_streams_description_batches_completion_and_ready()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        var client = CreateTestProbe();
        connection.Tell(new Query("SELECT g FROM generate_series(1, 3) g"), client.Ref);
        var description = client.ExpectMsg<RowDescriptionReceived>();
        Assert.Equal("g", description.Description.Fields.Single().Name);
        var batch = client.ExpectMsg<FrameBatch>();
        Assert.Equal(BackendMessageCode.DataRow, batch.Code);
        Assert.Equal(3, batch.Count);
        client.Reply(BatchAck.Instance);
        Assert.Equal("SELECT 3", client.ExpectMsg<CommandCompleted>().Complete.Tag);
        Assert.Equal(TransactionStatus.Idle, client.ExpectMsg<QueryDone>().Status);
    }

    [ClusterFact]
    public void Unacknowledged_batches_stop_the_reads_until_acknowledged()
    {
        var owner = CreateTestProbe();
        var options = new ConnectionOptions { ReceiveBufferSize = 1024, MaxUnackedBatches = 1 };
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), options, owner.Ref));
        owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        var client = CreateTestProbe();
        connection.Tell(new Query("SELECT repeat('x', 100) FROM generate_series(1, 2000)"), client.Ref);
        client.ExpectMsg<RowDescriptionReceived>();
        var first = client.ExpectMsg<FrameBatch>();
        // Without an ack nothing more arrives.
        var unexpected = client.ReceiveOne(TimeSpan.FromMilliseconds(300));
        Assert.True(unexpected is null, $"unexpected {unexpected}");
        var rows = first.Count;
        connection.Tell(BatchAck.Instance);
        while (true)
        {
            var message = client.ReceiveOne(TimeSpan.FromSeconds(5));
            if (message is FrameBatch b)
            {
                rows += b.Count;
                connection.Tell(BatchAck.Instance);
            }
            else if (message is QueryDone)
            {
                break;
            }
        }

        Assert.Equal(2000, rows);
    }

    [ClusterFact]
    public void A_failing_statement_reports_the_error_then_ready_in_failed_transaction()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        var client = CreateTestProbe();
        connection.Tell(new Query("BEGIN; SELECT 1/0;"), client.Ref);
        client.ExpectMsg<CommandCompleted>();
        var failed = client.ExpectMsg<QueryFailed>();
        Assert.Equal("22012", failed.Error.SqlState);
        Assert.Equal(TransactionStatus.Failed, client.ExpectMsg<QueryDone>().Status);
    }

    [ClusterFact]
    public void Queries_sent_while_busy_wait_their_turn()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        connection.Tell(new Query("SELECT pg_sleep(0.2)"), a.Ref);
        connection.Tell(new Query("SELECT 2"), b.Ref);
        a.FishForMessage(m => m is QueryDone, TimeSpan.FromSeconds(5));
        b.FishForMessage(m => m is QueryDone, TimeSpan.FromSeconds(5));
    }

    [ClusterFact]
    public void A_wrong_password_fails_and_stops_the_actor()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(password: "nope"), owner: owner.Ref));
        Watch(connection);
        var failed = owner.ExpectMsg<ConnectionFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal(ConnectionFailureKind.Authentication, failed.Error.Kind);
        ExpectTerminated(connection);
    }

    [ClusterFact]
    public void A_server_that_closes_the_session_is_reported_and_the_actor_stops()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        var session = owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10)).Session;
        Watch(connection);
        var adminOwner = CreateTestProbe();
        var admin = Sys.ActorOf(ConnectionActor.Props(Settings(TestCluster.SuperUser, TestCluster.SuperUserPassword), owner: adminOwner.Ref));
        adminOwner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        admin.Tell(new Query($"SELECT pg_terminate_backend({session.ProcessId})"), CreateTestProbe().Ref);
        var closed = owner.FishForMessage<ConnectionClosed>(_ => true, TimeSpan.FromSeconds(10));
        Assert.NotNull(closed.Error);
        ExpectTerminated(connection, TimeSpan.FromSeconds(5));
    }

    [ClusterFact]
    public void Terminate_closes_the_session()
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(Settings(), owner: owner.Ref));
        owner.ExpectMsg<Connected>(TimeSpan.FromSeconds(10));
        Watch(connection);
        connection.Tell(Terminate.Instance);
        Assert.Null(owner.ExpectMsg<ConnectionClosed>().Error);
        ExpectTerminated(connection);
    }
}
