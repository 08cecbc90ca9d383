using System.Globalization;

namespace PgWire.Host.Simpsql;

/// <summary>psql's parsing of variable values: booleans by unique prefix, integers as C's strtol reads them.</summary>
internal static class VariableValues
{
    /// <summary>
    /// true/false/yes/no by any prefix, on/off by a prefix of two letters or more ("o" is ambiguous), 1 and 0;
    /// case-insensitive. Null when the value is none of them.
    /// </summary>
    public static bool? ParseBool(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > 0)
        {
            if (IsPrefixOf(value, "true") || IsPrefixOf(value, "yes"))
            {
                return true;
            }

            if (IsPrefixOf(value, "false") || IsPrefixOf(value, "no"))
            {
                return false;
            }
        }

        if (value.Length >= 2 && IsPrefixOf(value, "on"))
        {
            return true;
        }

        if (value.Length >= 2 && IsPrefixOf(value, "off"))
        {
            return false;
        }

        return value switch
        {
            "1" => true,
            "0" => false,
            _ => null,
        };
    }

    /// <summary>An integer written in decimal, 0x hexadecimal or 0 octal, after optional white space and sign, with nothing after it.</summary>
    public static bool TryParseInt(string value, out long result)
    {
        result = 0;
        int i = 0;
        while (i < value.Length && value[i] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
        {
            i++;
        }

        bool negative = false;
        if (i < value.Length && value[i] is '+' or '-')
        {
            negative = value[i] == '-';
            i++;
        }

        int numberBase = 10;
        if (i + 1 < value.Length && value[i] == '0' && value[i + 1] is 'x' or 'X' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 2]))
        {
            numberBase = 16;
            i += 2;
        }
        else if (i < value.Length && value[i] == '0')
        {
            numberBase = 8;
        }

        int start = i;
        long n = 0;
        for (; i < value.Length; i++)
        {
            int digit = value[i] switch
            {
                >= '0' and <= '9' => value[i] - '0',
                >= 'a' and <= 'f' => value[i] - 'a' + 10,
                >= 'A' and <= 'F' => value[i] - 'A' + 10,
                _ => 99,
            };
            if (digit >= numberBase)
            {
                break;
            }

            n = unchecked((n * numberBase) + digit);
        }

        if (i == start || i != value.Length || n > int.MaxValue)
        {
            return false;
        }

        result = negative ? -n : n;
        return true;
    }

    /// <summary>psql's variable names: ASCII letters, digits and underscores, and any non-ASCII character.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c > 0x7f);

    private static bool IsPrefixOf(string value, string word) =>
        value.Length <= word.Length && word.StartsWith(value, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The variables psql treats specially: what an unset or empty value becomes, which values they accept
/// and the message for one they do not.
/// </summary>
internal sealed class SpecialVariable
{
    private readonly Func<string?, string?> _substitute;
    private readonly Func<string, string, string?> _check;

    private SpecialVariable(Func<string?, string?> substitute, Func<string, string, string?> check)
    {
        _substitute = substitute;
        _check = check;
    }

    /// <summary>The value stored for <paramref name="value"/> (null when unset), before it is checked.</summary>
    public string? Substitute(string? value) => _substitute(value);

    /// <summary>The error for a value the variable does not accept, or null.</summary>
    public string? Check(string name, string value) => _check(name, value);

    private static readonly SpecialVariable Boolean = new(
        v => v is null ? "off" : v.Length == 0 ? "on" : v,
        (name, v) => VariableValues.ParseBool(v) is null ? $"unrecognized value \"{v}\" for \"{name}\": Boolean expected" : null);

    private static readonly SpecialVariable Free = new(v => v, (_, _) => null);

    private static SpecialVariable Integer(string whenUnset) => new(
        v => v ?? whenUnset,
        (name, v) => VariableValues.TryParseInt(v, out _) ? null : $"invalid value \"{v}\" for \"{name}\": integer expected");

    private static SpecialVariable Choice(string whenUnset, string? whenEmpty, bool orBoolean, params string[] values) => new(
        v => v is null ? whenUnset : v.Length == 0 && whenEmpty is not null ? whenEmpty : v,
        (name, v) => values.Any(x => x.Equals(v, StringComparison.OrdinalIgnoreCase)) || (orBoolean && VariableValues.ParseBool(v) is not null)
            ? null
            : $"unrecognized value \"{v}\" for \"{name}\"\nAvailable values are: {string.Join(", ", orBoolean ? ["on", "off", .. values] : values)}.");

    /// <summary>
    /// Why setting <paramref name="name"/> to <paramref name="value"/> (null: unsetting it) is refused: an
    /// invalid name or a value a special variable does not accept. Null when it is accepted.
    /// </summary>
    public static string? Refusal(string name, string? value)
    {
        if (!VariableValues.IsValidName(name))
        {
            return $"invalid variable name: \"{name}\"";
        }

        return All.TryGetValue(name, out var special) && special.Substitute(value) is { } stored ? special.Check(name, stored) : null;
    }

    /// <summary>Every variable psql 15 gives a hook, by name.</summary>
    public static IReadOnlyDictionary<string, SpecialVariable> All { get; } = new Dictionary<string, SpecialVariable>(StringComparer.Ordinal)
    {
        ["AUTOCOMMIT"] = Boolean,
        ["ON_ERROR_STOP"] = Boolean,
        ["QUIET"] = Boolean,
        ["SINGLELINE"] = Boolean,
        ["SINGLESTEP"] = Boolean,
        ["SHOW_ALL_RESULTS"] = Boolean,
        ["HIDE_TABLEAM"] = Boolean,
        ["HIDE_TOAST_COMPRESSION"] = Boolean,
        ["FETCH_COUNT"] = Integer("0"),
        ["HISTSIZE"] = Integer("500"),
        ["IGNOREEOF"] = new(v => v is null ? "0" : VariableValues.TryParseInt(v, out _) ? v : "10", (_, _) => null),
        ["ECHO"] = Choice("none", null, false, "none", "errors", "queries", "all"),
        ["ECHO_HIDDEN"] = Choice("off", "on", true, "noexec"),
        ["ON_ERROR_ROLLBACK"] = Choice("off", "on", true, "interactive"),
        ["COMP_KEYWORD_CASE"] = Choice("preserve-upper", null, false, "lower", "upper", "preserve-lower", "preserve-upper"),
        ["HISTCONTROL"] = Choice("none", null, false, "none", "ignorespace", "ignoredups", "ignoreboth"),
        ["VERBOSITY"] = Choice("default", null, false, "default", "verbose", "terse", "sqlstate"),
        ["SHOW_CONTEXT"] = Choice("errors", null, false, "never", "errors", "always"),
        ["HISTFILE"] = Free,
        ["PROMPT1"] = Free,
        ["PROMPT2"] = Free,
        ["PROMPT3"] = Free,
    };

    /// <summary>The values psql starts with (the special variables that are set at start, and the version).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Defaults(string versionName, int versionNumber)
    {
        foreach (var (name, special) in All)
        {
            if (name != "HISTFILE" && !name.StartsWith("PROMPT", StringComparison.Ordinal))
            {
                yield return new(name, special.Substitute(null)!);
            }
        }

        yield return new("AUTOCOMMIT", "on");
        yield return new("SHOW_ALL_RESULTS", "on");
        yield return new("PROMPT1", "%/%R%x%# ");
        yield return new("PROMPT2", "%/%R%x%# ");
        yield return new("PROMPT3", ">> ");
        yield return new("LAST_ERROR_MESSAGE", "");
        yield return new("LAST_ERROR_SQLSTATE", "00000");
        yield return new("VERSION", $"PgWire simpsql {SimpsqlCommand.Version} (psql {versionName} compatible)");
        yield return new("VERSION_NAME", versionName);
        yield return new("VERSION_NUM", versionNumber.ToString(CultureInfo.InvariantCulture));
    }
}
