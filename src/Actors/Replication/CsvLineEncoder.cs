using System.Buffers;
using System.Text;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>
/// Writes changes as RFC 4180 CSV records (CRLF line ends), straight from the typed values: columns
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
    private readonly ArrayBufferWriter<byte> _binaryText = new(256);
    private TableRelation? _mappedRelation;
    private int[] _map = [];

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

    /// <summary>
    /// Writes the CSV record(s) of one change of a transaction committed at <paramref name="lsn"/>;
    /// a <see cref="ChangeKind.Relation"/> event writes nothing but checks that the header still
    /// holds every column of the table.
    /// </summary>
    public void Encode(in RowChange change, Lsn lsn, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var map = Map(change.Relation);
        Span<byte> lsnText = stackalloc byte[20];
        var lsnLength = FormatLsn(lsn, lsnText);
        var lsnBytes = lsnText[..lsnLength];
        var hasOld = change.OldTupleKind != OldTupleKind.None && !change.OldTuple.IsEmpty;
        var keyOnly = change.OldTupleKind == OldTupleKind.Key;
        switch (change.Kind)
        {
            case ChangeKind.Relation:
                return;
            case ChangeKind.Truncate:
                WriteRecord(output, "t"u8, lsnBytes, change.Relation, map, default, keyOnly: false);
                return;
            case ChangeKind.Delete:
                WriteRecord(output, "d"u8, lsnBytes, change.Relation, map, change.OldTuple, keyOnly);
                return;
            case ChangeKind.Update when hasOld && KeyChanged(change.Relation, change.OldTuple, change.NewTuple):
                WriteRecord(output, "d"u8, lsnBytes, change.Relation, map, change.OldTuple, keyOnly);
                WriteRecord(output, "c"u8, lsnBytes, change.Relation, map, change.NewTuple, keyOnly: false);
                return;
            case ChangeKind.Update:
                WriteRecord(output, "u"u8, lsnBytes, change.Relation, map, change.NewTuple, keyOnly: false);
                return;
            default:
                WriteRecord(output, "c"u8, lsnBytes, change.Relation, map, change.NewTuple, keyOnly: false);
                return;
        }
    }

    private static int FormatLsn(Lsn lsn, Span<byte> destination)
    {
        ((uint)(lsn.Value >> 32)).TryFormat(destination, out var n, "X", System.Globalization.CultureInfo.InvariantCulture);
        destination[n++] = (byte)'/';
        ((uint)lsn.Value).TryFormat(destination[n..], out var m, "X", System.Globalization.CultureInfo.InvariantCulture);
        return n + m;
    }

    /// <summary>For each column of <paramref name="table"/>, its field in the header; made once per relation.</summary>
    private int[] Map(TableRelation table)
    {
        if (ReferenceEquals(table, _mappedRelation))
        {
            return _map;
        }

        var map = new int[table.Columns.Count];
        for (var i = 0; i < map.Length; i++)
        {
            var name = table.Columns[i].Name;
            if (!_index.TryGetValue(name, out map[i]))
            {
                // A column added to the table after the header was written: leaving it out
                // would lose its values without a word.
                throw new LreplException($"column \"{name}\" is not in the header of this CSV file (it was added to the table after the file was started); a CSV file keeps its header: use --format jsonl, or move the data file and lrepl-state.db away to start a new file");
            }
        }

        _mappedRelation = table;
        _map = map;
        return map;
    }

    /// <summary>Whether an update's old key differs from the key columns of its new row.</summary>
    private static bool KeyChanged(TableRelation table, TupleData oldTuple, TupleData newTuple)
    {
        var count = Math.Min(table.Columns.Count, Math.Min(oldTuple.ColumnCount, newTuple.ColumnCount));
        Span<TupleColumn> before = count <= 64 ? stackalloc TupleColumn[oldTuple.ColumnCount] : new TupleColumn[oldTuple.ColumnCount];
        Span<TupleColumn> after = count <= 64 ? stackalloc TupleColumn[newTuple.ColumnCount] : new TupleColumn[newTuple.ColumnCount];
        oldTuple.CopyColumnsTo(before);
        newTuple.CopyColumnsTo(after);
        for (var i = 0; i < count; i++)
        {
            if (!table.Columns[i].IsKey || after[i].Kind == TupleKind.UnchangedToast)
            {
                continue;
            }

            if (before[i].Kind != after[i].Kind || !oldTuple.GetValue(before[i]).SequenceEqual(newTuple.GetValue(after[i])))
            {
                return true;
            }
        }

        return false;
    }

    private void WriteRecord(IBufferWriter<byte> output, ReadOnlySpan<byte> op, ReadOnlySpan<byte> lsn, TableRelation table, int[] map, TupleData tuple, bool keyOnly)
    {
        Array.Clear(_present);
        Array.Clear(_values);
        var fields = tuple.IsEmpty ? [] : new TupleColumn[tuple.ColumnCount];
        if (!tuple.IsEmpty)
        {
            tuple.CopyColumnsTo(fields);
        }

        var count = Math.Min(fields.Length, map.Length);
        for (var i = 0; i < count; i++)
        {
            var column = table.Columns[i];
            if ((keyOnly && !column.IsKey) || fields[i].Kind is TupleKind.UnchangedToast or TupleKind.Null)
            {
                continue;
            }

            var value = tuple.GetValue(fields[i]);
            _present[map[i]] = true;
            _values[map[i]] = fields[i].Kind == TupleKind.Binary ? column.BinaryAsText(value, _binaryText).ToArray() : value.ToArray();
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
