using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using PgWire.Iceberg;

namespace PgWire.Benchmarks;

/// <summary>
/// An Iceberg data file of <see cref="Rows"/> rows of the lrepl snapshot table (id int, md5 text,
/// amount numeric mapped to string, ts timestamptz, flag bool): <see cref="Write"/> is
/// <see cref="DataFileWriter.WriteAsync"/> (checks, metrics, Parquet encoding, zstd, footer) into a
/// file that discards its bytes; <see cref="Batch"/> reads the rows' PostgreSQL text into a
/// <see cref="ColumnBatch"/> and writes it as one row group the same way, as the lrepl snapshot
/// does; <see cref="Parse"/> turns the rows' PostgreSQL text into values
/// with <see cref="PostgresValues.FromText"/>. <see cref="Distinct"/> rows differ in every column
/// but the timestamp, as real data does; otherwise all rows are equal. Numbers are per file (all
/// <see cref="Rows"/> rows).
/// </summary>
[MemoryDiagnoser]
public class DataFileWriterBenchmarks
{
    private static readonly IcebergType[] Types = [PrimitiveType.Int, PrimitiveType.String, PrimitiveType.String, PrimitiveType.TimestampTz, PrimitiveType.Boolean];

    private readonly IcebergSchema _schema = new(0, [.. Types.Select((t, i) => new NestedField(i + 1, "c" + i, false, t))], []);
    private readonly DiscardingFileIO _io = new();
    private byte[][][] _texts = [];
    private object?[][] _rows = [];
    private ColumnBatch? _batch;

    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    [Params(true, false)]
    public bool Distinct { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _texts = new byte[Rows][][];
        _rows = new object?[Rows][];
        for (var k = 0; k < Rows; k++)
        {
            var i = Distinct ? k : 7;
            string[] text =
            [
                i.ToString(CultureInfo.InvariantCulture),
                Convert.ToHexStringLower(MD5.HashData(BitConverter.GetBytes(i))),
                (i * 1.5).ToString(CultureInfo.InvariantCulture),
                "2026-12-05 02:55:00.123456+00",
                i % 2 == 0 ? "t" : "f",
            ];
            _texts[k] = [.. text.Select(Encoding.UTF8.GetBytes)];
            _rows[k] = ParseRow(_texts[k]);
        }
    }

    [Benchmark]
    public long Write() => DataFileWriter.WriteAsync(_io, "bench.parquet", _schema, _rows).GetAwaiter().GetResult().FileSizeInBytes;

    [Benchmark]
    public long Batch()
    {
        var batch = _batch ??= new ColumnBatch(_schema, Rows);
        batch.Clear();
        foreach (var row in _texts)
        {
            for (var c = 0; c < row.Length; c++)
            {
                batch.AppendText(c, row[c], out _);
            }

            batch.EndRow();
        }

        return WriteBatch(batch).GetAwaiter().GetResult();
    }

    private async Task<long> WriteBatch(ColumnBatch batch)
    {
        await using var appender = DataFileWriter.Open(_io, "bench.parquet", _schema);
        await appender.AppendAsync(batch);
        return (await appender.CompleteAsync()).FileSizeInBytes;
    }

    [Benchmark]
    public object? Parse()
    {
        object?[]? last = null;
        foreach (var row in _texts)
        {
            last = ParseRow(row);
        }

        return last;
    }

    private static object?[] ParseRow(byte[][] text)
    {
        var row = new object?[Types.Length];
        for (var c = 0; c < row.Length; c++)
        {
            row[c] = PostgresValues.FromText(Types[c], text[c], out _);
        }

        return row;
    }

    /// <summary>Files that go nowhere: the benchmark measures encoding, not the disk.</summary>
    private sealed class DiscardingFileIO : IFileIO
    {
        public Stream OpenRead(string location) => throw new NotSupportedException();

        public Stream Create(string location) => Stream.Null;

        public bool Exists(string location) => false;

        public void Delete(string location)
        {
        }

        public IEnumerable<FileEntry> List(string prefix) => [];
    }
}
