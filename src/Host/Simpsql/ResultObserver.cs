using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>Prints the results of one query string as they complete, like psql.</summary>
internal sealed class ResultObserver : IQueryObserver
{
    private readonly SimpsqlSession _session;
    private readonly string _sql;
    private IReadOnlyList<ResultColumn>? _columns;
    private StreamingRowWriter? _streaming;
    private List<string?[]>? _rows;
    private long _rowCount;
    private Stream? _copyOut;

    // A completed result waits here until the next message that is not a notice: libpq hands psql a
    // result only after it has parsed the notices that came right behind it, so psql prints those
    // first (a WARNING of the COMMIT in "SELECT 1\; COMMIT" comes before the SELECT's rows).
    private CommandComplete? _completed;

    public ResultObserver(SimpsqlSession session, string sql)
    {
        _session = session;
        _sql = sql;
    }

    public bool Failed { get; private set; }

    /// <summary>A file that COPY TO STDOUT writes to instead of the query output (\copy).</summary>
    public Stream? CopyOutTarget { get; init; }

    /// <summary>Supplies COPY FROM STDIN data; null reads from the current input.</summary>
    public Func<Func<ReadOnlyMemory<byte>, ValueTask>, CancellationToken, Task>? CopyInSource { get; init; }

    /// <summary>Title and footers for listings.</summary>
    public string? Title { get; init; }

    public IReadOnlyList<string>? Footers { get; init; }

    /// <summary>Keep the rows of results instead of printing them (\gset, \gexec): see <see cref="Captured"/>.</summary>
    public bool CaptureRows { get; init; }

    /// <summary>The last result with rows, when <see cref="CaptureRows"/> is set.</summary>
    public (IReadOnlyList<ResultColumn> Columns, List<string?[]> Rows)? Captured { get; private set; }

    /// <summary>Where results with rows go instead of the query output (\g FILE, \g |COMMAND); status lines do not.</summary>
    public QueryOutputTarget? TableTarget { get; init; }

    /// <summary>How the last result ended: its command tag (null after an error or an empty query) and its error.</summary>
    public string? LastTag { get; private set; }

    public PostgresErrorFields? LastError { get; private set; }

    private TextWriter? TableText => TableTarget is null ? _session.OutText : TableTarget.Text;

    private Stream? TableStream => TableTarget is null ? _session.OutStream : TableTarget.Stream;

    private void FlushTableText()
    {
        if (TableTarget is null)
        {
            _session.FlushOutText();
        }
        else
        {
            TableTarget.Text?.Flush();
        }
    }

    /// <summary>Receives each complete result instead of printing it (\crosstabview).</summary>
    public Action<ResultSet>? ResultHandler { get; init; }

    public void OnRowDescription(RowDescription description)
    {
        PrintCompleted();
        _columns = description.Fields.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToArray();
        _rowCount = 0;
        var print = _session.Print;
        if (CaptureRows || ResultHandler is not null || (TableTarget is not null && !TableTarget.Open()))
        {
            _streaming = null;
            _rows = [];
        }
        else if (print.Format is OutputFormat.Unaligned or OutputFormat.Csv && print.Expanded != ExpandedMode.Auto && !print.NumericLocale && Title is null && Footers is null
            && (TableTarget is not null || !_session.PagerPossible))
        {
            FlushTableText();
            _streaming = new StreamingRowWriter(_columns, print, TableStream!);
            _streaming.WriteHeader();
            _rows = null;
        }
        else
        {
            _streaming = null;
            _rows = [];
        }
    }

    public void OnRow(ReadOnlySpan<byte> dataRow)
    {
        _rowCount++;
        if (_streaming is not null)
        {
            _streaming.WriteRow(dataRow);
            return;
        }

        var reader = new DataRowReader(dataRow);
        var row = new string?[reader.ColumnCount];
        int i = 0;
        while (reader.MoveNext(out var value, out bool isNull))
        {
            row[i++] = isNull ? null : Encoding.UTF8.GetString(value);
        }

        _rows!.Add(row);
    }

    public void OnCommandComplete(CommandComplete complete)
    {
        PrintCompleted();
        _completed = complete;
    }

    public void OnQueryDone() => PrintCompleted();

    private void PrintCompleted()
    {
        if (_completed is { } complete)
        {
            _completed = null;
            Complete(complete);
        }
    }

    private void Complete(CommandComplete complete)
    {
        string tag = complete.Tag;
        LastTag = tag;
        LastError = null;
        if (_copyOut is not null)
        {
            bool toQueryOutput = CopyOutTarget is null;
            _copyOut.Flush();
            _copyOut = null;
            if (toQueryOutput)
            {
                return;
            }
        }

        if (_columns is not null)
        {
            if (_streaming is not null)
            {
                _streaming.WriteFooter(_rowCount);
                _streaming.Flush();
                _streaming = null;
            }
            else if (_rows is not null && CaptureRows)
            {
                Captured = (_columns, _rows);
                _rows = null;
            }
            else if (_rows is not null && TableTarget is { Text: null })
            {
                // The file or command for \g could not be opened: the rows go nowhere.
                _rows = null;
            }
            else if (_rows is not null && ResultHandler is not null)
            {
                ResultHandler(new ResultSet(_columns, _rows) { CommandTag = tag });
                _rows = null;
            }
            else if (_rows is not null)
            {
                var print = _session.Print;
                if (Title is not null)
                {
                    print = print.Clone();
                    print.Title = Title;
                }

                var output = TableText!;
                var result = new ResultSet(_columns, _rows) { CommandTag = tag };
                if (TableTarget is not null)
                {
                    ResultPrinter.Print(result, print, output);
                    WriteFooters(print, output);
                }
                else
                {
                    // On the query output: the terminal's width and, as psql decides, the pager, which gets the
                    // whole table and is waited for before anything else is printed.
                    using var paging = new SimpsqlSession.PagedOutput(_session, print, print.TuplesOnly ? 0 : Footers?.Count ?? 0);
                    ResultPrinter.Print(result, _session.ForStdout(print), output, paging.Request);
                    WriteFooters(print, paging.Writer(output));
                }

                _rows = null;
            }

            _columns = null;
            if (tag.StartsWith("INSERT", StringComparison.Ordinal) || tag.StartsWith("UPDATE", StringComparison.Ordinal) || tag.StartsWith("DELETE", StringComparison.Ordinal))
            {
                _session.PrintStatus(tag);
            }
        }
        else
        {
            _session.PrintStatus(tag);
        }
    }

    private void WriteFooters(PrintOptions print, TextWriter output)
    {
        if (Footers is not null && !print.TuplesOnly)
        {
            foreach (var footer in Footers)
            {
                output.Write(footer);
                output.Write('\n');
            }
        }
    }

    public void OnEmptyQuery()
    {
        PrintCompleted();
        LastTag = null;
        LastError = null;
    }

    public void OnError(PostgresErrorFields error)
    {
        PrintCompleted();
        Failed = true;
        LastTag = null;
        LastError = error;
        if (_streaming is not null)
        {
            _streaming.Flush();
            _streaming = null;
        }

        _rows = null;
        _columns = null;
        _session.ReportServerMessage(error, _sql, true);
    }

    public void OnNotice(PostgresErrorFields notice) => _session.ReportServerMessage(notice, _sql, false);

    public void OnCopyOutStart(CopyResponse response)
    {
        PrintCompleted();
        if (CopyOutTarget is not null)
        {
            _copyOut = CopyOutTarget;
        }
        else
        {
            _session.FlushOutText();
            _copyOut = _session.OutStream;
        }
    }

    public void OnCopyOutData(ReadOnlySpan<byte> data) => (_copyOut ?? _session.OutStream).Write(data);

    public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken)
    {
        PrintCompleted();
        return CopyInSource is not null ? CopyInSource(send, cancellationToken) : _session.CopyFromInputAsync(send, cancellationToken);
    }
}
