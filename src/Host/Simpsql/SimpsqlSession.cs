using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Simpsql;

/// <summary>Thrown to stop processing after an error when ON_ERROR_STOP is set or the connection is gone.</summary>
internal sealed class StopException(int exitCode) : Exception
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>One psql-like session: variables, print options, the connection and the input loop.</summary>
internal sealed partial class SimpsqlSession : IMetaCommandHost
{
    internal const string ProgramName = "simpsql";

    private readonly ActorSystem _system;
    private readonly Stream _stdout;
    private readonly TextWriter _stdoutText;
    private readonly ISettingsEnvironment _env;
    private readonly Dictionary<string, string?> _environmentOverrides = new(StringComparer.Ordinal);
    // A hash table: every statement reads several variables and sets ERROR, SQLSTATE and ROW_COUNT;
    // \set without arguments sorts them when it lists them.
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private Stream? _redirect;
    private TextWriter? _redirectText;

    /// <summary>The psql major version simpsql follows (VERSION_NAME, start-up files' psqlrc-15), and its number.</summary>
    private const string MajorVersionName = "15";
    private const int MajorVersionNumber = 150000;
    private ProgramStream? _redirectPipe;
    private TextReader _currentInput = TextReader.Null;
    private string? _currentFile;
    private int _currentLine;
    private string _previousBuffer = "";

    private int _queriesRunning;

    /// <summary>True while a statement is running on the server, when Ctrl+C cancels it.</summary>
    internal bool QueryRunning => Volatile.Read(ref _queriesRunning) > 0;

    /// <summary>Set when a statement or backslash command fails.</summary>
    internal bool AnyError { get; set; }

    internal string PreviousBuffer => _previousBuffer;

    public SimpsqlSession(ActorSystem system, PgClient client, Stream stdout, TextWriter stderr, ISettingsEnvironment env, ClientCodec? codec = null)
    {
        _system = system;
        Client = client;
        Codec = codec ?? new ClientCodec();
        Print = new PrintOptions { Codec = Codec };

        // One statement at a time, on this session's thread: waiting for each result on it saves
        // the thread hand-offs that make up most of a small statement's time.
        client.WaitsSynchronously = true;
        _stdout = stdout;
        _stdoutText = new StreamWriter(stdout, Codec.WriterEncoding, 16 * 1024, leaveOpen: true) { NewLine = "\n", AutoFlush = false };
        Err = stderr;
        _env = new OverlayEnvironment(_environmentOverrides, env);
        foreach (var (name, value) in SpecialVariable.Defaults(MajorVersionName, MajorVersionNumber))
        {
            _variables[name] = value;
        }

        SetConnectionVariables();
    }

    public PgClient Client { get; private set; }

    /// <summary>The client encoding and how the session's text is carried (see <see cref="ClientCodec"/>).</summary>
    internal ClientCodec Codec { get; }

    public PrintOptions Print { get; private set; }

    public TextWriter Out => OutText;

    public TextWriter Err { get; }

    internal TextWriter OutText => _redirectText ?? _stdoutText;

    internal Stream OutStream => _redirect ?? _stdout;

    public bool Timing { get; set; }

    public bool Interactive { get; set; }

    /// <summary>Standard input never waits for a writer, and statements of a script there may be sent ahead.</summary>
    public bool StdinReadsAhead { get; set; }

    public CancellationToken Cancellation { get; set; }

    internal bool OnErrorStop => VariableValues.ParseBool(GetVariable("ON_ERROR_STOP")) == true;

    public string? GetVariable(string name) => _variables.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// Sets (null: unsets) a variable as psql's \set does: the name must be valid, and a special variable
    /// accepts only its values (what an unset or empty value means is its own). False, reported, when refused.
    /// </summary>
    public bool SetVariable(string name, string? value)
    {
        if (SpecialVariable.Refusal(name, value) is { } refusal)
        {
            LogError(refusal, false);
            return false;
        }

        if (SpecialVariable.All.TryGetValue(name, out var special))
        {
            value = special.Substitute(value);
        }

        if (value is null)
        {
            _variables.Remove(name);
        }
        else
        {
            _variables[name] = value;
        }

        return true;
    }

    internal static bool IsTrue(string? value) =>
        value is not null && (value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase)
            || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("t", StringComparison.OrdinalIgnoreCase)
            || value.Equals("y", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The settings of a connection as psql makes it: any client_encoding (<c>client_encoding</c>,
    /// <c>PGCLIENTENCODING</c>); when none is given, the locale's on a terminal (client_encoding=auto) and
    /// otherwise none, so that the server uses the database's encoding.
    /// </summary>
    internal static ConnectionSettings ResolveSettings(string? connInfo, IReadOnlyDictionary<string, string?> overrides, ISettingsEnvironment env, bool terminal)
    {
        var settings = ConnectionSettings.Resolve(connInfo, overrides, env, anyClientEncoding: true);
        return settings.ClientEncoding is null && terminal && env.GetVariable("PGCLIENTENCODING") is null
            ? settings.WithClientEncoding(PgEncoding.FromLocale(env)?.Name)
            : settings;
    }

    internal void SetConnectionVariables()
    {
        var s = Client.Session;
        SetVariable("DBNAME", s.Database);
        SetVariable("USER", s.User);
        SetVariable("HOST", s.Host);
        SetVariable("PORT", s.Port.ToString(CultureInfo.InvariantCulture));
        SyncEncoding(true);
        if (s.Parameters.TryGetValue("server_version", out var version))
        {
            SetVariable("SERVER_VERSION_NAME", version);
            SetVariable("SERVER_VERSION_NUM", s.ServerVersionNumber.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void FlushOutText() => OutText.Flush();

    /// <summary>Standard output itself, whatever \o says, for bytes written directly (\copy ... to stdout); text written before goes out first.</summary>
    internal Stream StdoutBytes()
    {
        _stdoutText.Flush();
        return _stdout;
    }

    /// <summary>Environment variables set or unset by \setenv, which the commands simpsql runs see.</summary>
    internal IReadOnlyDictionary<string, string?> EnvironmentOverrides => _environmentOverrides;

    /// <summary>Sends out the text held for standard output and for the query output, before bytes are written directly.</summary>
    internal void FlushTexts()
    {
        _stdoutText.Flush();
        OutText.Flush();
    }

    /// <summary>
    /// Follows the client_encoding the server last reported, as psql does after connecting and after each
    /// statement (SET client_encoding, \encoding): text is read and written in it from now on, and ENCODING
    /// names it. <paramref name="always"/> sets ENCODING even when the encoding did not change (a new connection).
    /// </summary>
    internal void SyncEncoding(bool always = false)
    {
        var encoding = PgEncoding.FromServerName(Client.Parameters.TryGetValue("client_encoding", out var name) ? name : null);
        if (encoding != Codec.Encoding)
        {
            // Text already written goes out in the encoding it was written in.
            _redirectText?.Flush();
            _stdoutText.Flush();
            Err.Flush();
            Codec.Set(encoding);
        }
        else if (!always)
        {
            return;
        }

        SetVariable("ENCODING", encoding.Name);
    }

    public void FlushAll()
    {
        OutText.Flush();
        OutStream.Flush();
    }

    internal void PrintStatus(string tag)
    {
        if (!Quiet)
        {
            OutText.Write(tag);
            OutText.Write('\n');
        }

        LogStatus(tag);

        // As psql: the OID an INSERT reports (libpq's PQoidValue, 0 for every other command).
        string[] parts = tag.Split(' ');
        SetVariable("LASTOID", parts.Length == 3 && parts[0] == "INSERT" && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? parts[1] : "0");
    }

    void IMetaCommandHost.ReportError(string text, bool isServerMessage, string level) => LogError(text, isServerMessage, level);

    /// <summary>Writes a line to stderr with psql's "file:line:" prefix when reading a script.</summary>
    internal void LogError(string text, bool isServerMessage, string level = "error") =>
        LogAt(_currentFile, _currentLine, text, isServerMessage, level);

    /// <summary>
    /// A message placed as psql's logging places it: "psql:FILE:LINE: error: " in a file (no line
    /// while none was read), "psql: error: " before any input ran, nothing in front afterwards.
    /// </summary>
    private void LogAt(string? file, int line, string text, bool isServerMessage, string level = "error")
    {
        FlushAll();
        var sb = new StringBuilder();
        if (file is not null)
        {
            sb.Append(ProgramName).Append(':').Append(file).Append(':');
            if (line > 0)
            {
                sb.Append(line.ToString(CultureInfo.InvariantCulture)).Append(':');
            }

            sb.Append(' ');
            if (!isServerMessage)
            {
                sb.Append(level).Append(": ");
            }
        }
        else if (!InputStarted && !isServerMessage)
        {
            sb.Append(ProgramName).Append(": ").Append(level).Append(": ");
        }

        sb.Append(text);
        if (sb.Length == 0 || sb[^1] != '\n')
        {
            sb.Append('\n');
        }

        Err.Write(sb.ToString());
        Err.Flush();
    }

    internal void ReportServerMessage(PostgresErrorFields fields, string? query, bool isError)
    {
        if (isError)
        {
            RememberServerError(fields, query);
        }

        LogError(ErrorFormatter.Format(fields, query, isError, Verbosity, ShowContext, Codec.Encoding), true);
    }

    public async Task<bool> RunQueryAndPrintAsync(string sql, string? title, IReadOnlyList<string>? footers, CancellationToken ct)
    {
        if (!ShowHiddenQuery(sql))
        {
            return false;
        }

        var observer = new ResultObserver(this, sql) { Title = title, Footers = footers };
        return await ExecuteAsync(sql, observer, ct).ConfigureAwait(false);
    }

    /// <summary>Sends one query string and prints its results; false when the server reported an error.</summary>
    internal Task<bool> SendQueryAsync(string sql) => SendQueryAsync(sql, QueryMode.Print);

    internal async Task<bool> ExecuteAsync(string sql, ResultObserver observer, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        Interlocked.Increment(ref _queriesRunning);
        try
        {
            await RunOnServerAsync(sql, observer, ct).ConfigureAwait(false);
        }
        catch (PgConnectionException ex)
        {
            FlushAll();
            LogError(ex.Message.TrimEnd('\n'), true);
            LogError("connection to server was lost", _currentFile is null);
            throw new StopException(2);
        }
        finally
        {
            Interlocked.Decrement(ref _queriesRunning);
        }

        EndOfStatement(stopwatch);
        return !observer.Failed;
    }

    /// <summary>A DataRow's values as text of the session's client encoding (null for NULL).</summary>
    internal string?[] DecodeRow(ReadOnlySpan<byte> dataRow)
    {
        var reader = new DataRowReader(dataRow);
        var row = new string?[reader.ColumnCount];
        int i = 0;
        while (reader.MoveNext(out var value, out bool isNull))
        {
            row[i++] = isNull ? null : Codec.Decoding.GetString(value);
        }

        return row;
    }

    /// <summary>What follows every statement's results: its time (\timing), the notifications that came with it, the output flushed.</summary>
    private void EndOfStatement(Stopwatch stopwatch)
    {
        stopwatch.Stop();
        if (Timing)
        {
            PrintTiming(stopwatch.Elapsed.TotalMilliseconds);
        }

        PrintNotifications();
        FlushAll();
        SyncEncoding();
    }

    internal void PrintNotifications()
    {
        while (Client.PendingNotifications.TryDequeue(out var n))
        {
            OutText.Write(n.Payload.Length > 0
                ? $"Asynchronous notification \"{n.Channel}\" with payload \"{n.Payload}\" received from server process with PID {n.ProcessId}.\n"
                : $"Asynchronous notification \"{n.Channel}\" received from server process with PID {n.ProcessId}.\n");
        }
    }

    internal void PrintTiming(double ms)
    {
        var ci = CultureInfo.InvariantCulture;
        string text;
        if (ms < 1000)
        {
            text = string.Format(ci, "Time: {0:F3} ms", ms);
        }
        else
        {
            double seconds = ms / 1000.0;
            double minutes = Math.Floor(seconds / 60.0);
            seconds -= 60.0 * minutes;
            if (minutes < 60)
            {
                text = string.Format(ci, "Time: {0:F3} ms ({1:00}:{2:00.000})", ms, (int)minutes, seconds);
            }
            else
            {
                double hours = Math.Floor(minutes / 60.0);
                minutes -= 60.0 * hours;
                if (hours < 24)
                {
                    text = string.Format(ci, "Time: {0:F3} ms ({1:00}:{2:00}:{3:00.000})", ms, (int)hours, (int)minutes, seconds);
                }
                else
                {
                    double days = Math.Floor(hours / 24.0);
                    hours -= 24.0 * days;
                    text = string.Format(ci, "Time: {0:F3} ms ({1:F0} d {2:00}:{3:00}:{4:00.000})", ms, days, (int)hours, (int)minutes, seconds);
                }
            }
        }

        OutText.Write(text);
        OutText.Write('\n');
    }

    /// <summary>COPY FROM STDIN data taken from the current input, up to a line "\.".</summary>
    internal async Task CopyFromInputAsync(Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken ct)
    {
        var encoder = Codec.Text;
        var chunk = new StringBuilder();

        // Typed at the terminal: psql's instructions, then PROMPT3 before each line.
        bool prompted = Interactive && _currentFile is null;
        if (prompted)
        {
            FlushAll();
            if (!Quiet)
            {
                _stdoutText.Write("Enter data to be copied followed by a newline.\nEnd with a backslash and a period on a line by itself, or an EOF signal.\n");
            }
        }

        _copyingIn = true;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (prompted)
                {
                    _stdoutText.Write(BuildPrompt('\0'));
                    _stdoutText.Flush();
                }

                string? line = _currentInput.ReadLine();
                if (line is null)
                {
                    break;
                }

                // Data lines and the "\." that ends them are lines of the script, and of the
                // statement (%l), as psql counts them.
                _currentLine++;
                _statementLine++;
                if (line == "\\.")
                {
                    break;
                }

                chunk.Append(line).Append('\n');
                if (chunk.Length >= 32 * 1024)
                {
                    await send(encoder.GetBytes(chunk.ToString())).ConfigureAwait(false);
                    chunk.Clear();
                }
            }
        }
        finally
        {
            _copyingIn = false;
        }

        if (chunk.Length > 0)
        {
            await send(encoder.GetBytes(chunk.ToString())).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the lines of one input; returns 0, 3 when stopped by ON_ERROR_STOP, or throws StopException(2)
    /// when the connection is lost.
    /// </summary>
    /// <param name="readAhead">
    /// The input never waits for a writer (a file, text in memory): statements may be read and sent
    /// ahead of the one whose results are printed (see SimpsqlSession.Ahead.cs).
    /// </param>
    internal async Task<int> RunInputAsync(ILineReader reader, TextReader rawInput, string? fileName, bool checkConditionals = true, bool readAhead = false)
    {
        InputStarted = true;
        var previousInput = _currentInput;
        var previousFile = _currentFile;
        var previousLine = _currentLine;
        var previousConditions = Conditions;
        var previousReadAhead = _readAhead;
        _readAhead = readAhead && reader is PlainLineReader plain && ReferenceEquals(plain.Input, rawInput) ? rawInput as IReadAhead : null;
        _currentInput = rawInput;
        _currentFile = fileName;
        _currentLine = 0;
        Conditions = new ConditionalStack();
        try
        {
            // In a skipped \if branch variables are not expanded.
            var scanner = new QueryScanner(name => Conditions.Active ? GetVariable(name) : null, () => StandardConformingStrings)
            {
                Backquote = BackquoteOutput,
                ReportError = message => LogError(message, false),
            };
            var buffer = new StringBuilder();
            var history = new PendingHistory(Interactive ? reader : null, KeepInHistory);

            // Lines of a query buffer that came back from the editor, read again before the next input line.
            var edited = new Queue<string>();
            bool redisplay = false;
            if (Interactive && reader is TerminalLineReader terminalReader)
            {
                _historyReader = terminalReader;
                terminalReader.HistoryText = Codec.ToCharacterLine;
                terminalReader.Completer = (line, cursor) => CompleteLine(buffer.ToString(), line, cursor);
            }

            int endsOfInput = 0;
            bool atTerminal = Interactive && fileName is null;
            while (true)
            {
                if (_scriptInterrupted)
                {
                    if (!atTerminal)
                    {
                        // psql stops a script after Ctrl+C (at the terminal it only cancels the statement).
                        return 3;
                    }

                    _scriptInterrupted = false;
                }

                bool fromEditor = edited.Count > 0;
                string? line;
                if (fromEditor)
                {
                    line = edited.Dequeue();
                }
                else
                {
                    Client.Poll();
                    PrintNotifications();
                    if (redisplay && Interactive && fileName is null && buffer.Length > 0)
                    {
                        // As psql after \e: what is left in the buffer is shown after a fresh prompt.
                        _stdoutText.Write(BuildPrompt('='));
                        _stdoutText.Write(buffer.ToString());
                    }

                    redisplay = false;
                    FlushAll();
                    if (_redirectPipe is not null && !NoQueryBuffer)
                    {
                        // psql sends standard output on before each line it reads (not between -c commands):
                        // what \echo printed then comes before what the command of \o |COMMAND writes later.
                        _stdoutText.Flush();
                        _stdout.Flush();
                    }

                    string prompt = Interactive ? BuildPrompt(buffer.Length == 0 ? '=' : scanner.PromptState) : "";
                    line = reader.ReadLine(prompt);
                    if (line is not null && reader is TerminalLineReader)
                    {
                        // The terminal's characters become the bytes a UTF-8 terminal sends (psql passes them on as they are).
                        line = Codec.FromCharacterLine(line);
                    }
                }

                if (line is null && Interactive && !fromEditor && ++endsOfInput < IgnoreEof)
                {
                    // IGNOREEOF: so many Ctrl+D at the prompt are taken as a slip, as in psql (and bash).
                    if (!Quiet)
                    {
                        OutText.Write("Use \"\\q\" to leave simpsql.\n");
                    }

                    continue;
                }

                if (line is null)
                {
                    if (Interactive)
                    {
                        OutText.Write(Quiet ? "\n" : "\\q\n");
                        FlushAll();
                    }
                    else if (buffer.Length > 0 && buffer.ToString().Trim().Length > 0 && Conditions.Active)
                    {
                        bool ok = await SendQueryAsync(buffer.ToString()).ConfigureAwait(false);
                        if (!ok && OnErrorStop)
                        {
                            return 3;
                        }
                    }

                    if (checkConditionals && !Conditions.IsEmpty)
                    {
                        LogError("reached EOF without finding closing \\endif(s)", false);
                        if (OnErrorStop && !Interactive)
                        {
                            return 3;
                        }
                    }

                    return 0;
                }

                endsOfInput = 0;
                if (reader.LastReadInterrupted)
                {
                    // Ctrl+C at the prompt discards the query being typed, as psql does.
                    _statementLine = 1;
                    buffer.Clear();
                    scanner.Reset();
                    history.Discard();
                    continue;
                }

                if (!fromEditor)
                {
                    _currentLine++;
                    if (line.Length == 0 && scanner.PromptState is '-' or '(')
                    {
                        // An empty line outside a quote or comment adds nothing to the query.
                        continue;
                    }

                    EchoInputLine(line);
                }

                if (!fromEditor && Interactive && IsHelpRequest(line))
                {
                    if (buffer.Length == 0)
                    {
                        OutText.Write(HelpRequestText);
                        continue;
                    }

                    OutText.Write(HelpInsideQueryText);
                }

                int addedNewlineAt = -1;
                if (buffer.Length > 0)
                {
                    // Text from the editor keeps its newlines, as psql reads it in one piece.
                    buffer.Append('\n');
                    addedNewlineAt = fromEditor ? -1 : buffer.Length;
                }

                bool newEdit = false;

                scanner.SetLine(line);
                history.BeginLine(line);
                while (true)
                {
                    var result = scanner.Scan(buffer);
                    // In single-line mode the end of the line ends a statement, as a semicolon does.
                    bool endOfLine = result is ScanResult.Incomplete or ScanResult.Eol && SingleLine && scanner.StatementEndsWithLine(buffer);
                    if (endOfLine)
                    {
                        result = ScanResult.Semicolon;
                    }

                    if (result == ScanResult.Semicolon && !Conditions.Active)
                    {
                        // In a skipped branch the statement is not sent; its text goes when the branch ends.
                        if (Interactive)
                        {
                            LogError("query ignored; use \\endif or Ctrl-C to exit current \\if block", false);
                        }

                        if (endOfLine)
                        {
                            break;
                        }
                    }
                    else if (result == ScanResult.Semicolon)
                    {
                        string sql = buffer.ToString();
                        buffer.Clear();
                        scanner.Reset();
                        history.SaveWithLine();
                        _loopStatement = sql;
                        _loopRest = scanner.Rest;
                        bool ok;
                        try
                        {
                            ok = await SendQueryAsync(sql).ConfigureAwait(false);
                        }
                        finally
                        {
                            _loopStatement = null;
                        }

                        _statementLine = 1;
                        if (!ok && OnErrorStop)
                        {
                            return 3;
                        }

                        if (endOfLine)
                        {
                            break;
                        }
                    }
                    else if (result == ScanResult.Backslash)
                    {
                        if (buffer.Length == addedNewlineAt)
                        {
                            // A backslash command on a line of its own: the lines before it stay one entry, it another;
                            // and the newline added before it does not stay in the query, as in psql.
                            history.Save();
                            buffer.Length--;
                        }

                        addedNewlineAt = -1;
                        history.SaveWithLine();
                        var outcome = await RunBackslashAsync(scanner, buffer).ConfigureAwait(false);
                        if (outcome == MetaOutcome.Quit)
                        {
                            return 0;
                        }

                        if (outcome == MetaOutcome.Error)
                        {
                            AnyError = true;
                        }

                        if (outcome == MetaOutcome.Error && OnErrorStop)
                        {
                            return 3;
                        }

                        if (outcome == MetaOutcome.NewEdit)
                        {
                            // The rest of this line is dropped; the buffer is read again, line by line.
                            string text = buffer.ToString();
                            buffer.Clear();
                            scanner.Reset();
                            edited.Clear();
                            string[] lines = text.Split('\n');
                            foreach (string editedLine in text.EndsWith('\n') ? lines[..^1] : lines)
                            {
                                edited.Enqueue(editedLine);
                            }

                            redisplay = true;
                            newEdit = true;
                            break;
                        }
                    }
                    else
                    {
                        if (scanner.StatementEndsWithLine(buffer))
                        {
                            // psql counts the lines of a statement that end outside quotes and parentheses (%l).
                            _statementLine++;
                        }

                        break;
                    }
                }

                if (fromEditor && !newEdit && edited.Count == 0 && buffer.Length > 0)
                {
                    // the newline that ends the edited text
                    buffer.Append('\n');
                }

                history.EndLine();
            }
        }
        finally
        {
            await DrainAheadAsync().ConfigureAwait(false);
            _readAhead = previousReadAhead;
            _currentInput = previousInput;
            _currentFile = previousFile;
            _currentLine = previousLine;
            Conditions = previousConditions;
        }
    }

    /// <summary>
    /// True once any input ran: a start-up file, a -c command, a file or standard input. Until then
    /// psql words its errors as the program's ("psql: error: ..."), afterwards as the input's.
    /// </summary>
    internal bool InputStarted { get; set; }

    /// <summary>
    /// A file name as psql 15 reads it (canonicalize_path): separators not doubled nor trailing,
    /// "." components gone, and a ".." taking away the name before it ("/.." is "/"; a relative
    /// name keeps its leading ".."s; nothing left is "."). Purely textual, as psql does it: the
    /// name shows in the file's messages ("psql:NAME:LINE:").
    /// </summary>
    internal static string CanonicalizePath(string path)
    {
        if (path.Length == 0)
        {
            return path;
        }

        bool absolute = path[0] == '/';
        var parts = new List<string>();
        int up = 0;
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!absolute)
                {
                    up++;
                }

                continue;
            }

            parts.Add(part);
        }

        var sb = new StringBuilder(path.Length);
        if (absolute)
        {
            sb.Append('/');
        }

        for (int i = 0; i < up; i++)
        {
            sb.Append(i == 0 ? "" : "/").Append("..");
        }

        foreach (string part in parts)
        {
            if (sb.Length > 0 && sb[^1] != '/')
            {
                sb.Append('/');
            }

            sb.Append(part);
        }

        return sb.Length == 0 ? "." : sb.ToString();
    }

    /// <summary>Runs a file (-f, \i); "-" is standard input.</summary>
    internal async Task<int> RunFileAsync(string path, TextReader stdin)
    {
        if (path != "-")
        {
            path = CanonicalizePath(path);
        }

        // A file has a query buffer of its own, even when included from -c.
        bool noQueryBuffer = NoQueryBuffer;
        NoQueryBuffer = false;
        try
        {
            return await RunFileInnerAsync(path, stdin).ConfigureAwait(false);
        }
        finally
        {
            NoQueryBuffer = noQueryBuffer;
        }
    }

    private async Task<int> RunFileInnerAsync(string path, TextReader stdin)
    {
        if (path == "-")
        {
            return await RunInputAsync(new PlainLineReader(stdin, null), stdin, null, readAhead: StdinReadsAhead).ConfigureAwait(false);
        }

        if (Directory.Exists(path))
        {
            // psql opens a directory as it would a file and fails on its first read; the error's
            // place is then the directory, with no line number.
            LogAt(path, 0, "could not read from input file: Is a directory", false);
            return 1;
        }

        StreamReader file;
        try
        {
            // Read as bytes: the lines are text of the client encoding in force when each is read.
            file = new StreamReader(path, Encoding.Latin1, false, 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogError(path + ": " + (ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : "Permission denied"), false);
            return 1;
        }

        using (var lines = Codec.Reader(file, bytes: true))
        {
            return await RunInputAsync(new PlainLineReader(lines, null), lines, path, readAhead: file.BaseStream.CanSeek).ConfigureAwait(false);
        }
    }

    internal void ResetRedirect()
    {
        if (_redirect is not null)
        {
            _redirectText!.Flush();
            _redirect.Flush();
            _redirectText.Dispose();
            _redirect.Dispose();
            _redirect = null;
            _redirectText = null;
        }

        if (_redirectPipe is not null)
        {
            // As with psql, text simpsql still holds for its standard output (\echo) follows what the
            // command wrote: only query results are sent out as they are printed.
            _redirectPipe.Dispose();
            _redirectPipe = null;
        }
    }

    /// <summary>
    /// After a table was printed on the query output: when that is a shell command (\o |COMMAND), the
    /// table is sent on to it now and the answer is whether the command has stopped reading, which psql
    /// reports for every table it could not print.
    /// </summary>
    internal bool QueryPipeBroken()
    {
        if (_redirectPipe is null || !ReferenceEquals(_redirect, _redirectPipe.Stream))
        {
            return false;
        }

        _redirectText!.Flush();
        _redirect.Flush();
        return _redirectPipe.Broken;
    }

    /// <summary>
    /// Sends query output to <paramref name="target"/> from now on (\o, -o): a file (~ expanded), or "|"
    /// and a shell command that runs until output goes elsewhere. False when the file cannot be written
    /// (<paramref name="error"/> says why) or no shell started (reported already, <paramref name="error"/>
    /// null); output is then back on standard output.
    /// </summary>
    internal bool RedirectTo(string target, out string? error)
    {
        ResetRedirect();
        if (target.StartsWith('|'))
        {
            error = null;
            _redirectPipe = ProgramStream.Start(target[1..], false, this);
            if (_redirectPipe is null)
            {
                // (reported)
                return false;
            }

            Redirect(_redirectPipe.Stream);
            return true;
        }

        var stream = OpenOutputFile(ExpandTilde(target), out error);
        if (stream is null)
        {
            return false;
        }

        Redirect(stream);
        return true;
    }

    internal void Redirect(Stream stream)
    {
        if (_redirectPipe is null || !ReferenceEquals(stream, _redirectPipe.Stream))
        {
            ResetRedirect();
        }

        _redirect = stream;
        _redirectText = new StreamWriter(stream, Codec.WriterEncoding, 16 * 1024, leaveOpen: true) { NewLine = "\n" };
    }

    /// <summary>The password the current connection was made with when simpsql asked for it, for \\c to reuse.</summary>
    internal string? Password { get; set; }

    /// <summary>Asks the user for passwords; null with -w (never ask).</summary>
    internal PasswordPrompter? Prompter { get; set; }

    /// <summary>-W: ask for the password before every connection.</summary>
    internal bool ForcePasswordPrompt { get; set; }

    /// <summary>
    /// Opens a new connection for \\c, asking for a password as psql does: first with -W, else when the server
    /// wants one and none was given. <paramref name="reusePassword"/> offers the current connection's password
    /// (same user, host and port). Null, with the error reported, when it fails or the prompt was cancelled.
    /// </summary>
    internal async Task<PgClient?> ReconnectAsync(string? connInfo, Dictionary<string, string?> overrides, bool reusePassword)
    {
        string? password = reusePassword ? Password : null;
        if (ForcePasswordPrompt && Prompter is not null)
        {
            password = Prompter.Ask(connInfo is null && overrides.TryGetValue("user", out var user) ? PasswordPrompter.PromptFor(user) : "Password: ");
            if (password is null)
            {
                return null;
            }
        }

        while (true)
        {
            ConnectionSettings? settings = null;
            try
            {
                var withPassword = new Dictionary<string, string?>(overrides, StringComparer.Ordinal);
                if (password is not null)
                {
                    withPassword["password"] = password;
                }

                settings = ResolveSettings(connInfo, withPassword, _env, StdinIsTerminal && StdoutIsTerminal);
                // Blocking, as the first connection: the new one is read on this thread as well.
                var client = PgClient.Connect(_system, settings, null, Cancellation, EarlyConnection.Start(settings, blocking: true));
                client.WaitsSynchronously = true;
                await Client.DisposeAsync().ConfigureAwait(false);
                Client = client;
                Password = password;
                SetConnectionVariables();
                return client;
            }
            catch (PgConnectionException ex) when (ex.PasswordNeeded && password is null && Prompter is not null)
            {
                password = Prompter.Ask(PasswordPrompter.PromptFor(settings?.User));
                if (password is null)
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is PgConnectionException or ConnectionSettingsException)
            {
                LogError("\\connect: " + ex.Message, false);
                return null;
            }
        }
    }

    internal ISettingsEnvironment Environment => _env;

    internal IReadOnlyDictionary<string, string> Variables => _variables;
}
