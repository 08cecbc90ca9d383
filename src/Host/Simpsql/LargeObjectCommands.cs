using System.Globalization;
using System.Text;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Protocol.Messages;

namespace PgWire.Host.Simpsql;

/// <summary>
/// \lo_import, \lo_export and \lo_unlink as psql 15 has them (\lo_list is \dl, with the listings):
/// the file is read or written here, on the client, and the large object made, read or removed on
/// the server, inside the open transaction or, outside one, in a transaction of its own, so that a
/// failure (of the comment, say) leaves nothing behind. "lo_import OID" and the like are printed
/// unless QUIET; \lo_import sets LASTOID.
/// </summary>
internal sealed partial class SimpsqlSession
{
    private async Task<MetaOutcome> LargeObjectCommandAsync(string cmd, QueryScanner scanner)
    {
        string? first = scanner.ReadArgument();
        string? second = cmd == "lo_unlink" ? null : scanner.ReadArgument();
        scanner.SkipArguments();
        if (first is null || (cmd == "lo_export" && second is null))
        {
            LogError($"\\{cmd}: missing required argument", false);
            return MetaOutcome.Error;
        }

        string operation = "\\" + cmd;
        if (Client.TransactionStatus == TransactionStatus.Failed)
        {
            LogError($"{operation}: current transaction is aborted", false);
            return MetaOutcome.Error;
        }

        // psql opens its own transaction unless one is open (or AUTOCOMMIT is off, which opens one).
        bool own = Client.TransactionStatus == TransactionStatus.Idle;
        if (own && !await LargeObjectSqlAsync("BEGIN", []).ConfigureAwait(false))
        {
            return MetaOutcome.Error;
        }

        string? result = cmd switch
        {
            "lo_import" => await ImportAsync(first, second).ConfigureAwait(false),
            "lo_export" => await ExportAsync(first, second!).ConfigureAwait(false),
            _ => await UnlinkAsync(first).ConfigureAwait(false),
        };
        if (result is null)
        {
            if (own)
            {
                await LargeObjectSqlAsync("ROLLBACK", []).ConfigureAwait(false);
            }

            return MetaOutcome.Error;
        }

        if (own && !await LargeObjectSqlAsync("COMMIT", []).ConfigureAwait(false))
        {
            return MetaOutcome.Error;
        }

        if (!Quiet)
        {
            OutText.Write(Print.Format == OutputFormat.Html ? "<p>" + result + "</p>\n" : result + "\n");
        }

        LogStatus(result);

        return MetaOutcome.Ok;
    }

    private async Task<string?> ImportAsync(string file, string? comment)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(file, Cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogError($"could not open file \"{file}\": {OsReason(ex)}", true);
            return null;
        }

        var rows = await LargeObjectQueryAsync("SELECT pg_catalog.lo_from_bytea(0, $1::bytea)", ["\\x" + Convert.ToHexStringLower(content)]).ConfigureAwait(false);
        if (rows is null)
        {
            return null;
        }

        string oid = rows[0][0]!;
        if (comment is not null && !await LargeObjectSqlAsync($"COMMENT ON LARGE OBJECT {oid} IS {QuoteLiteral(comment)}", []).ConfigureAwait(false))
        {
            return null;
        }

        SetVariable("LASTOID", oid);
        return "lo_import " + oid;
    }

    private async Task<string?> ExportAsync(string oid, string file)
    {
        var rows = await LargeObjectQueryAsync("SELECT pg_catalog.lo_get($1::pg_catalog.oid)", [ParseOid(oid)]).ConfigureAwait(false);
        if (rows is null)
        {
            return null;
        }

        try
        {
            await File.WriteAllBytesAsync(file, Convert.FromHexString(rows[0][0]!.AsSpan(2)), Cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogError($"could not open file \"{file}\": {OsReason(ex)}", true);
            return null;
        }

        return "lo_export";
    }

    private async Task<string?> UnlinkAsync(string oid)
    {
        string number = ParseOid(oid);
        return await LargeObjectQueryAsync("SELECT pg_catalog.lo_unlink($1::pg_catalog.oid)", [number]).ConfigureAwait(false) is null ? null : "lo_unlink " + number;
    }

    /// <summary>An OID as psql's atooid reads it: the leading digits, 0 when there are none.</summary>
    private static string ParseOid(string text)
    {
        int end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return end == 0 ? "0" : uint.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out uint value) ? value.ToString(CultureInfo.InvariantCulture) : "4294967295";
    }

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The reason of a file error as strerror words it ("No such file or directory").</summary>
    private static string OsReason(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => ex.Message,
    };

    private async Task<bool> LargeObjectSqlAsync(string sql, IReadOnlyList<string?> parameters) =>
        await LargeObjectQueryAsync(sql, parameters).ConfigureAwait(false) is not null;

    /// <summary>Runs a statement; a server error is printed as libpq words it ("ERROR:  ...") and gives null.</summary>
    private async Task<List<string?[]>?> LargeObjectQueryAsync(string sql, IReadOnlyList<string?> parameters)
    {
        var collector = new TextRowsObserver(Codec.Decoding);
        if (parameters.Count == 0)
        {
            await Client.ExecuteAsync(sql, collector, Cancellation).ConfigureAwait(false);
        }
        else
        {
            await Client.ExecuteExtendedAsync(sql, parameters, collector, Cancellation).ConfigureAwait(false);
        }

        if (collector.Error is { } error)
        {
            LogError($"{error.Severity}:  {error.Message}", true);
            return null;
        }

        return collector.Rows;
    }
}
