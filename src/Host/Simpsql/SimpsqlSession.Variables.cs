namespace PgWire.Host.Simpsql;

/// <summary>What psql's ECHO variable asks to print.</summary>
internal enum EchoMode
{
    /// <summary>Nothing (the default).</summary>
    None,

    /// <summary>A query the server refused, on standard error after the error ("STATEMENT:  ...").</summary>
    Errors,

    /// <summary>Each query sent to the server, on standard output before it runs (-e).</summary>
    Queries,

    /// <summary>Each input line of a script as it is read (-a).</summary>
    All,
}

/// <summary>The psql variables that change how a session prints: ECHO, QUIET, VERBOSITY, SHOW_CONTEXT.</summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>ECHO: none, errors, queries or all (any case); unset or anything else is none.</summary>
    internal EchoMode Echo => GetVariable("ECHO")?.ToLowerInvariant() switch
    {
        "errors" => EchoMode.Errors,
        "queries" => EchoMode.Queries,
        "all" => EchoMode.All,
        _ => EchoMode.None,
    };

    /// <summary>QUIET: no command tags, no informational messages. -q sets it.</summary>
    public bool Quiet
    {
        get => IsTrue(GetVariable("QUIET"));
        set => SetVariable("QUIET", value ? "on" : "off");
    }

    /// <summary>IGNOREEOF: how many end-of-input (Ctrl+D) at an interactive prompt end the session; 0 unless a number is set (psql's 10 for anything else).</summary>
    internal int IgnoreEof => GetVariable("IGNOREEOF") is { } value
        ? VariableValues.TryParseInt(value, out long count) ? (int)Math.Clamp(count, int.MinValue, int.MaxValue) : 10
        : 0;

    // The entry last put into the history, for HISTCONTROL's ignoredups (psql compares with it, not with the file's).
    private string? _lastHistoryEntry;

    /// <summary>
    /// HISTCONTROL, as psql applies it to each entry: ignorespace leaves out entries starting with a space,
    /// ignoredups those equal to the entry before, ignoreboth both.
    /// </summary>
    internal bool KeepInHistory(string entry)
    {
        string control = GetVariable("HISTCONTROL")?.ToLowerInvariant() ?? "none";
        bool ignoreSpace = control is "ignorespace" or "ignoreboth";
        bool ignoreDups = control is "ignoredups" or "ignoreboth";
        if ((ignoreSpace && entry.StartsWith(' ')) || (ignoreDups && entry == _lastHistoryEntry))
        {
            return false;
        }

        _lastHistoryEntry = entry;
        return true;
    }

    /// <summary>HISTSIZE: how many entries the history file keeps (psql's default 500; negative keeps all).</summary>
    internal int HistorySize => VariableValues.TryParseInt(GetVariable("HISTSIZE") ?? "500", out long size)
        ? (int)Math.Clamp(size, int.MinValue, int.MaxValue)
        : 500;

    /// <summary>
    /// The history file, as psql chooses it when the session starts: HISTFILE (from -v), else PSQL_HISTORY when not
    /// empty, else ~/.simpsql_history; a leading ~ is the home directory.
    /// </summary>
    internal string HistoryFilePath(string home)
    {
        string? file = GetVariable("HISTFILE");
        if (file is null && _env.GetVariable("PSQL_HISTORY") is { Length: > 0 } fromEnvironment)
        {
            file = fromEnvironment;
        }

        return file is null ? Path.Combine(home, ".simpsql_history") : ExpandTilde(file);
    }

    /// <summary>SINGLESTEP (-s): each query waits for a confirming line before it is sent.</summary>
    internal bool SingleStep => IsTrue(GetVariable("SINGLESTEP"));

    /// <summary>SINGLELINE (-S): the end of a line ends the statement, as a semicolon would.</summary>
    internal bool SingleLine => IsTrue(GetVariable("SINGLELINE"));

    /// <summary>ECHO=queries, as -e sets it.</summary>
    public bool EchoQueries
    {
        get => Echo == EchoMode.Queries;
        set => SetVariable("ECHO", value ? "queries" : "none");
    }

    /// <summary>VERBOSITY: how much of a server error or notice is printed.</summary>
    internal ErrorVerbosity Verbosity => GetVariable("VERBOSITY")?.ToLowerInvariant() switch
    {
        "terse" => ErrorVerbosity.Terse,
        "verbose" => ErrorVerbosity.Verbose,
        "sqlstate" => ErrorVerbosity.Sqlstate,
        _ => ErrorVerbosity.Default,
    };

    /// <summary>SHOW_CONTEXT: whether the CONTEXT field is printed for notices, errors too, or never.</summary>
    internal ContextVisibility ShowContext => GetVariable("SHOW_CONTEXT")?.ToLowerInvariant() switch
    {
        "never" => ContextVisibility.Never,
        "always" => ContextVisibility.Always,
        _ => ContextVisibility.Errors,
    };

    /// <summary>The server's standard_conforming_strings as last reported (on unless the server says off).</summary>
    internal bool StandardConformingStrings =>
        !Client.Parameters.TryGetValue("standard_conforming_strings", out var value) || !value.Equals("off", StringComparison.OrdinalIgnoreCase);

    /// <summary>With ECHO=all, a script's input line is printed on standard output as it is read, before it runs.</summary>
    private void EchoInputLine(string line)
    {
        if (Echo == EchoMode.All && !Interactive)
        {
            _stdoutText.Write(line);
            _stdoutText.Write('\n');
            _stdoutText.Flush();
        }
    }

    /// <summary>With ECHO=queries, a query is printed on standard output before it is sent.</summary>
    /// <summary>\copy's COPY, echoed as psql echoes every query it sends (ECHO=queries).</summary>
    internal void EchoCopyQuery(string sql) => EchoQuery(sql);

    private void EchoQuery(string sql)
    {
        if (Echo == EchoMode.Queries)
        {
            _stdoutText.Write(sql);
            _stdoutText.Write('\n');
            _stdoutText.Flush();
        }
    }

    /// <summary>
    /// psql's ECHO_HIDDEN: on prints each query a meta-command runs for itself on standard output
    /// before sending it, noexec prints it instead of sending it (false: the command then fails).
    /// </summary>
    public bool EchoesHiddenQueries =>
        GetVariable("ECHO_HIDDEN") is { } mode && (string.Equals(mode, "noexec", StringComparison.OrdinalIgnoreCase) || IsTrue(mode));

    public bool ShowHiddenQuery(string sql)
    {
        var mode = GetVariable("ECHO_HIDDEN");
        var noexec = string.Equals(mode, "noexec", StringComparison.OrdinalIgnoreCase);
        if (!noexec && !IsTrue(mode))
        {
            return true;
        }

        FlushAll();
        _stdoutText.Write("********* QUERY **********\n");
        _stdoutText.Write(sql);
        _stdoutText.Write("\n**************************\n\n");
        _stdoutText.Flush();
        LogQuery(sql);
        return !noexec;
    }

    /// <summary>With ECHO=errors, a query the server refused follows its error on standard error.</summary>
    private void EchoFailedQuery(string sql)
    {
        if (Echo == EchoMode.Errors)
        {
            LogError("STATEMENT:  " + sql, true);
        }
    }
}
