using System.Diagnostics;
using System.Globalization;
using System.Text;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>The interactive prompts: PROMPT1 (a new statement), PROMPT2 (a continuation line), PROMPT3 (COPY data) with psql's % escapes.</summary>
internal sealed partial class SimpsqlSession
{
    /// <summary>psql's default socket directory on Debian, shown as plain [local] by %M.</summary>
    private const string DefaultSocketDirectory = "/var/run/postgresql";

    // psql's stmt_lineno: the line of the current statement, for %l.
    private int _statementLine = 1;

    // How wide the last PROMPT1 was on the screen, for %w.
    private int _lastPrompt1Width;

    // COPY FROM STDIN data is being read: a command is under way (%x shows *, as libpq's PQTRANS_ACTIVE).
    private bool _copyingIn;

    /// <summary>
    /// The prompt for the next input line: <paramref name="state"/> is '=' before a new statement
    /// (PROMPT1), '\0' for a line of COPY data (PROMPT3), else the continuation state ('-', '\'',
    /// '"', '$', '*', '(') of PROMPT2.
    /// </summary>
    private string BuildPrompt(char state)
    {
        bool ready = state == '=';
        string template = GetVariable(ready ? "PROMPT1" : state == '\0' ? "PROMPT3" : "PROMPT2") ?? "";
        var prompt = new StringBuilder();
        int visible = 0;
        bool hidden = false;
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c != '%' || i + 1 >= template.Length)
            {
                Append(c.ToString());
                continue;
            }

            char e = template[++i];
            switch (e)
            {
                case 'M':
                case 'm':
                    Append(HostForPrompt(e == 'm'));
                    break;
                case '>':
                    Append(Client.Session.Port.ToString(CultureInfo.InvariantCulture));
                    break;
                case 'n':
                    Append(Client.Parameters.TryGetValue("session_authorization", out var user) ? user : Client.Session.User);
                    break;
                case '/':
                    Append(Client.Session.Database);
                    break;
                case '~':
                    string db = Client.Session.Database;
                    Append(db == Client.Session.User || _env.GetVariable("PGDATABASE") == db ? "~" : db);
                    break;
                case '#':
                    Append(Client.Parameters.TryGetValue("is_superuser", out var super) && super == "on" ? "#" : ">");
                    break;
                case 'p':
                    Append(Client.Session.ProcessId.ToString(CultureInfo.InvariantCulture));
                    break;
                case 'R':
                    Append(ready
                        ? !Conditions.Active ? "@" : SingleLine ? "^" : "="
                        : state == '\0' ? "" : state.ToString());
                    break;
                case 'x':
                    Append(_copyingIn ? "*" : Client.TransactionStatus switch
                    {
                        TransactionStatus.Idle => "",
                        TransactionStatus.InTransaction => "*",
                        TransactionStatus.Failed => "!",
                        _ => "?",
                    });
                    break;
                case 'l':
                    Append(_statementLine.ToString(CultureInfo.InvariantCulture));
                    break;
                case 'w':
                    Append(new string(' ', _lastPrompt1Width));
                    break;
                case ':':
                    int close = template.IndexOf(':', i + 1);
                    if (close > i)
                    {
                        Append(GetVariable(template[(i + 1)..close]) ?? "");
                        i = close;
                    }

                    break;
                case '`':
                    int end = template.IndexOf('`', i + 1);
                    if (end > i)
                    {
                        Append(CommandOutput(template[(i + 1)..end]));
                        i = end;
                    }

                    break;
                case '[':
                    hidden = true;
                    break;
                case ']':
                    hidden = false;
                    break;
                case >= '1' and <= '7':
                    int digits = i;
                    while (digits < template.Length && template[digits] is >= '0' and <= '7' && digits - i < 3)
                    {
                        digits++;
                    }

                    Append(((char)Convert.ToInt32(template[i..digits], 8)).ToString());
                    i = digits - 1;
                    break;
                default:
                    // %% and unknown escapes: the character itself, as psql prints it.
                    Append(e.ToString());
                    break;
            }
        }

        if (ready)
        {
            _lastPrompt1Width = visible;
        }

        return prompt.ToString();

        void Append(string text)
        {
            prompt.Append(text);
            if (!hidden)
            {
                visible += text.Length;
            }
        }
    }

    private string HostForPrompt(bool shortName)
    {
        var session = Client.Session;
        if (!session.IsUnixSocket && session.Host.Length > 0)
        {
            // %m cuts at the first dot, an address's too, as psql does.
            return shortName && session.Host.IndexOf('.') is var dot and >= 0 ? session.Host[..dot] : session.Host;
        }

        return shortName || session.Host.Length == 0 || session.Host.TrimEnd('/') == DefaultSocketDirectory ? "[local]" : $"[local:{session.Host}]";
    }

    /// <summary>%`command`: the command's standard output, its last newline removed.</summary>
    private static string CommandOutput(string command)
    {
        try
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output.EndsWith('\n') ? output[..^1] : output;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return "";
        }
    }
}
