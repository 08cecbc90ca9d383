using System.Text;

namespace PgWire.Host.Terminal;

/// <summary>
/// In-memory command history with a one-entry-per-line file format. Backslashes, line feeds and carriage
/// returns inside entries are escaped as <c>\\</c>, <c>\n</c> and <c>\r</c>.
/// </summary>
internal sealed class LineHistory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly List<string> _entries = [];
    private readonly int _max;
    private readonly bool _keepRepeats;

    // Entries added since the file was loaded: what Save appends to it.
    private int _added;

    /// <param name="max">The most entries kept in memory (and in the file, unless Save is told otherwise).</param>
    /// <param name="keepRepeats">Keep every non-empty entry, blank or repeated (the caller decides what to leave out).</param>
    public LineHistory(int max, bool keepRepeats = false)
    {
        _max = Math.Max(0, max);
        _keepRepeats = keepRepeats;
    }

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>True when entries were added since the file was loaded or last saved.</summary>
    public bool HasUnsaved => _added > 0;

    public int Count => _entries.Count;

    public string this[int index] => _entries[index];

    public void Add(string entry)
    {
        if (_keepRepeats ? entry.Length == 0 : string.IsNullOrWhiteSpace(entry) || (_entries.Count > 0 && _entries[^1] == entry))
        {
            return;
        }

        _entries.Add(entry);
        _added++;
        Trim();
    }

    public void Load(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            if (line.Length > 0)
            {
                Add(Unescape(line));
            }
        }

        _added = 0;
    }

    /// <summary>Writes the file with at most as many entries as are kept in memory (see <see cref="Save(string, int)"/>).</summary>
    public void Save(string path) => Save(path, _max);

    /// <summary>
    /// Writes the file as psql saves its history: the entries the file holds now (another session may have added
    /// some) are cut to the newest <paramref name="maxLines"/> less the entries added here, then those added here
    /// (at most <paramref name="maxLines"/>) follow; a negative <paramref name="maxLines"/> keeps everything.
    /// Nothing is written to /dev/null.
    /// </summary>
    public void Save(string path, int maxLines)
    {
        if (path == "/dev/null")
        {
            return;
        }

        var lines = new List<string>();
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path, Encoding.UTF8))
            {
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
            }
        }

        int added = Math.Min(_added, _entries.Count);
        if (maxLines >= 0)
        {
            int keep = Math.Max(maxLines - added, 0);
            if (lines.Count > keep)
            {
                lines.RemoveRange(0, lines.Count - keep);
            }

            added = Math.Min(added, maxLines);
        }

        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        for (int i = _entries.Count - added; i < _entries.Count; i++)
        {
            Escape(_entries[i], text);
            text.Append('\n');
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(text.ToString());
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }

        // What was added is in the file now: a later save does not add it again.
        _added = 0;
    }

    internal static string Escape(string entry)
    {
        var text = new StringBuilder(entry.Length + 8);
        Escape(entry, text);
        return text.ToString();
    }

    internal static string Unescape(string line)
    {
        if (!line.Contains('\\'))
        {
            return line;
        }

        var text = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c != '\\' || i + 1 == line.Length)
            {
                text.Append(c);
                continue;
            }

            char next = line[++i];
            switch (next)
            {
                case 'n':
                    text.Append('\n');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case '\\':
                    text.Append('\\');
                    break;
                default:
                    text.Append(c).Append(next);
                    break;
            }
        }

        return text.ToString();
    }

    private static void Escape(string entry, StringBuilder text)
    {
        foreach (char c in entry)
        {
            switch (c)
            {
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    private void Trim()
    {
        if (_entries.Count > _max)
        {
            _entries.RemoveRange(0, _entries.Count - _max);
        }
    }
}
