namespace PgWire.Host.Simpsql.Completion;

/// <summary>Completion of meta-command names and of their arguments.</summary>
internal static class MetaCommandCompletion
{
    private static readonly string[] OnOff = ["off", "on"];

    private static readonly string[] FileCommands =
    [
        "i", "ir", "include", "include_relative", "o", "out", "w", "write", "g", "gx", "s", "e", "edit", "lo_import", "cd",
    ];

    /// <summary>The plan for <paramref name="text"/>, whose meta-command starts (at its backslash) at <paramref name="start"/>.</summary>
    public static CompletionPlan Analyze(string text, int start)
    {
        int nameEnd = start + 1;
        while (nameEnd < text.Length && !char.IsWhiteSpace(text[nameEnd]) && text[nameEnd] != '\\')
        {
            nameEnd++;
        }

        if (nameEnd == text.Length)
        {
            return new CompletionPlan(text[start..], start, [new LiteralSource(SqlWords.MetaCommands)]);
        }

        string command = text[(start + 1)..nameEnd];
        var args = new List<(string Text, int Start)>();
        int i = nameEnd;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                break;
            }

            int argStart = i;
            bool quoted = false;
            while (i < text.Length && (quoted || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '\'')
                {
                    quoted = !quoted;
                }

                i++;
            }

            args.Add((text[argStart..i], argStart));
        }

        if (args.Count == 0 || char.IsWhiteSpace(text[^1]))
        {
            args.Add(("", text.Length));
        }

        var (word, wordStart) = args[^1];
        int index = args.Count - 1;
        var sources = Sources(command, index, args.Select(a => a.Text).ToList());
        return new CompletionPlan(word, wordStart, sources);
    }

    private static List<CandidateSource> Sources(string command, int index, List<string> args)
    {
        if (command == "copy")
        {
            return CopySources(index, args);
        }

        if (FileCommands.Contains(command))
        {
            return index == 0 ? [new FileSource(Quoted: false)] : [];
        }

        switch (command)
        {
            case "c":
            case "connect":
                return index == 0 ? [new CatalogSource(NameKind.Database)] : index == 1 ? [new CatalogSource(NameKind.Role)] : [];
            case "pset":
                return index == 0 ? [new LiteralSource(SqlWords.PsetOptions)] : index == 1 && SqlWords.PsetValues(args[0]) is { } values ? [new LiteralSource(values)] : [];
            case "set":
                return index == 0 ? [new VariableSource(Reference: false)] : index == 1 && VariableValues(args[0]) is { } choices ? [new LiteralSource(choices)] : [];
            case "unset":
                return index == 0 ? [new VariableSource(Reference: false)] : [];
            case "x":
                return index == 0 ? [new LiteralSource(["auto", "off", "on"])] : [];
            case "t":
            case "timing":
                return index == 0 ? [new LiteralSource(OnOff)] : [];
            case "h":
            case "help":
                return index == 0 ? [new KeywordSource(SqlWords.StatementStarts) { AsWritten = true }] : [];
            case "?":
                return index == 0 ? [new LiteralSource(["commands", "options", "variables"])] : [];
            case "l":
            case "l+":
            case "list":
            case "list+":
                return index == 0 ? [new CatalogSource(NameKind.Database)] : [];
            case "password":
                return index == 0 ? [new CatalogSource(NameKind.Role)] : [];
            case "sf":
            case "sf+":
            case "ef":
                return index == 0 ? [new CatalogSource(NameKind.Function)] : [];
            case "sv":
            case "sv+":
            case "ev":
                return index == 0 ? [new CatalogSource(NameKind.View)] : [];
            case "z":
            case "zS":
                return index == 0 ? [new CatalogSource(NameKind.Selectable), new CatalogSource(NameKind.Sequence)] : [];
        }

        if (command.StartsWith('d') && index == 0)
        {
            return DescribeSources(command.TrimEnd('+', 'S'));
        }

        return [];
    }

    /// <summary>What the \d family takes as its pattern.</summary>
    private static List<CandidateSource> DescribeSources(string command)
    {
        switch (command)
        {
            case "d":
                return [new CatalogSource(NameKind.Relation)];
            case "dn":
                return [new CatalogSource(NameKind.Schema)];
            case "du":
            case "dg":
            case "drds":
                return [new CatalogSource(NameKind.Role)];
            case "db":
                return [new CatalogSource(NameKind.Tablespace)];
            case "dx":
                return [new CatalogSource(NameKind.Extension)];
            case "dT":
            case "dD":
                return [new CatalogSource(NameKind.Type)];
            case "dp":
                return [new CatalogSource(NameKind.Selectable), new CatalogSource(NameKind.Sequence)];
            case "dconfig":
                return [new CatalogSource(NameKind.AnySetting)];
            case "dA":
                return [new CatalogSource(NameKind.IndexMethod)];
        }

        if (command.StartsWith("df", StringComparison.Ordinal))
        {
            return [new CatalogSource(NameKind.Function)];
        }

        // \dt, \dv, \dm, \di, \ds, \dE and their combinations (\dtv ...).
        string letters = command[1..];
        if (letters.Length == 0 || letters.Any(c => "tvmisE".IndexOf(c, StringComparison.Ordinal) < 0))
        {
            return [];
        }

        if (letters.Length > 1)
        {
            return [.. letters.Distinct().Select(Kind).Select(k => new CatalogSource(k))];
        }

        return [new CatalogSource(Kind(letters[0]))];

        static NameKind Kind(char c) => c switch
        {
            't' => NameKind.Table,
            'v' => NameKind.View,
            'm' => NameKind.MaterializedView,
            'i' => NameKind.Index,
            's' => NameKind.Sequence,
            _ => NameKind.ForeignTable,
        };
    }

    /// <summary>\copy table [(columns)] from|to file|stdin|stdout|pstdin|pstdout|program.</summary>
    private static List<CandidateSource> CopySources(int index, List<string> args)
    {
        if (index == 0)
        {
            return [new CatalogSource(NameKind.Selectable), new KeywordSource(["("])];
        }

        string previous = args[index - 1];
        if (previous.Equals("from", StringComparison.OrdinalIgnoreCase))
        {
            return [new FileSource(Quoted: false), new KeywordSource(["PROGRAM", "PSTDIN", "STDIN"])];
        }

        if (previous.Equals("to", StringComparison.OrdinalIgnoreCase))
        {
            return [new FileSource(Quoted: false), new KeywordSource(["PROGRAM", "PSTDOUT", "STDOUT"])];
        }

        bool directionGiven = args.Take(index).Any(a => a.Equals("from", StringComparison.OrdinalIgnoreCase) || a.Equals("to", StringComparison.OrdinalIgnoreCase));
        return directionGiven ? [new KeywordSource(["WITH"])] : [new KeywordSource(["FROM", "TO"])];
    }

    /// <summary>The values \set offers for a special variable.</summary>
    private static string[]? VariableValues(string name) => name switch
    {
        "AUTOCOMMIT" or "ON_ERROR_STOP" or "QUIET" or "SINGLELINE" or "SINGLESTEP" or "SHOW_ALL_RESULTS" or "HIDE_TABLEAM" or "HIDE_TOAST_COMPRESSION" => OnOff,
        "ECHO" => ["all", "errors", "none", "queries"],
        "ECHO_HIDDEN" => ["noexec", "off", "on"],
        "ON_ERROR_ROLLBACK" => ["interactive", "off", "on"],
        "COMP_KEYWORD_CASE" => ["lower", "preserve-lower", "preserve-upper", "upper"],
        "HISTCONTROL" => ["ignoreboth", "ignoredups", "ignorespace", "none"],
        "VERBOSITY" => ["default", "sqlstate", "terse", "verbose"],
        "SHOW_CONTEXT" => ["always", "errors", "never"],
        _ => null,
    };
}
