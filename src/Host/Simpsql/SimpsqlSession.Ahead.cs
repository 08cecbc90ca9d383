using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>
/// Statements of a script sent one ahead. The next statement of the input is queued behind the
/// current one (<see cref="PgClient.SendPipelined"/>) and goes to the server the moment the current
/// one ends, so the server runs it while the current one's results are printed, instead of waiting
/// for the printing and for the next statement to be read. It is held until then, so a cancel
/// (Ctrl+C) during a statement drops it unsent, as psql would never have sent it. Only when the
/// next statement's text cannot depend on what the current one does, and nothing psql does between
/// two statements is skipped:
/// <list type="bullet">
/// <item>the input is a file or a redirected regular file, never a terminal or a pipe (reading ahead
/// there could wait for a writer that waits for our output);</item>
/// <item>its lines are ASCII without a backslash (no meta-command, no <c>\;</c>, no escape whose
/// meaning standard_conforming_strings may change; the same text in every client encoding), and it
/// names no variable (a result of the current statement may set it); only lines of one meta-command
/// that changes nothing but how results print (\pset, \x, \echo and the like: <see cref="PrintOnlyMetaCommand"/>)
/// may come between the two statements;</item>
/// <item>neither statement is a COPY (the data lines follow it in the input);</item>
/// <item>nothing runs between the two statements or decides whether the second runs:
/// ON_ERROR_STOP, AUTOCOMMIT off, ON_ERROR_ROLLBACK, FETCH_COUNT, \timing, single-step and
/// single-line mode each keep statements one at a time.</item>
/// </list>
/// The main loop still reads, echoes and counts every line as it comes to it; when it reaches the
/// statement sent ahead, it reads that statement's results instead of sending it.
/// </summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>How far ahead a statement is looked for: lines, then characters of its text.</summary>
    private const int AheadLines = 200;
    private const int AheadChars = 16 * 1024;

    // The input of the statement the main loop sends now, when it may be read ahead; the statement
    // (the very string), and what is left of its last line.
    private IReadAhead? _readAhead;
    private string? _loopStatement;
    private string _loopRest = "";

    // The next statement, sent to the server already; its results are not read yet.
    private string? _sentAhead;

    // Ctrl+C came while a script ran (NoteScriptInterrupt).
    private volatile bool _scriptInterrupted;

    /// <summary>Statements the main loop found different from the one sent ahead of it (never expected; tests read it).</summary>
    internal int AheadMismatches { get; private set; }

    /// <summary>Statements sent ahead so far.</summary>
    internal int SentAhead { get; private set; }

    private bool MaySendAhead =>
        _readAhead is not null && Conditions.Active && !OnErrorStop && !Timing && !SingleStep && !SingleLine && FetchCount <= 0
        && VariableValues.ParseBool(GetVariable("AUTOCOMMIT")) != false
        && (GetVariable("ON_ERROR_ROLLBACK") ?? "off").Equals("off", StringComparison.OrdinalIgnoreCase)
        && !_scriptInterrupted;

    /// <summary>
    /// Sends a statement and reads its results, or reads the results of the one sent ahead; either way
    /// the statement after it is queued behind it when it may be.
    /// </summary>
    private async Task RunOnServerAsync(string sql, ResultObserver observer, CancellationToken ct)
    {
        bool sent = false;
        if (_sentAhead is { } ahead)
        {
            _sentAhead = null;
            if (!string.Equals(ahead, sql, StringComparison.Ordinal))
            {
                // The statement sent ahead was not the next one after all: it has run; say so.
                AheadMismatches++;
                await Client.ReadPipelinedAsync(new DiscardingObserver(), ct).ConfigureAwait(false);
                LogError("internal error: a statement read ahead of the input ran out of turn: " + ahead, true);
                await Client.ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
                return;
            }

            sent = true;
        }

        // Only the main loop's statements look ahead, and none past a COPY, whose data lines follow it.
        string? next = ReferenceEquals(sql, _loopStatement) && MaySendAhead && !IsCopy(sql) ? NextStatement() : null;
        if (!sent && next is null)
        {
            await Client.ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
            return;
        }

        if (!sent)
        {
            Client.SendPipelined(sql);
        }

        if (next is not null)
        {
            Client.SendPipelined(next);
            _sentAhead = next;
            SentAhead++;
        }

        await Client.ReadPipelinedAsync(observer, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The statement that follows in the input, scanned as the main loop will scan it, when it may be
    /// sent ahead (see the class comment); null otherwise.
    /// </summary>
    private string? NextStatement()
    {
        if (!PlainLine(_loopRest))
        {
            return null;
        }

        bool namesVariable = false;
        var scanner = new QueryScanner(_ =>
        {
            namesVariable = true;
            return null;
        }, () => StandardConformingStrings);
        var buffer = new StringBuilder();
        scanner.SetLine(_loopRest);
        int index = 0;
        while (true)
        {
            var result = scanner.Scan(buffer);
            if (namesVariable || result == ScanResult.Backslash || buffer.Length > AheadChars)
            {
                return null;
            }

            if (result == ScanResult.Semicolon)
            {
                string text = buffer.ToString();
                return IsCopy(text) ? null : text;
            }

            string? line;
            while (true)
            {
                if (index == AheadLines || _readAhead!.PeekLine(index++) is not { } peeked)
                {
                    return null;
                }

                // Before the next statement starts, a meta-command that only changes how results
                // print is passed over: it runs in its turn all the same, after the current
                // statement's results and before the next one's.
                if (buffer.Length == 0 && scanner.PromptState == '-' && PrintOnlyMetaCommand(peeked))
                {
                    continue;
                }

                if (!PlainLine(peeked))
                {
                    return null;
                }

                line = peeked;
                if (!(line.Length == 0 && scanner.PromptState is '-' or '('))
                {
                    break;
                }
            }

            if (buffer.Length > 0)
            {
                buffer.Append('\n');
            }

            scanner.SetLine(line);
        }
    }

    /// <summary>
    /// A line that is one meta-command talking to nobody but the output: print settings (\pset, \a,
    /// \t, \x, \f, \H, \T, \C) or text (\echo, \qecho, \warn); no second backslash (a second
    /// command, or an escape), no backquote (a shell command). Nothing such a line does changes
    /// what a statement sends, or when.
    /// </summary>
    internal static bool PrintOnlyMetaCommand(string line)
    {
        var text = line.AsSpan().TrimStart();
        if (text.Length < 2 || text[0] != '\\' || text[1..].ContainsAny('\\', '`'))
        {
            return false;
        }

        int end = 1;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        return text[1..end] is "pset" or "a" or "t" or "x" or "f" or "H" or "T" or "C" or "echo" or "qecho" or "warn";
    }

    /// <summary>ASCII without a backslash: the same text in every client encoding, and no meta-command or escape.</summary>
    private static bool PlainLine(string line) =>
        line.AsSpan().IndexOfAnyExceptInRange('\0', '\x7f') < 0 && !line.Contains('\\');

    /// <summary>A COPY statement: its data may follow in the input.</summary>
    private static bool IsCopy(string sql)
    {
        int i = SkipSpaceAndComments(sql, 0);
        return sql.Length - i >= 4 && sql.AsSpan(i, 4).Equals("copy", StringComparison.OrdinalIgnoreCase)
            && (sql.Length - i == 4 || !(char.IsAsciiLetterOrDigit(sql[i + 4]) || sql[i + 4] is '_' or '$'));
    }

    /// <summary>
    /// When the main loop stops before reaching the statement sent ahead (an error it ends on), that
    /// statement's results are read and dropped, so the connection is in step again.
    /// </summary>
    private async Task DrainAheadAsync()
    {
        if (_sentAhead is null)
        {
            return;
        }

        _sentAhead = null;
        if (_scriptInterrupted)
        {
            // Stopped by Ctrl+C: the statement sent ahead is cancelled too, if it has not ended.
            Client.Cancel();
        }

        try
        {
            await Client.ReadPipelinedAsync(new DiscardingObserver(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgConnectionException or OperationCanceledException)
        {
            // the connection is gone; whatever reads it next reports that
        }
    }

    /// <summary>
    /// Ctrl+C while a script runs (not at the terminal's prompt): the running statement is cancelled and
    /// the script stops before its next line, with exit status 3, as psql stops one.
    /// </summary>
    internal void NoteScriptInterrupt(TextWriter stderr)
    {
        _scriptInterrupted = true;
        if (QueryRunning)
        {
            Client.Cancel();
            stderr.Write("Cancel request sent\n");
        }
    }
}
