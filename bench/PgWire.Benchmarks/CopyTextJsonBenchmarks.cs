using System.Text;
using BenchmarkDotNet.Attributes;
using PgWire.Actors.Replication;
using PgWire.Protocol.Replication;

namespace PgWire.Benchmarks;

/// <summary>
/// Snapshot encoding: 1,000 COPY text rows of the 5-column workload (one in ten with an escaped
/// tab in the text column) turned into snapshot JSON lines. Numbers are per row.
/// </summary>
[MemoryDiagnoser]
public class CopyTextJsonBenchmarks
{
    public const int Rows = 1000;

    private readonly CopyTextJsonWriter _writer = new(
        [new ColumnInfo("id", 23, true), new ColumnInfo("name", 25, false), new ColumnInfo("amount", 1700, false), new ColumnInfo("ts", 1184, false), new ColumnInfo("flag", 16, false)],
        new Lsn(0x1_0000_00A0UL),
        1 << 20);

    /// <summary>The same columns written in JSON line format version 1 (the timestamp as PostgreSQL's text).</summary>
    private readonly CopyTextJsonWriter _writerVersion1 = new(
        [.. new (string Name, uint Oid, bool Key)[] { ("id", 23, true), ("name", 25, false), ("amount", 1700, false), ("ts", 1184, false), ("flag", 16, false) }
            .Select(c => new ColumnInfo(c.Name, c.Oid, c.Key, default, JsonValueType.Resolve(c.Oid, JsonLineFormat.V1)))],
        new Lsn(0x1_0000_00A0UL),
        1 << 20);

    private byte[][] _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        _rows = new byte[Rows][];
        for (var i = 0; i < Rows; i++)
        {
            var values = Workload.RowValues(i + 1);
            if (i % 10 == 0)
            {
                values[1] = values[1] + "\\tx";
            }

            _rows[i] = Encoding.UTF8.GetBytes(string.Join('\t', values) + "\n");
        }
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int WriteRows()
    {
        _writer.Clear();
        foreach (var row in _rows)
        {
            _writer.Write(row);
        }

        return _writer.Length;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int WriteRowsVersion1()
    {
        _writerVersion1.Clear();
        foreach (var row in _rows)
        {
            _writerVersion1.Write(row);
        }

        return _writerVersion1.Length;
    }
}
