namespace PgWire.Protocol.Settings;

/// <summary>
/// Connection service files (<c>pg_service.conf</c>), read as libpq reads them: INI-style sections
/// <c>[name]</c> holding <c>keyword=value</c> lines of connection keywords; <c>#</c> starts a
/// comment line; white space at the start and end of a line is ignored, none around the <c>=</c>
/// is removed (libpq keeps it as part of the keyword or value).
/// </summary>
/// <remarks>
/// The service is looked up first in <c>PGSERVICEFILE</c> (else <c>~/.pg_service.conf</c>), then,
/// when that file does not define it, in <c>pg_service.conf</c> under <c>PGSYSCONFDIR</c> (else
/// <see cref="DefaultSysConfDir"/>). A file that does not exist is skipped. Only the first section of
/// that name in a file counts.
/// </remarks>
public static class ServiceFile
{
    /// <summary>libpq's system configuration directory on Debian-based systems, where PostgreSQL's packages put it.</summary>
    public const string DefaultSysConfDir = "/etc/postgresql-common";

    /// <summary>libpq reads a line, with its line end, into a buffer of this many bytes; a longer one is an error.</summary>
    private const int LineBufferSize = 1024;

    /// <summary>
    /// The keywords and values of <paramref name="service"/>, in file order, from the first file that
    /// defines it.
    /// </summary>
    /// <exception cref="ConnectionSettingsException">
    /// No file defines the service (<c>definition of service "x" not found</c>), or the section has a
    /// malformed line, a nested <c>service</c> keyword or an unknown keyword.
    /// </exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Lookup(string service, ISettingsEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(env);
        foreach (var path in Candidates(env))
        {
            if (path is null || !env.FileExists(path))
            {
                continue;
            }

            string text;
            try
            {
                text = env.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConnectionSettingsException($"could not read service file \"{path}\": {ex.Message}");
            }

            if (Parse(text, service, path) is { } found)
            {
                return found;
            }
        }

        throw new ConnectionSettingsException($"definition of service \"{service}\" not found");
    }

    /// <summary>The files searched, in order: the user's file, then the system-wide one; null where unknown.</summary>
    public static IEnumerable<string?> Candidates(ISettingsEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (env.GetVariable("PGSERVICEFILE") is { Length: > 0 } userFile)
        {
            yield return userFile;
        }
        else
        {
            yield return env.HomeDirectory is { } home ? Path.Combine(home, ".pg_service.conf") : null;
        }

        var sysConfDir = env.GetVariable("PGSYSCONFDIR") is { Length: > 0 } dir ? dir : DefaultSysConfDir;
        yield return Path.Combine(sysConfDir, "pg_service.conf");
    }

    /// <summary>
    /// The section <paramref name="service"/> of one file's text, or null when the file has no such
    /// section. <paramref name="path"/> is only used in error messages.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? Parse(string text, string service, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(service);
        List<KeyValuePair<string, string>>? section = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            if (System.Text.Encoding.UTF8.GetByteCount(raw) + 1 >= LineBufferSize - 1)
            {
                throw new ConnectionSettingsException($"line {lineNumber} too long in service file \"{path}\"");
            }

            var line = raw.Trim(' ', '\t', '\r', '\f', '\v');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (section is not null)
                {
                    // The next section begins: the one asked for is complete.
                    return section;
                }

                if (line.Length >= service.Length + 2
                    && string.CompareOrdinal(line, 1, service, 0, service.Length) == 0
                    && line[service.Length + 1] == ']')
                {
                    section = [];
                }

                continue;
            }

            if (section is null)
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals < 0)
            {
                throw new ConnectionSettingsException($"syntax error in service file \"{path}\", line {lineNumber}");
            }

            var keyword = line[..equals];
            if (keyword == "service")
            {
                throw new ConnectionSettingsException(
                    $"nested service specifications not supported in service file \"{path}\", line {lineNumber}");
            }

            if (!ConnectionKeywords.All.ContainsKey(keyword))
            {
                throw new ConnectionSettingsException($"syntax error in service file \"{path}\", line {lineNumber}");
            }

            section.Add(new(keyword, line[(equals + 1)..]));
        }

        return section;
    }
}
