using PgWire.Tests.Shared;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Blank lines between the lines of a statement are not part of it, as in psql.</summary>
public sealed class BlankLineTests
{
    [PsqlFact]
    public void Blank_lines_inside_a_statement_are_dropped_like_psql() =>
        SimpsqlHarness.AssertSameAsPsql(["-X"], "select 1 +\n\n\n  ;\nselect 'a\n\nb' as kept;\n");
}
