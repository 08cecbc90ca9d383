using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PgWire.Protocol.Messages;

namespace PgWire.Protocol.Frontend;

/// <summary>
/// Encodes frontend messages into a growable buffer. Call the Write methods for one or more
/// messages, send <see cref="WrittenMemory"/>, then <see cref="Clear"/>. Strings are sent as
/// UTF-8, or byte for byte when <see cref="ByteText"/> is set (a session whose client_encoding is
/// not UTF8: see <see cref="PgWire.Protocol.Settings.PgEncoding.ByteText"/>). Length words count themselves
/// but not the type byte, as the protocol requires.
/// </summary>
public sealed class FrontendWriter
{
    /// <summary>Protocol version 3.0 as sent in the StartupMessage.</summary>
    public const int ProtocolVersion30 = 3 << 16;
    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;
    public const int CancelRequestCode = 80877102;

    private readonly ArrayBufferWriter<byte> _buffer;

    public FrontendWriter(int initialCapacity = 4096)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    /// <summary>Strings are text of a non-UTF8 client encoding, one char per byte.</summary>
    public bool ByteText { get; set; }

    /// <summary>How strings become bytes: UTF-8, or <see cref="PgWire.Protocol.Settings.PgEncoding.ByteText"/>.</summary>
    /// <remarks>UTF-8 keeps the bytes of input that is not UTF-8 (<see cref="PgWire.Protocol.Settings.PgEncoding.Utf8Escaped"/>): the server judges them.</remarks>
    public Encoding TextEncoding => ByteText ? PgWire.Protocol.Settings.PgEncoding.ByteText : PgWire.Protocol.Settings.PgEncoding.Utf8Escaped;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;
    public int WrittenCount => _buffer.WrittenCount;

    public void Clear() => _buffer.ResetWrittenCount();

    /// <summary>StartupMessage: no type byte; protocol 3.0 then name/value pairs and a final NUL.</summary>
    public void WriteStartup(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var start = BeginUntyped();
        WriteInt32(ProtocolVersion30);
        foreach (var (name, value) in parameters)
        {
            WriteCString(name);
            WriteCString(value);
        }

        WriteByte(0);
        End(start);
    }

    public void WriteSslRequest()
    {
        WriteInt32(8);
        WriteInt32(SslRequestCode);
    }

    public void WriteCancelRequest(int processId, int secretKey)
    {
        WriteInt32(16);
        WriteInt32(CancelRequestCode);
        WriteInt32(processId);
        WriteInt32(secretKey);
    }

    /// <summary>PasswordMessage with a cleartext or md5-hashed password.</summary>
    public void WritePassword(string password)
    {
        var start = Begin(FrontendMessageCode.Password);
        WriteCString(password);
        End(start);
    }

    public void WriteSaslInitialResponse(string mechanism, ReadOnlySpan<byte> data)
    {
        var start = Begin(FrontendMessageCode.Password);
        WriteCString(mechanism);
        WriteInt32(data.Length);
        WriteBytes(data);
        End(start);
    }

    public void WriteSaslResponse(ReadOnlySpan<byte> data)
    {
        var start = Begin(FrontendMessageCode.Password);
        WriteBytes(data);
        End(start);
    }

    public void WriteQuery(string sql)
    {
        var start = Begin(FrontendMessageCode.Query);
        WriteCString(sql);
        End(start);
    }

    public void WriteParse(string statementName, string sql, ReadOnlySpan<uint> parameterTypeOids)
    {
        var start = Begin(FrontendMessageCode.Parse);
        WriteCString(statementName);
        WriteCString(sql);
        WriteInt16(checked((short)parameterTypeOids.Length));
        foreach (var oid in parameterTypeOids)
        {
            WriteInt32(unchecked((int)oid));
        }

        End(start);
    }

    /// <summary>
    /// Bind: parameter values already encoded (null for SQL NULL). A single format code applies to
    /// all parameters or results; an empty list means all text.
    /// </summary>
    public void WriteBind(string portalName, string statementName, ReadOnlySpan<short> parameterFormats, IReadOnlyList<byte[]?> parameters, ReadOnlySpan<short> resultFormats)
    {
        var start = Begin(FrontendMessageCode.Bind);
        WriteCString(portalName);
        WriteCString(statementName);
        WriteInt16(checked((short)parameterFormats.Length));
        foreach (var f in parameterFormats)
        {
            WriteInt16(f);
        }

        WriteInt16(checked((short)parameters.Count));
        foreach (var p in parameters)
        {
            if (p is null)
            {
                WriteInt32(-1);
            }
            else
            {
                WriteInt32(p.Length);
                WriteBytes(p);
            }
        }

        WriteInt16(checked((short)resultFormats.Length));
        foreach (var f in resultFormats)
        {
            WriteInt16(f);
        }

        End(start);
    }

    /// <summary>Describe a prepared statement ('S') or a portal ('P').</summary>
    public void WriteDescribe(byte kind, string name) => WriteKindAndName(FrontendMessageCode.Describe, kind, name);

    /// <summary>Close a prepared statement ('S') or a portal ('P').</summary>
    public void WriteClose(byte kind, string name) => WriteKindAndName(FrontendMessageCode.Close, kind, name);

    private void WriteKindAndName(FrontendMessageCode code, byte kind, string name)
    {
        ValidateKind(kind);
        var start = Begin(code);
        WriteByte(kind);
        WriteCString(name);
        End(start);
    }

    /// <summary>Execute a portal; maxRows 0 means no limit.</summary>
    public void WriteExecute(string portalName, int maxRows)
    {
        var start = Begin(FrontendMessageCode.Execute);
        WriteCString(portalName);
        WriteInt32(maxRows);
        End(start);
    }

    public void WriteSync() => WriteEmpty(FrontendMessageCode.Sync);

    public void WriteFlush() => WriteEmpty(FrontendMessageCode.Flush);

    public void WriteTerminate() => WriteEmpty(FrontendMessageCode.Terminate);

    public void WriteCopyDone() => WriteEmpty(FrontendMessageCode.CopyDone);

    public void WriteCopyData(ReadOnlySpan<byte> data)
    {
        var start = Begin(FrontendMessageCode.CopyData);
        WriteBytes(data);
        End(start);
    }

    public void WriteCopyFail(string reason)
    {
        var start = Begin(FrontendMessageCode.CopyFail);
        WriteCString(reason);
        End(start);
    }

    private static void ValidateKind(byte kind)
    {
        if (kind is not ((byte)'S' or (byte)'P'))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), "kind must be 'S' (statement) or 'P' (portal)");
        }
    }

    private void WriteEmpty(FrontendMessageCode code)
    {
        var span = _buffer.GetSpan(5);
        span[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4);
        _buffer.Advance(5);
    }

    private int Begin(FrontendMessageCode code)
    {
        WriteByte((byte)code);
        return BeginUntyped();
    }

    private void End(int lengthOffset)
    {
        var length = _buffer.WrittenCount - lengthOffset;
        PatchInt32(lengthOffset, length);
    }

    private int BeginUntyped()
    {
        var start = _buffer.WrittenCount;
        WriteInt32(0);
        return start;
    }

    private void PatchInt32(int offset, int value)
    {
        // ArrayBufferWriter exposes its written data read-only; the backing array is ours to patch.
        var written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory);
        BinaryPrimitives.WriteInt32BigEndian(written.Span[offset..], value);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    private void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    private void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    private void WriteBytes(ReadOnlySpan<byte> data)
    {
        data.CopyTo(_buffer.GetSpan(data.Length));
        _buffer.Advance(data.Length);
    }

    private void WriteCString(string value)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException("strings sent to the server cannot contain NUL characters", nameof(value));
        }

        var encoding = TextEncoding;
        var max = encoding.GetMaxByteCount(value.Length) + 1;
        var span = _buffer.GetSpan(max);
        var n = encoding.GetBytes(value, span);
        span[n] = 0;
        _buffer.Advance(n + 1);
    }
}
