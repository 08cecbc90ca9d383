namespace PgWire.Host.Psql;

/// <summary>Output format, as selected by <c>\pset format</c>.</summary>
public enum OutputFormat
{
    Aligned,
    Unaligned,
    Csv,

    /// <summary>Like <see cref="Aligned"/>, but wraps values to fit <see cref="PrintOptions.Columns"/>.</summary>
    Wrapped,

    Html,
    Asciidoc,
    Latex,

    /// <summary>LaTeX's longtable environment: a table that may span pages, with proportional column widths.</summary>
    LatexLongtable,
    TroffMs,
}

/// <summary>Characters used to draw aligned tables (<c>\pset linestyle</c>).</summary>
public enum LineStyle
{
    Ascii,

    /// <summary>psql 8.4's style: newline and wrap markers in the column separators.</summary>
    OldAscii,
    Unicode,
}

/// <summary>Single or double lines for the unicode line style (<c>\pset unicode_*_linestyle</c>).</summary>
public enum UnicodeLine
{
    Single,
    Double,
}

/// <summary>When a pager is used (<c>\pset pager</c>): off, for output taller (or wider) than the terminal, always.</summary>
public enum PagerMode
{
    Off,
    On,
    Always,
}

/// <summary>Expanded (vertical) display, as selected by <c>\pset expanded</c>.</summary>
public enum ExpandedMode
{
    Off,
    On,
    Auto,
}

/// <summary>Printing options mirroring psql's <c>\pset</c> variables.</summary>
public sealed class PrintOptions
{
    public OutputFormat Format { get; set; } = OutputFormat.Aligned;

    /// <summary>The session's client encoding, which decides how values are measured (shared by copies of these options).</summary>
    public ClientCodec Codec { get; set; } = new();

    /// <summary>Border style: 0, 1 or 2 for the aligned formats (larger values behave like 2); latex uses 3 too.</summary>
    public int Border { get; set; } = 1;

    public LineStyle LineStyle { get; set; } = LineStyle.Ascii;

    public UnicodeLine UnicodeBorder { get; set; } = UnicodeLine.Single;

    public UnicodeLine UnicodeColumn { get; set; } = UnicodeLine.Single;

    public UnicodeLine UnicodeHeader { get; set; } = UnicodeLine.Single;

    /// <summary>Attributes for HTML's table tag, or column widths for latex-longtable (<c>\pset tableattr</c>).</summary>
    public string? TableAttr { get; set; }

    /// <summary>Digit grouping in right-aligned (numeric) columns (<c>\pset numericlocale</c>).</summary>
    public bool NumericLocale { get; set; }

    public PagerMode Pager { get; set; } = PagerMode.On;

    public int PagerMinLines { get; set; }

    public ExpandedMode Expanded { get; set; } = ExpandedMode.Off;

    public bool TuplesOnly { get; set; }

    public string FieldSeparator { get; set; } = "|";

    public string RecordSeparator { get; set; } = "\n";

    public bool FieldSeparatorZero { get; set; }

    public bool RecordSeparatorZero { get; set; }

    public string NullDisplay { get; set; } = "";

    /// <summary>Whether the default "(N rows)" footer is printed.</summary>
    public bool Footer { get; set; } = true;

    public string? Title { get; set; }

    public char CsvFieldSeparator { get; set; } = ',';

    /// <summary>
    /// Target output width (<c>\pset columns</c>) for the wrapped format and <see cref="ExpandedMode.Auto"/>;
    /// 0 means the terminal's width (<see cref="TerminalColumns"/>) when printing to one, else unknown, which
    /// neither wraps nor expands.
    /// </summary>
    public int Columns { get; set; }

    /// <summary>
    /// The width of the terminal the output goes to (<c>COLUMNS</c>, else the terminal's own), 0 when it does not
    /// go to a terminal; used when <see cref="Columns"/> is 0. Not a <c>\pset</c> option.
    /// </summary>
    public int TerminalColumns { get; set; }

    /// <summary>The width the aligned formats fit to: <see cref="Columns"/>, else <see cref="TerminalColumns"/>.</summary>
    internal int OutputColumns => Columns > 0 ? Columns : TerminalColumns;

    /// <summary>
    /// Whether this print begins the table (title, header): false for the later parts of a result fetched in
    /// parts (FETCH_COUNT), as psql's start_table. Not a <c>\pset</c> option.
    /// </summary>
    public bool StartTable { get; set; } = true;

    /// <summary>Whether this print ends the table (bottom rule, footers): psql's stop_table.</summary>
    public bool StopTable { get; set; } = true;

    /// <summary>Rows printed by the earlier parts of the same result: the row footer and record numbers count on.</summary>
    public long PriorRecords { get; set; }

    public PrintOptions Clone() => (PrintOptions)MemberwiseClone();

    internal int EffectiveBorder => Border < 0 ? 0 : Border > 2 ? 2 : Border;

    internal string EffectiveFieldSeparator => FieldSeparatorZero ? "\0" : FieldSeparator;

    internal string EffectiveRecordSeparator => RecordSeparatorZero ? "\0" : RecordSeparator;

    internal static string DefaultFooter(long rows) => rows == 1 ? "(1 row)" : $"({rows} rows)";
}
