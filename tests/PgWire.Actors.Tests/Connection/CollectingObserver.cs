using System.Text;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;

namespace PgWire.Actors.Tests.Connection;

/// <summary>Collects everything a query cycle produced, with values decoded as text.</summary>
internal sealed class CollectingObserver : IQueryObserver
{
    public List<RowDescription> Descriptions { get; } = [];
    public List<string?[]> Rows { get; } = [];
    public List<string> Tags { get; } = [];
    public List<PostgresErrorFields> Errors { get; } = [];
    public List<PostgresErrorFields> Notices { get; } = [];
    public MemoryStream CopyOut { get; } = new();
    public byte[]? CopyInData { get; init; }
    public int EmptyQueries { get; private set; }

    public void OnRowDescription(RowDescription description) => Descriptions.Add(description);

    public void OnRow(ReadOnlySpan<byte> dataRow)
    {
        var reader = new DataRowReader(dataRow);
        var values = new string?[reader.ColumnCount];
        var i = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            values[i++] = isNull ? null : Encoding.UTF8.GetString(value);
        }

        Rows.Add(values);
    }

    public void OnCommandComplete(CommandComplete complete) => Tags.Add(complete.Tag);

    public void OnEmptyQuery() => EmptyQueries++;

    public void OnError(PostgresErrorFields error) => Errors.Add(error);

    public void OnNotice(PostgresErrorFields notice) => Notices.Add(notice);

    public void OnCopyOutStart(CopyResponse response)
    {
    }

    public void OnCopyOutData(ReadOnlySpan<byte> data) => CopyOut.Write(data);

    public async Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken)
    {
        if (CopyInData is null)
        {
            throw new InvalidOperationException("no data to copy");
        }

        for (var i = 0; i < CopyInData.Length; i += 7)
        {
            await send(CopyInData.AsMemory(i, Math.Min(7, CopyInData.Length - i)));
        }
    }
}
