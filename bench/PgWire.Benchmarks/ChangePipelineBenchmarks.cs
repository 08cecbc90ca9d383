using System.Buffers;
using BenchmarkDotNet.Attributes;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;

namespace PgWire.Benchmarks;

/// <summary>
/// One insert's way from its pgoutput message to its JSON line, for transactions of 1,000 inserts
/// into a 5-column relation, per insert:
/// <see cref="TypedEvents"/> is the pipeline's shape: the decoder routes each message by its header
/// and keeps its bytes in the transaction buffer; the sink reads the typed change back (decoding
/// its tuples) and encodes the whole line.
/// <see cref="EncodeInDecoder"/> is the shape before typed events: the decoder encoded the
/// commit-independent fields of the JSON line and kept those in the buffer; the line was finished
/// from them with the commit's prefix.
/// Both use the same primitives (decoder, buffer, encoder), so the ratio is the cost of the shape.
/// </summary>
[MemoryDiagnoser]
public class ChangePipelineBenchmarks
{
    private const int Inserts = 1000;
    private const uint RelationId = 16_412;
    private static readonly DateTimeOffset CommitTime = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private readonly PgOutputDecoder _decoder = new(protocolVersion: 1);
    private readonly JsonLineEncoder _decoderEncoder = new(1024);
    private readonly JsonLineEncoder _sinkEncoder = new(1 << 20);
    private readonly TableRelation _table = new(
        RelationId,
        "public",
        "orders",
        ReplicaIdentity.Default,
        [new("id", 23, true), new("name", 25, false), new("amount", 1700, false), new("ts", 1184, false), new("flag", 16, false)]);

    private byte[] _buffer = [];
    private (int Offset, int Length)[] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var buffer = new ArrayBufferWriter<byte>(Inserts * 100);
        var messages = new (int, int)[Inserts];
        for (var i = 0; i < Inserts; i++)
        {
            var start = buffer.WrittenCount;
            PgOutputBenchmarks.WriteInsert(buffer, RelationId, Workload.RowValues(i + 1));
            messages[i] = (start, buffer.WrittenCount - start);
        }

        _buffer = buffer.WrittenSpan.ToArray();
        _messages = messages;
        if (TypedEvents() != EncodeInDecoder())
        {
            throw new InvalidOperationException("the two shapes wrote different lines");
        }
    }

    [Benchmark(OperationsPerInvoke = Inserts)]
    public long TypedEvents()
    {
        using var transaction = new TransactionBuffer(null, 16 << 20);
        var data = _buffer.AsSpan();
        foreach (var (offset, length) in _messages)
        {
            var payload = data.Slice(offset, length);
            if (_decoder.TryPeekRowChange(payload, out _, out var relationId, out var body) && relationId == RelationId)
            {
                transaction.Add(0, _table, payload[0], payload[body..]);
            }
        }

        var committed = new CommittedTransaction(transaction, new Lsn(0x1000), new Lsn(0x1008), 700, CommitTime);
        var reader = committed.ReadChanges();
        byte[]? prefix = null;
        _sinkEncoder.Clear();
        while (reader.TryRead(out var change))
        {
            prefix ??= _sinkEncoder.MakePrefix((byte)change.Kind, committed.CommitLsn, committed.Xid, committed.CommitTime);
            _sinkEncoder.WriteLine(prefix, _sinkEncoder.EncodeChangeFields(change));
        }

        return Checksum(_sinkEncoder.WrittenSpan);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Inserts)]
    public long EncodeInDecoder()
    {
        using var transaction = new TransactionBuffer(null, 16 << 20);
        var data = _buffer.AsSpan();
        foreach (var (offset, length) in _messages)
        {
            var payload = data.Slice(offset, length);
            var message = _decoder.Decode(payload);
            if (message.RelationId == RelationId)
            {
                transaction.Add(0, _table, payload[0], _decoderEncoder.EncodeChangeFields(_table.Columns, message));
            }
        }

        var reader = transaction.OpenReader();
        byte[]? prefix = null;
        _sinkEncoder.Clear();
        while (reader.TryRead(out _, out _, out var record))
        {
            prefix ??= _sinkEncoder.MakePrefix(record[0], new Lsn(0x1000), 700, CommitTime);
            _sinkEncoder.WriteLine(prefix, record[1..]);
        }

        return Checksum(_sinkEncoder.WrittenSpan);
    }

    private static long Checksum(ReadOnlySpan<byte> lines)
    {
        long sum = lines.Length;
        for (var i = 0; i < lines.Length; i += 61)
        {
            sum = (sum * 31) + lines[i];
        }

        return sum;
    }
}
