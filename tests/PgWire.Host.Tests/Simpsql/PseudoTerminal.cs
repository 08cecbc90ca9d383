using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// A program running on a real pseudo-terminal, which is its controlling terminal (util-linux <c>script</c>
/// makes one), with what it writes to the terminal collected and keys typed into it.
/// </summary>
internal sealed partial class PseudoTerminal : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _reader;
    private readonly string _home;

    private PseudoTerminal(Process process, string home)
    {
        _process = process;
        _home = home;
        _reader = Task.Run(ReadOutput);
    }

    /// <summary>Everything the program wrote to the terminal so far (the terminal turns "\n" into "\r\n").</summary>
    public string Transcript
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string HistoryFile => Path.Combine(_home, "history");

    /// <summary>The pgwire executable with these arguments.</summary>
    public static PseudoTerminal StartPgwire(params string[] args) => Start("exec " + Quote(LreplProcess.Executable) + " " + string.Join(' ', args.Select(Quote)));

    /// <summary>psql 15 with these arguments.</summary>
    public static PseudoTerminal StartPsql(params string[] args) => Start("exec " + Quote(TestCluster.FindPsql()) + " " + string.Join(' ', args.Select(Quote)));

    /// <summary>
    /// Runs a shell command line on a new terminal. No password reaches it from the environment or a password
    /// file; HOME and the history file are a fresh directory.
    /// </summary>
    public static PseudoTerminal Start(string commandLine)
    {
        string home = Directory.CreateTempSubdirectory("simpsql-pty-").FullName;
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-q", "-f", "-e", "-c", commandLine, "/dev/null" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal) || k.StartsWith("PSQL", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["HOME"] = home;
        psi.Environment["PGPASSFILE"] = Path.Combine(home, "no-pgpass");
        psi.Environment["PSQL_HISTORY"] = Path.Combine(home, "history");
        psi.Environment["PSQLRC"] = "/dev/null";
        psi.Environment["PAGER"] = "cat";
        psi.Environment["TERM"] = "xterm";
        psi.Environment["SHELL"] = "/bin/sh";
        psi.Environment["LC_ALL"] = "C.UTF-8";
        psi.Environment["PGCONNECT_TIMEOUT"] = "10";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start script");
        return new PseudoTerminal(process, home);
    }

    /// <summary>A libpq URI for the test cluster without TLS.</summary>
    public static string Uri(string user) => $"postgresql://{user}@{TestCluster.Host}:{TestCluster.Port}/{TestCluster.Database}?sslmode=disable";

    /// <summary>Types text into the terminal.</summary>
    public void Type(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits until the transcript contains <paramref name="text"/> after position <paramref name="from"/>; returns where it ends.</summary>
    public int WaitFor(string text, int from = 0)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            string transcript = Transcript;
            int at = transcript.IndexOf(text, Math.Min(from, transcript.Length), StringComparison.Ordinal);
            if (at >= 0)
            {
                return at + text.Length;
            }

            if (DateTime.UtcNow > deadline || (_process.HasExited && _reader.IsCompleted))
            {
                throw new TimeoutException($"\"{text}\" did not appear; the terminal shows:\n{transcript}");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the program to end; its exit status.</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(Timeout))
        {
            throw new TimeoutException($"the program did not end; the terminal shows:\n{Transcript}");
        }

        _reader.Wait(Timeout);
        return _process.ExitCode;
    }

    /// <summary>The transcript without the keypad-mode sequences a .NET console sends to a terminal.</summary>
    public static string WithoutKeypadModes(string transcript) => KeypadMode().Replace(transcript, "");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private async Task ReadOutput()
    {
        var buffer = new char[4096];
        var stdout = _process.StandardOutput;
        int n;
        while ((n = await stdout.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                _output.Append(buffer, 0, n);
            }
        }
    }

    [GeneratedRegex("\x1b\\[\\?1[hl]\x1b[=>]")]
    private static partial Regex KeypadMode();
}
