using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// The file or shell command that \g FILE or \g |COMMAND sends one query's results to. Like psql, it is
/// opened only when a result with rows is printed; a file that cannot be opened is reported then.
/// </summary>
internal sealed class QueryOutputTarget : IDisposable
{
    private readonly string _target;
    private readonly Stream? _stdout;
    private readonly IReadOnlyDictionary<string, string?>? _environment;
    private readonly Action<string> _reportError;
    private ProgramStream? _program;
    private bool _tried;

    /// <param name="target">A file name, or "|" and a shell command.</param>
    /// <param name="stdout">
    /// Where the command's own output is copied once it ends (simpsql's standard output), or null when the command
    /// writes to simpsql's standard output itself (simpsql running as its own process, as psql's popen runs it).
    /// </param>
    /// <param name="reportError">Reports a target that cannot be opened.</param>
    private readonly Encoding _textEncoding;

    public QueryOutputTarget(string target, Stream? stdout, Action<string> reportError, Encoding? textEncoding = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        _environment = environment;
        _textEncoding = textEncoding ?? new UTF8Encoding(false);
        _target = target;
        _stdout = stdout;
        _reportError = reportError;
    }

    public Stream? Stream { get; private set; }

    public TextWriter? Text { get; private set; }

    /// <summary>Opens the target the first time; false (reported once) when it cannot be opened.</summary>
    public bool Open()
    {
        if (_tried)
        {
            return Text is not null;
        }

        _tried = true;
        if (_target.StartsWith('|'))
        {
            try
            {
                // A command that stops reading (head) is reported as psql reports it, not thrown.
                _program = ProgramStream.Launch(_target[1..], false, _stdout is null, _stdout, _environment);
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
            {
                _reportError($"could not open temporary file \"{_target[1..]}\": {ex.Message}");
                return false;
            }

            Stream = _program.Stream;
        }
        else
        {
            Stream = SimpsqlSession.OpenOutputFile(_target, out string? error);
            if (Stream is null)
            {
                _reportError(error!);
                return false;
            }
        }

        Text = new StreamWriter(Stream, _textEncoding, 16 * 1024, leaveOpen: true) { NewLine = "\n" };
        return true;
    }

    /// <summary>For a command: sends on what was written so far and says whether the command has stopped reading.</summary>
    public bool Broken()
    {
        if (Stream is not ToleratedPipe pipe)
        {
            return false;
        }

        Text?.Flush();
        pipe.Flush();
        return pipe.Broken;
    }

    public void Dispose()
    {
        try
        {
            Text?.Flush();
            Stream?.Flush();
        }
        catch (IOException)
        {
            // a command that exits without reading all of its input
        }

        try
        {
            Text?.Dispose();
        }
        catch (IOException)
        {
            // its buffer could not reach a command that has exited
        }

        if (_program is not null)
        {
            // Closes the pipe, waits for the command and copies on what it printed.
            _program.Dispose();
            return;
        }

        try
        {
            Stream?.Dispose();
        }
        catch (IOException)
        {
        }
    }
}
