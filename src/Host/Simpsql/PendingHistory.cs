using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// Collects the lines of a statement typed over several lines so that the history gets the whole
/// statement as one entry when it runs, as psql does with readline. A backslash command typed on a
/// line of its own becomes an entry of its own.
/// </summary>
internal sealed class PendingHistory
{
    private readonly ILineReader? _reader;
    private readonly Func<string, bool>? _keep;
    private readonly StringBuilder _pending = new();
    private string? _line;

    /// <param name="reader">Where entries go; null keeps no history (scripts, piped input).</param>
    /// <param name="keep">Decides whether an entry goes into the history (HISTCONTROL); null keeps all.</param>
    public PendingHistory(ILineReader? reader, Func<string, bool>? keep = null)
    {
        _reader = reader;
        _keep = keep;
    }

    /// <summary>Starts a new input line; it joins the pending entry unless something saves it first.</summary>
    public void BeginLine(string line) => _line = line;

    /// <summary>Adds the current line (once) to the pending lines and saves them as one entry.</summary>
    public void SaveWithLine()
    {
        if (_line is not null)
        {
            Append(_line);
            _line = null;
        }

        Save();
    }

    /// <summary>Saves the pending lines as one entry, without the current line.</summary>
    public void Save()
    {
        if (_pending.Length > 0)
        {
            // As psql: newlines that end the entry are not part of it.
            string entry = _pending.ToString().TrimEnd('\n');
            if (entry.Length > 0 && (_keep is null || _keep(entry)))
            {
                _reader?.AddHistory(entry);
            }

            _pending.Clear();
        }
    }

    /// <summary>Ends the current line: if nothing ran, it waits for the rest of its statement.</summary>
    public void EndLine()
    {
        if (_line is not null)
        {
            Append(_line);
            _line = null;
        }
    }

    /// <summary>Forgets the pending lines (Ctrl+C discarded the statement).</summary>
    public void Discard()
    {
        _pending.Clear();
        _line = null;
    }

    private void Append(string line)
    {
        if (_reader is null)
        {
            return;
        }

        if (_pending.Length > 0)
        {
            _pending.Append('\n');
        }

        _pending.Append(line);
    }
}
