namespace PgWire.Protocol.Settings;

/// <summary>
/// Access to the process environment and file system needed to resolve connection settings.
/// </summary>
public interface ISettingsEnvironment
{
    /// <summary>The value of an environment variable, or null if it is not set.</summary>
    string? GetVariable(string name);

    /// <summary>The current user's home directory, or null if unknown.</summary>
    string? HomeDirectory { get; }

    /// <summary>The operating system user name, or null if unknown.</summary>
    string? CurrentOsUser { get; }

    /// <summary>Whether the process runs on Windows (affects the default password file location).</summary>
    bool IsWindows { get; }

    /// <summary>Whether a regular file exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>Whether a directory exists at <paramref name="path"/>.</summary>
    bool DirectoryExists(string path);

    /// <summary>The whole content of a text file.</summary>
    string ReadAllText(string path);

    /// <summary>The Unix permission bits of a file, or null where they do not apply.</summary>
    UnixFileMode? GetMode(string path);
}
