using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Actors.Replication;

/// <summary>
/// The changes of one transaction, kept as raw pgoutput change messages (without the streamed xid)
/// tagged with the (sub)transaction id and the <see cref="TableRelation"/> in effect when they arrived. Held in
/// memory up to a threshold, then spilled to a temporary <see cref="SpillFile"/> that is deleted when
/// the buffer is disposed. Records: length (int32), xid (uint32), relation index (int32), then the
/// message bytes.
/// </summary>
public sealed class TransactionBuffer : IDisposable
{
    private const int HeaderSize = 12;

    private readonly string? _spillDirectory;
    private readonly int _threshold;
    private readonly List<TableRelation> _relations = [];
    private byte[] _memory;
    private int _length;
    private SpillFile? _spill;
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
    public string? SpillPath => _spill?.Path;

    /// <summary>True when the spill file bypasses the page cache (see <see cref="SpillFile"/>).</summary>
    public bool IsSpilledDirect => _spill?.IsDirect == true;

    /// <summary>False spills to an ordinary file even where the page cache could be bypassed (tests).</summary>
    internal bool SpillDirect { get; init; } = true;

    /// <summary>
    /// Adds one change of <paramref name="table"/>: <paramref name="type"/> (a <see cref="ChangeKind"/>)
    /// and <paramref name="body"/> together form a pgoutput message as sent outside a streamed block
    /// (an empty body for a truncate or a relation event).
    /// </summary>
    public void Add(uint xid, TableRelation table, byte type, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(table);
        ObjectDisposedException.ThrowIf(_memory.Length == 0 && _spill is null, this);
        // A loop, not FindLastIndex with a lambda: a lambda capturing the table would be allocated
        // on every call (the capture is made when the method starts), a garbage object per change.
        var relation = _relations.Count - 1;
        while (relation >= 0 && !ReferenceEquals(_relations[relation], table))
        {
            relation--;
        }

        if (relation < 0)
        {
            _relations.Add(table);
            relation = _relations.Count - 1;
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
            // The file stages what it is given in its own block and writes whole blocks.
            _spill.Append(header);
            _spill.Append(body);
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
    public Reader OpenReader() => new(this);

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
        _spill = SpillFile.Create(path, SpillDirect);
        _spill.Append(_memory.AsSpan(0, _length));
        ArrayPool<byte>.Shared.Return(_memory);
        _memory = [];
        _length = 0;
    }

    /// <summary>Sequential reader over a buffer's records.</summary>
    public sealed class Reader
    {
        private readonly TransactionBuffer _owner;
        private long _position;

        // Where a record of a spill file that spans two of its blocks is put together.
        private byte[] _scratch = [];

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
                if (_position >= file.Length)
                {
                    xid = 0;
                    relation = 0;
                    message = default;
                    return false;
                }

                header = file.Read(_position, HeaderSize, ref _scratch);
                length = BinaryPrimitives.ReadInt32LittleEndian(header);
                xid = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                relation = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);

                // Read after the header's fields are taken: this read may replace the block they were in.
                message = file.Read(_position + HeaderSize, length, ref _scratch);
                _position += HeaderSize + length;
                return true;
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

                header = _owner._memory.AsSpan((int)_position, HeaderSize);
                length = BinaryPrimitives.ReadInt32LittleEndian(header);
                message = _owner._memory.AsSpan((int)_position + HeaderSize, length);
                _position += HeaderSize + length;
            }

            xid = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            relation = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            return true;
        }
    }
}
