using System.Collections;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PgWire.Host.Simpsql;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Runs simpsql in-process and the real psql with the same arguments, and compares them.</summary>
internal static partial class SimpsqlHarness
{
    public static (int ExitCode, string Stdout, string Stderr) RunSimpsql(string[] args, string? stdin = null, string? user = null, string? password = null, IReadOnlyDictionary<string, string?>? environment = null, Action<SimpsqlSession>? finished = null)
    {
        var variables = ClusterEnvironment(user ?? TestCluster.SuperUser, password ?? (user is null ? TestCluster.SuperUserPassword : null), environment);
        if (environment is null || !environment.ContainsKey("PGCLIENTENCODING"))
        {
            variables["PGCLIENTENCODING"] = "UTF8";
        }

        using var stdout = new MemoryStream();
        using var stderr = new StringWriter { NewLine = "\n" };
        // Text in memory never waits for a writer: statements are sent ahead as from a file.
        var console = new SimpsqlConsole(new StringReader(stdin ?? ""), stdout, stderr, false, new OverlayEnvironment(variables))
        {
            StdinReadsAhead = true,
            Finished = session =>
            {
                NoteSentAhead(session);
                finished?.Invoke(session);
            },
        };
        int rc = SimpsqlCommand.RunAsync(args, console).GetAwaiter().GetResult();
        return (rc, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }

    /// <summary>
    /// Every in-process run checks that each statement sent ahead was the one the input gave next.
    /// </summary>
    private static void NoteSentAhead(SimpsqlSession session) =>
        Assert.True(session.AheadMismatches == 0, $"{session.AheadMismatches} statement(s) sent ahead were not the next statement of the input");

    /// <summary><see cref="RunSimpsql"/>, also saying how many statements were sent ahead of their turn.</summary>
    public static (int ExitCode, string Stdout, string Stderr, int SentAhead) RunSimpsqlCountingAhead(string[] args, string stdin)
    {
        int sentAhead = -1;
        var (rc, stdout, stderr) = RunSimpsql(args, stdin, finished: session => sentAhead = session.SentAhead);
        return (rc, stdout, stderr, sentAhead);
    }

    /// <summary>simpsql as its own process (for what shares the process: its directory, its children's standard error).</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunSimpsqlProcess(string stdin, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Process.Start(SimpsqlProcessStart(environment))!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>The executable's simpsql connected to the test cluster as the superuser, its standard streams redirected.</summary>
    public static ProcessStartInfo SimpsqlProcessStart(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(LreplProcess.Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "simpsql", "-X", "-h", TestCluster.Host, "-p", TestCluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", TestCluster.SuperUser, "-d", TestCluster.Database })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PGPASSWORD"] = TestCluster.SuperUserPassword;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>Waits until a statement ending in <c>as MARKER;</c> is running on the test cluster.</summary>
    public static void WaitUntilRunning(string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, count, _) = TestCluster.RunPsql("-X", "-At", "-c", $"select count(*) from pg_stat_activity where state = 'active' and query like '%as {marker};'");
            if (count.Trim() == "1")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the statement never started");
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Runs simpsql on bytes: <paramref name="stdin"/> and the returned output are one char per byte (Latin1), read
    /// and written as the program does with its standard streams, whatever the client encoding.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) RunSimpsqlBytes(string[] args, string stdin, IReadOnlyDictionary<string, string?> environment)
    {
        var variables = ClusterEnvironment(TestCluster.SuperUser, TestCluster.SuperUserPassword, environment);
        var codec = new PgWire.Host.Psql.ClientCodec();
        using var stdout = new MemoryStream();
        using var stderrBytes = new MemoryStream();
        using var stderr = new StreamWriter(stderrBytes, codec.WriterEncoding) { AutoFlush = true, NewLine = "\n" };
        using var input = new StreamReader(new MemoryStream(Encoding.Latin1.GetBytes(stdin)), Encoding.Latin1);
        var console = new SimpsqlConsole(input, stdout, stderr, false, new OverlayEnvironment(variables))
        {
            Codec = codec,
            StdinBytes = true,
            StdinReadsAhead = true,
            Finished = NoteSentAhead,
        };
        int rc = SimpsqlCommand.RunAsync(args, console).GetAwaiter().GetResult();
        stderr.Flush();
        return (rc, Encoding.Latin1.GetString(stdout.ToArray()), Encoding.Latin1.GetString(stderrBytes.ToArray()));
    }

    /// <summary>
    /// The environment simpsql runs in: every PG variable of this process unset, the test cluster's
    /// host, port and database with <paramref name="user"/> and <paramref name="password"/>, then
    /// <paramref name="environment"/> on top.
    /// </summary>
    private static Dictionary<string, string?> ClusterEnvironment(string user, string? password, IReadOnlyDictionary<string, string?>? environment)
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
        variables["PGUSER"] = user;
        variables["PGPASSWORD"] = password;
        variables["PGCONNECT_TIMEOUT"] = "10";
        // As TestCluster.RunPsql gives psql: the user's start-up file is /dev/null (read, empty).
        variables["PSQLRC"] = "/dev/null";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        return variables;
    }

    /// <summary>psql on bytes, as <see cref="RunSimpsqlBytes"/>; PGCLIENTENCODING is unset unless <paramref name="environment"/> sets it.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunPsqlBytes(string[] args, string stdin, IReadOnlyDictionary<string, string?> environment)
    {
        var merged = new Dictionary<string, string?>(StringComparer.Ordinal) { ["PGCLIENTENCODING"] = null };
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }

        var (rc, stdout, stderr) = TestCluster.RunPsql(new PsqlOptions { Input = stdin, Environment = merged, Bytes = true }, args);
        return (rc, stdout, PsqlPrefix().Replace(stderr, "simpsql:"));
    }

    /// <summary>Asserts that simpsql and psql write the same bytes (and exit alike) for the same input bytes.</summary>
    public static void AssertSameBytesAsPsql(string[] args, string stdin, IReadOnlyDictionary<string, string?> environment)
    {
        var expected = RunPsqlBytes(args, stdin, environment);
        var actual = RunSimpsqlBytes(args, stdin, environment);
        string label = string.Join(' ', args);
        Assert.True(expected.Stdout == actual.Stdout, $"stdout differs for {label}\n--- psql ---\n{Escape(expected.Stdout)}\n--- simpsql ---\n{Escape(actual.Stdout)}");
        Assert.True(expected.Stderr == actual.Stderr, $"stderr differs for {label}\n--- psql ---\n{Escape(expected.Stderr)}\n--- simpsql ---\n{Escape(actual.Stderr)}");
        Assert.True(expected.ExitCode == actual.ExitCode, $"exit code differs for {label}: psql {expected.ExitCode}, simpsql {actual.ExitCode}");
    }

    /// <summary>Bytes outside printable ASCII as \xHH, for a readable failure message.</summary>
    private static string Escape(string bytes)
    {
        var sb = new StringBuilder();
        foreach (char c in bytes)
        {
            if (c is '\n' or (>= ' ' and <= '~'))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
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
