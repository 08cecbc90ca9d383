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

    // A finished result is printed only once the result after it has arrived (or the query ended), as
    // psql 15 fetches the next result before printing one: notices raised by a later statement of a
    // "\;" group come before the earlier statement's rows. The argument tells whether it was the last.
    private Action<bool>? _held;

    public ResultObserver(SimpsqlSession session, string sql)
    {
        _session = session;
        _sql = sql;
    }

    public bool Failed { get; private set; }

    /// <summary>
    /// True when output could not be written (a command that stopped reading): the statement failed, and as
    /// in psql the result variables (ERROR, ROW_COUNT, ...) are left as they were.
    /// </summary>
    public bool OutputFailed { get; private set; }

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
            && (TableTarget is not null || !_session.PagerPossible) && !_session.Logging)
        {
            ReleaseHeld(false);
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

        _rows!.Add(_session.DecodeRow(dataRow));
    }

    public void OnCommandComplete(CommandComplete complete)
    {
        PrintCompleted();
        _completed = complete;
    }

    public void OnQueryDone()
    {
        PrintCompleted();
        ReleaseHeld(true);
    }

    private void PrintCompleted()
    {
        if (_completed is { } complete)
        {
            _completed = null;
            Action<bool>? finished = Complete(complete);
            ReleaseHeld(false);
            _held = finished;
        }
    }

    private void ReleaseHeld(bool last)
    {
        if (_held is { } held)
        {
            _held = null;
            held(last);
        }
    }

    /// <summary>Whether results other than the last of a query string are shown (SHOW_ALL_RESULTS).</summary>
    private bool ShowAllResults => _session.GetVariable("SHOW_ALL_RESULTS") is not { } value || SimpsqlSession.IsTrue(value);

    /// <summary>Ends a result: what is left to print is returned, to run when it is known whether it was the last.</summary>
    private Action<bool>? Complete(CommandComplete complete)
    {
        string tag = complete.Tag;
        LastTag = tag;
        LastError = null;
        if (_copyOut is not null)
        {
            // As psql: no status line where the data just went (it would end up among the rows), and
            // then no result either for ROW_COUNT and the other variables, which read 0 rows.
            bool toQueryOutput = ReferenceEquals(_copyOut, _session.OutStream);
            _copyOut.Flush();
            if (_copyOut is ToleratedPipe { Broken: true })
            {
                // A command (to program, \o |COMMAND) that stopped reading: said once, and the COPY counts as failed.
                Failed = OutputFailed = true;
                _session.LogError("could not write COPY data: Broken pipe", false);
            }

            _copyOut = null;
            if (toQueryOutput)
            {
                LastTag = null;
                return null;
            }
        }

        if (_columns is null)
        {
            return last =>
            {
                if (last || ShowAllResults)
                {
                    _session.PrintStatus(tag);
                }
            };
        }

        bool rowStatus = tag.StartsWith("INSERT", StringComparison.Ordinal) || tag.StartsWith("UPDATE", StringComparison.Ordinal)
            || tag.StartsWith("DELETE", StringComparison.Ordinal);
        if (_streaming is not null)
        {
            _streaming.WriteFooter(_rowCount);
            _streaming.Flush();
            _streaming = null;
            _columns = null;
            if (rowStatus)
            {
                _session.PrintStatus(tag);
            }

            return null;
        }

        IReadOnlyList<ResultColumn> columns = _columns;
        List<string?[]>? rows = _rows;
        _columns = null;
        _rows = null;
        return last =>
        {
            bool show = last || ShowAllResults;
            if (rows is not null && CaptureRows && last)
            {
                Captured = (columns, rows);
            }
            else if (rows is not null && ResultHandler is not null && last)
            {
                ResultHandler(new ResultSet(columns, rows) { CommandTag = tag });
            }
            else if (rows is not null && show && TableTarget is not { Text: null })
            {
                // (When the file or command for \g could not be opened, the rows go nowhere.)
                PrintRows(columns, rows, tag);
            }

            if (rowStatus && show)
            {
                _session.PrintStatus(tag);
            }
        };
    }

    private void PrintRows(IReadOnlyList<ResultColumn> columns, List<string?[]> rows, string tag)
    {
        var print = _session.Print;
        if (Title is not null)
        {
            print = print.Clone();
            print.Title = Title;
        }

        var output = TableText!;
        var result = new ResultSet(columns, rows) { CommandTag = tag };
        _session.LogTable(result, print, Footers);
        if (TableTarget is not null)
        {
            ResultPrinter.Print(result, print, output);
            WriteFooters(print, output);
            if (TableTarget.Broken())
            {
                Failed = OutputFailed = true;
                _session.LogError("could not print result table: Broken pipe", false);
            }
        }
        else
        {
            // On the query output: the terminal's width and, as psql decides, the pager, which gets the
            // whole table and is waited for before anything else is printed.
            using (var paging = new SimpsqlSession.PagedOutput(_session, print, print.TuplesOnly ? 0 : Footers?.Count ?? 0))
            {
                ResultPrinter.Print(result, _session.ForStdout(print), output, paging.Request);
                WriteFooters(print, paging.Writer(output));
            }

            if (_session.QueryPipeBroken())
            {
                Failed = OutputFailed = true;
                _session.LogError("could not print result table: Broken pipe", false);
            }
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
        ReleaseHeld(false);
        LastTag = null;
        LastError = null;
    }

    public void OnError(PostgresErrorFields error)
    {
        PrintCompleted();
        ReleaseHeld(false);
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
        ReleaseHeld(false);
        _session.FlushTexts();
        if (CopyOutTarget is not null)
        {
            _copyOut = CopyOutTarget;
        }
        else if (TableTarget is not null)
        {
            // COPY ... TO STDOUT \g FILE (or |COMMAND): the data goes there; nowhere when it cannot be opened.
            _copyOut = TableTarget.Open() ? TableTarget.Stream! : Stream.Null;
        }
        else
        {
            _copyOut = _session.OutStream;
        }
    }

    public void OnCopyOutData(ReadOnlySpan<byte> data) => (_copyOut ?? _session.OutStream).Write(data);

    public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken)
    {
        PrintCompleted();
        ReleaseHeld(false);
        return CopyInSource is not null ? CopyInSource(send, cancellationToken) : _session.CopyFromInputAsync(send, cancellationToken);
    }
}
