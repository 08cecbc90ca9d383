using BenchmarkDotNet.Attributes;
using PgWire.Host.Psql;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Messages;

namespace PgWire.Benchmarks;

/// <summary>
/// <see cref="StreamingRowWriter"/> in unaligned tuples-only mode (psql -At) writing the 1,000-row
/// workload to <see cref="Stream.Null"/>. Numbers are per row.
/// </summary>
[MemoryDiagnoser]
public class StreamingRowWriterBenchmarks
{
    public const int Rows = FrameScanBenchmarks.Rows;

    private readonly FrameScanner _scanner = new();
    private byte[] _buffer = [];
    private (int Offset, int Length)[] _rows = [];
    private StreamingRowWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _buffer = Workload.BuildBackendBuffer(Rows);
        var rows = new List<(int, int)>(Rows);
        var position = 0;
        int consumed;
        while ((consumed = _scanner.TryRead(_buffer.AsSpan(position), out var code, out var payload)) > 0)
        {
            if (code == BackendMessageCode.DataRow)
            {
                rows.Add((position + FrameScanner.HeaderLength, payload.Length));
            }

            position += consumed;
        }

        _rows = [.. rows];
        ResultColumn[] columns =
        [
            new("id", 23),
            new("name", 25),
            new("amount", 1700),
            new("ts", 1184),
            new("flag", 16),
        ];
        var options = new PrintOptions { Format = OutputFormat.Unaligned, TuplesOnly = true };
        _writer = new StreamingRowWriter(columns, options, Stream.Null);
        _writer.WriteHeader();
    }

    /// <summary>Rows already located: only the writer's work.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public void WriteRows()
    {
        var buffer = _buffer.AsSpan();
        foreach (var (offset, length) in _rows)
        {
            _writer.WriteRow(buffer.Slice(offset, length));
        }

        _writer.WriteFooter(Rows);
        _writer.Flush();
    }

    /// <summary>Frame scan of the whole buffer feeding each DataRow to the writer, as a streaming client does.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public void ScanAndWrite()
    {
        ReadOnlySpan<byte> rest = _buffer;
        int consumed;
        while ((consumed = _scanner.TryRead(rest, out var code, out var payload)) > 0)
        {
            if (code == BackendMessageCode.DataRow)
            {
                _writer.WriteRow(payload);
            }

            rest = rest[consumed..];
        }

        _writer.WriteFooter(Rows);
        _writer.Flush();
    }
}
