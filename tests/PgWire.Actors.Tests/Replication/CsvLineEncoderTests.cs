using System.Buffers;
using System.Text;
using PgWire.Actors.Replication;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class CsvLineEncoderTests
{
    private static string Transcode(CsvLineEncoder csv, string jsonLines)
    {
        var output = new ArrayBufferWriter<byte>();
        csv.Transcode(Encoding.UTF8.GetBytes(jsonLines), output);
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
        var csv = new CsvLineEncoder(["id", "t", "ok", "f", "doc", "n", "e"]);
        var line = """{"op":"c","lsn":"0/16B3748","xid":7,"commit_ts":"2024-01-01T00:00:00.000000Z","key":{"id":1},"before":null,"after":{"id":1,"t":"a,\"b\"\nc\r","ok":true,"f":"NaN","doc":{"a": [1, 2]},"n":null,"e":""}}""" + "\n";
        Assert.Equal("c,0/16B3748,1,\"a,\"\"b\"\"\nc\r\",t,NaN,\"{\"\"a\"\": [1, 2]}\",,\"\"\r\n", Transcode(csv, line));
        var records = CsvLineEncoder.ReadRecords(Transcode(csv, line));
        Assert.Single(records);
        Assert.Equal(["c", "0/16B3748", "1", "a,\"b\"\nc\r", "t", "NaN", "{\"a\": [1, 2]}", null, ""], records[0]);
    }

    [Fact]
    public void Delete_truncate_and_key_changing_update()
    {
        var csv = new CsvLineEncoder(["id", "v"]);
        var lines = string.Concat(
            """{"op":"u","lsn":"0/10","xid":1,"commit_ts":"x","key":{"id":1},"before":null,"after":{"id":1,"v":"x"}}""" + "\n",
            """{"op":"u","lsn":"0/10","xid":1,"commit_ts":"x","key":{"id":2},"before":{"id":2},"after":{"id":3,"v":"y"}}""" + "\n",
            """{"op":"d","lsn":"0/20","xid":2,"commit_ts":"x","key":{"id":3},"before":{"id":3},"after":null}""" + "\n",
            """{"op":"t","lsn":"0/30","xid":3,"commit_ts":"x","key":null,"before":null,"after":null}""" + "\n",
            """{"op":"u","lsn":"0/40","xid":4,"commit_ts":"x","key":{"id":5},"before":null,"after":{"id":5}}""" + "\n");
        Assert.Equal("u,0/10,1,x\r\nd,0/10,2,\r\nc,0/10,3,y\r\nd,0/20,3,\r\nt,0/30,,\r\nu,0/40,5,\r\n", Transcode(csv, lines));
    }

    [Fact]
    public void Snapshot_file_is_rewritten_with_one_header()
    {
        var path = Path.Combine(Path.GetTempPath(), "csv-snap-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sb = new StringBuilder();
            for (var i = 0; i < 5000; i++)
            {
                sb.Append("{\"op\":\"r\",\"lsn\":\"0/5\",\"xid\":null,\"commit_ts\":null,\"key\":{\"id\":").Append(i).Append("},\"before\":null,\"after\":{\"id\":").Append(i).Append(",\"v\":\"").Append(new string('x', i % 700)).Append("\"}}\n");
            }

            File.WriteAllText(path, sb + "{\"op\":\"r\",\"partial");
            var json = Encoding.UTF8.GetByteCount(sb.ToString());
            var length = CsvSnapshotActor.Convert(path, new CsvLineEncoder(["id", "v"]), json);
            var text = File.ReadAllText(path);
            Assert.Equal(length, new FileInfo(path).Length);
            var records = CsvLineEncoder.ReadRecords(text);
            Assert.Equal(5001, records.Count);
            Assert.Equal(["op", "lsn", "id", "v"], records[0]);
            Assert.Equal(["r", "0/5", "4999", new string('x', 4999 % 700)], records[5000]);
            Assert.False(File.Exists(path + ".csv-tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
