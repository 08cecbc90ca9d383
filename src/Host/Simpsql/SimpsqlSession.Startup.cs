using System.Runtime.InteropServices;

namespace PgWire.Host.Simpsql;

/// <summary>
/// The start-up files psql reads after connecting and before its first command, unless -X: the
/// system-wide <c>psqlrc</c> in the directory psql was built with (/etc/postgresql-common for
/// Debian's and Ubuntu's psql 15, which do not let PGSYSCONFDIR move it), then the user's: the
/// file <c>PSQLRC</c> names (with ~ expanded) or else <c>~/.psqlrc</c>. Of each, a version-specific <c>FILE-15</c> is read
/// instead of <c>FILE</c> when there is one (psql also tries <c>FILE-15.MINOR</c> first; simpsql
/// has no minor version of psql to go by). Each is run as psql runs it, as a file: its
/// errors carry its name and line, and its result does not change the run's exit status.
/// </summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>Where Debian's psql 15 looks for the system-wide psqlrc.</summary>
    internal const string SystemConfigDirectory = "/etc/postgresql-common";

    /// <summary>Runs the start-up files that exist and can be read, system-wide first.</summary>
    internal async Task RunStartupFilesAsync(TextReader stdin)
    {
        await RunStartupFileAsync(Path.Combine(SystemConfigDirectory, "psqlrc"), stdin).ConfigureAwait(false);

        string userFile = _env.GetVariable("PSQLRC") is { Length: > 0 } named ? named : "~/.psqlrc";
        await RunStartupFileAsync(ExpandTilde(userFile), stdin).ConfigureAwait(false);
    }

    private async Task RunStartupFileAsync(string path, TextReader stdin)
    {
        foreach (string candidate in new[] { path + "-" + MajorVersionName, path })
        {
            if (Readable(candidate))
            {
                await RunFileAsync(candidate, stdin).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>As psql asks before reading a start-up file: access(2) with R_OK, so a directory counts.</summary>
    private static bool Readable(string path) => Access(path, 4) == 0;

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);
}
