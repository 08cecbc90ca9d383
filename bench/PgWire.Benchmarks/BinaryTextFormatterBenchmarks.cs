using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using PgWire.Protocol.Types;

namespace PgWire.Benchmarks;

/// <summary>
/// Binary-to-text conversion of 1,000 rows of binary-format values (int4, numeric, timestamptz,
/// text, float8), each value formatted into one reused buffer with types resolved once, as the
/// replication path does per row. Numbers are per row (five values).
/// </summary>
[MemoryDiagnoser]
public class BinaryTextFormatterBenchmarks
{
    public const int Rows = 1000;

    private static readonly uint[] ColumnTypes = [PgTypeOids.Int4, PgTypeOids.Numeric, PgTypeOids.TimestampTz, PgTypeOids.Text, PgTypeOids.Float8];

    private readonly ArrayBufferWriter<byte> _output = new(1 << 16);
    private BinaryColumnType[] _types = [];
    private byte[][][] _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        _types = ColumnTypes.Select(oid => BinaryTextFormatter.TryResolve(oid, null, out var t) ? t : throw new InvalidOperationException($"OID {oid}")).ToArray();
        _rows = new byte[Rows][][];
        for (var i = 1; i <= Rows; i++)
        {
            _rows[i - 1] =
            [
                Int4(i),
                Numeric2(((long)i * 150) + 25),
                Int64(797_851_613_000_000L - ((long)i * 1_041_730)),
                Encoding.UTF8.GetBytes("customer-" + (i * 7919 % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + "-acct"),
                Int64(BitConverter.DoubleToInt64Bits(i / 7.0)),
            ];
        }

        if (FormatRows() <= 0)
        {
            throw new InvalidOperationException("nothing formatted");
        }
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int FormatRows()
    {
        var total = 0;
        foreach (var row in _rows)
        {
            _output.ResetWrittenCount();
            for (var c = 0; c < row.Length; c++)
            {
                BinaryTextFormatter.Format(_types[c], row[c], _output);
            }

            total += _output.WrittenCount;
        }

        return total;
    }

    private static byte[] Int4(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        return b;
    }

    private static byte[] Int64(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, v);
        return b;
    }

    /// <summary>numeric send format of cents / 100 with two decimals (a non-negative value).</summary>
    private static byte[] Numeric2(long cents)
    {
        var groups = new List<short>();
        for (var whole = cents / 100; whole > 0; whole /= 10000)
        {
            groups.Insert(0, (short)(whole % 10000));
        }

        var weight = (short)(groups.Count - 1);
        if (groups.Count == 0)
        {
            weight = -1;
        }

        groups.Add((short)(cents % 100 * 100));
        var b = new byte[8 + (2 * groups.Count)];
        BinaryPrimitives.WriteInt16BigEndian(b, (short)groups.Count);
        BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(2), weight);
        BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(6), 2);
        for (var i = 0; i < groups.Count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(8 + (2 * i)), groups[i]);
        }

        return b;
    }
}
