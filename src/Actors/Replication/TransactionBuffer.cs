using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Actors.Replication;

/// <summary>
/// The changes of one transaction, kept as raw pgoutput change messages (without the streamed xid)
/// tagged with the (sub)transaction id and the <see cref="TableRelation"/> in effect when they arrived. Held in
/// memory up to a threshold, then spilled to a temporary file that is deleted when the buffer is
/// disposed. Records: length (int32), xid (uint32), relation index (int32), then the message bytes.
/// </summary>
public sealed class TransactionBuffer : IDisposable
{
    private const int HeaderSize = 12;
    private const int FileBufferSize = 1 << 20;

    private readonly string? _spillDirectory;
    private readonly int _threshold;
    private readonly List<TableRelation> _relations = [];
    private byte[] _memory;
    private int _length;
    private FileStream? _spill;
    private HashSet<uint>? _abortedSubtransactions;

    /// <param name="spillDirectory">Where spill files go; null keeps everything in memory.</param>
    /// <param name="threshold">Bytes held in memory before spilling.</param>
    /// <param name="initialCapacity">
    /// Bytes of memory to start with (at most <paramref name="threshold"/>): the size expected,
    /// when it is known to be large, saves growing the buffer step by step.
    /// </param>
    public TransactionBuffer(string? spillDirectory, int threshold, int initialCapacity = 4096)
    {
        _spillDirectory = spillDirectory;
        _threshold = threshold;
        _memory = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Min(initialCapacity, threshold), 256));
    }

    /// <summary>Records added, including those of aborted subtransactions.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of all records added.</summary>
    public long Bytes { get; private set; }

    public bool IsSpilled => _spill is not null;

    /// <summary>The spill file, or null.</summary>
    public string? SpillPath => _spill?.Name;

    /// <summary>
    /// Adds one change of <paramref name="table"/>: <paramref name="type"/> (a <see cref="ChangeKind"/>)
    /// and <paramref name="body"/> together form a pgoutput message as sent outside a streamed block
    /// (an empty body for a truncate or a relation event).
    /// </summary>
    public void Add(uint xid, TableRelation table, byte type, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(table);
        ObjectDisposedException.ThrowIf(_memory.Length == 0 && _spill is null, this);
        var relation = _relations.Count - 1;
        if (relation < 0 || !ReferenceEquals(_relations[relation], table))
        {
            relation = _relations.FindLastIndex(r => ReferenceEquals(r, table));
            if (relation < 0)
            {
                _relations.Add(table);
                relation = _relations.Count - 1;
            }
        }

        var size = HeaderSize + 1 + body.Length;
        Span<byte> header = stackalloc byte[HeaderSize + 1];
        BinaryPrimitives.WriteInt32LittleEndian(header, 1 + body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], xid);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], relation);
        header[HeaderSize] = type;

        if (_spill is null && _spillDirectory is not null && (long)_length + size > _threshold)
        {
            Spill();
        }

        if (_spill is not null)
        {
            // Staged in memory and written out a block at a time.
            if (_length + size > _memory.Length)
            {
                WriteStaged();
            }

            if (size > _memory.Length)
            {
                _spill.Write(header);
                _spill.Write(body);
            }
            else
            {
                header.CopyTo(_memory.AsSpan(_length));
                body.CopyTo(_memory.AsSpan(_length + header.Length));
                _length += size;
            }
        }
        else
        {
            Reserve(size);
            header.CopyTo(_memory.AsSpan(_length));
            body.CopyTo(_memory.AsSpan(_length + header.Length));
            _length += size;
        }

        Count++;
        Bytes += size;
    }

    /// <summary>Changes of <paramref name="subXid"/> are dropped when the buffer is read.</summary>
    public void AbortSubtransaction(uint subXid) => (_abortedSubtransactions ??= []).Add(subXid);

    /// <summary>Reads the records back in order, skipping aborted subtransactions. Add no more records after this.</summary>
    public Reader OpenReader()
    {
        if (_spill is not null)
        {
            WriteStaged();
            _spill.Position = 0;
        }

        return new Reader(this);
    }

    public void Dispose()
    {
        _spill?.Dispose();
        _spill = null;
        if (_memory.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_memory);
            _memory = [];
        }

        _length = 0;
    }

    private void Reserve(int size)
    {
        if (_length + size <= _memory.Length)
        {
            return;
        }

        var capacity = Math.Max(_memory.Length * 2, _length + size);
        var grown = ArrayPool<byte>.Shared.Rent(capacity);
        _memory.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_memory);
        _memory = grown;
    }

    private void Spill()
    {
        Directory.CreateDirectory(_spillDirectory!);
        var path = Path.Combine(_spillDirectory!, Guid.NewGuid().ToString("N") + ".spill");
        // Unbuffered: records are staged in a block of memory on the way in and read in blocks on the way out.
        _spill = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        _spill.Write(_memory, 0, _length);
        ArrayPool<byte>.Shared.Return(_memory);
        _memory = ArrayPool<byte>.Shared.Rent(FileBufferSize);
        _length = 0;
    }

    /// <summary>Writes the records staged since the last block to the spill file.</summary>
    private void WriteStaged()
    {
        if (_length > 0)
        {
            _spill!.Write(_memory, 0, _length);
            _length = 0;
        }
    }

    /// <summary>Sequential reader over a buffer's records.</summary>
    public sealed class Reader
    {
        private readonly TransactionBuffer _owner;
        private int _position;

        // A spill file is read a block at a time; records are taken from the block in place.
        private byte[] _block = [];
        private int _blockStart;
        private int _blockEnd;

        internal Reader(TransactionBuffer owner) => _owner = owner;

        /// <summary>Next change; <paramref name="message"/> is valid until the next call.</summary>
        public bool TryRead(out uint xid, out TableRelation? table, out ReadOnlySpan<byte> message)
        {
            while (true)
            {
                if (!TryReadRecord(out xid, out var relation, out message))
                {
                    table = null;
                    return false;
                }

                if (_owner._abortedSubtransactions?.Contains(xid) == true)
                {
                    continue;
                }

                table = relation < 0 ? null : _owner._relations[relation];
                return true;
            }
        }

        private bool TryReadRecord(out uint xid, out int relation, out ReadOnlySpan<byte> message)
        {
            ReadOnlySpan<byte> header;
            int length;
            if (_owner._spill is { } file)
            {
                if (!Fill(file, HeaderSize))
                {
                    xid = 0;
                    relation = 0;
                    message = default;
                    return false;
                }

                length = BinaryPrimitives.ReadInt32LittleEndian(_block.AsSpan(_blockStart));
                if (!Fill(file, HeaderSize + length))
                {
                    throw new EndOfStreamException($"spill file {file.Name} ends inside a record");
                }

                header = _block.AsSpan(_blockStart, HeaderSize);
                message = _block.AsSpan(_blockStart + HeaderSize, length);
                _blockStart += HeaderSize + length;
            }
            else
            {
                if (_position >= _owner._length)
                {
                    xid = 0;
                    relation = 0;
                    message = default;
                    return false;
                }

                header = _owner._memory.AsSpan(_position, HeaderSize);
                length = BinaryPrimitives.ReadInt32LittleEndian(header);
                message = _owner._memory.AsSpan(_position + HeaderSize, length);
                _position += HeaderSize + length;
            }

            xid = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            relation = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            return true;
        }

        /// <summary>
        /// Makes the block hold at least <paramref name="bytes"/> unread bytes of the spill file; false
        /// when the file ends first (with nothing unread when <paramref name="bytes"/> is a header's size).
        /// </summary>
        private bool Fill(FileStream file, int bytes)
        {
            if (_blockEnd - _blockStart >= bytes)
            {
                return true;
            }

            if (_block.Length < bytes || _block.Length == 0)
            {
                var grown = new byte[Math.Max(bytes, Math.Max(_block.Length * 2, FileBufferSize))];
                _block.AsSpan(_blockStart, _blockEnd - _blockStart).CopyTo(grown);
                _blockEnd -= _blockStart;
                _blockStart = 0;
                _block = grown;
            }
            else if (_blockStart > 0)
            {
                _block.AsSpan(_blockStart, _blockEnd - _blockStart).CopyTo(_block);
                _blockEnd -= _blockStart;
                _blockStart = 0;
            }

            while (_blockEnd < bytes)
            {
                var read = file.Read(_block, _blockEnd, _block.Length - _blockEnd);
                if (read == 0)
                {
                    if (_blockEnd > 0 && bytes == HeaderSize)
                    {
                        throw new EndOfStreamException($"spill file {file.Name} ends inside a record header");
                    }

                    return false;
                }

                _blockEnd += read;
            }

            return true;
        }
    }
}
