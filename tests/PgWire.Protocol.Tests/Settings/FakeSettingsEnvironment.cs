using PgWire.Protocol.Settings;

namespace PgWire.Protocol.Tests.Settings;

internal sealed class FakeSettingsEnvironment : ISettingsEnvironment
{
    public Dictionary<string, string?> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, UnixFileMode> Modes { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Directories { get; } = new(StringComparer.Ordinal);

    public string? HomeDirectory { get; set; } = "/home/alice";

    public string? CurrentOsUser { get; set; } = "alice";

    public bool IsWindows { get; set; }

    public string? GetVariable(string name) => Variables.GetValueOrDefault(name);

    public bool FileExists(string path) => Files.ContainsKey(path);

    public bool DirectoryExists(string path) => Directories.Contains(path);

    public string ReadAllText(string path) => Files[path];

    public UnixFileMode? GetMode(string path) =>
        IsWindows ? null : Modes.TryGetValue(path, out var mode) ? mode : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public FakeSettingsEnvironment WithPgPass(string text, UnixFileMode? mode = null)
    {
        Files["/home/alice/.pgpass"] = text;
        if (mode is { } m)
        {
            Modes["/home/alice/.pgpass"] = m;
        }

        return this;
    }
}
