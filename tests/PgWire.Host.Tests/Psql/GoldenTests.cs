namespace PgWire.Host.Tests.Psql;

using System.Buffers.Binary;
using System.Text;
using PgWire.Host.Psql;
using Xunit;

public sealed class GoldenTests
{
    public static TheoryData<string> AllCases() => [.. GoldenCases.All.Select(c => c.Name)];

    public static TheoryData<string> StreamableCases() =>
        [.. GoldenCases.All.Where(c => c.Options.Format is OutputFormat.Unaligned or OutputFormat.Csv).Select(c => c.Name)];

    private static GoldenCase Case(string name) => GoldenCases.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ResultPrinterMatchesPsql(string name)
    {
        GoldenCase golden = Case(name);
        var writer = new StringWriter { NewLine = "\n" };
        ResultPrinter.Print(golden.ToResultSet(), golden.Options, writer);
        Assert.Equal(golden.Expected, writer.ToString());
    }

    [Theory]
    [MemberData(nameof(StreamableCases))]
    public void StreamingWriterMatchesPsql(string name)
    {
        GoldenCase golden = Case(name);
        using var stream = new MemoryStream();
        var writer = new StreamingRowWriter(golden.Columns, golden.Options, stream);
        writer.WriteHeader();
        foreach (string?[] row in golden.Rows)
        {
            writer.WriteRow(DataRow(row));
        }

        writer.WriteFooter(golden.Rows.Length);
        writer.Flush();
        Assert.Equal(golden.Expected, Encoding.UTF8.GetString(stream.ToArray()));
    }

    internal static byte[] DataRow(string?[] values)
    {
        using var payload = new MemoryStream();
        Span<byte> scratch = stackalloc byte[4];
        BinaryPrimitives.WriteInt16BigEndian(scratch, (short)values.Length);
        payload.Write(scratch[..2]);
        foreach (string? value in values)
        {
            byte[]? bytes = value is null ? null : Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteInt32BigEndian(scratch, bytes?.Length ?? -1);
            payload.Write(scratch);
            if (bytes is not null)
            {
                payload.Write(bytes);
            }
        }

        return payload.ToArray();
    }
}
