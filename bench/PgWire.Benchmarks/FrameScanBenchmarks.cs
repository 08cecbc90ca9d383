using System.Buffers;
using BenchmarkDotNet.Attributes;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;

namespace PgWire.Benchmarks;

/// <summary>
/// Frame scanning plus a DataRow walk over 1,000 rows of a 5-column result. Numbers are per row
/// (OperationsPerInvoke = Rows); each invocation scans the whole buffer, CommandComplete and
/// ReadyForQuery included.
/// </summary>
[MemoryDiagnoser]
public class FrameScanBenchmarks
{
    public const int Rows = 1000;

    private readonly FrameScanner _scanner = new();
    private byte[] _buffer = [];
    private ReadOnlySequence<byte> _sequence;
    private readonly byte[] _scratch = new byte[64 * 1024];

    [GlobalSetup]
    public void Setup()
    {
        _buffer = Workload.BuildBackendBuffer(Rows);
        _sequence = Workload.Segment(_buffer, 4096);
        if (Contiguous() != Sequence() || ScanOnly() != Rows + 2)
        {
            throw new InvalidOperationException("benchmark variants disagree");
        }
    }

    /// <summary>Header scan only: no payload is read.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int ScanOnly()
    {
        ReadOnlySpan<byte> rest = _buffer;
        var frames = 0;
        int consumed;
        while ((consumed = _scanner.TryRead(rest, out _, out _)) > 0)
        {
            rest = rest[consumed..];
            frames++;
        }

        return frames;
    }

    /// <summary>Contiguous span: <c>TryRead(ReadOnlySpan, out code, out payload)</c>, each DataRow walked column by column.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public long Contiguous()
    {
        ReadOnlySpan<byte> rest = _buffer;
        long total = 0;
        int consumed;
        while ((consumed = _scanner.TryRead(rest, out var code, out var payload)) > 0)
        {
            if (code == BackendMessageCode.DataRow)
            {
                total += WalkRow(payload);
            }

            rest = rest[consumed..];
        }

        return total;
    }

    /// <summary>
    /// <c>ReadOnlySequence</c> of 4 KB segments: <c>TryRead(ref sequence, out frame)</c>; a DataRow that
    /// straddles two segments is copied into a reused scratch buffer before the walk.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public long Sequence()
    {
        var rest = _sequence;
        long total = 0;
        while (_scanner.TryRead(ref rest, out var frame))
        {
            if (frame.Code == BackendMessageCode.DataRow)
            {
                var payload = frame.Payload;
                if (payload.IsSingleSegment)
                {
                    total += WalkRow(payload.FirstSpan);
                }
                else
                {
                    var length = (int)payload.Length;
                    payload.CopyTo(_scratch);
                    total += WalkRow(_scratch.AsSpan(0, length));
                }
            }
        }

        return total;
    }

    private static long WalkRow(ReadOnlySpan<byte> payload)
    {
        var reader = new DataRowReader(payload);
        long sum = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            sum += isNull ? -1 : value.Length;
        }

        return sum;
    }
}
