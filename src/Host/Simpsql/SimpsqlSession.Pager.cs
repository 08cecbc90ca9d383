using System.Globalization;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>The pager and the terminal's width, as psql uses them for what it prints on standard output.</summary>
internal sealed partial class SimpsqlSession
{
    private int? _environmentColumns;

    /// <summary>Standard input is a terminal (the pager is only used when both standard input and output are).</summary>
    internal bool StdinIsTerminal { get; set; }

    /// <summary>Standard output is a terminal: its width is the default \pset columns, and a pager may take output.</summary>
    internal bool StdoutIsTerminal { get; set; }

    /// <summary>COLUMNS as it was at start-up (psql reads it once), 0 when unset or not a number.</summary>
    private int EnvironmentColumns => _environmentColumns ??=
        int.TryParse(_env.GetVariable("COLUMNS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int columns) && columns > 0 ? columns : 0;

    /// <summary>True when query output goes to standard output and that is a terminal.</summary>
    private bool PrintingToTerminal => _redirect is null && StdoutIsTerminal;

    /// <summary>
    /// The options to print a result to standard output with: with \pset columns 0, the width of the terminal
    /// (COLUMNS, else the terminal's own) when standard output is one.
    /// </summary>
    internal PrintOptions ForStdout(PrintOptions options)
    {
        if (!PrintingToTerminal || options.Columns > 0)
        {
            return options;
        }

        int width = EnvironmentColumns;
        if (width == 0 && TerminalDevice.TryGetSize(out _, out int columns))
        {
            width = columns;
        }

        if (width == options.TerminalColumns)
        {
            return options;
        }

        var clone = options.Clone();
        clone.TerminalColumns = width;
        return clone;
    }

    /// <summary>True when output to standard output could go through a pager at all (query output not redirected).</summary>
    internal bool PagerPossible => Print.Pager != PagerMode.Off && PrintingToTerminal && StdinIsTerminal;

    /// <summary>
    /// psql's PageOutput: a pager for output of <paramref name="lines"/> lines when paging is on (and standard
    /// input and output are terminals) and the output is at least as tall as the terminal and pager_min_lines, or
    /// always with \pset pager always (or when the terminal's height is unknown); null otherwise, or when PAGER
    /// (PSQL_PAGER) is empty or cannot be started.
    /// </summary>
    internal OutputPager? PageOutput(int lines, PrintOptions? options)
    {
        if (options is null || options.Pager == PagerMode.Off || !StdinIsTerminal || !StdoutIsTerminal)
        {
            return null;
        }

        if (TerminalDevice.TryGetSize(out int rows, out _) && options.Pager != PagerMode.Always
            && !(lines >= rows && lines >= options.PagerMinLines))
        {
            return null;
        }

        string? command = _env.GetVariable("PSQL_PAGER") ?? _env.GetVariable("PAGER");
        if (command is null)
        {
            command = OutputPager.DefaultCommand(_env.GetVariable("PATH"));
        }
        else if (command.AsSpan().Trim(" \t\r\n").IsEmpty)
        {
            return null;
        }

        // What was printed before goes first, wherever it was printed.
        FlushAll();
        _stdoutText.Flush();
        _stdout.Flush();
        return OutputPager.Start(command, _environmentOverrides, Codec.WriterEncoding);
    }

    /// <summary>Text for standard output, through the pager when it is <paramref name="lines"/> lines long and psql would page it.</summary>
    internal void WritePaged(string text, int lines, TextWriter output)
    {
        using var pager = output == _stdoutText ? PageOutput(lines, Print) : null;
        var target = pager?.Text ?? output;
        target.Write(text);
    }

    /// <summary>Prints a result on the query output as psql's printTable does, with the terminal's width and the pager.</summary>
    public void PrintResult(ResultSet result, PrintOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var paging = new PagedOutput(this, options);
        ResultPrinter.Print(result, ForStdout(options), OutText, paging.Request);
        LogTable(result, options);
    }

    /// <summary>
    /// The pager one printed result may open: opened at most once, when the printer asks with enough lines, and
    /// closed (waited for) when disposed.
    /// </summary>
    internal sealed class PagedOutput(SimpsqlSession session, PrintOptions options, int extraLines = 0) : IDisposable
    {
        private OutputPager? _pager;
        private bool _asked;

        public TextWriter? Request(int lines)
        {
            if (!_asked)
            {
                _asked = true;
                if (session.PrintingToTerminal)
                {
                    long total = lines == int.MaxValue ? lines : Math.Min((long)lines + extraLines, int.MaxValue);
                    _pager = session.PageOutput((int)total, options);
                }
            }

            return _pager?.Text;
        }

        /// <summary>Where the rest of this output goes: the pager once it was opened, else <paramref name="output"/>.</summary>
        public TextWriter Writer(TextWriter output) => _pager?.Text ?? output;

        public void Dispose() => _pager?.Dispose();
    }
}
