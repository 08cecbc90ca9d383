namespace PgWire.Iceberg;

/// <summary>
/// Files that are on disk once written: their bytes are flushed to the device when the stream is
/// closed, and the directory entry of a new file is synced too. A table's commit names files that
/// must survive a crash of the machine, not only of the process, once the catalog points at them.
/// </summary>
public static partial class DurableFiles
{
    /// <summary>Creates <paramref name="path"/> (it must not exist) for writing; closing the stream makes the file durable.</summary>
    public static Stream CreateNew(string path) => new SyncedFileStream(path);

    /// <summary>fsync of a directory, so a file created or renamed in it survives a crash (a no-op where directories cannot be opened).</summary>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = FSync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    private sealed class SyncedFileStream : FileStream
    {
        private readonly string _path;
        private bool _synced;

        public SyncedFileStream(string path)
            : base(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024)
        {
            _path = path;
        }

        protected override void Dispose(bool disposing)
        {
            try
            {
                if (disposing && !_synced)
                {
                    _synced = true;
                    Flush(flushToDisk: true);
                    SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
                }
            }
            finally
            {
                base.Dispose(disposing);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                if (!_synced)
                {
                    await FlushAsync().ConfigureAwait(false);
                    _synced = true;
                    Flush(flushToDisk: true);
                    SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
                }
            }
            finally
            {
                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
