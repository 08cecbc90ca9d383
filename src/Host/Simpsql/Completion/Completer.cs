namespace PgWire.Host.Simpsql.Completion;

/// <summary>Reads names from the server's catalog for completion.</summary>
public interface ICompletionCatalog
{
    /// <summary>
    /// Names of <paramref name="source"/>'s kind whose name starts with <paramref name="prefix"/> ignoring case (the caller
    /// filters more exactly), in schema <paramref name="schema"/> or, when it is null, visible on the search path. Raw
    /// names, not quoted; empty when the catalog cannot be asked now.
    /// </summary>
    IReadOnlyList<string> Names(CatalogSource source, string? schema, string prefix);
}

/// <summary>The candidates for the word ending at the cursor, which they replace from <see cref="Start"/>.</summary>
public sealed record CompletionResult(int Start, IReadOnlyList<string> Candidates);

/// <summary>Turns a <see cref="CompletionPlan"/> into candidates, asking the catalog, the variables and the file system.</summary>
public sealed class Completer
{
    private static readonly HashSet<NameKind> Qualifiable =
    [
        NameKind.Selectable, NameKind.Updatable, NameKind.Table, NameKind.View, NameKind.MaterializedView, NameKind.Sequence,
        NameKind.Index, NameKind.ForeignTable, NameKind.Relation, NameKind.Function, NameKind.Procedure, NameKind.Type,
    ];

    private readonly ICompletionCatalog _catalog;
    private readonly Func<IEnumerable<string>> _variables;
    private readonly Func<string?> _keywordCase;

    /// <param name="catalog">Where catalog names come from.</param>
    /// <param name="variables">The names of the psql variables that are set.</param>
    /// <param name="keywordCase">COMP_KEYWORD_CASE: upper, lower, preserve-upper (the default) or preserve-lower.</param>
    public Completer(ICompletionCatalog catalog, Func<IEnumerable<string>> variables, Func<string?> keywordCase)
    {
        _catalog = catalog;
        _variables = variables;
        _keywordCase = keywordCase;
    }

    /// <summary>Candidates for the end of <paramref name="before"/> (the statement up to the cursor); <paramref name="after"/> follows the cursor.</summary>
    public CompletionResult Complete(string before, string after = "")
    {
        var plan = CompletionEngine.Analyze(before, after);
        var candidates = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in plan.Sources)
        {
            var found = From(source, plan);
            found.Sort(StringComparer.Ordinal);
            foreach (string candidate in found)
            {
                if (seen.Add(candidate))
                {
                    candidates.Add(candidate);
                }
            }
        }

        if (!plan.Sources.Any(s => s is CatalogSource { Kind: NameKind.Column }))
        {
            // One sorted list, as readline shows it; only columns keep their place before what follows them.
            candidates.Sort(StringComparer.Ordinal);
        }

        return new CompletionResult(plan.WordStart, candidates);
    }

    private List<string> From(CandidateSource source, CompletionPlan plan)
    {
        string word = plan.Word;
        switch (source)
        {
            case KeywordSource keywords:
                return [.. keywords.Words.Where(k => k.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Select(k => keywords.AsWritten ? k : InKeywordCase(k, word))];
            case LiteralSource literals:
                return [.. literals.Words.Where(w => w.StartsWith(word, StringComparison.Ordinal))];
            case VariableSource variables:
                return Variables(variables, word);
            case FileSource files:
                return FileNames.Complete(word, files.Quoted);
            case CatalogSource catalog:
                return Catalog(catalog, plan);
            default:
                return [];
        }
    }

    private string InKeywordCase(string keyword, string typed)
    {
        if (keyword.Length == 0 || !char.IsLetter(keyword[0]))
        {
            return keyword;
        }

        string mode = _keywordCase() ?? "preserve-upper";
        bool lower = mode is "preserve-lower" or "preserve-upper" && typed.Length > 0
            ? char.IsLower(typed[0])
            : mode is "lower" or "preserve-lower";
        return lower ? keyword.ToLowerInvariant() : keyword.ToUpperInvariant();
    }

    private List<string> Variables(VariableSource source, string word)
    {
        if (!source.Reference)
        {
            return [.. _variables().Where(v => v.StartsWith(word, StringComparison.Ordinal))];
        }

        // :name, :'name' (a literal), :"name" (an identifier)
        string opening = word.Length > 1 && word[1] is '\'' or '"' ? word[..2] : ":";
        string typed = word[opening.Length..];
        string closing = opening.Length == 2 ? opening[1..] : "";
        return [.. _variables().Where(v => v.StartsWith(typed, StringComparison.Ordinal)).Select(v => opening + v + closing)];
    }

    private List<string> Catalog(CatalogSource source, CompletionPlan plan)
    {
        string word = plan.Word;
        switch (source.Kind)
        {
            case NameKind.Setting or NameKind.AnySetting or NameKind.SystemSetting:
                return [.. _catalog.Names(source, null, word).Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Select(n => word.Length > 0 && char.IsUpper(word[0]) ? n.ToUpperInvariant() : n)];
            case NameKind.SettingValue:
                {
                    string typed = word.TrimStart('\'');
                    return [.. _catalog.Names(source, null, typed).Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Select(QuoteValue)];
                }
        }

        var parts = NameParts.Split(word);
        if (source.Kind == NameKind.Column)
        {
            return Columns(source, plan, parts);
        }

        if (parts.Count > 2)
        {
            return [];
        }

        var last = parts[^1];
        if (parts.Count == 2)
        {
            if (!Qualifiable.Contains(source.Kind))
            {
                return [];
            }

            string qualifier = parts[0].Typed + ".";
            return [.. _catalog.Names(source, parts[0].Name, last.Name).Where(n => Fits(last, n)).Select(n => qualifier + NameParts.Quote(n, last.Quoted))];
        }

        var names = _catalog.Names(source, null, last.Name).Where(n => Fits(last, n)).Select(n => NameParts.Quote(n, last.Quoted)).ToList();
        if (source.Kind == NameKind.Type && !last.Quoted)
        {
            // The SQL standard's names of types that are keywords, not catalog names (psql offers them too).
            names.AddRange(SqlWords.TypeKeywords.Where(k => k.StartsWith(last.Name, StringComparison.OrdinalIgnoreCase)).Select(k => InKeywordCase(k, word)));
        }

        if (Qualifiable.Contains(source.Kind))
        {
            // Schemas, so that the name can be qualified: "public." then the names in it.
            bool system = last.Name.StartsWith("pg_", StringComparison.Ordinal);
            names.AddRange(_catalog.Names(new CatalogSource(NameKind.Schema), null, last.Name)
                .Where(s => Fits(last, s) && (system || !s.StartsWith("pg_", StringComparison.Ordinal)))
                .Select(s => NameParts.Quote(s, last.Quoted) + "."));
        }
        else if (source.Kind == NameKind.Schema)
        {
            bool system = last.Name.StartsWith("pg_", StringComparison.Ordinal);
            names.RemoveAll(s => !system && s.StartsWith("pg_", StringComparison.Ordinal));
        }

        return names;
    }

    private List<string> Columns(CatalogSource source, CompletionPlan plan, List<NamePart> parts)
    {
        if (parts.Count == 2)
        {
            // alias.column or table.column
            string qualifier = parts[0].Name;
            var use = plan.Relations.FirstOrDefault(r => r.Alias == qualifier) ?? plan.Relations.FirstOrDefault(r => r.Alias is null && r.Relation.Name == qualifier);
            if (use is null)
            {
                return [];
            }

            var last = parts[1];
            var scoped = source with { Tables = [use.Relation] };
            return [.. _catalog.Names(scoped, null, last.Name).Where(n => Fits(last, n)).Select(n => parts[0].Typed + "." + NameParts.Quote(n, last.Quoted))];
        }

        if (parts.Count != 1 || source.Tables.Count == 0)
        {
            return [];
        }

        var part = parts[0];
        return [.. _catalog.Names(source, null, part.Name).Where(n => Fits(part, n)).Select(n => NameParts.Quote(n, part.Quoted))];
    }

    /// <summary>Whether a name continues what was typed: exactly after a quote, else ignoring case.</summary>
    private static bool Fits(NamePart typed, string name) =>
        name.StartsWith(typed.Name, typed.Quoted ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    private static string QuoteValue(string value)
    {
        bool plain = value.Length > 0 && value.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '.' or '-')
            && (char.IsLetter(value[0]) || char.IsDigit(value[0]) && value.All(c => char.IsDigit(c) || c == '.'));
        return plain && !value.Contains('-', StringComparison.Ordinal) ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
