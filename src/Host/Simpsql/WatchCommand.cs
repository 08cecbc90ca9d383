using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>\watch and \errverbose as psql 15 has them.</summary>
internal sealed partial class SimpsqlSession
{
    private (PostgresErrorFields Fields, string? Query)? _lastServerError;

    /// <summary>Remembers the last error a statement ended with, for \errverbose (psql's last_error_result).</summary>
    private void RememberServerError(PostgresErrorFields fields, string? query) => _lastServerError = (fields, query);

    /// <summary>\errverbose: the last error again, with every field and its context.</summary>
    private MetaOutcome ErrVerboseCommand()
    {
        if (_lastServerError is not { } last)
        {
            OutText.Write("There is no previous error.\n");
            return MetaOutcome.Ok;
        }

        LogError(ErrorFormatter.Format(last.Fields, last.Query, true, ErrorVerbosity.Verbose, ContextVisibility.Always, Codec.Encoding), false);
        return MetaOutcome.Ok;
    }

    /// <summary>
    /// \watch [SEC]: runs the query buffer (or, when it is empty, the last query) every SEC seconds (2 by default,
    /// 1 when SEC is not a positive number) under a title with the time, until Ctrl+C or an error; then the
    /// buffer is cleared as \r does.
    /// </summary>
    private async Task<MetaOutcome> WatchCommandAsync(QueryScanner scanner, StringBuilder buffer)
    {
        string? arg = scanner.ReadArgument();
        double sleep = 2;
        if (arg is not null)
        {
            sleep = ParseLeadingDouble(arg);
            if (!(sleep > 0))
            {
                sleep = 1;
            }
        }

        string sql = buffer.Length > 0 ? buffer.ToString() : PreviousBuffer;
        buffer.Clear();
        scanner.Reset();
        if (sql.Length == 0)
        {
            LogError("\\watch cannot be used with an empty query", false);
            return MetaOutcome.Error;
        }

        return await WatchAsync(sql, sleep).ConfigureAwait(false) ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    private async Task<bool> WatchAsync(string sql, double sleep)
    {
        var saved = Print;
        string? userTitle = saved.Title;

        // As psql: PSQL_WATCH_PAGER (not PAGER), when set to more than white space, paging is not off and standard
        // input and output are terminals, gets every result whatever its size, until it exits or Ctrl+C.
        OutputPager? pager = null;
        if (_env.GetVariable("PSQL_WATCH_PAGER") is { } watchPager && !watchPager.AsSpan().Trim(" \t\r\n").IsEmpty
            && saved.Pager != PagerMode.Off && StdinIsTerminal && StdoutIsTerminal)
        {
            FlushAll();
            _stdoutText.Flush();
            _stdout.Flush();
            pager = OutputPager.Start(watchPager, _environmentOverrides, Codec.WriterEncoding);
        }

        var (outerRedirect, outerRedirectText) = (_redirect, _redirectText);
        if (pager is not null)
        {
            _redirect = pager.Stream;
            _redirectText = pager.Text;
        }

        Print = saved.Clone();
        Print.Pager = PagerMode.Off;
        using var interrupt = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            if (QueryRunning && !Interactive)
            {
                // The interactive loop's own handler cancels a running statement; elsewhere this one does.
                Client.Cancel();
                Err.Write("Cancel request sent\n");
            }

            interrupt.Cancel();
        }

        Console.CancelKeyPress += OnCancel;
        bool ok = true;
        try
        {
            long sleepMs = (long)(sleep * 1000);
            string every = FormatShortest(sleep);
            using var timer = sleepMs > 0 ? new PeriodicTimer(TimeSpan.FromMilliseconds(sleepMs)) : null;
            while (true)
            {
                string time = FormatCTime(DateTime.Now);
                string title = userTitle is null ? $"{time} (every {every}s)\n" : $"{userTitle}\t{time} (every {every}s)\n";
                var observer = new ResultObserver(this, sql) { Title = title };
                bool succeeded = await ExecuteAsync(sql, observer, Cancellation).ConfigureAwait(false);
                if (interrupt.IsCancellationRequested)
                {
                    break;
                }

                if (!succeeded)
                {
                    ok = false;
                    break;
                }

                if (pager is { Broken: true })
                {
                    // The pager has gone.
                    break;
                }

                // As psql 15: an interval timer started with the first run sets the pace (runs that take longer
                // than the interval skip the ticks they missed); an interval under a millisecond never ticks, so
                // only Ctrl+C ends the wait.
                try
                {
                    if (timer is null)
                    {
                        await Task.Delay(Timeout.Infinite, interrupt.Token).ConfigureAwait(false);
                    }
                    else if (!await timer.WaitForNextTickAsync(interrupt.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            Print = saved;
            if (pager is not null)
            {
                (_redirect, _redirectText) = (outerRedirect, outerRedirectText);
                pager.Dispose();
            }
        }

        if (pager is null)
        {
            // psql ends with a newline so that the prompt starts on a fresh line after a "^C" (not into a pager).
            OutText.Write('\n');
        }

        FlushAll();
        return ok;
    }

    /// <summary>C's strftime("%c") in the C locale: "Sat Dec  5 08:47:51 2026".</summary>
    internal static string FormatCTime(DateTime time)
    {
        var ci = CultureInfo.InvariantCulture;
        return string.Concat(
            time.ToString("ddd MMM ", ci),
            time.Day.ToString(ci).PadLeft(2),
            time.ToString(" HH:mm:ss yyyy", ci));
    }

    /// <summary>C's "%g": at most six significant digits, no trailing zeros, exponent form for very small or large numbers.</summary>
    internal static string FormatShortest(double value)
    {
        string text = value.ToString("G6", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        string mantissa = text[..e];
        string exponent = text[(e + 1)..];
        char sign = exponent[0] == '-' ? '-' : '+';
        string digits = exponent.TrimStart('+', '-').TrimStart('0').PadLeft(2, '0');
        return $"{mantissa}e{sign}{digits}";
    }

    /// <summary>C's strtod as psql uses it: the number at the start of the text, 0 when there is none.</summary>
    internal static double ParseLeadingDouble(string text)
    {
        var match = LeadingNumber().Match(text);
        return match.Success && double.TryParse(match.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : 0;
    }

    [GeneratedRegex(@"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")]
    private static partial Regex LeadingNumber();
}
