using System.Buffers.Binary;

namespace PgWire.Protocol.Messages;

/// <summary>
/// Walks the columns of a DataRow ('D') payload without copying or allocating: an int16 column
/// count, then for each column an int32 length (-1 for NULL) and that many bytes.
/// </summary>
public ref struct DataRowReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _pos;
    private int _index;

    public DataRowReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        if (payload.Length < 2)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, "DataRow is truncated: no column count");
        }

        ColumnCount = BinaryPrimitives.ReadInt16BigEndian(payload);
        if (ColumnCount < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative column count {ColumnCount} in DataRow");
        }

        _pos = 2;
        _index = 0;
    }

    public int ColumnCount { get; }

    /// <summary>Index of the column the next <see cref="MoveNext"/> reads.</summary>
    public readonly int NextIndex => _index;

    /// <summary>
    /// Reads the next column. Returns false after the last one (and then checks that the payload
    /// ends there). <paramref name="isNull"/> is set for SQL NULL, with an empty <paramref name="value"/>.
    /// </summary>
    public bool MoveNext(out ReadOnlySpan<byte> value, out bool isNull)
    {
        if (_index >= ColumnCount)
        {
            if (_pos != _payload.Length)
            {
                throw new PgProtocolException(ProtocolErrorKind.TrailingBytes, $"{_payload.Length - _pos} unexpected trailing byte(s) in DataRow");
            }

            value = default;
            isNull = false;
            return false;
        }

        if (_payload.Length - _pos < 4)
        {
            throw new PgProtocolException(ProtocolErrorKind.Truncated, $"DataRow is truncated at column {_index + 1}");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(_payload[_pos..]);
        _pos += 4;
        _index++;
        if (length == -1)
        {
            value = default;
            isNull = true;
            return true;
        }

        if (length < 0 || length > _payload.Length - _pos)
        {
            throw new PgProtocolException(length < 0 ? ProtocolErrorKind.InvalidLength : ProtocolErrorKind.Truncated, $"DataRow column {_index} claims {length} bytes, {_payload.Length - _pos} left");
        }

        value = _payload.Slice(_pos, length);
        isNull = false;
        _pos += length;
        return true;
    }

    /// <summary>Checks a whole DataRow payload for structural validity without materialising it.</summary>
    public static int Validate(ReadOnlySpan<byte> payload)
    {
        var reader = new DataRowReader(payload);
        while (reader.MoveNext(out _, out _))
        {
        }

        return reader.ColumnCount;
    }
}
