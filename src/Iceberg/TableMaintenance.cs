using System.Globalization;

namespace PgWire.Iceberg;

/// <summary>What <see cref="TableMaintenance.RunAsync"/> does, and with which limits.</summary>
public sealed record MaintenanceOptions
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(1);

    public static readonly TimeSpan DefaultOrphanGracePeriod = TimeSpan.FromHours(1);

    /// <summary>Snapshots younger than this are kept (the current one always is).</summary>
    public TimeSpan SnapshotRetention { get; init; } = DefaultRetention;

    /// <summary>The newest this many snapshots are kept whatever their age (at least 1: the current one).</summary>
    public int MinSnapshotsToKeep { get; init; } = 1;

    /// <summary>The size compaction writes data files at.</summary>
    public long TargetFileSize { get; init; } = IcebergSettings.DefaultTargetFileSize;

    /// <summary>Data files smaller than this are rewritten; null for a quarter of <see cref="TargetFileSize"/>.</summary>
    public long? SmallFileSize { get; init; }

    /// <summary>Files no metadata refers to are removed only when older than this (a running writer's files in flight are younger).</summary>
    public TimeSpan OrphanGracePeriod { get; init; } = DefaultOrphanGracePeriod;

    public bool Compact { get; init; } = true;

    public bool ExpireSnapshots { get; init; } = true;

    public bool RemoveOrphans { get; init; } = true;

    /// <summary>How often a commit that lost the race to another writer is tried again (from the new state) before giving up.</summary>
    public int CommitAttempts { get; init; } = 8;

    /// <summary>The time snapshot and file ages are measured against.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    internal long SmallFileLimit => SmallFileSize ?? TargetFileSize / 4;
}

/// <summary>What one upkeep run did.</summary>
public sealed record MaintenanceResult
{
    /// <summary>The replace snapshot of compaction or manifest merging, if one was committed.</summary>
    public long? ReplaceSnapshotId { get; init; }

    public int DataFilesRewritten { get; init; }

    public long BytesRewritten { get; init; }

    public int DataFilesWritten { get; init; }

    public long BytesWritten { get; init; }

    /// <summary>Delete files the replace snapshot no longer lists (they applied only to rewritten files).</summary>
    public int DeleteFilesDropped { get; init; }

    /// <summary>Row deletes another writer committed during compaction against rewritten rows, carried over to the rows' new places.</summary>
    public int DeletesCarriedOver { get; init; }

    public int ManifestsBefore { get; init; }

    public int ManifestsAfter { get; init; }

    /// <summary>Why compaction did not commit (lost the race to other writers every time), or null.</summary>
    public string? CompactionSkipped { get; init; }

    public int SnapshotsExpired { get; init; }

    /// <summary>Why no snapshot was expired (lost the race to other writers every time), or null.</summary>
    public string? ExpirySkipped { get; init; }

    /// <summary>Data, delete, manifest and manifest list files deleted because only expired snapshots used them.</summary>
    public int FilesDeleted { get; init; }

    public long BytesDeleted { get; init; }

    public int OrphansRemoved { get; init; }

    public long OrphanBytes { get; init; }
}

/// <summary>
/// Table upkeep for a table written by many small commits: compaction of small data files (with
/// the deletes that apply to them) and merging of manifests in one "replace" snapshot, expiry of
/// old snapshots with the files only they used, and removal of orphan files.
/// </summary>
/// <remarks>
/// Every commit is the catalog's compare-and-swap: when another writer commits first the table is
/// read again and the change rebuilt on top of it, so the other writer's commit is never lost. A
/// snapshot made here copies the parent's <c>pgwire.*</c> summary properties (the replication
/// position lrepl reads from the current snapshot). Only files under the table's location are
/// deleted, and only files no retained snapshot uses. Partitioned tables are not compacted.
/// </remarks>
public static class TableMaintenance
{
    /// <summary>Compaction and manifest merging, then snapshot expiry, then orphan removal (as <paramref name="options"/> enables them).</summary>
    public static async Task<MaintenanceResult> RunAsync(IcebergTable table, IFileIO io, MaintenanceOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(options);
        var result = new MaintenanceResult();
        if (options.Compact)
        {
            result = await CompactAsync(table, io, options, result, ct);
        }

        if (options.ExpireSnapshots)
        {
            result = await ExpireSnapshotsAsync(table, io, options, result, ct);
        }

        if (options.RemoveOrphans)
        {
            result = await RemoveOrphanFilesAsync(table, io, options, result, ct);
        }

        return result;
    }

    private sealed record Entry(ManifestEntry Manifest, long Seq)
    {
        public DataFile File => Manifest.DataFile;
    }

    /// <summary>The live files of a snapshot with their manifest entries, and its manifests.</summary>
    private sealed record Plan(List<ManifestFile> Manifests, List<Entry> Data, List<Entry> Deletes);

    /// <summary>Manifests and position delete files read so far: a retry after a lost commit race reads only what is new.</summary>
    private sealed class ReadCache
    {
        public Dictionary<string, List<ManifestEntry>> Manifests { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HashSet<string>> References { get; } = new(StringComparer.Ordinal);
    }

    private static async Task<Plan> PlanAsync(IFileIO io, Snapshot snapshot, ReadCache cache, CancellationToken ct)
    {
        var manifests = await ReadManifestListAsync(io, snapshot.ManifestList, ct);
        var data = new List<Entry>();
        var deletes = new List<Entry>();
        foreach (var manifest in manifests)
        {
            foreach (var e in await CachedManifestAsync(io, manifest, cache.Manifests, ct))
            {
                if (e.Status == ManifestEntryStatus.Deleted)
                {
                    continue;
                }

                var entry = new Entry(e, e.SequenceNumber ?? throw new IcebergFormatException($"{manifest.ManifestPath}: an entry without a sequence number"));
                (e.DataFile.Content == FileContent.Data ? data : deletes).Add(entry);
            }
        }

        return new Plan(manifests, data, deletes);
    }

    /// <summary>
    /// Rewrites the data files smaller than the limit, with their deletes applied, into files of
    /// the target size, and lists every live file in one manifest per content kind (the removed
    /// ones in one more per kind), as one "replace" snapshot. With no small files to rewrite,
    /// only merges manifests (when there is more than one per content kind).
    /// </summary>
    public static async Task<MaintenanceResult> CompactAsync(IcebergTable table, IFileIO io, MaintenanceOptions options, MaintenanceResult result, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var cache = new ReadCache();
        for (var attempt = 1; attempt <= Math.Max(1, options.CommitAttempts); attempt++)
        {
            await table.RefreshAsync(ct);
            var m = table.Metadata;
            if (m.CurrentSnapshot is not { } snapshot || !Unpartitioned(m))
            {
                return result;
            }

            var plan = await PlanAsync(io, snapshot, cache, ct);
            if (plan.Manifests.Any(x => m.PartitionSpecs.FirstOrDefault(p => p.SpecId == x.PartitionSpecId) is not { Fields.Count: 0 }))
            {
                return result;
            }

            var references = await PositionReferencesAsync(io, plan.Deletes, cache, ct);
            var small = plan.Data.Where(d => d.File.FileSizeInBytes < options.SmallFileLimit).ToList();
            var smallWithDeletes = small.Where(d => AppliesTo(plan.Deletes, references, d).Any()).ToList();
            if (small.Count < 2 && smallWithDeletes.Count == 0)
            {
                small = [];
            }

            // A manifest that lists only removed files is left out of the next commit anyway.
            var kinds = (plan.Data.Count > 0 ? 1 : 0) + (plan.Deletes.Count > 0 ? 1 : 0);
            if (small.Count == 0 && plan.Manifests.Count(x => x.AddedFilesCount + x.ExistingFilesCount > 0) <= kinds)
            {
                return result with { ManifestsBefore = plan.Manifests.Count, ManifestsAfter = plan.Manifests.Count };
            }

            var rewritten = small.Select(d => d.File.FilePath).ToHashSet(StringComparer.Ordinal);
            var (written, moved) = small.Count == 0 ? ([], new Dictionary<string, RowMap>()) : await RewriteAsync(io, table, snapshot, rewritten, options.TargetFileSize, ct);

            // The deletes that applied to the rewritten files when they were read. A position
            // delete another writer commits meanwhile against a rewritten row is carried over to
            // the row's new place (one more position delete file in the replace snapshot); any
            // other change to the rewritten files makes compaction start over.
            var handled = small.SelectMany(d => AppliesTo(plan.Deletes, references, d)).Select(d => d.File.FilePath).ToHashSet(StringComparer.Ordinal);
            var carried = new List<PositionDelete>();
            DataFile? carriedFile = null;
            while (true)
            {
                try
                {
                    var (snap, before, after, dropped) = await CommitReplaceAsync(table, io, plan, references, rewritten, written, carriedFile, ct);
                    return result with
                    {
                        ReplaceSnapshotId = snap.SnapshotId,
                        DataFilesRewritten = small.Count,
                        BytesRewritten = small.Sum(d => d.File.FileSizeInBytes),
                        DataFilesWritten = written.Count,
                        BytesWritten = written.Sum(f => f.FileSizeInBytes),
                        DeleteFilesDropped = dropped,
                        DeletesCarriedOver = carried.Count,
                        ManifestsBefore = before,
                        ManifestsAfter = after,
                    };
                }
                catch (CommitConflictException) when (attempt < options.CommitAttempts)
                {
                    attempt++;
                    if (carriedFile is not null)
                    {
                        DeleteQuietly(io, [carriedFile]);
                        carriedFile = null;
                    }

                    await table.RefreshAsync(ct);
                    if (table.Metadata.CurrentSnapshot is not { } current)
                    {
                        break;
                    }

                    plan = await PlanAsync(io, current, cache, ct);
                    references = await PositionReferencesAsync(io, plan.Deletes, cache, ct);
                    var live = plan.Data.Where(d => rewritten.Contains(d.File.FilePath)).ToList();
                    var added = live.SelectMany(d => AppliesTo(plan.Deletes, references, d)).DistinctBy(d => d.File.FilePath).Where(d => !handled.Contains(d.File.FilePath)).ToList();
                    if (live.Count != rewritten.Count || added.Any(d => d.File.Content != FileContent.PositionDeletes))
                    {
                        // The other writer removed rewritten files or deleted rows by key: start over.
                        break;
                    }

                    foreach (var d in added)
                    {
                        foreach (var row in await TableScan.ReadColumnsAsync(io, d.File.FilePath, [TableScan.DeleteFilePathId, TableScan.DeletePosId], [PrimitiveType.String, PrimitiveType.Long], ct))
                        {
                            if (row[0] is string path && moved.TryGetValue(path, out var map) && map.Find((long)row[1]!) is { } to)
                            {
                                carried.Add(new PositionDelete(written[to.File].FilePath, to.Position));
                            }
                        }

                        handled.Add(d.File.FilePath);
                    }

                    if (carried.Count > 0)
                    {
                        carriedFile = await PositionDeleteWriter.WriteAsync(io, $"{table.Metadata.Location}/data/{Guid.NewGuid():D}-deletes.parquet", carried, ct);
                    }
                }
                catch (CommitConflictException)
                {
                    DeleteQuietly(io, carriedFile is null ? written : [.. written, carriedFile]);
                    return result with { CompactionSkipped = $"other writers committed first {options.CommitAttempts} times" };
                }
            }

            DeleteQuietly(io, carriedFile is null ? written : [.. written, carriedFile]);
            if (attempt >= options.CommitAttempts)
            {
                return result with { CompactionSkipped = $"other writers changed the files being rewritten {options.CommitAttempts} times" };
            }
        }

        return result with { CompactionSkipped = $"other writers committed first {options.CommitAttempts} times" };
    }

    private static bool Unpartitioned(TableMetadata m) =>
        m.PartitionSpecs.FirstOrDefault(p => p.SpecId == m.DefaultSpecId) is { Fields.Count: 0 };

    private static void DeleteQuietly(IFileIO io, IEnumerable<DataFile> files)
    {
        foreach (var f in files)
        {
            try
            {
                io.Delete(f.FilePath);
            }
            catch (IOException)
            {
                // Left for orphan removal.
            }
        }
    }

    /// <summary>For each position delete file, the data files it names.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> PositionReferencesAsync(IFileIO io, List<Entry> deletes, ReadCache cache, CancellationToken ct)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var d in deletes.Where(d => d.File.Content == FileContent.PositionDeletes))
        {
            if (!cache.References.TryGetValue(d.File.FilePath, out var paths))
            {
                var rows = await TableScan.ReadColumnsAsync(io, d.File.FilePath, [TableScan.DeleteFilePathId], [PrimitiveType.String], ct);
                cache.References[d.File.FilePath] = paths = [.. rows.Select(r => (string)r[0]!)];
            }

            result[d.File.FilePath] = paths;
        }

        return result;
    }

    /// <summary>The delete files that apply to a data file by the spec's sequence number rules.</summary>
    private static IEnumerable<Entry> AppliesTo(List<Entry> deletes, Dictionary<string, HashSet<string>> references, Entry data) =>
        deletes.Where(d => d.File.Content == FileContent.PositionDeletes
            ? d.Seq >= data.Seq && references.TryGetValue(d.File.FilePath, out var paths) && paths.Contains(data.File.FilePath)
            : d.Seq > data.Seq);

    /// <summary>Where the rows of one rewritten file went: its positions, ascending, and the new file (an index) and position of each.</summary>
    private sealed class RowMap
    {
        private readonly List<long> _from = [];
        private readonly List<int> _files = [];
        private readonly List<long> _to = [];

        public void Add(long from, int file, long to)
        {
            _from.Add(from);
            _files.Add(file);
            _to.Add(to);
        }

        public (int File, long Position)? Find(long from)
        {
            var i = _from.BinarySearch(from);
            return i >= 0 ? (_files[i], _to[i]) : null;
        }
    }

    /// <summary>
    /// Reads the live rows of the given files (deletes applied) with the current schema and
    /// writes them into files of about the target size; also returns where each row went.
    /// </summary>
    private static async Task<(List<DataFile> Written, Dictionary<string, RowMap> Moved)> RewriteAsync(IFileIO io, IcebergTable table, Snapshot snapshot, HashSet<string> files, long targetSize, CancellationToken ct)
    {
        var schema = table.Metadata.CurrentSchema;
        var ids = schema.Fields.Select(f => f.Id).ToArray();
        var written = new List<DataFile>();
        var moved = new Dictionary<string, RowMap>(StringComparer.Ordinal);
        DataFileAppender? appender = null;
        var batch = new List<object?[]>();
        long position = 0;
        try
        {
            await foreach (var row in TableScan.ScanAsync(io, snapshot, schema, ids, ct, files.Contains))
            {
                if (!moved.TryGetValue(row.FilePath, out var map))
                {
                    moved[row.FilePath] = map = new RowMap();
                }

                // Rows go to the file being written (its index is the number completed so far).
                map.Add(row.Position, written.Count, position++);
                batch.Add(row.Values);
                if (batch.Count < 4096)
                {
                    continue;
                }

                appender ??= DataFileWriter.Open(io, table.NewDataFileLocation(), schema);
                await appender.AppendAsync(batch, ct);
                batch = [];
                if (appender.EstimatedBytes >= targetSize)
                {
                    written.Add(await appender.CompleteAsync(ct));
                    await appender.DisposeAsync();
                    appender = null;
                    position = 0;
                }
            }

            if (batch.Count > 0)
            {
                appender ??= DataFileWriter.Open(io, table.NewDataFileLocation(), schema);
                await appender.AppendAsync(batch, ct);
            }

            if (appender is not null)
            {
                written.Add(await appender.CompleteAsync(ct));
            }
        }
        catch
        {
            DeleteQuietly(io, written);
            throw;
        }
        finally
        {
            if (appender is not null)
            {
                await appender.DisposeAsync();
            }
        }

        return (written, moved);
    }

    /// <summary>
    /// Commits on top of the table's current state (<paramref name="plan"/>): the rewritten files
    /// removed, <paramref name="written"/> added, deletes that no longer apply to a remaining data
    /// file dropped, every file in one manifest per content kind.
    /// </summary>
    private static async Task<(Snapshot Snapshot, int ManifestsBefore, int ManifestsAfter, int DeletesDropped)> CommitReplaceAsync(
        IcebergTable table, IFileIO io, Plan plan, Dictionary<string, HashSet<string>> references, HashSet<string> rewritten, List<DataFile> written, DataFile? carried, CancellationToken ct)
    {
        var m = table.Metadata;
        var parent = m.CurrentSnapshot!;
        var schema = m.CurrentSchema;
        var spec = m.PartitionSpecs.First(p => p.SpecId == m.DefaultSpecId);
        var snapshotId = IcebergTable.NewSnapshotId(m);
        var sequence = m.LastSequenceNumber + 1;
        var commitId = Guid.NewGuid().ToString("D");

        var kept = plan.Data.Where(d => !rewritten.Contains(d.File.FilePath)).ToList();
        var removed = plan.Data.Where(d => rewritten.Contains(d.File.FilePath)).ToList();
        var keptDeletes = plan.Deletes.Where(d => kept.Any(k => AppliesTo([d], references, k).Any())).ToList();
        var droppedDeletes = plan.Deletes.Except(keptDeletes).ToList();

        static ManifestEntry Existing(Entry e) => new(ManifestEntryStatus.Existing, e.Manifest.SnapshotId, e.Seq, e.Manifest.FileSequenceNumber ?? e.Seq, e.File);
        ManifestEntry Deleted(Entry e) => new(ManifestEntryStatus.Deleted, snapshotId, e.Seq, e.Manifest.FileSequenceNumber ?? e.Seq, e.File);

        var manifests = new List<ManifestFile>();
        async Task WriteAsync(ManifestContent content, List<ManifestEntry> entries)
        {
            if (entries.Count == 0)
            {
                return;
            }

            var path = string.Create(CultureInfo.InvariantCulture, $"{m.Location}/metadata/{commitId}-m{manifests.Count}.avro");
            using var buffer = new MemoryStream();
            ManifestWriter.WriteManifest(buffer, schema, spec, content, entries);
            await using (var s = io.Create(path))
            {
                await s.WriteAsync(buffer.ToArray(), ct);
            }

            List<ManifestEntry> Of(ManifestEntryStatus status) => [.. entries.Where(e => e.Status == status)];
            manifests.Add(new ManifestFile(path, buffer.Length, spec.SpecId, content, sequence,
                entries.Min(e => e.SequenceNumber ?? sequence), snapshotId,
                Of(ManifestEntryStatus.Added).Count, Of(ManifestEntryStatus.Existing).Count, Of(ManifestEntryStatus.Deleted).Count,
                Of(ManifestEntryStatus.Added).Sum(e => e.DataFile.RecordCount), Of(ManifestEntryStatus.Existing).Sum(e => e.DataFile.RecordCount),
                Of(ManifestEntryStatus.Deleted).Sum(e => e.DataFile.RecordCount)));
        }

        // The removed files are listed apart: a reader skips a manifest whose counts say it holds
        // only removed files, and the next commit leaves it out.
        await WriteAsync(ManifestContent.Data, [
            .. kept.Select(Existing),
            .. written.Select(f => new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, f)),
        ]);
        List<DataFile> addedDeletes = carried is null ? [] : [carried];
        await WriteAsync(ManifestContent.Deletes, [
            .. keptDeletes.Select(Existing),
            .. addedDeletes.Select(f => new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, f)),
        ]);
        await WriteAsync(ManifestContent.Data, [.. removed.Select(Deleted)]);
        await WriteAsync(ManifestContent.Deletes, [.. droppedDeletes.Select(Deleted)]);

        var listPath = $"{m.Location}/metadata/snap-{snapshotId}-1-{commitId}.avro";
        using (var buffer = new MemoryStream())
        {
            ManifestWriter.WriteManifestList(buffer, snapshotId, parent.SnapshotId, sequence, manifests);
            await using var s = io.Create(listPath);
            await s.WriteAsync(buffer.ToArray(), ct);
        }

        var summary = ReplaceSummary(parent, written, addedDeletes, removed.Select(e => e.File).ToList(), droppedDeletes.Select(e => e.File).ToList(),
            [.. kept.Select(e => e.File), .. written], [.. keptDeletes.Select(e => e.File), .. addedDeletes], plan.Manifests.Count, manifests.Count);
        var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs);
        var snapshot = new Snapshot(snapshotId, parent.SnapshotId, sequence, now, listPath, summary, schema.SchemaId);
        var next = IcebergTable.WithCurrentSnapshot(m, snapshot);
        try
        {
            await table.CommitMetadataAsync(next, ct);
        }
        catch (CommitConflictException)
        {
            foreach (var f in manifests.Select(x => x.ManifestPath).Append(listPath))
            {
                io.Delete(f);
            }

            throw;
        }

        return (snapshot, plan.Manifests.Count, manifests.Count, droppedDeletes.Count);
    }

    /// <summary>The summary of a replace snapshot: the spec's counters, totals from the files it lists, the parent's pgwire.* properties.</summary>
    private static Dictionary<string, string> ReplaceSummary(Snapshot parent, List<DataFile> added, List<DataFile> addedDeletes, List<DataFile> removed, List<DataFile> removedDeletes,
        List<DataFile> data, List<DataFile> deletes, int manifestsBefore, int manifestsAfter)
    {
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        var summary = new Dictionary<string, string>(StringComparer.Ordinal) { ["operation"] = "replace" };
        foreach (var (k, v) in parent.Summary)
        {
            if (k.StartsWith("pgwire.", StringComparison.Ordinal))
            {
                summary[k] = v;
            }
        }

        void Put(string key, long value)
        {
            if (value != 0)
            {
                summary[key] = S(value);
            }
        }

        var position = removedDeletes.Where(f => f.Content == FileContent.PositionDeletes).ToList();
        var equality = removedDeletes.Where(f => f.Content == FileContent.EqualityDeletes).ToList();
        Put("added-data-files", added.Count);
        Put("added-records", added.Sum(f => f.RecordCount));
        Put("added-delete-files", addedDeletes.Count);
        Put("added-position-delete-files", addedDeletes.Count);
        Put("added-position-deletes", addedDeletes.Sum(f => f.RecordCount));
        Put("deleted-data-files", removed.Count);
        Put("deleted-records", removed.Sum(f => f.RecordCount));
        Put("removed-delete-files", removedDeletes.Count);
        Put("removed-position-delete-files", position.Count);
        Put("removed-position-deletes", position.Sum(f => f.RecordCount));
        Put("removed-equality-delete-files", equality.Count);
        Put("removed-equality-deletes", equality.Sum(f => f.RecordCount));
        Put("removed-files-size", removed.Sum(f => f.FileSizeInBytes) + removedDeletes.Sum(f => f.FileSizeInBytes));
        summary["added-files-size"] = S(added.Sum(f => f.FileSizeInBytes) + addedDeletes.Sum(f => f.FileSizeInBytes));
        summary["changed-partition-count"] = added.Count + addedDeletes.Count + removed.Count + removedDeletes.Count == 0 ? "0" : "1";
        summary["manifests-created"] = S(manifestsAfter);
        summary["manifests-replaced"] = S(manifestsBefore);
        summary["manifests-kept"] = "0";
        summary["total-records"] = S(data.Sum(f => f.RecordCount));
        summary["total-files-size"] = S(data.Sum(f => f.FileSizeInBytes) + deletes.Sum(f => f.FileSizeInBytes));
        summary["total-data-files"] = S(data.Count);
        summary["total-delete-files"] = S(deletes.Count);
        summary["total-position-deletes"] = S(deletes.Where(f => f.Content == FileContent.PositionDeletes).Sum(f => f.RecordCount));
        summary["total-equality-deletes"] = S(deletes.Where(f => f.Content == FileContent.EqualityDeletes).Sum(f => f.RecordCount));
        return summary;
    }

    /// <summary>
    /// Removes snapshots older than the retention (never the current one, one a branch or tag
    /// names, or the newest <see cref="MaintenanceOptions.MinSnapshotsToKeep"/>) from the metadata,
    /// and with them the metadata log entries older than the retention; then deletes the files under the
    /// table's location that only the removed snapshots used.
    /// </summary>
    public static async Task<MaintenanceResult> ExpireSnapshotsAsync(IcebergTable table, IFileIO io, MaintenanceOptions options, MaintenanceResult result, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        List<Snapshot> expired;
        for (var attempt = 1; ; attempt++)
        {
            await table.RefreshAsync(ct);
            var m = table.Metadata;
            var cutoff = (options.Clock() - options.SnapshotRetention).ToUnixTimeMilliseconds();
            var keep = new HashSet<long>(m.Refs.Values.Select(r => r.SnapshotId));
            if (m.CurrentSnapshotId is { } current)
            {
                keep.Add(current);
            }

            foreach (var s in m.Snapshots.OrderByDescending(s => s.SequenceNumber).ThenByDescending(s => s.TimestampMs).Take(Math.Max(1, options.MinSnapshotsToKeep)))
            {
                keep.Add(s.SnapshotId);
            }

            expired = [.. m.Snapshots.Where(s => !keep.Contains(s.SnapshotId) && s.TimestampMs < cutoff)];
            if (expired.Count == 0)
            {
                return result;
            }

            // The metadata log goes with the snapshots: older versions are left to orphan removal.
            var metadataLog = m.MetadataLog.Where(e => e.TimestampMs >= cutoff).ToList();

            var gone = expired.Select(s => s.SnapshotId).ToHashSet();
            var next = m with
            {
                Snapshots = [.. m.Snapshots.Where(s => !gone.Contains(s.SnapshotId))],
                SnapshotLog = [.. m.SnapshotLog.Where(e => !gone.Contains(e.SnapshotId))],
                MetadataLog = metadataLog,
                LastUpdatedMs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs),
            };
            try
            {
                await table.CommitMetadataAsync(next, ct);
                break;
            }
            catch (CommitConflictException) when (attempt < options.CommitAttempts)
            {
            }
            catch (CommitConflictException)
            {
                return result with { ExpirySkipped = $"other writers committed first {options.CommitAttempts} times" };
            }
        }

        // What the snapshots still in the metadata use; a writer committing meanwhile builds on
        // the current snapshot, which is among them.
        var manifestCache = new Dictionary<string, List<ManifestEntry>>(StringComparer.Ordinal);
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in table.Metadata.Snapshots)
        {
            reachable.Add(Normalize(s.ManifestList));
            foreach (var manifest in await ReadManifestListAsync(io, s.ManifestList, ct))
            {
                // Snapshots share most of their manifests: each is read once.
                if (!reachable.Add(Normalize(manifest.ManifestPath)))
                {
                    continue;
                }

                foreach (var e in await CachedManifestAsync(io, manifest, manifestCache, ct))
                {
                    if (e.Status != ManifestEntryStatus.Deleted)
                    {
                        reachable.Add(Normalize(e.DataFile.FilePath));
                    }
                }
            }
        }

        var candidates = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var s in expired)
        {
            List<ManifestFile> manifests;
            try
            {
                manifests = await ReadManifestListAsync(io, s.ManifestList, ct);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            candidates.TryAdd(s.ManifestList, null);
            foreach (var manifest in manifests)
            {
                if (!candidates.TryAdd(manifest.ManifestPath, manifest.ManifestLength))
                {
                    continue;
                }

                List<ManifestEntry> entries;
                try
                {
                    entries = await CachedManifestAsync(io, manifest, manifestCache, ct);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                foreach (var e in entries)
                {
                    candidates.TryAdd(e.DataFile.FilePath, e.DataFile.FileSizeInBytes);
                }
            }
        }

        var root = Normalize(table.Metadata.Location) + "/";
        Dictionary<string, long>? listedSizes = null;
        int files = 0;
        long bytes = 0;
        foreach (var (location, size) in candidates)
        {
            var key = Normalize(location);
            if (reachable.Contains(key) || !key.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            var length = size;
            if (length is null)
            {
                listedSizes ??= io.List(table.Metadata.Location + "/metadata").ToDictionary(f => Normalize(f.Location), f => f.Size, StringComparer.Ordinal);
                length = listedSizes.GetValueOrDefault(key);
            }

            io.Delete(location);
            files++;
            bytes += length ?? 0;
        }

        return result with { SnapshotsExpired = result.SnapshotsExpired + expired.Count, FilesDeleted = result.FilesDeleted + files, BytesDeleted = result.BytesDeleted + bytes };
    }

    /// <summary>
    /// Deletes files under the table's data/ and metadata/ folders that the current metadata does
    /// not refer to (through a snapshot, its manifests and their entries, or the metadata log) and
    /// that are older than the grace period.
    /// </summary>
    public static async Task<MaintenanceResult> RemoveOrphanFilesAsync(IcebergTable table, IFileIO io, MaintenanceOptions options, MaintenanceResult result, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        // Listed before the metadata is read again: whatever a commit made meanwhile refers to is
        // either younger than the grace period or in that metadata.
        var location = table.Metadata.Location;
        var cutoff = options.Clock() - options.OrphanGracePeriod;
        var listed = io.List(location + "/data").Concat(io.List(location + "/metadata")).Where(f => f.LastModified < cutoff).ToList();
        await table.RefreshAsync(ct);
        var m = table.Metadata;

        var valid = new HashSet<string>(StringComparer.Ordinal)
        {
            Normalize(table.MetadataLocation),
            Normalize(m.Location + "/metadata/version-hint.text"),
        };
        foreach (var e in m.MetadataLog)
        {
            valid.Add(Normalize(e.MetadataFile));
        }

        var manifestCache = new Dictionary<string, List<ManifestEntry>>(StringComparer.Ordinal);
        foreach (var s in m.Snapshots)
        {
            valid.Add(Normalize(s.ManifestList));
            foreach (var manifest in await ReadManifestListAsync(io, s.ManifestList, ct))
            {
                if (!valid.Add(Normalize(manifest.ManifestPath)))
                {
                    continue;
                }

                foreach (var e in await CachedManifestAsync(io, manifest, manifestCache, ct))
                {
                    valid.Add(Normalize(e.DataFile.FilePath));
                }
            }
        }

        var count = 0;
        long bytes = 0;
        foreach (var f in listed)
        {
            if (!valid.Contains(Normalize(f.Location)))
            {
                io.Delete(f.Location);
                count++;
                bytes += f.Size;
            }
        }

        return result with { OrphansRemoved = result.OrphansRemoved + count, OrphanBytes = result.OrphanBytes + bytes };
    }

    /// <summary>One spelling per file: s3a:// and s3n:// as s3://, file: URIs as paths.</summary>
    internal static string Normalize(string location)
    {
        if (location.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("s3n://", StringComparison.OrdinalIgnoreCase))
        {
            return "s3://" + location[6..];
        }

        if (location.StartsWith("file:", StringComparison.Ordinal))
        {
            return new Uri(location).LocalPath;
        }

        return location;
    }

    private static async Task<List<ManifestFile>> ReadManifestListAsync(IFileIO io, string location, CancellationToken ct)
    {
        await using var s = io.OpenRead(location);
        using var buffer = new MemoryStream();
        await s.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return ManifestReader.ReadManifestList(buffer);
    }

    private static async Task<List<ManifestEntry>> ReadManifestAsync(IFileIO io, ManifestFile manifest, CancellationToken ct)
    {
        await using var s = io.OpenRead(manifest.ManifestPath);
        using var buffer = new MemoryStream();
        await s.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return ManifestReader.ReadManifest(buffer, manifest);
    }

    private static async Task<List<ManifestEntry>> CachedManifestAsync(IFileIO io, ManifestFile manifest, Dictionary<string, List<ManifestEntry>> cache, CancellationToken ct)
    {
        if (!cache.TryGetValue(manifest.ManifestPath, out var entries))
        {
            cache[manifest.ManifestPath] = entries = await ReadManifestAsync(io, manifest, ct);
        }

        return entries;
    }
}
