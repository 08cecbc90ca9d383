namespace PgWire.Iceberg;

/// <summary>Where a table's files live: opens, creates and checks files by their location.</summary>
public interface IFileIO
{
    Stream OpenRead(string location);

    /// <summary>Creates a new file; fails when it exists (table files are never overwritten).</summary>
    Stream Create(string location);

    bool Exists(string location);

    /// <summary>Removes a file; a missing file is not an error.</summary>
    void Delete(string location);

    /// <summary>
    /// The files below the folder <paramref name="prefix"/> (recursively), with their sizes and
    /// modification times; each location is <paramref name="prefix"/> followed by the path under
    /// it, so it compares equal to the locations the table's metadata holds. A missing folder
    /// lists nothing.
    /// </summary>
    IEnumerable<FileEntry> List(string prefix);
}

/// <summary>A listed file: its location, size in bytes and last modification time.</summary>
public sealed record FileEntry(string Location, long Size, DateTimeOffset LastModified);

/// <summary>
/// Files on the local file system. Locations are plain paths or file:// URIs; prefixes can be
/// mapped to local folders (e.g. a table written to s3a://bucket/path read from a copy on disk).
/// </summary>
public sealed class LocalFileIO : IFileIO
{
    private readonly List<(string Prefix, string Folder)> _mappings = [];

    /// <summary>Reads locations starting with <paramref name="prefix"/> from <paramref name="folder"/>.</summary>
    public LocalFileIO Map(string prefix, string folder)
    {
        _mappings.Add((prefix.TrimEnd('/'), Path.GetFullPath(folder).TrimEnd('/')));
        return this;
    }

    public string LocalPath(string location)
    {
        foreach (var (prefix, folder) in _mappings)
        {
            if (location == prefix || location.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return folder + location[prefix.Length..];
            }
        }

        if (location.StartsWith("file:", StringComparison.Ordinal))
        {
            return new Uri(location).LocalPath;
        }

        if (location.Contains("://", StringComparison.Ordinal))
        {
            throw new IOException($"{location}: not a local file (no folder is mapped to its prefix)");
        }

        return location;
    }

    public Stream OpenRead(string location) => File.OpenRead(LocalPath(location));

    public Stream Create(string location)
    {
        var path = LocalPath(location);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Durable when closed: a commit must not name a file a machine crash could take back.
        return DurableFiles.CreateNew(path);
    }

    public bool Exists(string location) => File.Exists(LocalPath(location));

    public void Delete(string location)
    {
        try
        {
            File.Delete(LocalPath(location));
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder is gone too.
        }
    }

    public IEnumerable<FileEntry> List(string prefix)
    {
        prefix = prefix.TrimEnd('/');
        var folder = LocalPath(prefix);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/');
            yield return new FileEntry(prefix + "/" + relative, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
        }
    }
}
