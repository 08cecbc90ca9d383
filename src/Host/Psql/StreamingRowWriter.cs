using System.Buffers.Binary;
using System.Text;

namespace PgWire.Host.Psql;

/// <summary>
/// Writes a result in unaligned or CSV format straight from DataRow message payloads into a stream,
/// producing the same bytes psql would. Values are copied as UTF-8 bytes without decoding, so writing a
/// row does not allocate.
/// </summary>
public sealed class StreamingRowWriter
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _output;
    private readonly PrintOptions _options;
    private readonly int _columnCount;
    private readonly bool _csv;
    private readonly bool _vertical;
    private readonly byte _csvSeparator;
    private readonly bool _csvAlwaysQuote;
    private readonly byte[] _fieldSeparator;
    private readonly byte[] _recordSeparator;
    private readonly byte[] _nullValue;
    private readonly byte[][] _headers;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _position;
    private bool _needRecordSeparator;

    public StreamingRowWriter(IReadOnlyList<ResultColumn> columns, PrintOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Format is not (OutputFormat.Unaligned or OutputFormat.Csv))
        {
            throw new ArgumentException("Streaming output supports only the unaligned and csv formats.", nameof(options));
        }

        _output = output;
        _options = options.Clone();
        _columnCount = columns.Count;
        _csv = options.Format == OutputFormat.Csv;
        _vertical = options.Expanded == ExpandedMode.On;
        _fieldSeparator = _options.Codec.Text.GetBytes(options.EffectiveFieldSeparator);
        _recordSeparator = _options.Codec.Text.GetBytes(options.EffectiveRecordSeparator);

        if (_csv)
        {
            if (options.CsvFieldSeparator > 0x7f)
            {
                throw new ArgumentException("The csv field separator must be a single-byte character.", nameof(options));
            }

            _csvSeparator = (byte)options.CsvFieldSeparator;
            _csvAlwaysQuote = _csvSeparator is (byte)'\\' or (byte)'.';
            _nullValue = CsvField(options.NullDisplay);
            _headers = columns.Select(c => CsvField(c.Name)).ToArray();
        }
        else
        {
            _nullValue = _options.Codec.Text.GetBytes(options.NullDisplay);
            _headers = columns.Select(c => _options.Codec.Text.GetBytes(c.Name)).ToArray();
        }
    }

    /// <summary>Writes what precedes the first row: title and column names, unless tuples-only is set.</summary>
    public void WriteHeader()
    {
        if (_csv)
        {
            if (!_vertical && !_options.TuplesOnly)
            {
                for (int i = 0; i < _columnCount; i++)
                {
                    if (i > 0)
                    {
                        Append(_csvSeparator);
                    }

                    Append(_headers[i]);
                }

                Append((byte)'\n');
            }

            return;
        }

        if (_options.TuplesOnly)
        {
            return;
        }

        if (_options.Title is not null)
        {
            Append(_options.Codec.Text.GetBytes(_options.Title));
            if (_vertical)
            {
                _needRecordSeparator = true;
                return;
            }

            Append(_recordSeparator);
        }

        if (!_vertical)
        {
            for (int i = 0; i < _columnCount; i++)
            {
                if (i > 0)
                {
                    Append(_fieldSeparator);
                }

                Append(_headers[i]);
            }

            _needRecordSeparator = true;
        }
    }

    /// <summary>
    /// Writes one row from a DataRow payload: an int16 column count, then per column an int32 length
    /// (-1 for NULL) followed by that many bytes of text-format value.
    /// </summary>
    public void WriteRow(ReadOnlySpan<byte> dataRowPayload)
    {
        int count = BinaryPrimitives.ReadInt16BigEndian(dataRowPayload);
        if (count != _columnCount)
        {
            throw new InvalidDataException($"DataRow has {count} columns, expected {_columnCount}.");
        }

        ReadOnlySpan<byte> rest = dataRowPayload[2..];
        if (_csv)
        {
            WriteCsvRow(rest);
        }
        else if (_vertical)
        {
            WriteUnalignedVerticalRow(rest);
        }
        else
        {
            WriteUnalignedRow(rest);
        }
    }

    /// <summary>Writes what follows the last row: the "(N rows)" footer where psql prints one, and the final newline.</summary>
    public void WriteFooter(long rowCount)
    {
        if (_csv)
        {
            return;
        }

        if (!_vertical && !_options.TuplesOnly && _options.Footer)
        {
            if (_needRecordSeparator)
            {
                Append(_recordSeparator);
            }

            Append(_options.Codec.Text.GetBytes(PrintOptions.DefaultFooter(rowCount)));
            _needRecordSeparator = true;
        }

        if (_needRecordSeparator)
        {
            Append(_options.RecordSeparatorZero ? (byte)0 : (byte)'\n');
            _needRecordSeparator = false;
        }
    }

    public void Flush()
    {
        FlushBuffer();
        _output.Flush();
    }

    private static ReadOnlySpan<byte> NextValue(ref ReadOnlySpan<byte> rest, out bool isNull)
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(rest);
        rest = rest[4..];
        if (length < 0)
        {
            isNull = true;
            return default;
        }

        isNull = false;
        ReadOnlySpan<byte> value = rest[..length];
        rest = rest[length..];
        return value;
    }

    private void WriteUnalignedRow(ReadOnlySpan<byte> rest)
    {
        if (_columnCount == 0)
        {
            return;
        }

        if (_needRecordSeparator)
        {
            Append(_recordSeparator);
        }

        for (int i = 0; i < _columnCount; i++)
        {
            if (i > 0)
            {
                Append(_fieldSeparator);
            }

            ReadOnlySpan<byte> value = NextValue(ref rest, out bool isNull);
            Append(isNull ? _nullValue : value);
        }

        _needRecordSeparator = true;
    }

    private void WriteUnalignedVerticalRow(ReadOnlySpan<byte> rest)
    {
        if (_columnCount == 0)
        {
            return;
        }

        if (_needRecordSeparator)
        {
            Append(_recordSeparator);
            Append(_recordSeparator);
        }

        for (int i = 0; i < _columnCount; i++)
        {
            if (i > 0)
            {
                Append(_recordSeparator);
            }

            Append(_headers[i]);
            Append(_fieldSeparator);
            ReadOnlySpan<byte> value = NextValue(ref rest, out bool isNull);
            Append(isNull ? _nullValue : value);
        }

        _needRecordSeparator = true;
    }

    private void WriteCsvRow(ReadOnlySpan<byte> rest)
    {
        for (int i = 0; i < _columnCount; i++)
        {
            if (_vertical)
            {
                Append(_headers[i]);
                Append(_csvSeparator);
            }
            else if (i > 0)
            {
                Append(_csvSeparator);
            }

            ReadOnlySpan<byte> value = NextValue(ref rest, out bool isNull);
            if (isNull)
            {
                Append(_nullValue);
            }
            else
            {
                AppendCsv(value);
            }

            if (_vertical)
            {
                Append((byte)'\n');
            }
        }

        if (!_vertical && _columnCount > 0)
        {
            Append((byte)'\n');
        }
    }

    private bool CsvNeedsQuotes(ReadOnlySpan<byte> value) =>
        _csvAlwaysQuote
        || value.IndexOfAny(_csvSeparator, (byte)'"', (byte)'\n') >= 0
        || value.IndexOf((byte)'\r') >= 0
        || value.SequenceEqual("\\."u8);

    private void AppendCsv(ReadOnlySpan<byte> value)
    {
        if (!CsvNeedsQuotes(value))
        {
            Append(value);
            return;
        }

        Append((byte)'"');
        int quote;
        while ((quote = value.IndexOf((byte)'"')) >= 0)
        {
            Append(value[..(quote + 1)]);
            Append((byte)'"');
            value = value[(quote + 1)..];
        }

        Append(value);
        Append((byte)'"');
    }

    private byte[] CsvField(string text)
    {
        byte[] raw = _options.Codec.Text.GetBytes(text);
        if (!CsvNeedsQuotes(raw))
        {
            return raw;
        }

        var quoted = new List<byte>(raw.Length + 4) { (byte)'"' };
        foreach (byte b in raw)
        {
            quoted.Add(b);
            if (b == (byte)'"')
            {
                quoted.Add(b);
            }
        }

        quoted.Add((byte)'"');
        return [.. quoted];
    }

    private void Append(byte value)
    {
        if (_position == _buffer.Length)
        {
            FlushBuffer();
        }

        _buffer[_position++] = value;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _buffer.Length - _position)
        {
            bytes.CopyTo(_buffer.AsSpan(_position));
            _position += bytes.Length;
            return;
        }

        FlushBuffer();
        if (bytes.Length >= _buffer.Length)
        {
            _output.Write(bytes);
        }
        else
        {
            bytes.CopyTo(_buffer);
            _position = bytes.Length;
        }
    }

    private void FlushBuffer()
    {
        if (_position > 0)
        {
            _output.Write(_buffer, 0, _position);
            _position = 0;
        }
    }
}
