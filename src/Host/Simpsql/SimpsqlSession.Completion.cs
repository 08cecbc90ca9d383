using PgWire.Host.Simpsql.Completion;
using PgWire.Host.Terminal;

namespace PgWire.Host.Simpsql;

/// <summary>Tab completion in the interactive line editor.</summary>
internal sealed partial class SimpsqlSession
{
    private SessionCatalog? _completionCatalog;
    private Completer? _completer;

    /// <summary>The catalog completion asks, over this session's connection.</summary>
    internal SessionCatalog CompletionCatalog => _completionCatalog ??= new SessionCatalog(() => Client, () => QueryRunning);

    /// <summary>
    /// Candidates for the word before <paramref name="cursor"/> in <paramref name="line"/>, read in the statement made of
    /// the lines already entered (<paramref name="pending"/>) and this one.
    /// </summary>
    internal LineCompletion? CompleteLine(string pending, string line, int cursor)
    {
        // Like psql, the special variables count even while unset (HISTFILE).
        _completer ??= new Completer(CompletionCatalog, () => Variables.Keys.Union(SpecialVariable.All.Keys).Order(StringComparer.Ordinal), () => GetVariable("COMP_KEYWORD_CASE"));
        string before = pending.Length > 0 ? pending + "\n" + line[..cursor] : line[..cursor];
        int offset = before.Length - cursor;
        CompletionResult result;
        try
        {
            result = _completer.Complete(before, line[cursor..]);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StopException))
        {
            // A statement completion cannot make sense of must not end the session: the key just rings the bell.
            return null;
        }

        int start = result.Start - offset;
        return start < 0 ? null : new LineCompletion(start, result.Candidates);
    }
}
