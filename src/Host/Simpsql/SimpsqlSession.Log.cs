using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>
/// -L FILE: the session log, as psql writes it: each query sent (and, with ECHO_HIDDEN, each query a meta-command
/// sends) in a "********* QUERY **********" block, each result table in the aligned format, and each command
/// status, whatever QUIET says. Errors, notices and messages do not go there.
/// </summary>
internal sealed partial class SimpsqlSession
{
    private TextWriter? _log;

    /// <summary>Opens the log file for appending; false, reported as psql reports it, when it cannot be opened.</summary>
    internal bool OpenLog(string path)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 16 * 1024);
            _log = new StreamWriter(stream, Codec.WriterEncoding, 16 * 1024) { NewLine = "\n" };
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = Directory.Exists(path) ? "Is a directory"
                : ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
                : ex is UnauthorizedAccessException ? "Permission denied"
                : ex.Message;
            Err.Write($"{ProgramName}: error: could not open log file \"{path}\": {reason}\n");
            Err.Flush();
            return false;
        }
    }

    internal void CloseLog()
    {
        _log?.Dispose();
        _log = null;
    }

    /// <summary>True while -L logs the session (results are then kept whole to be written there too).</summary>
    internal bool Logging => _log is not null;

    /// <summary>A query, in psql's block, before it is sent.</summary>
    internal void LogQuery(string sql)
    {
        if (_log is null)
        {
            return;
        }

        _log.Write("********* QUERY **********\n");
        _log.Write(sql);
        _log.Write("\n**************************\n\n");
        _log.Flush();
    }

    /// <summary>
    /// A result table as psql logs it: always in the aligned layout (wrapped stays wrapped, to \pset columns
    /// only), \x on not applied (\x auto still may), with the table's title, footer and parts as printed.
    /// </summary>
    internal void LogTable(ResultSet result, PrintOptions print, IReadOnlyList<string>? footers = null)
    {
        if (_log is null)
        {
            return;
        }

        var options = print.Clone();
        options.Format = print.Format == OutputFormat.Wrapped ? OutputFormat.Wrapped : OutputFormat.Aligned;
        if (options.Expanded == ExpandedMode.On)
        {
            options.Expanded = ExpandedMode.Off;
        }

        options.TerminalColumns = 0;
        ResultPrinter.Print(result, options, _log);
        if (footers is not null && !options.TuplesOnly)
        {
            foreach (string footer in footers)
            {
                _log.Write(footer);
                _log.Write('\n');
            }
        }

        _log.Flush();
    }

    /// <summary>A command status, which the log gets even when QUIET keeps it off the output.</summary>
    private void LogStatus(string tag)
    {
        if (_log is not null)
        {
            _log.Write(tag);
            _log.Write('\n');
            _log.Flush();
        }
    }
}
