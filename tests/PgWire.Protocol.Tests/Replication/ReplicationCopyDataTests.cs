using PgWire.Protocol.Replication;
using Xunit;

namespace PgWire.Protocol.Tests.Replication;

/// <summary>CopyData payloads of the streaming replication protocol, laid out as documented.</summary>
public class ReplicationCopyDataTests
{
    [Fact]
    public void XLogDataIsAViewOverThePayload()
    {
        var payload = Convert.FromHexString(
            "77" + "000000000153CA10" + "000000000153CA40" + "0003042A1F03DAE0" + Captured.BeginInsert);
        Assert.Equal(ReplicationMessageType.XLogData, ReplicationCopyData.GetServerMessageType(payload));
        var x = XLogData.Parse(payload);
        Assert.Equal(Lsn.Parse("0/153CA10"), x.WalStart);
        Assert.Equal(Lsn.Parse("0/153CA40"), x.WalEnd);
        Assert.Equal(849003885615840, x.ServerClock);
        Assert.Equal(Captured.Ts(849003885615840), x.ServerTime);
        Assert.Equal(Captured.BeginInsert, Convert.ToHexString(x.Data).ToLowerInvariant());
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref payload[XLogData.HeaderLength], ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x.Data)));
    }

    [Fact]
    public void XLogDataWithEmptyData()
    {
        var x = XLogData.Parse(Convert.FromHexString("77" + "0000000000000001" + "0000000000000002" + "0000000000000000"));
        Assert.True(x.Data.IsEmpty);
        Assert.Equal(PgEpoch.Origin, x.ServerTime);
    }

    [Fact]
    public void PrimaryKeepalive()
    {
        var payload = Convert.FromHexString("6B" + "00000016B374D848" + "0003042A1F03DAE0" + "01");
        Assert.Equal(ReplicationMessageType.PrimaryKeepalive, ReplicationCopyData.GetServerMessageType(payload));
        var k = Protocol.Replication.PrimaryKeepalive.Parse(payload);
        Assert.Equal(new PrimaryKeepalive(Lsn.Parse("16/B374D848"), 849003885615840, true), k);
        Assert.Equal(Captured.Ts(849003885615840), k.ServerTime);
        Assert.False(Protocol.Replication.PrimaryKeepalive.Parse(Convert.FromHexString("6B" + "00000016B374D848" + "0003042A1F03DAE0" + "00")).ReplyRequested);
    }

    [Fact]
    public void TruncatedOrWrongMessagesAreRejected()
    {
        var keepalive = Convert.FromHexString("6B" + "00000016B374D848" + "0003042A1F03DAE0" + "01");
        for (var len = 0; len < keepalive.Length; len++)
        {
            var prefix = keepalive[..len];
            Assert.Equal(ProtocolErrorKind.Truncated, Assert.Throws<PgProtocolException>(() => Protocol.Replication.PrimaryKeepalive.Parse(prefix)).Kind);
        }

        var xlog = Convert.FromHexString("77" + "0000000000000001" + "0000000000000002" + "0000000000000000");
        for (var len = 0; len < xlog.Length; len++)
        {
            var prefix = xlog[..len];
            Assert.Equal(ProtocolErrorKind.Truncated, Assert.Throws<PgProtocolException>(() => XLogData.Parse(prefix)).Kind);
        }

        Assert.Equal(ProtocolErrorKind.TrailingBytes, Assert.Throws<PgProtocolException>(() => Protocol.Replication.PrimaryKeepalive.Parse([.. keepalive, 0])).Kind);
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => XLogData.Parse(keepalive)).Kind);
        Assert.Equal(ProtocolErrorKind.UnexpectedMessage, Assert.Throws<PgProtocolException>(() => Protocol.Replication.PrimaryKeepalive.Parse(xlog)).Kind);
        Assert.Equal(ProtocolErrorKind.UnknownMessage, Assert.Throws<PgProtocolException>(() => ReplicationCopyData.GetServerMessageType("r"u8)).Kind);
        Assert.Equal(ProtocolErrorKind.Truncated, Assert.Throws<PgProtocolException>(() => ReplicationCopyData.GetServerMessageType(default)).Kind);
    }

    [Fact]
    public void OutOfRangeServerClockIsAProtocolError()
    {
        var payload = Convert.FromHexString("6B" + "0000000000000001" + "7FFFFFFFFFFFFFFF" + "00");
        var k = Protocol.Replication.PrimaryKeepalive.Parse(payload);
        Assert.Equal(ProtocolErrorKind.InvalidValue, Assert.Throws<PgProtocolException>(() => k.ServerTime).Kind);
    }

    [Fact]
    public void StandbyStatusUpdateLayout()
    {
        Span<byte> buffer = stackalloc byte[40];
        buffer.Fill(0xEE);
        var written = StandbyStatusUpdate.Write(
            buffer, Lsn.Parse("16/B374D848"), Lsn.Parse("16/B374D800"), Lsn.Parse("16/B374D000"), 849003885615840, replyRequested: true);
        Assert.Equal(34, written);
        Assert.Equal(
            "72" + "00000016B374D848" + "00000016B374D800" + "00000016B374D000" + "0003042A1F03DAE0" + "01",
            Convert.ToHexString(buffer[..written]));
        Assert.Equal(0xEE, buffer[34]);
    }

    [Fact]
    public void StandbyStatusUpdateFromDateTimeOffset()
    {
        var buffer = new byte[StandbyStatusUpdate.Length];
        var clock = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567);
        StandbyStatusUpdate.Write(buffer, new Lsn(1), new Lsn(2), new Lsn(3), clock);
        Assert.Equal("0002B0EC8517D580", Convert.ToHexString(buffer, 25, 8));
        Assert.Equal(0, buffer[33]);
        Assert.Throws<ArgumentException>(() => StandbyStatusUpdate.Write(new byte[33], new Lsn(1), new Lsn(2), new Lsn(3), 0L));
    }

    [Fact]
    public void PgEpochConversions()
    {
        Assert.Equal(0, PgEpoch.ToMicroseconds(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(0, PgEpoch.ToMicroseconds(new DateTimeOffset(2000, 1, 1, 2, 0, 0, TimeSpan.FromHours(2))));
        Assert.Equal(757479845123456, PgEpoch.ToMicroseconds(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560)));
        Assert.Equal(-86_400_000_000, PgEpoch.ToMicroseconds(new DateTimeOffset(1999, 12, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560), PgEpoch.FromMicroseconds(757479845123456));
        Assert.Equal(TimeSpan.Zero, PgEpoch.FromMicroseconds(1).Offset);
        Assert.Throws<ArgumentOutOfRangeException>(() => PgEpoch.FromMicroseconds(long.MaxValue));
        Assert.False(PgEpoch.TryFromMicroseconds(long.MinValue, out _));
        var now = PgEpoch.Now();
        Assert.InRange(PgEpoch.FromMicroseconds(now), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
