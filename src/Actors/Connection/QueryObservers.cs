using System.Text;
using PgWire.Protocol.Messages;

namespace PgWire.Actors.Connection;

/// <summary>
/// An <see cref="IQueryObserver"/> that ignores everything but the first error; derive from it and
/// override what a query needs. COPY FROM STDIN is refused unless overridden.
/// </summary>
public abstract class QueryObserver : IQueryObserver
{
    /// <summary>The first error the server reported for the query cycle, if any.</summary>
    public PostgresErrorFields? Error { get; private set; }

    public virtual void OnRowDescription(RowDescription description)
    {
    }

    public virtual void OnRow(ReadOnlySpan<byte> dataRow)
    {
    }

    public virtual void OnCommandComplete(CommandComplete complete)
    {
    }

    public virtual void OnEmptyQuery()
    {
    }

    public virtual void OnError(PostgresErrorFields error) => Error ??= error;

    public virtual void OnNotice(PostgresErrorFields notice)
    {
    }

    public virtual void OnCopyOutStart(CopyResponse response)
    {
    }

    public virtual void OnCopyOutData(ReadOnlySpan<byte> data)
    {
    }

    public virtual Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this query does not send COPY data");
}

/// <summary>Takes a query cycle's results and keeps none but its first error (<see cref="QueryObserver.Error"/>).</summary>
public sealed class DiscardingObserver : QueryObserver
{
}

/// <summary>Collects a small result as text: the columns of the last row description and every row.</summary>
/// <param name="textEncoding">How values are decoded: UTF-8 (the default) or, for a session with another
/// client encoding, <see cref="PgWire.Protocol.Settings.PgEncoding.ByteText"/>.</param>
public sealed class TextRowsObserver(Encoding? textEncoding = null) : QueryObserver
{
    private readonly Encoding _text = textEncoding ?? Encoding.UTF8;

    public IReadOnlyList<FieldDescription> Columns { get; private set; } = [];

    public List<string?[]> Rows { get; } = [];

    public override void OnRowDescription(RowDescription description) => Columns = description.Fields;

    public override void OnRow(ReadOnlySpan<byte> dataRow)
    {
        var reader = new DataRowReader(dataRow);
        var values = new string?[reader.ColumnCount];
        var i = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            values[i++] = isNull ? null : _text.GetString(value);
        }

        Rows.Add(values);
    }
}
