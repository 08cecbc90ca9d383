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

    public LineHistory(int max) => _max = Math.Max(0, max);

    public IReadOnlyList<string> Entries => _entries;

    public int Count => _entries.Count;

    public string this[int index] => _entries[index];

    public void Add(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry) || (_entries.Count > 0 && _entries[^1] == entry))
        {
            return;
        }

        _entries.Add(entry);
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
    }

    public void Save(string path)
    {
        var text = new StringBuilder();
        foreach (string entry in _entries)
        {
            Escape(entry, text);
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
