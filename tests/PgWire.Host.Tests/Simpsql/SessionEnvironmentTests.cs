using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>simpsql sends PGOPTIONS, PGDATESTYLE, PGTZ and PGGEQO as psql (libpq) does: the server's output changes alike.</summary>
public sealed class SessionEnvironmentTests
{
    private const string Values =
        "select current_setting('DateStyle') as ds, current_setting('TimeZone') as tz, current_setting('geqo') as geqo, " +
        "timestamptz '2024-07-02 03:04:05+00' as ts, date '2024-07-02' as d, interval '1 day 2 hours 3 seconds' as i";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "Postgres, MDY", "PST8PDT", "-c intervalstyle=postgres_verbose", "off" },
        { "SQL, DMY", "Europe/Paris", "-c intervalstyle=iso_8601 -c work_mem=2MB", "on" },
        { "default", "default", "", "default" },
    };

    [PsqlTheory]
    [MemberData(nameof(Cases))]
    public void Session_environment_variables_change_the_output_as_for_psql(string dateStyle, string timeZone, string options, string geqo)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGDATESTYLE"] = dateStyle,
            ["PGTZ"] = timeZone,
            ["PGOPTIONS"] = options,
            ["PGGEQO"] = geqo,
        };
        SimpsqlHarness.AssertSameAsPsql(["-X", "-c", Values, "-c", "show intervalstyle", "-c", "show work_mem"], environment: environment);
    }
}
