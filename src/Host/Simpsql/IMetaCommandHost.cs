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

    /// <summary>psql's QUIET: informational messages (such as "Did not find any relation named ...") are left out.</summary>
    bool Quiet => false;

    /// <summary>
    /// Reports an error (or, with <paramref name="level"/> "warning", a warning) on <see cref="Err"/>
    /// as psql does: with its "file:line: level:" prefix while a script file is read. A server's
    /// message (<paramref name="isServerMessage"/>) carries its own severity, so no level is added.
    /// </summary>
    void ReportError(string text, bool isServerMessage = false, string level = "error") =>
        Err.Write(text.EndsWith('\n') ? text : text + "\n");

    /// <summary>
    /// Called with each query a meta-command runs for itself, before it is sent: psql's ECHO_HIDDEN
    /// prints it (on, noexec); false when it is not to be run (noexec), and the command then fails
    /// without a message, as psql's do.
    /// </summary>
    bool ShowHiddenQuery(string sql) => true;

    /// <summary>
    /// psql's ECHO_HIDDEN is on or noexec: each query a meta-command runs for itself is shown (and
    /// perhaps not run) in its turn, so none may be sent before the one ahead of it has ended.
    /// </summary>
    bool EchoesHiddenQueries => false;

    /// <summary>The value of a psql variable (HIDE_TABLEAM and the like), or null when it is not set.</summary>
    string? GetVariable(string name) => null;

    /// <summary>
    /// Runs a query and prints its result as a listing (title on top, footers below) with the current
    /// print options; returns false on error after printing it.
    /// </summary>
    Task<bool> RunQueryAndPrintAsync(string sql, string? title, IReadOnlyList<string>? footers, CancellationToken ct);

    /// <summary>Prints a listing built by a meta-command on <see cref="Out"/> (through the pager where psql would use one).</summary>
    void PrintResult(ResultSet result, PrintOptions options) => ResultPrinter.Print(result, options, Out);
}
