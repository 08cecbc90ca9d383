using System.Diagnostics;
using System.Globalization;
using System.Text;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>The real <c>pgwire lrepl</c> executable running as a child process.</summary>
internal sealed class LreplProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private LreplProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// The pgwire executable the process tests run: PGWIRE_TEST_EXECUTABLE when set (scripts/test.sh
    /// sets it to the build it publishes, unless PGWIRE_TEST_PUBLISH=0), else the one next to the test
    /// assembly (the Host project reference puts it there).
    /// </summary>
    public static string Executable
    {
        get
        {
            if (Environment.GetEnvironmentVariable("PGWIRE_TEST_EXECUTABLE") is { Length: > 0 } given)
            {
                return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"PGWIRE_TEST_EXECUTABLE names {given}, which does not exist");
            }

            var local = Path.Combine(AppContext.BaseDirectory, "pgwire");
            if (File.Exists(local))
            {
                return local;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PgWire.sln")))
            {
                dir = dir.Parent;
            }

            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
            return Path.Combine(dir?.FullName ?? ".", "src", "Host", "bin", configuration, "net10.0", "pgwire");
        }
    }

    /// <summary>The usual arguments against the test cluster, without a password unless given.</summary>
    public static List<string> Arguments(string table, string publication, string dir, string? password = TestCluster.SuperUserPassword)
    {
        List<string> args =
        [
            "lrepl", "-u", TestCluster.SuperUser, "-H", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture),
            "-d", TestCluster.Database, "-t", table, "-L", publication, "-c", dir,
        ];
        if (password is not null)
        {
            args.AddRange(["-P", password]);
        }

        return args;
    }

    public static LreplProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal) && !k.StartsWith("PGWIRE_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    psi.Environment.Remove(key);
                }
                else
                {
                    psi.Environment[key] = value;
                }
            }
        }

        var process = new Process { StartInfo = psi };
        var result = new LreplProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._stderr)
                {
                    result._stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return result;
    }

    /// <summary>SIGKILL: no chance to flush or acknowledge anything.</summary>
    public void KillHard()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.WaitForExit();
    }

    /// <summary>Sends a signal with kill(1), e.g. "TERM" or "INT".</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Signal("TERM");
        return await WaitForExitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            KillHard();
            Assert.Fail($"pgwire lrepl did not exit within {timeout}; stderr:\n{Stderr}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; false on exit or timeout.</summary>
    public async Task<bool> WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Stderr.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                await Task.Delay(50);
                return Stderr.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(50);
        }

        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }
}
