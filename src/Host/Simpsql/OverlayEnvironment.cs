using PgWire.Protocol.Settings;

namespace PgWire.Host.Simpsql;

/// <summary>The system environment with some variables replaced (a null value unsets one).</summary>
public sealed class OverlayEnvironment : ISettingsEnvironment
{
    private readonly ISettingsEnvironment _inner;
    private readonly IReadOnlyDictionary<string, string?> _variables;

    public OverlayEnvironment(IReadOnlyDictionary<string, string?> variables, ISettingsEnvironment? inner = null)
    {
        _variables = variables;
        _inner = inner ?? SystemSettingsEnvironment.Instance;
    }

    /// <summary>HOME when the overlay sets it (on Unix), else the inner environment's home directory.</summary>
    public string? HomeDirectory =>
        !_inner.IsWindows && _variables.TryGetValue("HOME", out var home) && !string.IsNullOrEmpty(home) ? home : _inner.HomeDirectory;

    public string? CurrentOsUser => _inner.CurrentOsUser;

    public bool IsWindows => _inner.IsWindows;

    public string? GetVariable(string name) => _variables.TryGetValue(name, out var value) ? value : _inner.GetVariable(name);

    public bool FileExists(string path) => _inner.FileExists(path);

    public bool DirectoryExists(string path) => _inner.DirectoryExists(path);

    public string ReadAllText(string path) => _inner.ReadAllText(path);

    public UnixFileMode? GetMode(string path) => _inner.GetMode(path);
}
