using System.Buffers;
using System.Globalization;
using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>
/// The snapshot half of the sink contract (the change half is <see cref="TransactionBatch"/>):
/// where a table's initial copy goes. The copier calls it directly from its COPY workers, so a sink
/// receives the rows of several ctid ranges in parallel, each range through its own
/// <see cref="ISnapshotPartWriter"/> used by one thread at a time.
/// <para>
/// Guarantees asked of a sink: nothing of the snapshot counts until <see cref="CompleteAsync"/> has
/// returned (a crash before that leaves a snapshot that is taken again from scratch, and
/// <see cref="Discard"/> or the next <see cref="Begin"/> removes what it left); after it, the rows of
/// every part are durable in range order and the returned position is where the change stream
/// continues. The snapshot is consistent at <c>consistentPoint</c>, the slot's starting point, so
/// changes committed after it follow without gap or overlap.
/// </para>
/// </summary>
public interface ISnapshotSink
{
    /// <summary>
    /// Starts the snapshot of <paramref name="table"/> (its columns in the order of the COPY's
    /// fields) in <paramref name="parts"/> ranges; removes what an unfinished earlier snapshot left.
    /// </summary>
    void Begin(TableRelation table, Lsn consistentPoint, int parts);

    /// <summary>The writer of range <paramref name="index"/> (0-based, in table order); one per range.</summary>
    ISnapshotPartWriter OpenPart(int index);

    /// <summary>
    /// Every part is complete: makes the snapshot durable and returns the sink's position after it
    /// (opaque to the pipeline: the file sink's length).
    /// </summary>
    Task<long> CompleteAsync(CancellationToken ct);

    /// <summary>The snapshot failed or was stopped: removes what it wrote. Safe to call more than once.</summary>
    void Discard();
}

/// <summary>Receives the rows of one ctid range of a snapshot.</summary>
public interface ISnapshotPartWriter : IAsyncDisposable
{
    /// <summary>
    /// Rows in COPY TO STDOUT text format as the server sent them (values tab separated, <c>\N</c>
    /// for NULL, backslash escapes, a newline after each row); a row may be split over calls.
    /// </summary>
    void Write(ReadOnlySpan<byte> copyText);

    /// <summary>Whole rows received so far.</summary>
    long Rows { get; }

    /// <summary>The range is complete (the data ended with a whole row): what is buffered is written.</summary>
    Task CompleteAsync();
}

/// <summary>
/// The file sink's snapshot: each range is encoded (JSON lines or CSV records) into a file of its
/// own, range 0 into the data file itself, the others into <c>&lt;data file&gt;.partN</c>; then the
/// parts are appended to the data file in range order (copy_file_range where the kernel has it) and
/// the data file is fsynced. A CSV file starts with its header.
/// </summary>
public sealed partial class FileSnapshotSink : ISnapshotSink
{
    private const int DrainThreshold = 1 << 20;

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
