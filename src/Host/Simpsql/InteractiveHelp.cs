namespace PgWire.Host.Simpsql;

/// <summary>What the word "help" typed at the interactive prompt prints.</summary>
internal sealed partial class SimpsqlSession
{
    internal const string HelpRequestText =
        "This is simpsql, PgWire's command-line client for PostgreSQL.\n" +
        "  \\?            list simpsql's backslash commands\n" +
        "  \\h [NAME]     list the SQL commands, or link to the documentation of NAME\n" +
        "  ; or \\g       end a statement and run it\n" +
        "  \\q            leave simpsql (Ctrl+D does too)\n";

    internal const string HelpInsideQueryText = "Type \\? for help, or Ctrl+C to discard the statement typed so far.\n";

    /// <summary>
    /// True for a line that is the word "help" alone: at the start of the line, in any case, followed only
    /// by blanks and at most one semicolon (so an indented or longer "help ..." is left to the server).
    /// </summary>
    internal static bool IsHelpRequest(string line)
    {
        if (line.Length < 4 || !line.StartsWith("help", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        int i = 4;
        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        if (i < line.Length && line[i] == ';')
        {
            i++;
        }

        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        return i == line.Length;
    }
}
