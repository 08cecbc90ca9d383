using System.Text;
using Akka.Actor;
using PgWire.Actors;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Host.Terminal;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Simpsql;

/// <summary>The standard streams and environment a run uses.</summary>
public sealed record SimpsqlConsole(TextReader Stdin, Stream Stdout, TextWriter Stderr, bool Interactive, ISettingsEnvironment? Environment = null)
{
    /// <summary>Asks for a password on the terminal without echo; null, or a NoTerminal answer, falls back to standard input.</summary>
    public Func<string, (PasswordPromptResult Result, string Password)>? PasswordPrompt { get; init; }

    /// <summary>Asks for a line on the terminal with echo (\prompt); null, or a NoTerminal answer, falls back to standard input.</summary>
    public Func<string, (PasswordPromptResult Result, string Line)>? LinePrompt { get; init; }

    /// <summary>The process exits when the run returns, so the actor system is not shut down first.</summary>
    public bool ExitsAfterRun { get; init; }

    /// <summary>
    /// The actor system of the run, already being started (by the process entry, on a thread of its
    /// own); null starts one when it is needed.
    /// </summary>
    public Task<ActorSystem>? SystemStart { get; init; }

    /// <summary>Standard input and output are the process's own and terminals (for the pager and the output width).</summary>
    public bool StdinIsTerminal { get; init; }

    public bool StdoutIsTerminal { get; init; }

    /// <summary>
    /// Reading <see cref="Stdin"/> never waits for a writer (a regular file, text in memory): the statements
    /// of a script on it may be read and sent ahead of the results being printed. Not for a terminal or a
    /// pipe, whose writer may wait for the output first.
    /// </summary>
    public bool StdinReadsAhead { get; init; }

    /// <summary>Called with the session when it has ended (tests read what it counted).</summary>
    internal Action<SimpsqlSession>? Finished { get; init; }

    /// <summary>Called once the first connection is established.</summary>
    public Action? Connected { get; init; }

    /// <summary>Work for the main thread while it waits for the actor system (first uses of the standard streams).</summary>
    public Action? WhileSystemStarts { get; init; }

    /// <summary>
    /// The session's client encoding; <see cref="Stderr"/> and <see cref="Stdin"/>, when they carry bytes,
    /// should use it (<see cref="ClientCodec.WriterEncoding"/>, <see cref="StdinBytes"/>).
    /// </summary>
    public ClientCodec Codec { get; init; } = new();

    /// <summary>
    /// <see cref="Stdin"/>'s chars are bytes (read as Latin1): its lines are taken in the client encoding, byte for
    /// byte, as psql takes them. Otherwise its chars are characters, passed on as their UTF-8 bytes.
    /// </summary>
    public bool StdinBytes { get; init; }
}

/// <summary><c>pgwire simpsql</c>: a psql-compatible command-line client.</summary>
public static class SimpsqlCommand
{
    public const string Version = "0.1";

    /// <summary>
    /// The runtime's switch that runs socket completions on the thread that polls the sockets
    /// instead of queueing them to the thread pool. simpsql has one connection and waits for each
    /// result, so a hand-off per read is pure cost. It is read once, when the first socket
    /// operation starts; it is removed again once connected, so that programs simpsql starts do
    /// not inherit it.
    /// </summary>
    private const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> RunAsync(string[] args)
    {
        SystemTrustStore.Ignore();
        bool inherited = Environment.GetEnvironmentVariable(InlineSocketCompletions) is not null;
        if (!inherited)
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
        }

        // The actor system starts first thing on a thread of its own (the thread pool's few threads
        // are soon taken by the early connection and the warm-up): it needs nothing from the
        // arguments, and its start (the configuration parsed, its threads and guardians) is the
        // longest step before the first statement, so it overlaps the standard streams, the
        // arguments, the connection settings and the early connection. A run that ends before
        // connecting (--help, a usage error) leaves it unused as the process exits.
        var systemStart = StartSystem();
        bool interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var stdoutStream = Console.OpenStandardOutput();
        using var stdout = new BufferedStream(stdoutStream, 64 * 1024);
        var codec = new ClientCodec();
        var stderr = new StreamWriter(Console.OpenStandardError(), codec.WriterEncoding) { AutoFlush = true, NewLine = "\n" };
        var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.Latin1, false, 64 * 1024);
        var console = new SimpsqlConsole(stdin, stdout, stderr, interactive)
        {
            Codec = codec,
            StdinBytes = true,
            PasswordPrompt = prompt => (TerminalPassword.Read(prompt, out string password), password),
            LinePrompt = prompt => (TerminalPassword.Read(prompt, true, out string line), line),
            ExitsAfterRun = true,
            SystemStart = systemStart,
            // The console's first write sets up the terminal and signal handling: an empty write
            // does it before the first result is printed.
            WhileSystemStarts = () => stdoutStream.Write(ReadOnlySpan<byte>.Empty),
            StdinIsTerminal = TerminalDevice.IsTerminal(0),
            StdinReadsAhead = TerminalDevice.IsSeekable(0),
            StdoutIsTerminal = TerminalDevice.IsTerminal(1),
            Connected = inherited ? null : () => Environment.SetEnvironmentVariable(InlineSocketCompletions, null),
        };
        int rc = await RunAsync(args, console).ConfigureAwait(false);
        stdout.Flush();
        return rc;
    }

    public static async Task<int> RunAsync(string[] args, SimpsqlConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var options = new SimpsqlOptions();
        if (SimpsqlOptions.Parse(args, options) is { } error)
        {
            // An empty error: only the hint (as psql for --help=UNKNOWN).
            console.Stderr.Write((error.Length > 0 ? $"{SimpsqlSession.ProgramName}: error: {error}\n" : "") + $"{SimpsqlSession.ProgramName}: hint: Try \"{SimpsqlSession.ProgramName} --help\" for more information.\n");
            return 1;
        }

        foreach (var (name, value) in options.Variables)
        {
            if (SpecialVariable.Refusal(name, value) is { } refusal)
            {
                console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: {refusal}\n");
                return 1;
            }
        }

        foreach (var warning in options.Warnings)
        {
            console.Stderr.Write($"{SimpsqlSession.ProgramName}: warning: {warning}\n");
        }

        if (options.ShowHelp)
        {
            WriteUtf8(console.Stdout, options.HelpTopic switch
            {
                "variables" => VariablesHelp.Text,
                "commands" => SimpsqlSession.BackslashHelp(new PrintOptions(), false, null),
                _ => UsageText(console.Environment ?? SystemSettingsEnvironment.Instance),
            });
            return 0;
        }

        if (options.ShowVersion)
        {
            WriteUtf8(console.Stdout, $"{SimpsqlSession.ProgramName} (PgWire) {Version}\n");
            return 0;
        }

        // As psql, a -P option that cannot be set ends the run before anything connects.
        var printCheck = new PrintOptions();
        foreach (var (name, value) in options.PsetOptions)
        {
            string option = name;
            if (!SimpsqlSession.ApplyPset(printCheck, ref option, value, console.Codec.Text, message => console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: {message}\n"), out _))
            {
                console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: could not set printing parameter \"{name}\"\n");
                return 1;
            }
        }

        FileStream? output = null;
        // A command (-o |COMMAND) is started once the session is there to own it.
        if (options.OutputFile is { } outputFile && !outputFile.StartsWith('|') && (output = SimpsqlSession.OpenOutputFile(outputFile, out string? outputError)) is null)
        {
            console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: {outputError}\n");
            return 1;
        }

        var env = console.Environment ?? SystemSettingsEnvironment.Instance;
        var prompter = new PasswordPrompter(console);

        // Like psql 15, -W does not name the user: the connection string may still change it.
        string? password = options.ForcePrompt ? prompter.Ask("Password: ") : null;
        var settings = TryResolve(options, password, env, console);
        if (settings is null)
        {
            output?.Dispose();
            return 2;
        }

        // The socket, TLS and the startup message get under way while the actor system starts.
        var early = EarlyConnection.Start(settings, blocking: true);
        StartupWarmUp.Start(localSocketsOnly: settings.Hosts.All(h => h.Host.StartsWith('/') || h.Host.StartsWith('@')));
        if (console.SystemStart is { IsCompleted: false })
        {
            console.WhileSystemStarts?.Invoke();
        }

        var system = console.SystemStart is { } systemStart ? systemStart.GetAwaiter().GetResult() : CreateSystem();
        try
        {
            PgClient? client;
            (client, password) = Connect(system, options, console, prompter, env, settings, password, early);
            console.Connected?.Invoke();
            if (client is null)
            {
                output?.Dispose();
                return 2;
            }

            var session = new SimpsqlSession(system, client, console.Stdout, console.Stderr, env, console.Codec)
            {
                Password = password,
                StdinIsTerminal = console.StdinIsTerminal,
                StdoutIsTerminal = console.StdoutIsTerminal,
                StdinReadsAhead = console.StdinReadsAhead && !console.Interactive,
                Prompter = options.NeverPrompt ? null : prompter,
                TypedInput = prompter,
                InheritStreams = console.ExitsAfterRun,
                ForcePasswordPrompt = options.ForcePrompt,
            };
            if (output is not null)
            {
                session.Redirect(output);
            }
            else if (options.OutputFile is { } pipeTarget && !session.RedirectTo(pipeTarget, out _))
            {
                // (sh could not be started: reported)
                await client.DisposeAsync().ConfigureAwait(false);
                return 1;
            }

            if (options.LogFile is not null && !session.OpenLog(options.LogFile))
            {
                await client.DisposeAsync().ConfigureAwait(false);
                return 1;
            }

            await using (client.ConfigureAwait(false))
            {
                try
                {
                    // Lines of standard input are text of the client encoding in force when each is read.
                    return await RunSessionAsync(session, options, console with { Stdin = console.Codec.Reader(console.Stdin, console.StdinBytes) }).ConfigureAwait(false);
                }
                finally
                {
                    console.Finished?.Invoke(session);
                }
            }
        }
        finally
        {
            // The connection is closed by now; a process about to exit has nothing left in the
            // actor system to wait for (its threads are background threads).
            if (!console.ExitsAfterRun)
            {
                await system.Terminate().ConfigureAwait(false);
            }
        }
    }

    private static ActorSystem CreateSystem() => ActorSystem.Create("simpsql", PgWireConfig.ClientSystem);

    private static Task<ActorSystem> StartSystem() => ActorSystemStart.OnOwnThread("simpsql start", CreateSystem);

    /// <summary>
    /// Connects, asking for a password as psql does: first with -W, else when the server wants one
    /// and none was given. The calling thread waits, as it does for every statement after.
    /// </summary>
    private static (PgClient? Client, string? Password) Connect(ActorSystem system, SimpsqlOptions options, SimpsqlConsole console, PasswordPrompter prompter, ISettingsEnvironment env,
        ConnectionSettings first, string? password, EarlyConnection? early)
    {
        ConnectionSettings? settings = first;
        while (true)
        {
            settings ??= TryResolve(options, password, env, console);
            if (settings is null)
            {
                return (null, null);
            }

            try
            {
                return (PgClient.Connect(system, settings, early: early), password);
            }
            catch (PgConnectionException ex) when (ex.PasswordNeeded && password is null && !options.NeverPrompt)
            {
                early = null;
                password = prompter.Ask(PasswordPrompter.PromptFor(settings.User));
                settings = null;
                if (password is null)
                {
                    return (null, null);
                }
            }
            catch (PgConnectionException ex)
            {
                console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: {ex.Message.TrimEnd('\n')}\n");
                return (null, null);
            }
        }
    }

    private static ConnectionSettings? TryResolve(SimpsqlOptions options, string? password, ISettingsEnvironment env, SimpsqlConsole console)
    {
        var overrides = new Dictionary<string, string?>(options.Overrides, StringComparer.Ordinal);
        if (password is not null)
        {
            overrides["password"] = password;
        }

        if (!overrides.ContainsKey("application_name") && env.GetVariable("PGAPPNAME") is null)
        {
            overrides["fallback_application_name"] = "psql";
        }

        try
        {
            var settings = SimpsqlSession.ResolveSettings(options.ConnInfo, overrides, env, console.StdinIsTerminal && console.StdoutIsTerminal);
            foreach (var warning in settings.Warnings)
            {
                console.Stderr.Write(warning + "\n");
            }

            return settings;
        }
        catch (ConnectionSettingsException ex)
        {
            console.Stderr.Write($"{SimpsqlSession.ProgramName}: error: {ex.Message}\n");
            return null;
        }
    }

    private static async Task<int> RunSessionAsync(SimpsqlSession session, SimpsqlOptions options, SimpsqlConsole console)
    {
        session.Quiet = options.Quiet;
        if (options.Echo is { } echo)
        {
            session.SetVariable("ECHO", echo);
        }
        foreach (var (name, value) in options.Variables)
        {
            session.SetVariable(name, value);
        }

        // As psql: the connection's variables (DBNAME, ENCODING ...) are set after -v's, and win.
        session.SetConnectionVariables();

        foreach (var (name, value) in options.PsetOptions)
        {
            session.Pset(name, value, true);
        }

        // Ctrl+C in a script or a command cancels the running statement and stops the script, as in psql;
        // the interactive loop has its own handler.
        void OnScriptCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            session.NoteScriptInterrupt(console.Stderr);
        }

        bool scriptHandler = !console.Interactive || options.Actions.Count > 0 || options.ListDatabases;
        if (scriptHandler)
        {
            Console.CancelKeyPress += OnScriptCancel;
        }

        try
        {
            // As psql: the start-up files run before -l's listing too.
            if (!options.NoPsqlrc)
            {
                await session.RunStartupFilesAsync(console.Stdin).ConfigureAwait(false);
            }

            if (options.ListDatabases)
            {
                return await RunCommandStringAsync(session, "\\l", console).ConfigureAwait(false);
            }

            if (options.Actions.Count > 0)
            {
                // -1: the -c and -f actions run inside one transaction, BEGIN before the first and
                // COMMIT after the last (ROLLBACK when one failed and ON_ERROR_STOP is set), as psql does.
                if (options.SingleTransaction && !await session.RunHiddenStatementAsync("BEGIN").ConfigureAwait(false) && session.OnErrorStop)
                {
                    return 3;
                }

                int rc = 0;
                foreach (var action in options.Actions)
                {
                    rc = action.IsFile
                        ? await session.RunFileAsync(action.Value, console.Stdin).ConfigureAwait(false)
                        : await RunCommandStringAsync(session, action.Value, console).ConfigureAwait(false);
                    if (rc != 0 && session.OnErrorStop)
                    {
                        break;
                    }
                }

                if (options.SingleTransaction
                    && !await session.RunHiddenStatementAsync(rc == 0 || !session.OnErrorStop ? "COMMIT" : "ROLLBACK").ConfigureAwait(false)
                    && session.OnErrorStop)
                {
                    return 3;
                }

                return rc;
            }

            if (console.Interactive)
            {
                return await RunInteractiveAsync(session, console, options.NoReadline).ConfigureAwait(false);
            }

            return await session.RunInputAsync(new PlainLineReader(console.Stdin, null), console.Stdin, null, readAhead: session.StdinReadsAhead).ConfigureAwait(false);
        }
        catch (StopException stop)
        {
            return stop.ExitCode;
        }
        finally
        {
            if (scriptHandler)
            {
                Console.CancelKeyPress -= OnScriptCancel;
            }

            session.ResetRedirect();
            session.FlushAll();
            session.CloseLog();
        }
    }

    private static async Task<int> RunCommandStringAsync(SimpsqlSession session, string command, SimpsqlConsole console)
    {
        // Like psql, the command's bytes (UTF-8 here) are sent as they are, whatever the client encoding.
        command = session.Codec.FromCharacterLine(command);
        session.InputStarted = true;
        if (command.TrimStart().StartsWith('\\'))
        {
            using var reader = new StringReader(command);
            session.AnyError = false;
            session.NoQueryBuffer = true;
            try
            {
                int rc = await session.RunInputAsync(new PlainLineReader(reader, null), console.Stdin, null, checkConditionals: false).ConfigureAwait(false);
                return rc == 0 && session.AnyError ? 1 : rc;
            }
            finally
            {
                session.NoQueryBuffer = false;
            }
        }

        return await session.SendQueryAsync(command).ConfigureAwait(false) ? 0 : 1;
    }

    private static async Task<int> RunInteractiveAsync(SimpsqlSession session, SimpsqlConsole console, bool noReadline)
    {
        session.Interactive = true;
        var s = session.Client.Session;
        string serverVersion = s.Parameters.TryGetValue("server_version", out var v) ? v.Split(' ')[0] : "?";
        var banner = new StringBuilder();
        if (!session.Quiet)
        {
            banner.Append($"{SimpsqlSession.ProgramName} (PgWire {Version}, server {serverVersion})\n");
            if (s.TlsProtocol is not null)
            {
                banner.Append($"SSL connection (protocol: {SimpsqlSession.TlsName(s.TlsProtocol)}, cipher: {s.TlsCipher}, compression: off)\n");
            }

            banner.Append("Type \"help\" for help.\n\n");
        }

        session.Out.Write(banner.ToString());
        session.FlushAll();
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        // -n: lines are read as they come, without editing or history, even from a terminal.
        var reader = noReadline ? new PlainLineReader(console.Stdin, session.Out) : LineReaders.Create(console.Stdin, session.Out, true, session.HistoryFilePath(home));

        using var cts = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            session.NoteInterrupt();
            session.NoteScriptInterrupt(console.Stderr);
        }

        Console.CancelKeyPress += OnCancel;
        try
        {
            while (true)
            {
                try
                {
                    return await session.RunInputAsync(reader, console.Stdin, null).ConfigureAwait(false);
                }
                catch (StopException stop) when (stop.ExitCode != 2)
                {
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            if (reader is TerminalLineReader terminalReader)
            {
                // HISTSIZE as it is at the end, as psql reads it then.
                terminalReader.SaveHistory(session.HistorySize, message => session.LogError(message, false));
            }
        }
    }

    private static void WriteUtf8(Stream stream, string text)
    {
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush();
    }

    /// <summary>
    /// simpsql --help, which \\? options shows too: psql's layout, with the defaults the environment
    /// gives (PGDATABASE, PGHOST, PGPORT, PGUSER, else the user's name, a local socket and 5432).
    /// </summary>
    internal static string UsageText(ISettingsEnvironment env)
    {
        string user = env.GetVariable("PGUSER") is { Length: > 0 } pgUser ? pgUser : env.CurrentOsUser ?? "";
        string database = env.GetVariable("PGDATABASE") is { Length: > 0 } pgDatabase ? pgDatabase : user;
        string host = env.GetVariable("PGHOST") is { Length: > 0 } pgHost ? pgHost : "local socket";
        string port = env.GetVariable("PGPORT") is { Length: > 0 } pgPort ? pgPort : "5432";
        return UsageTemplate
            .Replace("{database}", database, StringComparison.Ordinal)
            .Replace("{host}", host, StringComparison.Ordinal)
            .Replace("{port}", port, StringComparison.Ordinal)
            .Replace("{user}", user, StringComparison.Ordinal);
    }

    private const string UsageTemplate =
        "simpsql is the PgWire interactive terminal for PostgreSQL.\n\n" +
        "Usage:\n" +
        "  pgwire simpsql [OPTION]... [DBNAME [USERNAME]]\n\n" +
        "General options:\n" +
        "  -c, --command=COMMAND    run only single command (SQL or internal) and exit\n" +
        "  -d, --dbname=DBNAME      database name to connect to (default: \"{database}\")\n" +
        "  -f, --file=FILENAME      execute commands from file, then exit\n" +
        "  -l, --list               list available databases, then exit\n" +
        "  -v, --set=, --variable=NAME=VALUE\n" +
        "                           set psql variable NAME to VALUE\n" +
        "                           (e.g., -v ON_ERROR_STOP=1)\n" +
        "  -V, --version            output version information, then exit\n" +
        "  -X, --no-psqlrc          do not read startup file (~/.psqlrc)\n" +
        "  -1 (\"one\"), --single-transaction\n" +
        "                           execute as a single transaction (if non-interactive)\n" +
        "  -?, --help[=options]     show this help, then exit\n" +
        "      --help=commands      list backslash commands, then exit\n" +
        "      --help=variables     list special variables, then exit\n\n" +
        "Input and output options:\n" +
        "  -a, --echo-all           echo all input from script\n" +
        "  -b, --echo-errors        echo failed commands\n" +
        "  -e, --echo-queries       echo commands sent to server\n" +
        "  -E, --echo-hidden        display queries that internal commands generate\n" +
        "  -L, --log-file=FILENAME  send session log to file\n" +
        "  -n, --no-readline        disable enhanced command line editing (readline)\n" +
        "  -o, --output=FILENAME    send query results to file (or |pipe)\n" +
        "  -q, --quiet              run quietly (no messages, only query output)\n" +
        "  -s, --single-step        single-step mode (confirm each query)\n" +
        "  -S, --single-line        single-line mode (end of line terminates SQL command)\n\n" +
        "Output format options:\n" +
        "  -A, --no-align           unaligned table output mode\n" +
        "      --csv                CSV (Comma-Separated Values) table output mode\n" +
        "  -F, --field-separator=STRING\n" +
        "                           field separator for unaligned output (default: \"|\")\n" +
        "  -H, --html               HTML table output mode\n" +
        "  -P, --pset=VAR[=ARG]     set printing option VAR to ARG (see \\pset command)\n" +
        "  -R, --record-separator=STRING\n" +
        "                           record separator for unaligned output (default: newline)\n" +
        "  -t, --tuples-only        print rows only\n" +
        "  -T, --table-attr=TEXT    set HTML table tag attributes (e.g., width, border)\n" +
        "  -x, --expanded           turn on expanded table output\n" +
        "  -z, --field-separator-zero\n" +
        "                           set field separator for unaligned output to zero byte\n" +
        "  -0, --record-separator-zero\n" +
        "                           set record separator for unaligned output to zero byte\n\n" +
        "Connection options:\n" +
        "  -h, --host=HOSTNAME      database server host or socket directory (default: \"{host}\")\n" +
        "  -p, --port=PORT          database server port (default: \"{port}\")\n" +
        "  -U, --username=USERNAME  database user name (default: \"{user}\")\n" +
        "  -w, --no-password        never prompt for password\n" +
        "  -W, --password           force password prompt (should happen automatically)\n\n" +
        "For more information, type \"\\?\" (for internal commands) or \"\\help\" (for SQL\n" +
        "commands) from within simpsql, or consult the psql section in the PostgreSQL\n" +
        "documentation.\n";
}
