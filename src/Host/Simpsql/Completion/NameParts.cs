using System.Text;

namespace PgWire.Host.Simpsql.Completion;

/// <summary>One part of a dotted name as typed: its meaning (quotes removed, unquoted text folded to lower case) and whether it was quoted.</summary>
public readonly record struct NamePart(string Name, bool Quoted, string Typed);

/// <summary>Splitting, folding and quoting SQL names.</summary>
public static class NameParts
{
    /// <summary>Splits a possibly qualified, possibly partly typed name at the dots outside quotes.</summary>
    public static List<NamePart> Split(string text)
    {
        var parts = new List<NamePart>();
        int i = 0;
        while (true)
        {
            int start = i;
            var name = new StringBuilder();
            bool quoted = false;
            while (i < text.Length && text[i] != '.')
            {
                if (text[i] == '"')
                {
                    quoted = true;
                    i++;
                    while (i < text.Length)
                    {
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"')
                            {
                                name.Append('"');
                                i += 2;
                                continue;
                            }

                            i++;
                            break;
                        }

                        name.Append(text[i++]);
                    }
                }
                else
                {
                    name.Append(char.ToLowerInvariant(text[i++]));
                }
            }

            parts.Add(new NamePart(name.ToString(), quoted, text[start..i]));
            if (i >= text.Length)
            {
                return parts;
            }

            i++;
        }
    }

    /// <summary>The relation a (possibly qualified) name in a statement means; null for a name of more than two parts.</summary>
    public static RelationName? ToRelation(string text)
    {
        var parts = Split(text);
        return parts.Count switch
        {
            1 when parts[0].Name.Length > 0 => new RelationName(null, parts[0].Name),
            2 when parts[1].Name.Length > 0 => new RelationName(parts[0].Name, parts[1].Name),
            _ => null,
        };
    }

    /// <summary>True when a name must be double-quoted to be read back as itself.</summary>
    public static bool NeedsQuotes(string name)
    {
        if (name.Length == 0 || !(name[0] is >= 'a' and <= 'z' || name[0] == '_'))
        {
            return true;
        }

        foreach (char c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '$'))
            {
                return true;
            }
        }

        return SqlWords.Reserved.Contains(name);
    }

    /// <summary>The name as SQL text: as is when it needs no quotes (and <paramref name="forceQuotes"/> is false), else double-quoted.</summary>
    public static string Quote(string name, bool forceQuotes = false) =>
        forceQuotes || NeedsQuotes(name) ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
}
