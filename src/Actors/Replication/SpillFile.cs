using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PgWire.Actors.Replication;

/// <summary>
/// A temporary file that bytes are appended to and then read back once, in order: where a large
/// transaction's changes go until it commits. It is written and read in whole blocks of
/// <see cref="BlockSize"/> bytes through one block of memory. On Linux it is opened with
/// <c>O_DIRECT</c> where the file system allows it, so its bytes go between that block and the disk
/// without a copy into and out of the page cache: nothing else reads the file, and for a
/// transaction of a million rows those two copies were the largest part of lrepl's own CPU after
/// TLS (bench/README.md). Elsewhere (tmpfs, other systems) it is an ordinary unbuffered file.
/// The file is deleted when disposed.
/// </summary>
internal sealed partial class SpillFile : IDisposable
{
    /// <summary>Bytes written or read at a time.</summary>
    public const int BlockSize = 1 << 20;

    // O_DIRECT wants the memory, the file offset and the length of each transfer aligned to the
    // device's logical block size; 4096 covers every common one.
    private const int Alignment = 4096;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _storage;
    private readonly int _blockStart;

    // Bytes of the block not yet written (while appending), or the file offset of the block held
    // (while reading).
    private int _staged;
    private long _blockOffset = -1;
    private int _blockLength;
    private bool _finished;

    private SpillFile(string path, SafeFileHandle handle, bool direct)
    {
        Path = path;
        _handle = handle;
        IsDirect = direct;

        // One pinned block whose start is aligned (a pinned array never moves).
        _storage = GC.AllocateUninitializedArray<byte>(BlockSize + Alignment, pinned: true);
        _blockStart = AlignedOffset(_storage);
    }

    public string Path { get; }

    /// <summary>True when the file bypasses the page cache (O_DIRECT).</summary>
    public bool IsDirect { get; }

    /// <summary>Bytes appended.</summary>
    public long Length { get; private set; }

    private Span<byte> Block => _storage.AsSpan(_blockStart, BlockSize);

    /// <summary>Creates a new file at <paramref name="path"/> (which must not exist).</summary>
    /// <param name="direct">False opens it as an ordinary file even where O_DIRECT would work.</param>
    public static SpillFile Create(string path, bool direct = true)
    {
        if (direct && DirectFlag() is int flag)
        {
            var fd = Open(path, OpenReadWrite | OpenCreate | OpenExclusive | OpenCloseOnExec | flag, 0b110_000_000);
            if (fd >= 0)
            {
                return new SpillFile(path, new SafeFileHandle(fd, ownsHandle: true), direct: true);
            }

            // EINVAL: this file system takes no O_DIRECT (Linux creates the file before it says so).
            // Any other failure is reported by the ordinary open below, in .NET's words.
            if (Marshal.GetLastPInvokeError() == ErrnoInvalid && File.Exists(path))
            {
                File.Delete(path);
            }
        }

        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        return new SpillFile(path, handle, direct: false);
    }

    /// <summary>Appends <paramref name="bytes"/>; whole blocks are written as they fill.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_finished)
        {
            throw new InvalidOperationException("the spill file is being read");
        }

        while (!bytes.IsEmpty)
        {
            // The block holds the bytes from this file offset on.
            var blockOffset = Length - _staged;
            var n = Math.Min(bytes.Length, BlockSize - _staged);
            bytes[..n].CopyTo(Block[_staged..]);
            _staged += n;
            Length += n;
            bytes = bytes[n..];
            if (_staged == BlockSize)
            {
                RandomAccess.Write(_handle, Block, blockOffset);
                _staged = 0;
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes at <paramref name="position"/> (after the last append):
    /// a slice of the block held when they lie in it, else copied into <paramref name="scratch"/>
    /// (grown as needed). The slice is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Read(long position, int count, ref byte[] scratch)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (position < 0 || count < 0 || position + count > Length)
        {
            throw new EndOfStreamException($"spill file {Path} ends before byte {position + count} ({Length} written)");
        }

        FinishWriting();
        if (position >= _blockOffset && position + count <= _blockOffset + _blockLength)
        {
            return Block.Slice((int)(position - _blockOffset), count);
        }

        var first = position - (position % BlockSize);
        if (position + count <= first + BlockSize)
        {
            LoadBlock(first);
            return Block.Slice((int)(position - first), count);
        }

        // Across blocks: assembled in the scratch array.
        if (scratch.Length < count)
        {
            scratch = new byte[Math.Max(count, scratch.Length * 2)];
        }

        var copied = 0;
        while (copied < count)
        {
            var at = position + copied;
            var blockOffset = at - (at % BlockSize);
            LoadBlock(blockOffset);
            var inBlock = (int)(at - blockOffset);
            var n = Math.Min(count - copied, _blockLength - inBlock);
            Block.Slice(inBlock, n).CopyTo(scratch.AsSpan(copied));
            copied += n;
        }

        return scratch.AsSpan(0, count);
    }

    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        _handle.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Left for the clean-up of spill files at the next start.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes the last, partial block (padded to the alignment when direct).</summary>
    private void FinishWriting()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_staged > 0)
        {
            var length = IsDirect ? (_staged + Alignment - 1) / Alignment * Alignment : _staged;
            Block[_staged..length].Clear();
            RandomAccess.Write(_handle, Block[..length], Length - _staged);
            _staged = 0;
        }

        _blockOffset = -1;
        _blockLength = 0;
    }

    private void LoadBlock(long offset)
    {
        if (offset == _blockOffset)
        {
            return;
        }

        var want = (int)Math.Min(BlockSize, Length - offset);
        var length = IsDirect ? (want + Alignment - 1) / Alignment * Alignment : want;
        var read = 0;
        while (read < want)
        {
            var n = RandomAccess.Read(_handle, Block[read..length], offset + read);
            if (n == 0)
            {
                throw new EndOfStreamException($"spill file {Path} ends at byte {offset + read} of {Length}");
            }

            read += n;
        }

        _blockOffset = offset;
        _blockLength = want;
    }

    private static unsafe int AlignedOffset(byte[] pinned)
    {
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((Alignment - (address % Alignment)) % Alignment);
    }

    private const int OpenReadWrite = 2;
    private const int OpenCreate = 0x40;
    private const int OpenExclusive = 0x80;
    private const int OpenCloseOnExec = 0x80000;
    private const int ErrnoInvalid = 22;

    /// <summary>Linux's O_DIRECT for this architecture, or null where it is not known here.</summary>
    private static int? DirectFlag()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x4000,
            Architecture.Arm64 or Architecture.Arm => 0x10000,
            _ => null,
        };
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);
}
