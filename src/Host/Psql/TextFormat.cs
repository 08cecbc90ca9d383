namespace PgWire.Host.Psql;

/// <summary>A horizontal rule: its line and the characters where it meets the left border, a column separator and the right border.</summary>
internal sealed record TableRule(string Line, string Left, string Middle, string Right);

/// <summary>
/// The characters of an aligned table for one line style: the rules above, below and under the header,
/// the vertical lines of data rows, and the markers for values continued on the next line (after a
/// newline, or wrapped).
/// </summary>
internal sealed record TextFormat(
    TableRule Top,
    TableRule Middle,
    TableRule Bottom,
    TableRule Data,
    string MiddleNewline,
    string MiddleWrap,
    string MiddleBlank,
    string HeaderNewlineLeft,
    string HeaderNewlineRight,
    string NewlineLeft,
    string NewlineRight,
    string WrapLeft,
    string WrapRight,
    bool WrapRightBorder)
{
    public static readonly TextFormat Ascii = new(
        new TableRule("-", "+", "+", "+"),
        new TableRule("-", "+", "+", "+"),
        new TableRule("-", "+", "+", "+"),
        new TableRule("", "|", "|", "|"),
        "|", "|", "|", " ", "+", " ", "+", ".", ".", true);

    public static readonly TextFormat OldAscii = new(
        new TableRule("-", "+", "+", "+"),
        new TableRule("-", "+", "+", "+"),
        new TableRule("-", "+", "+", "+"),
        new TableRule("", "|", "|", "|"),
        ":", ";", " ", "+", " ", " ", " ", " ", " ", false);

    public bool IsOldAscii => ReferenceEquals(this, OldAscii);

    public static TextFormat For(PrintOptions options) => options.LineStyle switch
    {
        LineStyle.OldAscii => OldAscii,
        LineStyle.Unicode => Unicode(options.UnicodeBorder, options.UnicodeColumn, options.UnicodeHeader),
        _ => Ascii,
    };

    /// <summary>Box-drawing characters; each of border, column separators and header rule is single or double.</summary>
    private static TextFormat Unicode(UnicodeLine border, UnicodeLine column, UnicodeLine header)
    {
        bool b = border == UnicodeLine.Double;
        bool c = column == UnicodeLine.Double;
        bool h = header == UnicodeLine.Double;
        string borderVertical = b ? "║" : "│";
        string columnVertical = c ? "║" : "│";

        // Where a column separator meets a horizontal line: index [column double, line double].
        string Tee(string[] table, bool line) => table[(c ? 2 : 0) + (line ? 1 : 0)];
        string[] down = ["┬", "╤", "╥", "╦"];
        string[] cross = ["┼", "╪", "╫", "╬"];
        string[] up = ["┴", "╧", "╨", "╩"];

        // Where the border meets the header rule: index [border double, header double].
        string Side(string[] table) => table[(b ? 2 : 0) + (h ? 1 : 0)];
        string[] right = ["├", "╞", "╟", "╠"];
        string[] left = ["┤", "╡", "╢", "╣"];

        string borderLine = b ? "═" : "─";
        return new TextFormat(
            new TableRule(borderLine, b ? "╔" : "┌", Tee(down, b), b ? "╗" : "┐"),
            new TableRule(h ? "═" : "─", Side(right), Tee(cross, h), Side(left)),
            new TableRule(borderLine, b ? "╚" : "└", Tee(up, b), b ? "╝" : "┘"),
            new TableRule("", borderVertical, columnVertical, borderVertical),
            columnVertical,
            columnVertical,
            columnVertical,
            " ",
            "↵",
            " ",
            "↵",
            "…",
            "…",
            true);
    }
}
