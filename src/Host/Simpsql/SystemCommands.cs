using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Auth;

namespace PgWire.Host.Simpsql;

/// <summary>
/// psql 15's \w, \prompt, \password, \!, \cd, \s, \copyright, \restrict and \unrestrict.
/// </summary>
internal sealed partial class SimpsqlSession
{
    private string? _restrictKey;
    private TerminalLineReader? _historyReader;

    /// <summary>Asks the user for lines (\prompt) and passwords (\password), even when -w forbids connection prompts.</summary>
    internal PasswordPrompter? TypedInput { get; set; }

    /// <summary>
    /// True when simpsql runs as its own process: shell commands (\!) then share its standard streams (and its
    /// terminal); otherwise their output is copied into simpsql's streams.
    /// </summary>
    internal bool InheritStreams { get; set; }

    /// <summary>In restricted mode (\restrict) only \unrestrict runs; null when there is none.</summary>
    private string? RestrictedRefusal(string cmd) =>
        _restrictKey is not null && cmd != "unrestrict" ? "backslash commands are restricted; only \\unrestrict is allowed" : null;

    private MetaOutcome RestrictCommand(string cmd, QueryScanner scanner)
    {
        string? key = scanner.ReadArgument();
        if (string.IsNullOrEmpty(key))
        {
            LogError($"\\{cmd}: missing required argument", false);
            return MetaOutcome.Error;
        }

        if (cmd == "restrict")
        {
            _restrictKey = key;
            return MetaOutcome.Ok;
        }

        if (_restrictKey is null)
        {
            LogError($"\\{cmd}: not currently in restricted mode", false);
            return MetaOutcome.Error;
        }

        if (!string.Equals(key, _restrictKey, StringComparison.Ordinal))
        {
            LogError($"\\{cmd}: wrong key", false);
            return MetaOutcome.Error;
        }

        _restrictKey = null;
        return MetaOutcome.Ok;
    }

    /// <summary>\w FILE or \w |COMMAND: the query buffer (or, when it is empty, the last query) and a newline.</summary>
    private MetaOutcome WriteBufferCommand(string cmd, QueryScanner scanner, StringBuilder buffer)
    {
        string? target = scanner.ReadFilePipeArgument(true);
        if (target is null)
        {
            LogError($"\\{cmd}: missing required argument", false);
            return MetaOutcome.Error;
        }

        target = ExpandTilde(target);
        string text = buffer.Length > 0 ? buffer.ToString() + "\n" : PreviousBuffer.Length > 0 ? PreviousBuffer + "\n" : "";
        FlushAll();
        bool failed = false;
        using (var output = new QueryOutputTarget(target, InheritStreams ? null : _stdout, message =>
        {
            LogError(target.StartsWith('|') ? $"{target}: {message}" : message, false);
            failed = true;
        }, Codec.WriterEncoding, _environmentOverrides))
        {
            if (!output.Open())
            {
                return MetaOutcome.Error;
            }

            try
            {
                output.Text!.Write(text);
                output.Text.Flush();
            }
            catch (IOException)
            {
                // a command that does not read its input
            }
        }

        return failed ? MetaOutcome.Error : MetaOutcome.Ok;
    }

    /// <summary>
    /// \prompt [TEXT] NAME: a line typed by the user into a variable. In a script file (-f, \i) the line comes from
    /// standard input and TEXT goes to standard output, as psql does; otherwise from the terminal.
    /// </summary>
    private MetaOutcome PromptCommand(string cmd, QueryScanner scanner)
    {
        string? first = scanner.ReadArgument();
        string? second = scanner.ReadArgument();
        if (first is null)
        {
            LogError($"\\{cmd}: missing required argument", false);
            return MetaOutcome.Error;
        }

        string? text = second is null ? null : first;
        string name = second ?? first;
        string? value;
        if (_currentFile is null)
        {
            FlushAll();
            if (_historyReader is { } editor)
            {
                // The line editor has the terminal: it reads the answer, keys typed ahead included.
                string? typed = editor.Ask(text ?? "");
                value = typed is null ? null : Codec.FromCharacterLine(typed);
            }
            else
            {
                value = TypedInput is { } input ? input.AskWithEcho(text) : "";
            }

            if (value is null)
            {
                return MetaOutcome.Error;
            }
        }
        else
        {
            if (text is not null)
            {
                _stdoutText.Write(text);
                FlushAll();
            }

            value = TypedInput?.ReadStdinLine();
            if (value is null)
            {
                LogError($"\\{cmd}: could not read value for variable", false);
                return MetaOutcome.Error;
            }
        }

        return SetVariable(name, value) ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    /// <summary>
    /// \password [USER]: asks twice for the new password without echo, encrypts it here as libpq's
    /// PQencryptPasswordConn does (the server's password_encryption picks SCRAM-SHA-256 or MD5), and sends
    /// ALTER USER with the result, so the password itself never reaches the server or its logs.
    /// </summary>
    private async Task<MetaOutcome> PasswordCommandAsync(QueryScanner scanner)
    {
        string? argument = scanner.ReadArgument();
        string user;
        if (argument is null)
        {
            var current = await QueryDefinitionAsync("SELECT CURRENT_USER", Cancellation).ConfigureAwait(false);
            if (current is null || current.Rows.Count != 1)
            {
                return MetaOutcome.Error;
            }

            user = current.Rows[0][0] ?? "";
        }
        else
        {
            user = SqlIdentifierArgument(argument);
        }

        var prompter = TypedInput;
        FlushAll();
        string? first = prompter?.Ask($"Enter new password for user \"{user}\": ");
        string? second = first is null ? null : prompter!.Ask("Enter it again: ");
        if (first is null || second is null)
        {
            // Ctrl+C: psql fails without a word.
            return MetaOutcome.Error;
        }

        if (!string.Equals(first, second, StringComparison.Ordinal))
        {
            LogError("Passwords didn't match.", false);
            return MetaOutcome.Error;
        }

        var setting = await QueryDefinitionAsync("show password_encryption", Cancellation, hidden: false).ConfigureAwait(false);
        if (setting is null || setting.Rows.Count != 1)
        {
            return MetaOutcome.Error;
        }

        string algorithm = setting.Rows[0][0] ?? "";
        string secret;
        switch (algorithm)
        {
            case "scram-sha-256":
                secret = ScramSecret(first);
                break;
            case "md5":
            case "on":
                secret = "md5" + Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(first + user)));
                break;
            default:
                LogError($"unrecognized password encryption algorithm \"{algorithm}\"", true);
                return MetaOutcome.Error;
        }

        string sql = $"ALTER USER {FormatIdentifier(user)} PASSWORD {QueryScanner.QuoteLiteral(secret)}";
        var observer = new TextRowsObserver(Codec.Decoding);
        await OrConnectionLostAsync(Client.ExecuteAsync(sql, observer, Cancellation)).ConfigureAwait(false);

        if (observer.Error is { } error)
        {
            ReportServerMessage(error, sql, true);
            return MetaOutcome.Error;
        }

        return MetaOutcome.Ok;
    }

    /// <summary>
    /// A SCRAM-SHA-256 secret as PostgreSQL stores it: "SCRAM-SHA-256$4096:salt$StoredKey:ServerKey", with a
    /// random 16-byte salt and the password SASLprep'd (left as it is when SASLprep refuses it, as libpq does).
    /// </summary>
    internal static string ScramSecret(string password, byte[]? salt = null, int iterations = 4096)
    {
        salt ??= RandomNumberGenerator.GetBytes(16);
        byte[] prepared = Encoding.UTF8.GetBytes(SaslPrep.Prepare(password));
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(prepared, salt, iterations, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        byte[] clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return string.Create(CultureInfo.InvariantCulture, $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}");
    }

    /// <summary>psql's OT_SQLID argument: unquoted letters folded to lower case, double quotes removed ("" is a quote).</summary>
    internal static string SqlIdentifierArgument(string argument)
    {
        var sb = new StringBuilder(argument.Length);
        bool quoted = false;
        for (int i = 0; i < argument.Length; i++)
        {
            char c = argument[i];
            if (c == '"')
            {
                if (quoted && i + 1 < argument.Length && argument[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else
            {
                sb.Append(quoted ? c : char.ToLowerInvariant(c));
            }
        }

        return sb.ToString();
    }

    /// <summary>An identifier as psql's fmtId writes it: bare when lower case letters, digits and underscores (not first a digit), else quoted.</summary>
    private static string FormatIdentifier(string name)
    {
        bool plain = name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            && !SqlKeywords.Contains(name);
        return plain ? name : QueryScanner.QuoteIdentifier(name);
    }

    /// <summary>Reserved and other keywords fmtId quotes (PostgreSQL's non-unreserved keywords most likely as role names).</summary>
    private static readonly HashSet<string> SqlKeywords = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between", "bigint",
        "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce", "collate", "collation",
        "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
        "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable",
        "desc", "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float", "for", "foreign",
        "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner",
        "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "lateral", "leading", "least",
        "left", "like", "limit", "localtime", "localtimestamp", "national", "natural", "nchar", "none", "normalize", "not",
        "notnull", "null", "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay",
        "placing", "position", "precision", "primary", "real", "references", "returning", "right", "row", "select",
        "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric", "system_user", "table", "tablesample",
        "then", "time", "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values",
        "varchar", "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement",
        "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
    };

    /// <summary>
    /// A `backquoted` meta-command argument: the command run by /bin/sh, its standard output with one trailing
    /// newline removed, as psql reads it (what the shell says on standard error goes there; a command that fails
    /// gives what it printed).
    /// </summary>
    private string BackquoteOutput(string command)
    {
        FlushAll();
        Err.Flush();
        // "sh" as the program name, as popen gives it: the shell names itself so in its messages.
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Codec.Encoding.IsUtf8 ? command : Encoding.UTF8.GetString(Codec.ToBytes(command)));
        OutputPager.ApplyEnvironment(start, _environmentOverrides);
        if (!InheritStreams)
        {
            start.RedirectStandardError = true;
            start.RedirectStandardInput = true;
        }

        byte[] output;
        try
        {
            using var process = Process.Start(start)!;
            Task<string>? errors = null;
            if (!InheritStreams)
            {
                process.StandardInput.Close();
                errors = process.StandardError.ReadToEndAsync();
            }

            using var collected = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(collected);
            process.WaitForExit();
            if (errors is not null)
            {
                Err.Write(errors.GetAwaiter().GetResult());
                Err.Flush();
            }

            output = collected.ToArray();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            LogError($"{command}: {ex.Message}", false);
            return "";
        }

        int length = output.Length > 0 && output[^1] == (byte)'\n' ? output.Length - 1 : output.Length;
        return Codec.FromBytes(output.AsSpan(0, length));
    }

    /// <summary>\! [COMMAND]: the command through /bin/sh, or without one an interactive shell ($SHELL, else /bin/sh).</summary>
    private MetaOutcome ShellCommand(QueryScanner scanner)
    {
        string line = scanner.ReadRestOfLine().TrimStart();
        string command = line.Length > 0 ? line : "exec " + (_env.GetVariable("SHELL") ?? "/bin/sh");
        FlushAll();
        Err.Flush();
        // "sh" as the program name, as system() gives it: the shell names itself so in its messages.
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        OutputPager.ApplyEnvironment(start, _environmentOverrides);
        if (!InheritStreams)
        {
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.RedirectStandardInput = true;
        }

        Console.CancelKeyPress += KeepWaiting;
        try
        {
            using var process = Process.Start(start)!;
            if (!InheritStreams)
            {
                process.StandardInput.Close();
                var output = new MemoryStream();
                var pump = process.StandardOutput.BaseStream.CopyToAsync(output);
                string errors = process.StandardError.ReadToEnd();
                pump.GetAwaiter().GetResult();
                process.WaitForExit();
                output.Position = 0;
                output.CopyTo(_stdout);
                _stdout.Flush();
                Err.Write(errors);
                Err.Flush();
            }
            else
            {
                process.WaitForExit();
            }

            return MetaOutcome.Ok;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            LogError("\\!: failed", false);
            return MetaOutcome.Error;
        }
        finally
        {
            Console.CancelKeyPress -= KeepWaiting;
        }
    }

    /// <summary>\cd [DIR]: changes simpsql's working directory (to $HOME without an argument).</summary>
    private MetaOutcome ChangeDirectoryCommand(string cmd, QueryScanner scanner)
    {
        string? dir = scanner.ReadArgument();
        if (dir is null)
        {
            dir = _env.GetVariable("HOME");
            if (string.IsNullOrEmpty(dir))
            {
                dir = _env.HomeDirectory;
            }

            if (string.IsNullOrEmpty(dir))
            {
                LogError($"could not get home directory for user ID {EffectiveUserId()}: user does not exist", false);
                return MetaOutcome.Error;
            }
        }

        try
        {
            Directory.SetCurrentDirectory(dir);
            return MetaOutcome.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            string reason = ex is UnauthorizedAccessException ? "Permission denied"
                : File.Exists(dir) ? "Not a directory"
                : ex is DirectoryNotFoundException or FileNotFoundException or ArgumentException ? "No such file or directory"
                : ex.Message;
            LogError($"\\{cmd}: could not change directory to \"{dir}\": {reason}", false);
            return MetaOutcome.Error;
        }
    }

    /// <summary>
    /// \s [FILE]: the lines typed this session and before (the line editor's history), on standard output or
    /// into FILE. As psql, there is no history when simpsql does not read a terminal: the command fails quietly.
    /// </summary>
    private MetaOutcome HistoryCommand(QueryScanner scanner)
    {
        string? file = scanner.ReadArgument();
        if (file is not null)
        {
            file = ExpandTilde(file);
        }

        bool ok = WriteHistory(file);
        if (ok && !Quiet && file is not null)
        {
            OutText.Write($"Wrote history to file \"{file}\".\n");
        }

        if (file is null)
        {
            OutText.Write('\n');
        }

        return ok ? MetaOutcome.Ok : MetaOutcome.Error;
    }

    private bool WriteHistory(string? file)
    {
        if (_historyReader is null)
        {
            return false;
        }

        var text = new StringBuilder();
        foreach (string entry in _historyReader.History)
        {
            text.Append(entry).Append('\n');
        }

        if (file is null)
        {
            // The entries are the terminal's characters: written as their UTF-8 bytes, as psql writes the bytes typed.
            WritePaged(Codec.FromCharacterLine(text.ToString()), int.MaxValue, _stdoutText);
            return true;
        }

        try
        {
            File.WriteAllText(file, text.ToString());
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = Directory.Exists(file) ? "Is a directory"
                : ex is DirectoryNotFoundException ? "No such file or directory"
                : ex is UnauthorizedAccessException ? "Permission denied"
                : ex.Message;
            LogError($"could not save history to file \"{file}\": {reason}", false);
            return false;
        }
    }

    private static long EffectiveUserId()
    {
        try
        {
            return OperatingSystem.IsWindows() ? -1 : GetEffectiveUserId();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    private void CopyrightCommand() => _stdoutText.Write(CopyrightText);

    private const string CopyrightText =
        "PostgreSQL Database Management System\n" +
        "(also known as Postgres, formerly known as Postgres95)\n" +
        "\n" +
        "Portions Copyright (c) 1996-2022, PostgreSQL Global Development Group\n" +
        "\n" +
        "Portions Copyright (c) 1994, The Regents of the University of California\n" +
        "\n" +
        "Permission to use, copy, modify, and distribute this software and its\n" +
        "documentation for any purpose, without fee, and without a written agreement\n" +
        "is hereby granted, provided that the above copyright notice and this\n" +
        "paragraph and the following two paragraphs appear in all copies.\n" +
        "\n" +
        "IN NO EVENT SHALL THE UNIVERSITY OF CALIFORNIA BE LIABLE TO ANY PARTY FOR\n" +
        "DIRECT, INDIRECT, SPECIAL, INCIDENTAL, OR CONSEQUENTIAL DAMAGES, INCLUDING\n" +
        "LOST PROFITS, ARISING OUT OF THE USE OF THIS SOFTWARE AND ITS\n" +
        "DOCUMENTATION, EVEN IF THE UNIVERSITY OF CALIFORNIA HAS BEEN ADVISED OF THE\n" +
        "POSSIBILITY OF SUCH DAMAGE.\n" +
        "\n" +
        "THE UNIVERSITY OF CALIFORNIA SPECIFICALLY DISCLAIMS ANY WARRANTIES,\n" +
        "INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY\n" +
        "AND FITNESS FOR A PARTICULAR PURPOSE.  THE SOFTWARE PROVIDED HEREUNDER IS\n" +
        "ON AN \"AS IS\" BASIS, AND THE UNIVERSITY OF CALIFORNIA HAS NO OBLIGATIONS TO\n" +
        "PROVIDE MAINTENANCE, SUPPORT, UPDATES, ENHANCEMENTS, OR MODIFICATIONS.\n" +
        "\n";
}
