using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication.PgOutput;

namespace PgWire.Benchmarks;

/// <summary>
/// pgoutput Insert decoding: 1,000 distinct Insert messages for a 5-column relation (the same row
/// values as the DataRow workload, in text format), each decoded and its new tuple walked
/// (<see cref="DecodeInsert"/>), or decoded and encoded into the commit-independent part of its
/// JSON line as the decoder actor does (<see cref="DecodeAndEncodeInsert"/>). Numbers are per message.
/// </summary>
[MemoryDiagnoser]
public class PgOutputBenchmarks
{
    public const int Messages = 1000;
    private const uint RelationId = 16_412;

    private readonly PgOutputDecoder _decoder = new(protocolVersion: 1);
    private readonly JsonLineEncoder _encoder = new();
    private readonly ColumnInfo[] _columns =
        [new("id", 23, true), new("name", 25, false), new("amount", 1700, false), new("ts", 1184, false), new("flag", 16, false)];

    /// <summary>The same columns written in JSON line format version 1 (the timestamp as PostgreSQL's text).</summary>
    private readonly ColumnInfo[] _columnsVersion1 =
        [.. new (string Name, uint Oid, bool Key)[] { ("id", 23, true), ("name", 25, false), ("amount", 1700, false), ("ts", 1184, false), ("flag", 16, false) }
            .Select(c => new ColumnInfo(c.Name, c.Oid, c.Key, default, JsonValueType.Resolve(c.Oid, JsonLineFormat.V1)))];
    private byte[] _buffer = [];
    private (int Offset, int Length)[] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var buffer = new ArrayBufferWriter<byte>(Messages * 100);
        var messages = new (int, int)[Messages];
        for (var i = 0; i < Messages; i++)
        {
            var start = buffer.WrittenCount;
            WriteInsert(buffer, RelationId, Workload.RowValues(i + 1));
            messages[i] = (start, buffer.WrittenCount - start);
        }

        _buffer = buffer.WrittenSpan.ToArray();
        _messages = messages;
        if (DecodeInsert() <= 0)
        {
            throw new InvalidOperationException("nothing decoded");
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public long DecodeInsert()
    {
        var buffer = _buffer.AsSpan();
        long total = 0;
        foreach (var (offset, length) in _messages)
        {
            var message = _decoder.Decode(buffer.Slice(offset, length));
            if (message.Type != PgOutputMessageType.Insert || message.RelationId != RelationId)
            {
                throw new InvalidOperationException("unexpected message");
            }

            var tuple = message.NewTuple;
            foreach (var column in tuple)
            {
                total += column.HasValue ? tuple.GetValue(column).Length : -1;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public long DecodeAndEncodeInsert()
    {
        var buffer = _buffer.AsSpan();
        long total = 0;
        foreach (var (offset, length) in _messages)
        {
            var message = _decoder.Decode(buffer.Slice(offset, length));
            total += _encoder.EncodeChangeFields(_columns, message).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public long DecodeAndEncodeInsertVersion1()
    {
        var buffer = _buffer.AsSpan();
        long total = 0;
        foreach (var (offset, length) in _messages)
        {
            var message = _decoder.Decode(buffer.Slice(offset, length));
            total += _encoder.EncodeChangeFields(_columnsVersion1, message).Length;
        }

        return total;
    }

    /// <summary>'I', relation id, 'N', then TupleData: int16 column count and per column 't', int32 length, bytes.</summary>
    internal static void WriteInsert(ArrayBufferWriter<byte> buffer, uint relationId, string[] values)
    {
        var head = buffer.GetSpan(8);
        head[0] = (byte)'I';
        BinaryPrimitives.WriteUInt32BigEndian(head[1..], relationId);
        head[5] = (byte)'N';
        BinaryPrimitives.WriteInt16BigEndian(head[6..], (short)values.Length);
        buffer.Advance(8);
        foreach (var value in values)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var column = buffer.GetSpan(5);
            column[0] = (byte)'t';
            BinaryPrimitives.WriteInt32BigEndian(column[1..], bytes.Length);
            buffer.Advance(5);
            buffer.Write(bytes);
        }
    }
}
