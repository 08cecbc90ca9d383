using System.Buffers;
using System.Globalization;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>
/// The file sink's snapshot: each range is encoded (JSON lines or CSV records) into a file of its
/// own, range 0 into the data file itself, the others into <c>&lt;data file&gt;.partN</c>; then the
/// parts are appended to the data file in range order (copy_file_range where the kernel has it) and
/// the data file is fsynced. A CSV file starts with its header.
/// </summary>
public sealed partial class FileSnapshotSink : ISnapshotSink
{
    /// <summary>
    /// Encoded bytes collected before they are written out: small enough to be still in the
    /// processor's cache when the kernel copies them (see <see cref="FileSinkActor.ChunkSize"/>).
    /// </summary>
    private const int DrainThreshold = FileSinkActor.ChunkSize;

    private readonly string _dataPath;
    private readonly LreplFormat _format;
    private TableRelation? _table;
    private Lsn _lsn;
    private string[] _paths = [];

    public FileSnapshotSink(string dataPath, LreplFormat format)
    {
        _dataPath = dataPath;
        _format = format;
    }

    /// <summary>Time spent appending the range files to the data file by the last <see cref="CompleteAsync"/>.</summary>
    public TimeSpan JoinTime { get; private set; }

    /// <summary>Time spent in the final fsync by the last <see cref="CompleteAsync"/>.</summary>
    public TimeSpan SyncTime { get; private set; }

    internal static string PartPath(string dataPath, int index) => dataPath + ".part" + index.ToString(CultureInfo.InvariantCulture);

    public void Begin(TableRelation table, Lsn consistentPoint, int parts)
    {
        ArgumentNullException.ThrowIfNull(table);
        DeleteParts();
        _table = table;
        _lsn = consistentPoint;
        _paths = new string[parts];
        for (var i = 0; i < parts; i++)
        {
            _paths[i] = i == 0 ? _dataPath : PartPath(_dataPath, i);
        }
    }

    public ISnapshotPartWriter OpenPart(int index)
    {
        var table = _table ?? throw new InvalidOperationException("the snapshot has not begun");
        var file = new FileStream(_paths[index], FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        try
        {
            CopyTextRowWriter writer = _format == LreplFormat.Csv
                ? new CopyTextCsvWriter(table.Columns, _lsn, DrainThreshold + (DrainThreshold / 4))
                : new CopyTextJsonWriter(table.Columns, _lsn, DrainThreshold + (DrainThreshold / 4));
            if (index == 0 && _format == LreplFormat.Csv)
            {
                var header = new ArrayBufferWriter<byte>(256);
                new CsvLineEncoder([.. table.Columns.Select(c => c.Name)]).WriteHeader(header);
                file.Write(header.WrittenSpan);
            }

            return new FilePart(writer, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public async Task<long> CompleteAsync(CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var data = new FileStream(_dataPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1);
        for (var i = 1; i < _paths.Length; i++)
        {
            await using (var part = new FileStream(_paths[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                await AppendAsync(part, data, ct).ConfigureAwait(false);
            }

            File.Delete(_paths[i]);
        }

        JoinTime = clock.Elapsed;
        data.Flush(flushToDisk: true);
        SyncTime = clock.Elapsed - JoinTime;
        return data.Length;
    }

    public void Discard()
    {
        DeleteParts();
        if (File.Exists(_dataPath))
        {
            File.Delete(_dataPath);
        }
    }

    private void DeleteParts()
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(_dataPath))!;
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var stale in Directory.EnumerateFiles(dir, Path.GetFileName(_dataPath) + ".part*"))
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// Appends <paramref name="source"/> to <paramref name="destination"/>: in the kernel with
    /// copy_file_range where that works, else through a buffer.
    /// </summary>
    private static async Task AppendAsync(FileStream source, FileStream destination, CancellationToken ct)
    {
        if (OperatingSystem.IsLinux() && TryKernelCopy(source, destination))
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DrainThreshold);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, DrainThreshold), ct).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryKernelCopy(FileStream source, FileStream destination)
    {
        destination.Flush();
        var length = source.Length;
        var inOffset = source.Position;
        var outOffset = destination.Position;
        var start = outOffset;
        try
        {
            while (inOffset < length)
            {
                var n = CopyFileRange((int)source.SafeFileHandle.DangerousGetHandle(), ref inOffset, (int)destination.SafeFileHandle.DangerousGetHandle(), ref outOffset, (nuint)Math.Min(length - inOffset, 1L << 30), 0);
                if (n <= 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        if (inOffset == length)
        {
            destination.Position = outOffset;
            source.Position = inOffset;
            return true;
        }

        // Nothing or part was copied: put both back where they were for the buffered copy.
        destination.SetLength(start);
        destination.Position = start;
        source.Position = 0;
        return false;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint length, uint flags);

    private const uint SyncFileRangeWrite = 2;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long length, uint flags);

    /// <summary>
    /// One range's file. On Linux the kernel is asked to start writing each further 8 MB to disk while
    /// the copy goes on (sync_file_range), so the fsync at the end waits for the last part only.
    /// </summary>
    private sealed class FilePart(CopyTextRowWriter writer, FileStream file) : ISnapshotPartWriter
    {
        private const long WritebackChunk = 8L << 20;
        private long _written;
        private long _submitted;
        private Task _writeback = Task.CompletedTask;
        private bool _writebackFailed;

        public long Rows => writer.Rows;

        public void Write(ReadOnlySpan<byte> copyText)
        {
            writer.Write(copyText);
            if (writer.Length >= DrainThreshold)
            {
                Drain();
            }
        }

        public async Task CompleteAsync()
        {
            writer.Complete();
            Drain();
            await _writeback.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            writer.Dispose();
            await Quietly(_writeback).ConfigureAwait(false);
            await file.DisposeAsync().ConfigureAwait(false);
        }

        private static async Task Quietly(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
            }
        }

        private void Drain()
        {
            var data = writer.WrittenSpan;
            file.Write(data);
            _written += data.Length;
            writer.Clear();
            if (_written - _submitted >= WritebackChunk && _writeback.IsCompleted && !_writebackFailed && OperatingSystem.IsLinux())
            {
                var from = _submitted;
                var length = _written - from;
                var handle = file.SafeFileHandle;
                _submitted = _written;
                _writeback = Task.Run(() =>
                {
                    // Advisory: a file system without it (or any error) leaves it all to the fsync.
                    if (SyncFileRange(handle, from, length, SyncFileRangeWrite) != 0)
                    {
                        _writebackFailed = true;
                    }
                });
            }
        }
    }
}
