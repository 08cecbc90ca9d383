using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Actors.Tests.Replication.PgOutputBytes;

namespace PgWire.Actors.Tests.Replication;

/// <summary>
/// The stream actor against a scripted server (no PostgreSQL): pgoutput bytes go in over a real
/// socket, typed changes come out of the in-memory sink, and the flush position the stream reports
/// is the one the position store recorded.
/// </summary>
public sealed class StreamWithoutServerTests : TestKit
{
    private const uint Items = 16400;
    private static readonly DateTimeOffset T1 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static byte[] Msg(char code, byte[] body)
    {
        var result = new byte[5 + body.Length];
        result[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(1), body.Length + 4);
        body.CopyTo(result, 5);
        return result;
    }

    private static async Task<(char Code, byte[] Body)> ReadAsync(NetworkStream stream)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await stream.ReadExactlyAsync(body);
        return ((char)header[0], body);
    }

    private static byte[] Parameter(string name, string value) => Msg('S', [.. Encoding.UTF8.GetBytes(name), 0, .. Encoding.UTF8.GetBytes(value), 0]);

    [Fact]
    public async Task Pgoutput_from_a_scripted_server_reaches_the_in_memory_sink_typed_and_the_recorded_position_is_reported()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string? startCommand = null;
        var flushes = new List<Lsn>();
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var header = new byte[4];
            await stream.ReadExactlyAsync(header);
            await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(header) - 4]);
            byte[] hello = [.. Msg('R', [0, 0, 0, 0]), .. Parameter("server_version", "15.18"), .. Parameter("client_encoding", "UTF8"), .. Msg('K', new byte[8]), .. Msg('Z', [(byte)'I'])];
            await stream.WriteAsync(hello);
            var query = await ReadAsync(stream);
            startCommand = Encoding.UTF8.GetString(query.Body).TrimEnd('\0');
            await stream.WriteAsync(Msg('W', [0, 0, 0]));
            foreach (var payload in XLog(0x1000, Relation(null, Items, "public", "items", ("id", 20, true), ("v", 25, false)), Begin(0x2000, T1, 700), Insert(null, Items, "1", "one"), Insert(null, Items, "2", null), Commit(0x2000, 0x2030, T1)))
            {
                await stream.WriteAsync(Msg('d', payload));
            }

            // Standby status updates until one reports the transaction's end as flushed.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                // A keepalive that asks for a reply, as the server sends when it wants to know.
                await Task.Delay(100);
                await stream.WriteAsync(Msg('d', Keepalive(0x2030, replyRequested: true)));
                var (code, body) = await ReadAsync(stream).WaitAsync(TimeSpan.FromSeconds(20));
                if (code == 'd' && body[0] == (byte)'r')
                {
                    var flush = new Lsn(BinaryPrimitives.ReadUInt64BigEndian(body.AsSpan(9)));
                    lock (flushes)
                    {
                        flushes.Add(flush);
                    }

                    if (flush == new Lsn(0x2030))
                    {
                        return;
                    }
                }
            }
        });

        try
        {
            var settings = ConnectionSettings.Resolve($"host=127.0.0.1 port={port} user=repl dbname=db sslmode=disable replication=database", env: new EmptyEnvironment());
            var (queue, changes) = Source.Queue<ChangeBatch>(4, OverflowStrategy.Backpressure).PreMaterialize(Sys.Materializer());
            var ack = CreateTestProbe();
            var sink = Sys.ActorOf(StreamSinkActor.Props(new ChangeQueue(queue), Lsn.Invalid, ack));
            ack.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                switch (message)
                {
                    case GetLreplState:
                        sender.Tell(new LreplState());
                        break;
                    case Durable durable:
                        // Recorded: the stream (the sender the sink names) hears it.
                        sender.Tell(new Persisted(new LreplState { SnapshotDone = true, CommitLsn = durable.CommitLsn, EndLsn = durable.EndLsn }, durable.Changes));
                        break;
                    case CaughtUp caughtUp:
                        sender.Tell(new PositionRecorded(caughtUp.EndLsn));
                        break;
                }

                return AutoPilot.KeepRunning;
            }));
            var progress = new LreplProgress();
            var stream = Sys.ActorOf(ReplicationStreamActor.Props(settings, new StreamTarget("public", "items", "the_slot", "the_pub") { ProtocolVersion = 1 }, sink, ack, progress));

            var batch = await changes.RunWith(Sink.First<ChangeBatch>(), Sys.Materializer()).WaitAsync(TimeSpan.FromSeconds(20));
            var transaction = Assert.Single(batch.Transactions);
            Assert.Equal((new Lsn(0x2000), 700u, (DateTimeOffset?)T1), (transaction.CommitLsn, transaction.Xid, transaction.CommitTime));
            Assert.Equal(
                ["Insert 1 one", "Insert 2 (null)"],
                transaction.Changes.Select(c => $"{c.Kind} {c.New!.Get(c.Table, "id")} {c.New.Get(c.Table, "v") ?? "(null)"}"));
            Assert.Equal("public.items", transaction.Changes[0].Table.ToString());
            Assert.Equal([20u, 25u], transaction.Changes[0].Table.Columns.Select(c => c.TypeOid));

            // Nothing is reported as flushed before the application has stored the batch.
            await Task.Delay(300);
            lock (flushes)
            {
                Assert.DoesNotContain(flushes, f => f >= new Lsn(0x2030));
            }

            batch.Acknowledge();
            await server.WaitAsync(TimeSpan.FromSeconds(20));
            lock (flushes)
            {
                Assert.Contains(new Lsn(0x2030), flushes);
            }

            Assert.StartsWith("START_REPLICATION SLOT \"the_slot\" LOGICAL 0/0 (proto_version '1', publication_names '\"the_pub\"'", startCommand, StringComparison.Ordinal);
            Assert.Equal(new Lsn(0x2000), progress.DurableLsn);
            Sys.Stop(stream);
        }
        finally
        {
            listener.Stop();
        }
    }
}
