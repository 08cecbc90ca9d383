using PgWire.Host.Simpsql;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>Lines as typed at the interactive prompt, null where Ctrl+D is pressed on an empty line; the end of input after them. Records each prompt shown.</summary>
internal sealed class ScriptedLineReader(params string?[] lines) : ILineReader
{
    private readonly Queue<string?> _lines = new(lines);

    public List<string> Prompts { get; } = [];

    public bool LastReadInterrupted => false;

    public string? ReadLine(string prompt)
    {
        Prompts.Add(prompt);
        return _lines.TryDequeue(out var line) ? line : null;
    }

    public void AddHistory(string entry)
    {
    }

    public void SaveHistory()
    {
    }
}
