using System.Buffers;
using System.Text;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class CsvLineEncoderTests
{
    private const uint Rel = 16500;

    private static TableRelation Table(params (string Name, uint Type, bool Key)[] columns) =>
        new(Rel, "public", "t", ReplicaIdentity.Default, [.. columns.Select(c => new ColumnInfo(c.Name, c.Type, c.Key))]);

    /// <summary>The CSV records of pgoutput change messages (outside a streamed block), all committed at <paramref name="lsn"/>.</summary>
    private static string Encode(CsvLineEncoder csv, TableRelation table, ulong lsn, params byte[][] messages)
    {
        using var buffer = new TransactionBuffer(null, 1 << 20);
        foreach (var message in messages)
        {
            buffer.Add(0, table, message[0], message.AsSpan(1));
        }

        var transaction = new CommittedTransaction(buffer, new Lsn(lsn), new Lsn(lsn + 8), 1, DateTimeOffset.UnixEpoch);
        var output = new ArrayBufferWriter<byte>();
        var reader = transaction.ReadChanges();
        while (reader.TryRead(out var change))
        {
            csv.Encode(change, transaction.CommitLsn, output);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Header_lists_op_lsn_and_the_columns_and_parses_back()
    {
        var csv = new CsvLineEncoder(["id", "na,me", "q\"uote"]);
        var output = new ArrayBufferWriter<byte>();
        csv.WriteHeader(output);
        var header = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Equal("op,lsn,id,\"na,me\",\"q\"\"uote\"\r\n", header);
        Assert.Equal(["id", "na,me", "q\"uote"], CsvLineEncoder.ParseHeader(header + "r,0/1,1,,\r\n"));
        Assert.Throws<FormatException>(() => CsvLineEncoder.ParseHeader("{\"op\":\"r\"}\n"));
    }

    [Fact]
    public void Values_are_postgres_text_null_is_empty_and_empty_string_is_quoted()
    {
        var table = Table(("id", 20, true), ("t", 25, false), ("ok", 16, false), ("f", 701, false), ("doc", 3802, false), ("n", 25, false), ("e", 25, false));
        var csv = new CsvLineEncoder([.. table.Columns.Select(c => c.Name)]);
        var text = Encode(csv, table, 0x16B3748, PgOutputBytes.Insert(null, Rel, "1", "a,\"b\"\nc\r", "t", "NaN", "{\"a\": [1, 2]}", null, ""));
        Assert.Equal("c,0/16B3748,1,\"a,\"\"b\"\"\nc\r\",t,NaN,\"{\"\"a\"\": [1, 2]}\",,\"\"\r\n", text);
        var records = CsvLineEncoder.ReadRecords(text);
        Assert.Single(records);
        Assert.Equal(["c", "0/16B3748", "1", "a,\"b\"\nc\r", "t", "NaN", "{\"a\": [1, 2]}", null, ""], records[0]);
    }

    [Fact]
    public void Delete_truncate_key_changing_update_and_unchanged_toast()
    {
        var table = Table(("id", 20, true), ("v", 25, false));
        var csv = new CsvLineEncoder(["id", "v"]);
        Assert.Equal("u,0/10,1,x\r\nd,0/10,2,\r\nc,0/10,3,y\r\n", Encode(csv, table, 0x10, PgOutputBytes.Update(null, Rel, null, "1", "x"), PgOutputBytes.Update(null, Rel, ["2", null], "3", "y")));
        Assert.Equal("d,0/20,3,\r\n", Encode(csv, table, 0x20, PgOutputBytes.Delete(null, Rel, "3", null)));
        Assert.Equal("t,0/30,,\r\n", Encode(csv, table, 0x30, [(byte)'T']));
        Assert.Equal("u,0/40,5,\r\n", Encode(csv, table, 0x40, PgOutputBytes.UpdateUnchangedToast(Rel, 1, "5", null)));
    }

    [Fact]
    public void A_column_missing_from_the_header_is_an_error_not_a_lost_value()
    {
        var table = Table(("id", 20, true), ("added", 25, false));
        var csv = new CsvLineEncoder(["id"]);
        var error = Assert.Throws<LreplException>(() => Encode(csv, table, 0x10, PgOutputBytes.Insert(null, Rel, "1", "x")));
        Assert.Contains("column \"added\" is not in the header", error.Message, StringComparison.Ordinal);

        // A column dropped since the header was written stays empty.
        var wider = new CsvLineEncoder(["id", "gone"]);
        Assert.Equal("c,0/10,1,\r\n", Encode(wider, Table(("id", 20, true)), 0x10, PgOutputBytes.Insert(null, Rel, "1")));
    }
}
