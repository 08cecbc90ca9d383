using System.Globalization;
using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Simpsql;

internal enum MetaOutcome
{
    Ok,
    Error,
    Quit,

    /// <summary>The query buffer came back from the editor: it is read again as input (psql's PSQL_CMD_NEWEDIT).</summary>
    NewEdit,
}

internal sealed partial class SimpsqlSession
{
    internal async Task<MetaOutcome> RunBackslashAsync(QueryScanner scanner, StringBuilder buffer)
    {
        string cmd = scanner.ReadCommandName();
        if (RestrictedRefusal(cmd) is { } refusal)
        {
            // As psql: before anything else, \if and its kin too.
            LogError(refusal, false);
            return FinishCommand(cmd, scanner, MetaOutcome.Error);
        }

        if (RunConditional(cmd, scanner, buffer) is { } conditional)
        {
            return FinishCommand(cmd, scanner, conditional);
        }

        if (!Conditions.Active)
        {
            // In a skipped branch commands do nothing, and say nothing.
            return SkipInactiveCommand(cmd, scanner) ? MetaOutcome.Ok : MetaOutcome.Error;
        }

        if (cmd is "g" or "gx" or "gset" or "gexec" or "gdesc")
        {
            // These read their own arguments and report extra ones before the query runs.
            return await GoCommandAsync(cmd, scanner, buffer).ConfigureAwait(false);
        }

        MetaOutcome outcome;
        try
        {
            outcome = await RunCommandAsync(cmd, scanner, buffer).ConfigureAwait(false);
        }
        catch (StopException)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or FormatException)
        {
            LogError(ex.Message, false);
            outcome = MetaOutcome.Error;
        }

        return FinishCommand(cmd, scanner, outcome);
    }

    /// <summary>
    /// After a command, as psql: arguments it did not take are reported and ignored (unexpanded); after an
    /// error the rest of the line is thrown away.
    /// </summary>
    private MetaOutcome FinishCommand(string cmd, QueryScanner scanner, MetaOutcome outcome)
    {
        if (outcome == MetaOutcome.Error)
        {
            scanner.ReadRestOfLine();
        }
        else if (outcome is MetaOutcome.Ok or MetaOutcome.NewEdit)
        {
            WarnExtraArguments(cmd, scanner);
        }

        return outcome;
    }

    private void WarnExtraArguments(string cmd, QueryScanner scanner)
    {
        while (scanner.ReadArgument(false) is { } extra)
        {
            if (Conditions.Active)
            {
                LogError($"\\{cmd}: extra argument \"{extra}\" ignored", false, "warning");
            }
        }
    }

    private async Task<MetaOutcome> RunCommandAsync(string cmd, QueryScanner scanner, StringBuilder buffer)
    {
        switch (cmd)
        {
            case "q":
            case "quit":
                return MetaOutcome.Quit;
            case "sf":
            case "sf+":
            case "sv":
            case "sv+":
                return await ShowDefinitionAsync(cmd, scanner).ConfigureAwait(false);
            case "e":
            case "edit":
                return EditCommand(scanner, buffer);
            case "ef":
            case "ev":
                return await EditDefinitionCommandAsync(cmd == "ef", scanner, buffer).ConfigureAwait(false);
            case "crosstabview":
                return await CrosstabCommandAsync(scanner, buffer).ConfigureAwait(false);
            case "r":
            case "reset":
                buffer.Clear();
                scanner.Reset();
                Info("Query buffer reset (cleared).");
                return MetaOutcome.Ok;
            case "p":
            case "print":
                if (buffer.Length > 0 || PreviousBuffer.Length > 0)
                {
                    OutText.Write((buffer.Length > 0 ? buffer.ToString() : PreviousBuffer) + "\n");
                }
                else
                {
                    Info("Query buffer is empty.");
                }

                return MetaOutcome.Ok;
            case "echo":
            case "qecho":
            case "warn":
                return EchoCommand(cmd, scanner);
            case "setenv":
                return SetEnvironmentCommand(scanner);
            case "getenv":
                return GetEnvironmentCommand(scanner);

            case "set":
                {
                    string? name = scanner.ReadArgument();
                    if (name is null)
                    {
                        foreach (var (k, v) in _variables.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                        {
                            OutText.Write($"{k} = '{v}'\n");
                        }

                        return MetaOutcome.Ok;
                    }

                    var value = new StringBuilder();
                    while (scanner.ReadArgument() is { } part)
                    {
                        value.Append(part);
                    }

                    return SetVariable(name, value.ToString()) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "unset":
                {
                    string? name = scanner.ReadArgument();
                    if (name is null)
                    {
                        LogError("\\unset: missing required argument", false);
                        return MetaOutcome.Error;
                    }

                    return SetVariable(name, null) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "timing":
                {
                    string? arg = scanner.ReadArgument();
                    Timing = arg is null ? !Timing : IsTrue(arg);
                    Info(Timing ? "Timing is on." : "Timing is off.");
                    return MetaOutcome.Ok;
                }

            case "x":
                {
                    string? arg = scanner.ReadArgument();
                    return Pset("expanded", arg, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "a":
                return Pset("format", Print.Format == OutputFormat.Aligned ? "unaligned" : "aligned", false) ? MetaOutcome.Ok : MetaOutcome.Error;
            case "t":
                {
                    string? arg = scanner.ReadArgument();
                    return Pset("tuples_only", arg, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "pset":
                {
                    string? name = scanner.ReadArgument();
                    string? value = scanner.ReadArgument();
                    if (name is null)
                    {
                        PsetList();
                        return MetaOutcome.Ok;
                    }

                    return Pset(name, value, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "f":
                {
                    string? arg = scanner.ReadArgument();
                    return Pset("fieldsep", arg, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "C":
                {
                    string? arg = scanner.ReadArgument();
                    return Pset("title", arg, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }

            case "H":
            case "html":
                scanner.SkipArguments();
                return Pset("format", Print.Format == OutputFormat.Html ? "aligned" : "html", false) ? MetaOutcome.Ok : MetaOutcome.Error;
            case "T":
                {
                    string? arg = scanner.ReadArgument();
                    scanner.SkipArguments();
                    return Pset("tableattr", arg, false) ? MetaOutcome.Ok : MetaOutcome.Error;
                }
            case "lo_import":
            case "lo_export":
            case "lo_unlink":
                return await LargeObjectCommandAsync(cmd, scanner).ConfigureAwait(false);
            case "encoding":
                return await EncodingCommandAsync(scanner.ReadArgument()).ConfigureAwait(false);
            case "conninfo":
                PrintConnInfo();
                return MetaOutcome.Ok;
            case "i":
            case "include":
            case "ir":
            case "include_relative":
                {
                    string? file = scanner.ReadArgument();
                    if (file is null)
                    {
                        LogError($"\\{cmd}: missing required argument", false);
                        return MetaOutcome.Error;
                    }

                    file = ExpandTilde(file);
                    if (cmd.StartsWith("ir", StringComparison.Ordinal) || cmd == "include_relative")
                    {
                        if (_currentFile is not null && !Path.IsPathRooted(file))
                        {
                            file = Path.Combine(Path.GetDirectoryName(_currentFile) ?? ".", file);
                        }
                    }

                    int rc = await RunFileAsync(file, _currentInput).ConfigureAwait(false);
                    return rc == 0 ? MetaOutcome.Ok : rc == 3 ? throw new StopException(3) : MetaOutcome.Error;
                }

            case "o":
            case "out":
                {
                    string? target = scanner.ReadFilePipeArgument(true);
                    FlushAll();
                    if (target is null)
                    {
                        ResetRedirect();
                    }
                    else if (!RedirectTo(target, out string? error))
                    {
                        if (error is not null)
                        {
                            LogError(error, false);
                        }

                        return MetaOutcome.Error;
                    }

                    return MetaOutcome.Ok;
                }

            case "c":
            case "connect":
                return await ConnectCommandAsync(scanner).ConfigureAwait(false);
            case "watch":
                return await WatchCommandAsync(scanner, buffer).ConfigureAwait(false);
            case "errverbose":
                return ErrVerboseCommand();
            case "copy":
                return await CopyCommand.RunAsync(this, scanner.ReadRestOfLine()).ConfigureAwait(false);
            case "?":
                HelpCommand(scanner);
                return MetaOutcome.Ok;
            case "h":
            case "help":
                WriteSqlHelp(scanner.ReadRestOfLine().Trim().TrimEnd(';', ' ', '\t'));
                return MetaOutcome.Ok;
            case "!":
                return ShellCommand(scanner);
            case "w":
            case "write":
                return WriteBufferCommand(cmd, scanner, buffer);
            case "prompt":
                return PromptCommand(cmd, scanner);
            case "password":
                return await PasswordCommandAsync(scanner).ConfigureAwait(false);
            case "cd":
                return ChangeDirectoryCommand(cmd, scanner);
            case "s":
                return HistoryCommand(scanner);
            case "copyright":
                CopyrightCommand();
                return MetaOutcome.Ok;
            case "restrict":
            case "unrestrict":
                return RestrictCommand(cmd, scanner);
        }

        if (cmd is "list" or "list+")
        {
            // psql's long name for \l.
            cmd = cmd == "list" ? "l" : "l+";
        }

        if (cmd.StartsWith('d') || cmd.StartsWith('l') || cmd == "z")
        {
            string args = scanner.ReadRestOfLine().Trim();
            bool? handled = await PgWire.Host.Psql.Describe.DescribeCommands.TryRunAsync(cmd, args, this, Cancellation).ConfigureAwait(false);
            if (handled is not null)
            {
                FlushAll();
                return handled.Value ? MetaOutcome.Ok : MetaOutcome.Error;
            }
        }
        else
        {
            scanner.SkipArguments();
        }

        LogError($"invalid command \\{cmd}", false);
        if (Interactive)
        {
            Err.Write("Try \\? for help.\n");
        }

        return MetaOutcome.Error;
    }

    /// <summary>Creates or truncates a file for query results (\o, -o); null with psql's "FILE: reason" when it cannot.</summary>
    internal static FileStream? OpenOutputFile(string path, out string? error)
    {
        try
        {
            error = null;
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = Directory.Exists(path) ? "Is a directory"
                : ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
                : ex is UnauthorizedAccessException ? "Permission denied"
                : ex.Message;
            error = $"{path}: {reason}";
            return null;
        }
    }

    /// <summary>\h: the list of SQL commands, or links to the documentation of the commands a topic names.</summary>
    private void WriteSqlHelp(string topic)
    {
        // Like psql, on standard output even while \o sends query results elsewhere.
        var output = _stdoutText;
        if (topic.Length == 0)
        {
            // psql reckons the list's rows and its heading.
            string list = SqlHelp.List(StdoutWidth());
            WritePaged(list, CountLines(list), output);
            return;
        }

        var commands = SqlHelp.Find(topic);
        if (commands.Count == 0)
        {
            output.Write($"No help available for \"{topic}\".\nTry \\h with no arguments to see available help.\n");
            return;
        }

        int width = commands.Max(c => c.Name.Length) + 2;
        var text = new StringBuilder();
        foreach (var (name, page) in commands)
        {
            text.Append(name.PadRight(width));
            text.Append(SqlHelp.Url(page, Client.Session.ServerVersionNumber));
            text.Append('\n');
        }

        WritePaged(text.ToString(), commands.Count, output);
    }

    /// <summary>The number of lines of a text as psql counts them: a last line without a newline counts too.</summary>
    internal static int CountLines(string text)
    {
        int lines = 0;
        int at = 0;
        while (at < text.Length)
        {
            lines++;
            int end = text.IndexOf('\n', at);
            if (end < 0)
            {
                break;
            }

            at = end + 1;
        }

        return lines;
    }

    /// <summary>The terminal's width when standard output is one, else 80, as psql assumes.</summary>
    private static int StdoutWidth()
    {
        if (Console.IsOutputRedirected)
        {
            return 80;
        }

        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            return 80;
        }
    }

    private void Info(string text)
    {
        if (!Quiet)
        {
            OutText.Write(text);
            OutText.Write('\n');
        }
    }

    private void PrintConnInfo()
    {
        var s = Client.Session;
        string port = s.Port.ToString(CultureInfo.InvariantCulture);
        if (s.IsUnixSocket)
        {
            OutText.Write($"You are connected to database \"{s.Database}\" as user \"{s.User}\" via socket in \"{s.Host}\" at port \"{port}\".\n");
        }
        else
        {
            OutText.Write($"You are connected to database \"{s.Database}\" as user \"{s.User}\" on host \"{s.Host}\" at port \"{port}\".\n");
        }

        PrintSslInfo();
    }

    internal void PrintSslInfo()
    {
        var s = Client.Session;
        if (s.TlsProtocol is not null)
        {
            OutText.Write($"SSL connection (protocol: {TlsName(s.TlsProtocol)}, cipher: {s.TlsCipher}, compression: off)\n");
        }
    }

    internal static string TlsName(string protocol) => protocol switch
    {
        "Tls13" => "TLSv1.3",
        "Tls12" => "TLSv1.2",
        "Tls11" => "TLSv1.1",
        "Tls" => "TLSv1",
        _ => protocol,
    };

    private async Task<MetaOutcome> ConnectCommandAsync(QueryScanner scanner)
    {
        var args = new List<string>();
        while (scanner.ReadArgument() is { } a)
        {
            args.Add(a);
        }

        var old = Client.Session;
        string? connInfo = null;
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["host"] = old.Host,
            ["port"] = old.Port.ToString(CultureInfo.InvariantCulture),
            ["user"] = old.User,
            ["dbname"] = old.Database,
        };
        if (args.Count > 0 && (args[0].Contains('=', StringComparison.Ordinal) || args[0].StartsWith("postgresql://", StringComparison.Ordinal) || args[0].StartsWith("postgres://", StringComparison.Ordinal)))
        {
            connInfo = args[0];
            overrides.Remove("dbname");
        }
        else
        {
            string[] keys = ["dbname", "user", "host", "port"];
            for (int i = 0; i < args.Count && i < keys.Length; i++)
            {
                if (args[i] != "-")
                {
                    overrides[keys[i]] = args[i];
                }
            }
        }

        // As psql: the password typed for the current connection is offered again when user, host and port stay.
        bool samePlace = connInfo is null && overrides["user"] == old.User && overrides["host"] == old.Host
            && overrides["port"] == old.Port.ToString(CultureInfo.InvariantCulture);
        var client = await ReconnectAsync(connInfo, overrides, samePlace).ConfigureAwait(false);
        if (client is null)
        {
            if (!Interactive)
            {
                throw new StopException(2);
            }

            Err.Write("Previous connection kept\n");
            return MetaOutcome.Error;
        }

        var s = client.Session;
        if (!Quiet)
        {
            if (s.Host != old.Host || s.Port != old.Port)
            {
                string where = s.IsUnixSocket ? $"via socket in \"{s.Host}\"" : $"on host \"{s.Host}\"";
                OutText.Write($"You are now connected to database \"{s.Database}\" as user \"{s.User}\" {where} at port \"{s.Port.ToString(CultureInfo.InvariantCulture)}\".\n");
            }
            else
            {
                OutText.Write($"You are now connected to database \"{s.Database}\" as user \"{s.User}\".\n");
            }

            if (Interactive)
            {
                PrintSslInfo();
            }
        }

        return MetaOutcome.Ok;
    }

    /// <summary>
    /// \encoding: without an argument prints the client encoding; with one, asks the server to change it (as
    /// libpq's PQsetClientEncoding does, with "auto" meaning the locale's encoding) and follows what it reports.
    /// </summary>
    private async Task<MetaOutcome> EncodingCommandAsync(string? name)
    {
        if (name is null)
        {
            // psql puts() it: standard output, not \o's file.
            _stdoutText.Write(Codec.Encoding.Name + "\n");
            return MetaOutcome.Ok;
        }

        string requested = name == "auto" ? PgEncoding.FromLocale(_env)?.Name ?? "" : name;
        var observer = new TextRowsObserver(Codec.Decoding);
        bool ok = requested.Length <= 100;
        if (ok)
        {
            await Client.ExecuteAsync($"set client_encoding to '{requested}'", observer, Cancellation).ConfigureAwait(false);
            ok = observer.Error is null;
        }

        if (!ok)
        {
            // Reported, but not a failed command (psql goes on as after a success).
            LogError($"{name}: invalid encoding name or conversion procedure not found", false);
            return MetaOutcome.Ok;
        }

        SyncEncoding(true);
        return MetaOutcome.Ok;
    }
}
