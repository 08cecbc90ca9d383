using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;
using Xunit;
using static PgWire.Protocol.Tests.Framing.BackendStream;

namespace PgWire.Protocol.Tests.Framing;

public class BackendMessageTests
{
    private static BackendMessage ParseOne(byte[] message)
    {
        var n = new FrameScanner().TryRead(message, out var code, out var payload);
        Assert.Equal(message.Length, n);
        return BackendMessageParser.Parse(code, payload);
    }

    [Fact]
    public void ErrorResponse_keeps_every_field()
    {
        var fields = "SERROR\0VERROR\0C42P01\0Mrelation \"nope\" does not exist\0Ddetail text\0Hhint text\0P15\0p3\0qinternal q\0Wwhere ctx\0spublic\0ttab\0ccol\0dtyp\0ncons\0Fparse_relation.c\0L1392\0RparserOpenTable\0Zzed\0\0";
        var msg = (ErrorResponse)ParseOne(Message('E', Raw(fields)));
        var f = msg.Fields;
        Assert.Equal("ERROR", f.Severity);
        Assert.Equal("ERROR", f.SeverityNonLocalized);
        Assert.Equal("42P01", f.SqlState);
        Assert.Equal("relation \"nope\" does not exist", f.Message);
        Assert.Equal("detail text", f.Detail);
        Assert.Equal("hint text", f.Hint);
        Assert.Equal(15, f.Position);
        Assert.Equal(3, f.InternalPosition);
        Assert.Equal("internal q", f.InternalQuery);
        Assert.Equal("where ctx", f.Where);
        Assert.Equal("public", f.SchemaName);
        Assert.Equal("tab", f.TableName);
        Assert.Equal("col", f.ColumnName);
        Assert.Equal("typ", f.DataTypeName);
        Assert.Equal("cons", f.ConstraintName);
        Assert.Equal("parse_relation.c", f.File);
        Assert.Equal("1392", f.Line);
        Assert.Equal("parserOpenTable", f.Routine);
        Assert.Equal("zed", f.Other['Z']);
        var ex = new PostgresException(f);
        Assert.Equal("42P01", ex.SqlState);
        Assert.False(ex.IsFatal);
    }

    [Fact]
    public void Authentication_requests_parse_by_kind()
    {
        Assert.Equal(AuthenticationKind.Ok, ((AuthenticationRequest)ParseOne(Message('R', I32(0)))).Kind);
        Assert.Equal(AuthenticationKind.CleartextPassword, ((AuthenticationRequest)ParseOne(Message('R', I32(3)))).Kind);
        var md5 = (AuthenticationRequest)ParseOne(Message('R', I32(5), [1, 2, 3, 4]));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, md5.Data);
        var sasl = (AuthenticationRequest)ParseOne(Message('R', I32(10), Str("SCRAM-SHA-256-PLUS"), Str("SCRAM-SHA-256"), [0]));
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], sasl.Mechanisms);
        var cont = (AuthenticationRequest)ParseOne(Message('R', I32(11), Raw("r=abc,s=xyz,i=4096")));
        Assert.Equal("r=abc,s=xyz,i=4096", System.Text.Encoding.ASCII.GetString(cont.Data));
        var bad = Assert.Throws<PgProtocolException>(() => ParseOne(Message('R', I32(99))));
        Assert.Equal(ProtocolErrorKind.InvalidValue, bad.Kind);
        Assert.Throws<PgProtocolException>(() => ParseOne(Message('R', I32(5), [1, 2])));
    }

    [Fact]
    public void RowDescription_and_DataRow_with_nulls()
    {
        var rd = (RowDescription)ParseOne(Message('T', I16(2), Str("id"), I32(16384), I16(1), I32(23), I16(4), I32(-1), I16(0), Str("name"), I32(0), I16(0), I32(25), I16(-1), I32(-1), I16(0)));
        Assert.Equal("id", rd.Fields[0].Name);
        Assert.Equal(16384u, rd.Fields[0].TableOid);
        Assert.Equal(23u, rd.Fields[0].TypeOid);
        Assert.Equal(25u, rd.Fields[1].TypeOid);

        var row = DataRow("1", null, "", "日本");
        new FrameScanner().TryRead(row, out _, out var payload);
        var reader = new DataRowReader(payload);
        Assert.Equal(4, reader.ColumnCount);
        var values = new List<string?>();
        while (reader.MoveNext(out var v, out var isNull))
        {
            values.Add(isNull ? null : System.Text.Encoding.UTF8.GetString(v));
        }

        Assert.Equal(["1", null, "", "日本"], values);
    }

    [Fact]
    public void Simple_messages_parse()
    {
        Assert.Equal(new ParameterStatus("TimeZone", "UTC"), ParseOne(Message('S', Str("TimeZone"), Str("UTC"))));
        Assert.Equal(new BackendKeyData(7, -9), ParseOne(Message('K', I32(7), I32(-9))));
        Assert.Equal(TransactionStatus.Failed, ((ReadyForQuery)ParseOne(Message('Z', Raw("E")))).Status);
        Assert.Equal(5L, ((CommandComplete)ParseOne(Message('C', Str("INSERT 0 5")))).RowCount);
        Assert.Null(((CommandComplete)ParseOne(Message('C', Str("CREATE TABLE")))).RowCount);
        Assert.Equal(new NotificationResponse(1, "c", "p"), ParseOne(Message('A', I32(1), Str("c"), Str("p"))));
        Assert.Equal([23u, 25u], ((ParameterDescription)ParseOne(Message('t', I16(2), I32(23), I32(25)))).TypeOids);
        var copy = (CopyResponse)ParseOne(Message('H', [0], I16(2), I16(0), I16(0)));
        Assert.Equal(CopyDirection.Out, copy.Direction);
        Assert.False(copy.Binary);
        Assert.Equal(2, copy.ColumnFormats.Count);
        var neg = (NegotiateProtocolVersion)ParseOne(Message('v', I32(0), I32(1), Str("_pq_.foo")));
        Assert.Equal(["_pq_.foo"], neg.UnrecognizedOptions);
        Assert.Same(EmptyMessage.ParseComplete, ParseOne(Message('1')));
        Assert.Same(EmptyMessage.NoData, ParseOne(Message('n')));
    }

    public static TheoryData<byte[], ProtocolErrorKind> Malformed => new()
    {
        { Message('Z', Raw("Q")), ProtocolErrorKind.InvalidValue },
        { Message('Z', Raw("II")), ProtocolErrorKind.TrailingBytes },
        { Message('Z'), ProtocolErrorKind.Truncated },
        { Message('S', Raw("name-without-nul")), ProtocolErrorKind.InvalidString },
        { Message('S', [0x6e, 0xC3, 0x28, 0], Str("v")), ProtocolErrorKind.InvalidString },
        { Message('C', [0xFF, 0xFE, 0]), ProtocolErrorKind.InvalidString },
        { Message('K', I32(1)), ProtocolErrorKind.Truncated },
        { Message('T', I16(-1)), ProtocolErrorKind.InvalidLength },
        { Message('T', I16(1000), Str("x")), ProtocolErrorKind.Truncated },
        { Message('E', Raw("SERROR\0Mno terminator")), ProtocolErrorKind.InvalidString },
        { Message('E', Raw("SERROR\0")), ProtocolErrorKind.Truncated },
        { Message('E', Raw("Pabc\0\0")), ProtocolErrorKind.InvalidValue },
        { Message('t', I16(3), I32(1)), ProtocolErrorKind.InvalidLength },
        { Message('H', [2], I16(0)), ProtocolErrorKind.InvalidValue },
        { Message('1', [0]), ProtocolErrorKind.TrailingBytes },
        { Message('v', I32(0), I32(int.MaxValue)), ProtocolErrorKind.InvalidLength },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_messages_give_typed_errors(byte[] message, ProtocolErrorKind kind)
    {
        var ex = Assert.Throws<PgProtocolException>(() => ParseOne(message));
        Assert.Equal(kind, ex.Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0xFF, 0xFF })]
    [InlineData(new byte[] { 0, 1, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1 })]
    [InlineData(new byte[] { 0, 1, 0xFF, 0xFF, 0xFF, 0xFE })]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 65, 66 })]
    public void Malformed_DataRows_give_typed_errors(byte[] payload)
    {
        Assert.Throws<PgProtocolException>(() => DataRowReader.Validate(payload));
    }

    [Fact]
    public void Random_garbage_only_ever_gives_protocol_errors()
    {
        var random = new Random(20261126);
        var buffer = new byte[64];
        var codes = Enum.GetValues<BackendMessageCode>().Where(c => c is not (BackendMessageCode.DataRow or BackendMessageCode.CopyData or BackendMessageCode.FunctionCallResponse)).ToArray();
        for (var i = 0; i < 20000; i++)
        {
            var length = random.Next(0, buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            var code = codes[random.Next(codes.Length)];
            try
            {
                BackendMessageParser.Parse(code, buffer.AsSpan(0, length));
            }
            catch (PgProtocolException)
            {
            }

            try
            {
                DataRowReader.Validate(buffer.AsSpan(0, length));
            }
            catch (PgProtocolException)
            {
            }
        }
    }
}
