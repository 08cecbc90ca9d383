using System.Text;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;
using static PgWire.Protocol.Tests.Replication.Captured;

namespace PgWire.Protocol.Tests.Replication;

public class PgOutputCapturedTests
{
    internal static PgOutputDecoder Decoder(int version, bool inStream = false, uint xid = 748, bool parallel = false)
    {
        var decoder = new PgOutputDecoder(version, parallel);
        if (inStream)
        {
            var start = new byte[] { (byte)'S', 0, 0, 0, 0, 1 };
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(start.AsSpan(1), xid);
            decoder.Decode(start);
        }

        return decoder;
    }

    private static T Rec<T>(string hex, int version = 1, bool inStream = false) where T : PgOutputRecord
    {
        var message = Decoder(version, inStream).Decode(Bytes(hex));
        Assert.False(message.IsRowChange);
        return Assert.IsType<T>(message.Record);
    }

    private static List<(TupleKind Kind, string? Text)> Columns(TupleData tuple)
    {
        var list = new List<(TupleKind, string?)>();
        var reader = tuple.GetEnumerator();
        while (reader.MoveNext())
        {
            list.Add((reader.Current.Kind, reader.Current.HasValue ? Encoding.UTF8.GetString(reader.CurrentValue) : null));
        }

        return list;
    }

    [Fact]
    public void Begin()
    {
        var m = Rec<BeginMessage>(BeginInsert);
        Assert.Equal(Lsn.Parse("0/153CA10"), m.FinalLsn);
        Assert.Equal(Ts(849003885615840), m.CommitTimestamp);
        Assert.Equal(733u, m.Xid);
        Assert.Equal(PgOutputMessageType.Begin, m.MessageType);
    }

    [Fact]
    public void Commit()
    {
        var m = Rec<CommitMessage>(CommitInsert);
        Assert.Equal(0, m.Flags);
        Assert.Equal(Lsn.Parse("0/153CA10"), m.CommitLsn);
        Assert.Equal(Lsn.Parse("0/153CA40"), m.EndLsn);
        Assert.Equal(Ts(849003885615840), m.CommitTimestamp);
    }

    [Fact]
    public void TypeForEnum()
    {
        var m = Rec<TypeMessage>(TypeMood);
        Assert.Equal(0u, m.Xid);
        Assert.Equal(16385u, m.TypeId);
        Assert.Equal("public", m.Namespace);
        Assert.Equal("mood", m.Name);
    }

    [Fact]
    public void RelationWithKeyAndEnumColumn()
    {
        var m = Rec<RelationMessage>(RelationItems);
        Assert.Equal(0u, m.Xid);
        Assert.Equal(16389u, m.RelationId);
        Assert.Equal("public", m.Namespace);
        Assert.Equal("items", m.Name);
        Assert.Equal(ReplicaIdentity.Default, m.ReplicaIdentity);
        Assert.Equal(
            [
                new RelationColumn(1, "id", 23, -1),
                new RelationColumn(0, "name", 25, -1),
                new RelationColumn(0, "note", 25, -1),
                new RelationColumn(0, "m", 16385, -1),
            ],
            m.Columns);
        Assert.True(m.Columns[0].IsKey);
        Assert.False(m.Columns[1].IsKey);
    }

    [Fact]
    public void RelationWithReplicaIdentityFull()
    {
        var m = Rec<RelationMessage>(RelationFull);
        Assert.Equal(16396u, m.RelationId);
        Assert.Equal("full_t", m.Name);
        Assert.Equal(ReplicaIdentity.Full, m.ReplicaIdentity);
        Assert.Equal([new RelationColumn(1, "id", 23, -1), new RelationColumn(1, "v", 25, -1)], m.Columns);
    }

    [Fact]
    public void InsertText()
    {
        var payload = Bytes(InsertItems);
        var m = Decoder(1).Decode(payload);
        Assert.True(m.IsRowChange);
        Assert.Null(m.Record);
        Assert.Equal(PgOutputMessageType.Insert, m.Type);
        Assert.Equal(0u, m.Xid);
        Assert.Equal(16389u, m.RelationId);
        Assert.Equal(OldTupleKind.None, m.OldTupleKind);
        Assert.True(m.OldTuple.IsEmpty);
        Assert.Equal(0, m.OldTuple.ColumnCount);
        Assert.Equal(4, m.NewTuple.ColumnCount);
        Assert.Equal([(TupleKind.Text, "1"), (TupleKind.Text, "alpha"), (TupleKind.Null, null), (TupleKind.Text, "happy")], Columns(m.NewTuple));

        Span<TupleColumn> cols = stackalloc TupleColumn[4];
        Assert.Equal(4, m.NewTuple.CopyColumnsTo(cols));
        Assert.Equal(new TupleColumn(TupleKind.Text, 13, 1), cols[0]);
        Assert.Equal(new TupleColumn(TupleKind.Text, 19, 5), cols[1]);
        Assert.Equal(TupleKind.Null, cols[2].Kind);
        Assert.Equal(0, cols[2].Length);
        Assert.Equal("happy", Encoding.UTF8.GetString(payload.AsSpan(cols[3].Offset, cols[3].Length)));
        Assert.Equal("alpha", Encoding.UTF8.GetString(m.NewTuple.GetValue(cols[1])));
        Assert.Equal(payload.AsSpan(6).ToArray(), m.NewTuple.RawBytes.ToArray());
    }

    [Fact]
    public void InsertBinary()
    {
        var m = Decoder(1).Decode(Bytes(InsertItemsBinary));
        var cols = new List<(TupleKind, string)>();
        foreach (var c in m.NewTuple)
        {
            cols.Add((c.Kind, Convert.ToHexString(m.NewTuple.GetValue(c))));
        }

        Assert.Equal([(TupleKind.Binary, "00000001"), (TupleKind.Binary, "616C706861"), (TupleKind.Null, ""), (TupleKind.Binary, "6861707079")], cols);
    }

    [Fact]
    public void UpdateWithoutOldTuple()
    {
        var m = Decoder(1).Decode(Bytes(UpdatePlain));
        Assert.Equal(PgOutputMessageType.Update, m.Type);
        Assert.Equal(16389u, m.RelationId);
        Assert.Equal(OldTupleKind.None, m.OldTupleKind);
        Assert.True(m.OldTuple.IsEmpty);
        Assert.Equal([(TupleKind.Text, "1"), (TupleKind.Text, "beta"), (TupleKind.Null, null), (TupleKind.Text, "happy")], Columns(m.NewTuple));
    }

    [Fact]
    public void UpdateWithUnchangedToast()
    {
        var m = Decoder(1).Decode(Bytes(UpdateUnchangedToast));
        Assert.Equal(
            [(TupleKind.Text, "1"), (TupleKind.Text, "gamma"), (TupleKind.UnchangedToast, null), (TupleKind.Text, "happy")],
            Columns(m.NewTuple));
    }

    [Fact]
    public void UpdateChangingKey()
    {
        var m = Decoder(1).Decode(Bytes(UpdateKey));
        Assert.Equal(OldTupleKind.Key, m.OldTupleKind);
        Assert.False(m.OldTuple.IsEmpty);
        Assert.Equal([(TupleKind.Text, "1"), (TupleKind.Null, null), (TupleKind.Null, null), (TupleKind.Null, null)], Columns(m.OldTuple));
        Assert.Equal(
            [(TupleKind.Text, "2"), (TupleKind.Text, "gamma"), (TupleKind.UnchangedToast, null), (TupleKind.Text, "happy")],
            Columns(m.NewTuple));
    }

    [Fact]
    public void UpdateWithFullOldRow()
    {
        var m = Decoder(1).Decode(Bytes(UpdateOld));
        Assert.Equal(16396u, m.RelationId);
        Assert.Equal(OldTupleKind.Old, m.OldTupleKind);
        Assert.Equal([(TupleKind.Text, "10"), (TupleKind.Text, "one")], Columns(m.OldTuple));
        Assert.Equal([(TupleKind.Text, "10"), (TupleKind.Text, "two")], Columns(m.NewTuple));
    }

    [Fact]
    public void UpdateWithFullOldRowBinary()
    {
        var m = Decoder(1).Decode(Bytes(UpdateOldBinary));
        Assert.Equal(OldTupleKind.Old, m.OldTupleKind);
        var old = m.OldTuple.GetEnumerator();
        Assert.True(old.MoveNext());
        Assert.Equal(TupleKind.Binary, old.Current.Kind);
        Assert.Equal(new byte[] { 0, 0, 0, 10 }, old.CurrentValue.ToArray());
        Assert.True(old.MoveNext());
        Assert.Equal("one"u8.ToArray(), old.CurrentValue.ToArray());
        Assert.False(old.MoveNext());
        Assert.Equal([(TupleKind.Binary, "\0\0\0\n"), (TupleKind.Binary, "two")], Columns(m.NewTuple));
    }

    [Fact]
    public void DeleteByKey()
    {
        var m = Decoder(1).Decode(Bytes(DeleteKey));
        Assert.Equal(PgOutputMessageType.Delete, m.Type);
        Assert.Equal(16389u, m.RelationId);
        Assert.Equal(OldTupleKind.Key, m.OldTupleKind);
        Assert.Equal([(TupleKind.Text, "2"), (TupleKind.Null, null), (TupleKind.Null, null), (TupleKind.Null, null)], Columns(m.OldTuple));
        Assert.True(m.NewTuple.IsEmpty);
    }

    [Fact]
    public void DeleteWithFullOldRow()
    {
        var m = Decoder(1).Decode(Bytes(DeleteOld));
        Assert.Equal(16396u, m.RelationId);
        Assert.Equal(OldTupleKind.Old, m.OldTupleKind);
        Assert.Equal([(TupleKind.Text, "10"), (TupleKind.Text, "two")], Columns(m.OldTuple));
    }

    [Fact]
    public void InsertIntoFullIdentityTable()
    {
        var m = Decoder(1).Decode(Bytes(InsertFull));
        Assert.Equal(16396u, m.RelationId);
        Assert.Equal([(TupleKind.Text, "10"), (TupleKind.Text, "one")], Columns(m.NewTuple));
    }

    [Fact]
    public void TransactionalMessage()
    {
        var m = Rec<LogicalDecodingMessage>(MessageTransactional);
        Assert.Equal(0u, m.Xid);
        Assert.True(m.Transactional);
        Assert.Equal(Lsn.Parse("0/153DD30"), m.Lsn);
        Assert.Equal("pfx", m.Prefix);
        Assert.Equal("hello"u8.ToArray(), m.Content.ToArray());
    }

    [Fact]
    public void NonTransactionalMessage()
    {
        var m = Rec<LogicalDecodingMessage>(MessageNonTransactional);
        Assert.False(m.Transactional);
        Assert.Equal(Lsn.Parse("0/153DDA0"), m.Lsn);
        Assert.Equal("ntx", m.Prefix);
        Assert.Equal("bye"u8.ToArray(), m.Content.ToArray());
    }

    [Fact]
    public void TruncateCascadeRestartIdentity()
    {
        var parent = Rec<RelationMessage>(RelationParent);
        Assert.Equal((16402u, "parent", ReplicaIdentity.Default), (parent.RelationId, parent.Name, parent.ReplicaIdentity));
        Assert.Equal([new RelationColumn(1, "id", 23, -1)], parent.Columns);
        var child = Rec<RelationMessage>(RelationChild);
        Assert.Equal((16408u, "child"), (child.RelationId, child.Name));
        Assert.Equal([new RelationColumn(0, "id", 23, -1)], child.Columns);

        var m = Rec<TruncateMessage>(Truncate);
        Assert.Equal(0u, m.Xid);
        Assert.Equal(TruncateOptions.Cascade | TruncateOptions.RestartIdentity, m.Options);
        Assert.Equal([16402u, 16408u], m.RelationIds);
    }

    [Fact]
    public void OriginTransaction()
    {
        var begin = Rec<BeginMessage>(BeginOrigin);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560), begin.CommitTimestamp);
        Assert.Equal(747u, begin.Xid);
        Assert.Equal(Lsn.Parse("0/153EED0"), begin.FinalLsn);

        var origin = Rec<OriginMessage>(Origin);
        Assert.Equal(Lsn.Parse("0/ABCDEF"), origin.CommitLsn);
        Assert.Equal("orig", origin.Name);

        var insert = Decoder(1).Decode(Bytes(InsertOrigin));
        Assert.Equal([(TupleKind.Text, "20"), (TupleKind.Text, "from origin")], Columns(insert.NewTuple));

        var commit = Rec<CommitMessage>(CommitOrigin);
        Assert.Equal(begin.CommitTimestamp, commit.CommitTimestamp);
        Assert.Equal(Lsn.Parse("0/153EF18"), commit.EndLsn);
    }

    [Fact]
    public void StreamedTransactionSequence()
    {
        var d = new PgOutputDecoder(2);
        Assert.False(d.InStreamingBlock);

        var start = Assert.IsType<StreamStartMessage>(d.Decode(Bytes(StreamStartFirst)).Record);
        Assert.Equal(new StreamStartMessage(748, true), start);
        Assert.True(d.InStreamingBlock);
        Assert.Equal(748u, d.StreamingXid);

        var rel = Assert.IsType<RelationMessage>(d.Decode(Bytes(StreamRelationBigt)).Record);
        Assert.Equal(748u, rel.Xid);
        Assert.Equal(16416u, rel.RelationId);
        Assert.Equal("bigt", rel.Name);
        Assert.Equal([new RelationColumn(0, "id", 23, -1), new RelationColumn(0, "pad", 25, -1)], rel.Columns);

        var insert = d.Decode(Bytes(StreamInsertBigt));
        Assert.Equal(PgOutputMessageType.Insert, insert.Type);
        Assert.Equal(748u, insert.Xid);
        Assert.Equal(16416u, insert.RelationId);
        Assert.Equal([(TupleKind.Text, "1"), (TupleKind.Text, new string('p', 100))], Columns(insert.NewTuple));

        Assert.Same(StreamStopMessage.Instance, d.Decode(Bytes(StreamStop)).Record);
        Assert.False(d.InStreamingBlock);

        Assert.Equal(new StreamStartMessage(748, false), d.Decode(Bytes(StreamStartNext)).Record);
        var msg = Assert.IsType<LogicalDecodingMessage>(d.Decode(Bytes(StreamMessage)).Record);
        Assert.Equal(748u, msg.Xid);
        Assert.True(msg.Transactional);
        Assert.Equal(Lsn.Parse("0/158D500"), msg.Lsn);
        Assert.Equal("big", msg.Prefix);
        Assert.Equal("inside"u8.ToArray(), msg.Content.ToArray());
        Assert.IsType<StreamStopMessage>(d.Decode(Bytes(StreamStop)).Record);

        var commit = Assert.IsType<StreamCommitMessage>(d.Decode(Bytes(StreamCommit)).Record);
        Assert.Equal(748u, commit.Xid);
        Assert.Equal(0, commit.Flags);
        Assert.Equal(Lsn.Parse("0/158D500"), commit.CommitLsn);
        Assert.Equal(Lsn.Parse("0/158D530"), commit.EndLsn);
        Assert.Equal(Ts(849003885623484), commit.CommitTimestamp);
        Assert.False(d.InStreamingBlock);
    }

    [Fact]
    public void StreamedDataOutsideBlockHasNoXid()
    {
        // The same Relation bytes decoded outside a streaming block would misread the xid as the OID.
        var d = new PgOutputDecoder(2);
        var rel = Assert.IsType<RelationMessage>(d.Decode(Bytes(RelationItems)).Record);
        Assert.Equal(0u, rel.Xid);
        Assert.Equal(16389u, rel.RelationId);
    }

    [Fact]
    public void StreamAbortOfTopLevelTransaction()
    {
        var m = Rec<StreamAbortMessage>(StreamAbortTop, 2);
        Assert.Equal(new StreamAbortMessage(749, 749, null, null), m);
    }

    [Fact]
    public void StreamAbortOfSubtransaction()
    {
        var insert = Decoder(2, inStream: true, xid: 750).Decode(Bytes(StreamInsertSubxact));
        Assert.Equal(751u, insert.Xid);
        Assert.Equal([(TupleKind.Text, "1"), (TupleKind.Text, new string('r', 100))], Columns(insert.NewTuple));

        var m = Rec<StreamAbortMessage>(StreamAbortSubxact, 2);
        Assert.Equal(750u, m.Xid);
        Assert.Equal(751u, m.SubXid);
        Assert.Null(m.AbortLsn);
        Assert.Null(m.AbortTimestamp);
    }

    [Fact]
    public void TwoPhaseCommit()
    {
        var b = Rec<BeginPrepareMessage>(BeginPrepare, 3);
        Assert.Equal(Lsn.Parse("0/162A1E8"), b.PrepareLsn);
        Assert.Equal(Lsn.Parse("0/162A2E0"), b.EndLsn);
        Assert.Equal(Ts(849003885627217), b.PrepareTimestamp);
        Assert.Equal(752u, b.Xid);
        Assert.Equal("gx1", b.Gid);

        var p = Rec<PrepareMessage>(Prepare, 3);
        Assert.Equal(new PrepareMessage(0, Lsn.Parse("0/162A1E8"), Lsn.Parse("0/162A2E0"), Ts(849003885627217), 752, "gx1"), p);

        var k = Rec<CommitPreparedMessage>(CommitPrepared, 3);
        Assert.Equal(new CommitPreparedMessage(0, Lsn.Parse("0/162A2E0"), Lsn.Parse("0/162A318"), Ts(849003885627466), 752, "gx1"), k);
    }

    [Fact]
    public void TwoPhaseRollback()
    {
        var r = Rec<RollbackPreparedMessage>(RollbackPrepared, 3);
        Assert.Equal(0, r.Flags);
        Assert.Equal(Lsn.Parse("0/162A498"), r.PrepareEndLsn);
        Assert.Equal(Lsn.Parse("0/162A4D0"), r.RollbackEndLsn);
        Assert.Equal(Ts(849003885627833), r.PrepareTimestamp);
        Assert.Equal(Ts(849003885628014), r.RollbackTimestamp);
        Assert.Equal(753u, r.Xid);
        Assert.Equal("gx2", r.Gid);
    }

    [Fact]
    public void StreamedPrepare()
    {
        var p = Rec<StreamPrepareMessage>(StreamPrepare, 3);
        Assert.Equal(new StreamPrepareMessage(0, Lsn.Parse("0/1678A78"), Lsn.Parse("0/1678B70"), Ts(849003885629485), 754, "gx3"), p);

        var k = Rec<CommitPreparedMessage>(CommitPreparedStreamed, 3);
        Assert.Equal(new CommitPreparedMessage(0, Lsn.Parse("0/1678B70"), Lsn.Parse("0/1678BA8"), Ts(849003885629746), 754, "gx3"), k);
    }

    [Fact]
    public void TwoPhaseMessagesNeedProtocol3()
    {
        var ex = Assert.Throws<PgProtocolException>(() => Decoder(2).Decode(Bytes(BeginPrepare)));
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, ex.Kind);
    }

    [Fact]
    public void StreamingMessagesNeedProtocol2()
    {
        var ex = Assert.Throws<PgProtocolException>(() => Decoder(1).Decode(Bytes(StreamStartFirst)));
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, ex.Kind);
    }
}
