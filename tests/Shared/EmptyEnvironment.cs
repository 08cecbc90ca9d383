using PgWire.Protocol.Settings;

namespace PgWire.Tests.Shared;

/// <summary>
/// A settings environment with no variables and no home directory (or one the test gives), so
/// connection tests depend only on what they pass explicitly (files are still read from disk, e.g.
/// the test CA).
/// </summary>
public sealed class EmptyEnvironment(string? home = null) : ISettingsEnvironment
{
    public string? GetVariable(string name) => null;

    public string? HomeDirectory => home;

    public string? CurrentOsUser => "nobody";

    public bool IsWindows => false;

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string ReadAllText(string path) => File.ReadAllText(path);

    public UnixFileMode? GetMode(string path) => null;
}
