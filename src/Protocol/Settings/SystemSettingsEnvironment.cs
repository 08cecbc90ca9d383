namespace PgWire.Protocol.Settings;

/// <summary>The real process environment and file system.</summary>
public sealed class SystemSettingsEnvironment : ISettingsEnvironment
{
    public static readonly SystemSettingsEnvironment Instance = new();

    private SystemSettingsEnvironment()
    {
    }

    public string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);

    public string? HomeDirectory
    {
        get
        {
            var home = Environment.GetEnvironmentVariable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            return string.IsNullOrEmpty(home) ? null : home;
        }
    }

    public string? CurrentOsUser
    {
        get
        {
            try
            {
                var name = Environment.UserName;
                return string.IsNullOrEmpty(name) ? null : name;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    public bool IsWindows => OperatingSystem.IsWindows();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string ReadAllText(string path) => File.ReadAllText(path);

    public UnixFileMode? GetMode(string path) =>
        OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
}
