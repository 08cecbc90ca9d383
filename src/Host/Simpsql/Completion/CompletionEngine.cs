namespace PgWire.Host.Simpsql.Completion;

/// <summary>
/// Decides what fits at the cursor of a statement being typed: keywords, kinds of catalog names, files or variables.
/// Pure: it reads only the text (the statement up to the cursor and what follows it), so it needs no server.
/// </summary>
public static class CompletionEngine
{
    private static readonly CandidateSource Expression = new CatalogSource(NameKind.Function);

    /// <summary>The plan for completing at the end of <paramref name="before"/>; <paramref name="after"/> is the text after the cursor.</summary>
    public static CompletionPlan Analyze(string before, string after = "")
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var tokens = StatementLexer.Tokenize(before, out int meta, out bool inComment);
        if (inComment)
        {
            return CompletionPlan.None("", before.Length);
        }

        if (meta >= 0)
        {
            return MetaCommandCompletion.Analyze(before, meta);
        }

        string word = "";
        int wordStart = before.Length;
        SqlToken? current = null;
        if (tokens.Count > 0 && tokens[^1].End == before.Length && tokens[^1].Kind is SqlTokenKind.Word or SqlTokenKind.Variable or SqlTokenKind.String or SqlTokenKind.Number
            && (tokens[^1].Kind != SqlTokenKind.String || tokens[^1].Unterminated))
        {
            current = tokens[^1];
            word = current.Value.Text;
            wordStart = current.Value.Start;
            tokens.RemoveAt(tokens.Count - 1);
        }

        int statementStart = tokens.FindLastIndex(t => t.Kind == SqlTokenKind.Punctuation && t.Text == ";") + 1;
        var statement = tokens.GetRange(statementStart, tokens.Count - statementStart);
        var following = StatementLexer.Tokenize(after, out _, out _);
        int followingEnd = following.FindIndex(t => t.Kind == SqlTokenKind.Punctuation && t.Text == ";");
        var whole = new List<SqlToken>(statement);
        if (current is { Kind: SqlTokenKind.Word } c)
        {
            whole.Add(c);
        }

        whole.AddRange(followingEnd < 0 ? following : following.GetRange(0, followingEnd));
        var analysis = new Statement(Collapse(statement, out var outer), outer, whole);
        List<CandidateSource> sources;
        if (current is { Kind: SqlTokenKind.Variable })
        {
            sources = [new VariableSource(Reference: true)];
        }
        else if (current is { Kind: SqlTokenKind.Number })
        {
            sources = [];
        }
        else if (current is { Kind: SqlTokenKind.String })
        {
            sources = analysis.Tail("COPY", "*", "FROM|TO") || analysis.Tail("COPY", "*", "(*)", "FROM|TO") ? [new FileSource(Quoted: true)] : [];
        }
        else
        {
            sources = analysis.Sources();
        }

        return new CompletionPlan(word, wordStart, sources) { Relations = StatementRelations.Find(whole) };
    }

    /// <summary>
    /// Replaces each parenthesised group closed before the cursor with one <see cref="SqlTokenKind.Group"/> token and
    /// returns the tokens after the innermost parenthesis still open; <paramref name="outer"/> gets those before it.
    /// </summary>
    private static List<SqlToken> Collapse(List<SqlToken> tokens, out List<SqlToken> outer)
    {
        var result = new List<SqlToken>();
        var open = new Stack<int>();
        foreach (var t in tokens)
        {
            if (t.Kind == SqlTokenKind.Punctuation && t.Text == "(")
            {
                open.Push(result.Count);
                result.Add(t);
            }
            else if (t.Kind == SqlTokenKind.Punctuation && t.Text == ")" && open.Count > 0)
            {
                int at = open.Pop();
                int start = result[at].Start;
                result.RemoveRange(at, result.Count - at);
                result.Add(new SqlToken(SqlTokenKind.Group, "(*)", start));
            }
            else
            {
                result.Add(t);
            }
        }

        if (open.Count == 0)
        {
            outer = [];
            return result;
        }

        int innermost = open.Peek();
        outer = result.GetRange(0, innermost);
        return result.GetRange(innermost + 1, result.Count - innermost - 1);
    }

    private static KeywordSource Keywords(params string[] words) => new(words);

    private static CatalogSource Names(NameKind kind) => new(kind);

    /// <summary>The tokens before the cursor at the innermost open parenthesis, with matching helpers.</summary>
    private sealed class Statement(List<SqlToken> context, List<SqlToken> outer, List<SqlToken> whole)
    {
        private List<SqlToken> _ctx = context;

        private int Count => _ctx.Count;

        public bool Tail(params string[] pattern) => MatchAt(_ctx, _ctx.Count - pattern.Length, pattern);

        private bool Head(params string[] pattern) => MatchAt(_ctx, 0, pattern);

        private bool Is(params string[] pattern) => _ctx.Count == pattern.Length && MatchAt(_ctx, 0, pattern);

        private bool OuterTail(params string[] pattern) => MatchAt(outer, outer.Count - pattern.Length, pattern);

        private static bool MatchAt(List<SqlToken> tokens, int start, string[] pattern)
        {
            if (start < 0 || start + pattern.Length > tokens.Count)
            {
                return false;
            }

            for (int i = 0; i < pattern.Length; i++)
            {
                if (!Matches(tokens[start + i], pattern[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool Matches(SqlToken token, string pattern)
        {
            if (pattern == "*")
            {
                return true;
            }

            foreach (string alternative in pattern.Split('|'))
            {
                bool match = alternative switch
                {
                    "(*)" => token.Kind == SqlTokenKind.Group,
                    "<name>" => token.Kind == SqlTokenKind.Word,
                    "<string>" => token.Kind == SqlTokenKind.String,
                    "<number>" => token.Kind == SqlTokenKind.Number,
                    _ when token.Kind is SqlTokenKind.Punctuation or SqlTokenKind.Operator => token.Text == alternative,
                    _ => token.Is(alternative),
                };
                if (match)
                {
                    return true;
                }
            }

            return false;
        }

        private SqlToken Last(int back = 1) => _ctx[^back];

        private static RelationName? Relation(SqlToken token) => token.Kind == SqlTokenKind.Word ? NameParts.ToRelation(token.Text) : null;

        /// <summary>Columns of every relation named in the statement, then functions.</summary>
        private List<CandidateSource> ExpressionSources(params string[] keywords)
        {
            var sources = new List<CandidateSource>();
            var tables = StatementRelations.Find(whole).Select(r => r.Relation).Distinct().ToList();
            if (tables.Count > 0)
            {
                sources.Add(new CatalogSource(NameKind.Column) { Tables = tables });
            }

            sources.Add(Expression);
            if (keywords.Length > 0)
            {
                sources.Add(Keywords(keywords));
            }

            return sources;
        }

        private static List<CandidateSource> Columns(RelationName? table) =>
            table is null ? [] : [new CatalogSource(NameKind.Column) { Tables = [table] }];

        public List<CandidateSource> Sources()
        {
            if (Tail("::"))
            {
                return [Names(NameKind.Type)];
            }

            if (outer.Count > 0)
            {
                if (InParentheses() is { } inner)
                {
                    return inner;
                }
            }

            StripToInnerStatement();
            return Count == 0 ? (outer.Count == 0 ? [Keywords(SqlWords.StatementStarts)] : [Keywords("SELECT", "VALUES", "WITH")]) : StatementSources();
        }

        /// <summary>Completion directly inside a parenthesis that decides it by itself (column lists, column definitions).</summary>
        private List<CandidateSource>? InParentheses()
        {
            int comma = _ctx.FindLastIndex(t => t.Kind == SqlTokenKind.Punctuation && t.Text == ",");
            var element = _ctx.GetRange(comma + 1, _ctx.Count - comma - 1);
            bool startOfElement = element.Count == 0;
            var head = new Statement(outer, [], whole);

            // INSERT INTO t (a, b, ...), COPY t (...), CREATE INDEX ... ON t (...), REFERENCES t (...), JOIN ... USING (...)
            if (startOfElement && (head.Tail("INSERT", "INTO", "<name>") || head.Tail("COPY", "<name>") || head.Tail("REFERENCES", "<name>")
                || head.Tail("ON", "<name>") && head.Head("CREATE") || head.Tail("ON", "ONLY", "<name>") && head.Head("CREATE")))
            {
                return Columns(Relation(outer[^1]));
            }

            if (startOfElement && head.Tail("USING") && head.Head("SELECT|WITH"))
            {
                return ExpressionSources();
            }

            if (head.Head("CREATE") && (head.Tail("TABLE", "<name>") || head.Tail("TABLE", "IF", "NOT", "EXISTS", "<name>")))
            {
                // A column definition: name, type, then constraints.
                if (element.Count == 0)
                {
                    return [Keywords(SqlWords.TableConstraints)];
                }

                if (element.Count == 1 && !SqlWords.ClauseWords.Contains(element[0].Text) && !element[0].Is("CONSTRAINT"))
                {
                    return [Names(NameKind.Type)];
                }

                var def = new Statement(element, [], whole);
                if (def.Tail("REFERENCES"))
                {
                    return [Names(NameKind.Table)];
                }

                if (element.Count >= 2 && element[0].Kind == SqlTokenKind.Word && !SqlWords.ClauseWords.Contains(element[0].Text))
                {
                    return def.Tail("NOT") ? [Keywords("NULL")] : def.Tail("PRIMARY|FOREIGN") ? [Keywords("KEY")] : [Keywords(SqlWords.ColumnConstraints)];
                }

                return [];
            }

            if (head.Tail("CAST") && Tail("AS"))
            {
                return [Names(NameKind.Type)];
            }

            if (Count == 0 && head.Tail("FROM|JOIN|EXISTS|LATERAL|AS"))
            {
                return [Keywords("SELECT", "VALUES", "WITH")];
            }

            if (head.Head("CREATE|ALTER|DROP|GRANT|REVOKE|VACUUM|ANALYZE|EXPLAIN|COPY") && Count == 0 || Head("SELECT|WITH|VALUES|TABLE|INSERT|UPDATE|DELETE"))
            {
                return null;
            }

            // An expression: a function's arguments or a parenthesised part of a condition.
            bool expectsOperand = Count == 0 || Last().Kind == SqlTokenKind.Operator || Tail(",|AND|OR|NOT|CASE|WHEN|THEN|ELSE|BETWEEN|LIKE|ILIKE|IN");
            if (!expectsOperand || head.Tail("VALUES") || head.Tail("INTO|TABLE|REFERENCES|ON|USING|INDEX|VIEW|FUNCTION|PROCEDURE|TRIGGER|COPY", "<name>"))
            {
                return null;
            }

            bool functionCall = outer[^1].Kind == SqlTokenKind.Word && !SqlWords.ClauseWords.Contains(outer[^1].Text);
            return Count == 0 && !functionCall && head.Tail("IN|ANY|ALL|SOME|EXISTS") ? ExpressionSources("SELECT") : ExpressionSources();
        }

        /// <summary>Moves past EXPLAIN options, WITH queries and UNION, to the statement the cursor is in.</summary>
        private void StripToInnerStatement()
        {
            while (true)
            {
                if (Head("EXPLAIN"))
                {
                    int i = 1;
                    while (i < Count && (_ctx[i].Is("ANALYZE") || _ctx[i].Is("ANALYSE") || _ctx[i].Is("VERBOSE") || _ctx[i].Kind == SqlTokenKind.Group))
                    {
                        i++;
                    }

                    if (i == Count)
                    {
                        return;
                    }

                    _ctx = _ctx.GetRange(i, Count - i);
                    continue;
                }

                if (Head("WITH"))
                {
                    int i = _ctx.FindLastIndex(t => t.Kind == SqlTokenKind.Group);
                    if (i < 0 || i == Count - 1)
                    {
                        return;
                    }

                    _ctx = _ctx.GetRange(i + 1, Count - i - 1);
                    continue;
                }

                int set = _ctx.FindLastIndex(t => t.Is("UNION") || t.Is("INTERSECT") || t.Is("EXCEPT"));
                if (set >= 0 && set < Count - 1)
                {
                    int next = set + 1 < Count && (_ctx[set + 1].Is("ALL") || _ctx[set + 1].Is("DISTINCT")) ? set + 2 : set + 1;
                    if (next < Count)
                    {
                        _ctx = _ctx.GetRange(next, Count - next);
                        continue;
                    }
                }

                int asQuery = _ctx.FindIndex(t => t.Is("AS"));
                if (Head("CREATE|PREPARE") && asQuery > 0 && asQuery + 1 < Count && MatchAt(_ctx, asQuery + 1, ["SELECT|WITH|VALUES|TABLE|INSERT|UPDATE|DELETE"]))
                {
                    _ctx = _ctx.GetRange(asQuery + 1, Count - asQuery - 1);
                    continue;
                }

                int cursorFor = _ctx.FindIndex(t => t.Is("FOR"));
                if (Head("DECLARE") && cursorFor > 0 && cursorFor + 1 < Count)
                {
                    _ctx = _ctx.GetRange(cursorFor + 1, Count - cursorFor - 1);
                    continue;
                }

                return;
            }
        }

        private List<CandidateSource> StatementSources()
        {
            if (Is("EXPLAIN") || Tail("EXPLAIN", "ANALYZE|ANALYSE|VERBOSE|(*)") || Tail("EXPLAIN", "ANALYZE|ANALYSE", "VERBOSE"))
            {
                return [Keywords([.. SqlWords.Explainable.Where(w => !(Tail("VERBOSE") && w == "VERBOSE")), .. Is("EXPLAIN") ? new[] { "ANALYZE", "VERBOSE" } : Tail("ANALYZE|ANALYSE") ? ["VERBOSE"] : []])];
            }

            if (Head("WITH"))
            {
                return Tail("WITH") ? [Keywords("RECURSIVE")] : Tail("AS") ? [Keywords("MATERIALIZED", "NOT MATERIALIZED")] : Tail("(*)") ? [Keywords(SqlWords.Explainable)] : Tail("<name>") ? [Keywords("AS")] : [];
            }

            return Head("CREATE") ? Create()
                : Head("DROP") ? Drop()
                : Head("ALTER") ? Alter()
                : Head("SET") ? Set()
                : Head("SHOW") ? Show()
                : Head("RESET") ? Reset()
                : Head("BEGIN|START") ? Begin()
                : Head("COMMIT|END|ABORT|ROLLBACK") ? Finish()
                : Head("GRANT|REVOKE") ? Grant()
                : Head("COPY") ? Copy()
                : Head("INSERT") ? Insert()
                : Head("UPDATE") ? Update()
                : Head("DELETE") ? Delete()
                : Head("MERGE") ? Merge()
                : Head("SELECT|VALUES|TABLE") ? Select()
                : OtherStatement();
        }

        private List<CandidateSource> OtherStatement()
        {
            if (Is("TRUNCATE"))
            {
                return [Names(NameKind.Table), Keywords("ONLY", "TABLE")];
            }

            if (Head("TRUNCATE"))
            {
                return Tail("TABLE|ONLY|,") ? [Names(NameKind.Table)] : Tail("RESTART|CONTINUE") ? [Keywords("IDENTITY")] : [Keywords("CASCADE", "CONTINUE IDENTITY", "RESTART IDENTITY", "RESTRICT")];
            }

            if (Head("VACUUM|ANALYZE|ANALYSE"))
            {
                if (Tail("VACUUM|ANALYZE|ANALYSE|FULL|FREEZE|VERBOSE|(*)|,"))
                {
                    var options = Head("VACUUM") ? new[] { "ANALYZE", "FREEZE", "FULL", "VERBOSE" }.Where(o => !_ctx.Any(t => t.Is(o))).ToArray() : Is("ANALYZE") ? ["VERBOSE"] : [];
                    return Tail(",") ? [Names(NameKind.Table), Names(NameKind.MaterializedView)] : [Names(NameKind.Table), Names(NameKind.MaterializedView), Keywords(options)];
                }

                return [];
            }

            if (Is("CLUSTER"))
            {
                return [Names(NameKind.Table), Keywords("VERBOSE")];
            }

            if (Head("CLUSTER"))
            {
                return Tail("VERBOSE") ? [Names(NameKind.Table)] : Tail("USING") ? [Names(NameKind.Index)] : Tail("<name>") ? [Keywords("USING")] : [];
            }

            if (Head("LOCK"))
            {
                return Is("LOCK") ? [Names(NameKind.Table), Keywords("TABLE", "ONLY")]
                    : Tail("TABLE|ONLY|,") ? [Names(NameKind.Table)]
                    : Tail("IN") ? [Keywords(SqlWords.LockModes)]
                    : Tail("MODE") ? [Keywords("NOWAIT")]
                    : Tail("<name>") && !Tail("NOWAIT") ? [Keywords("IN", "NOWAIT")] : [];
            }

            if (Head("REINDEX"))
            {
                return Is("REINDEX") || Is("REINDEX", "(*)") ? [Keywords("DATABASE", "INDEX", "SCHEMA", "SYSTEM", "TABLE")]
                    : Tail("TABLE") || Tail("TABLE", "CONCURRENTLY") ? [Names(NameKind.Table), .. Tail("TABLE") ? new[] { Keywords("CONCURRENTLY") } : []]
                    : Tail("INDEX") || Tail("INDEX", "CONCURRENTLY") ? [Names(NameKind.Index), .. Tail("INDEX") ? new[] { Keywords("CONCURRENTLY") } : []]
                    : Tail("SCHEMA") ? [Names(NameKind.Schema), Keywords("CONCURRENTLY")]
                    : Tail("SCHEMA", "CONCURRENTLY") ? [Names(NameKind.Schema)]
                    : Tail("DATABASE|SYSTEM") ? [Names(NameKind.Database)] : [];
            }

            if (Head("REFRESH"))
            {
                return Is("REFRESH") ? [Keywords("MATERIALIZED VIEW")]
                    : Is("REFRESH", "MATERIALIZED") ? [Keywords("VIEW")]
                    : Is("REFRESH", "MATERIALIZED", "VIEW") ? [Names(NameKind.MaterializedView), Keywords("CONCURRENTLY")]
                    : Is("REFRESH", "MATERIALIZED", "VIEW", "CONCURRENTLY") ? [Names(NameKind.MaterializedView)]
                    : Tail("WITH") ? [Keywords("DATA", "NO DATA")]
                    : Tail("<name>") && !Tail("DATA") ? [Keywords("WITH")] : [];
            }

            if (Is("CALL"))
            {
                return [Names(NameKind.Procedure)];
            }

            if (Is("COMMENT"))
            {
                return [Keywords("ON")];
            }

            if (Is("COMMENT", "ON"))
            {
                return [Keywords("COLUMN", "CONSTRAINT", "DATABASE", "EXTENSION", "FUNCTION", "INDEX", "MATERIALIZED VIEW", "PROCEDURE", "ROLE", "SCHEMA", "SEQUENCE", "TABLE", "TABLESPACE", "TYPE", "VIEW")];
            }

            if (Head("COMMENT", "ON") && Count == 3)
            {
                return ObjectsOfKind(_ctx[2].Text.ToUpperInvariant());
            }

            if (Head("COMMENT", "ON") && Tail("<name>") && !Tail("IS"))
            {
                return [Keywords("IS")];
            }

            if (Is("DISCARD"))
            {
                return [Keywords("ALL", "PLANS", "SEQUENCES", "TEMP")];
            }

            if (Is("REASSIGN"))
            {
                return [Keywords("OWNED BY")];
            }

            if (Is("REASSIGN", "OWNED") || Is("DROP", "OWNED"))
            {
                return [Keywords("BY")];
            }

            if (Tail("OWNED", "BY") || Head("REASSIGN") && Tail("TO"))
            {
                return [Names(NameKind.Role)];
            }

            if (Head("REASSIGN") && Tail("<name>"))
            {
                return [Keywords("TO")];
            }

            if (Is("SAVEPOINT") || Is("RELEASE", "SAVEPOINT") || Is("DO"))
            {
                return [];
            }

            if (Is("RELEASE"))
            {
                return [Keywords("SAVEPOINT")];
            }

            if (Is("DECLARE", "<name>"))
            {
                return [Keywords("BINARY", "CURSOR", "INSENSITIVE", "NO SCROLL", "SCROLL")];
            }

            if (Head("DECLARE") && Tail("CURSOR"))
            {
                return [Keywords("FOR", "WITH HOLD", "WITHOUT HOLD")];
            }

            if (Head("DECLARE") && Tail("HOLD"))
            {
                return [Keywords("FOR")];
            }

            // psql 15 offers nothing before AS (the name, then the types in parentheses, are the user's).
            if (Head("PREPARE") && Count is 3 or 4 && Tail("AS"))
            {
                return [Keywords("SELECT", "UPDATE", "INSERT INTO", "DELETE FROM")];
            }

            // CLOSE, DEALLOCATE, EXECUTE, FETCH and MOVE as psql 15 offers them: the session's cursors or
            // prepared statements, with the keywords that fit.
            if (Is("CLOSE"))
            {
                return [Names(NameKind.Cursor), Keywords("ALL")];
            }

            if (Is("DEALLOCATE"))
            {
                return [Names(NameKind.PreparedStatement), Keywords("ALL")];
            }

            if (Is("EXECUTE"))
            {
                return [Names(NameKind.PreparedStatement)];
            }

            if (Is("FETCH|MOVE"))
            {
                return [Names(NameKind.Cursor), Keywords("ABSOLUTE", "BACKWARD", "FORWARD", "RELATIVE", "ALL", "NEXT", "PRIOR", "FIRST", "LAST", "FROM", "IN")];
            }

            if (Is("FETCH|MOVE", "BACKWARD|FORWARD"))
            {
                return [Names(NameKind.Cursor), Keywords("ALL", "FROM", "IN")];
            }

            if (Count == 3 && Head("FETCH|MOVE", "ABSOLUTE|BACKWARD|FORWARD|RELATIVE") && !Tail("FROM|IN") || Is("FETCH|MOVE", "ALL|NEXT|PRIOR|FIRST|LAST"))
            {
                return [Names(NameKind.Cursor), Keywords("FROM", "IN")];
            }

            if (Head("FETCH|MOVE") && Tail("FROM|IN"))
            {
                return [Names(NameKind.Cursor)];
            }

            if (Is("IMPORT"))
            {
                return [Keywords("FOREIGN SCHEMA")];
            }

            return [];
        }

        /// <summary>Names of the objects of a kind named by a keyword (TABLE, VIEW, ...); empty for kinds without a list.</summary>
        private static List<CandidateSource> ObjectsOfKind(string kind) => kind switch
        {
            "TABLE" => [Names(NameKind.Table)],
            "VIEW" => [Names(NameKind.View)],
            "MATERIALIZED" => [Keywords("VIEW")],
            "SEQUENCE" => [Names(NameKind.Sequence)],
            "INDEX" => [Names(NameKind.Index)],
            "SCHEMA" => [Names(NameKind.Schema)],
            "FUNCTION" or "AGGREGATE" or "ROUTINE" => [Names(NameKind.Function)],
            "PROCEDURE" => [Names(NameKind.Procedure)],
            "TYPE" or "DOMAIN" => [Names(NameKind.Type)],
            "DATABASE" => [Names(NameKind.Database)],
            "ROLE" or "USER" or "GROUP" => [Names(NameKind.Role)],
            "TABLESPACE" => [Names(NameKind.Tablespace)],
            "EXTENSION" => [Names(NameKind.Extension)],
            "FOREIGN" => [Keywords("DATA WRAPPER", "TABLE")],
            "COLUMN" => [Names(NameKind.Selectable)],
            _ => [],
        };

        private static readonly Dictionary<string, NameKind> KindWords = new(StringComparer.OrdinalIgnoreCase)
        {
            ["TABLE"] = NameKind.Table,
            ["VIEW"] = NameKind.View,
            ["SEQUENCE"] = NameKind.Sequence,
            ["INDEX"] = NameKind.Index,
            ["SCHEMA"] = NameKind.Schema,
            ["FUNCTION"] = NameKind.Function,
            ["AGGREGATE"] = NameKind.Function,
            ["ROUTINE"] = NameKind.Function,
            ["PROCEDURE"] = NameKind.Procedure,
            ["TYPE"] = NameKind.Type,
            ["DOMAIN"] = NameKind.Type,
            ["DATABASE"] = NameKind.Database,
            ["ROLE"] = NameKind.Role,
            ["USER"] = NameKind.Role,
            ["GROUP"] = NameKind.Role,
            ["TABLESPACE"] = NameKind.Tablespace,
            ["EXTENSION"] = NameKind.Extension,
        };

        /// <summary>The kind an object-kind prefix (DROP/ALTER word(s)) names, with how many tokens it takes.</summary>
        private (NameKind Kind, int Words)? KindAt(int index)
        {
            if (index >= Count)
            {
                return null;
            }

            if (_ctx[index].Is("MATERIALIZED") && index + 1 < Count && _ctx[index + 1].Is("VIEW"))
            {
                return (NameKind.MaterializedView, 2);
            }

            if (_ctx[index].Is("FOREIGN") && index + 1 < Count && _ctx[index + 1].Is("TABLE"))
            {
                return (NameKind.ForeignTable, 2);
            }

            return _ctx[index].Kind == SqlTokenKind.Word && KindWords.TryGetValue(_ctx[index].Text, out var kind) ? (kind, 1) : null;
        }

        private List<CandidateSource> Drop()
        {
            if (Is("DROP"))
            {
                return [Keywords(SqlWords.DropKinds)];
            }

            if (Is("DROP", "MATERIALIZED"))
            {
                return [Keywords("VIEW")];
            }

            if (Is("DROP", "FOREIGN"))
            {
                return [Keywords("DATA WRAPPER", "TABLE")];
            }

            if (KindAt(1) is not { } kind)
            {
                return Is("DROP", "OWNED") ? [Keywords("BY")] : Tail("OWNED", "BY") ? [Names(NameKind.Role)] : [];
            }

            int at = 1 + kind.Words;
            bool concurrently = kind.Kind == NameKind.Index && at < Count && _ctx[at].Is("CONCURRENTLY");
            if (concurrently)
            {
                at++;
            }

            if (Count == at)
            {
                return kind.Kind == NameKind.Index && !concurrently ? [Names(kind.Kind), Keywords("CONCURRENTLY")] : [Names(kind.Kind)];
            }

            if (Count == at + 1 && _ctx[at].Is("IF"))
            {
                return [Keywords("EXISTS")];
            }

            if (Tail("IF", "EXISTS") || Tail(","))
            {
                return [Names(kind.Kind)];
            }

            return Tail("<name>|(*)") && !Tail("CASCADE|RESTRICT") ? [Keywords("CASCADE", "RESTRICT")] : [];
        }

        private List<CandidateSource> Create()
        {
            if (Is("CREATE"))
            {
                return [Keywords(SqlWords.CreateKinds)];
            }

            if (Is("CREATE", "OR"))
            {
                return [Keywords("REPLACE")];
            }

            if (Is("CREATE", "OR", "REPLACE"))
            {
                return [Keywords("AGGREGATE", "FUNCTION", "LANGUAGE", "PROCEDURE", "RULE", "TRANSFORM", "TRIGGER", "VIEW")];
            }

            if (Is("CREATE", "TEMP|TEMPORARY"))
            {
                return [Keywords("SEQUENCE", "TABLE", "VIEW")];
            }

            if (Is("CREATE", "UNLOGGED"))
            {
                return [Keywords("SEQUENCE", "TABLE")];
            }

            if (Is("CREATE", "MATERIALIZED"))
            {
                return [Keywords("VIEW")];
            }

            if (Is("CREATE", "UNIQUE"))
            {
                return [Keywords("INDEX")];
            }

            // CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON table [USING method] (columns)
            int index = _ctx.FindIndex(t => t.Is("INDEX"));
            if (index > 0 && index <= 2)
            {
                if (Tail("INDEX"))
                {
                    return [Keywords("CONCURRENTLY", "IF NOT EXISTS", "ON")];
                }

                if (Tail("CONCURRENTLY"))
                {
                    return [Keywords("IF NOT EXISTS", "ON")];
                }

                if (Tail("IF"))
                {
                    return [Keywords("NOT EXISTS")];
                }

                if (Tail("ON") || Tail("ON", "ONLY"))
                {
                    return [Names(NameKind.Table), Names(NameKind.MaterializedView)];
                }

                if (Tail("USING"))
                {
                    return [Names(NameKind.IndexMethod)];
                }

                if (Tail("ON", "<name>") || Tail("ONLY", "<name>"))
                {
                    return [Keywords("(", "USING")];
                }

                if (Tail("USING", "<name>"))
                {
                    return [Keywords("(")];
                }

                if (Tail("(*)"))
                {
                    return [Keywords("INCLUDE", "NULLS", "TABLESPACE", "WHERE", "WITH")];
                }

                if (Tail("WHERE"))
                {
                    return ExpressionSourcesOf(_ctx.FindIndex(t => t.Is("ON")));
                }

                return !_ctx.Any(t => t.Is("ON")) && Tail("<name>") ? [Keywords("ON")] : [];
            }

            int table = _ctx.FindIndex(t => t.Is("TABLE"));
            if (table > 0 && table <= 2 && !Head("CREATE", "FOREIGN"))
            {
                if (Count == table + 2 && Tail("<name>"))
                {
                    return [Keywords("(", "AS", "OF", "PARTITION OF")];
                }

                if (Tail("PARTITION", "OF") || Tail("INHERITS") || Tail("OF"))
                {
                    return [Names(NameKind.Table)];
                }

                if (Tail("(*)") && Count == table + 3)
                {
                    return [Keywords("INHERITS", "ON COMMIT", "PARTITION BY", "TABLESPACE", "USING", "WITH")];
                }

                if (Tail("PARTITION"))
                {
                    return [Keywords("BY", "OF")];
                }

                if (Tail("TABLESPACE"))
                {
                    return [Names(NameKind.Tablespace)];
                }

                return Tail("AS") ? [Keywords("SELECT", "TABLE", "VALUES", "WITH", "EXECUTE")] : [];
            }

            if (Head("CREATE") && _ctx.FindIndex(t => t.Is("VIEW")) is var view and > 0 and <= 4)
            {
                if (Tail("VIEW"))
                {
                    return [Keywords("IF NOT EXISTS")];
                }

                if (Count == view + 2 && Tail("<name>"))
                {
                    return [Keywords("AS", "(", "WITH")];
                }

                return Tail("AS") ? [Keywords("SELECT", "TABLE", "VALUES", "WITH")] : Tail("(*)") ? [Keywords("AS")] : [];
            }

            if (Is("CREATE", "EXTENSION"))
            {
                return [Names(NameKind.AvailableExtension), Keywords("IF NOT EXISTS")];
            }

            if (Is("CREATE", "EXTENSION", "IF", "NOT", "EXISTS"))
            {
                return [Names(NameKind.AvailableExtension)];
            }

            if (Head("CREATE", "EXTENSION"))
            {
                return Tail("SCHEMA") ? [Names(NameKind.Schema)] : Tail("<name>") || Tail("WITH") ? [Keywords("CASCADE", "SCHEMA", "VERSION")] : [];
            }

            if (Head("CREATE", "SCHEMA"))
            {
                return Tail("AUTHORIZATION") ? [Names(NameKind.Role)] : Is("CREATE", "SCHEMA") ? [Keywords("AUTHORIZATION", "IF NOT EXISTS")] : Is("CREATE", "SCHEMA", "<name>") ? [Keywords("AUTHORIZATION")] : [];
            }

            if (Head("CREATE", "DATABASE") && Count >= 3)
            {
                return Tail("OWNER") ? [Names(NameKind.Role)] : Tail("TEMPLATE") ? [Names(NameKind.Database)] : Tail("TABLESPACE") ? [Names(NameKind.Tablespace)]
                    : Tail("<name>|(*)|WITH") && !Tail("=") ? [Keywords("ALLOW_CONNECTIONS", "CONNECTION LIMIT", "ENCODING", "IS_TEMPLATE", "LC_COLLATE", "LC_CTYPE", "LOCALE", "OWNER", "STRATEGY", "TABLESPACE", "TEMPLATE")] : [];
            }

            if (Head("CREATE") && _ctx.FindIndex(t => t.Is("TRIGGER")) is var trigger and > 0 and <= 4)
            {
                return Count == trigger + 2 ? [Keywords("AFTER", "BEFORE", "INSTEAD OF")]
                    : Tail("BEFORE|AFTER") || Tail("INSTEAD", "OF") || Tail("OR") ? [Keywords("DELETE", "INSERT", "TRUNCATE", "UPDATE")]
                    : Tail("INSTEAD") ? [Keywords("OF")]
                    : Tail("INSERT|DELETE|UPDATE|TRUNCATE") ? [Keywords("ON", "OR")]
                    : Tail("ON") ? [Names(NameKind.Table), Names(NameKind.View)]
                    : Tail("EXECUTE") ? [Keywords("FUNCTION", "PROCEDURE")]
                    : Tail("FUNCTION|PROCEDURE") ? [Names(NameKind.Function)]
                    : Tail("ON", "<name>") ? [Keywords("EXECUTE FUNCTION", "FOR EACH ROW", "FOR EACH STATEMENT", "REFERENCING", "WHEN")] : [];
            }

            if (Head("CREATE", "SEQUENCE") || Head("CREATE", "TEMP|TEMPORARY|UNLOGGED", "SEQUENCE"))
            {
                return Tail("OWNED", "BY") ? [Names(NameKind.Selectable)] : Tail("OWNED") ? [Keywords("BY")] : Count >= 3 && Tail("<name>|<number>") ? [Keywords("AS", "CACHE", "CYCLE", "INCREMENT BY", "MAXVALUE", "MINVALUE", "NO", "OWNED BY", "START WITH")] : [];
            }

            if (Head("CREATE") && Tail("OWNER|AUTHORIZATION"))
            {
                return [Names(NameKind.Role)];
            }

            return [];
        }

        private List<CandidateSource> ExpressionSourcesOf(int onIndex)
        {
            if (onIndex < 0 || onIndex + 1 >= Count)
            {
                return [Expression];
            }

            var rel = Relation(_ctx[onIndex + 1].Is("ONLY") && onIndex + 2 < Count ? _ctx[onIndex + 2] : _ctx[onIndex + 1]);
            return [.. Columns(rel), Expression];
        }

        private List<CandidateSource> Alter()
        {
            if (Is("ALTER"))
            {
                return [Keywords(SqlWords.AlterKinds)];
            }

            if (Is("ALTER", "MATERIALIZED"))
            {
                return [Keywords("VIEW")];
            }

            if (Is("ALTER", "FOREIGN"))
            {
                return [Keywords("DATA WRAPPER", "TABLE")];
            }

            if (Is("ALTER", "SYSTEM"))
            {
                return [Keywords("RESET", "SET")];
            }

            if (Is("ALTER", "SYSTEM", "SET|RESET"))
            {
                return [Names(NameKind.SystemSetting), .. Tail("RESET") ? new[] { Keywords("ALL") } : []];
            }

            if (Is("ALTER", "SYSTEM", "SET", "<name>"))
            {
                return [Keywords("TO")];
            }

            if (Is("ALTER", "SYSTEM", "SET", "<name>", "TO|="))
            {
                return [new CatalogSource(NameKind.SettingValue) { Setting = _ctx[3].Text }, Keywords("DEFAULT")];
            }

            if (KindAt(1) is not { } kind)
            {
                return [];
            }

            int at = 1 + kind.Words;
            if (Count == at)
            {
                return kind.Kind is NameKind.Table or NameKind.Index or NameKind.View or NameKind.MaterializedView or NameKind.Sequence or NameKind.ForeignTable
                    ? [Names(kind.Kind), .. kind.Kind is NameKind.Table or NameKind.Index or NameKind.MaterializedView ? new[] { Keywords("ALL IN TABLESPACE") } : []]
                    : [Names(kind.Kind)];
            }

            if (Count == at + 1 && _ctx[at].Is("IF"))
            {
                return [Keywords("EXISTS")];
            }

            if (at + 1 < Count && _ctx[at].Is("IF") && _ctx[at + 1].Is("EXISTS"))
            {
                at += 2;
                if (Count == at)
                {
                    return [Names(kind.Kind)];
                }
            }

            if (kind.Kind == NameKind.Table && Count == at && Tail("ONLY") || Count == at + 1 && _ctx[at].Is("ONLY"))
            {
                return [Names(kind.Kind)];
            }

            if (_ctx[at].Is("ONLY"))
            {
                at++;
            }

            if (at >= Count)
            {
                return [];
            }

            var target = Relation(_ctx[at]);
            var rest = new Statement(_ctx.GetRange(at + 1, Count - at - 1), [], whole);
            if (rest.Tail("OWNER", "TO"))
            {
                return [Names(NameKind.Role), Keywords("CURRENT_ROLE", "CURRENT_USER", "SESSION_USER")];
            }

            if (rest.Tail("SET", "SCHEMA"))
            {
                return [Names(NameKind.Schema)];
            }

            if (rest.Tail("SET", "TABLESPACE"))
            {
                return [Names(NameKind.Tablespace)];
            }

            if (rest.Tail("OWNER"))
            {
                return [Keywords("TO")];
            }

            return kind.Kind switch
            {
                NameKind.Table or NameKind.ForeignTable => AlterTable(rest, target),
                NameKind.View or NameKind.MaterializedView => rest.Count == 0 ? [Keywords(SqlWords.AlterViewActions)] : AlterColumnOf(rest, target),
                NameKind.Index => rest.Count == 0 ? [Keywords(SqlWords.AlterIndexActions)] : rest.Tail("ATTACH", "PARTITION") ? [Names(NameKind.Index)] : [],
                NameKind.Sequence => rest.Count == 0 ? [Keywords(SqlWords.AlterSequenceActions)] : rest.Tail("OWNED", "BY") ? [Names(NameKind.Selectable)] : [],
                NameKind.Schema => rest.Count == 0 ? [Keywords("OWNER TO", "RENAME TO")] : [],
                NameKind.Database => rest.Count == 0 ? [Keywords(SqlWords.AlterDatabaseActions)] : rest.Tail("SET|RESET") ? [Names(NameKind.Setting), .. rest.Tail("RESET") ? new[] { Keywords("ALL") } : []] : [],
                NameKind.Role => rest.Count == 0 ? [Keywords(SqlWords.AlterRoleOptions)] : rest.Tail("SET|RESET") ? [Names(NameKind.Setting)] : [],
                NameKind.Function or NameKind.Procedure => rest.Count <= 1 ? [Keywords("DEPENDS ON EXTENSION", "OWNER TO", "RENAME TO", "RESET", "SET", "SET SCHEMA")] : [],
                NameKind.Type => rest.Count == 0 ? [Keywords("ADD ATTRIBUTE", "ADD VALUE", "ALTER ATTRIBUTE", "DROP ATTRIBUTE", "OWNER TO", "RENAME", "SET", "SET SCHEMA")] : [],
                NameKind.Extension => rest.Count == 0 ? [Keywords("ADD", "DROP", "SET SCHEMA", "UPDATE")] : [],
                _ => rest.Count == 0 ? [Keywords("OWNER TO", "RENAME TO")] : [],
            };
        }

        private static List<CandidateSource> AlterColumnOf(Statement rest, RelationName? target)
        {
            if (rest.Tail("ALTER", "COLUMN") || rest.Tail("RENAME", "COLUMN"))
            {
                return Columns(target);
            }

            if (rest.Tail("RENAME"))
            {
                return [.. Columns(target), Keywords("COLUMN", "TO")];
            }

            if (rest.Tail("ALTER"))
            {
                return [.. Columns(target), Keywords("COLUMN")];
            }

            return [];
        }

        private static List<CandidateSource> AlterTable(Statement rest, RelationName? target)
        {
            if (rest.Count == 0)
            {
                return [Keywords(SqlWords.AlterTableActions)];
            }

            if (rest.Is("ADD"))
            {
                return [Keywords(SqlWords.AlterTableAdd)];
            }

            if (rest.Is("ADD", "COLUMN"))
            {
                return [Keywords("IF NOT EXISTS")];
            }

            if (rest.Is("ADD", "<name>") && !SqlWords.ClauseWords.Contains(rest._ctx[1].Text) && !rest.Tail("CHECK|CONSTRAINT|UNIQUE|EXCLUDE|PRIMARY|FOREIGN")
                || rest.Is("ADD", "COLUMN", "<name>") || rest.Is("ADD", "COLUMN", "IF", "NOT", "EXISTS", "<name>"))
            {
                return [Names(NameKind.Type)];
            }

            if (rest.Head("ADD") && rest.Count >= 3 && !rest.Tail("REFERENCES") && rest.Tail("<name>|(*)"))
            {
                return [Keywords(SqlWords.ColumnConstraints)];
            }

            if (rest.Tail("REFERENCES"))
            {
                return [Names(NameKind.Table)];
            }

            if (rest.Is("DROP"))
            {
                return [.. Columns(target), Keywords("COLUMN", "CONSTRAINT")];
            }

            if (rest.Is("DROP", "COLUMN"))
            {
                return Columns(target);
            }

            if (rest.Head("DROP", "COLUMN") && rest.Tail("<name>") && !rest.Tail("CASCADE|RESTRICT"))
            {
                return [Keywords("CASCADE", "RESTRICT")];
            }

            if (rest.Is("ALTER|RENAME") || rest.Is("ALTER|RENAME", "COLUMN"))
            {
                return AlterColumnOf(rest, target);
            }

            if (rest.Is("ALTER", "COLUMN", "<name>") || rest.Is("ALTER", "<name>") && !rest.Tail("COLUMN|CONSTRAINT"))
            {
                return [Keywords(SqlWords.AlterColumnActions)];
            }

            if (rest.Head("ALTER") && rest.Tail("TYPE"))
            {
                return [Names(NameKind.Type)];
            }

            if (rest.Head("ALTER") && rest.Tail("SET"))
            {
                return [Keywords("(", "COMPRESSION", "DATA TYPE", "DEFAULT", "NOT NULL", "STATISTICS", "STORAGE")];
            }

            if (rest.Head("ALTER") && rest.Tail("DROP"))
            {
                return [Keywords("DEFAULT", "EXPRESSION", "IDENTITY", "NOT NULL")];
            }

            if (rest.Head("ALTER") && rest.Tail("DATA"))
            {
                return [Keywords("TYPE")];
            }

            if (rest.Is("RENAME", "<name>") && !rest.Tail("TO|CONSTRAINT") || rest.Is("RENAME", "COLUMN", "<name>"))
            {
                return [Keywords("TO")];
            }

            if (rest.Is("SET"))
            {
                return [Keywords(SqlWords.AlterTableSet)];
            }

            if (rest.Is("ENABLE|DISABLE"))
            {
                return [Keywords("ALWAYS", "REPLICA", "ROW LEVEL SECURITY", "RULE", "TRIGGER")];
            }

            if (rest.Is("CLUSTER"))
            {
                return [Keywords("ON")];
            }

            if (rest.Is("CLUSTER", "ON"))
            {
                return [Names(NameKind.Index)];
            }

            if (rest.Is("ATTACH|DETACH", "PARTITION") || rest.Is("INHERIT") || rest.Is("NO", "INHERIT") || rest.Is("OF"))
            {
                return [Names(NameKind.Table)];
            }

            if (rest.Is("ATTACH|DETACH"))
            {
                return [Keywords("PARTITION")];
            }

            if (rest.Is("REPLICA"))
            {
                return [Keywords("IDENTITY")];
            }

            if (rest.Is("REPLICA", "IDENTITY"))
            {
                return [Keywords("DEFAULT", "FULL", "NOTHING", "USING INDEX")];
            }

            if (rest.Is("NO"))
            {
                return [Keywords("FORCE ROW LEVEL SECURITY", "INHERIT")];
            }

            return [];
        }

        private List<CandidateSource> Set()
        {
            if (Is("SET"))
            {
                return [Names(NameKind.Setting), Keywords("CONSTRAINTS", "LOCAL", "ROLE", "SCHEMA", "SESSION", "TIME ZONE", "TRANSACTION")];
            }

            if (Is("SET", "LOCAL|SESSION") && !Tail("SESSION"))
            {
                return [Names(NameKind.Setting)];
            }

            if (Is("SET", "SESSION"))
            {
                return [Names(NameKind.Setting), Keywords("AUTHORIZATION", "CHARACTERISTICS AS TRANSACTION")];
            }

            if (Is("SET", "SESSION", "AUTHORIZATION") || Is("SET", "ROLE"))
            {
                return [Names(NameKind.Role), Keywords("DEFAULT")];
            }

            if (Is("SET", "TRANSACTION") || Tail("CHARACTERISTICS", "AS", "TRANSACTION"))
            {
                return [Keywords(SqlWords.TransactionModes)];
            }

            if (Head("SET") && (Tail("TRANSACTION") || Head("SET", "TRANSACTION") || Head("SET", "SESSION", "CHARACTERISTICS")))
            {
                return TransactionMode();
            }

            if (Is("SET", "TIME"))
            {
                return [Keywords("ZONE")];
            }

            if (Is("SET", "TIME", "ZONE"))
            {
                return [Keywords("DEFAULT", "LOCAL")];
            }

            if (Is("SET", "CONSTRAINTS"))
            {
                return [Keywords("ALL")];
            }

            if (Is("SET", "SCHEMA"))
            {
                return [Names(NameKind.Schema)];
            }

            int name = Head("SET", "LOCAL|SESSION") ? 2 : 1;
            if (Count == name + 1 && Tail("<name>") && !Tail("CONSTRAINTS|ROLE|TIME"))
            {
                return [Keywords("TO", "=")];
            }

            if (Count == name + 2 && Tail("TO|="))
            {
                string setting = _ctx[name].Text;
                return setting.Equals("search_path", StringComparison.OrdinalIgnoreCase)
                    ? [Names(NameKind.Schema), Keywords("DEFAULT")]
                    : [new CatalogSource(NameKind.SettingValue) { Setting = setting }, Keywords("DEFAULT")];
            }

            if (Head("SET", "CONSTRAINTS") && Count >= 3)
            {
                return [Keywords("DEFERRED", "IMMEDIATE")];
            }

            return [];
        }

        private List<CandidateSource> TransactionMode() =>
            Tail("ISOLATION") ? [Keywords("LEVEL")]
            : Tail("LEVEL") ? [Keywords(SqlWords.IsolationLevels)]
            : Tail("LEVEL", "READ") || Tail("ISOLATION", "LEVEL", "READ") ? [Keywords("COMMITTED", "UNCOMMITTED")]
            : Tail("LEVEL", "REPEATABLE") ? [Keywords("READ")]
            : Tail("READ") ? [Keywords("ONLY", "WRITE")]
            : Tail("NOT") ? [Keywords("DEFERRABLE")]
            : [];

        private List<CandidateSource> Show() =>
            Is("SHOW") ? [Names(NameKind.AnySetting), Keywords("ALL", "SESSION AUTHORIZATION")]
            : Is("SHOW", "SESSION") ? [Keywords("AUTHORIZATION")]
            : Is("SHOW", "TRANSACTION") ? [Keywords("ISOLATION LEVEL")]
            : Is("SHOW", "TRANSACTION", "ISOLATION") ? [Keywords("LEVEL")]
            : [];

        private List<CandidateSource> Reset() =>
            Is("RESET") ? [Names(NameKind.Setting), Keywords("ALL", "ROLE", "SESSION AUTHORIZATION")]
            : Is("RESET", "SESSION") ? [Keywords("AUTHORIZATION")]
            : [];

        private List<CandidateSource> Begin()
        {
            if (Is("BEGIN"))
            {
                return [Keywords([.. SqlWords.TransactionModes, "TRANSACTION", "WORK"])];
            }

            if (Is("START"))
            {
                return [Keywords("TRANSACTION")];
            }

            if (Is("BEGIN|START", "TRANSACTION|WORK") || Tail(","))
            {
                return [Keywords(SqlWords.TransactionModes)];
            }

            return TransactionMode() is { Count: > 0 } modes ? modes : [];
        }

        private List<CandidateSource> Finish()
        {
            if (Is("COMMIT|END|ABORT|ROLLBACK"))
            {
                return [Keywords([.. Head("ROLLBACK") ? new[] { "PREPARED", "TO SAVEPOINT" } : Head("COMMIT") ? ["PREPARED"] : [], "AND CHAIN", "AND NO CHAIN", "TRANSACTION", "WORK"])];
            }

            if (Tail("TRANSACTION|WORK"))
            {
                return Head("ROLLBACK") ? [Keywords("AND CHAIN", "AND NO CHAIN", "TO SAVEPOINT")] : [Keywords("AND CHAIN", "AND NO CHAIN")];
            }

            if (Tail("AND"))
            {
                return [Keywords("CHAIN", "NO CHAIN")];
            }

            return Tail("ROLLBACK|WORK|TRANSACTION", "TO") ? [Keywords("SAVEPOINT")] : Tail("AND", "NO") ? [Keywords("CHAIN")] : [];
        }

        private List<CandidateSource> Grant()
        {
            bool grant = Head("GRANT");
            int on = _ctx.FindIndex(t => t.Is("ON"));
            if (on < 0)
            {
                if (Tail("TO|FROM"))
                {
                    return [Names(NameKind.Role), Keywords("PUBLIC")];
                }

                // As psql 15: one list after GRANT, REVOKE, REVOKE GRANT and REVOKE GRANT OPTION FOR (the
                // parameter privileges and "GRANT" included); after a privilege ON, after a role TO or FROM.
                int privilege = Head("REVOKE", "GRANT", "OPTION", "FOR") ? 4 : 1; // where the privilege's first word is
                return Count == privilege || Is("REVOKE", "GRANT") ? [Keywords(SqlWords.GrantablePrivileges), Names(NameKind.Role)]
                    : Is("REVOKE", "GRANT", "OPTION") ? [Keywords("FOR")]
                    : Count == privilege + 1 && Tail("ALTER") ? [Keywords("SYSTEM")]
                    : (Count == privilege + 1 && Tail("SET")) || (Count == privilege + 2 && Tail("ALTER", "SYSTEM")) ? [Keywords("ON PARAMETER")]
                    : Tail(",") ? [Keywords(SqlWords.Privileges)]
                    : Count == privilege + 1 && Tail(SqlWords.PrivilegePattern) ? [Keywords("ON")]
                    : Count == privilege + 1 && Tail("<name>") ? [Keywords(grant ? "TO" : "FROM")] : [];
            }

            if (Count == on + 1)
            {
                return [Names(NameKind.Selectable), Names(NameKind.Sequence), Keywords(SqlWords.GrantTargets)];
            }

            if (Count == on + 2 && Tail("ON", "PARAMETER"))
            {
                return [Names(NameKind.SystemSetting)];
            }

            if (Count == on + 3 && _ctx[on + 1].Is("PARAMETER"))
            {
                return [Keywords(grant ? "TO" : "FROM")];
            }

            if (Tail("TO|FROM") || Tail(","))
            {
                return Tail(",") && !_ctx.Any(t => t.Is("TO") || t.Is("FROM")) ? [Names(NameKind.Selectable)] : [Names(NameKind.Role), Keywords("PUBLIC")];
            }

            if (Tail("IN", "SCHEMA") || Tail("ON", "SCHEMA"))
            {
                return [Names(NameKind.Schema)];
            }

            if (Count == on + 2 && KindAt(on + 1) is { } kind)
            {
                return [Names(kind.Kind)];
            }

            if (Count == on + 2 && Tail("ALL"))
            {
                return [Keywords("FUNCTIONS IN SCHEMA", "PROCEDURES IN SCHEMA", "ROUTINES IN SCHEMA", "SEQUENCES IN SCHEMA", "TABLES IN SCHEMA")];
            }

            if (Tail("<name>|(*)") && !_ctx.Any(t => t.Is("TO") || t.Is("FROM")))
            {
                return [Keywords(grant ? "TO" : "FROM")];
            }

            return grant && Tail("<name>") && _ctx.Any(t => t.Is("TO")) ? [Keywords("WITH GRANT OPTION")] : [];
        }

        private List<CandidateSource> Copy()
        {
            if (Is("COPY"))
            {
                return [Names(NameKind.Selectable), Keywords("(")];
            }

            if (Is("COPY", "<name>"))
            {
                return [Keywords("FROM", "TO")];
            }

            if (Is("COPY", "<name>", "(*)") || Is("COPY", "(*)"))
            {
                return Is("COPY", "(*)") ? [Keywords("TO")] : [Keywords("FROM", "TO")];
            }

            if (Tail("FROM"))
            {
                return [Keywords("PROGRAM", "STDIN")];
            }

            if (Tail("TO"))
            {
                return [Keywords("PROGRAM", "STDOUT")];
            }

            return Tail("STDIN|STDOUT") || Tail("FROM|TO", "<string>") ? [Keywords("(", "WITH")] : [];
        }

        private List<CandidateSource> Insert()
        {
            if (Is("INSERT"))
            {
                return [Keywords("INTO")];
            }

            if (Is("INSERT", "INTO"))
            {
                return [Names(NameKind.Updatable)];
            }

            if (Is("INSERT", "INTO", "<name>") || Is("INSERT", "INTO", "<name>", "AS", "<name>"))
            {
                return [Keywords("(", "DEFAULT VALUES", "OVERRIDING", "SELECT", "TABLE", "VALUES")];
            }

            if (Is("INSERT", "INTO", "<name>", "(*)") || Tail("OVERRIDING", "SYSTEM|USER", "VALUE"))
            {
                return [Keywords("DEFAULT VALUES", "OVERRIDING", "SELECT", "TABLE", "VALUES")];
            }

            if (Tail("OVERRIDING"))
            {
                return [Keywords("SYSTEM VALUE", "USER VALUE")];
            }

            if (Tail("TABLE") && Head("INSERT"))
            {
                return [Names(NameKind.Selectable)];
            }

            if (Tail("VALUES", "(*)") || Tail("(*)", ",", "(*)"))
            {
                return [Keywords("ON CONFLICT", "RETURNING")];
            }

            if (Tail("ON", "CONFLICT") || Tail("CONFLICT", "(*)"))
            {
                return [Keywords("DO NOTHING", "DO UPDATE")];
            }

            if (Tail("CONFLICT"))
            {
                return [Keywords("DO", "ON CONSTRAINT", "(")];
            }

            if (Tail("DO"))
            {
                return [Keywords("NOTHING", "UPDATE")];
            }

            if (Tail("DO", "UPDATE"))
            {
                return [Keywords("SET")];
            }

            int select = _ctx.FindIndex(t => t.Is("SELECT") || t.Is("SET") || t.Is("RETURNING"));
            return select >= 0 ? Clauses(select) : [];
        }

        private List<CandidateSource> Update()
        {
            if (Is("UPDATE"))
            {
                return [Names(NameKind.Updatable), Keywords("ONLY")];
            }

            if (Is("UPDATE", "ONLY"))
            {
                return [Names(NameKind.Updatable)];
            }

            int set = _ctx.FindIndex(t => t.Is("SET"));
            if (set < 0)
            {
                return Tail("AS") ? [] : Tail("<name>") && Count <= 5 ? [Keywords("SET")] : [];
            }

            return Clauses(0);
        }

        private List<CandidateSource> Delete()
        {
            if (Is("DELETE"))
            {
                return [Keywords("FROM")];
            }

            if (Is("DELETE", "FROM") || Is("DELETE", "FROM", "ONLY"))
            {
                return [Names(NameKind.Updatable)];
            }

            if (Count <= 5 && Tail("<name>") && !_ctx.Skip(2).Any(t => SqlWords.ClauseWords.Contains(t.Text) && !t.Is("AS") && !t.Is("ONLY")))
            {
                return [Keywords("USING", "WHERE")];
            }

            return Clauses(0);
        }

        private List<CandidateSource> Merge()
        {
            if (Is("MERGE"))
            {
                return [Keywords("INTO")];
            }

            if (Is("MERGE", "INTO") || Is("MERGE", "INTO", "ONLY"))
            {
                return [Names(NameKind.Updatable)];
            }

            if (Tail("USING"))
            {
                return [Names(NameKind.Selectable)];
            }

            if (!_ctx.Any(t => t.Is("USING")) && Tail("<name>"))
            {
                return [Keywords("AS", "USING")];
            }

            if (Tail("USING", "<name>") || Tail("USING", "<name>", "<name>") && !Tail("ON") || Tail("USING", "(*)", "<name>"))
            {
                return [Keywords("AS", "ON")];
            }

            if (Tail("WHEN"))
            {
                return [Keywords("MATCHED", "NOT MATCHED")];
            }

            if (Tail("MATCHED"))
            {
                return [Keywords("AND", "THEN")];
            }

            if (Tail("THEN"))
            {
                return [Keywords("DELETE", "DO NOTHING", "INSERT", "UPDATE")];
            }

            return Tail("ON") || Tail("AND") ? ExpressionSources() : [];
        }

        private List<CandidateSource> Select() => Is("TABLE") ? [Names(NameKind.Selectable)] : Clauses(0);

        /// <summary>Inside a query: what fits after the clause keyword nearest before the cursor.</summary>
        private List<CandidateSource> Clauses(int from)
        {
            int clause = -1;
            for (int i = Count - 1; i >= from; i--)
            {
                var t = _ctx[i];
                if (t.Is("SELECT") || t.Is("FROM") || t.Is("JOIN") || t.Is("ON") || t.Is("WHERE") || t.Is("BY") || t.Is("HAVING")
                    || t.Is("SET") || t.Is("RETURNING") || t.Is("USING") || t.Is("VALUES") || t.Is("LIMIT") || t.Is("OFFSET")
                    || t.Is("UPDATE") || t.Is("INTO") || t.Is("WINDOW"))
                {
                    clause = i;
                    break;
                }
            }

            if (clause < 0)
            {
                return [];
            }

            var keyword = _ctx[clause];
            var rest = _ctx.GetRange(clause + 1, Count - clause - 1);
            bool open = rest.Count == 0 || rest[^1].Kind is SqlTokenKind.Operator || rest[^1].Text == ","
                || rest[^1].Is("AND") || rest[^1].Is("OR") || rest[^1].Is("NOT") || rest[^1].Is("WHEN") || rest[^1].Is("THEN")
                || rest[^1].Is("ELSE") || rest[^1].Is("CASE") || rest[^1].Is("DISTINCT") || rest[^1].Is("ALL") || rest[^1].Is("BETWEEN") || rest[^1].Is("LIKE") || rest[^1].Is("ILIKE");
            if (keyword.Is("SELECT"))
            {
                if (rest.Count == 0)
                {
                    return ExpressionSources("ALL", "DISTINCT");
                }

                return open ? ExpressionSources() : Tail("AS") ? [] : [Keywords("AS", "FROM", "INTO")];
            }

            if (keyword.Is("FROM") || keyword.Is("JOIN") || keyword.Is("USING") && Head("DELETE|MERGE") || keyword.Is("UPDATE") && clause == 0 || keyword.Is("INTO"))
            {
                bool updatable = keyword.Is("FROM") && Head("DELETE") && clause == 1 || keyword.Is("UPDATE") || keyword.Is("INTO");
                if (rest.Count == 0 || rest[^1].Text == "," || rest.Count == 1 && (rest[0].Is("ONLY") || rest[0].Is("LATERAL")))
                {
                    return [Names(updatable ? NameKind.Updatable : NameKind.Selectable)];
                }

                if (Tail("AS"))
                {
                    return [];
                }

                if (Tail("LEFT|RIGHT|FULL"))
                {
                    return [Keywords("JOIN", "OUTER JOIN")];
                }

                if (Tail("INNER|CROSS|NATURAL|OUTER"))
                {
                    return [Keywords("JOIN")];
                }

                if (keyword.Is("JOIN"))
                {
                    return [Keywords(rest.Count == 1 ? ["AS", "ON", "USING"] : ["ON", "USING"])];
                }

                if (keyword.Is("UPDATE"))
                {
                    return [Keywords("SET")];
                }

                if (keyword.Is("INTO"))
                {
                    return [];
                }

                return [Keywords(rest.Count == 1 ? [.. SqlWords.AfterFromItem, "AS"] : SqlWords.AfterFromItem)];
            }

            if (keyword.Is("SET") && (Head("UPDATE") || Head("INSERT")))
            {
                var target = Head("UPDATE") ? Relation(_ctx[_ctx[1].Is("ONLY") ? 2 : 1]) : Relation(_ctx[2]);
                int eq = rest.FindLastIndex(t => t.Text == "=");
                int comma = rest.FindLastIndex(t => t.Text == ",");
                if (rest.Count == 0 || rest[^1].Text == ",")
                {
                    return Columns(target);
                }

                if (eq < comma || eq < 0)
                {
                    return [Keywords("=")];
                }

                return open ? ExpressionSources("DEFAULT") : [Keywords("FROM", "RETURNING", "WHERE")];
            }

            if (keyword.Is("BY"))
            {
                bool order = clause > 0 && _ctx[clause - 1].Is("ORDER");
                if (open)
                {
                    return ExpressionSources();
                }

                return order
                    ? Tail("NULLS") ? [Keywords("FIRST", "LAST")] : [Keywords("ASC", "DESC", "LIMIT", "NULLS FIRST", "NULLS LAST", "OFFSET")]
                    : [Keywords("HAVING", "LIMIT", "ORDER BY")];
            }

            if (keyword.Is("WHERE") || keyword.Is("ON") || keyword.Is("HAVING") || keyword.Is("RETURNING"))
            {
                if (open)
                {
                    return ExpressionSources(rest.Count == 0 && !keyword.Is("RETURNING") ? ["EXISTS", "NOT"] : []);
                }

                if (Tail("IS"))
                {
                    return [Keywords("DISTINCT FROM", "FALSE", "NOT", "NULL", "TRUE")];
                }

                if (Tail("IS", "NOT"))
                {
                    return [Keywords("DISTINCT FROM", "FALSE", "NULL", "TRUE")];
                }

                if (keyword.Is("RETURNING"))
                {
                    return [];
                }

                bool complete = rest.Any(t => t.Kind == SqlTokenKind.Operator || t.Is("IS") || t.Is("IN") || t.Is("LIKE") || t.Is("ILIKE") || t.Is("BETWEEN") || t.Is("EXISTS")) || rest[^1].Kind == SqlTokenKind.Group;
                if (!complete)
                {
                    return [Keywords("BETWEEN", "ILIKE", "IN", "IS", "LIKE", "NOT")];
                }

                var after = new List<string> { "AND", "OR" };
                if (keyword.Is("ON"))
                {
                    after.AddRange(SqlWords.AfterFromItem);
                }
                else if (Head("SELECT|VALUES|TABLE"))
                {
                    after.AddRange(keyword.Is("HAVING") ? ["LIMIT", "ORDER BY"] : ["GROUP BY", "LIMIT", "ORDER BY"]);
                }
                else
                {
                    after.Add("RETURNING");
                }

                return [Keywords([.. after])];
            }

            return [];
        }
    }
}
