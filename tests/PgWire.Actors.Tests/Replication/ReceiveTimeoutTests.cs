using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>A replication connection that goes silent (no FIN, no RST) is taken for dead and made again.</summary>
public sealed class ReceiveTimeoutTests : TestKit
{
    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The position store as a probe that has nothing recorded and records every position at once.</summary>
    private static void RecordEverything(TestProbe ack) => ack.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
    {
        switch (message)
        {
            case GetLreplState:
                sender.Tell(new LreplState());
                break;
            case CaughtUp caughtUp:
                sender.Tell(new PositionRecorded(caughtUp.EndLsn));
                break;
        }

        return AutoPilot.KeepRunning;
    }));

    [ClusterFact]
    public void A_silent_connection_is_dropped_and_the_stream_goes_on_over_a_new_one()
    {
        var table = Unique("rt");
        var publication = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY, name text); CREATE PUBLICATION {publication} FOR TABLE {table}; SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput');");
        using var proxy = new TcpRelay();
        try
        {
            var connection = new Dictionary<string, string?>(StreamTestSupport.Connection(), StringComparer.Ordinal)
            {
                ["replication"] = "database",
                ["host"] = "127.0.0.1",
                ["port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),

                // The server's side of a silenced connection ends soon, so its slot is free again.
                ["options"] = "-c wal_sender_timeout=2s",
            };
            var settings = ConnectionSettings.Resolve(null, connection, new EmptyEnvironment());
            var sink = CreateTestProbe();
            var ack = CreateTestProbe();
            var batches = new List<TransactionBatch>();
            sink.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                switch (message)
                {
                    case GetSinkPosition:
                        sender.Tell(new SinkPosition(Lsn.Invalid, 0));
                        break;
                    case TransactionBatch batch:
                        lock (batches)
                        {
                            batches.Add(batch);
                        }

                        var last = batch.Transactions[^1];
                        foreach (var transaction in batch.Transactions)
                        {
                            transaction.Buffer.Dispose();
                        }

                        batch.ReplyTo.Tell(new Persisted(new LreplState { SnapshotDone = true, CommitLsn = last.CommitLsn.Value, EndLsn = last.EndLsn.Value }, 1));
                        break;
                }

                return AutoPilot.KeepRunning;
            }));
            RecordEverything(ack);

            var progress = new LreplProgress();
            var target = new StreamTarget("public", table, slot, publication) { ReceiveTimeout = TimeSpan.FromSeconds(3) };
            var props = ReplicationStreamActor.Props(settings, target, sink, ack, progress);
            var supervisor = Sys.ActorOf(Akka.Pattern.BackoffSupervisor.Props(Akka.Pattern.Backoff.OnFailure(props, "stream", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0.1, -1)));
            AwaitCondition(() => progress.Streaming, TimeSpan.FromSeconds(30));

            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (1, 'before');");
            AwaitCondition(() => { lock (batches) { return batches.Count == 1; } }, TimeSpan.FromSeconds(30));

            proxy.SilenceExisting();
            AwaitCondition(() => progress.Restarts >= 1, TimeSpan.FromSeconds(15));
            Assert.Contains("nothing received from the server", progress.LastError, StringComparison.Ordinal);

            // A new connection through the proxy; the old walsender's hold on the slot is waited out.
            StreamTestSupport.Psql($"INSERT INTO {table} VALUES (2, 'after');");
            AwaitCondition(() => { lock (batches) { return batches.Count >= 2; } }, TimeSpan.FromSeconds(60));
            Assert.True(proxy.Relayed >= 2, $"{proxy.Relayed} connections");

            // Stopped before the slot is dropped, which an active connection would prevent.
            Watch(supervisor);
            Sys.Stop(supervisor);
            ExpectTerminated(supervisor, TimeSpan.FromSeconds(10));
        }
        finally
        {
            StreamTestSupport.Cleanup(table, publication, slot);
        }
    }

    [ClusterFact]
    public void An_idle_healthy_connection_is_asked_for_a_reply_and_kept()
    {
        var table = Unique("rti");
        var publication = table + "_pub";
        var slot = table + "_slot";
        StreamTestSupport.Psql($"CREATE TABLE {table} (id int PRIMARY KEY); CREATE PUBLICATION {publication} FOR TABLE {table}; SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput');");
        try
        {
            // The server sends no keepalive of its own (wal_sender_timeout = 0): only the reply to
            // the stream's own request at half the receive timeout keeps the connection.
            var connection = new Dictionary<string, string?>(StreamTestSupport.Connection(), StringComparer.Ordinal)
            {
                ["replication"] = "database",
                ["options"] = "-c wal_sender_timeout=0",
            };
            var settings = ConnectionSettings.Resolve(null, connection, new EmptyEnvironment());
            var sink = CreateTestProbe();
            var ack = CreateTestProbe();
            sink.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                if (message is GetSinkPosition)
                {
                    sender.Tell(new SinkPosition(Lsn.Invalid, 0));
                }

                return AutoPilot.KeepRunning;
            }));
            RecordEverything(ack);

            var progress = new LreplProgress();
            var target = new StreamTarget("public", table, slot, publication) { ReceiveTimeout = TimeSpan.FromSeconds(5) };
            var stream = Sys.ActorOf(ReplicationStreamActor.Props(settings, target, sink, ack, progress));
            AwaitCondition(() => progress.Streaming, TimeSpan.FromSeconds(30));
            // Three timeouts' worth of silence from the server; the reply to each request at half
            // the timeout has 2.5 s to arrive, which a loaded two-core machine still manages.
            Thread.Sleep(TimeSpan.FromSeconds(16));
            Assert.Equal(0, progress.Restarts);
            Assert.True(progress.Streaming, progress.LastError);
            Watch(stream);
            Sys.Stop(stream);
            ExpectTerminated(stream, TimeSpan.FromSeconds(10));
        }
        finally
        {
            StreamTestSupport.Cleanup(table, publication, slot);
        }
    }
}
