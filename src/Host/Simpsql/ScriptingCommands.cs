using System.Globalization;
using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>What \g and its variants do with the query they send.</summary>
internal enum QueryMode
{
    /// <summary>Print the results (\g, \gx, a semicolon).</summary>
    Print,

    /// <summary>Store the single row's values in variables (\gset).</summary>
    Set,

    /// <summary>Run each value of the result as a statement (\gexec).</summary>
    Execute,

    /// <summary>Describe the result's columns without running the query (\gdesc).</summary>
    Describe,
}

/// <summary>psql's scripting meta-commands: conditionals, the \g family, environment and messages.</summary>
internal sealed partial class SimpsqlSession
{
    private const string RollbackSavepoint = "pg_psql_temporary_savepoint";

    /// <summary>The \if blocks of the input being read.</summary>
    internal ConditionalStack Conditions { get; private set; } = new();

    /// <summary>Commands whose arguments are the whole rest of the line (skipped whole in a false branch).</summary>
    private static readonly HashSet<string> WholeLineCommands = new(StringComparer.Ordinal)
    {
        "!", "copy", "ef", "ev", "sf", "sf+", "sv", "sv+", "h", "help",
    };

    /// <summary>Commands whose first argument may be "|command", which takes the rest of the line.</summary>
    private static readonly HashSet<string> FilePipeCommands = new(StringComparer.Ordinal)
    {
        "g", "gx", "o", "out", "w", "write",
    };

    /// <summary>psql 15's meta-commands besides \d... and \lo_...: in a false branch these are skipped, any other is an error.</summary>
    private static readonly HashSet<string> PsqlCommands = new(StringComparer.Ordinal)
    {
        "!", "?", "a", "c", "connect", "C", "cd", "conninfo", "copy", "copyright", "crosstabview", "e", "edit", "echo",
        "ef", "ev", "encoding", "errverbose", "f", "g", "gdesc", "getenv", "gexec", "gset", "gx", "h", "help", "H", "html",
        "i", "include", "ir", "include_relative", "if", "elif", "else", "endif", "l", "list", "l+", "list+", "o", "out",
        "p", "print", "password", "prompt", "pset", "q", "quit", "qecho", "r", "reset", "s", "set", "setenv", "sf",
        "sf+", "sv", "sv+", "t", "T", "timing", "unset", "w", "write", "warn", "watch", "x", "z", "restrict", "unrestrict",
    };

    /// <summary>
    /// Skips a meta-command met in a false branch: its arguments are read as psql reads them, unexpanded.
    /// False, reported, for a command psql does not know (that is an error even there).
    /// </summary>
    private bool SkipInactiveCommand(string cmd, QueryScanner scanner)
    {
        if (!PsqlCommands.Contains(cmd) && !cmd.StartsWith('d') && !cmd.StartsWith("lo_", StringComparison.Ordinal))
        {
            LogError($"invalid command \\{cmd}", false);
            if (Interactive)
            {
                Err.Write("Try \\? for help.\n");
            }

            scanner.ReadRestOfLine();
            return false;
        }

        if (WholeLineCommands.Contains(cmd))
        {
            scanner.ReadRestOfLine();
        }
        else if (FilePipeCommands.Contains(cmd))
        {
            scanner.ReadFilePipeArgument(false);
        }

        while (scanner.ReadArgument(false) is not null)
        {
        }

        return true;
    }

    /// <summary>\if, \elif, \else and \endif; null for any other command.</summary>
    private MetaOutcome? RunConditional(string cmd, QueryScanner scanner, StringBuilder buffer)
    {
        var stack = Conditions;
        switch (cmd)
        {
            case "if":
                if (stack.Active)
                {
                    // Pushed first so that the expression's variables are expanded.
                    stack.Push(BranchState.True);
                    if (!EvaluateCondition(scanner, "\\if expression"))
                    {
                        stack.Poke(BranchState.False);
                    }
                }
                else
                {
                    SkipArgumentsUnexpanded(scanner);
                    stack.Push(BranchState.Ignored);
                }

                if (!stack.Active)
                {
                    stack.SaveQueryState(buffer.Length, scanner.ParenDepth);
                }

                return MetaOutcome.Ok;

            case "elif":
                if (stack.IsEmpty)
                {
                    LogError("\\elif: no matching \\if", false);
                    return MetaOutcome.Error;
                }

                switch (stack.Top)
                {
                    case BranchState.True:
                        SkipArgumentsUnexpanded(scanner);
                        stack.Poke(BranchState.Done);
                        stack.SaveQueryState(buffer.Length, scanner.ParenDepth);
                        return MetaOutcome.Ok;
                    case BranchState.False:
                        DiscardSkippedText(scanner, buffer);
                        stack.Poke(BranchState.True);
                        if (!EvaluateCondition(scanner, "\\elif expression"))
                        {
                            stack.Poke(BranchState.False);
                        }

                        return MetaOutcome.Ok;
                    case BranchState.Ignored:
                    case BranchState.Done:
                        SkipArgumentsUnexpanded(scanner);
                        return MetaOutcome.Ok;
                    default:
                        LogError("\\elif: cannot occur after \\else", false);
                        return MetaOutcome.Error;
                }

            case "else":
                if (stack.IsEmpty)
                {
                    LogError("\\else: no matching \\if", false);
                    return MetaOutcome.Error;
                }

                switch (stack.Top)
                {
                    case BranchState.True:
                        stack.Poke(BranchState.ElseFalse);
                        stack.SaveQueryState(buffer.Length, scanner.ParenDepth);
                        return MetaOutcome.Ok;
                    case BranchState.False:
                        DiscardSkippedText(scanner, buffer);
                        stack.Poke(BranchState.ElseTrue);
                        return MetaOutcome.Ok;
                    case BranchState.Ignored:
                    case BranchState.Done:
                        stack.Poke(BranchState.ElseFalse);
                        return MetaOutcome.Ok;
                    default:
                        LogError("\\else: cannot occur after \\else", false);
                        return MetaOutcome.Error;
                }

            case "endif":
                if (stack.IsEmpty)
                {
                    LogError("\\endif: no matching \\if", false);
                    return MetaOutcome.Error;
                }

                if (!stack.Active)
                {
                    DiscardSkippedText(scanner, buffer);
                }

                stack.Pop();
                return MetaOutcome.Ok;

            default:
                return null;
        }
    }

    /// <summary>Forgets the query text a skipped branch added, as the branch ends.</summary>
    private void DiscardSkippedText(QueryScanner scanner, StringBuilder buffer)
    {
        var (length, parenDepth) = Conditions.SavedQueryState;
        if (length <= buffer.Length)
        {
            buffer.Length = length;
        }

        scanner.ParenDepth = parenDepth;
    }

    /// <summary>Reads a condition (its words joined by spaces) and parses it as a boolean; an unknown value is reported and false.</summary>
    private bool EvaluateCondition(QueryScanner scanner, string what)
    {
        var words = new List<string>();
        while (scanner.ReadArgument() is { } word)
        {
            words.Add(word);
        }

        string expression = string.Join(' ', words);
        bool? value = VariableValues.ParseBool(expression);
        if (value is null)
        {
            LogError($"unrecognized value \"{expression}\" for \"{what}\": Boolean expected", false);
        }

        return value == true;
    }

    private static void SkipArgumentsUnexpanded(QueryScanner scanner)
    {
        while (scanner.ReadArgument(false) is not null)
        {
        }
    }

    /// <summary>\g, \gx, \gset, \gexec and \gdesc: send the query buffer (or the previous query) in a mode.</summary>
    private async Task<MetaOutcome> GoCommandAsync(string cmd, QueryScanner scanner, StringBuilder buffer)
    {
        string? target = null;
        string? prefix = null;
        PrintOptions? saved = null;
        bool ok = true;
        if (cmd is "g" or "gx")
        {
            target = scanner.ReadFilePipeArgument(true);
            if (target is not null && target.StartsWith('('))
            {
                saved = Print;
                Print = saved.Clone();
                ok = ApplyQueryPrintOptions(cmd, target[1..], scanner);
                target = scanner.ReadFilePipeArgument(true);
            }

            if (target is not null && !target.StartsWith('|'))
            {
                target = ExpandTilde(target);
            }

            if (cmd == "gx" && ok)
            {
                saved ??= Print;
                Print = Print == saved ? saved.Clone() : Print;
                Print.Expanded = ExpandedMode.On;
            }
        }
        else if (cmd == "gset")
        {
            prefix = scanner.ReadArgument();
        }

        try
        {
            if (!ok)
            {
                scanner.ReadRestOfLine();
                return MetaOutcome.Error;
            }

            WarnExtraArguments(cmd, scanner);
            string sql = buffer.ToString();
            buffer.Clear();
            scanner.Reset();
            if (sql.Length == 0)
            {
                sql = PreviousBuffer;
            }

            if (sql.Length == 0)
            {
                return MetaOutcome.Ok;
            }

            var mode = cmd switch
            {
                "gset" => QueryMode.Set,
                "gexec" => QueryMode.Execute,
                "gdesc" => QueryMode.Describe,
                _ => QueryMode.Print,
            };
            bool sent = await SendQueryAsync(sql, mode, target, prefix).ConfigureAwait(false);
            return sent ? MetaOutcome.Ok : MetaOutcome.Error;
        }
        finally
        {
            if (saved is not null)
            {
                Print = saved;
            }
        }
    }

    /// <summary>
    /// The "(name=value ...)" print options of \g: applied to the current (copied) options, up to the closing
    /// parenthesis; false after reporting an unknown option, a bad value or a missing parenthesis.
    /// </summary>
    private bool ApplyQueryPrintOptions(string cmd, string first, QueryScanner scanner)
    {
        bool ok = true;
        string? option = first;
        while (true)
        {
            if (option is null)
            {
                option = scanner.ReadArgument();
                if (option is null)
                {
                    LogError($"\\{cmd}: missing right parenthesis", false);
                    return false;
                }
            }

            bool last = option.EndsWith(')');
            if (last)
            {
                option = option[..^1];
            }

            if (option.Length > 0)
            {
                int eq = option.IndexOf('=', StringComparison.Ordinal);
                ok &= eq < 0 ? Pset(option, null, true) : Pset(option[..eq], option[(eq + 1)..], true);
            }

            if (last)
            {
                return ok;
            }

            option = null;
        }
    }

    /// <summary>
    /// Sends one query string as psql's SendQuery does: BEGIN first when AUTOCOMMIT is off, a savepoint around it
    /// with ON_ERROR_ROLLBACK, its results handled by <paramref name="mode"/>, and ERROR, SQLSTATE, ROW_COUNT and
    /// LAST_ERROR_* set from its last result. False when it failed.
    /// </summary>
    internal async Task<bool> SendQueryAsync(string sql, QueryMode mode, string? target = null, string? gsetPrefix = null)
    {
        if (SingleStep)
        {
            // psql's single-step mode: the query is shown and sent only after a line that does not
            // start with x is read from standard input (two characters of it, as psql reads them).
            FlushAll();
            _stdoutText.Write("***(Single step mode: verify command)*******************************************\n");
            _stdoutText.Write(sql);
            _stdoutText.Write("\n***(press return to proceed or enter x and return to cancel)********************\n");
            _stdoutText.Flush();
            if (TypedInput?.ReadStdinChars(2) is ['x', ..])
            {
                AnyError = true;
                return false;
            }
        }
        else
        {
            EchoQuery(sql);
        }

        LogQuery(sql);
        _previousBuffer = sql;
        bool ok = await SendWithTransactionHandlingAsync(sql, mode, target, gsetPrefix).ConfigureAwait(false);
        if (!ok)
        {
            AnyError = true;
            EchoFailedQuery(sql);
        }

        return ok;
    }

    private Task<bool> SendWithTransactionHandlingAsync(string sql, QueryMode mode, string? target, string? gsetPrefix) =>
        WithTransactionHandlingAsync(sql, async () => mode switch
        {
            QueryMode.Describe => await DescribeQueryAsync(sql).ConfigureAwait(false),
            _ => await RunModeAsync(sql, mode, target, gsetPrefix).ConfigureAwait(false),
        });

    /// <summary>
    /// Runs <paramref name="run"/> (which sends <paramref name="sql"/>) inside what psql's SendQuery puts around
    /// a query: BEGIN first when AUTOCOMMIT is off and the statement can run in a transaction, and with
    /// ON_ERROR_ROLLBACK a savepoint that is rolled back to when it fails. The COPY of \copy goes through
    /// it too, as psql sends that through SendQuery.
    /// </summary>
    internal async Task<bool> WithTransactionHandlingAsync(string sql, Func<Task<(bool Ok, string? LastTag)>> run)
    {
        if (Client.TransactionStatus == TransactionStatus.Idle && VariableValues.ParseBool(GetVariable("AUTOCOMMIT")) == false
            && !TransactionControl.CannotRunInTransaction(sql))
        {
            if (await RunInternalAsync("BEGIN").ConfigureAwait(false) is { } beginError)
            {
                LogError(beginError, false);
                return false;
            }
        }

        bool savepoint = false;
        string rollbackMode = GetVariable("ON_ERROR_ROLLBACK") ?? "off";
        bool rollbackOn = rollbackMode.Equals("interactive", StringComparison.OrdinalIgnoreCase) ? Interactive : VariableValues.ParseBool(rollbackMode) == true;
        if (Client.TransactionStatus == TransactionStatus.InTransaction && rollbackOn)
        {
            if (await RunInternalAsync($"SAVEPOINT {RollbackSavepoint}").ConfigureAwait(false) is { } savepointError)
            {
                LogError(savepointError, false);
                return false;
            }

            savepoint = true;
        }

        var (ok, lastTag) = await run().ConfigureAwait(false);

        if (savepoint)
        {
            string? release = Client.TransactionStatus switch
            {
                TransactionStatus.Failed => $"ROLLBACK TO {RollbackSavepoint}",
                TransactionStatus.InTransaction when lastTag is not ("COMMIT" or "SAVEPOINT" or "RELEASE" or "ROLLBACK") => $"RELEASE {RollbackSavepoint}",
                _ => null,
            };
            if (release is not null && await RunInternalAsync(release).ConfigureAwait(false) is { } releaseError)
            {
                LogError(releaseError, false);
                return false;
            }
        }

        return ok;
    }

    private async Task<(bool Ok, string? LastTag)> RunModeAsync(string sql, QueryMode mode, string? target, string? gsetPrefix)
    {
        if (UsesCursor(sql, mode))
        {
            return await RunWithCursorAsync(sql, mode, target, gsetPrefix).ConfigureAwait(false);
        }

        QueryOutputTarget? output = null;
        if (target is not null)
        {
            FlushAll();
            output = new QueryOutputTarget(target, InheritStreams ? null : _stdout, message => LogError(message, false), Codec.WriterEncoding, _environmentOverrides);
        }

        var observer = new ResultObserver(this, sql) { CaptureRows = mode is QueryMode.Set or QueryMode.Execute, TableTarget = output };
        bool ok;
        try
        {
            ok = await ExecuteAsync(sql, observer, Cancellation).ConfigureAwait(false);
        }
        finally
        {
            output?.Dispose();
        }

        if (ok && mode == QueryMode.Set && observer.Captured is { } captured
            && !StoreRow(captured.Columns, captured.Rows, gsetPrefix ?? ""))
        {
            // As psql: a \gset that stores nothing leaves the result variables as they were.
            return (false, observer.LastTag);
        }

        if (!observer.OutputFailed)
        {
            SetResultVariables(observer);
        }

        if (ok && mode == QueryMode.Execute && observer.Captured is { } rows)
        {
            ok = await ExecuteValuesAsync(rows.Rows).ConfigureAwait(false);
        }

        return (ok, observer.LastTag);
    }

    /// <summary>\gset: the one row's values become variables named PREFIX + column; a null value unsets one.</summary>
    private bool StoreRow(IReadOnlyList<ResultColumn> columns, List<string?[]> rows, string prefix)
    {
        if (rows.Count == 0)
        {
            LogError("no rows returned for \\gset", false);
            return false;
        }

        if (rows.Count > 1)
        {
            LogError("more than one row returned for \\gset", false);
            return false;
        }

        for (int i = 0; i < columns.Count; i++)
        {
            string name = prefix + columns[i].Name;
            if (SpecialVariable.All.ContainsKey(name))
            {
                LogError($"attempt to \\gset into specially treated variable \"{name}\" ignored", false, "warning");
                continue;
            }

            if (!SetVariable(name, rows[0][i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>\gexec: each non-null value, row by row and left to right, is sent as a query of its own.</summary>
    private async Task<bool> ExecuteValuesAsync(List<string?[]> rows)
    {
        // The statements run do not become the previous query: \g after \gexec repeats the \gexec query.
        string previous = _previousBuffer;
        try
        {
            return await ExecuteEachAsync(rows).ConfigureAwait(false);
        }
        finally
        {
            _previousBuffer = previous;
        }
    }

    private async Task<bool> ExecuteEachAsync(List<string?[]> rows)
    {
        bool ok = true;
        foreach (var row in rows)
        {
            foreach (var value in row)
            {
                if (value is null)
                {
                    continue;
                }

                if (string.Equals(GetVariable("ECHO"), "all", StringComparison.OrdinalIgnoreCase))
                {
                    OutText.Write(value);
                    OutText.Write('\n');
                    FlushAll();
                }

                if (!await SendQueryAsync(value, QueryMode.Print).ConfigureAwait(false))
                {
                    ok = false;
                    if (OnErrorStop)
                    {
                        return false;
                    }
                }
            }
        }

        return ok;
    }

    /// <summary>\gdesc: the name and type of each column the query would return, without running it.</summary>
    private async Task<(bool Ok, string? LastTag)> DescribeQueryAsync(string sql)
    {
        var describe = new DescribeObserver();
        await OrConnectionLostAsync(Client.DescribeAsync(sql, describe, Cancellation)).ConfigureAwait(false);

        if (describe.Error is { } error)
        {
            ReportServerMessage(error, sql, true);
            SetErrorVariables(error);
            return (false, null);
        }

        if (describe.Fields is not { Count: > 0 } fields)
        {
            OutText.Write("The command has no result, or the result has no columns.\n");
            FlushAll();
            SetSuccessVariables("0");
            return (true, null);
        }

        var query = new StringBuilder("SELECT name AS \"Column\", pg_catalog.format_type(tp, tpm) AS \"Type\"\nFROM (VALUES ");
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            query.Append(i == 0 ? "" : ",")
                .Append('(').Append(QueryScanner.QuoteLiteral(f.Name).TrimStart())
                .Append(", ").Append(f.TypeOid.ToString(CultureInfo.InvariantCulture))
                .Append(", ").Append(f.TypeModifier.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        query.Append(") s(name, tp, tpm)");
        var observer = new ResultObserver(this, query.ToString());
        bool ok = await ExecuteAsync(query.ToString(), observer, Cancellation).ConfigureAwait(false);
        SetResultVariables(observer);
        return (ok, observer.LastTag);
    }

    /// <summary>
    /// Waits for a statement simpsql runs on its own; a lost connection is reported as psql reports
    /// it and ends the session (exit code 2).
    /// </summary>
    private async Task OrConnectionLostAsync(Task statement)
    {
        try
        {
            await statement.ConfigureAwait(false);
        }
        catch (PgConnectionException ex)
        {
            FlushAll();
            LogError(ex.Message.TrimEnd('\n'), true);
            LogError("connection to server was lost", false);
            throw new StopException(2);
        }
    }

    /// <summary>
    /// A statement run on simpsql's own behalf, as psql's PSQLexec runs one (the BEGIN and COMMIT of
    /// -1): shown first with ECHO_HIDDEN, its error printed; false when it failed or was not run
    /// (ECHO_HIDDEN noexec).
    /// </summary>
    internal async Task<bool> RunHiddenStatementAsync(string sql)
    {
        if (!ShowHiddenQuery(sql))
        {
            return false;
        }

        if (await RunInternalAsync(sql, showNotices: true).ConfigureAwait(false) is { } error)
        {
            LogError(error, false);
            return false;
        }

        return true;
    }

    /// <summary>Runs a statement of simpsql's own (BEGIN, savepoints) without printing it; its error message, or null.</summary>
    private async Task<string?> RunInternalAsync(string sql, bool showNotices = false)
    {
        var observer = new DescribeObserver { Notices = showNotices ? notice => ReportServerMessage(notice, null, false) : null };
        await OrConnectionLostAsync(Client.ExecuteAsync(sql, observer, Cancellation)).ConfigureAwait(false);
        return observer.Error is { } error ? ErrorFormatter.Format(error, null, true) : null;
    }

    /// <summary>ERROR, SQLSTATE and ROW_COUNT after a query, and LAST_ERROR_* when it failed.</summary>
    internal void SetResultVariables(ResultObserver observer)
    {
        if (observer.LastError is { } error)
        {
            SetErrorVariables(error);
        }
        else
        {
            SetSuccessVariables(RowCount(observer.LastTag));
        }
    }

    private void SetSuccessVariables(string rowCount)
    {
        _variables["ERROR"] = "false";
        _variables["SQLSTATE"] = "00000";
        _variables["ROW_COUNT"] = rowCount;
    }

    private void SetErrorVariables(PostgresErrorFields error)
    {
        _variables["ERROR"] = "true";
        _variables["SQLSTATE"] = error.SqlState;
        _variables["ROW_COUNT"] = "0";
        _variables["LAST_ERROR_MESSAGE"] = error.Message;
        _variables["LAST_ERROR_SQLSTATE"] = error.SqlState;
    }

    /// <summary>The number of rows a command tag reports (as libpq's PQcmdTuples), "0" when it reports none.</summary>
    private static string RowCount(string? tag)
    {
        if (tag is null)
        {
            return "0";
        }

        string[] words = tag.Split(' ');
        bool counts = words[0] is "SELECT" or "UPDATE" or "DELETE" or "MERGE" or "MOVE" or "FETCH" or "COPY"
            || (words[0] == "INSERT" && words.Length == 3);
        return counts && words.Length > 1 && words[^1].All(char.IsAsciiDigit) ? words[^1] : "0";
    }

    /// <summary>\setenv NAME [VALUE]: sets or, without a value, unsets an environment variable.</summary>
    private MetaOutcome SetEnvironmentCommand(QueryScanner scanner)
    {
        string? name = scanner.ReadArgument();
        string? value = scanner.ReadArgument();
        if (name is null)
        {
            LogError("\\setenv: missing required argument", false);
            return MetaOutcome.Error;
        }

        if (name.Contains('=', StringComparison.Ordinal))
        {
            LogError("\\setenv: environment variable name must not contain \"=\"", false);
            return MetaOutcome.Error;
        }

        _environmentOverrides[name] = value;
        System.Environment.SetEnvironmentVariable(name, value);
        return MetaOutcome.Ok;
    }

    /// <summary>\getenv VAR ENVVAR: copies an environment variable into a variable; an unset one changes nothing.</summary>
    private MetaOutcome GetEnvironmentCommand(QueryScanner scanner)
    {
        string? name = scanner.ReadArgument();
        string? envName = scanner.ReadArgument();
        if (name is null || envName is null)
        {
            LogError("\\getenv: missing required argument", false);
            return MetaOutcome.Error;
        }

        string? value = _env.GetVariable(envName);
        return value is null || SetVariable(name, value) ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    /// <summary>\echo, \qecho and \warn: the arguments joined by spaces; an unquoted first "-n" drops the newline.</summary>
    private MetaOutcome EchoCommand(string cmd, QueryScanner scanner)
    {
        var text = new StringBuilder();
        bool newline = true;
        bool first = true;
        bool any = false;
        while (scanner.ReadArgument() is { } arg)
        {
            if (first && arg == "-n" && !scanner.LastArgumentQuoted)
            {
                newline = false;
                first = false;
                continue;
            }

            if (any)
            {
                text.Append(' ');
            }

            first = false;
            any = true;
            text.Append(arg);
        }

        if (newline)
        {
            text.Append('\n');
        }

        if (cmd == "warn")
        {
            FlushAll();
            Err.Write(text.ToString());
            Err.Flush();
        }
        else
        {
            (cmd == "echo" ? _stdoutText : OutText).Write(text.ToString());
        }

        return MetaOutcome.Ok;
    }

    /// <summary>Takes the results of a statement without printing them: its columns and its error.</summary>
    private sealed class DescribeObserver : IQueryObserver
    {
        public IReadOnlyList<FieldDescription>? Fields { get; private set; }

        public PostgresErrorFields? Error { get; private set; }

        public void OnRowDescription(RowDescription description) => Fields = description.Fields;

        public void OnRow(ReadOnlySpan<byte> dataRow)
        {
        }

        public void OnCommandComplete(CommandComplete complete)
        {
        }

        public void OnEmptyQuery()
        {
        }

        public void OnError(PostgresErrorFields error) => Error ??= error;

        /// <summary>Where notices go; dropped when null.</summary>
        public Action<PostgresErrorFields>? Notices { get; init; }

        public void OnNotice(PostgresErrorFields notice) => Notices?.Invoke(notice);

        public void OnCopyOutStart(CopyResponse response)
        {
        }

        public void OnCopyOutData(ReadOnlySpan<byte> data)
        {
        }

        public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("COPY FROM STDIN is not expected here");
    }
}
