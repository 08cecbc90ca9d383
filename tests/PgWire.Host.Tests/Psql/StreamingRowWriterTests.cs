namespace PgWire.Host.Tests.Psql;

using System.Text;
using PgWire.Host.Psql;
using Xunit;

public sealed class StreamingRowWriterTests
{
    private static readonly ResultColumn[] Columns =
    [
        new("id", 23), new("name", 25), new("note", 25), new("missing", 23),
    ];

    [Theory]
    [InlineData(OutputFormat.Unaligned, false, false)]
    [InlineData(OutputFormat.Unaligned, true, false)]
    [InlineData(OutputFormat.Unaligned, false, true)]
    [InlineData(OutputFormat.Csv, false, false)]
    [InlineData(OutputFormat.Csv, true, true)]
    public void WritingRowsDoesNotAllocate(OutputFormat format, bool tuplesOnly, bool expanded)
    {
        var options = new PrintOptions
        {
            Format = format,
            TuplesOnly = tuplesOnly,
            Expanded = expanded ? ExpandedMode.On : ExpandedMode.Off,
            NullDisplay = "NULL",
        };
        byte[] payload = GoldenTests.DataRow(["12345", "some name", "quote \" and, comma\nnewline", null]);
        var writer = new StreamingRowWriter(Columns, options, Stream.Null);
        writer.WriteHeader();
        for (int i = 0; i < 1000; i++)
        {
            writer.WriteRow(payload);
        }

        // The fewest bytes of three rounds: the runtime itself may allocate on this thread once
        // while a round runs (a method recompiled at a higher tier: 7,216 bytes once in CI), and a
        // row that allocates anything shows in every round (100,000 rows, at least 24 bytes each).
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100_000; i++)
            {
                writer.WriteRow(payload);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        writer.WriteFooter(301_000);
        writer.Flush();
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void LargeOutputSpansBufferFlushesUnchanged()
    {
        var options = new PrintOptions { Format = OutputFormat.Unaligned, TuplesOnly = true };
        string big = new('x', 100_000);
        var result = new ResultSet(Columns);
        using var stream = new MemoryStream();
        var writer = new StreamingRowWriter(Columns, options, stream);
        writer.WriteHeader();
        for (int i = 0; i < 5000; i++)
        {
            string?[] row = [i.ToString(System.Globalization.CultureInfo.InvariantCulture), i % 1000 == 0 ? big : "n", "\u65e5\u672c", null];
            result.Rows.Add(row);
            writer.WriteRow(GoldenTests.DataRow(row));
        }

        writer.WriteFooter(result.Rows.Count);
        writer.Flush();

        var expected = new StringWriter { NewLine = "\n" };
        ResultPrinter.Print(result, options, expected);
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void AlignedFormatIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new StreamingRowWriter(Columns, new PrintOptions(), Stream.Null));
    }

    [Fact]
    public void ColumnCountMismatchIsRejected()
    {
        var writer = new StreamingRowWriter(Columns, new PrintOptions { Format = OutputFormat.Csv }, Stream.Null);
        Assert.Throws<InvalidDataException>(() => writer.WriteRow(GoldenTests.DataRow(["1"])));
    }
}
