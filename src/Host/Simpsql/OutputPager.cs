using System.Diagnostics;
using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// A pager process (run by /bin/sh, as psql's popen does) that one output is written to; disposing it closes the
/// pipe and waits until the pager exits. A pager that exits before reading everything (q in less) breaks the
/// pipe: the rest of the output is thrown away, nothing fails.
/// </summary>
internal sealed class OutputPager : IDisposable
{
    private readonly Process _process;
    private readonly ToleratedPipe _pipe;

    private OutputPager(Process process, Encoding textEncoding)
    {
        _process = process;
        _pipe = new ToleratedPipe(process.StandardInput.BaseStream);
        Text = new StreamWriter(_pipe, textEncoding, 16 * 1024, leaveOpen: true) { NewLine = "\n" };
        Console.CancelKeyPress += KeepRunning;
    }

    /// <summary>Where the output goes.</summary>
    public TextWriter Text { get; }

    /// <summary>The pager's standard input, for output written as bytes (flush <see cref="Text"/> first).</summary>
    public Stream Stream => _pipe;

    /// <summary>True once the pager stopped reading (the pipe broke).</summary>
    public bool Broken => _pipe.Broken;

    /// <summary>
    /// Starts <paramref name="command"/> with its standard input a pipe and standard output and error the
    /// terminal's; null when it cannot be started (psql then prints without a pager).
    /// </summary>
    public static OutputPager? Start(string command, IReadOnlyDictionary<string, string?> environment, Encoding textEncoding)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        ApplyEnvironment(start, environment);
        try
        {
            return new OutputPager(Process.Start(start)!, textEncoding);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return null;
        }
    }

    /// <summary>Variables set or unset by \setenv, which psql's children see.</summary>
    internal static void ApplyEnvironment(ProcessStartInfo start, IReadOnlyDictionary<string, string?> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
    }

    /// <summary>The first of psql's default pagers found on PATH: Debian's psql runs "pager", others "less" or "more".</summary>
    internal static string DefaultCommand(string? path)
    {
        foreach (string name in new[] { "pager", "less", "more" })
        {
            if (FindOnPath(name, path))
            {
                return name;
            }
        }

        return "more";
    }

    internal static bool FindOnPath(string name, string? path)
    {
        foreach (string dir in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, name)))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        Text.Flush();
        Text.Dispose();
        _pipe.Dispose();
        _process.WaitForExit();
        _process.Dispose();
        Console.CancelKeyPress -= KeepRunning;
    }

    /// <summary>Ctrl+C while the pager runs is the pager's (less uses it); simpsql waits on.</summary>
    private static void KeepRunning(object? sender, ConsoleCancelEventArgs e) => e.Cancel = true;
}
