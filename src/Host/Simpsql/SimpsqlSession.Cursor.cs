using System.Diagnostics;
using System.Globalization;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>
/// FETCH_COUNT: a SELECT-like query runs through a cursor and its rows are fetched, and printed, so many at a
/// time, as psql 15 does (ExecQueryUsingCursor): memory holds one batch, and each batch is laid out on its own
/// (the aligned formats size their columns per batch), the header with the first and the footer with the last.
/// </summary>
internal sealed partial class SimpsqlSession
{
    private const string CursorName = "_psql_cursor";

    // Set by Ctrl+C: a query fetched in batches stops after the batch being printed, as psql's cancel_pressed.
    private volatile bool _interrupted;

    /// <summary>Ctrl+C was pressed: a query whose rows are fetched in batches fetches no more.</summary>
    internal void NoteInterrupt() => _interrupted = true;

    /// <summary>FETCH_COUNT as a number; 0 (or less) reads results whole.</summary>
    internal int FetchCount => VariableValues.TryParseInt(GetVariable("FETCH_COUNT") ?? "0", out long count)
        ? (int)Math.Clamp(count, int.MinValue, int.MaxValue)
        : 0;

    /// <summary>Whether psql would run this query through a cursor: FETCH_COUNT set and the query a SELECT or VALUES.</summary>
    private bool UsesCursor(string sql, QueryMode mode) =>
        FetchCount > 0 && mode is QueryMode.Print or QueryMode.Set && IsSelectCommand(sql);

    /// <summary>
    /// psql's test: after white space, comments and opening parentheses, the first word is SELECT or VALUES
    /// (so WITH, TABLE and a SELECT after a semicolon are read whole).
    /// </summary>
    internal static bool IsSelectCommand(string sql)
    {
        int i = 0;
        while (true)
        {
            i = SkipSpaceAndComments(sql, i);
            if (i < sql.Length && sql[i] == '(')
            {
                i++;
                continue;
            }

            break;
        }

        int start = i;
        while (i < sql.Length && char.IsAsciiLetter(sql[i]))
        {
            i++;
        }

        var word = sql.AsSpan(start, i - start);
        return word.Equals("select", StringComparison.OrdinalIgnoreCase) || word.Equals("values", StringComparison.OrdinalIgnoreCase);
    }

    private static int SkipSpaceAndComments(string sql, int i)
    {
        int depth = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (depth > 0 && c == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
            }
            else if (depth == 0 && c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                int end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (depth > 0)
            {
                i++;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    /// <summary>
    /// Runs a query through a cursor: BEGIN when no transaction is open (COMMIT, or ROLLBACK after a failure, at
    /// the end), DECLARE, FETCH FORWARD FETCH_COUNT until a batch comes back short (\gset fetches 2, to see a
    /// second row), CLOSE. Batches print as they arrive, to \g's file or command when given.
    /// </summary>
    private async Task<(bool Ok, string? LastTag)> RunWithCursorAsync(string sql, QueryMode mode, string? target, string? gsetPrefix)
    {
        // Running for Ctrl+C from the BEGIN to the end, printing included: a cancel request is sent (as psql sends
        // it, harmless between statements) and no more batches are fetched.
        _interrupted = false;
        Interlocked.Increment(ref _queriesRunning);
        try
        {
            return await RunWithCursorInnerAsync(sql, mode, target, gsetPrefix).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queriesRunning);
        }
    }

    private async Task<(bool Ok, string? LastTag)> RunWithCursorInnerAsync(string sql, QueryMode mode, string? target, string? gsetPrefix)
    {
        var stopwatch = Stopwatch.StartNew();
        bool startedTransaction = false;
        if (Client.TransactionStatus == TransactionStatus.Idle)
        {
            var begin = await RunCursorStatementAsync("BEGIN").ConfigureAwait(false);
            if (!begin.Succeeded("BEGIN"))
            {
                begin.ReportError(this);
                return (false, null);
            }

            startedTransaction = true;
        }

        bool ok = await FetchAllAsync(sql, mode, target, gsetPrefix).ConfigureAwait(false);

        // The cursor is closed whatever happened; after a failure what CLOSE says (an aborted transaction) is ignored.
        var close = await RunCursorStatementAsync("CLOSE " + CursorName).ConfigureAwait(false);
        if (ok && !close.Succeeded("CLOSE CURSOR"))
        {
            close.ReportError(this);
            ok = false;
        }

        if (startedTransaction)
        {
            string end = ok ? "COMMIT" : "ROLLBACK";
            var finish = await RunCursorStatementAsync(end).ConfigureAwait(false);
            if (!finish.Succeeded(end))
            {
                finish.ReportError(this);
                ok = false;
            }
        }

        EndOfStatement(stopwatch);
        return (ok, null);
    }

    private async Task<bool> FetchAllAsync(string sql, QueryMode mode, string? target, string? gsetPrefix)
    {
        string declareText = $"DECLARE {CursorName} NO SCROLL CURSOR FOR\n{sql}";
        var declare = await RunCursorStatementAsync(declareText).ConfigureAwait(false);
        if (!declare.Succeeded("DECLARE CURSOR"))
        {
            declare.ReportError(this);
            if (declare.Error is { } declareError)
            {
                SetErrorVariables(declareError);
            }
            else
            {
                // The last result of the text was not the DECLARE's (a second statement after it): a failure that
                // the server did not explain, as psql takes it.
                _variables["ERROR"] = "true";
                _variables["SQLSTATE"] = "";
                _variables["ROW_COUNT"] = "0";
                _variables["LAST_ERROR_MESSAGE"] = "";
                _variables["LAST_ERROR_SQLSTATE"] = "";
            }

            return false;
        }

        int fetchCount = mode == QueryMode.Set ? 2 : FetchCount;
        string fetch = string.Create(CultureInfo.InvariantCulture, $"FETCH FORWARD {fetchCount} FROM {CursorName}");

        QueryOutputTarget? output = null;
        if (target is not null)
        {
            FlushAll();
            output = new QueryOutputTarget(target, InheritStreams ? null : _stdout, message => LogError(message, false), Codec.WriterEncoding, _environmentOverrides);
            if (!output.Open())
            {
                output.Dispose();
                return false;
            }
        }

        var print = output is null ? ForStdout(Print) : Print;

        // The log gets each batch with the options as set (psql's pager mode changes only how the output is printed).
        var logPrint = Print;

        // Formats without widths to fit come out the same whole or in parts: those of them not printed in parts are
        // kept until the end.
        bool whole = print.Format is OutputFormat.Latex or OutputFormat.LatexLongtable or OutputFormat.TroffMs;
        List<string?[]>? kept = whole ? [] : null;
        IReadOnlyList<ResultColumn>? keptColumns = null;
        OutputPager? pager = null;
        long total = 0;
        try
        {
            while (true)
            {
                var batch = await RunCursorStatementAsync(fetch, keepRows: true).ConfigureAwait(false);
                if (batch.Error is not null || batch.Columns is null)
                {
                    pager?.Dispose();
                    pager = null;
                    if (kept is { Count: > 0 } && keptColumns is not null)
                    {
                        PrintBatch(new ResultSet(keptColumns, kept), print, output, true, false, 0, ref pager);
                    }

                    batch.ReportError(this);
                    if (batch.Error is { } fetchError)
                    {
                        SetErrorVariables(fetchError);
                    }

                    return false;
                }

                if (mode == QueryMode.Set)
                {
                    // As psql: a \gset through a cursor counts no rows.
                    if (!StoreRow(batch.Columns, batch.Rows!, gsetPrefix ?? ""))
                    {
                        return false;
                    }

                    total = 0;
                    break;
                }

                int count = batch.Rows!.Count;
                bool last = count < fetchCount;
                if (Logging)
                {
                    // As psql logs it: each batch, laid out on its own.
                    var logged = logPrint.Clone();
                    logged.StartTable = total == 0;
                    logged.StopTable = last;
                    logged.PriorRecords = total;
                    LogTable(new ResultSet(batch.Columns, batch.Rows), logged);
                }

                if (kept is not null)
                {
                    keptColumns = batch.Columns;
                    kept.AddRange(batch.Rows);
                    if (last)
                    {
                        PrintBatch(new ResultSet(keptColumns, kept), print, output, true, true, 0, ref pager);
                    }
                }
                else
                {
                    if (!last && output is null && _redirect is null && total == 0)
                    {
                        // More than one batch on standard output: one pager for all of them, as psql opens it, and
                        // the batches printed as for a pager (whether one runs or not): \x auto is expanded, for all
                        // of them alike, and the width is the terminal's.
                        if (PagerPossible)
                        {
                            pager = PageOutput(int.MaxValue, print);
                        }

                        print = AsForPager(print);
                    }

                    PrintBatch(new ResultSet(batch.Columns, batch.Rows), print, output, total == 0, last, total, ref pager);
                }

                total += count;
                if (last || _interrupted)
                {
                    // After Ctrl+C the table stays open (no footer), and the query still counts as done, as in psql.
                    if (!last && kept is { Count: > 0 } && keptColumns is not null)
                    {
                        PrintBatch(new ResultSet(keptColumns, kept), print, output, true, false, 0, ref pager);
                    }

                    break;
                }
            }
        }
        finally
        {
            pager?.Dispose();
            output?.Dispose();
        }

        SetSuccessVariables(total.ToString(CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>
    /// The options psql prints with when it has been given a pager (its is_pager): \x auto is expanded for the
    /// aligned formats, and without \pset columns the width is COLUMNS, else the terminal's, even when standard
    /// output is not one.
    /// </summary>
    private PrintOptions AsForPager(PrintOptions print)
    {
        var options = print.Clone();
        if (options.Expanded == ExpandedMode.Auto && options.Format is OutputFormat.Aligned or OutputFormat.Wrapped)
        {
            options.Expanded = ExpandedMode.On;
        }

        if (options.Columns == 0)
        {
            int width = EnvironmentColumns;
            if (width == 0 && TerminalDevice.TryGetSize(out _, out int columns))
            {
                width = columns;
            }

            options.TerminalColumns = width;
        }

        return options;
    }

    /// <summary>One batch of rows, as psql prints a part of a table: header only in the first, footer only in the last.</summary>
    private void PrintBatch(ResultSet rows, PrintOptions print, QueryOutputTarget? output, bool first, bool last, long prior, ref OutputPager? pager)
    {
        var options = print.Clone();
        options.StartTable = first;
        options.StopTable = last;
        options.PriorRecords = prior;
        if (output is not null)
        {
            ResultPrinter.Print(rows, options, output.Text!);
            output.Text!.Flush();
            return;
        }

        if (pager is not null)
        {
            ResultPrinter.Print(rows, options, pager.Text);
            pager.Text.Flush();
            return;
        }

        if (first && last)
        {
            // A single batch is printed as any result is, through the pager when it is tall enough.
            using var paging = new PagedOutput(this, print);
            ResultPrinter.Print(rows, options, OutText, paging.Request);
        }
        else
        {
            ResultPrinter.Print(rows, options, OutText);
        }

        FlushAll();
    }

    private async Task<CursorStatement> RunCursorStatementAsync(string sql, bool keepRows = false)
    {
        var observer = new CursorStatement(this, sql, keepRows);
        Interlocked.Increment(ref _queriesRunning);
        try
        {
            await OrConnectionLostAsync(Client.ExecuteAsync(sql, observer, Cancellation)).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queriesRunning);
        }

        return observer;
    }

    /// <summary>One statement of the cursor's: its last result (a tag, or the rows of a FETCH), its error, its notices printed.</summary>
    private sealed class CursorStatement(SimpsqlSession session, string sql, bool keepRows) : IQueryObserver
    {
        private IReadOnlyList<ResultColumn>? _columns;
        private List<string?[]>? _rows;

        public PostgresErrorFields? Error { get; private set; }

        public IReadOnlyList<ResultColumn>? Columns { get; private set; }

        public List<string?[]>? Rows { get; private set; }

        public string? LastTag { get; private set; }

        /// <summary>True when the statement's last result is the command <paramref name="tag"/> (without rows).</summary>
        public bool Succeeded(string tag) => Error is null && Columns is null && LastTag == tag;

        public void ReportError(SimpsqlSession owner)
        {
            if (Error is { } error)
            {
                owner.ReportServerMessage(error, sql, true);
            }
        }

        public void OnRowDescription(RowDescription description)
        {
            _columns = description.Fields.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToArray();
            _rows = keepRows ? [] : null;
        }

        public void OnRow(ReadOnlySpan<byte> dataRow)
        {
            if (_rows is null)
            {
                return;
            }

            _rows.Add(session.DecodeRow(dataRow));
        }

        public void OnCommandComplete(CommandComplete complete)
        {
            // Each result replaces the one before: what counts is the last, as libpq's PQexec keeps it.
            Columns = _columns;
            Rows = _rows;
            _columns = null;
            _rows = null;
            LastTag = complete.Tag;
        }

        public void OnEmptyQuery()
        {
            Columns = null;
            Rows = null;
            LastTag = null;
        }

        public void OnError(PostgresErrorFields error) => Error ??= error;

        public void OnNotice(PostgresErrorFields notice) => session.ReportServerMessage(notice, sql, false);

        public void OnCopyOutStart(CopyResponse response)
        {
        }

        public void OnCopyOutData(ReadOnlySpan<byte> data)
        {
        }

        public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
