using System.Globalization;
using System.Text;

namespace PgWire.Protocol.Settings;

/// <summary>
/// Lookup in a libpq password file. Each line is
/// <c>hostname:port:database:username:password</c>. Any of the first four fields may be
/// <c>*</c>, which matches anything. A backslash escapes a following <c>:</c> or <c>\</c>
/// (in fact any character). Lines starting with <c>#</c> are comments. The first matching
/// line wins.
/// </summary>
public static class PgPassFile
{
    /// <summary>
    /// The password of the first line matching the given connection, or null if no line
    /// matches. A matching line with an empty password yields an empty string.
    /// Nothing is matched when <paramref name="database"/> or <paramref name="user"/> is empty.
    /// </summary>
    public static string? Lookup(string fileText, string host, int port, string database, string user)
    {
        ArgumentNullException.ThrowIfNull(fileText);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(user);
        if (database.Length == 0 || user.Length == 0)
        {
            return null;
        }

        var portText = port.ToString(CultureInfo.InvariantCulture);
        foreach (var rawLine in fileText.Split('\n'))
        {
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var position = 0;
            if (MatchField(line, ref position, host)
                && MatchField(line, ref position, portText)
                && MatchField(line, ref position, database)
                && MatchField(line, ref position, user))
            {
                return Unescape(line, position);
            }
        }

        return null;
    }

    private static bool MatchField(string line, ref int position, string expected)
    {
        var start = position;
        if (start + 1 < line.Length && line[start] == '*' && line[start + 1] == ':')
        {
            position = start + 2;
            return true;
        }

        var matchedLength = 0;
        var matches = true;
        var i = start;
        while (i < line.Length && line[i] != ':')
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                i++;
                c = line[i];
            }

            if (matches && matchedLength < expected.Length && expected[matchedLength] == c)
            {
                matchedLength++;
            }
            else
            {
                matches = false;
            }

            i++;
        }

        if (i >= line.Length)
        {
            return false;
        }

        position = i + 1;
        return matches && matchedLength == expected.Length;
    }

    private static string Unescape(string line, int start)
    {
        var builder = new StringBuilder(line.Length - start);
        for (var i = start; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                i++;
                c = line[i];
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
