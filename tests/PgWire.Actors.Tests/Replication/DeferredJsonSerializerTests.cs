using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using PgWire.Actors.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>The JSON serializer of lrepl's own actor system, made on first use: it stands in for Akka's without changing what the journal holds.</summary>
public sealed class DeferredJsonSerializerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = StreamTestSupport.NewDir();

    private Akka.Configuration.Config Persistence => LreplRunner.PersistenceConfig(Path.Combine(_dir, "lrepl-state.db"));

    private ActorSystem Deferred(string name) =>
        ActorSystem.Create(name, ConfigurationFactory.ParseString(DeferredJsonSerializer.ConfigLine).WithFallback(Persistence));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task It_is_made_on_first_use_and_answers_as_Akkas_json_serializer()
    {
        var system = Deferred("deferred-json");
        try
        {
            var deferred = Assert.IsType<DeferredJsonSerializer>(system.Serialization.FindSerializerForType(typeof(LreplEvent)));
            Assert.False(deferred.Created);
            var akka = new NewtonSoftJsonSerializer((ExtendedActorSystem)system);
            Assert.Equal(akka.Identifier, deferred.Identifier);
            Assert.Equal(akka.IncludeManifest, deferred.IncludeManifest);

            var value = new LreplEvent { Kind = "snapshot", CommitLsn = 0x5FFF, EndLsn = 0x6000, FileOffset = 1234, Rows = 10, JsonFormat = 2 };
            var bytes = deferred.ToBinary(value);
            Assert.True(deferred.Created);
            Assert.Equal(akka.ToBinary(value), bytes);
            var back = Assert.IsType<LreplEvent>(akka.FromBinary(bytes, typeof(LreplEvent)));
            Assert.Equal((value.Kind, value.CommitLsn, value.EndLsn, value.FileOffset, value.Rows, value.JsonFormat), (back.Kind, back.CommitLsn, back.EndLsn, back.FileOffset, back.Rows, back.JsonFormat));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_journal_written_by_either_serializer_is_recovered_by_the_other()
    {
        // Written with Akka's own JSON serializer (a config dir of an earlier version) ...
        var before = ActorSystem.Create("json-before", Persistence);
        try
        {
            var journal = before.ActorOf(LsnAckActor.Props("t", 100));
            Assert.True((await journal.Ask<Persisted>(new SnapshotCompleted(0x6000, 1000, 10), Wait)).State.SnapshotDone);
            await journal.Ask<Persisted>(new Durable(0x7000, 0x7010, 1200, 3), Wait);
        }
        finally
        {
            await before.Terminate();
        }

        // ... recovered, and written on, with the deferred one ...
        var deferred = Deferred("json-deferred");
        try
        {
            var journal = deferred.ActorOf(LsnAckActor.Props("t", 100));
            var state = await journal.Ask<LreplState>(GetLreplState.Instance, Wait);
            Assert.True(state.SnapshotDone);
            Assert.Equal((0x7000UL, 0x7010UL, 1200L, 10L), (state.CommitLsn, state.EndLsn, state.FileOffset, state.SnapshotRows));
            await journal.Ask<Persisted>(new Durable(0x8000, 0x8010, 1500, 2), Wait);
        }
        finally
        {
            await deferred.Terminate();
        }

        // ... and what it wrote is read by Akka's again.
        var after = ActorSystem.Create("json-after", Persistence);
        try
        {
            var state = await after.ActorOf(LsnAckActor.Props("t", 100)).Ask<LreplState>(GetLreplState.Instance, Wait);
            Assert.Equal((0x8000UL, 0x8010UL, 1500L), (state.CommitLsn, state.EndLsn, state.FileOffset));
        }
        finally
        {
            await after.Terminate();
        }
    }
}
