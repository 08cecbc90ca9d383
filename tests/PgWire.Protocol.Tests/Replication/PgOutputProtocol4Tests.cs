using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;
using static PgWire.Protocol.Tests.Replication.Captured;

namespace PgWire.Protocol.Tests.Replication;

/// <summary>
/// Protocol version 4 (PostgreSQL 16, streaming = parallel) messages built by hand from the documented
/// layout in "Logical Replication Message Formats".
/// </summary>
public class PgOutputProtocol4Tests
{
    // 'S', xid 0x00000400, first segment 1
    private const string StreamStart = "53" + "00000400" + "01";

    // 'I', xid 0x00000401 (a subtransaction), relation 16416, 'N', 2 columns: 'b' int4 7, 'n'
    private const string StreamInsert = "49" + "00000401" + "00004020" + "4e" + "0002" + "62" + "00000004" + "00000007" + "6e";

    // 'Y', xid 0x00000400, type 16385, "public", "mood"
    private const string StreamType = "59" + "00000400" + "00004001" + "7075626c696300" + "6d6f6f6400";

    // 'T', xid 0x00000400, 1 relation, options 1 (cascade), relation 16416
    private const string StreamTruncate = "54" + "00000400" + "00000001" + "01" + "00004020";

    // 'D', xid 0x00000401, relation 16416, 'O', 1 column 'u'
    private const string StreamDelete = "44" + "00000401" + "00004020" + "4f" + "0001" + "75";

    // 'A', xid 0x00000400, subxid 0x00000401, abort LSN 1/2345678, abort timestamp 849003885629746
    private const string StreamAbortParallel = "41" + "00000400" + "00000401" + "0000000102345678" + "0003042a1f041132";

    // 'c', xid 0x00000400, flags 0, commit LSN 1/2000, end LSN 1/2030, timestamp 849003885629746
    private const string StreamCommitV4 = "63" + "00000400" + "00" + "0000000100002000" + "0000000100002030" + "0003042a1f041132";

    [Fact]
    public void StreamedBlockWithXidPrefixedMessages()
    {
        var d = new PgOutputDecoder(4, parallelStreaming: true);
        Assert.Equal(new StreamStartMessage(0x400, true), d.Decode(Bytes(StreamStart)).Record);
        Assert.True(d.InStreamingBlock);
        Assert.Equal(0x400u, d.StreamingXid);

        Assert.Equal(new TypeMessage(0x400, 16385, "public", "mood"), d.Decode(Bytes(StreamType)).Record);

        var insert = d.Decode(Bytes(StreamInsert));
        Assert.Equal(PgOutputMessageType.Insert, insert.Type);
        Assert.Equal(0x401u, insert.Xid);
        Assert.Equal(16416u, insert.RelationId);
        Span<TupleColumn> cols = stackalloc TupleColumn[2];
        Assert.Equal(2, insert.NewTuple.CopyColumnsTo(cols));
        Assert.Equal(TupleKind.Binary, cols[0].Kind);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, insert.NewTuple.GetValue(cols[0]).ToArray());
        Assert.Equal(TupleKind.Null, cols[1].Kind);

        var delete = d.Decode(Bytes(StreamDelete));
        Assert.Equal(0x401u, delete.Xid);
        Assert.Equal(OldTupleKind.Old, delete.OldTupleKind);
        var old = delete.OldTuple.GetEnumerator();
        Assert.True(old.MoveNext());
        Assert.Equal(TupleKind.UnchangedToast, old.Current.Kind);
        Assert.False(old.MoveNext());

        var truncate = Assert.IsType<TruncateMessage>(d.Decode(Bytes(StreamTruncate)).Record);
        Assert.Equal(new TruncateMessage(0x400, TruncateOptions.Cascade, truncate.RelationIds), truncate);
        Assert.Equal([16416u], truncate.RelationIds);

        Assert.IsType<StreamStopMessage>(d.Decode(Bytes(Captured.StreamStop)).Record);
        Assert.False(d.InStreamingBlock);

        var abort = Assert.IsType<StreamAbortMessage>(d.Decode(Bytes(StreamAbortParallel)).Record);
        Assert.Equal(0x400u, abort.Xid);
        Assert.Equal(0x401u, abort.SubXid);
        Assert.Equal(Lsn.Parse("1/2345678"), abort.AbortLsn);
        Assert.Equal(Ts(849003885629746), abort.AbortTimestamp);

        var commit = Assert.IsType<StreamCommitMessage>(d.Decode(Bytes(StreamCommitV4)).Record);
        Assert.Equal(new StreamCommitMessage(0x400, 0, Lsn.Parse("1/2000"), Lsn.Parse("1/2030"), Ts(849003885629746)), commit);
    }

    [Fact]
    public void StreamAbortWithoutParallelModeHasNoAbortLsn()
    {
        var d = new PgOutputDecoder(4);
        Assert.Equal(new StreamAbortMessage(749, 749, null, null), d.Decode(Bytes(StreamAbortTop)).Record);
        Assert.Equal(ProtocolErrorKind.TrailingBytes, Assert.Throws<PgProtocolException>(() => d.Decode(Bytes(StreamAbortParallel))).Kind);
    }

    [Fact]
    public void ParallelStreamAbortRejectsEveryPrefix()
    {
        var d = new PgOutputDecoder(4, parallelStreaming: true);
        var bytes = Bytes(StreamAbortParallel);
        for (var len = 0; len < bytes.Length; len++)
        {
            var prefix = bytes[..len];
            Assert.Equal(ProtocolErrorKind.Truncated, Assert.Throws<PgProtocolException>(() => d.Decode(prefix)).Kind);
        }
    }

    [Fact]
    public void CapturedVersion3MessagesDecodeUnderVersion4()
    {
        var d = new PgOutputDecoder(4, parallelStreaming: true);
        Assert.IsType<BeginPrepareMessage>(d.Decode(Bytes(BeginPrepare)).Record);
        Assert.IsType<StreamPrepareMessage>(d.Decode(Bytes(Captured.StreamPrepare)).Record);
        Assert.IsType<RelationMessage>(d.Decode(Bytes(RelationItems)).Record);
    }

    [Fact]
    public void ConstructorValidatesSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PgOutputDecoder(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PgOutputDecoder(5));
        Assert.Throws<ArgumentException>(() => new PgOutputDecoder(3, parallelStreaming: true));
        var d = new PgOutputDecoder(4, parallelStreaming: true);
        Assert.Equal(4, d.ProtocolVersion);
        Assert.True(d.ParallelStreaming);
    }
}
