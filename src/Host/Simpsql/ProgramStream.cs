using System.Diagnostics;

namespace PgWire.Host.Simpsql;

/// <summary>
/// A shell command simpsql reads from or writes to, run by sh as psql's popen runs it: the command of
/// \copy ... from|to program 'COMMAND' (its standard output is what COPY FROM STDIN reads, its standard
/// input what COPY TO STDOUT writes) and of \o |COMMAND (query output until output goes elsewhere).
/// Disposing closes that pipe and waits for the command; <see cref="Failure"/> then says, in psql's words,
/// how it ended badly. A command that stops reading what it is given breaks the pipe (<see cref="Broken"/>):
/// later writes are dropped.
/// </summary>
internal sealed class ProgramStream : IDisposable
{
    private readonly Process _process;
    private readonly Stream _pipe;
    private readonly Stream? _copyTo;
    private readonly Task? _pump;
    private readonly MemoryStream? _collected;

    private ProgramStream(Process process, bool read, Stream? copyTo)
    {
        _process = process;
        if (read)
        {
            _pipe = process.StandardOutput.BaseStream;
            if (process.StartInfo.RedirectStandardInput)
            {
                process.StandardInput.Close();
            }
        }
        else
        {
            // Sent on after each table and at the end of a COPY (flushed), not a line per write.
            _pipe = new ToleratedPipe(process.StandardInput.BaseStream, 64 * 1024);
            if (copyTo is not null)
            {
                _copyTo = copyTo;
                _collected = new MemoryStream();
                _pump = process.StandardOutput.BaseStream.CopyToAsync(_collected);
            }
        }
    }

    /// <summary>The command's standard output (from program) or standard input (to program).</summary>
    public Stream Stream => _pipe;

    /// <summary>True once a command being written to stopped reading (a write found the pipe broken).</summary>
    public bool Broken => _pipe is ToleratedPipe { Broken: true };

    /// <summary>After <see cref="Dispose"/>: null when the command exited with status 0, else what psql reports of it.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Starts <paramref name="command"/>; <paramref name="read"/> when the COPY reads its output. Run as simpsql's
    /// own process, the command shares its other standard streams (its terminal); otherwise its input is empty and
    /// its output is copied into simpsql's standard output once it ends. Null, reported, when sh cannot be started.
    /// </summary>
    public static ProgramStream? Start(string command, bool read, SimpsqlSession session)
    {
        bool inherit = session.InheritStreams;
        try
        {
            return Launch(command, read, inherit, read || inherit ? null : session.StdoutBytes(), session.EnvironmentOverrides);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            session.LogError($"could not execute command \"{command}\": {ex.Message}", false);
            return null;
        }
    }

    /// <summary>
    /// Starts <paramref name="command"/> under sh. With <paramref name="inherit"/> it shares simpsql's standard
    /// streams other than the pipe; without, its input is empty (when read) and its output, when written to, is
    /// collected and copied into <paramref name="copyOutputTo"/> once it ends, so that simpsql's own output does
    /// not interleave with it. Throws what Process.Start throws when sh cannot be started.
    /// </summary>
    public static ProgramStream Launch(string command, bool read, bool inherit, Stream? copyOutputTo, IReadOnlyDictionary<string, string?>? environment)
    {
        // "sh" as the program name, as popen gives it: the shell names itself so in its messages.
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = !read || !inherit,
            RedirectStandardOutput = read || !inherit,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        if (environment is not null)
        {
            OutputPager.ApplyEnvironment(start, environment);
        }

        return new ProgramStream(Process.Start(start)!, read, read || inherit ? null : copyOutputTo);
    }

    public void Dispose()
    {
        try
        {
            // Closing the read end of a command still writing makes its next write fail (SIGPIPE), as pclose does.
            _pipe.Dispose();
        }
        catch (IOException)
        {
        }

        _process.WaitForExit();
        if (_pump is not null)
        {
            _pump.GetAwaiter().GetResult();
            _collected!.Position = 0;
            _collected.CopyTo(_copyTo!);
            _copyTo!.Flush();
        }

        Failure = _process.ExitCode switch
        {
            0 => null,
            126 => "command not executable",
            127 => "command not found",
            var code => $"child process exited with exit code {code}",
        };
        _process.Dispose();
    }
}
