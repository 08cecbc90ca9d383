using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PgWire.Protocol.Replication;
using static PgWire.Actors.Replication.RecordFieldNames;

namespace PgWire.Actors.Replication;

/// <summary>
/// Reads COPY text-format data (tab separated, <c>\N</c> for NULL, backslash escapes) row by row
/// and hands each row, split into its fields, to a subclass that encodes it into
/// <see cref="Buffer"/>. Fields without escapes are read from the input bytes; escaped fields are
/// decoded into a reused buffer. No string is made per value.
/// </summary>
/// <remarks>
/// The per-row methods are compiled fully optimized on first use: a snapshot of a million rows is
/// over in about half a second, before tiered compilation would promote them, and the span helpers
/// they inline would otherwise run as unoptimized code for much of it.
/// </remarks>
public abstract class CopyTextRowWriter : IDisposable
{
    private const byte Tab = (byte)'\t';
    private const byte Newline = (byte)'\n';
    private const byte Backslash = (byte)'\\';

    private readonly Field[] _fields;
    private byte[] _scratch;
    private byte[] _carry;
    private int _carryLength;

    protected CopyTextRowWriter(IReadOnlyList<ColumnInfo> columns, int initialCapacity)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = [.. columns];
        Buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _fields = new Field[Columns.Length];
        _scratch = ArrayPool<byte>.Shared.Rent(4096);
        _carry = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>The table's columns, in the order of the COPY's fields.</summary>
    protected ColumnInfo[] Columns { get; }

    /// <summary>Where encoded rows go.</summary>
    protected ArrayBufferWriter<byte> Buffer { get; }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Bytes of encoded rows waiting in the buffer.</summary>
    public int Length => Buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => Buffer.WrittenSpan;

    public void Clear() => Buffer.ResetWrittenCount();

    /// <summary>Takes the next piece of COPY data; a row may be split over several calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ReadOnlySpan<byte> data)
    {
        if (_carryLength > 0)
        {
            var end = data.IndexOf(Newline);
            if (end < 0)
            {
                AppendCarry(data);
                return;
            }

            AppendCarry(data[..end]);
            WriteRow(_carry.AsSpan(0, _carryLength));
            _carryLength = 0;
            data = data[(end + 1)..];
        }

        while (!data.IsEmpty)
        {
            var end = data.IndexOf(Newline);
            if (end < 0)
            {
                AppendCarry(data);
                return;
            }

            WriteRow(data[..end]);
            data = data[(end + 1)..];
        }
    }

    /// <summary>Checks that the data ended with a whole row.</summary>
    public void Complete()
    {
        if (_carryLength > 0)
        {
            throw new LreplException("COPY data ended in the middle of a row");
        }
    }

    /// <summary>Encodes one COPY text row (without its newline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteRow(ReadOnlySpan<byte> row)
    {
        if (_scratch.Length < row.Length)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(row.Length);
        }

        Split(row);
        EncodeRow(row);
        Rows++;
    }

    /// <summary>Encodes the row just split; read its fields with <see cref="IsNull"/> and <see cref="Value"/>.</summary>
    protected abstract void EncodeRow(ReadOnlySpan<byte> row);

    /// <summary>Whether field <paramref name="index"/> of the current row is NULL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected bool IsNull(int index) => _fields[index].Kind == FieldKind.Null;

    /// <summary>The unescaped text of field <paramref name="index"/> of the current row (empty for NULL).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected ReadOnlySpan<byte> Value(int index, ReadOnlySpan<byte> row)
    {
        var field = _fields[index];
        return field.Kind == FieldKind.Raw ? row.Slice(field.Start, field.Length) : _scratch.AsSpan(field.Start, field.Length);
    }

    /// <summary>The length of field <paramref name="index"/>'s text in the current row.</summary>
    protected int ValueLength(int index) => _fields[index].Length;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split(ReadOnlySpan<byte> row)
    {
        if (_fields.Length == 0)
        {
            if (!row.IsEmpty)
            {
                throw new LreplException("COPY row has values but the table has no columns");
            }

            return;
        }

        var position = 0;
        var scratchLength = 0;
        for (var i = 0; i < _fields.Length; i++)
        {
            var rest = row[position..];
            // One scan finds the field's end or its first escape; only a field with an escape is scanned again.
            var stop = rest.IndexOfAny(Tab, Backslash);
            var escaped = stop >= 0 && rest[stop] == Backslash;
            var tab = !escaped ? stop : rest[stop..].IndexOf(Tab) is var after and >= 0 ? stop + after : -1;
            if (i == _fields.Length - 1)
            {
                if (tab >= 0)
                {
                    throw new LreplException($"COPY row has more than the {_fields.Length} expected columns");
                }

                tab = rest.Length;
            }
            else if (tab < 0)
            {
                throw new LreplException($"COPY row has {i + 1} columns, expected {_fields.Length}");
            }

            var value = rest[..tab];
            if (!escaped)
            {
                _fields[i] = new Field(FieldKind.Raw, position, tab);
            }
            else if (value.Length == 2 && value[1] == (byte)'N')
            {
                _fields[i] = new Field(FieldKind.Null, 0, 0);
            }
            else
            {
                var written = Unescape(value, _scratch.AsSpan(scratchLength));
                _fields[i] = new Field(FieldKind.Decoded, scratchLength, written);
                scratchLength += written;
            }

            position += tab + 1;
        }
    }

    /// <summary>
    /// Decodes the COPY text escapes of one field: <c>\b \f \n \r \t \v</c>, <c>\ooo</c> (1-3 octal
    /// digits), <c>\xhh</c> (1-2 hex digits), and a backslash before any other byte for that byte.
    /// The output is never longer than the input.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var written = 0;
        var i = 0;
        while (i < value.Length)
        {
            var slash = value[i..].IndexOf(Backslash);
            if (slash < 0)
            {
                value[i..].CopyTo(destination[written..]);
                written += value.Length - i;
                break;
            }

            value.Slice(i, slash).CopyTo(destination[written..]);
            written += slash;
            i += slash + 1;
            if (i >= value.Length)
            {
                destination[written++] = Backslash;
                break;
            }

            var c = value[i++];
            switch (c)
            {
                case (byte)'b':
                    destination[written++] = 8;
                    break;
                case (byte)'f':
                    destination[written++] = 12;
                    break;
                case (byte)'n':
                    destination[written++] = 10;
                    break;
                case (byte)'r':
                    destination[written++] = 13;
                    break;
                case (byte)'t':
                    destination[written++] = 9;
                    break;
                case (byte)'v':
                    destination[written++] = 11;
                    break;
                case >= (byte)'0' and <= (byte)'7':
                    {
                        var v = c - '0';
                        for (var n = 0; n < 2 && i < value.Length && value[i] is >= (byte)'0' and <= (byte)'7'; n++)
                        {
                            v = (v << 3) + (value[i++] - '0');
                        }

                        destination[written++] = (byte)v;
                        break;
                    }

                case (byte)'x' when i < value.Length && HexValue(value[i]) >= 0:
                    {
                        var v = HexValue(value[i++]);
                        if (i < value.Length && HexValue(value[i]) is var low and >= 0)
                        {
                            v = (v << 4) + low;
                            i++;
                        }

                        destination[written++] = (byte)v;
                        break;
                    }

                default:
                    destination[written++] = c;
                    break;
            }
        }

        return written;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private void AppendCarry(ReadOnlySpan<byte> data)
    {
        if (_carry.Length - _carryLength < data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_carry.Length * 2, _carryLength + data.Length));
            _carry.AsSpan(0, _carryLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = bigger;
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += data.Length;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            ArrayPool<byte>.Shared.Return(_carry);
            _scratch = [];
            _carry = [];
        }
    }

    private enum FieldKind : byte
    {
        Raw,
        Null,
        Decoded,
    }

    private readonly record struct Field(FieldKind Kind, int Start, int Length);
}

/// <summary>
/// Turns COPY text-format data into snapshot JSON lines (op "r"), typed like
/// <see cref="JsonLineEncoder"/> through <see cref="JsonValues.WriteText"/>.
/// </summary>
public sealed class CopyTextJsonWriter : CopyTextRowWriter
{
    private readonly int[] _keyIndexes;
    private readonly byte[] _prefix;
    private readonly int _fixedLength;
    private JsonValues.Fallback? _fallback;

    public CopyTextJsonWriter(IReadOnlyList<ColumnInfo> columns, Lsn lsn, int initialCapacity = 64 * 1024)
        : base(columns, initialCapacity)
    {
        _keyIndexes = [.. Enumerable.Range(0, Columns.Length).Where(i => Columns[i].IsKey)];
        _prefix = MakePrefix(lsn);
        _fixedLength = _prefix.Length + Middle.Length + End.Length;
        foreach (var column in Columns)
        {
            _fixedLength += 2 * column.CommaNameBytes.Length;
        }
    }

    /// <summary>Writes the row as a JSON line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void EncodeRow(ReadOnlySpan<byte> row)
    {
        if (row.Length > LargeRow)
        {
            WriteLargeRow(row);
            return;
        }

        // Worst case: every value byte escaped as \uXXXX (key columns appear twice), plus the fixed
        // parts and quotes or a null literal per column.
        var span = Buffer.GetSpan(_fixedLength + (2 * JsonValues.MaxLength(row.Length)) + (Columns.Length * 2 * JsonValues.MaxLength(0)));
        _prefix.CopyTo(span);
        var n = _prefix.Length;
        foreach (var i in _keyIndexes)
        {
            n += WriteColumn(span[n..], KeyName(i), i, row);
        }

        Middle.CopyTo(span[n..]);
        n += Middle.Length;
        for (var i = 0; i < Columns.Length; i++)
        {
            n += WriteColumn(span[n..], AfterName(i), i, row);
        }

        End.CopyTo(span[n..]);
        n += End.Length;
        Buffer.Advance(n);
    }

    /// <summary>A row longer than this gets a buffer span per value rather than one for the whole line.</summary>
    private const int LargeRow = 16 * 1024;

    private void WriteLargeRow(ReadOnlySpan<byte> row)
    {
        Buffer.Write(_prefix);
        foreach (var i in _keyIndexes)
        {
            AppendColumn(KeyName(i), i, row);
        }

        Buffer.Write(Middle);
        for (var i = 0; i < Columns.Length; i++)
        {
            AppendColumn(AfterName(i), i, row);
        }

        Buffer.Write(End);
    }

    private void AppendColumn(byte[] name, int index, ReadOnlySpan<byte> row)
    {
        var span = Buffer.GetSpan(name.Length + JsonValues.MaxLength(ValueLength(index)));
        Buffer.Advance(WriteColumn(span, name, index, row));
    }

    /// <summary><c>"name":</c> of a column in "key", with a comma unless it is the first key column.</summary>
    private byte[] KeyName(int index) => index == _keyIndexes[0] ? Columns[index].NameBytes : Columns[index].CommaNameBytes;

    /// <summary><c>"name":</c> of a column in "after", with a comma unless it is the first column.</summary>
    private byte[] AfterName(int index) => index == 0 ? Columns[index].NameBytes : Columns[index].CommaNameBytes;

    private static ReadOnlySpan<byte> Middle => "},\"before\":null,\"after\":{"u8;

    private static ReadOnlySpan<byte> End => "}}\n"u8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WriteColumn(Span<byte> destination, byte[] name, int index, ReadOnlySpan<byte> row)
    {
        name.CopyTo(destination);
        var n = name.Length;
        if (IsNull(index))
        {
            "null"u8.CopyTo(destination[n..]);
            return n + 4;
        }

        return n + JsonValues.WriteText(destination[n..], Columns[index].JsonType, Value(index, row), ref _fallback);
    }

    /// <summary>The fixed start of every line, up to the opening brace of "key".</summary>
    private static byte[] MakePrefix(Lsn lsn)
    {
        var output = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString(Op, "r");
            writer.WriteString(LsnName, ((uint)(lsn.Value >> 32)).ToString("X", CultureInfo.InvariantCulture) + "/" + ((uint)lsn.Value).ToString("X", CultureInfo.InvariantCulture));
            writer.WriteNull(Xid);
            writer.WriteNull(CommitTs);
            writer.WritePropertyName(Key);
            writer.WriteStartObject();
        }

        return output.WrittenSpan.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback?.Dispose();
            _fallback = null;
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Turns COPY text-format data into snapshot CSV records (op "r", see <see cref="CsvLineEncoder"/>):
/// values in PostgreSQL text format, a NULL as an empty unquoted field.
/// </summary>
public sealed class CopyTextCsvWriter : CopyTextRowWriter
{
    private readonly byte[] _prefix;

    public CopyTextCsvWriter(IReadOnlyList<ColumnInfo> columns, Lsn lsn, int initialCapacity = 64 * 1024)
        : base(columns, initialCapacity)
    {
        _prefix = Encoding.ASCII.GetBytes("r," + lsn + ",");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void EncodeRow(ReadOnlySpan<byte> row)
    {
        Buffer.Write(_prefix);
        for (var i = 0; i < Columns.Length; i++)
        {
            if (i > 0)
            {
                Buffer.Write(","u8);
            }

            if (!IsNull(i))
            {
                CsvLineEncoder.WriteField(Buffer, Value(i, row), quoteEmpty: true);
            }
        }

        Buffer.Write("\r\n"u8);
    }
}
