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
}
