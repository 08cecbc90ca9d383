using System.Diagnostics;

namespace PgWire.Host.Simpsql;

/// <summary>
/// Query output sent to a shell command (\o |COMMAND, -o |COMMAND), as psql's popen sends it: the
/// command runs from the moment output is redirected until it is sent elsewhere or simpsql ends, and
/// reads every result in between on its standard input. Disposing closes that input and waits for the
/// command to exit. A command that stops reading early (head) breaks the pipe; later output is dropped.
/// </summary>
internal sealed class PipedOutput : IDisposable
{
    private readonly Process _process;
    private readonly ToleratedPipe _pipe;
    private readonly Stream? _copyTo;
    private readonly Task? _pump;
    private readonly MemoryStream? _collected;

    private PipedOutput(Process process, Stream? copyTo)
    {
        _process = process;
        _pipe = new ToleratedPipe(process.StandardInput.BaseStream);
        if (copyTo is not null)
        {
            // Not simpsql's own process streams (embedded, tests): the command's output is collected and
            // written to simpsql's output when it ends, so that the two never interleave mid-line.
            _copyTo = copyTo;
            _collected = new MemoryStream();
            _pump = process.StandardOutput.BaseStream.CopyToAsync(_collected);
        }
    }

    /// <summary>The command's standard input.</summary>
    public Stream Stream => _pipe;

    /// <summary>True once the command stopped reading (a write found the pipe broken).</summary>
    public bool Broken => _pipe.Broken;

    /// <summary>
    /// Starts <paramref name="command"/> through sh. With <paramref name="copyTo"/> null the command
    /// writes to simpsql's standard output and error directly (its terminal, when there is one); else its
    /// standard output is copied there once it ends. Null with <paramref name="error"/> set when no shell can
    /// be started.
    /// </summary>
    public static PipedOutput? Start(string command, IReadOnlyDictionary<string, string?> environment, Stream? copyTo, out string? error)
    {
        // "sh" as the program name, as popen gives it: the shell names itself so in its messages.
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = copyTo is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        OutputPager.ApplyEnvironment(start, environment);
        try
        {
            error = null;
            return new PipedOutput(Process.Start(start)!, copyTo);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            error = $"could not open pipe to \"{command}\": {ex.Message}";
            return null;
        }
    }

    public void Dispose()
    {
        _pipe.Dispose();
        _process.WaitForExit();
        if (_pump is not null)
        {
            _pump.GetAwaiter().GetResult();
            _collected!.Position = 0;
            _collected.CopyTo(_copyTo!);
            _copyTo!.Flush();
        }

        _process.Dispose();
    }
}
