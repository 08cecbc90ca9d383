namespace PgWire.Host.Psql;

/// <summary>Output format, as selected by <c>\pset format</c>.</summary>
public enum OutputFormat
{
    Aligned,
    Unaligned,
    Csv,

    /// <summary>Like <see cref="Aligned"/>, but wraps values to fit <see cref="PrintOptions.Columns"/>.</summary>
    Wrapped,
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

    /// <summary>Border style 0, 1 or 2; larger values behave like 2.</summary>
    public int Border { get; set; } = 1;

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
    /// 0 means unknown, which neither wraps nor expands.
    /// </summary>
    public int Columns { get; set; }

    public PrintOptions Clone() => (PrintOptions)MemberwiseClone();

    internal int EffectiveBorder => Border < 0 ? 0 : Border > 2 ? 2 : Border;

    internal string EffectiveFieldSeparator => FieldSeparatorZero ? "\0" : FieldSeparator;

    internal string EffectiveRecordSeparator => RecordSeparatorZero ? "\0" : RecordSeparator;

    internal static string DefaultFooter(long rows) => rows == 1 ? "(1 row)" : $"({rows} rows)";
}
