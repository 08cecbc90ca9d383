namespace PgWire.Host.Simpsql.Completion;

/// <summary>File name completion: the entries of the directory a partly typed path names.</summary>
internal static class FileNames
{
    /// <summary>
    /// Paths that continue <paramref name="word"/>; a directory ends with a slash. <paramref name="quoted"/>: the word
    /// starts with a single quote (a SQL string), kept on every candidate and closed on a file.
    /// </summary>
    public static List<string> Complete(string word, bool quoted)
    {
        string opening = quoted && word.StartsWith('\'') ? "'" : "";
        string typed = word[opening.Length..];
        int slash = typed.LastIndexOf('/');
        string directoryPart = slash >= 0 ? typed[..(slash + 1)] : "";
        string prefix = typed[(slash + 1)..];
        string directory = directoryPart.Length == 0 ? "." : Expand(directoryPart);
        var result = new List<string>();
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
            {
                string name = Path.GetFileName(entry);
                if (!name.StartsWith(prefix, StringComparison.Ordinal) || (name.StartsWith('.') && !prefix.StartsWith('.')))
                {
                    continue;
                }

                bool isDirectory = Directory.Exists(entry);
                result.Add(opening + directoryPart + name + (isDirectory ? "/" : opening));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.SecurityException)
        {
        }

        return result;
    }

    private static string Expand(string path)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal) && Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home)
        {
            return Path.Combine(home, path[2..]);
        }

        return path;
    }
}
