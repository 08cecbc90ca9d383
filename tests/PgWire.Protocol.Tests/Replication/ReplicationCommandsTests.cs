using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Protocol.Tests.Replication;

public class ReplicationCommandsTests
{
    [Theory]
    [InlineData(90600, 1)]
    [InlineData(130012, 1)]
    [InlineData(139999, 1)]
    [InlineData(140000, 2)]
    [InlineData(140011, 2)]
    [InlineData(150000, 3)]
    [InlineData(150007, 3)]
    [InlineData(160000, 4)]
    [InlineData(170002, 4)]
    public void ChooseProtocolVersion(int serverVersion, int expected) =>
        Assert.Equal(expected, ReplicationCommands.ChooseProtocolVersion(serverVersion));

    [Fact]
    public void IdentifySystem()
    {
        Assert.Equal("IDENTIFY_SYSTEM", ReplicationCommands.IdentifySystem);

        // Row returned by IDENTIFY_SYSTEM on the PostgreSQL 15 capture server.
        var r = IdentifySystemResult.Parse(["7712424089255149500", "1", "0/16CA878", "postgres"]);
        Assert.Equal(7712424089255149500UL, r.SystemId);
        Assert.Equal(1, r.Timeline);
        Assert.Equal(Lsn.Parse("0/16CA878"), r.XLogPosition);
        Assert.Equal("postgres", r.DatabaseName);

        Assert.Null(IdentifySystemResult.Parse(["1", "2", "0/0", null]).DatabaseName);
    }

    [Theory]
    [InlineData("x", "1", "0/0")]
    [InlineData("-1", "1", "0/0")]
    [InlineData(null, "1", "0/0")]
    [InlineData("1", "0", "0/0")]
    [InlineData("1", "one", "0/0")]
    [InlineData("1", "1", "0-0")]
    [InlineData("1", "1", null)]
    public void IdentifySystemRejectsBadValues(string? systemId, string? timeline, string? pos)
    {
        var ex = Assert.Throws<PgProtocolException>(() => IdentifySystemResult.Parse([systemId, timeline, pos, "db"]));
        Assert.Equal(ProtocolErrorKind.InvalidValue, ex.Kind);
        Assert.Throws<PgProtocolException>(() => IdentifySystemResult.Parse(["1", "1", "0/0"]));
    }

    [Fact]
    public void CreateSlotUsesOptionSyntaxFrom15()
    {
        Assert.Equal("CREATE_REPLICATION_SLOT \"s\" LOGICAL pgoutput (SNAPSHOT 'export')", ReplicationCommands.CreateLogicalSlot("s", 150004));
        Assert.Equal(
            "CREATE_REPLICATION_SLOT \"slot_1\" TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export', TWO_PHASE)",
            ReplicationCommands.CreateLogicalSlot("slot_1", 160000, temporary: true, twoPhase: true));
    }

    [Fact]
    public void CreateSlotUsesLegacyKeywordBefore15()
    {
        Assert.Equal("CREATE_REPLICATION_SLOT \"s\" LOGICAL pgoutput EXPORT_SNAPSHOT", ReplicationCommands.CreateLogicalSlot("s", 140011));
        Assert.Equal("CREATE_REPLICATION_SLOT \"s\" TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT", ReplicationCommands.CreateLogicalSlot("s", 100000, temporary: true));
        Assert.Throws<NotSupportedException>(() => ReplicationCommands.CreateLogicalSlot("s", 140000, twoPhase: true));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("has space")]
    [InlineData("quo\"te")]
    [InlineData("semi;colon")]
    public void SlotNamesAreValidated(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => ReplicationCommands.CreateLogicalSlot(name, 150000));
        Assert.ThrowsAny<ArgumentException>(() => ReplicationCommands.StartLogicalReplication(name, Lsn.Invalid, new PgOutputOptions(1, ["p"])));
    }

    [Fact]
    public void SlotNameLengthLimit()
    {
        Assert.Equal("\"" + new string('a', 63) + "\"", ReplicationCommands.QuoteSlotName(new string('a', 63)));
        Assert.Throws<ArgumentException>(() => ReplicationCommands.QuoteSlotName(new string('a', 64)));
    }

    [Fact]
    public void StartReplicationVersion1()
    {
        Assert.Equal(
            "START_REPLICATION SLOT \"s\" LOGICAL 0/0 (proto_version '1', publication_names '\"pub\"')",
            ReplicationCommands.StartLogicalReplication("s", Lsn.Invalid, new PgOutputOptions(1, ["pub"])));
    }

    [Fact]
    public void StartReplicationWithAllOptions()
    {
        var options = new PgOutputOptions(3, ["pub", "Other Pub", "it's \"q\""])
        {
            Messages = true,
            Binary = true,
            Streaming = StreamingMode.On,
            TwoPhase = true,
        };
        Assert.Equal(
            "START_REPLICATION SLOT \"s\" LOGICAL 16/B374D848 (proto_version '3', publication_names '\"pub\",\"Other Pub\",\"it''s \"\"q\"\"\"', messages 'true', binary 'true', streaming 'true', two_phase 'true')",
            ReplicationCommands.StartLogicalReplication("s", Lsn.Parse("16/B374D848"), options));
    }

    [Fact]
    public void StartReplicationParallelWithOrigin()
    {
        var options = PgOutputOptions.ForServer(160002, ["pub"]) with { Origin = "none" };
        Assert.Equal(4, options.ProtocolVersion);
        Assert.Equal(StreamingMode.Parallel, options.Streaming);
        Assert.Equal(
            "START_REPLICATION SLOT \"s\" LOGICAL 1/0 (proto_version '4', publication_names '\"pub\"', streaming 'parallel', origin 'none')",
            ReplicationCommands.StartLogicalReplication("s", Lsn.Parse("1/0"), options));
    }

    [Fact]
    public void ForServerPicksStreamingByVersion()
    {
        Assert.Equal(StreamingMode.Off, PgOutputOptions.ForServer(130000, ["p"]).Streaming);
        Assert.Equal((2, StreamingMode.On), (PgOutputOptions.ForServer(140000, ["p"]).ProtocolVersion, PgOutputOptions.ForServer(140000, ["p"]).Streaming));
        Assert.Equal(StreamingMode.On, PgOutputOptions.ForServer(150000, ["p"]).Streaming);
    }

    [Fact]
    public void OptionsAreCheckedAgainstProtocolVersion()
    {
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(1, ["p"]) { Streaming = StreamingMode.On }));
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(3, ["p"]) { Streaming = StreamingMode.Parallel }));
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(2, ["p"]) { TwoPhase = true }));
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(5, ["p"])));
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(1, [])));
        Assert.ThrowsAny<ArgumentException>(() => Start(new PgOutputOptions(1, [""])));
        Assert.Throws<ArgumentException>(() => Start(new PgOutputOptions(1, ["a\0b"])));

        static string Start(PgOutputOptions o) => ReplicationCommands.StartLogicalReplication("s", Lsn.Invalid, o);
    }

    [Fact]
    public void Quoting()
    {
        Assert.Equal("\"a\"\"b\"", ReplicationCommands.QuoteIdentifier("a\"b"));
        Assert.Equal("'it''s'", ReplicationCommands.QuoteLiteral("it's"));
        Assert.Equal("''", ReplicationCommands.QuoteLiteral(""));
        Assert.Throws<ArgumentException>(() => ReplicationCommands.QuoteLiteral("x\0"));
    }
}
