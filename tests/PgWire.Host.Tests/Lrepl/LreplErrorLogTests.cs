using System.Diagnostics;
using System.Text.RegularExpressions;
using Akka.Event;
using PgWire.Actors.Replication;
using PgWire.Host.Lrepl;
using PgWire.Tests.Shared;
using Xunit;
using static PgWire.Host.Tests.Lrepl.StopScenarios;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>
/// Every error pgwire lrepl prints as one line on stderr has its details (timestamp, exception
/// type, message, inner exceptions, stack) in lrepl.log, and no password ever reaches that file.
/// Also: -h/--help and usage errors.
/// </summary>
public sealed partial class LreplErrorLogTests
{
    private const string WrongPassword = "Wr0ng-p\u00e4ssw0rd-7f3a";
    private const string JournalPassword = "J0urnal-s3cret-91c2";

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[ERROR\] ", RegexOptions.Multiline)]
    private static partial Regex TimestampedError();

    private static async Task<(int Code, string Stderr, string Log)> RunToEndAsync(List<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = LreplProcess.Start(args, environment);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var dir = args[args.IndexOf("-c") + 1];
        return (code, process.Stderr, Log(dir));
    }

    private static void AssertOneLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("pgwire lrepl:", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, "one error line expected: " + stderr);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static void AssertDetailed(string log, string message, string exceptionType)
    {
        Assert.Matches(TimestampedError(), log);
        Assert.Contains(message, log, StringComparison.Ordinal);
        Assert.Contains(exceptionType, log, StringComparison.Ordinal);
        Assert.Contains("   at ", log, StringComparison.Ordinal);
    }

    [ClusterFact]
    public async Task A_wrong_password_is_detailed_in_the_log_without_the_password()
    {
        var dir = NewDir("lr_log_pw");
        try
        {
            // Given with -P.
            var (code, stderr, log) = await RunToEndAsync(LreplProcess.Arguments("lr_log_pw", "lr_log_pw_pub", dir, WrongPassword));
            Assert.Equal(1, code);
            AssertOneLine(stderr, "password authentication failed");
            AssertDetailed(log, "password authentication failed", "PgWire.Actors.Replication.LreplException");
            Assert.Contains("PgWire.Actors.Connection.PgConnectionException", log, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, log, StringComparison.Ordinal);

            // From PGPASSWORD.
            File.Delete(Path.Combine(dir, "lrepl.log"));
            (code, stderr, log) = await RunToEndAsync(LreplProcess.Arguments("lr_log_pw", "lr_log_pw_pub", dir, null), new Dictionary<string, string?> { ["PGPASSWORD"] = WrongPassword });
            Assert.Equal(1, code);
            AssertDetailed(log, "password authentication failed", "LreplException");
            Assert.DoesNotContain(WrongPassword, log, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [ClusterFact]
    public async Task A_missing_table_or_publication_is_detailed_in_the_log()
    {
        const string table = "lr_log_nopub";
        Cleanup(table);
        RunSql($"CREATE TABLE {table} (id int PRIMARY KEY)");
        var dir = NewDir(table);
        try
        {
            var (code, stderr, log) = await RunToEndAsync(LreplProcess.Arguments("lr_log_no_such_table", "p", dir));
            Assert.Equal(1, code);
            AssertOneLine(stderr, "table \"lr_log_no_such_table\" does not exist");
            AssertDetailed(log, "table \"lr_log_no_such_table\" does not exist", "PgWire.Actors.Replication.LreplException");

            (code, stderr, log) = await RunToEndAsync(LreplProcess.Arguments(table, table + "_pub", dir));
            Assert.Equal(1, code);
            AssertOneLine(stderr, $"publication \"{table}_pub\" does not exist");
            AssertDetailed(log, $"publication \"{table}_pub\" does not exist", "LreplException");
            Assert.True(TimestampedError().Matches(log).Count >= 2, "both errors are in the log:\n" + log);
            Assert.DoesNotContain(TestCluster.SuperUserPassword + "\"", log, StringComparison.Ordinal);
        }
        finally
        {
            Cleanup(table);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Registered_secrets_are_blanked_out_of_the_entries_and_of_akka_events()
    {
        var dir = NewDir("lr_log_secret");
        var path = Path.Combine(dir, "lrepl.log");
        try
        {
            LreplErrorLog.RegisterSecrets(path, [JournalPassword, null, ""]);
            var error = new InvalidOperationException("outer, password " + JournalPassword, new IOException("Password=" + JournalPassword + ";Host=db"));
            Assert.True(LreplErrorLog.Write(path, "lrepl: failed with " + JournalPassword, error));

            var config = Akka.Configuration.ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.stdout-loglevel = OFF
                akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
                pgwire.lrepl.log-file = "{{path}}"
                """);
            using (var system = Akka.Actor.ActorSystem.Create("lrepl-log-test", config))
            {
                system.Log.Error(new IOException("journal: Password=" + JournalPassword), "cannot connect with {0}", JournalPassword);
                Assert.True(SpinWait.SpinUntil(() => Log(dir).Contains("cannot connect with", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Log(dir));
                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }

            var log = Log(dir);
            Assert.DoesNotContain(JournalPassword, log, StringComparison.Ordinal);
            Assert.Contains("outer, password ********", log, StringComparison.Ordinal);
            Assert.Contains("System.IO.IOException: Password=********;Host=db", log, StringComparison.Ordinal);
            Assert.Contains("cannot connect with ********", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_repeated_error_is_written_once_and_then_counted()
    {
        var dir = NewDir("lr_log_repeat");
        var path = Path.Combine(dir, "lrepl.log");
        try
        {
            var config = Akka.Configuration.ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.stdout-loglevel = OFF
                akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
                pgwire.lrepl.log-file = "{{path}}"
                pgwire.lrepl.log-repeat-interval = 1s
                """);
            using (var system = Akka.Actor.ActorSystem.Create("lrepl-log-repeat", config))
            {
                for (var i = 0; i < 200; i++)
                {
                    system.Log.Error(new IOException("the journal is away"), "could not record the position");
                }

                system.Log.Error(new IOException("the disk is full"), "could not write");
                Assert.True(SpinWait.SpinUntil(() => Log(dir).Contains("[repeated 199 more time(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Log(dir));
                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }

            var log = Log(dir);
            // The entry in full once, and the line that counts the 199 repeats.
            Assert.Equal(2, log.Split("could not record the position").Length - 1);
            Assert.Single(log.Split('\n'), l => l.StartsWith("[ERROR]", StringComparison.Ordinal) && l.Contains("could not record the position", StringComparison.Ordinal));
            Assert.Contains("could not write", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Throw(int depth)
    {
        if (depth == 0)
        {
            throw new IOException("the journal is away");
        }

        return Throw(depth - 1) + 1;
    }

    /// <summary>An exception thrown <paramref name="depth"/> calls down: a stack trace of that many frames.</summary>
    private static Exception Deep(int depth)
    {
        try
        {
            Throw(depth);
        }
        catch (IOException ex)
        {
            return ex;
        }

        throw new InvalidOperationException("not thrown");
    }

    [Fact]
    public async Task An_error_that_goes_on_is_written_in_full_once_with_a_short_stack_and_counted_each_interval()
    {
        var dir = NewDir("lr_log_ongoing");
        var path = Path.Combine(dir, "lrepl.log");
        try
        {
            var config = Akka.Configuration.ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.stdout-loglevel = OFF
                akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
                pgwire.lrepl.log-file = "{{path}}"
                pgwire.lrepl.log-repeat-interval = 1s
                """);
            var cause = Deep(40);
            using (var system = Akka.Actor.ActorSystem.Create("lrepl-log-ongoing", config))
            {
                var until = DateTime.UtcNow.AddSeconds(4.5);
                while (DateTime.UtcNow < until)
                {
                    system.Log.Error(cause, "could not record the position");
                    await Task.Delay(50);
                }

                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }

            var log = Log(dir);
            Assert.Single(log.Split('\n'), l => l.StartsWith("Cause: System.IO.IOException: the journal is away", StringComparison.Ordinal));
            var frames = log.Split('\n').Count(l => l.StartsWith("   at ", StringComparison.Ordinal));
            Assert.True(frames is > 0 and <= LreplFileLogger.FramesKept, $"{frames} frames:\n{log}");
            Assert.Contains(" more frame(s)", log, StringComparison.Ordinal);
            var counted = log.Split('\n').Count(l => l.Contains("[repeated ", StringComparison.Ordinal) && l.Contains("could not record the position", StringComparison.Ordinal));
            Assert.True(counted >= 2, "the repeats of an error that goes on are counted once per interval:\n" + log);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_log_is_rotated_by_size_and_keeps_the_configured_number_of_files()
    {
        var dir = NewDir("lr_log_rotate");
        var path = Path.Combine(dir, "lrepl.log");
        try
        {
            LreplErrorLog.Configure(path, 10_000, 2);
            for (var i = 0; i < 100; i++)
            {
                Assert.True(LreplErrorLog.Write(path, "entry " + i + " " + new string('x', 900), null));
            }

            Assert.True(new FileInfo(path).Length <= 10_000);
            Assert.True(File.Exists(path + ".1") && File.Exists(path + ".2"));
            Assert.False(File.Exists(path + ".3"));
            Assert.Contains("entry 99 ", File.ReadAllText(path), StringComparison.Ordinal);
            var total = Directory.GetFiles(dir, "lrepl.log*").Sum(f => new FileInfo(f).Length);
            Assert.True(total <= 30_000, $"{total} bytes kept");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_config_dir_that_cannot_be_written_is_one_line_on_stderr()
    {
        var file = Path.GetTempFileName();
        try
        {
            // A directory under a regular file can be neither created nor written.
            var (code, stderr, _) = await RunToEndAsync(LreplProcess.Arguments("lr_log_dir", "p", Path.Combine(file, "dir")));
            Assert.Equal(1, code);
            AssertOneLine(stderr, "pgwire lrepl: ");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Help_goes_to_stdout_with_status_0_and_usage_errors_to_stderr_with_status_2()
    {
        foreach (var flag in new[] { "-h", "--help" })
        {
            var (code, stdout, stderr) = await RunPgwireAsync("lrepl", flag);
            Assert.Equal(0, code);
            Assert.Equal(LreplCommand.Usage + "\n", stdout);
            Assert.Equal("", stderr);
        }

        var (badCode, badStdout, badStderr) = await RunPgwireAsync("lrepl", "-t", "x", "-L", "p", "-c", "/tmp/x", "--bogus");
        Assert.Equal(2, badCode);
        Assert.Equal("", badStdout);
        Assert.Equal("pgwire lrepl: unknown argument \"--bogus\"\nTry \"pgwire lrepl --help\" for more information.\n", badStderr);

        (badCode, badStdout, badStderr) = await RunPgwireAsync("lrepl", "-t", "x", "-c", "/tmp/x");
        Assert.Equal(2, badCode);
        Assert.Equal("", badStdout);
        Assert.StartsWith("pgwire lrepl: --publication is required\n", badStderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunPgwireAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(LreplProcess.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The command's last guard: a run that does not wind down in time after a stop is left behind.</summary>
public sealed class LreplStopGraceTests
{
    [Fact]
    public async Task A_run_that_ignores_the_stop_is_left_after_the_grace()
    {
        using var stop = new CancellationTokenSource();
        var never = new TaskCompletionSource();
        var wait = LreplCommand.EndsOrStopsInTimeAsync(never.Task, stop.Token, TimeSpan.FromMilliseconds(300));
        await Task.Delay(200);
        Assert.False(wait.IsCompleted, "the wait ended before the stop");
        var watch = Stopwatch.StartNew();
        await stop.CancelAsync();
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_run_that_ends_is_waited_for()
    {
        using var stop = new CancellationTokenSource();
        var run = new TaskCompletionSource();
        var wait = LreplCommand.EndsOrStopsInTimeAsync(run.Task, stop.Token, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.Delay(100);
        run.SetResult();
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
