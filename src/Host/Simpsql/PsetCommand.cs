using System.Globalization;
using System.Text;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>\pset: psql's printing options, their messages and their listing.</summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>The options <c>\pset</c> without arguments lists, in its order.</summary>
    private static readonly string[] PsetOptionNames =
    [
        "border", "columns", "csv_fieldsep", "expanded", "fieldsep", "fieldsep_zero", "footer", "format", "linestyle",
        "null", "numericlocale", "pager", "pager_min_lines", "recordsep", "recordsep_zero", "tableattr", "title",
        "tuples_only", "unicode_border_linestyle", "unicode_column_linestyle", "unicode_header_linestyle",
    ];

    /// <summary>Formats that an abbreviation may name; latex-longtable is matched apart, see <see cref="ParseFormat"/>.</summary>
    private static readonly (string Name, OutputFormat Format)[] FormatNames =
    [
        ("aligned", OutputFormat.Aligned),
        ("asciidoc", OutputFormat.Asciidoc),
        ("csv", OutputFormat.Csv),
        ("html", OutputFormat.Html),
        ("latex", OutputFormat.Latex),
        ("troff-ms", OutputFormat.TroffMs),
        ("unaligned", OutputFormat.Unaligned),
        ("wrapped", OutputFormat.Wrapped),
    ];

    /// <summary>Applies a \pset option (quietly for the -P command-line form); false on error.</summary>
    internal bool Pset(string name, string? value, bool quiet)
    {
        if (!ApplyPset(Print, ref name, value, Codec.Text, message => LogError(message, false), out bool silent))
        {
            return false;
        }

        if (!quiet && !silent)
        {
            Info(PsetInfo(name));
        }

        return true;
    }

    /// <summary>
    /// Sets a \pset option in <paramref name="print"/>; false after telling <paramref name="error"/>
    /// why not. <paramref name="name"/> becomes the option's full name when an alias named it;
    /// <paramref name="silent"/> is true when psql says nothing about the change (a boolean option
    /// given a value).
    /// </summary>
    internal static bool ApplyPset(PrintOptions print, ref string name, string? value, Encoding encoding, Action<string> error, out bool silent)
    {
        silent = false;
        switch (name)
        {
            case "format":
                if (value is not null)
                {
                    OutputFormat? format = ParseFormat(value, error);
                    if (format is null)
                    {
                        return false;
                    }

                    print.Format = format.Value;
                }

                break;
            case "linestyle":
                if (value is not null)
                {
                    if (value.Length > 0 && "ascii".StartsWith(value, StringComparison.OrdinalIgnoreCase))
                    {
                        print.LineStyle = LineStyle.Ascii;
                    }
                    else if (value.Length > 0 && "old-ascii".StartsWith(value, StringComparison.OrdinalIgnoreCase))
                    {
                        print.LineStyle = LineStyle.OldAscii;
                    }
                    else if (value.Length > 0 && "unicode".StartsWith(value, StringComparison.OrdinalIgnoreCase))
                    {
                        print.LineStyle = LineStyle.Unicode;
                    }
                    else
                    {
                        error("\\pset: allowed line styles are ascii, old-ascii, unicode");
                        return false;
                    }
                }

                break;
            case "unicode_border_linestyle":
            case "unicode_column_linestyle":
            case "unicode_header_linestyle":
                if (value is not null)
                {
                    UnicodeLine? line = value.Length == 0 ? null
                        : "single".StartsWith(value, StringComparison.OrdinalIgnoreCase) ? UnicodeLine.Single
                        : "double".StartsWith(value, StringComparison.OrdinalIgnoreCase) ? UnicodeLine.Double
                        : null;
                    string which = name["unicode_".Length..name.IndexOf("_linestyle", StringComparison.Ordinal)];
                    if (line is null)
                    {
                        error($"\\pset: allowed Unicode {which} line styles are single, double");
                        return false;
                    }

                    if (which == "border")
                    {
                        print.UnicodeBorder = line.Value;
                    }
                    else if (which == "column")
                    {
                        print.UnicodeColumn = line.Value;
                    }
                    else
                    {
                        print.UnicodeHeader = line.Value;
                    }
                }

                break;
            case "border":
                if (value is not null)
                {
                    // psql keeps the border in an unsigned 16-bit field.
                    print.Border = (ushort)CLong(value);
                }

                break;
            case "expanded":
            case "x":
            case "vertical":
                name = "expanded";
                if (value is null)
                {
                    print.Expanded = print.Expanded == ExpandedMode.Off ? ExpandedMode.On : ExpandedMode.Off;
                }
                else if (value.Equals("auto", StringComparison.OrdinalIgnoreCase))
                {
                    print.Expanded = ExpandedMode.Auto;
                }
                else if (ParseBool(value) is { } on)
                {
                    print.Expanded = on ? ExpandedMode.On : ExpandedMode.Off;
                }
                else
                {
                    error($"unrecognized value \"{value}\" for \"{name}\"\nAvailable values are: on, off, auto.");
                    return false;
                }

                break;
            case "csv_fieldsep":
                if (value is not null)
                {
                    // As in C, the value ends at a NUL byte ('\0' gives an empty separator).
                    int nul = value.IndexOf('\0', StringComparison.Ordinal);
                    string separator = nul < 0 ? value : value[..nul];
                    if (encoding.GetByteCount(separator) != 1)
                    {
                        error("\\pset: csv_fieldsep must be a single one-byte character");
                        return false;
                    }

                    if (separator[0] is '"' or '\n' or '\r')
                    {
                        error("\\pset: csv_fieldsep cannot be a double quote, a newline, or a carriage return");
                        return false;
                    }

                    print.CsvFieldSeparator = separator[0];
                }

                break;
            case "fieldsep":
                if (value is not null)
                {
                    print.FieldSeparator = value;
                    print.FieldSeparatorZero = false;
                }

                break;
            case "fieldsep_zero":
                print.FieldSeparator = "";
                print.FieldSeparatorZero = true;
                break;
            case "recordsep":
                if (value is not null)
                {
                    print.RecordSeparator = value;
                    print.RecordSeparatorZero = false;
                }

                break;
            case "recordsep_zero":
                print.RecordSeparator = "";
                print.RecordSeparatorZero = true;
                break;
            case "tuples_only":
            case "t":
                name = "tuples_only";
                if (value is not null)
                {
                    // As psql: setting a boolean option to a value says nothing.
                    silent = true;
                    return SetBool(value, name, error, b => print.TuplesOnly = b);
                }

                print.TuplesOnly = !print.TuplesOnly;
                break;
            case "title":
            case "C":
                name = "title";
                print.Title = value;
                break;
            case "tableattr":
            case "T":
                name = "tableattr";
                print.TableAttr = value;
                break;
            case "null":
                if (value is not null)
                {
                    print.NullDisplay = value;
                }

                break;
            case "footer":
                if (value is not null)
                {
                    silent = true;
                    return SetBool(value, name, error, b => print.Footer = b);
                }

                print.Footer = !print.Footer;
                break;
            case "numericlocale":
                if (value is not null)
                {
                    silent = true;
                    return SetBool(value, name, error, b => print.NumericLocale = b);
                }

                print.NumericLocale = !print.NumericLocale;
                break;
            case "pager":
                if (value is null)
                {
                    print.Pager = print.Pager == PagerMode.On ? PagerMode.Off : PagerMode.On;
                }
                else if (value.Equals("always", StringComparison.OrdinalIgnoreCase))
                {
                    print.Pager = PagerMode.Always;
                }
                else if (ParseBool(value) is { } pager)
                {
                    print.Pager = pager ? PagerMode.On : PagerMode.Off;
                }
                else
                {
                    error($"unrecognized value \"{value}\" for \"{name}\"\nAvailable values are: on, off, always.");
                    return false;
                }

                break;
            case "pager_min_lines":
                if (value is not null)
                {
                    print.PagerMinLines = (int)CLong(value);
                }

                break;
            case "columns":
                if (value is not null)
                {
                    print.Columns = (int)CLong(value);
                }

                break;
            default:
                error($"\\pset: unknown option: {name}");
                return false;
        }

        return true;
    }

    private static bool SetBool(string value, string name, Action<string> error, Action<bool> set)
    {
        if (ParseBool(value) is { } b)
        {
            set(b);
            return true;
        }

        error($"unrecognized value \"{value}\" for \"{name}\": Boolean expected");
        return false;
    }

    /// <summary>psql's boolean words: on, off, true, false, yes, no, 1, 0 and their unambiguous prefixes.</summary>
    internal static bool? ParseBool(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        static bool Prefix(string word, string value) => word.StartsWith(value, StringComparison.OrdinalIgnoreCase);
        if (Prefix("true", value) || Prefix("yes", value) || value == "1" || (value.Length >= 2 && Prefix("on", value)))
        {
            return true;
        }

        if (Prefix("false", value) || Prefix("no", value) || value == "0" || (value.Length >= 2 && Prefix("off", value)))
        {
            return false;
        }

        return null;
    }

    /// <summary>C's atoi as psql uses it: leading blanks, a sign, the digits that follow; 0 when there are none.</summary>
    private static long CLong(string value)
    {
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

        long n = 0;
        for (; i < value.Length && char.IsAsciiDigit(value[i]); i++)
        {
            int digit = value[i] - '0';
            if (n > (long.MaxValue - digit) / 10)
            {
                return negative ? long.MinValue : long.MaxValue;
            }

            n = n * 10 + digit;
        }

        return negative ? -n : n;
    }

    /// <summary>A format name or unique abbreviation; "latex-..." abbreviates latex-longtable.</summary>
    private static OutputFormat? ParseFormat(string value, Action<string> error)
    {
        int match = -1;
        if (value.Length > 0)
        {
            for (int i = 0; i < FormatNames.Length; i++)
            {
                string candidate = FormatNames[i].Name;
                if (!candidate.StartsWith(value, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (candidate.Length == value.Length)
                {
                    match = i;
                    break;
                }

                if (match >= 0)
                {
                    error($"\\pset: ambiguous abbreviation \"{value}\" matches both \"{FormatNames[match].Name}\" and \"{candidate}\"");
                    return null;
                }

                match = i;
            }
        }

        if (match >= 0)
        {
            return FormatNames[match].Format;
        }

        if (value.Length > "latex".Length && "latex-longtable".StartsWith(value, StringComparison.OrdinalIgnoreCase))
        {
            return OutputFormat.LatexLongtable;
        }

        error("\\pset: allowed formats are aligned, asciidoc, csv, html, latex, latex-longtable, troff-ms, unaligned, wrapped");
        return null;
    }

    /// <summary>\pset without arguments: every option and its value, as psql lists them.</summary>
    private void PsetList()
    {
        foreach (string name in PsetOptionNames)
        {
            OutText.Write(name.PadRight(24));
            OutText.Write(' ');
            OutText.Write(PsetValue(name));
            OutText.Write('\n');
        }
    }

    private string PsetValue(string name) => name switch
    {
        "border" => Print.Border.ToString(CultureInfo.InvariantCulture),
        "columns" => Print.Columns.ToString(CultureInfo.InvariantCulture),
        "csv_fieldsep" => Quoted(Print.CsvFieldSeparator.ToString()),
        "expanded" => Print.Expanded switch { ExpandedMode.Auto => "auto", ExpandedMode.On => "on", _ => "off" },
        "fieldsep" => Quoted(Print.FieldSeparator),
        "fieldsep_zero" => OnOff(Print.FieldSeparatorZero),
        "footer" => OnOff(Print.Footer),
        "format" => FormatName(Print.Format),
        "linestyle" => LineStyleName(Print.LineStyle),
        "null" => Quoted(Print.NullDisplay),
        "numericlocale" => OnOff(Print.NumericLocale),
        "pager" => ((int)Print.Pager).ToString(CultureInfo.InvariantCulture),
        "pager_min_lines" => Print.PagerMinLines.ToString(CultureInfo.InvariantCulture),
        "recordsep" => Quoted(Print.RecordSeparator),
        "recordsep_zero" => OnOff(Print.RecordSeparatorZero),
        "tableattr" => Print.TableAttr is null ? "" : Quoted(Print.TableAttr),
        "title" => Print.Title is null ? "" : Quoted(Print.Title),
        "tuples_only" => OnOff(Print.TuplesOnly),
        "unicode_border_linestyle" => LineName(Print.UnicodeBorder),
        "unicode_column_linestyle" => LineName(Print.UnicodeColumn),
        "unicode_header_linestyle" => LineName(Print.UnicodeHeader),
        _ => "",
    };

    private string PsetInfo(string name) => name switch
    {
        "format" => $"Output format is {FormatName(Print.Format)}.",
        "border" => $"Border style is {Print.Border.ToString(CultureInfo.InvariantCulture)}.",
        "expanded" => Print.Expanded switch
        {
            ExpandedMode.On => "Expanded display is on.",
            ExpandedMode.Auto => "Expanded display is used automatically.",
            _ => "Expanded display is off.",
        },
        "null" => $"Null display is \"{Print.NullDisplay}\".",
        "fieldsep" or "fieldsep_zero" => Print.FieldSeparatorZero ? "Field separator is zero byte." : $"Field separator is \"{Print.FieldSeparator}\".",
        "recordsep" or "recordsep_zero" => Print.RecordSeparatorZero ? "Record separator is zero byte." : Print.RecordSeparator == "\n" ? "Record separator is <newline>." : $"Record separator is \"{Print.RecordSeparator}\".",
        "csv_fieldsep" => $"Field separator for CSV is \"{Print.CsvFieldSeparator}\".",
        "tuples_only" => Print.TuplesOnly ? "Tuples only is on." : "Tuples only is off.",
        "footer" => Print.Footer ? "Default footer is on." : "Default footer is off.",
        "title" => Print.Title is null ? "Title is unset." : $"Title is \"{Print.Title}\".",
        "tableattr" => Print.TableAttr is null ? "Table attributes unset." : $"Table attributes are \"{Print.TableAttr}\".",
        "columns" => Print.Columns == 0 ? "Target width is unset." : $"Target width is {Print.Columns.ToString(CultureInfo.InvariantCulture)}.",
        "linestyle" => $"Line style is {LineStyleName(Print.LineStyle)}.",
        "numericlocale" => Print.NumericLocale ? "Locale-adjusted numeric output is on." : "Locale-adjusted numeric output is off.",
        "pager" => Print.Pager switch
        {
            PagerMode.On => "Pager is used for long output.",
            PagerMode.Always => "Pager is always used.",
            _ => "Pager usage is off.",
        },
        "pager_min_lines" => Print.PagerMinLines == 1 ? "Pager won't be used for less than 1 line."
            : $"Pager won't be used for less than {Print.PagerMinLines.ToString(CultureInfo.InvariantCulture)} lines.",
        "unicode_border_linestyle" => $"Unicode border line style is \"{LineName(Print.UnicodeBorder)}\".",
        "unicode_column_linestyle" => $"Unicode column line style is \"{LineName(Print.UnicodeColumn)}\".",
        "unicode_header_linestyle" => $"Unicode header line style is \"{LineName(Print.UnicodeHeader)}\".",
        _ => "",
    };

    private static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>A value in single quotes, with quotes and newlines escaped by a backslash.</summary>
    private static string Quoted(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (char c in value)
        {
            text.Append(c switch
            {
                '\'' => "\\'",
                '\n' => "\\n",
                _ => null,
            } ?? c.ToString());
        }

        return text.Append('\'').ToString();
    }

    private static string FormatName(OutputFormat format) => format switch
    {
        OutputFormat.Unaligned => "unaligned",
        OutputFormat.Csv => "csv",
        OutputFormat.Wrapped => "wrapped",
        OutputFormat.Html => "html",
        OutputFormat.Asciidoc => "asciidoc",
        OutputFormat.Latex => "latex",
        OutputFormat.LatexLongtable => "latex-longtable",
        OutputFormat.TroffMs => "troff-ms",
        _ => "aligned",
    };

    private static string LineStyleName(LineStyle style) => style switch
    {
        LineStyle.OldAscii => "old-ascii",
        LineStyle.Unicode => "unicode",
        _ => "ascii",
    };

    private static string LineName(UnicodeLine line) => line == UnicodeLine.Double ? "double" : "single";
}
