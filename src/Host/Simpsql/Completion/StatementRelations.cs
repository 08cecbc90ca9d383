namespace PgWire.Host.Simpsql.Completion;

/// <summary>A relation a statement reads or writes, with the alias it is given there (null: none).</summary>
public sealed record RelationUse(RelationName Relation, string? Alias);

/// <summary>Finds the relations named in a statement: after FROM, JOIN, UPDATE, INTO, USING, TABLE.</summary>
public static class StatementRelations
{
    public static List<RelationUse> Find(IReadOnlyList<SqlToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var uses = new List<RelationUse>();
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            bool list = t.Is("FROM") || t.Is("USING");
            if (!(list || t.Is("JOIN") || t.Is("UPDATE") || t.Is("INTO") || t.Is("TABLE")))
            {
                continue;
            }

            int j = i + 1;
            while (j < tokens.Count)
            {
                while (j < tokens.Count && (tokens[j].Is("ONLY") || tokens[j].Is("LATERAL")))
                {
                    j++;
                }

                if (j >= tokens.Count || tokens[j].Kind != SqlTokenKind.Word || SqlWords.ClauseWords.Contains(tokens[j].Text))
                {
                    break;
                }

                var relation = NameParts.ToRelation(tokens[j].Text);
                j++;
                if ((list || t.Is("JOIN")) && j < tokens.Count && tokens[j].Kind == SqlTokenKind.Punctuation && tokens[j].Text == "(")
                {
                    // a function in FROM, not a relation
                    relation = null;
                }

                string? alias = null;
                if (j < tokens.Count && tokens[j].Is("AS"))
                {
                    j++;
                }

                if (j < tokens.Count && tokens[j].Kind == SqlTokenKind.Word && !SqlWords.ClauseWords.Contains(tokens[j].Text) && !tokens[j].Text.Contains('.', StringComparison.Ordinal))
                {
                    alias = NameParts.Split(tokens[j].Text)[0].Name;
                    j++;
                }

                if (relation is not null)
                {
                    uses.Add(new RelationUse(relation, alias));
                }

                if (!list || j >= tokens.Count || tokens[j].Text != ",")
                {
                    break;
                }

                j++;
            }
        }

        return uses;
    }
}
