using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PgWire.Actors.Replication;

/// <summary>
/// Turns the pipeline's JSON lines into RFC 4180 CSV records (CRLF line ends): columns
/// <c>op,lsn,</c> followed by the table's columns in table order, values in PostgreSQL text
/// format. A NULL is an empty unquoted field and an empty string is <c>""</c>; a field is quoted
/// when it is empty or holds a comma, a double quote, CR or LF, and quotes inside are doubled.
/// </summary>
/// <remarks>
/// Insert ("c") and snapshot ("r") records carry the new row; an update ("u") carries the new row
/// with columns whose TOASTed value did not change left empty; a delete ("d") carries the old key
/// (the whole old row under REPLICA IDENTITY FULL) and leaves the other columns empty; a truncate
/// ("t") leaves every column empty. An update that changes the key is written as a "d" record for
/// the old key followed by a "c" record for the new row, both with the transaction's lsn, so a
/// reader can apply records by key. A column added to the table after the header was written
/// stops the stream with an error (<see cref="LreplException"/>) rather than being left out.
/// </remarks>
public sealed class CsvLineEncoder
{
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    private readonly string[] _columns;
    private readonly Dictionary<string, int> _index;
    private readonly byte[]?[] _values;
    private readonly bool[] _present;

    public CsvLineEncoder(IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _columns.Length; i++)
        {
            _index[_columns[i]] = i;
        }

        _values = new byte[_columns.Length][];
        _present = new bool[_columns.Length];
    }

    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The header line: op,lsn, then the column names.</summary>
    public void WriteHeader(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteField(output, "op"u8, false);
        output.Write(","u8);
        WriteField(output, "lsn"u8, false);
        foreach (var column in _columns)
        {
            output.Write(","u8);
            WriteField(output, Encoding.UTF8.GetBytes(column), false);
        }

        output.Write(LineEnd);
    }

    /// <summary>Parses the header written by <see cref="WriteHeader"/> at the start of <paramref name="text"/> and returns the table's columns.</summary>
    public static IReadOnlyList<string> ParseHeader(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = ReadRecords(text);
        var fields = records.Count > 0 ? records[0] : [];
        if (fields.Count < 2 || fields[0] != "op" || fields[1] != "lsn")
        {
            throw new FormatException("the file does not start with an lrepl CSV header (op,lsn,...)");
        }

        return [.. fields.Skip(2).Select(f => f ?? "")];
    }

    /// <summary>Converts complete JSON lines (as the encoders write them) to CSV records.</summary>
    public void Transcode(ReadOnlySpan<byte> jsonLines, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!jsonLines.IsEmpty)
        {
            var end = jsonLines.IndexOf((byte)'\n');
            var line = end < 0 ? jsonLines : jsonLines[..end];
            jsonLines = end < 0 ? default : jsonLines[(end + 1)..];
            if (!line.IsEmpty)
            {
                TranscodeLine(line, output);
            }
        }
    }

    private void TranscodeLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(line);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var op = root.GetProperty("op").GetString()!;
        var lsn = Encoding.UTF8.GetBytes(root.GetProperty("lsn").GetString()!);
        var key = root.GetProperty("key");
        var before = root.GetProperty("before");
        var after = root.GetProperty("after");
        switch (op)
        {
            case "d":
                WriteRecord(output, "d"u8, lsn, before.ValueKind == JsonValueKind.Object ? before : key);
                break;
            case "t":
                WriteRecord(output, "t"u8, lsn, default);
                break;
            case "u" when KeyChanged(key, after):
                WriteRecord(output, "d"u8, lsn, before.ValueKind == JsonValueKind.Object ? before : key);
                WriteRecord(output, "c"u8, lsn, after);
                break;
            default:
                WriteRecord(output, Encoding.UTF8.GetBytes(op), lsn, after);
                break;
        }
    }

    private static bool KeyChanged(JsonElement key, JsonElement after)
    {
        if (key.ValueKind != JsonValueKind.Object || after.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var property in key.EnumerateObject())
        {
            if (!after.TryGetProperty(property.Name, out var value) || value.GetRawText() != property.Value.GetRawText())
            {
                return true;
            }
        }

        return false;
    }

    private void WriteRecord(IBufferWriter<byte> output, ReadOnlySpan<byte> op, ReadOnlySpan<byte> lsn, JsonElement row)
    {
        Array.Clear(_present);
        Array.Clear(_values);
        if (row.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in row.EnumerateObject())
            {
                if (!_index.TryGetValue(property.Name, out var i))
                {
                    // A column added to the table after the header was written: leaving it out
                    // would lose its values without a word.
                    throw new LreplException($"column \"{property.Name}\" is not in the header of this CSV file (it was added to the table after the file was started); a CSV file keeps its header: use --format jsonl, or move the data file and lrepl-state.db away to start a new file");
                }

                _present[i] = true;
                _values[i] = TextValue(property.Value);
            }
        }

        WriteField(output, op, false);
        output.Write(","u8);
        WriteField(output, lsn, false);
        for (var i = 0; i < _columns.Length; i++)
        {
            output.Write(","u8);
            if (_present[i] && _values[i] is { } value)
            {
                WriteField(output, value, true);
            }
        }

        output.Write(LineEnd);
    }

    /// <summary>The PostgreSQL text form of a value the JSON encoder wrote; null for SQL NULL.</summary>
    private static byte[]? TextValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => "t"u8.ToArray(),
        JsonValueKind.False => "f"u8.ToArray(),
        JsonValueKind.String => Encoding.UTF8.GetBytes(value.GetString()!),
        _ => Encoding.UTF8.GetBytes(value.GetRawText()),
    };

    /// <summary>Writes one field, quoted when it must be (or when empty and <paramref name="quoteEmpty"/>).</summary>
    public static void WriteField(IBufferWriter<byte> output, ReadOnlySpan<byte> value, bool quoteEmpty)
    {
        ArgumentNullException.ThrowIfNull(output);
        var needsQuotes = (value.IsEmpty && quoteEmpty) || value.IndexOfAny(",\"\r\n"u8) >= 0;
        if (!needsQuotes)
        {
            output.Write(value);
            return;
        }

        output.Write("\""u8);
        while (true)
        {
            var quote = value.IndexOf((byte)'"');
            if (quote < 0)
            {
                output.Write(value);
                break;
            }

            output.Write(value[..(quote + 1)]);
            output.Write("\""u8);
            value = value[(quote + 1)..];
        }

        output.Write("\""u8);
    }

    /// <summary>Splits one CSV record without its line end; an empty unquoted field is null, a quoted empty field is "".</summary>
    public static List<string?> SplitRecord(string record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var records = ReadRecords(record + "\r\n");
        return records.Count == 0 ? [null] : records[0];
    }

    /// <summary>Parses CSV text into records; quoted fields may hold commas, quotes, CR and LF.</summary>
    public static List<List<string?>> ReadRecords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<List<string?>>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && field.Length == 0 && !quoted)
            {
                quoted = true;
                i++;
                while (i < text.Length)
                {
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                continue;
            }

            if (c == ',')
            {
                fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
                field.Clear();
                quoted = false;
                i++;
                continue;
            }

            if (c is '\r' or '\n')
            {
                fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
                records.Add(fields);
                fields = [];
                field.Clear();
                quoted = false;
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                continue;
            }

            field.Append(c);
            i++;
        }

        if (field.Length > 0 || quoted || fields.Count > 0)
        {
            fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
            records.Add(fields);
        }

        return records;
    }
}
