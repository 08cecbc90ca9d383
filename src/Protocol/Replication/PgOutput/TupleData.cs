using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Replication.PgOutput;

/// <summary>How a column value is sent in TupleData.</summary>
public enum TupleKind : byte
{
    Null = (byte)'n',
    /// <summary>An unchanged TOASTed value; the actual value is not sent.</summary>
    UnchangedToast = (byte)'u',
    Text = (byte)'t',
    Binary = (byte)'b',
}

/// <summary>
/// One column of a tuple: where its value bytes lie in the message payload. <see cref="Length"/> is 0
/// for <see cref="TupleKind.Null"/> and <see cref="TupleKind.UnchangedToast"/>.
/// </summary>
public readonly record struct TupleColumn(TupleKind Kind, int Offset, int Length)
{
    public bool HasValue => Kind is TupleKind.Text or TupleKind.Binary;
}

/// <summary>
/// A validated view of a TupleData section inside a pgoutput message payload. Nothing is copied;
/// offsets in <see cref="TupleColumn"/> are relative to <see cref="Payload"/>.
/// </summary>
public readonly ref struct TupleData
{
    private readonly int _start;
    private readonly int _end;

    internal TupleData(ReadOnlySpan<byte> payload, int start, int end, int columnCount)
    {
        Payload = payload;
        _start = start;
        _end = end;
        ColumnCount = columnCount;
    }

    /// <summary>True when the message carries no tuple in this position (e.g. the old tuple of a plain Update).</summary>
    public bool IsEmpty => _end == 0;

    public int ColumnCount { get; }

    /// <summary>The whole message payload the column offsets refer to.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The raw TupleData bytes (column count included).</summary>
    public ReadOnlySpan<byte> RawBytes => Payload[_start.._end];

    public ReadOnlySpan<byte> GetValue(TupleColumn column) => Payload.Slice(column.Offset, column.Length);

    public TupleDataReader GetEnumerator() => new(Payload, _start, _end, ColumnCount);

    /// <summary>Writes the column descriptors into <paramref name="destination"/>; returns the column count.</summary>
    public int CopyColumnsTo(Span<TupleColumn> destination)
    {
        if (destination.Length < ColumnCount)
        {
            throw new ArgumentException($"destination holds {destination.Length} column(s), tuple has {ColumnCount}", nameof(destination));
        }

        var i = 0;
        foreach (var column in this)
        {
            destination[i++] = column;
        }

        return i;
    }

    /// <summary>Reads and validates a TupleData section at the reader's position.</summary>
    internal static TupleData Read(ReadOnlySpan<byte> payload, scoped ref PayloadReader reader, string context)
    {
        var start = reader.Position;
        var count = reader.ReadInt16();
        if (count < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative column count {count} in {context}");
        }

        for (var i = 0; i < count; i++)
        {
            var kind = reader.ReadByte();
            switch (kind)
            {
                case (byte)'n':
                case (byte)'u':
                    break;
                case (byte)'t':
                case (byte)'b':
                    var length = reader.ReadInt32();
                    if (length < 0)
                    {
                        throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative value length {length} for column {i} in {context}");
                    }

                    reader.ReadBytes(length);
                    break;
                default:
                    throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"unknown tuple column kind 0x{kind:X2} for column {i} in {context}");
            }
        }

        return new TupleData(payload, start, reader.Position, count);
    }
}

/// <summary>Walks the columns of a validated <see cref="TupleData"/> without allocating.</summary>
public ref struct TupleDataReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private readonly int _end;
    private int _pos;
    private int _remaining;

    internal TupleDataReader(ReadOnlySpan<byte> payload, int start, int end, int columnCount)
    {
        _payload = payload;
        _end = end;
        _pos = end == 0 ? 0 : start + 2;
        _remaining = columnCount;
        Current = default;
    }

    public TupleColumn Current { get; private set; }

    /// <summary>The value bytes of <see cref="Current"/> (empty for null / unchanged TOAST).</summary>
    public readonly ReadOnlySpan<byte> CurrentValue => _payload.Slice(Current.Offset, Current.Length);

    public bool MoveNext()
    {
        if (_remaining <= 0)
        {
            return false;
        }

        var reader = new PayloadReader(_payload[.._end], "tuple data");
        reader.ReadBytes(_pos);
        var kind = (TupleKind)reader.ReadByte();
        var length = 0;
        if (kind is TupleKind.Text or TupleKind.Binary)
        {
            length = reader.ReadInt32();
            reader.ReadBytes(length);
        }

        Current = new TupleColumn(kind, reader.Position - length, length);
        _pos = reader.Position;
        _remaining--;
        return true;
    }

    public readonly TupleDataReader GetEnumerator() => this;
}
