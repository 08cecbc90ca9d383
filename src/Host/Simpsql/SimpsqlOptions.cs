namespace PgWire.Host.Simpsql;

/// <summary>One -c or -f action, run in command-line order.</summary>
internal sealed record SimpsqlAction(bool IsFile, string Value);

/// <summary>Parsed command line.</summary>
internal sealed class SimpsqlOptions
{
    public Dictionary<string, string?> Overrides { get; } = new(StringComparer.Ordinal);

    public string? ConnInfo { get; set; }

    /// <summary>Problems that do not stop the program (psql prints them as warnings and goes on).</summary>
    public List<string> Warnings { get; } = [];

    public List<SimpsqlAction> Actions { get; } = [];

    public List<(string Name, string? Value)> PsetOptions { get; } = [];

    public List<(string Name, string? Value)> Variables { get; } = [];

    /// <summary>-o FILE: where query results go from the start, as with \o.</summary>
    public string? OutputFile { get; set; }

    public bool Quiet { get; set; }

    /// <summary>-X: the start-up files (psqlrc) are not read.</summary>
    public bool NoPsqlrc { get; set; }

    public bool NeverPrompt { get; set; }

    public bool ForcePrompt { get; set; }

    public bool ListDatabases { get; set; }

    public bool ShowHelp { get; set; }

    /// <summary>What --help shows: options (the usage), commands (\?) or variables (\? variables).</summary>
    public string HelpTopic { get; set; } = "options";

    public bool ShowVersion { get; set; }

    /// <summary>The ECHO variable -e (queries) or -a (all) sets; the later flag wins.</summary>
    public string? Echo { get; set; }

    public bool SingleTransaction { get; set; }

    /// <summary>-n: no line editing, and so no history, even on a terminal.</summary>
    public bool NoReadline { get; set; }

    /// <summary>-L: the file every query and its results are appended to.</summary>
    public string? LogFile { get; set; }

    /// <summary>Parses psql-style arguments; returns an error message or null.</summary>
    public static string? Parse(IReadOnlyList<string> args, SimpsqlOptions o)
    {
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string? Value(string name)
            {
                if (i + 1 >= args.Count)
                {
                    return null;
                }

                return args[++i];
            }

            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                int eq = a.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? a[2..] : a[2..eq];
                string? inline = eq < 0 ? null : a[(eq + 1)..];
                string? Long()
                {
                    return inline ?? Value(name);
                }

                // --help[=options|commands|variables], as psql; any other topic only gets the hint.
                string? Help(string? topic)
                {
                    if (topic is not (null or "options" or "commands" or "variables"))
                    {
                        return "";
                    }

                    o.ShowHelp = true;
                    o.HelpTopic = topic ?? "options";
                    return null;
                }

                string? err = name switch
                {
                    "host" => Set("host", Long()),
                    "port" => Set("port", Long()),
                    "username" => Set("user", Long()),
                    "dbname" => Set("dbname", Long()),
                    "command" => Add(false, Long()),
                    "file" => Add(true, Long()),
                    "output" => Output(Long()),
                    "no-align" => Do(() => o.PsetOptions.Add(("format", "unaligned"))),
                    "tuples-only" => Do(() => o.PsetOptions.Add(("tuples_only", "on"))),
                    "field-separator" => Pset("fieldsep", Long()),
                    "record-separator" => Pset("recordsep", Long()),
                    "field-separator-zero" => Do(() => o.PsetOptions.Add(("fieldsep_zero", null))),
                    "record-separator-zero" => Do(() => o.PsetOptions.Add(("recordsep_zero", null))),
                    "expanded" => Do(() => o.PsetOptions.Add(("expanded", "on"))),
                    "csv" => Do(() => o.PsetOptions.Add(("format", "csv"))),
                    "quiet" => Do(() => o.Quiet = true),
                    "no-psqlrc" => Do(() => o.NoPsqlrc = true),
                    "no-password" => Do(() => o.NeverPrompt = true),
                    "password" => Do(() => o.ForcePrompt = true),
                    "set" or "variable" => Var(Long()),
                    "pset" => PsetArg(Long()),
                    "list" => Do(() => o.ListDatabases = true),
                    "echo-queries" => Do(() => o.Echo = "queries"),
                    "echo-all" => Do(() => o.Echo = "all"),
                    "echo-errors" => Do(() => o.Echo = "errors"),
                    "echo-hidden" => Do(() => o.Variables.Add(("ECHO_HIDDEN", "on"))),
                    "single-step" => Do(() => o.Variables.Add(("SINGLESTEP", "on"))),
                    "single-line" => Do(() => o.Variables.Add(("SINGLELINE", "on"))),
                    "html" => Do(() => o.PsetOptions.Add(("format", "html"))),
                    "table-attr" => Pset("tableattr", Long()),
                    "single-transaction" => Do(() => o.SingleTransaction = true),
                    "no-readline" => Do(() => o.NoReadline = true),
                    "log-file" => LogFile(Long()),
                    "help" => Help(inline),
                    "version" => Do(() => o.ShowVersion = true),
                    _ => $"unrecognized option '--{name}'",
                };
                if (err is not null)
                {
                    return err;
                }

                continue;
            }

            if (a.Length >= 2 && a[0] == '-')
            {
                for (int j = 1; j < a.Length; j++)
                {
                    char f = a[j];
                    string? Short()
                    {
                        if (j + 1 < a.Length)
                        {
                            string rest = a[(j + 1)..];
                            j = a.Length;
                            return rest;
                        }

                        j = a.Length;
                        return Value(f.ToString());
                    }

                    string? err = f switch
                    {
                        'h' => Set("host", Short()),
                        'p' => Set("port", Short()),
                        'U' => Set("user", Short()),
                        'd' => Set("dbname", Short()),
                        'c' => Add(false, Short()),
                        'f' => Add(true, Short()),
                        'o' => Output(Short()),
                        'A' => Do(() => o.PsetOptions.Add(("format", "unaligned"))),
                        't' => Do(() => o.PsetOptions.Add(("tuples_only", "on"))),
                        'F' => Pset("fieldsep", Short()),
                        'R' => Pset("recordsep", Short()),
                        'x' => Do(() => o.PsetOptions.Add(("expanded", "on"))),
                        'X' => Do(() => o.NoPsqlrc = true),
                        'q' => Do(() => o.Quiet = true),
                        'v' => Var(Short()),
                        'P' => PsetArg(Short()),
                        'w' => Do(() => o.NeverPrompt = true),
                        'W' => Do(() => o.ForcePrompt = true),
                        'z' => Do(() => o.PsetOptions.Add(("fieldsep_zero", null))),
                        '0' => Do(() => o.PsetOptions.Add(("recordsep_zero", null))),
                        'l' => Do(() => o.ListDatabases = true),
                        'e' => Do(() => o.Echo = "queries"),
                        'a' => Do(() => o.Echo = "all"),
                        'b' => Do(() => o.Echo = "errors"),
                        'E' => Do(() => o.Variables.Add(("ECHO_HIDDEN", "on"))),
                        's' => Do(() => o.Variables.Add(("SINGLESTEP", "on"))),
                        'S' => Do(() => o.Variables.Add(("SINGLELINE", "on"))),
                        'H' => Do(() => o.PsetOptions.Add(("format", "html"))),
                        'T' => Pset("tableattr", Short()),
                        '1' => Do(() => o.SingleTransaction = true),
                        'n' => Do(() => o.NoReadline = true),
                        'L' => LogFile(Short()),
                        'V' => Do(() => o.ShowVersion = true),
                        '?' => Do(() => o.ShowHelp = true),
                        _ => $"invalid option -- '{f}'",
                    };
                    if (err is not null)
                    {
                        return err;
                    }
                }

                continue;
            }

            positional.Add(a);
        }

        if (positional.Count > 0)
        {
            if (o.Overrides.ContainsKey("dbname"))
            {
                if (!o.Overrides.ContainsKey("user"))
                {
                    o.Overrides["user"] = positional[0];
                    positional.RemoveAt(0);
                }
            }
            else
            {
                o.ConnInfo = positional[0];
                positional.RemoveAt(0);
                if (positional.Count > 0 && !o.Overrides.ContainsKey("user"))
                {
                    o.Overrides["user"] = positional[0];
                    positional.RemoveAt(0);
                }
            }

            foreach (var extra in positional)
            {
                o.Warnings.Add($"extra command-line argument \"{extra}\" ignored");
            }
        }

        if (o.Overrides.TryGetValue("dbname", out var db) && db is not null && o.ConnInfo is null)
        {
            o.ConnInfo = db;
            o.Overrides.Remove("dbname");
        }

        return null;

        string? Set(string key, string? value)
        {
            if (value is null)
            {
                return $"option requires an argument -- '{key}'";
            }

            o.Overrides[key] = value;
            return null;
        }

        string? Add(bool file, string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            o.Actions.Add(new SimpsqlAction(file, value));
            return null;
        }

        string? Output(string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            o.OutputFile = value;
            return null;
        }

        string? LogFile(string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            o.LogFile = value;
            return null;
        }

        string? Pset(string name, string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            o.PsetOptions.Add((name, value));
            return null;
        }

        string? PsetArg(string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            int eq = value.IndexOf('=', StringComparison.Ordinal);
            o.PsetOptions.Add(eq < 0 ? (value, null) : (value[..eq], value[(eq + 1)..]));
            return null;
        }

        string? Var(string? value)
        {
            if (value is null)
            {
                return "option requires an argument";
            }

            int eq = value.IndexOf('=', StringComparison.Ordinal);
            o.Variables.Add(eq < 0 ? (value, null) : (value[..eq], value[(eq + 1)..]));
            return null;
        }

        static string? Do(Action action)
        {
            action();
            return null;
        }
    }
}
