using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>The output formats, line styles and \pset options, each compared byte for byte with psql 15.</summary>
public sealed class PrintFormatTests
{
    /// <summary>Escapes of every format, NULL display, newlines, wide characters, titles, footers, empty results.</summary>
    private const string FormatScript = """
        create temp table ft(i int, "t<&>" text, n numeric, m text, w text);
        insert into ft values (1, 'a<b>&"c''|x\y #$%^_{}~ .x', 12345.5, E'l1\nl2\n  l3', '日本語'), (22, '  lead', null, '', 'x|y'), (-3, E'\t', 0.5, 'z', null);
        \pset null '<null>'
        select * from ft;
        \pset title 'T<&>|#_'
        select * from ft;
        \pset tuples_only on
        select * from ft;
        \pset tuples_only off
        \pset footer off
        select * from ft;
        \pset footer on
        select * from ft where false;
        select;
        select from ft;
        \x on
        select * from ft;
        \pset tuples_only on
        select * from ft;
        \pset tuples_only off
        select * from ft where false;
        select;
        \x off
        \pset tableattr 'class="x" 0.3  0.2'
        select * from ft;
        \x on
        select * from ft;
        \x off
        \pset title
        select * from ft;
        \pset numericlocale on
        select * from ft;

        """;

    /// <summary>Multi-line headers and values, wrapping to a width, expanded and automatic expansion.</summary>
    private const string LineStyleScript = """
        create temp table ft(i int, "t<&>" text, n numeric, m text, "h1
        h2" text, h text);
        insert into ft values (1, 'short', 12345.5, E'l1\nl2\n  l3', '日本語', 'a'), (22, 'a much longer value that will need wrapping when columns are narrow', null, '', E'x\ny', E'p\nq'), (-3, E'\t', 0.5, 'z', null, null);
        select * from ft;
        select i, "t<&>", m, h from ft;
        \pset title 'Title'
        select * from ft;
        \pset tuples_only on
        select * from ft;
        \pset tuples_only off
        select i from ft where false;
        select;
        \x on
        select * from ft;
        select i, m, h from ft;
        \pset tuples_only on
        select * from ft;
        \pset tuples_only off
        \x off
        \pset format wrapped
        \pset columns 40
        select * from ft;
        \x on
        select * from ft;
        select i, "t<&>", h from ft;
        \pset columns 20
        select * from ft;
        \x off
        select * from ft;
        \x auto
        select * from ft;

        """;

    public static TheoryData<string, int> Formats()
    {
        var data = new TheoryData<string, int>();
        foreach (string format in new[] { "html", "asciidoc", "latex", "latex-longtable", "troff-ms" })
        {
            for (int border = 0; border <= 4; border++)
            {
                data.Add(format, border);
            }
        }

        return data;
    }

    [PsqlTheory]
    [MemberData(nameof(Formats))]
    public void Format_prints_as_psql(string format, int border) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], $"\\pset format {format}\n\\pset border {border}\n{FormatScript}");

    public static TheoryData<string, int> LineStyles()
    {
        var data = new TheoryData<string, int>();
        string[] styles =
        [
            "ascii",
            "old-ascii",
            "unicode",
            "unicode\n\\pset unicode_border_linestyle double",
            "unicode\n\\pset unicode_column_linestyle double",
            "unicode\n\\pset unicode_header_linestyle double",
            "unicode\n\\pset unicode_border_linestyle double\n\\pset unicode_column_linestyle double\n\\pset unicode_header_linestyle double",
        ];
        foreach (string style in styles)
        {
            for (int border = 0; border <= 2; border++)
            {
                data.Add(style, border);
            }
        }

        return data;
    }

    [PsqlTheory]
    [MemberData(nameof(LineStyles))]
    public void Line_style_prints_as_psql(string style, int border) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-q"], $"\\pset linestyle {style}\n\\pset border {border}\n{LineStyleScript}");

    /// <summary>Every option's message, its errors, abbreviations, toggles and the listing of all options.</summary>
    private const string PsetScript = """
        \pset
        \pset border
        \pset border 3
        \pset border x
        \pset border -1
        \pset border 70000
        \pset columns 50
        \pset columns -5
        \pset csv_fieldsep ;;
        \pset csv_fieldsep ;
        \pset expanded
        \pset expanded auto
        \pset expanded foo
        \pset vertical
        \pset fieldsep_zero
        \pset fieldsep_zero off
        \pset fieldsep 'a\tb\\c'
        \pset footer
        \pset footer off
        \pset footer maybe
        \pset format a
        \pset format l
        \pset format latex-
        \pset format tr
        \pset format x
        \pset linestyle u
        \pset linestyle old
        \pset linestyle z
        \pset null NULL
        \pset numericlocale
        \pset numericlocale x
        \pset pager
        \pset pager always
        \pset pager x
        \pset pager_min_lines 1
        \pset pager_min_lines 99999999999
        \pset recordsep_zero
        \pset tableattr 'it''s'
        \pset title 'x y'
        \pset t
        \t on
        \pset unicode_border_linestyle d
        \pset unicode_column_linestyle x
        \pset unicode_header_linestyle double
        \pset bogus
        \pset C caption
        \pset T attr
        \pset
        \H
        \H
        \T border=1
        \T
        \pset

        """;

    [PsqlFact]
    public void Pset_options_and_messages_match_psql() => SimpsqlHarness.AssertSameAsPsql(["-X"], PsetScript);
}
