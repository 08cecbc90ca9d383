using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>PROMPT1 and PROMPT2 with psql's % escapes (what psql 15 shows for the same input, checked on a terminal).</summary>
public sealed class PromptTests
{
    [ClusterFact]
    public async Task Prompt_escapes_expand_as_psql_expands_them()
    {
        await using var session = await InteractiveSession.StartAsync();
        var reader = new ScriptedLineReader(
            "\\set PROMPT1 '%/|%n|%#|%R|%x|%l|%101|%:DBNAME:|%`echo hi`|%[x%]|%%|%q|%>|'",
            "\\set PROMPT2 '[%R%l]'",
            "select",
            "(1",
            ")",
            "",
            ",2;",
            "begin;",
            "\\set SINGLELINE on",
            "\\set PROMPT1 '%w.'",
            "\\set PROMPT1 '%~%R%# '");
        Assert.Equal(0, await session.RunAsync(reader));

        var client = session.Session.Client.Session;
        string db = client.Database, user = client.User, port = client.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string sign = client.IsSuperuser ? "#" : ">";
        string first = $"{db}|{user}|{sign}|=||1|A|{db}|hi|x|%|q|{port}|";
        Assert.Equal(
            [
                $"{db}={sign} ", first, first,
                "[-2]", "[(2]", "[-3]", "[-3]",
                first, first.Replace("|=||", "|=|*|", StringComparison.Ordinal), first.Replace("|=||", "|^|*|", StringComparison.Ordinal),
                new string(' ', first.Length) + ".", // %w: as wide as the PROMPT1 before it shows (%[x%] takes no room)

                // %~: the session's environment names this database in PGDATABASE, which psql shows as ~.
                $"~^{sign} ",
            ],
            reader.Prompts.Take(12));
    }

    [ClusterTheory]
    [InlineData(null, "Enter data to be copied followed by a newline.\nEnd with a backslash and a period on a line by itself, or an EOF signal.\n>> >> >> COPY 2\n\\q\n")]
    [InlineData("\\set PROMPT3 '%/%R:%l%x> '", "Enter data to be copied followed by a newline.\nEnd with a backslash and a period on a line by itself, or an EOF signal.\n{db}:1*> {db}:2*> {db}:3*> COPY 2\n\\q\n")]
    [InlineData("\\set QUIET on", ">> >> >> \n")]
    public async Task Copy_from_stdin_at_the_terminal_shows_psqls_instructions_and_prompt3(string? setting, string expected)
    {
        await using var session = await InteractiveSession.StartAsync();
        var lines = new List<string?> { "create temp table cc(a int);" };
        if (setting is not null)
        {
            lines.Insert(0, setting);
        }

        lines.Add("copy cc from stdin;");
        using var data = new StringReader("1\n2\n\\.\n");
        Assert.Equal(0, await session.RunAsync(new ScriptedLineReader([.. lines]), data));
        string db = session.Session.Client.Session.Database;
        string stdout = session.Stdout;
        Assert.EndsWith(expected.Replace("{db}", db, StringComparison.Ordinal), stdout.Replace("CREATE TABLE\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
