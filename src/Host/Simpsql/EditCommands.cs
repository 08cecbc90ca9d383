using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PgWire.Host.Simpsql;

/// <summary>
/// \e, \ef and \ev: the query buffer, a file, or a function's or view's definition edited in an external editor,
/// as psql does it. What comes back replaces the query buffer and is read again as input (<see cref="MetaOutcome.NewEdit"/>):
/// statements ending in a semicolon run, the rest stays in the buffer.
/// </summary>
internal sealed partial class SimpsqlSession
{
    private const string FunctionTemplate =
        "CREATE FUNCTION ( )\n" +
        " RETURNS \n" +
        " LANGUAGE \n" +
        " -- common options:  IMMUTABLE  STABLE  STRICT  SECURITY DEFINER\n" +
        "AS $function$\n" +
        "\n$function$\n";

    private const string ViewTemplate =
        "CREATE VIEW  AS\n" +
        " SELECT \n" +
        "  -- something...\n";

    /// <summary>Set for -c: a backslash command given there has no query buffer to edit.</summary>
    internal bool NoQueryBuffer { get; set; }

    /// <summary>\e [FILE] [LINE].</summary>
    private MetaOutcome EditCommand(QueryScanner scanner, StringBuilder buffer)
    {
        if (NoQueryBuffer)
        {
            LogError("no query buffer", false);
            return MetaOutcome.Error;
        }

        string? file = scanner.ReadArgument();
        string? lineArgument = null;
        if (file is not null)
        {
            lineArgument = scanner.ReadArgument();
            if (lineArgument is null && file.Length > 0 && file.All(char.IsAsciiDigit))
            {
                // one argument of digits only: a line number, not a file name
                lineArgument = file;
                file = null;
            }
        }

        int line = -1;
        if (lineArgument is not null)
        {
            line = Atoi(lineArgument);
            if (line < 1)
            {
                LogError($"invalid line number: {lineArgument}", false);
                return MetaOutcome.Error;
            }
        }

        bool discardUnchanged;
        if (file is not null)
        {
            file = ExpandTilde(file);

            // an edited file replaces the buffer; one left as it was empties it
            discardUnchanged = true;
        }
        else
        {
            // An empty buffer recalls the previous query, which is dropped again when it is not changed.
            discardUnchanged = buffer.Length == 0;
            if (discardUnchanged)
            {
                buffer.Append(_previousBuffer);
            }
        }

        return EditBuffer(file, buffer, line, discardUnchanged, out _) ? MetaOutcome.NewEdit : MetaOutcome.Error;
    }

    /// <summary>\ef [FUNCNAME [LINE]] and \ev [VIEWNAME [LINE]].</summary>
    private async Task<MetaOutcome> EditDefinitionCommandAsync(bool function, QueryScanner scanner, StringBuilder buffer)
    {
        string description = scanner.ReadRestOfLine().Trim();
        if (NoQueryBuffer)
        {
            LogError("no query buffer", false);
            return MetaOutcome.Error;
        }

        var outcome = MetaOutcome.Ok;
        var partial = new StringBuilder();
        int line = -1;
        if (description.Length > 0)
        {
            line = StripLineNumber(ref description);
        }

        if (line == 0)
        {
            outcome = MetaOutcome.Error;
        }
        else if (description.Length == 0)
        {
            buffer.Clear().Append(function ? FunctionTemplate : ViewTemplate);
        }
        else if (await DefinitionAsync(function, description, partial).ConfigureAwait(false) is { } definition)
        {
            buffer.Clear().Append(definition);
            if (buffer.Length > 0 && buffer[^1] != '\n')
            {
                buffer.Append('\n');
            }

            if (function && line > 0)
            {
                // Line 1 is the body's first line, the one pg_get_functiondef starts with "AS ", "BEGIN " or "RETURN ".
                line += LinesBeforeBody(definition);
            }
        }
        else
        {
            // psql 15 keeps the buffer after an error here, but for a relation that is not a view it has already
            // put the definition's text there, without its first words.
            if (partial.Length > 0)
            {
                buffer.Clear().Append(partial);
                if (buffer[^1] != '\n')
                {
                    buffer.Append('\n');
                }
            }

            outcome = MetaOutcome.Error;
        }

        if (outcome != MetaOutcome.Error)
        {
            if (!EditBuffer(null, buffer, line, true, out bool edited))
            {
                outcome = MetaOutcome.Error;
            }
            else if (!edited)
            {
                _stdoutText.Write("No changes\n");
            }
            else
            {
                outcome = MetaOutcome.NewEdit;
            }
        }

        return outcome;
    }

    /// <summary>
    /// psql's do_edit: writes the buffer to a temporary file (unless <paramref name="file"/> is given), runs the
    /// editor on it and, when the file's size or modification time changed, reads it back into the buffer; when it
    /// did not, <paramref name="discardUnchanged"/> empties the buffer. False after an error (reported, except an
    /// editor that exits with a non-zero status).
    /// </summary>
    private bool EditBuffer(string? file, StringBuilder buffer, int line, bool discardUnchanged, out bool edited)
    {
        edited = false;
        bool error = false;
        string path;
        if (file is not null)
        {
            path = file;
        }
        else
        {
            string directory = _env.GetVariable("TMPDIR") ?? "/tmp";
            path = directory + "/" + ProgramName + ".edit." + System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".sql";
            if (buffer.Length > 0 && buffer[^1] != '\n')
            {
                buffer.Append('\n');
            }

            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }

                    byte[] bytes = Codec.ToBytes(buffer.ToString());
                    stream.Write(bytes);
                }

                // A little in the past, so that an edit within the same second still changes the time.
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-2));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogError($"could not open temporary file \"{path}\": {FileErrorText(ex, path)}", false);
                return false;
            }
        }

        (long Size, long Time) before = default;
        try
        {
            before = FileStamp(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogError($"{path}: {FileErrorText(ex, path)}", false);
            error = true;
        }

        if (!error)
        {
            error = !RunEditor(path, line);
        }

        (long Size, long Time) after = default;
        if (!error)
        {
            try
            {
                after = FileStamp(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogError($"{path}: {FileErrorText(ex, path)}", false);
                error = true;
            }
        }

        if (!error && after != before)
        {
            try
            {
                string text = Codec.FromBytes(File.ReadAllBytes(path));
                buffer.Clear().Append(text);
                edited = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogError($"{path}: {FileErrorText(ex, path)}", false);
                buffer.Clear();
                error = true;
            }
        }
        else if (discardUnchanged)
        {
            buffer.Clear();
        }

        if (file is null)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogError($"{path}: {FileErrorText(ex, path)}", false);
                error = true;
            }
        }

        return !error;
    }

    /// <summary>A file's size and modification time in whole seconds, which is what psql compares.</summary>
    private static (long Size, long Time) FileStamp(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw Directory.Exists(path) ? new IOException("Is a directory") : new FileNotFoundException(null, path);
        }

        return (info.Length, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds());
    }

    /// <summary>
    /// Runs PSQL_EDITOR, else EDITOR, else VISUAL, else the default editor on <paramref name="path"/> through the
    /// shell, on the terminal, and waits for it; a line number goes before the file as
    /// PSQL_EDITOR_LINENUMBER_ARG (default "+") and the number. True when the editor exits with status 0.
    /// </summary>
    private bool RunEditor(string path, int line)
    {
        string editor = _env.GetVariable("PSQL_EDITOR") ?? _env.GetVariable("EDITOR") ?? _env.GetVariable("VISUAL")
            ?? (OutputPager.FindOnPath("sensible-editor", _env.GetVariable("PATH")) ? "sensible-editor" : "vi");
        string command = line > 0
            ? $"exec {editor} {_env.GetVariable("PSQL_EDITOR_LINENUMBER_ARG") ?? "+"}{line.ToString(CultureInfo.InvariantCulture)} '{path}'"
            : $"exec {editor} '{path}'";
        FlushAll();
        Err.Flush();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        OutputPager.ApplyEnvironment(start, _environmentOverrides);
        Console.CancelKeyPress += KeepWaiting;
        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            LogError($"could not start editor \"{editor}\"", false);
            return false;
        }
        finally
        {
            Console.CancelKeyPress -= KeepWaiting;
        }
    }

    /// <summary>Ctrl+C while the editor runs belongs to the editor.</summary>
    private static void KeepWaiting(object? sender, ConsoleCancelEventArgs e) => e.Cancel = true;

    /// <summary>
    /// psql's strip_lineno_from_objdesc: a trailing number separated from the name by white space or ")" is a line
    /// number, removed from <paramref name="description"/>. -1 when there is none, 0 (reported) when it is below 1.
    /// </summary>
    private int StripLineNumber(ref string description)
    {
        int end = description.Length - 1;
        while (end > 0 && char.IsAscii(description[end]) && char.IsWhiteSpace(description[end]))
        {
            end--;
        }

        if (end == 0 || !char.IsAsciiDigit(description[end]))
        {
            return -1;
        }

        int start = end;
        while (start > 0 && char.IsAsciiDigit(description[start]))
        {
            start--;
        }

        if (start == 0 || !(char.IsWhiteSpace(description[start]) || description[start] == ')'))
        {
            return -1;
        }

        string digits = description[(start + 1)..];
        int line = Atoi(digits);
        if (line < 1)
        {
            LogError($"invalid line number: {digits}", false);
            return 0;
        }

        description = description[..(start + 1)].TrimEnd();
        return line;
    }

    /// <summary>The lines of a function definition before the one its body starts on.</summary>
    private static int LinesBeforeBody(string definition)
    {
        int lines = 0;
        int at = 0;
        while (at < definition.Length)
        {
            ReadOnlySpan<char> rest = definition.AsSpan(at);
            if (rest.StartsWith("AS ", StringComparison.Ordinal) || rest.StartsWith("BEGIN ", StringComparison.Ordinal)
                || rest.StartsWith("RETURN ", StringComparison.Ordinal))
            {
                break;
            }

            lines++;
            int end = definition.IndexOf('\n', at);
            if (end < 0)
            {
                break;
            }

            at = end + 1;
        }

        return lines;
    }

    /// <summary>C's atoi: optional white space and sign, then digits; 0 when there are none.</summary>
    private static int Atoi(string text)
    {
        int i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        bool negative = false;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        long value = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]) && value <= int.MaxValue)
        {
            value = (value * 10) + (text[i] - '0');
            i++;
        }

        value = Math.Min(value, int.MaxValue);
        return (int)(negative ? -value : value);
    }

    internal string ExpandTilde(string path)
    {
        // As psql's expand_tilde: "~" and "~/..." are the home directory, "~user/..." that user's
        // (from the password file); a user that is not found leaves the name as written.
        if (!path.StartsWith('~'))
        {
            return path;
        }

        int slash = path.IndexOf('/');
        string user = slash < 0 ? path[1..] : path[1..slash];
        string? home = user.Length == 0 ? _env.GetVariable("HOME") ?? _env.HomeDirectory : PasswordFileHome(user);
        return string.IsNullOrEmpty(home) ? path : home + (slash < 0 ? "" : path[slash..]);
    }

    /// <summary>The home directory /etc/passwd gives <paramref name="user"/>; null when it names no such user.</summary>
    private static string? PasswordFileHome(string user)
    {
        try
        {
            foreach (string line in File.ReadLines("/etc/passwd"))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 6 && fields[0] == user)
                {
                    return fields[5];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static string FileErrorText(Exception ex, string path) =>
        ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
        : ex is UnauthorizedAccessException ? "Permission denied"
        : File.Exists(path) && ex is IOException && ex.Message.Contains("exists", StringComparison.OrdinalIgnoreCase) ? "File exists"
        : ex.Message;
}
