using PgWire.Host.Simpsql;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>psql's scripting meta-commands, each script run through psql 15 and simpsql and compared byte for byte.</summary>
public sealed class ScriptingTests
{
    public static TheoryData<string, string> Conditionals => new()
    {
        {
            "if elif else",
            "\\if true\n\\echo a\n\\elif true\n\\echo b\n\\else\n\\echo c\n\\endif\n" +
            "\\if false\n\\echo a\n\\elif 0\n\\echo b\n\\elif ye\n\\echo c\n\\else\n\\echo d\n\\endif\n" +
            "\\if off\n\\echo a\n\\else\n\\echo e\n\\endif\n"
        },
        {
            "boolean spellings",
            "\\if TRUE\n\\echo 1\n\\endif\n\\if t\n\\echo 2\n\\endif\n\\if Y\n\\echo 3\n\\endif\n\\if oN\n\\echo 4\n\\endif\n" +
            "\\if 1\n\\echo 5\n\\endif\n\\if o\n\\echo 6\n\\endif\n\\if of\n\\echo 7\n\\endif\n\\if tru\n\\echo 8\n\\endif\n" +
            "\\if yess\n\\echo 9\n\\endif\n\\if 01\n\\echo 10\n\\endif\n\\if\n\\echo 11\n\\endif\n\\if on off\n\\echo 12\n\\endif\n" +
            "\\set v true\n\\if :v\n\\echo 13\n\\endif\n\\if 'on'\n\\echo 14\n\\endif\n"
        },
        {
            "invalid expression is false and not an error",
            "\\if invalid boolean expression\n\\echo no\n\\elif bogus\n\\echo no\n\\else\n\\echo yes\n\\endif\nselect 1;\n"
        },
        {
            "unmatched and misplaced",
            "\\endif\n\\else\n\\elif\n\\if true\n\\else\n\\else\n\\elif true\n\\endif\n\\if false\n\\else\n\\elif\n\\endif\n\\echo done\n"
        },
        {
            "nested in a false branch",
            "\\if false\n  \\if true\n    \\echo no1\n  \\else\n    \\echo no2\n  \\endif\n  \\if bogus\n  \\endif\n  \\echo no3\n\\else\n  \\echo yes\n\\endif\n" +
            "\\if true\n\\if 1\n\\if yes\n\\if on\n\\echo deep\n\\else\n\\echo no\n\\endif\n\\endif\n\\endif\n\\endif\n"
        },
        {
            "skipped lines neither run nor expand",
            "\\set foo bar\n\\set try_to_quit '\\\\q'\n\\if false\n:try_to_quit\n\\echo :foo :'foo' :\"foo\"\n\\pset fieldsep | `nosuchcommand` :foo\n" +
            "\\a\n\\C arg1\n\\c arg1 arg2\n\\cd arg1\n\\conninfo\n\\copy arg1 arg2\n\\copyright\nSELECT 1 as one, 2, 3 \\crosstabview\n\\dt arg1\n" +
            "\\e arg1 arg2\n\\ef whole_line\n\\echo arg1\n\\encoding arg1\n\\errverbose\n\\f arg1\n\\g arg1\n\\gx arg1\n\\gexec\nSELECT 1 AS one \\gset\n" +
            "\\h\n\\?\n\\html\n\\i arg1\n\\ir arg1\n\\l arg1\n\\lo arg1 arg2\n\\lo_list\n\\o arg1\n\\p\n\\password arg1\n\\prompt arg1 arg2\n" +
            "\\pset arg1 arg2\n\\q\n\\reset\n\\s arg1\n\\set arg1 arg2\n\\setenv arg1 arg2\n\\sf whole_line\n\\sv whole_line\n\\t arg1\n\\T arg1\n" +
            "\\timing arg1\n\\unset arg1\n\\w arg1\n\\watch arg1\n\\x arg1\n\\w |/no/such/file \\else\n\\! whole_line \\endif\n\\z\n\\nosuchcommand\n" +
            "\\else\n\\echo 'should print' :foo\n\\endif\n\\echo :arg1\n"
        },
        {
            "query buffer across branches",
            "\\if true\n  select 'okay';\n  select 'still okay';\n\\else\n  not okay;\n  still not okay\n\\endif\n\\g\n" +
            "select\n  \\if true\n    42\n  \\else\n    (bogus\n  \\endif\n  forty_two;\n" +
            "select \\if false \\\\ (bogus \\else \\\\ 42 \\endif \\\\ forty_two;\n" +
            "select 1 \\if false\n\\p\nselect 2;\n\\endif\n\\p\n;\n"
        },
        {
            "variable test",
            "\\set i 1\n\\if :{?i}\n\\echo defined\n\\endif\n\\if :{?no_such_variable}\n\\echo no\n\\else\n\\echo undefined\n\\endif\n" +
            "SELECT :{?i} AS i_is_defined, NOT :{?nope} AS nope, ':{?i}' AS quoted;\n\\echo :{?i} :{? i} :{?} :{?i\n"
        },
        {
            "unterminated at end of input",
            "\\if true\n\\echo a\n\\if false\nselect 1\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(Conditionals))]
    public void Conditionals_match_psql(string what, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
    }

    [PsqlFact]
    public void An_unterminated_if_stops_with_on_error_stop_and_names_the_file()
    {
        SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "ON_ERROR_STOP=1"], "\\if true\n\\echo a\n");
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-if-{Guid.NewGuid():N}.sql");
        File.WriteAllText(path, "\\if false\nselect 1;\n\\if true\n\\endif\n\\elif bogus\n\\echo b\n\\elif yes\n\\echo y\n\\endif\n\\if true\nselect 2 \\if false\n");
        try
        {
            SimpsqlHarness.AssertSameAsPsql(["-X", "-f", path]);
            SimpsqlHarness.AssertSameAsPsql(["-X", "-v", "ON_ERROR_STOP=1", "-f", path]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PsqlFact]
    public void A_zero_byte_ends_a_backslash_command_argument_as_in_psql() =>
        SimpsqlHarness.AssertSameAsPsql(
            ["-X"],
            "\\echo 'a\\0b' c\n\\echo 'x\\000y'\n\\echo 'p\\01q' r\n\\echo -n 'a\\0b'\n\\echo end\n\\echo 'h\\x00i' j\n" +
            "\\qecho 'a\\0b' z\n\\warn 'a\\0b' w\n\\set v 'a\\0b'\n\\echo :v\n");

    [PsqlFact]
    public void Conditionals_in_separate_command_options_are_separate() =>
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", "\\if true", "-c", "\\echo x", "-c", "\\endif"]);

    public static TheoryData<string, string> QueryCommands => new()
    {
        {
            "gset",
            "select 10 as test01, 20 as test02, 'Hello' as test03 \\gset pref01_\n\\echo :pref01_test01 :pref01_test02 :pref01_test03\n" +
            "select 10 as \"bad name\", 3 as after\n\\gset\n\\echo :after\n" +
            "select 97 as \"EOF\", 'ok' as _foo, 1 as \"ON_ERROR_STOP\", 'x' as \"PROMPT1\" \\gset IGNORE\n\\echo :IGNORE_foo :IGNOREEOF :ON_ERROR_STOP\n" +
            "select 1 as x, 2 as y \\gset pref01_ \\\\ \\echo :pref01_x\n" +
            "select 3 as x, 4 as y \\gset pref01_ \\echo :pref01_x \\echo :pref01_y\n" +
            "select 5 as x, 6 as y \\gset pref01_ \\\\ \\g \\echo :pref01_x :pref01_y\n" +
            "select 7 as x, 8 as y \\g \\gset pref01_ \\echo :pref01_x :pref01_y\n" +
            "\\set var2 xyz\nselect 1 as var1, NULL as var2, 3 as var3 \\gset\n\\echo :var1 :var2 :var3\n" +
            "select 10 as test01 from generate_series(1,3) \\gset\nselect 10 as test01 from generate_series(1,0) \\gset\n" +
            "\\echo :ERROR :ROW_COUNT\ncreate temp table gs(a int) \\gset\nselect 1/0 \\gset\nselect 1 as a \\gset x y\n\\echo :xa\n"
        },
        {
            "gexec",
            "create temporary table gexec_test(a int, b text, c date, d float);\n" +
            "select format('create index on gexec_test(%I)', attname)\nfrom pg_attribute\nwhere attrelid = 'gexec_test'::regclass and attnum > 0\norder by attnum\n\\gexec\n" +
            "select 'select 1 as ones', 'select x.y, x.y*2 as double from generate_series(1,4) as x(y)'\nunion all\n" +
            "select 'drop table gexec_test', NULL\nunion all\nselect 'drop table gexec_test', 'select ''2000-01-01''::date as party_over'\n\\gexec\n" +
            "select 'select 1/0', 'select 5' \\gexec\n\\echo :ERROR :ROW_COUNT\n\\g\nselect 1 \\gexec\nselect 1/0 \\gexec\n"
        },
        {
            "gdesc",
            "SELECT\n    NULL AS zero,\n    1 AS one,\n    2.0 AS two,\n    'three' AS three,\n    $1 AS four,\n    sin($2) as five,\n" +
            "    'foo'::varchar(4) as six,\n    CURRENT_DATE AS now\n\\gdesc\n" +
            "PREPARE test AS SELECT 1 AS first, 2 AS second;\nEXECUTE test \\gdesc\nEXPLAIN EXECUTE test \\gdesc\n" +
            "SELECT 1 + \\gdesc\nSELECT \\gdesc\nCREATE TABLE bububu(a int) \\gdesc\nTABLE bububu;\n" +
            "SELECT 1 AS x, 'Hello', 2 AS y, true AS \"dirty\\name\"\n\\gdesc\n\\g\n" +
            "SELECT 3 AS x, 'Hello', 4 AS y, true AS \"dirty\\name\" \\gdesc \\g\n" +
            "begin;\nbogus;\n;\n\\gdesc\nrollback;\n"
        },
        {
            "g and gx with options",
            "SELECT 1 as one, 2 as two \\g\n\\gx\nSELECT 3 as three, 4 as four \\gx\n\\g\n" +
            "SELECT 1 as one, 2 as two \\g (format=csv csv_fieldsep='\\t')\n\\g\nSELECT 1 as one, 2 as two \\gx (title='foo bar')\n\\g\n" +
            "select 1 as a, 'x' as b \\g (format=csv tuples_only=on)\nselect 1 as a \\g (expanded)\nselect null as a \\g (border=2 null='<n>')\n" +
            "select 1 as a \\g (bogus=1)\nselect 2 as b \\g (format=foo) \\echo eaten\nselect 3 as c \\g (format=csv\n\\echo next\n\\p\n\\r\n" +
            "select 4 as d \\gx ( format=unaligned )\n"
        },
        {
            "semicolon escapes",
            "select 1 as a \\; select 2 as b;\nselect 1 \\; select 1/0 \\; select 3;\n\\echo :ROW_COUNT :ERROR\nselect 1 \\; ;\n" +
            "\\set x 5\nselect 'a' \\:x, :x;\ncreate temp table sc(a int) \\; insert into sc values (1), (2) \\; select * from sc;\n\\echo :ROW_COUNT\n"
        },
        {
            "result variables",
            "\\echo :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_MESSAGE :LAST_ERROR_SQLSTATE\n" +
            "SELECT 1 AS stuff UNION SELECT 2;\n\\echo 'error:' :ERROR :SQLSTATE :ROW_COUNT\n" +
            "SELECT 1 UNION;\n\\echo 'error:' :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_MESSAGE :LAST_ERROR_SQLSTATE\n" +
            ";\n\\echo 'error:' :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_MESSAGE :LAST_ERROR_SQLSTATE\n" +
            "DROP TABLE this_table_does_not_exist;\n\\echo 'error:' :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_MESSAGE\n" +
            "create temp table rv(a int);\n\\echo :ROW_COUNT\ninsert into rv select generate_series(1, 7);\n\\echo :ROW_COUNT\n" +
            "update rv set a = a + 1 where a > 3;\n\\echo :ROW_COUNT\ndelete from rv;\n\\echo :ROW_COUNT\n"
        },
        {
            "echo qecho warn",
            "\\echo -n without newline\n\\echo with -n newline\n\\echo '-n' with newline\n\\echo\n\\set foo bar\n\\echo foo = :foo\n" +
            "\\qecho this is a test\n\\qecho -n foo = :foo\n\\qecho\n\\warn this is a test\n\\warn -n foo = :foo\n\\warn\n"
        },
        {
            "setenv getenv",
            "\\setenv SIMPSQL_TEST_VAR\n\\getenv res SIMPSQL_TEST_VAR\n\\echo :res\n\\setenv SIMPSQL_TEST_VAR 'environment value'\n" +
            "\\getenv res SIMPSQL_TEST_VAR\n\\echo :res\n\\setenv SIMPSQL_TEST_VAR\n\\getenv res SIMPSQL_TEST_VAR\n\\echo :res\n" +
            "\\getenv res\n\\getenv\n\\setenv\n\\setenv A=B x\n"
        },
        {
            "extra arguments and errors",
            "\\pset fieldsep | `nosuchcommand` :foo :'foo' :\"foo\" 'q r' \"s\"\n\\foo bar \\echo not printed\n\\echo a \\\\ \\echo b\n" +
            "\\unset\n\\set a:b x\n\\set 1ok x\n\\echo :1ok\n\\timing off extra\n\\gexec extra\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(QueryCommands))]
    public void Query_commands_match_psql(string what, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
    }

    [PsqlFact]
    public void Results_go_to_a_file_or_a_command_with_g()
    {
        string dir = Directory.CreateTempSubdirectory("simpsql-g-").FullName;
        try
        {
            string Script(string name) =>
                $"select 1 as a, 'x' as b \\g (format=unaligned fieldsep=';') {dir}/{name}.1\n" +
                $"select 2 as a \\gx {dir}/{name}.2\n" +
                $"create temp table gf(a int) \\g {dir}/{name}.3\n" +
                $"insert into gf values (1) returning a \\g {dir}/{name}.4\n" +
                "select 5 as five \\g /nonexistent/dir/file\n\\echo :ERROR\n" +
                "select 6 as six \\g |cat -n\n\\echo after\n";
            var expected = SimpsqlHarness.RunPsql(["-X"], Script("psql"));
            var actual = SimpsqlHarness.RunSimpsql(["-X"], Script("ours"));
            Assert.Equal(expected.Stdout, actual.Stdout);
            Assert.Equal(expected.Stderr, actual.Stderr);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
            foreach (var suffix in new[] { ".1", ".2", ".3", ".4" })
            {
                string ours = Path.Combine(dir, "ours" + suffix);
                Assert.Equal(File.Exists(Path.Combine(dir, "psql" + suffix)), File.Exists(ours));
                if (File.Exists(ours))
                {
                    Assert.Equal(File.ReadAllText(Path.Combine(dir, "psql" + suffix)), File.ReadAllText(ours));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static TheoryData<string, string> Variables => new()
    {
        {
            "invalid values keep the old one",
            "\\set invalid/name foo\n\\set AUTOCOMMIT foo\n\\set FETCH_COUNT foo\n\\echo :ON_ERROR_ROLLBACK\n\\set ON_ERROR_ROLLBACK\n" +
            "\\echo :ON_ERROR_ROLLBACK\n\\set ON_ERROR_ROLLBACK foo\n\\echo :ON_ERROR_ROLLBACK\n\\set ON_ERROR_ROLLBACK on\n\\echo :ON_ERROR_ROLLBACK\n" +
            "\\unset ON_ERROR_ROLLBACK\n\\echo :ON_ERROR_ROLLBACK\n"
        },
        {
            "every special variable",
            "\\set AUTOCOMMIT foo\n\\set ON_ERROR_STOP foo\n\\set ON_ERROR_ROLLBACK inter\n\\set QUIET foo\n\\set SINGLELINE foo\n" +
            "\\set SINGLESTEP foo\n\\set FETCH_COUNT '7 '\n\\set HISTSIZE\n\\set IGNOREEOF foo\n\\set ECHO foo\n\\set ECHO_HIDDEN foo\n" +
            "\\set COMP_KEYWORD_CASE foo\n\\set HISTCONTROL foo\n\\set VERBOSITY\n\\set SHOW_CONTEXT foo\n\\set HIDE_TABLEAM foo\n" +
            "\\set HIDE_TOAST_COMPRESSION foo\n\\set SHOW_ALL_RESULTS foo\n" +
            "\\set AUTOCOMMIT Of\n\\set FETCH_COUNT ' 0x10'\n\\set ECHO NONE\n\\set ECHO_HIDDEN noexec\n\\set ON_ERROR_ROLLBACK INTERACTIVE\n" +
            "\\echo :AUTOCOMMIT :FETCH_COUNT :ECHO :ECHO_HIDDEN :ON_ERROR_ROLLBACK :IGNOREEOF\n" +
            "\\set QUIET\n\\set IGNOREEOF\n\\set ECHO_HIDDEN\n\\set PROMPT1\n\\echo [:QUIET] [:IGNOREEOF] [:ECHO_HIDDEN] [:PROMPT1]\n" +
            "\\unset AUTOCOMMIT\n\\unset ON_ERROR_ROLLBACK\n\\unset QUIET\n\\unset FETCH_COUNT\n\\unset HISTSIZE\n\\unset IGNOREEOF\n" +
            "\\unset ECHO\n\\unset ECHO_HIDDEN\n\\unset COMP_KEYWORD_CASE\n\\unset HISTCONTROL\n\\unset VERBOSITY\n\\unset SHOW_CONTEXT\n" +
            "\\unset PROMPT2\n\\unset HIDE_TABLEAM\n\\unset SINGLELINE\n\\unset DBNAME\n\\set DBNAME mine\n" +
            "\\echo :AUTOCOMMIT :ON_ERROR_ROLLBACK :QUIET :FETCH_COUNT :HISTSIZE :IGNOREEOF :ECHO :ECHO_HIDDEN :COMP_KEYWORD_CASE\n" +
            "\\echo :HISTCONTROL :VERBOSITY :SHOW_CONTEXT :PROMPT2 :HIDE_TABLEAM :SINGLELINE :DBNAME\n"
        },
        {
            "QUIET takes effect",
            "\\set QUIET on\ncreate temp table q(a int);\n\\set QUIET off\ndrop table q;\n"
        },
        {
            "connection variables",
            "\\echo :DBNAME :USER :HOST :PORT :ENCODING :SERVER_VERSION_NUM :SERVER_VERSION_NAME :LAST_ERROR_SQLSTATE\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(Variables))]
    public void Special_variables_match_psql(string what, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
    }

    [PsqlTheory]
    [InlineData("-v", "AUTOCOMMIT=foo")]
    [InlineData("-v", "a:b=1")]
    [InlineData("-v", "ON_ERROR_STOP")]
    [InlineData("-v", "AUTOCOMMIT=of")]
    [InlineData("-q", "--set=ECHO_HIDDEN")]
    public void Variables_given_on_the_command_line_are_checked_like_psql(string option, string value) =>
        SimpsqlHarness.AssertSameAsPsql(["-X", option, value], "\\echo :QUIET :AUTOCOMMIT :ON_ERROR_STOP :ECHO_HIDDEN\nselect 1;\n");

    [PsqlFact]
    public void The_variable_list_matches_psql_apart_from_the_client_version()
    {
        const string script = "\\set\n\\set AUTOCOMMIT off\n\\unset QUIET\n\\set\n";
        static string WithoutVersion(string text) =>
            string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("VERSION", StringComparison.Ordinal)));
        var expected = SimpsqlHarness.RunPsql(["-X"], script);
        var actual = SimpsqlHarness.RunSimpsql(["-X"], script);
        Assert.Equal(WithoutVersion(expected.Stdout), WithoutVersion(actual.Stdout));
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Contains("VERSION_NUM = '150000'", actual.Stdout, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], string> Transactions => new()
    {
        {
            "on_error_rollback",
            ["-X"],
            "create temp table r(a int);\n\\set ON_ERROR_ROLLBACK on\nbegin;\ninsert into r values (1);\nselect 1/0;\ninsert into r values (2);\n" +
            "savepoint s1;\ninsert into r values (3);\nrollback to s1;\nrelease s1;\nselect * from r;\ncommit;\nselect * from r;\n" +
            "\\set ON_ERROR_ROLLBACK interactive\nbegin;\nselect 1/0;\nselect 1;\nrollback;\n"
        },
        {
            "autocommit off",
            ["-X"],
            "create temp table r(a int);\n\\set AUTOCOMMIT off\ninsert into r values (4);\nselect 1/0;\nrollback;\nselect * from r;\n" +
            "commit;\n/* comment */ vacuum;\ncreate database \"simpsql never\" template template0 \\; select 1;\nrollback;\n" +
            "insert into r values (5);\ncommit;\n\\set AUTOCOMMIT on\nselect * from r;\n"
        },
        {
            "on_error_stop inside gexec",
            ["-X", "-v", "ON_ERROR_STOP=1"],
            "select 'select 1 as one', 'select 1/0', 'select 3' \\gexec\n\\echo not reached\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(Transactions))]
    public void Transaction_handling_matches_psql(string what, string[] args, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(args, script);
    }

    [ClusterFact]
    public async Task The_prompt_shows_a_skipped_branch_and_ignored_queries_are_reported()
    {
        await using var session = await InteractiveSession.StartAsync();
        var reader = new ScriptedLineReader("\\if false", "select 1;", "select", "\\else", "\\endif", "select 2 as two;");
        Assert.Equal(0, await session.RunAsync(reader));
        string db = TestCluster.Database;
        Assert.Equal([$"{db}=# ", $"{db}@# ", $"{db}-# ", $"{db}-# ", $"{db}=# ", $"{db}=# ", $"{db}=# "], reader.Prompts);
        Assert.Equal("query ignored; use \\endif or Ctrl-C to exit current \\if block\n", session.Stderr);
        Assert.Equal(" two \n-----\n   2\n(1 row)\n\n\\q\n", session.Stdout);
    }

    /// <summary>Gives fixed lines and records the prompt shown before each.</summary>
    private sealed class ScriptedLineReader(params string[] lines) : ILineReader
    {
        private int _next;

        public List<string> Prompts { get; } = [];

        public bool LastReadInterrupted => false;

        public string? ReadLine(string prompt)
        {
            Prompts.Add(prompt);
            return _next < lines.Length ? lines[_next++] : null;
        }

        public void AddHistory(string entry)
        {
        }

        public void SaveHistory()
        {
        }
    }
}
