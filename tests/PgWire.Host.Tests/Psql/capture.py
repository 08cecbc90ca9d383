#!/usr/bin/env python3
"""Runs each case against a real psql 15 and writes GoldenCases.g.cs.

Usage: capture.py [psql-args...]   (default: -h 127.0.0.1 -p 55433 -U postgres)
"""
import json, os, subprocess, sys

CONN = sys.argv[1:] or ["-h", "127.0.0.1", "-p", "55433", "-U", "postgres"]
HERE = os.path.dirname(os.path.abspath(__file__))

TYPE_OIDS = {
    "integer": 23, "smallint": 21, "bigint": 20, "oid": 26, "xid": 28, "cid": 29, "xid8": 5069,
    "real": 700, "double precision": 701, "numeric": 1700, "money": 790,
    "text": 25, "boolean": 16, "date": 1082, "unknown": 705, "name": 19, "json": 114,
    "timestamp without time zone": 1114, "bytea": 17, "character varying": 1043,
}

MIX = ("select 1 as id, 'alpha'::text as name, 12.5::numeric as amount, null::int as missing, true as flag "
       "union all select 42, 'b', -3.25, 7, false "
       "union all select 1000000, null, 0, null, null")
ML = "select 1 as id, E'first\\nsecond line\\nthird' as note, 'x' as other union all select 22, 'one', E'a\\nb'"
WIDE = "select '日本語' as word, 3 as n union all select 'abc', 12345 union all select 'ｱｲｳ', 7"
COMB = "select E'e\\u0301te\\u0301' as word, 'cafe' as plain, 'x' || E'\\u200b' || 'y' as zw"
LONGHDR = "select 1 as a_very_long_column_header, 'v' as another_long_header_name, 3.5::float8 as wide_numeric_header"
CSVQ = ("select 'plain' as a, 'has,comma' as b, 'has \"quote\"' as c, E'line\\nbreak' as d, '' as e, null::text as f, ' sp ' as g "
        "union all select '\\.', E'cr\\rhere', 'x;y', 'q', '', null, 'z'")
CTRL = "select E'a\\tb' as tab, E'ab\\tc' as tab2, E'x\\x01y' as ctl, E'\\r' as cr, 'end' as e"
ZERO = "select"
EMPTY = "select 1 as a, 'b'::text as b where false"
NUMS = ("select 1::int2 as i2, 2::int4 as i4, 3::int8 as i8, 4::oid as o, '5'::xid as x, 6.5::float4 as f4, "
        "7.25::float8 as f8, 8.125::numeric as num, 9.5::money as m, '10'::text as t")
MLHDR = 'select 1 as "multi\nline header", \'v\' as b'

CASES = [
    ("Mix", MIX, {}),
    ("MixBorder0", MIX, {"border": 0}),
    ("MixBorder2", MIX, {"border": 2}),
    ("MixNullDisplay", MIX, {"null": "(null)"}),
    ("MixTuplesOnly", MIX, {"tuples_only": True}),
    ("MixTuplesOnlyBorder2", MIX, {"tuples_only": True, "border": 2}),
    ("MixTitle", MIX, {"title": "My Title"}),
    ("MixLongTitle", MIX, {"title": "A title that is much longer than the whole table width"}),
    ("MixTitleBorder0", MIX, {"title": "T", "border": 0}),
    ("MixTitleBorder2", MIX, {"title": "T", "border": 2}),
    ("MixNoFooter", MIX, {"footer": False}),
    ("MixExpanded", MIX, {"expanded": "on"}),
    ("MixExpandedBorder0", MIX, {"expanded": "on", "border": 0}),
    ("MixExpandedBorder2", MIX, {"expanded": "on", "border": 2}),
    ("MixExpandedTuplesOnly", MIX, {"expanded": "on", "tuples_only": True}),
    ("MixExpandedTuplesOnlyBorder0", MIX, {"expanded": "on", "tuples_only": True, "border": 0}),
    ("MixExpandedTuplesOnlyBorder2", MIX, {"expanded": "on", "tuples_only": True, "border": 2}),
    ("MixExpandedNull", MIX, {"expanded": "on", "null": "NULL"}),
    ("MixExpandedTitle", MIX, {"expanded": "on", "title": "Title"}),
    ("MixUnaligned", MIX, {"format": "unaligned"}),
    ("MixUnalignedNull", MIX, {"format": "unaligned", "null": "NULL"}),
    ("MixUnalignedTuplesOnly", MIX, {"format": "unaligned", "tuples_only": True}),
    ("MixUnalignedSeparators", MIX, {"format": "unaligned", "fieldsep": ";;", "recordsep": "#\n"}),
    ("MixUnalignedZeroSeparators", MIX, {"format": "unaligned", "fieldsep_zero": True, "recordsep_zero": True}),
    ("MixUnalignedTitle", MIX, {"format": "unaligned", "title": "Title"}),
    ("MixUnalignedNoFooter", MIX, {"format": "unaligned", "footer": False}),
    ("MixUnalignedExpanded", MIX, {"format": "unaligned", "expanded": "on"}),
    ("MixUnalignedExpandedTuplesOnly", MIX, {"format": "unaligned", "expanded": "on", "tuples_only": True}),
    ("MixCsv", MIX, {"format": "csv"}),
    ("MixCsvNull", MIX, {"format": "csv", "null": "NULL"}),
    ("MixCsvTuplesOnly", MIX, {"format": "csv", "tuples_only": True}),
    ("MixCsvExpanded", MIX, {"format": "csv", "expanded": "on"}),
    ("MixCsvTitle", MIX, {"format": "csv", "title": "ignored"}),
    ("Numbers", NUMS, {}),
    ("NumbersBorder2", NUMS, {"border": 2}),
    ("MultiLine", ML, {}),
    ("MultiLineBorder0", ML, {"border": 0}),
    ("MultiLineBorder2", ML, {"border": 2}),
    ("MultiLineExpanded", ML, {"expanded": "on"}),
    ("MultiLineExpandedBorder0", ML, {"expanded": "on", "border": 0}),
    ("MultiLineExpandedBorder2", ML, {"expanded": "on", "border": 2}),
    ("MultiLineUnaligned", ML, {"format": "unaligned"}),
    ("MultiLineCsv", ML, {"format": "csv"}),
    ("MultiLineHeader", MLHDR, {}),
    ("MultiLineHeaderBorder0", MLHDR, {"border": 0}),
    ("MultiLineHeaderBorder2", MLHDR, {"border": 2}),
    ("MultiLineHeaderExpanded", MLHDR, {"expanded": "on"}),
    ("MultiLineHeaderExpandedBorder0", MLHDR, {"expanded": "on", "border": 0}),
    ("MultiLineHeaderExpandedBorder2", MLHDR, {"expanded": "on", "border": 2}),
    ("Wide", WIDE, {}),
    ("WideBorder2", WIDE, {"border": 2}),
    ("WideExpanded", WIDE, {"expanded": "on"}),
    ("Combining", COMB, {}),
    ("CombiningExpanded", COMB, {"expanded": "on"}),
    ("LongHeader", LONGHDR, {}),
    ("LongHeaderBorder0", LONGHDR, {"border": 0}),
    ("LongHeaderExpanded", LONGHDR, {"expanded": "on"}),
    ("Control", CTRL, {}),
    ("ControlExpanded", CTRL, {"expanded": "on"}),
    ("ControlUnaligned", CTRL, {"format": "unaligned"}),
    ("ControlCsv", CTRL, {"format": "csv"}),
    ("CsvQuoting", CSVQ, {"format": "csv"}),
    ("CsvQuotingSemicolon", CSVQ, {"format": "csv", "csv_fieldsep": ";"}),
    ("CsvQuotingBackslashSep", CSVQ, {"format": "csv", "csv_fieldsep": "\\"}),
    ("CsvQuotingAligned", CSVQ, {}),
    ("ZeroColumns", ZERO, {}),
    ("ZeroColumnsBorder0", ZERO, {"border": 0}),
    ("ZeroColumnsBorder2", ZERO, {"border": 2}),
    ("ZeroColumnsUnaligned", ZERO, {"format": "unaligned"}),
    ("ZeroColumnsCsv", ZERO, {"format": "csv"}),
    ("ZeroColumnsExpanded", ZERO, {"expanded": "on"}),
    ("Empty", EMPTY, {}),
    ("EmptyBorder2", EMPTY, {"border": 2}),
    ("EmptyTuplesOnly", EMPTY, {"tuples_only": True}),
    ("EmptyExpanded", EMPTY, {"expanded": "on"}),
    ("EmptyExpandedTuplesOnly", EMPTY, {"expanded": "on", "tuples_only": True}),
    ("EmptyExpandedBorder2", EMPTY, {"expanded": "on", "border": 2}),
    ("EmptyUnaligned", EMPTY, {"format": "unaligned"}),
    ("EmptyUnalignedTuplesOnly", EMPTY, {"format": "unaligned", "tuples_only": True}),
    ("EmptyUnalignedExpanded", EMPTY, {"format": "unaligned", "expanded": "on"}),
    ("EmptyCsv", EMPTY, {"format": "csv"}),
    ("OneRow", "select 1 as a", {}),
    ("SingleEmptyString", "select '' as e, null as n", {}),
    ("ExpandedAutoNarrow", MIX, {"expanded": "auto", "columns": 200}),
    ("ExpandedAutoWide", MIX, {"expanded": "auto", "columns": 20}),
    ("ExpandedAutoUnaligned", MIX, {"format": "unaligned", "expanded": "auto", "columns": 5}),
    ("Xid8", "select '5'::xid8 as x8, 't'::text as t", {}),
    ("TrailingNewline", "select E'abc\\n' as v, E'\\n\\nx' as w, 1 as n", {}),
    ("TrailingNewlineExpanded", "select E'abc\\n' as v, E'\\n\\nx' as w, 1 as n", {"expanded": "on"}),
    ("MoreControl", "select E'\\u0085x' as c1, E'a\\x7fb' as del, E'\\u00adz' as shy, E'\\U0001F600!' as emoji, '\\' as bs", {}),
    ("NarrowExpanded", "select 1 as a", {"expanded": "on"}),
    ("NarrowExpandedBorder0", "select 1 as a", {"expanded": "on", "border": 0}),
    ("NarrowExpandedBorder2", "select 1 as a", {"expanded": "on", "border": 2}),
    ("ManyRecordsExpanded", "select g as v from generate_series(1, 11) g", {"expanded": "on"}),
    ("ManyRecordsExpandedBorder0", "select g as v from generate_series(8, 11) g", {"expanded": "on", "border": 0}),
    ("CenteredHeaders", "select 1 as ab, 22222 as c, 'xyzzy' as de, 'x' as long_name", {}),
    ("CenteredHeadersBorder2", "select 1 as ab, 22222 as c, 'xyzzy' as de, 'x' as long_name", {"border": 2}),
    ("MultiLineTitle", MIX, {"title": "first\nsecond"}),
    ("EmptyTitleExpanded", EMPTY, {"expanded": "on", "title": "T"}),
    ("EmptyNoFooterExpanded", EMPTY, {"expanded": "on", "footer": False}),
    ("WideBorder0", WIDE, {"border": 0}),
    ("WideTitle", WIDE, {"title": "日本"}),
    ("MultiLineNumeric", "select 1.5 as num, E'a\\nb\\nc' as t, 2 as n", {}),
    ("MultiLineNumericBorder2", "select 1.5 as num, E'a\\nb\\nc' as t, 2 as n", {"border": 2}),
    ("NullDisplayCsvQuoted", "select null::text as a, 'b' as b", {"format": "csv", "null": "x,y"}),
    ("CsvHeaderQuoting", 'select 1 as "a,b", 2 as "q\"\"q", 3 as "\\."', {"format": "csv"}),
    ("UnalignedFieldSepInValue", "select 'a|b' as x, 'c' as y", {"format": "unaligned"}),
    ("TitleTuplesOnly", MIX, {"title": "T", "tuples_only": True}),
    ("UnalignedTitleExpandedTuplesOnly", MIX, {"format": "unaligned", "expanded": "on", "title": "T", "tuples_only": True}),
    ("UnalignedExpandedTitle", MIX, {"format": "unaligned", "expanded": "on", "title": "T"}),
    ("UnalignedExpandedSeparators", MIX, {"format": "unaligned", "expanded": "on", "fieldsep": ":", "recordsep": ";"}),
    ("UnalignedExpandedZeroSeparators", MIX, {"format": "unaligned", "expanded": "on", "recordsep_zero": True}),
    ("Border3", MIX, {"border": 3}),
    ("TitleParityBorder0", "select 1 as a, 2 as b", {"border": 0, "title": "TT"}),
    ("TitleParityBorder1", "select 1 as a, 2 as b", {"border": 1, "title": "TTT"}),
    ("ExpandedAutoSingleColumn", "select 'a long value here' as v", {"expanded": "auto", "columns": 5}),
]

LONGTEXT = ("select 1 as id, 'The quick brown fox jumps over the lazy dog' as sentence, 'short' as s, 123456.789 as amount "
            "union all select 2, E'multi\\nline value that is rather long', 'tiny', 1 "
            "union all select 3, '日本語のテキストはとても長いです', null, null")
for border in (0, 1, 2):
    for cols in (30, 45, 200):
        CASES.append((f"WrappedB{border}C{cols}", LONGTEXT, {"format": "wrapped", "border": border, "columns": cols}))
    CASES.append((f"WrappedB{border}NoColumns", LONGTEXT, {"format": "wrapped", "border": border}))
    for cols in (25, 40):
        CASES.append((f"WrappedExpandedB{border}C{cols}", LONGTEXT, {"format": "wrapped", "expanded": "on", "border": border, "columns": cols}))
    CASES.append((f"WrappedExpandedB{border}NoColumns", LONGTEXT, {"format": "wrapped", "expanded": "on", "border": border}))
    CASES.append((f"WrappedExpandedNarrowB{border}", "select 1 as a", {"format": "wrapped", "expanded": "on", "border": border}))
CASES.append(("WrappedTiny", LONGTEXT, {"format": "wrapped", "columns": 5}))
CASES.append(("WrappedAutoExpanded", LONGTEXT, {"format": "wrapped", "expanded": "auto", "columns": 30}))
CASES.append(("WrappedWideChars", "select 'ab日本語cd' as w, 'x' as y", {"format": "wrapped", "columns": 10}))
CASES.append(("WrappedMultiLineHeader", MLHDR + ", 'a value that will need wrapping' as c", {"format": "wrapped", "columns": 30}))
CASES.append(("WrappedMultiLineHeaderExpanded", MLHDR + ", 'a value that will need wrapping' as c", {"format": "wrapped", "expanded": "on", "columns": 25}))
CASES.append(("WrappedMultiLineHeaderExpandedB0", MLHDR + ", 'a value that will need wrapping' as c", {"format": "wrapped", "expanded": "on", "columns": 25, "border": 0}))

def random_cases(count, seed=15):
    import random
    rnd = random.Random(seed)
    pieces = ["a", "bc", "Zq", " ", "\n", "\t", "日本", "e\u0301", "\"", ",", "|", ".", "xyz", "ｱ", "\r"]
    def text_value():
        return "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
    def sql_text(v):
        return "E'" + v.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'"
    out = []
    for n in range(count):
        ncols = rnd.randint(1, 4)
        kinds = [rnd.choice(["int", "text", "text", "numeric"]) for _ in range(ncols)]
        names = [rnd.choice(["c", "col", "a_long_name", "名前", "n\nm"]) + str(i) for i in range(ncols)]
        rows = []
        for _ in range(rnd.randint(0, 4)):
            vals = []
            for k in kinds:
                if rnd.random() < 0.15:
                    vals.append("null::" + k)
                elif k == "int":
                    vals.append(str(rnd.randint(-10**rnd.randint(0, 9), 10**rnd.randint(0, 9))) + "::int8")
                elif k == "numeric":
                    vals.append(str(round(rnd.uniform(-1e4, 1e4), rnd.randint(0, 4))) + "::numeric")
                else:
                    vals.append(sql_text(text_value()) + "::text")
            rows.append(vals)
        cols_sql = ", ".join('%s as "%s"' % (v, nm.replace("\n", "\n")) for v, nm in zip(rows[0] if rows else ["null::" + k for k in kinds], names))
        sql = "select " + cols_sql + ("" if rows else " where false")
        for r in rows[1:]:
            sql += " union all select " + ", ".join(r)
        o = {}
        fmt = rnd.choice(["aligned", "aligned", "wrapped", "unaligned", "csv"])
        if fmt != "aligned": o["format"] = fmt
        o["border"] = rnd.randint(0, 2)
        ex = rnd.choice(["off", "off", "on", "auto"])
        if ex != "off": o["expanded"] = ex
        if rnd.random() < 0.2: o["tuples_only"] = True
        if rnd.random() < 0.3: o["null"] = rnd.choice(["NULL", "(null)", "∅"])
        if rnd.random() < 0.5: o["columns"] = rnd.choice([12, 20, 30, 45])
        if rnd.random() < 0.15: o["title"] = rnd.choice(["Title", "A longer title text"])
        out.append((f"Random{n:02}", sql, o))
    return out

CASES.extend(random_cases(int(os.environ.get("RANDOM_CASES", "60")), int(os.environ.get("RANDOM_SEED", "15"))))

def psql_args(o):
    a = []
    def p(k, v): a.extend(["-P", f"{k}={v}"])
    if "format" in o: p("format", o["format"])
    if "border" in o: p("border", o["border"])
    if "expanded" in o: p("expanded", o["expanded"])
    if o.get("tuples_only"): p("tuples_only", "on")
    if "null" in o: p("null", o["null"])
    if "fieldsep" in o: p("fieldsep", o["fieldsep"])
    if "recordsep" in o: p("recordsep", o["recordsep"])
    if o.get("fieldsep_zero"): a.extend(["-P", "fieldsep_zero"])
    if o.get("recordsep_zero"): a.extend(["-P", "recordsep_zero"])
    if "title" in o: p("title", o["title"])
    if o.get("footer") is False: p("footer", "off")
    if "csv_fieldsep" in o: p("csv_fieldsep", o["csv_fieldsep"])
    if "columns" in o: p("columns", o["columns"])
    return a

def cs(s):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\": out.append("\\\\")
        elif ch == '"': out.append('\\"')
        elif ch == "\n": out.append("\\n")
        elif ch == "\r": out.append("\\r")
        elif ch == "\t": out.append("\\t")
        elif c < 0x20 or c == 0x7f: out.append("\\u%04x" % c)
        elif c > 0x7e: out.append("\\u%04x" % c if c < 0x10000 else "\\U%08x" % c)
        else: out.append(ch)
    return '"' + "".join(out) + '"'

def cs_opts(o):
    parts = []
    fmt = {"unaligned": "Unaligned", "csv": "Csv", "wrapped": "Wrapped"}.get(o.get("format"))
    if fmt: parts.append(f"Format = OutputFormat.{fmt}")
    if "border" in o: parts.append(f"Border = {o['border']}")
    if "expanded" in o: parts.append(f"Expanded = ExpandedMode.{o['expanded'].capitalize()}")
    if o.get("tuples_only"): parts.append("TuplesOnly = true")
    if "null" in o: parts.append(f"NullDisplay = {cs(o['null'])}")
    if "fieldsep" in o: parts.append(f"FieldSeparator = {cs(o['fieldsep'])}")
    if "recordsep" in o: parts.append(f"RecordSeparator = {cs(o['recordsep'])}")
    if o.get("fieldsep_zero"): parts.append("FieldSeparatorZero = true")
    if o.get("recordsep_zero"): parts.append("RecordSeparatorZero = true")
    if "title" in o: parts.append(f"Title = {cs(o['title'])}")
    if o.get("footer") is False: parts.append("Footer = false")
    if "csv_fieldsep" in o: parts.append(f"CsvFieldSeparator = '{chr(92)*2 if o['csv_fieldsep']==chr(92) else o['csv_fieldsep']}'")
    if "columns" in o: parts.append(f"Columns = {o['columns']}")
    return "new PrintOptions { " + ", ".join(parts) + " }" if parts else "new PrintOptions()"

def run(args, sql, stdin=None):
    if stdin is None:
        r = subprocess.run(["psql", "-X", "-q", *CONN, *args, "-c", sql], capture_output=True, check=True)
    else:
        r = subprocess.run(["psql", "-X", "-q", *CONN, *args], input=stdin.encode(), capture_output=True, check=True)
    return r.stdout.decode("utf-8")

def model(sql):
    types = []
    desc = run(["-A", "-t", "-F", "\x1f", "-R", "\x1e"], None, sql + " \\gdesc\n") if sql.strip() != "select" else ""
    for line in desc.rstrip("\n").split("\x1e"):
        if not line: continue
        name, t = line.split("\x1f")
        base = t.split("(")[0]
        types.append(TYPE_OIDS[base])
    raw = run(["-A", "-F", "\x1f", "-R", "\x1e", "-P", "null=\x01"], sql)
    parts = raw.split("\x1e")
    header = parts[0].split("\x1f") if parts[0] else []
    footer = parts[-1].strip()
    n = int(footer.strip("()").split()[0])
    rows = [p.split("\x1f") for p in parts[1:-1]] if header else [[] for _ in range(n)]
    assert len(rows) == n, (sql, rows, footer)
    assert len(header) == len(types)
    rows = [[None if v == "\x01" else v for v in r] for r in rows]
    return list(zip(header, types)), rows

def psql_version():
    """What `psql --version` prints, e.g. "psql (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)"; must be psql 15."""
    text = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if not text.startswith("psql (PostgreSQL) 15."):
        sys.exit(f"capture.py needs psql 15, found: {text}")
    return text

def main():
    lines = ["// Generated by capture.py from psql 15 output. Do not edit by hand.",
             "// Captured with: " + psql_version(),
             "namespace PgWire.Host.Tests.Psql;", "",
             "using PgWire.Host.Psql;", "",
             "public static partial class GoldenCases", "{",
             "    public static readonly GoldenCase[] All =", "    ["]
    for name, sql, opts in CASES:
        cols, rows = model(sql)
        args = psql_args(opts)
        expected = run(args, sql)
        lines.append(f"        // psql -X{''.join(' ' + (json.dumps(a) if ' ' in a or not a.isprintable() else a) for a in args)} -c {json.dumps(sql, ensure_ascii=False)}")
        lines.append(f"        new GoldenCase({cs(name)},")
        lines.append("            [" + ", ".join(f"new ResultColumn({cs(c)}, {t})" for c, t in cols) + "],")
        lines.append("            [" + ", ".join("[" + ", ".join("null" if v is None else cs(v) for v in r) + "]" for r in rows) + "],")
        lines.append(f"            {cs_opts(opts)},")
        lines.append(f"            {cs(expected)}),")
    lines += ["    ];", "}", ""]
    with open(os.path.join(HERE, "GoldenCases.g.cs"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))

main()
