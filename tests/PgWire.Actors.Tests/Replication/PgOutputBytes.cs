using System.Text;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Tests.Replication;

/// <summary>
/// Hand-built replication CopyData payloads (XLogData around pgoutput messages, primary keepalives),
/// laid out as "Streaming Replication Protocol" and "Logical Replication Message Formats" describe them.
/// A null xid leaves out the transaction id that data messages carry inside a streamed block.
/// </summary>
internal sealed class PgOutputBytes
{
    private readonly List<byte> _bytes = [];

    private PgOutputBytes(char type) => _bytes.Add((byte)type);

    private PgOutputBytes Byte(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    /// <summary>The low <paramref name="size"/> bytes of <paramref name="value"/>, most significant first (network order).</summary>
    private PgOutputBytes BigEndian(ulong value, int size)
    {
        for (var shift = 8 * (size - 1); shift >= 0; shift -= 8)
        {
            _bytes.Add((byte)(value >> shift));
        }

        return this;
    }

    private PgOutputBytes Int16(short value) => BigEndian((ushort)value, 2);

    private PgOutputBytes UInt32(uint value) => BigEndian(value, 4);

    private PgOutputBytes UInt64(ulong value) => BigEndian(value, 8);

    private PgOutputBytes Time(DateTimeOffset value) => UInt64((ulong)PgEpoch.ToMicroseconds(value));

    private PgOutputBytes CString(string value)
    {
        _bytes.AddRange(Encoding.UTF8.GetBytes(value));
        _bytes.Add(0);
        return this;
    }

    private PgOutputBytes Xid(uint? xid) => xid is { } x ? UInt32(x) : this;

    /// <summary>TupleData: 'n' for null, otherwise 't' (text) or 'b' (binary) with the value.</summary>
    private PgOutputBytes Tuple(char kind, byte[]?[] values)
    {
        Int16((short)values.Length);
        foreach (var value in values)
        {
            if (value is null)
            {
                Byte((byte)'n');
                continue;
            }

            Byte((byte)kind).UInt32((uint)value.Length);
            _bytes.AddRange(value);
        }

        return this;
    }

    private byte[] Done() => [.. _bytes];

    private static byte[]?[] Text(string?[] values) => [.. values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v))];

    public static byte[] Begin(ulong finalLsn, DateTimeOffset commitTime, uint xid) =>
        new PgOutputBytes('B').UInt64(finalLsn).Time(commitTime).UInt32(xid).Done();

    public static byte[] Commit(ulong commitLsn, ulong endLsn, DateTimeOffset commitTime) =>
        new PgOutputBytes('C').Byte(0).UInt64(commitLsn).UInt64(endLsn).Time(commitTime).Done();

    /// <summary>A Relation message; every column has type modifier -1.</summary>
    public static byte[] Relation(uint? xid, uint relationId, string schema, string table, params (string Name, uint Type, bool Key)[] columns)
    {
        var m = new PgOutputBytes('R').Xid(xid).UInt32(relationId).CString(schema).CString(table).Byte((byte)'d').Int16((short)columns.Length);
        foreach (var (name, type, key) in columns)
        {
            m.Byte(key ? (byte)1 : (byte)0).CString(name).UInt32(type).UInt32(uint.MaxValue);
        }

        return m.Done();
    }

    public static byte[] Insert(uint? xid, uint relationId, params string?[] values) =>
        new PgOutputBytes('I').Xid(xid).UInt32(relationId).Byte((byte)'N').Tuple('t', Text(values)).Done();

    public static byte[] InsertBinary(uint relationId, params byte[]?[] values) =>
        new PgOutputBytes('I').UInt32(relationId).Byte((byte)'N').Tuple('b', values).Done();

    /// <summary>An Update, with the old key ('K', full width: non-key columns null) when <paramref name="oldKey"/> is given.</summary>
    public static byte[] Update(uint? xid, uint relationId, string?[]? oldKey, params string?[] values)
    {
        var m = new PgOutputBytes('U').Xid(xid).UInt32(relationId);
        if (oldKey is not null)
        {
            m.Byte((byte)'K').Tuple('t', Text(oldKey));
        }

        return m.Byte((byte)'N').Tuple('t', Text(values)).Done();
    }

    /// <summary>An Update whose new row leaves column <paramref name="toastIndex"/> as unchanged TOAST ('u').</summary>
    public static byte[] UpdateUnchangedToast(uint relationId, int toastIndex, params string?[] values)
    {
        var m = new PgOutputBytes('U').UInt32(relationId).Byte((byte)'N').Int16((short)values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (i == toastIndex)
            {
                m.Byte((byte)'u');
            }
            else if (values[i] is null)
            {
                m.Byte((byte)'n');
            }
            else
            {
                var bytes = Encoding.UTF8.GetBytes(values[i]!);
                m.Byte((byte)'t').UInt32((uint)bytes.Length);
                m._bytes.AddRange(bytes);
            }
        }

        return m.Done();
    }

    /// <summary>A Delete with the key columns ('K').</summary>
    public static byte[] Delete(uint? xid, uint relationId, params string?[] key) =>
        new PgOutputBytes('D').Xid(xid).UInt32(relationId).Byte((byte)'K').Tuple('t', Text(key)).Done();

    public static byte[] Truncate(uint? xid, params uint[] relationIds)
    {
        var m = new PgOutputBytes('T').Xid(xid).UInt32((uint)relationIds.Length).Byte(0);
        foreach (var id in relationIds)
        {
            m.UInt32(id);
        }

        return m.Done();
    }

    public static byte[] StreamStart(uint xid, bool first) => new PgOutputBytes('S').UInt32(xid).Byte(first ? (byte)1 : (byte)0).Done();

    public static byte[] StreamStop() => new PgOutputBytes('E').Done();

    public static byte[] StreamCommit(uint xid, ulong commitLsn, ulong endLsn, DateTimeOffset commitTime) =>
        new PgOutputBytes('c').UInt32(xid).Byte(0).UInt64(commitLsn).UInt64(endLsn).Time(commitTime).Done();

    /// <summary>A Stream Abort as protocol versions 2 and 3 (and 4 without parallel streaming) send it.</summary>
    public static byte[] StreamAbort(uint xid, uint subXid) => new PgOutputBytes('A').UInt32(xid).UInt32(subXid).Done();

    /// <summary>The XLogData CopyData payload carrying <paramref name="pgoutput"/>, sent for WAL position <paramref name="lsn"/>.</summary>
    public static byte[] XLogData(ulong lsn, byte[] pgoutput)
    {
        var m = new PgOutputBytes('w').UInt64(lsn).UInt64(lsn).UInt64(0);
        m._bytes.AddRange(pgoutput);
        return m.Done();
    }

    public static byte[] Keepalive(ulong walEnd, bool replyRequested) =>
        new PgOutputBytes('k').UInt64(walEnd).UInt64(0).Byte(replyRequested ? (byte)1 : (byte)0).Done();

    /// <summary>XLogData payloads for consecutive pgoutput messages, at WAL positions <paramref name="lsn"/>, +8, +16 and so on.</summary>
    public static byte[][] XLog(ulong lsn, params byte[][] messages) => [.. messages.Select((m, i) => XLogData(lsn + (ulong)(8 * i), m))];

    /// <summary>A CopyData batch as the connection delivers it: the payloads side by side in one buffer.</summary>
    public static FrameBatch Batch(params byte[][] payloads)
    {
        var buffer = new byte[payloads.Sum(p => p.Length) + 16];
        var offsets = new int[payloads.Length];
        var lengths = new int[payloads.Length];
        var at = 16;
        for (var i = 0; i < payloads.Length; i++)
        {
            payloads[i].CopyTo(buffer, at);
            offsets[i] = at;
            lengths[i] = payloads[i].Length;
            at += payloads[i].Length;
        }

        return new FrameBatch(BackendMessageCode.CopyData, buffer, offsets, lengths, payloads.Length);
    }
}
