using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace PgWire.Protocol.Framing;

/// <summary>
/// Bounds-checked big-endian reader over one message payload (the bytes after the type byte
/// and length word). Every read that would run past the end throws a
/// <see cref="PgProtocolException"/> of kind <see cref="ProtocolErrorKind.Truncated"/>; strings
/// are validated as UTF-8, or, for a session whose client encoding is not UTF8, read byte for byte
/// (see <see cref="PgWire.Protocol.Settings.PgEncoding.ByteText"/>). Allocation-free except for the
/// string-returning methods.
/// </summary>
public ref struct PayloadReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _context;
    private readonly bool _byteText;
    private int _pos;

    public PayloadReader(ReadOnlySpan<byte> data, string context = "message", bool byteText = false)
    {
        _data = data;
        _context = context;
        _byteText = byteText;
        _pos = 0;
    }

    public readonly int Position => _pos;
    public readonly int Remaining => _data.Length - _pos;
    public readonly bool End => _pos >= _data.Length;
    public readonly ReadOnlySpan<byte> Rest => _data[_pos..];

    public byte ReadByte()
    {
        Need(1);
        return _data[_pos++];
    }

    public short ReadInt16()
    {
        Need(2);
        var v = BinaryPrimitives.ReadInt16BigEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    public ushort ReadUInt16()
    {
        Need(2);
        var v = BinaryPrimitives.ReadUInt16BigEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    public int ReadInt32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadInt32BigEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public uint ReadUInt32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32BigEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public long ReadInt64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadInt64BigEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    /// <summary>Reads <paramref name="count"/> raw bytes as a slice of the payload (no copy).</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidLength, $"negative byte count {count} in {_context}");
        }

        Need(count);
        var s = _data.Slice(_pos, count);
        _pos += count;
        return s;
    }

    /// <summary>Reads a NUL-terminated string and returns its bytes without the terminator (no copy).</summary>
    public ReadOnlySpan<byte> ReadCStringBytes()
    {
        var rest = _data[_pos..];
        var nul = rest.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidString, $"unterminated string in {_context}");
        }

        _pos += nul + 1;
        return rest[..nul];
    }

    /// <summary>Reads a NUL-terminated string (UTF-8, or one char per byte when reading byte text).</summary>
    public string ReadCString() => Decode(ReadCStringBytes());

    /// <summary>Reads <paramref name="count"/> bytes as text (UTF-8, or one char per byte when reading byte text).</summary>
    public string ReadString(int count) => Decode(ReadBytes(count));

    private readonly string Decode(ReadOnlySpan<byte> bytes) =>
        _byteText ? Encoding.Latin1.GetString(bytes) : DecodeUtf8(bytes, _context);

    /// <summary>Throws if bytes remain after the last field of a fixed-layout message.</summary>
    public readonly void EnsureEnd()
    {
        if (_pos != _data.Length)
        {
            throw new PgProtocolException(ProtocolErrorKind.TrailingBytes, $"{_data.Length - _pos} unexpected trailing byte(s) in {_context}");
        }
    }

    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string context)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidString, $"invalid UTF-8 in {context}");
        }
    }

    // Small enough to be inlined into every read (the decoder calls it for each field); the message
    // of a truncated payload is made apart from it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int count)
    {
        if ((uint)count > (uint)(_data.Length - _pos))
        {
            ThrowTruncated(_context, count, _pos, _data.Length - _pos);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated(string context, int count, int position, int left) =>
        throw new PgProtocolException(ProtocolErrorKind.Truncated, $"{context} is truncated: needed {count} byte(s) at offset {position}, {left} left");
}
