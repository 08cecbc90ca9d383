using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>`Backquoted` text in meta-command arguments, run by the shell as psql runs it, compared with psql 15.</summary>
public sealed class BackquoteTests
{
    public static TheoryData<string, string> Scripts => new()
    {
        {
            "output replaces the backquotes, one trailing newline removed",
            "\\set x `echo hi`\n\\echo :x\n\\set y `printf 'a\\n\\n'`\n\\echo [:y]\n\\set z pre`echo mid`post\n\\echo :z\n" +
            "\\set z abc 'q' `echo r`\n\\echo [:z]\n\\echo `echo a b` c\n\\echo `echo a`\\echo b\n\\set z `printf 'x\\r\\n'`\n\\echo [:z]\n" +
            "\\set z ``\n\\echo [:z]\n\\echo -n `echo hi`\n\\echo\n\\set z `echo hé`\n\\echo [:z]\n\\echo `echo -n`\n"
        },
        {
            "quotes keep backquotes as text",
            "\\set z 'q`echo no`'\n\\echo :z\n\\set z \"`echo dq`\"\n\\echo :z\n"
        },
        {
            "variables inside backquotes",
            "\\set v 'it''s here'\n\\set z `echo :v`\n\\echo [:z]\n\\set z `echo :'v'`\n\\echo [:z]\n\\set z `echo :\"v\"`\n\\echo [:z]\n" +
            "\\set z `echo :undefinedvar :'undef'`\n\\echo [:z]\n\\set s 'abc-_./:9'\n\\set z `echo :'s'x`\n\\echo [:z]\n\\set e ''\n" +
            "\\set z `echo x:'e'x`\n\\echo [:z]\n\\set z `echo :s:s ::s :{?v}`\n\\echo [:z]\n\\set nl 'a\\nb'\n\\set z `echo :'nl'`\n\\echo [:z]\n"
        },
        {
            "failing commands and unterminated backquotes",
            "\\set z `nosuchcommand_simpsql`\n\\echo [:z]\n\\set z `false`\n\\echo [:z]\n\\set z `echo out; exit 3`\n\\echo [:z]\n" +
            "\\set z `echo unterminated\n\\echo [:z]\n\\set z `echo 'a\\`\n\\echo [:z]\n"
        },
        {
            "not run in a skipped branch",
            "\\if false\n\\set z `echo SHOULD NOT RUN >&2`\n\\echo `echo nor this >&2`\n\\endif\n\\echo done\n"
        },
        {
            "not run for arguments a command ignores",
            "\\echo a\n\\x on `echo ignored >&2`\n\\x off\n"
        },
    };

    [PsqlTheory]
    [MemberData(nameof(Scripts))]
    public void Backquotes_match_psql(string what, string script)
    {
        Assert.NotNull(what);
        SimpsqlHarness.AssertSameAsPsql(["-X"], script);
    }
}
