using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Replication.PgOutput;
using PgWire.Protocol.Types;
using static PgWire.Actors.Replication.RecordFieldNames;

namespace PgWire.Actors.Replication;

/// <summary>A column of the replicated table: name, type OID and modifier, and whether it belongs to the key.</summary>
public sealed class ColumnInfo
{
    /// <param name="jsonType">How its values are written as JSON; null resolves <paramref name="typeOid"/> for the current format without a catalog.</param>
    /// <param name="typeModifier">The type modifier (atttypmod: a varchar's length, a numeric's precision and scale); -1 for none.</param>
    public ColumnInfo(string name, uint typeOid, bool isKey, BinaryColumnType binaryType = default, JsonValueType? jsonType = null, int typeModifier = -1)
    {
        Name = name;
        TypeOid = typeOid;
        IsKey = isKey;
        TypeModifier = typeModifier;
        BinaryType = binaryType;
        JsonType = jsonType ?? JsonValueType.Resolve(typeOid, JsonLineFormat.Current);
        EncodedName = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        NameBytes = JsonValues.PropertyName(EncodedName, comma: false);
        CommaNameBytes = JsonValues.PropertyName(EncodedName, comma: true);
    }

    public string Name { get; }
    public uint TypeOid { get; }
    public int TypeModifier { get; }
    public bool IsKey { get; }

    /// <summary>How binary-format values of the column are turned into text; not valid when the stream is text only.</summary>
    public BinaryColumnType BinaryType { get; }

    /// <summary>
    /// The server's text form of a binary value of this column (so binary and text streams write the
    /// same records), in <paramref name="output"/>, which is cleared first.
    /// </summary>
    public ReadOnlySpan<byte> BinaryAsText(ReadOnlySpan<byte> value, ArrayBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!BinaryType.IsValid)
        {
            throw new LreplException($"column \"{Name}\" (type {TypeOid}) arrived in binary format, which is not decoded for its type");
        }

        output.ResetWrittenCount();
        BinaryTextFormatter.Format(BinaryType, value, output);
        return output.WrittenSpan;
    }

    /// <summary>How the column's values are written in the JSON lines.</summary>
    public JsonValueType JsonType { get; }

    public JsonEncodedText EncodedName { get; }

    /// <summary><c>"name":</c> as UTF-8, first in its object.</summary>
    internal byte[] NameBytes { get; }

    /// <summary><c>,"name":</c> as UTF-8, after another property.</summary>
    internal byte[] CommaNameBytes { get; }
}

/// <summary>
/// Writes change records as JSON lines into a growing buffer, typing values by column type OID.
/// Values are copied from the wire bytes straight into the output; no string is made per value.
/// </summary>
public sealed class JsonLineEncoder
{

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly ArrayBufferWriter<byte> _fields = new(1024);
    private readonly ArrayBufferWriter<byte> _binaryText = new(256);
    private JsonValues.Fallback? _fallback;
    private readonly Utf8JsonWriter _fieldsWriter;
    private Utf8JsonWriter _writer;

    public JsonLineEncoder(int initialCapacity = 64 * 1024)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
        _writer = new Utf8JsonWriter(_buffer, options);
        _fieldsWriter = new Utf8JsonWriter(_fields, options);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Clear()
    {
        // Not ArrayBufferWriter.Clear: zeroing what was written costs as much as the write out.
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    /// <summary>Writes one snapshot row (op "r") from a text-format DataRow.</summary>
    public void WriteSnapshotRow(IReadOnlyList<ColumnInfo> columns, ReadOnlySpan<byte> dataRow, Lsn lsn)
    {
        BeginRecord("r", lsn, 0, null);
        _writer.WritePropertyName(Key);
        _writer.WriteStartObject();
        var reader = new DataRowReader(dataRow);
        var i = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            var column = columns[i++];
            if (column.IsKey)
            {
                WriteColumn(column, isNull ? TupleKind.Null : TupleKind.Text, value);
            }
        }

        _writer.WriteEndObject();
        _writer.WriteNull(Before);
        _writer.WritePropertyName(After);
        _writer.WriteStartObject();
        reader = new DataRowReader(dataRow);
        i = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            WriteColumn(columns[i++], isNull ? TupleKind.Null : TupleKind.Text, value);
        }

        _writer.WriteEndObject();
        EndRecord();
    }

    /// <summary>Writes an insert, update or delete decoded from pgoutput.</summary>
    public void WriteChange(IReadOnlyList<ColumnInfo> columns, in PgOutputMessage message, Lsn lsn, uint xid, DateTimeOffset commitTime)
    {
        BeginRecord(OpOf(message.Type), lsn, xid, commitTime);
        WriteChangeFields(columns, message);
        EndRecord();
    }

    /// <summary>
    /// Encodes the part of a change's line that does not depend on its commit: the fields key,
    /// before and after, the closing brace and no newline. <see cref="WriteLine"/> completes it once the
    /// commit is known. The span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> EncodeChangeFields(IReadOnlyList<ColumnInfo> columns, scoped in PgOutputMessage message)
    {
        // The same bytes WriteChangeFields makes through Utf8JsonWriter, written straight into the
        // buffer: plain values are copied, only those needing escapes go through a JSON writer.
        // Each tuple's column descriptors are read once, for its key and for the whole row.
        _fields.ResetWrittenCount();
        var hasOld = message.OldTupleKind != OldTupleKind.None && !message.OldTuple.IsEmpty;
        var keySource = hasOld ? message.OldTuple : message.NewTuple;
        Span<TupleColumn> keyColumns = keySource.ColumnCount <= 64 ? stackalloc TupleColumn[keySource.ColumnCount] : new TupleColumn[keySource.ColumnCount];
        keySource.CopyColumnsTo(keyColumns);
        Append("\"key\":"u8);
        AppendTuple(columns, keySource, keyColumns, keyOnly: true);
        Append(",\"before\":"u8);
        if (hasOld)
        {
            AppendTuple(columns, message.OldTuple, keyColumns, keyOnly: message.OldTupleKind == OldTupleKind.Key);
        }
        else
        {
            Append("null"u8);
        }

        Append(",\"after\":"u8);
        if (message.Type == PgOutputMessageType.Delete)
        {
            Append("null"u8);
        }
        else if (hasOld)
        {
            var newTuple = message.NewTuple;
            Span<TupleColumn> newColumns = newTuple.ColumnCount <= 64 ? stackalloc TupleColumn[newTuple.ColumnCount] : new TupleColumn[newTuple.ColumnCount];
            newTuple.CopyColumnsTo(newColumns);
            AppendTuple(columns, newTuple, newColumns, keyOnly: false);
        }
        else
        {
            AppendTuple(columns, keySource, keyColumns, keyOnly: false);
        }

        Append("}"u8);
        return _fields.WrittenSpan;
    }

    /// <summary>The commit-independent fields of a typed insert, update or delete (see <see cref="EncodeChangeFields(IReadOnlyList{ColumnInfo}, in PgOutputMessage)"/>).</summary>
    public ReadOnlySpan<byte> EncodeChangeFields(scoped in RowChange change) => EncodeChangeFields(change.Relation.ColumnArray, in change.Message);

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_fields.GetSpan(bytes.Length));
        _fields.Advance(bytes.Length);
    }

    private void AppendTuple(IReadOnlyList<ColumnInfo> columns, TupleData tuple, ReadOnlySpan<TupleColumn> tupleColumns, bool keyOnly)
    {
        Append("{"u8);
        var first = true;
        var count = Math.Min(tupleColumns.Length, columns.Count);
        for (var i = 0; i < count; i++)
        {
            var column = tupleColumns[i];
            var info = columns[i];
            if ((keyOnly && !info.IsKey) || column.Kind == TupleKind.UnchangedToast)
            {
                continue;
            }

            var name = first ? info.NameBytes : info.CommaNameBytes;
            first = false;
            if (column.Kind == TupleKind.Null)
            {
                var span = _fields.GetSpan(name.Length + 4);
                name.CopyTo(span);
                "null"u8.CopyTo(span[name.Length..]);
                _fields.Advance(name.Length + 4);
                continue;
            }

            var value = tuple.GetValue(column);
            if (column.Kind == TupleKind.Binary)
            {
                value = BinaryAsText(info, value);
            }

            var target = _fields.GetSpan(name.Length + JsonValues.MaxLength(value.Length));
            name.CopyTo(target);
            _fields.Advance(name.Length + JsonValues.WriteText(target[name.Length..], info.JsonType, value, ref _fallback));
        }

        Append("}"u8);
    }

    private ReadOnlySpan<byte> BinaryAsText(ColumnInfo column, ReadOnlySpan<byte> value) => column.BinaryAsText(value, _binaryText);

    /// <summary>The commit-independent fields of a truncate record, as <see cref="EncodeChangeFields"/> makes them.</summary>
    public static ReadOnlySpan<byte> TruncateFields => "\"key\":null,\"before\":null,\"after\":null}"u8;

    /// <summary>
    /// Makes the commit-dependent beginning of lines of the given pgoutput change type ('I', 'U', 'D'
    /// or 'T') for one transaction, to be passed to <see cref="WriteLine"/>.
    /// </summary>
    public byte[] MakePrefix(byte changeType, Lsn lsn, uint xid, DateTimeOffset commitTime)
    {
        _fields.ResetWrittenCount();
        var writer = _writer;
        _writer = _fieldsWriter;
        try
        {
            BeginRecord(OpOf((PgOutputMessageType)changeType), lsn, xid, commitTime, _fields);
            _fieldsWriter.Flush();
        }
        finally
        {
            _writer = writer;
        }

        var prefix = new byte[_fields.WrittenCount + 1];
        _fields.WrittenSpan.CopyTo(prefix);
        prefix[^1] = (byte)',';
        return prefix;
    }

    /// <summary>Appends one line: a prefix from <see cref="MakePrefix"/>, fields from <see cref="EncodeChangeFields"/>, a newline.</summary>
    public void WriteLine(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> fields)
    {
        var length = prefix.Length + fields.Length + 1;
        var span = _buffer.GetSpan(length);
        prefix.CopyTo(span);
        fields.CopyTo(span[prefix.Length..]);
        span[length - 1] = (byte)'\n';
        _buffer.Advance(length);
    }

    private static string OpOf(PgOutputMessageType type) => type switch
    {
        PgOutputMessageType.Insert => "c",
        PgOutputMessageType.Update => "u",
        PgOutputMessageType.Truncate => "t",
        _ => "d",
    };

    private void WriteChangeFields(IReadOnlyList<ColumnInfo> columns, in PgOutputMessage message)
    {
        var hasOld = message.OldTupleKind != OldTupleKind.None && !message.OldTuple.IsEmpty;
        _writer.WritePropertyName(Key);
        WriteTuple(columns, hasOld ? message.OldTuple : message.NewTuple, keyOnly: true);
        if (hasOld)
        {
            _writer.WritePropertyName(Before);
            WriteTuple(columns, message.OldTuple, keyOnly: message.OldTupleKind == OldTupleKind.Key);
        }
        else
        {
            _writer.WriteNull(Before);
        }

        if (message.Type == PgOutputMessageType.Delete)
        {
            _writer.WriteNull(After);
        }
        else
        {
            _writer.WritePropertyName(After);
            WriteTuple(columns, message.NewTuple, keyOnly: false);
        }
    }

    /// <summary>Writes a truncate record (op "t").</summary>
    public void WriteTruncate(Lsn lsn, uint xid, DateTimeOffset commitTime)
    {
        BeginRecord("t", lsn, xid, commitTime);
        _writer.WriteNull(Key);
        _writer.WriteNull(Before);
        _writer.WriteNull(After);
        EndRecord();
    }

    private void BeginRecord(string op, Lsn lsn, uint xid, DateTimeOffset? commitTime, IBufferWriter<byte>? output = null)
    {
        _writer.Reset(output ?? _buffer);
        _writer.WriteStartObject();
        _writer.WriteString(Op, op);
        Span<char> lsnText = stackalloc char[17];
        var hi = (uint)(lsn.Value >> 32);
        var lo = (uint)lsn.Value;
        hi.TryFormat(lsnText, out var n, "X", System.Globalization.CultureInfo.InvariantCulture);
        lsnText[n++] = '/';
        lo.TryFormat(lsnText[n..], out var m, "X", System.Globalization.CultureInfo.InvariantCulture);
        _writer.WriteString(LsnName, lsnText[..(n + m)]);
        if (commitTime is { } ts)
        {
            _writer.WriteNumber(Xid, xid);
            Span<char> tsText = stackalloc char[40];
            ts.UtcDateTime.TryFormat(tsText, out var len, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            _writer.WriteString(CommitTs, tsText[..len]);
        }
        else
        {
            _writer.WriteNull(Xid);
            _writer.WriteNull(CommitTs);
        }
    }

    private void EndRecord()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        var span = _buffer.GetSpan(1);
        span[0] = (byte)'\n';
        _buffer.Advance(1);
    }

    private void WriteTuple(IReadOnlyList<ColumnInfo> columns, TupleData tuple, bool keyOnly)
    {
        _writer.WriteStartObject();
        var i = 0;
        foreach (var column in tuple)
        {
            if (i >= columns.Count)
            {
                break;
            }

            var info = columns[i++];
            if (keyOnly && !info.IsKey)
            {
                continue;
            }

            if (column.Kind == TupleKind.UnchangedToast)
            {
                continue;
            }

            WriteColumn(info, column.Kind, tuple.GetValue(column));
        }

        _writer.WriteEndObject();
    }

    private void WriteColumn(ColumnInfo column, TupleKind kind, ReadOnlySpan<byte> value)
    {
        _writer.WritePropertyName(column.EncodedName);
        if (kind == TupleKind.Null)
        {
            _writer.WriteNullValue();
            return;
        }

        if (kind == TupleKind.Binary)
        {
            value = BinaryAsText(column, value);
        }

        WriteTextValue(_writer, column.JsonType, value);
    }

    /// <summary>Writes a text-format PostgreSQL value of a built-in type as the JSON value for its type in the current format.</summary>
    public static void WriteTextValue(Utf8JsonWriter writer, uint typeOid, ReadOnlySpan<byte> value) =>
        WriteTextValue(writer, JsonValueType.Resolve(typeOid, JsonLineFormat.Current), value);

    /// <summary>Writes a text-format PostgreSQL value as the JSON value for its resolved type.</summary>
    public static void WriteTextValue(Utf8JsonWriter writer, in JsonValueType type, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (type.IsArray || type.Scalar is JsonScalar.Timestamp or JsonScalar.TimestampTz or JsonScalar.Bytea or JsonScalar.Json)
        {
            // Made by the span writer, the one place these shapes are written.
            var buffer = ArrayPool<byte>.Shared.Rent(JsonValues.MaxLength(value.Length));
            JsonValues.Fallback? fallback = null;
            try
            {
                var n = JsonValues.WriteText(buffer, type, value, ref fallback);
                writer.WriteRawValue(buffer.AsSpan(0, n), skipInputValidation: true);
            }
            finally
            {
                fallback?.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return;
        }

        switch (type.Scalar)
        {
            case JsonScalar.Integer:
                writer.WriteRawValue(value, skipInputValidation: true);
                break;
            case JsonScalar.Float:
                if (value.Length > 0 && (value[0] is (byte)'N' or (byte)'I' || (value.Length > 1 && value[1] == (byte)'I')))
                {
                    writer.WriteStringValue(value);
                }
                else
                {
                    writer.WriteRawValue(value, skipInputValidation: true);
                }

                break;
            case JsonScalar.Bool:
                writer.WriteBooleanValue(value.Length > 0 && value[0] == (byte)'t');
                break;
            default:
                writer.WriteStringValue(value);
                break;
        }
    }
}
