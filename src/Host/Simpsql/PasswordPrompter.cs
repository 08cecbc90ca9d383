using System.Text;
using PgWire.Host.Terminal;

namespace PgWire.Host.Simpsql;

/// <summary>
/// Asks the user for a password as psql does: on the terminal without echo when the process has one, otherwise
/// by writing the prompt to standard error and reading one line of standard input.
/// </summary>
internal sealed class PasswordPrompter
{
    private readonly SimpsqlConsole _console;

    public PasswordPrompter(SimpsqlConsole console)
    {
        _console = console;
    }

    /// <summary>psql's prompt: it names the user when the user is known.</summary>
    public static string PromptFor(string? user) => string.IsNullOrEmpty(user) ? "Password: " : $"Password for user {user}: ";

    /// <summary>The line typed (possibly empty), or null when the user pressed Ctrl+C.</summary>
    public string? Ask(string prompt)
    {
        if (_console.PasswordPrompt is { } terminal)
        {
            var (result, password) = terminal(prompt);
            if (result == PasswordPromptResult.Entered)
            {
                return password;
            }

            if (result == PasswordPromptResult.Canceled)
            {
                return null;
            }
        }

        _console.Stderr.Write(prompt);
        _console.Stderr.Flush();
        string line = _console.Stdin.ReadLine() ?? "";
        _console.Stderr.Write("\n");

        // A password is UTF-8 whatever the client encoding (SCRAM prepares it as UTF-8).
        return _console.StdinBytes ? Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(line)) : line;
    }

    /// <summary>
    /// \prompt's question: on the terminal with echo when there is one, else the prompt on standard error and a
    /// line of standard input; null when the user pressed Ctrl+C, "" at end of input.
    /// </summary>
    public string? AskWithEcho(string? prompt)
    {
        if (_console.LinePrompt is { } terminal)
        {
            var (result, line) = terminal(prompt ?? "");
            if (result == PasswordPromptResult.Entered)
            {
                return _console.Codec.FromCharacterLine(line);
            }

            if (result == PasswordPromptResult.Canceled)
            {
                return null;
            }
        }

        if (prompt is not null)
        {
            _console.Stderr.Write(prompt);
            _console.Stderr.Flush();
        }

        return InputLine(_console.Stdin.ReadLine()) ?? "";
    }

    /// <summary>A line of standard input for \prompt in a script file, null at its end.</summary>
    public string? ReadStdinLine() => InputLine(_console.Stdin.ReadLine());

    /// <summary>
    /// At most <paramref name="count"/> characters of standard input, fewer when a newline (kept)
    /// comes first, as C's fgets takes them: the rest of the line stays to be read. Null at its end.
    /// </summary>
    public string? ReadStdinChars(int count)
    {
        var text = new System.Text.StringBuilder();
        while (text.Length < count)
        {
            int c = _console.Stdin.Read();
            if (c < 0)
            {
                break;
            }

            text.Append((char)c);
            if (c == '\n')
            {
                break;
            }
        }

        return text.Length == 0 ? null : text.ToString();
    }

    /// <summary>A line of standard input as text of the client encoding (its bytes, as psql takes them).</summary>
    private string? InputLine(string? line) =>
        line is null ? null : _console.StdinBytes ? _console.Codec.FromByteLine(line) : _console.Codec.FromCharacterLine(line);
}
