// Captured from psql 15 output of \d on the describe test fixture (tests/PgWire.Host.Tests/Describe).
namespace PgWire.Host.Tests.Psql;

using PgWire.Host.Psql;

public sealed record FooterCase(
    string Name,
    ResultColumn[] Columns,
    string?[][] Rows,
    string[] Footers,
    PrintOptions Options,
    string Expected)
{
    public ResultSet ToResultSet() => new(Columns, [.. Rows]) { Footers = Footers };

    public override string ToString() => Name;
}

public static class FooterCases
{
    public static readonly FooterCase[] All =
    [
        // psql -X  -c "\d dsct.child"
        new FooterCase("ChildBorder1",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Title = "Table \"dsct.child\"" },
            "                                  Table \"dsct.child\"\n   Column   |  Type   | Collation | Nullable |                Default                 \n------------+---------+-----------+----------+----------------------------------------\n id         | integer |           | not null | nextval('dsct.child_id_seq'::regclass)\n parent_id  | integer |           |          | \n Mixed Name | text    |           |          | \nIndexes:\n    \"child_pkey\" PRIMARY KEY, btree (id)\n    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)\n    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL\nCheck constraints:\n    \"child_chk\" CHECK (id > 0)\nForeign-key constraints:\n    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE\nTriggers:\n    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\nDisabled user triggers:\n    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\n\n"),
        // psql -X -P border=0 -c "\d dsct.child"
        new FooterCase("ChildBorder0",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Border = 0, Title = "Table \"dsct.child\"" },
            "                             Table \"dsct.child\"\n  Column    Type   Collation Nullable                Default                 \n---------- ------- --------- -------- --------------------------------------\nid         integer           not null nextval('dsct.child_id_seq'::regclass)\nparent_id  integer                    \nMixed Name text                       \nIndexes:\n    \"child_pkey\" PRIMARY KEY, btree (id)\n    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)\n    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL\nCheck constraints:\n    \"child_chk\" CHECK (id > 0)\nForeign-key constraints:\n    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE\nTriggers:\n    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\nDisabled user triggers:\n    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\n\n"),
        // psql -X -P border=2 -c "\d dsct.child"
        new FooterCase("ChildBorder2",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Border = 2, Title = "Table \"dsct.child\"" },
            "                                   Table \"dsct.child\"\n+------------+---------+-----------+----------+----------------------------------------+\n|   Column   |  Type   | Collation | Nullable |                Default                 |\n+------------+---------+-----------+----------+----------------------------------------+\n| id         | integer |           | not null | nextval('dsct.child_id_seq'::regclass) |\n| parent_id  | integer |           |          |                                        |\n| Mixed Name | text    |           |          |                                        |\n+------------+---------+-----------+----------+----------------------------------------+\nIndexes:\n    \"child_pkey\" PRIMARY KEY, btree (id)\n    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)\n    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL\nCheck constraints:\n    \"child_chk\" CHECK (id > 0)\nForeign-key constraints:\n    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE\nTriggers:\n    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\nDisabled user triggers:\n    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\n\n"),
        // psql -X -A -c "\d dsct.child"
        new FooterCase("ChildUnaligned",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Format = OutputFormat.Unaligned, Title = "Table \"dsct.child\"" },
            "Table \"dsct.child\"\nColumn|Type|Collation|Nullable|Default\nid|integer||not null|nextval('dsct.child_id_seq'::regclass)\nparent_id|integer|||\nMixed Name|text|||\nIndexes:\n    \"child_pkey\" PRIMARY KEY, btree (id)\n    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)\n    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL\nCheck constraints:\n    \"child_chk\" CHECK (id > 0)\nForeign-key constraints:\n    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE\nTriggers:\n    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\nDisabled user triggers:\n    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\n"),
        // psql -X -t -c "\d dsct.child"
        new FooterCase("ChildTuplesOnly",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { TuplesOnly = true, Title = "Table \"dsct.child\"" },
            " id         | integer |           | not null | nextval('dsct.child_id_seq'::regclass)\n parent_id  | integer |           |          | \n Mixed Name | text    |           |          | \n\n"),
        // psql -X -P footer=off -c "\d dsct.child"
        new FooterCase("ChildFooterOff",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Footer = false, Title = "Table \"dsct.child\"" },
            "                                  Table \"dsct.child\"\n   Column   |  Type   | Collation | Nullable |                Default                 \n------------+---------+-----------+----------+----------------------------------------\n id         | integer |           | not null | nextval('dsct.child_id_seq'::regclass)\n parent_id  | integer |           |          | \n Mixed Name | text    |           |          | \nIndexes:\n    \"child_pkey\" PRIMARY KEY, btree (id)\n    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)\n    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL\nCheck constraints:\n    \"child_chk\" CHECK (id > 0)\nForeign-key constraints:\n    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE\nTriggers:\n    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\nDisabled user triggers:\n    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()\n\n"),
        // psql -X --csv -c "\d dsct.child"
        new FooterCase("ChildCsv",
            [new ResultColumn("Column", 25), new ResultColumn("Type", 25), new ResultColumn("Collation", 25), new ResultColumn("Nullable", 25), new ResultColumn("Default", 25)],
            [["id", "integer", "", "not null", "nextval('dsct.child_id_seq'::regclass)"], ["parent_id", "integer", "", "", ""], ["Mixed Name", "text", "", "", ""]],
            ["Indexes:", "    \"child_pkey\" PRIMARY KEY, btree (id)", "    \"child_mixed_idx\" UNIQUE, btree (\"Mixed Name\", id)", "    \"child_parent_idx\" btree (parent_id) WHERE parent_id IS NOT NULL", "Check constraints:", "    \"child_chk\" CHECK (id > 0)", "Foreign-key constraints:", "    \"child_parent_id_fkey\" FOREIGN KEY (parent_id) REFERENCES dsct.parent(id) ON DELETE CASCADE", "Triggers:", "    child_trg BEFORE INSERT ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()", "Disabled user triggers:", "    child_off AFTER UPDATE ON dsct.child FOR EACH ROW EXECUTE FUNCTION dsct.trg_fn()"],
            new PrintOptions { Format = OutputFormat.Csv, Title = "Table \"dsct.child\"" },
            "Column,Type,Collation,Nullable,Default\nid,integer,,not null,nextval('dsct.child_id_seq'::regclass)\nparent_id,integer,,,\nMixed Name,text,,,\n"),
        // psql -X  -c "\d dsct.child_id_seq"
        new FooterCase("SeqBorder1",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Title = "Sequence \"dsct.child_id_seq\"" },
            "                     Sequence \"dsct.child_id_seq\"\n  Type   | Start | Minimum |  Maximum   | Increment | Cycles? | Cache \n---------+-------+---------+------------+-----------+---------+-------\n integer |     1 |       1 | 2147483647 |         1 | no      |     1\nOwned by: dsct.child.id\n\n"),
        // psql -X -x -c "\d dsct.child_id_seq"
        new FooterCase("SeqExpanded",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Expanded = ExpandedMode.On, Title = "Sequence \"dsct.child_id_seq\"" },
            "Sequence \"dsct.child_id_seq\"\n-[ RECORD 1 ]---------\nType      | integer\nStart     | 1\nMinimum   | 1\nMaximum   | 2147483647\nIncrement | 1\nCycles?   | no\nCache     | 1\n\nOwned by: dsct.child.id\n\n"),
        // psql -X -x -P border=0 -c "\d dsct.child_id_seq"
        new FooterCase("SeqExpandedBorder0",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Expanded = ExpandedMode.On, Border = 0, Title = "Sequence \"dsct.child_id_seq\"" },
            "Sequence \"dsct.child_id_seq\"\n* Record 1         \nType      integer\nStart     1\nMinimum   1\nMaximum   2147483647\nIncrement 1\nCycles?   no\nCache     1\n\nOwned by: dsct.child.id\n\n"),
        // psql -X -x -P border=2 -c "\d dsct.child_id_seq"
        new FooterCase("SeqExpandedBorder2",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Expanded = ExpandedMode.On, Border = 2, Title = "Sequence \"dsct.child_id_seq\"" },
            "Sequence \"dsct.child_id_seq\"\n+-[ RECORD 1 ]-----------+\n| Type      | integer    |\n| Start     | 1          |\n| Minimum   | 1          |\n| Maximum   | 2147483647 |\n| Increment | 1          |\n| Cycles?   | no         |\n| Cache     | 1          |\n+-----------+------------+\nOwned by: dsct.child.id\n\n"),
        // psql -X -A -c "\d dsct.child_id_seq"
        new FooterCase("SeqUnaligned",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Format = OutputFormat.Unaligned, Title = "Sequence \"dsct.child_id_seq\"" },
            "Sequence \"dsct.child_id_seq\"\nType|Start|Minimum|Maximum|Increment|Cycles?|Cache\ninteger|1|1|2147483647|1|no|1\nOwned by: dsct.child.id\n"),
        // psql -X -A -x -c "\d dsct.child_id_seq"
        new FooterCase("SeqUnalignedExpanded",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Format = OutputFormat.Unaligned, Expanded = ExpandedMode.On, Title = "Sequence \"dsct.child_id_seq\"" },
            "Sequence \"dsct.child_id_seq\"\n\nType|integer\nStart|1\nMinimum|1\nMaximum|2147483647\nIncrement|1\nCycles?|no\nCache|1\n\nOwned by: dsct.child.id\n"),
        // psql -X -x -t -c "\d dsct.child_id_seq"
        new FooterCase("SeqExpandedTuplesOnly",
            [new ResultColumn("Type", 25), new ResultColumn("Start", 20), new ResultColumn("Minimum", 20), new ResultColumn("Maximum", 20), new ResultColumn("Increment", 20), new ResultColumn("Cycles?", 25), new ResultColumn("Cache", 20)],
            [["integer", "1", "1", "2147483647", "1", "no", "1"]],
            ["Owned by: dsct.child.id"],
            new PrintOptions { Expanded = ExpandedMode.On, TuplesOnly = true, Title = "Sequence \"dsct.child_id_seq\"" },
            "Type      | integer\nStart     | 1\nMinimum   | 1\nMaximum   | 2147483647\nIncrement | 1\nCycles?   | no\nCache     | 1\n\n"),
    ];
}
