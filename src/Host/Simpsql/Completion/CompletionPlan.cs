namespace PgWire.Host.Simpsql.Completion;

/// <summary>Kinds of names completion reads from the server's catalog.</summary>
public enum NameKind
{
    Schema,

    /// <summary>Anything a query can read: tables, partitioned tables, views, materialized views, foreign tables.</summary>
    Selectable,

    /// <summary>Tables, partitioned tables, views and foreign tables (INSERT, UPDATE, DELETE, MERGE).</summary>
    Updatable,

    /// <summary>Plain and partitioned tables.</summary>
    Table,
    View,
    MaterializedView,
    Sequence,
    Index,
    ForeignTable,

    /// <summary>Every relation (\d).</summary>
    Relation,
    Function,
    Procedure,
    Type,
    Database,
    Role,
    Tablespace,

    /// <summary>Extensions installed in the database.</summary>
    Extension,

    /// <summary>Extensions that can be installed.</summary>
    AvailableExtension,

    /// <summary>Index access methods.</summary>
    IndexMethod,

    /// <summary>The session's open cursors (pg_cursors).</summary>
    Cursor,

    /// <summary>The session's prepared statements (pg_prepared_statements).</summary>
    PreparedStatement,

    /// <summary>Settings a session may SET or RESET.</summary>
    Setting,

    /// <summary>Every setting (SHOW).</summary>
    AnySetting,

    /// <summary>Settings of ALTER SYSTEM.</summary>
    SystemSetting,

    /// <summary>The values a setting accepts (<see cref="CatalogSource.Setting"/>): an enum's values, on/off for a boolean.</summary>
    SettingValue,

    /// <summary>Columns of the relations in <see cref="CatalogSource.Tables"/>.</summary>
    Column,
}

/// <summary>A relation named in a statement, with the schema it was qualified with (null: the search path).</summary>
public sealed record RelationName(string? Schema, string Name);

/// <summary>Where completion candidates come from.</summary>
public abstract record CandidateSource;

/// <summary>SQL keywords, offered in the case the user started typing (COMP_KEYWORD_CASE).</summary>
public sealed record KeywordSource(IReadOnlyList<string> Words) : CandidateSource
{
    /// <summary>Offered as written (matched ignoring case), not in the typed case: \h's command names.</summary>
    public bool AsWritten { get; init; }

    public override string ToString() => "Keywords(" + string.Join(',', Words) + ")";
}

/// <summary>Fixed words offered exactly as written (meta-commands, option names).</summary>
public sealed record LiteralSource(IReadOnlyList<string> Words) : CandidateSource
{
    public override string ToString() => "Literals(" + string.Join(',', Words) + ")";
}

/// <summary>Names read from the catalog.</summary>
public sealed record CatalogSource(NameKind Kind) : CandidateSource
{
    /// <summary>For <see cref="NameKind.Column"/>: the relations whose columns are offered.</summary>
    public IReadOnlyList<RelationName> Tables { get; init; } = [];

    /// <summary>For <see cref="NameKind.SettingValue"/>: the setting.</summary>
    public string? Setting { get; init; }

    /// <summary>For <see cref="NameKind.Column"/>: the text put before each column (an alias or table and a dot).</summary>
    public string ColumnPrefix { get; init; } = "";

    public override string ToString() => Kind switch
    {
        NameKind.Column => "Column(" + string.Join(',', Tables.Select(t => t.Schema is null ? t.Name : t.Schema + "." + t.Name)) + (ColumnPrefix.Length > 0 ? " as " + ColumnPrefix : "") + ")",
        NameKind.SettingValue => "SettingValue(" + Setting + ")",
        _ => Kind.ToString(),
    };
}

/// <summary>File names; <see cref="Quoted"/> when they go inside a SQL string constant.</summary>
public sealed record FileSource(bool Quoted) : CandidateSource
{
    public override string ToString() => Quoted ? "QuotedFiles" : "Files";
}

/// <summary>Names of psql variables; <see cref="Reference"/> when they are offered as :name references.</summary>
public sealed record VariableSource(bool Reference) : CandidateSource
{
    public override string ToString() => Reference ? "VariableReferences" : "Variables";
}

/// <summary>
/// What to complete at the cursor: the word being typed (<see cref="Word"/>, starting at <see cref="WordStart"/> in the
/// text) and where candidates come from, in the order they are offered.
/// </summary>
public sealed record CompletionPlan(string Word, int WordStart, IReadOnlyList<CandidateSource> Sources)
{
    /// <summary>The relations the statement names, with their aliases (for <c>alias.column</c>).</summary>
    public IReadOnlyList<RelationUse> Relations { get; init; } = [];

    public static CompletionPlan None(string word, int start) => new(word, start, []);

    public override string ToString() => string.Join(' ', Sources);
}
