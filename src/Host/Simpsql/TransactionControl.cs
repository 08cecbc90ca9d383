namespace PgWire.Host.Simpsql;

/// <summary>
/// With AUTOCOMMIT off, simpsql starts a transaction before a statement unless the statement controls
/// transactions itself or cannot run inside a transaction block, as psql does.
/// </summary>
internal static class TransactionControl
{
    /// <summary>True for statements that must not get an implicit BEGIN.</summary>
    public static bool CannotRunInTransaction(string sql)
    {
        var words = Words(sql, 4);
        if (words.Count == 0)
        {
            return true;
        }

        string first = words[0];
        string Word(int i) => i < words.Count ? words[i] : "";
        switch (first)
        {
            case "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "ABORT" or "SAVEPOINT" or "RELEASE" or "VACUUM":
                return true;
            case "PREPARE":
                return Word(1) == "TRANSACTION";
            case "CLUSTER":
                return words.Count == 1;
            case "ALTER":
                return Word(1) == "SYSTEM";
            case "DISCARD":
                return Word(1) == "ALL";
            case "REINDEX":
                return Word(1) is "DATABASE" or "SYSTEM" || Word(1) == "CONCURRENTLY" || Word(2) == "CONCURRENTLY" || Word(3) == "CONCURRENTLY";
            case "CREATE" or "DROP":
                if (Word(1) is "DATABASE" or "TABLESPACE")
                {
                    return true;
                }

                int index = Word(1) == "UNIQUE" ? 2 : 1;
                return Word(index) == "INDEX" && Word(index + 1) == "CONCURRENTLY";
            default:
                return false;
        }
    }

    /// <summary>The first words of a statement, upper-cased, after white space and comments.</summary>
    private static List<string> Words(string sql, int count)
    {
        var words = new List<string>();
        int i = 0;
        while (i < sql.Length && words.Count < count)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                int end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                int depth = 1;
                i += 2;
                while (i < sql.Length && depth > 0)
                {
                    if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
                    {
                        depth++;
                        i += 2;
                    }
                    else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
                    {
                        depth--;
                        i += 2;
                    }
                    else
                    {
                        i++;
                    }
                }
            }
            else if (char.IsLetter(c))
            {
                int start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                words.Add(sql[start..i].ToUpperInvariant());
            }
            else
            {
                break;
            }
        }

        return words;
    }
}
