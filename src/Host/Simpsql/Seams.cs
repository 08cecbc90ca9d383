using PgWire.Actors.Connection;
using PgWire.Host.Psql;

namespace PgWire.Host.Simpsql;

/// <summary>What a meta-command implementation may use of the running session.</summary>
public interface IMetaCommandHost
{
    PgClient Client { get; }

    PrintOptions Print { get; }

    TextWriter Out { get; }

    TextWriter Err { get; }

    /// <summary>
    /// Runs a query and prints its result as a listing (title on top, footers below) with the current
    /// print options; returns false on error after printing it.
    /// </summary>
    Task<bool> RunQueryAndPrintAsync(string sql, string? title, IReadOnlyList<string>? footers, CancellationToken ct);
}

/// <summary>A source of input lines with history.</summary>
public interface ILineReader
{
    /// <summary>Reads one line without its terminator, or null at end of input.</summary>
    string? ReadLine(string prompt);

    void AddHistory(string entry);

    void SaveHistory();
}

/// <summary>Reads lines from a text reader, printing the prompt (if any) to a writer.</summary>
public sealed class PlainLineReader : ILineReader
{
    private readonly TextReader _input;
    private readonly TextWriter? _promptOutput;

    public PlainLineReader(TextReader input, TextWriter? promptOutput)
    {
        _input = input;
        _promptOutput = promptOutput;
    }

    public string? ReadLine(string prompt)
    {
        if (_promptOutput is not null)
        {
            _promptOutput.Write(prompt);
            _promptOutput.Flush();
        }

        return _input.ReadLine();
    }

    public void AddHistory(string entry)
    {
    }

    public void SaveHistory()
    {
    }
}

/// <summary>Chooses the line reader for the interactive loop.</summary>
public static class LineReaders
{
    /// <summary>Creates the reader; <paramref name="historyFile"/> is where a terminal editor keeps history.</summary>
    public static ILineReader Create(TextReader input, TextWriter promptOutput, bool interactive, string? historyFile)
    {
        _ = historyFile;
        return new PlainLineReader(input, interactive ? promptOutput : null);
    }
}

/// <summary>Registration point for the \d family of commands.</summary>
public static class MetaCommandRegistry
{
    /// <summary>(command, args, host, ct) → null when the command is not handled, else success.</summary>
    public static Func<string, string, IMetaCommandHost, CancellationToken, Task<bool?>>? DescribeHandler { get; set; }
}
