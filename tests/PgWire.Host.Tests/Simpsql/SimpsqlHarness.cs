using System.Collections;
using System.Text;
using System.Text.RegularExpressions;
using PgWire.Host.Simpsql;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Runs simpsql in-process and the real psql with the same arguments, and compares them.</summary>
internal static partial class SimpsqlHarness
{
    public static (int ExitCode, string Stdout, string Stderr) RunSimpsql(string[] args, string? stdin = null, string? user = null, string? password = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith("PG", StringComparison.Ordinal))
            {
                variables[key] = null;
            }
        }

        variables["PGHOST"] = TestCluster.Host;
        variables["PGPORT"] = TestCluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["PGDATABASE"] = TestCluster.Database;
        variables["PGUSER"] = user ?? TestCluster.SuperUser;
        variables["PGPASSWORD"] = password ?? (user is null ? TestCluster.SuperUserPassword : null);
        variables["PGCLIENTENCODING"] = "UTF8";
        variables["PGCONNECT_TIMEOUT"] = "10";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        using var stdout = new MemoryStream();
        using var stderr = new StringWriter { NewLine = "\n" };
        var console = new SimpsqlConsole(new StringReader(stdin ?? ""), stdout, stderr, false, new OverlayEnvironment(variables));
        int rc = SimpsqlCommand.RunAsync(args, console).GetAwaiter().GetResult();
        return (rc, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }

    public static (int ExitCode, string Stdout, string Stderr) RunPsql(string[] args, string? stdin = null, string? user = null, string? password = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var options = new PsqlOptions { Input = stdin, User = user, Password = password, Environment = environment };
        var (rc, stdout, stderr) = TestCluster.RunPsql(options, args);
        return (rc, stdout, PsqlPrefix().Replace(stderr, "simpsql:"));
    }

    /// <summary>Asserts equal exit codes, byte-equal stdout and stderr equal modulo the program name.</summary>
    public static void AssertSameAsPsql(string[] args, string? stdin = null, string? user = null, string? password = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var expected = RunPsql(args, stdin, user, password, environment);
        var actual = RunSimpsql(args, stdin, user, password, environment);
        string label = string.Join(' ', args);
        Assert.True(expected.Stdout == actual.Stdout, $"stdout differs for {label}\n--- psql ---\n{expected.Stdout}\n--- simpsql ---\n{actual.Stdout}");
        Assert.True(expected.Stderr == actual.Stderr, $"stderr differs for {label}\n--- psql ---\n{expected.Stderr}\n--- simpsql ---\n{actual.Stderr}");
        Assert.True(expected.ExitCode == actual.ExitCode, $"exit code differs for {label}: psql {expected.ExitCode}, simpsql {actual.ExitCode}");
    }

    [GeneratedRegex("(?m)^psql:")]
    private static partial Regex PsqlPrefix();
}
