using System.Text;

namespace PgWire.Protocol.Settings;

/// <summary>Parses libpq keyword/value connection strings and <c>postgresql://</c> URIs.</summary>
internal static class ConnInfoParser
{
    private const string LongPrefix = "postgresql://";
    private const string ShortPrefix = "postgres://";

    public static bool IsUri(string text) =>
        text.StartsWith(LongPrefix, StringComparison.Ordinal) || text.StartsWith(ShortPrefix, StringComparison.Ordinal);

    /// <summary>Whether libpq would expand this database name argument into a connection string.</summary>
    public static bool IsConnectionString(string text) => IsUri(text) || text.Contains('=');

    public static List<KeyValuePair<string, string>> Parse(string text) =>
        IsUri(text) ? ParseUri(text) : ParseKeywordValue(text);

    public static List<KeyValuePair<string, string>> ParseKeywordValue(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        var i = 0;
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                return result;
            }

            var start = i;
            while (i < text.Length && !IsSpace(text[i]) && text[i] != '=')
            {
                i++;
            }

            var keyword = text[start..i];
            SkipSpace(text, ref i);
            if (i >= text.Length || text[i] != '=')
            {
                throw new ConnectionSettingsException($"missing \"=\" after \"{keyword}\" in connection info string");
            }

            i++;
            SkipSpace(text, ref i);
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\')
                    {
                        if (i < text.Length)
                        {
                            value.Append(text[i++]);
                        }
                    }
                    else if (c == '\'')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!closed)
                {
                    throw new ConnectionSettingsException("unterminated quoted string in connection info string");
                }
            }
            else
            {
                while (i < text.Length && !IsSpace(text[i]))
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }
            }

            ConnectionKeywords.EnsureKnown(keyword);
            result.Add(new(keyword, value.ToString()));
        }
    }

    public static List<KeyValuePair<string, string>> ParseUri(string uri)
    {
        var result = new List<KeyValuePair<string, string>>();
        var i = uri.StartsWith(LongPrefix, StringComparison.Ordinal) ? LongPrefix.Length : ShortPrefix.Length;

        var look = i;
        while (look < uri.Length && uri[look] is not ('@' or '/' or '?'))
        {
            look++;
        }

        if (look < uri.Length && uri[look] == '@')
        {
            var credentials = uri[i..look];
            var colon = credentials.IndexOf(':');
            var user = colon < 0 ? credentials : credentials[..colon];
            if (user.Length > 0)
            {
                result.Add(new("user", Decode(user, secret: false)));
            }

            if (colon >= 0)
            {
                result.Add(new("password", Decode(credentials[(colon + 1)..], secret: true)));
            }

            i = look + 1;
        }

        var hosts = new List<string>();
        var ports = new List<string>();
        while (true)
        {
            string host;
            if (i < uri.Length && uri[i] == '[')
            {
                var close = uri.IndexOf(']', i + 1);
                if (close < 0)
                {
                    throw new ConnectionSettingsException(
                        "end of string reached when looking for matching \"]\" in IPv6 host address in URI");
                }

                if (close == i + 1)
                {
                    throw new ConnectionSettingsException("IPv6 host address may not be empty in URI");
                }

                host = uri[(i + 1)..close];
                i = close + 1;
                if (i < uri.Length && uri[i] is not (':' or '/' or '?' or ','))
                {
                    throw new ConnectionSettingsException(
                        $"unexpected character \"{uri[i]}\" at position {i + 1} in URI (expected \":\" or \"/\")");
                }
            }
            else
            {
                var start = i;
                while (i < uri.Length && uri[i] is not (':' or '/' or '?' or ','))
                {
                    i++;
                }

                host = uri[start..i];
            }

            hosts.Add(Decode(host, secret: false));

            var port = "";
            if (i < uri.Length && uri[i] == ':')
            {
                var start = ++i;
                while (i < uri.Length && uri[i] is not ('/' or '?' or ','))
                {
                    i++;
                }

                port = Decode(uri[start..i], secret: false);
            }

            ports.Add(port);
            if (i < uri.Length && uri[i] == ',')
            {
                i++;
                continue;
            }

            break;
        }

        if (hosts.Exists(h => h.Length > 0))
        {
            result.Add(new("host", string.Join(',', hosts)));
        }

        if (ports.Exists(p => p.Length > 0))
        {
            result.Add(new("port", string.Join(',', ports)));
        }

        if (i < uri.Length && uri[i] == '/')
        {
            var start = ++i;
            while (i < uri.Length && uri[i] != '?')
            {
                i++;
            }

            var database = Decode(uri[start..i], secret: false);
            if (database.Length > 0)
            {
                result.Add(new("dbname", database));
            }
        }

        if (i < uri.Length && uri[i] == '?')
        {
            foreach (var parameter in uri[(i + 1)..].Split('&'))
            {
                if (parameter.Length > 0)
                {
                    result.Add(ParseQueryParameter(parameter));
                }
            }
        }

        return result;
    }

    private static KeyValuePair<string, string> ParseQueryParameter(string parameter)
    {
        var equals = parameter.IndexOf('=');
        if (equals < 0)
        {
            throw new ConnectionSettingsException(
                $"missing key/value separator \"=\" in URI query parameter: \"{parameter}\"");
        }

        var rawKeyword = parameter[..equals];
        var keyword = Decode(rawKeyword, secret: false);
        var secret = ConnectionKeywords.IsSecret(keyword);
        if (parameter.IndexOf('=', equals + 1) >= 0)
        {
            var shown = secret ? rawKeyword : parameter;
            throw new ConnectionSettingsException(
                $"extra key/value separator \"=\" in URI query parameter: \"{shown}\"");
        }

        var value = Decode(parameter[(equals + 1)..], secret);
        if (keyword == "ssl" && value == "true")
        {
            return new("sslmode", "require");
        }

        if (!ConnectionKeywords.All.ContainsKey(keyword))
        {
            throw new ConnectionSettingsException($"invalid URI query parameter: \"{keyword}\"");
        }

        return new(keyword, value);
    }

    private static string Decode(string text, bool secret)
    {
        if (!text.Contains('%'))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                if (char.IsSurrogate(c) && i + 1 < text.Length)
                {
                    var count = Encoding.UTF8.GetBytes(text.AsSpan(i, 2), buffer);
                    i++;
                    bytes.AddRange(buffer[..count]);
                }
                else
                {
                    var count = Encoding.UTF8.GetBytes(text.AsSpan(i, 1), buffer);
                    bytes.AddRange(buffer[..count]);
                }

                continue;
            }

            if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
            {
                throw new ConnectionSettingsException(secret
                    ? "invalid percent-encoded token in URI password"
                    : $"invalid percent-encoded token: \"{text}\"");
            }

            var b = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
            if (b == 0)
            {
                throw new ConnectionSettingsException(secret
                    ? "forbidden value %00 in percent-encoded URI password"
                    : $"forbidden value %00 in percent-encoded value: \"{text}\"");
            }

            bytes.Add(b);
            i += 2;
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static int HexValue(char c) =>
        c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length && IsSpace(text[i]))
        {
            i++;
        }
    }
}
