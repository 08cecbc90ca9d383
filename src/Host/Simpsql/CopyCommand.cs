using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>\copy: COPY through the connection with the data in a local file or the client's streams.</summary>
internal static partial class CopyCommand
{
    public static async Task<MetaOutcome> RunAsync(SimpsqlSession session, string args)
    {
        string typed = args;
        args = args.Trim();
        if (!TrySplit(args, out string before, out bool from, out string target, out string after))
        {
            session.LogError("\\copy: parse error at " + (args.Length == 0 ? "end of line" : "\"" + args + "\""), false);
            return MetaOutcome.Error;
        }

        string? command = null;
        if (target.Equals("program", StringComparison.OrdinalIgnoreCase))
        {
            // \copy ... from|to program 'COMMAND': the command must be one single-quoted token.
            if (!TryProgram(after, out command, out after, out string errorAt))
            {
                session.LogError("\\copy: parse error at " + errorAt, false);
                return MetaOutcome.Error;
            }
        }

        string lower = target.ToLowerInvariant();
        if (command is null && lower is not ("stdin" or "stdout" or "pstdin" or "pstdout"))
        {
            target = session.ExpandTilde(target);
        }

        string sql = PsqlCopyText(typed, session.StandardConformingStrings)
            ?? "COPY " + before + (from ? " FROM STDIN" : " TO STDOUT") + (after.Length > 0 ? " " + after : "");
        if (command is not null)
        {
            return await RunProgramAsync(session, sql, from, command).ConfigureAwait(false);
        }
        ResultObserver observer;
        Stream? file = null;
        try
        {
            if (from)
            {
                if (lower is "stdin" or "pstdin")
                {
                    observer = new ResultObserver(session, sql);
                }
                else
                {
                    file = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                    observer = new ResultObserver(session, sql) { CopyInSource = Feed(file) };
                }
            }
            else if (lower == "stdout")
            {
                // The query output, \o's file or command when there is one.
                observer = new ResultObserver(session, sql);
            }
            else if (lower == "pstdout")
            {
                // simpsql's own standard output, whatever \o says.
                observer = new ResultObserver(session, sql) { CopyOutTarget = session.StdoutBytes() };
            }
            else
            {
                file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
                observer = new ResultObserver(session, sql) { CopyOutTarget = file };
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            session.LogError(target + ": " + (ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : "Permission denied"), false);
            return MetaOutcome.Error;
        }

        try
        {
            return await SendAsync(session, sql, observer).ConfigureAwait(false) ? MetaOutcome.Ok : MetaOutcome.Error;
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends the COPY as psql's SendQuery sends a query (echoed and logged as psql shows it, inside the
    /// AUTOCOMMIT and ON_ERROR_ROLLBACK handling); as psql 15, a \copy that fails, or whose output could not be
    /// written, leaves ERROR, SQLSTATE and ROW_COUNT as they were.
    /// </summary>
    private static Task<bool> SendAsync(SimpsqlSession session, string sql, ResultObserver observer)
    {
        session.EchoCopyQuery(sql);
        session.LogQuery(sql);
        return session.WithTransactionHandlingAsync(sql, async () =>
        {
            bool sent = await session.ExecuteAsync(sql, observer, session.Cancellation).ConfigureAwait(false);
            if (sent && !observer.OutputFailed)
            {
                session.SetResultVariables(observer);
            }

            return (sent, observer.LastTag);
        });
    }

    /// <summary>COPY FROM STDIN data read from <paramref name="source"/> (a file, a command's output) in 64 kB chunks.</summary>
    private static Func<Func<ReadOnlyMemory<byte>, ValueTask>, CancellationToken, Task> Feed(Stream source) => async (send, ct) =>
    {
        byte[] chunk = new byte[64 * 1024];
        int n;
        while ((n = await source.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            await send(chunk.AsMemory(0, n)).ConfigureAwait(false);
        }
    };

    /// <summary>
    /// \copy ... from|to program 'COMMAND': COPY FROM STDIN fed by the command's standard output, or COPY TO
    /// STDOUT written to its standard input, through sh as psql's popen runs it. The command's exit status is
    /// checked after the COPY, as psql does: one that did not end well fails the \copy with psql's words for it.
    /// </summary>
    private static async Task<MetaOutcome> RunProgramAsync(SimpsqlSession session, string sql, bool from, string command)
    {
        var run = ProgramStream.Start(command, from, session);
        if (run is null)
        {
            return MetaOutcome.Error;
        }

        bool ok;
        using (run)
        {
            var observer = from
                ? new ResultObserver(session, sql) { CopyInSource = Feed(run.Stream) }
                : new ResultObserver(session, sql) { CopyOutTarget = run.Stream };
            ok = await SendAsync(session, sql, observer).ConfigureAwait(false);
            session.FlushAll();
        }

        if (run.Failure is { } failure)
        {
            session.LogError($"{command}: {failure}", false);
            return MetaOutcome.Error;
        }

        return ok ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    /// <summary>
    /// The command of "program 'COMMAND'" from what follows the keyword: one token in single quotes (a doubled
    /// quote inside stands for one), the rest being the COPY options. Else the token psql reports a parse error at.
    /// </summary>
    private static bool TryProgram(string rest, out string? command, out string after, out string errorAt)
    {
        command = null;
        after = rest;
        errorAt = "end of line";
        rest = rest.TrimStart();
        if (rest.Length == 0)
        {
            return false;
        }

        if (rest[0] == ';')
        {
            errorAt = "\";\"";
            return false;
        }

        int end = 0;
        bool quoted = false;
        while (end < rest.Length && (quoted || !(char.IsWhiteSpace(rest[end]) || rest[end] == ';')))
        {
            if (rest[end] == '\'')
            {
                quoted = !quoted;
            }

            end++;
        }

        string token = rest[..end];
        if (token.Length < 2 || token[0] != '\'' || token[^1] != '\'')
        {
            errorAt = "\"" + token + "\"";
            return false;
        }

        command = token[1..^1].Replace("''", "'", StringComparison.Ordinal);
        after = rest[end..].Trim();
        if (after.EndsWith(';'))
        {
            after = after[..^1].TrimEnd();
        }

        return true;
    }

    /// <summary>Splits "table (cols) from 'file' with ..." at the FROM/TO keyword outside quotes and parentheses.</summary>
    private static bool TrySplit(string args, out string before, out bool from, out string target, out string after)
    {
        before = target = after = "";
        from = false;
        int depth = 0;
        int i = 0;
        while (i < args.Length)
        {
            char c = args[i];
            if (c is '\'' or '"')
            {
                int close = args.IndexOf(c, i + 1);
                i = close < 0 ? args.Length : close + 1;
                continue;
            }

            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (depth == 0 && char.IsWhiteSpace(c))
            {
                int start = i + 1;
                int end = start;
                while (end < args.Length && char.IsAsciiLetter(args[end]))
                {
                    end++;
                }

                string word = args[start..end];
                if ((word.Equals("from", StringComparison.OrdinalIgnoreCase) || word.Equals("to", StringComparison.OrdinalIgnoreCase))
                    && end < args.Length && char.IsWhiteSpace(args[end]))
                {
                    before = args[..i].Trim();
                    from = word.Equals("from", StringComparison.OrdinalIgnoreCase);
                    string rest = args[end..].TrimStart();
                    int stop;
                    if (rest.StartsWith('\''))
                    {
                        var sb = new StringBuilder();
                        stop = 1;
                        while (stop < rest.Length)
                        {
                            if (rest[stop] == '\'')
                            {
                                if (stop + 1 < rest.Length && rest[stop + 1] == '\'')
                                {
                                    sb.Append('\'');
                                    stop += 2;
                                    continue;
                                }

                                stop++;
                                break;
                            }

                            sb.Append(rest[stop++]);
                        }

                        target = sb.ToString();
                    }
                    else
                    {
                        // As psql reads it, an unquoted target ends at white space or a semicolon.
                        stop = 0;
                        while (stop < rest.Length && !char.IsWhiteSpace(rest[stop]) && rest[stop] != ';')
                        {
                            stop++;
                        }

                        target = rest[..stop];
                    }

                    after = rest[stop..].Trim();
                    if (after.EndsWith(';') && !target.Equals("program", StringComparison.OrdinalIgnoreCase))
                    {
                        after = after[..^1].TrimEnd();
                    }

                    return before.Length > 0 && target.Length > 0;
                }
            }

            i++;
        }

        return false;
    }
}
