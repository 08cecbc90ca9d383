using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

public sealed class TableMaintenanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFileIO _io = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    internal static IcebergSchema Schema() => new(0, [
        new NestedField(1, "id", true, PrimitiveType.Long),
        new NestedField(2, "name", false, PrimitiveType.String),
        new NestedField(3, "n", false, PrimitiveType.Int),
    ], [1]);

    private static Dictionary<string, string> Lsn(int i) => new()
    {
        ["pgwire.commit-lsn"] = string.Create(CultureInfo.InvariantCulture, $"0/{i:X}"),
        ["pgwire.end-lsn"] = string.Create(CultureInfo.InvariantCulture, $"0/{i + 1:X}"),
    };

    /// <summary>Immediately: snapshots and files of any age go, as with a clock a day ahead.</summary>
    private static MaintenanceOptions Now => new()
    {
        SnapshotRetention = TimeSpan.Zero,
        OrphanGracePeriod = TimeSpan.Zero,
        Clock = () => DateTimeOffset.UtcNow.AddMinutes(1),
    };

    /// <summary>
    /// Like lrepl's sink: a first file of <paramref name="rows"/> rows, then <paramref name="commits"/>
    /// commits that each update one row (a position delete of its old place and a one-row data
    /// file). Returns where each id's live row is.
    /// </summary>
    internal static async Task<Dictionary<long, PositionDelete>> UpdateStreamAsync(IFileIO io, IcebergTable table, int rows, int commits)
    {
        var schema = table.Metadata.CurrentSchema;
        var first = await DataFileWriter.WriteAsync(io, table.NewDataFileLocation(), schema, [.. Enumerable.Range(0, rows).Select(i => new object?[] { (long)i, $"row {i}", 0 })]);
        await table.CommitAsync([first], [], removeAllExisting: false, Lsn(1));
        var where = Enumerable.Range(0, rows).ToDictionary(i => (long)i, i => new PositionDelete(first.FilePath, i));
        for (var c = 1; c <= commits; c++)
        {
            var id = (long)(c * 7 % rows);
            var file = await DataFileWriter.WriteAsync(io, table.NewDataFileLocation(), schema, [[id, $"row {id} v{c}", c]]);
            await table.CommitAsync([file], [where[id]], removeAllExisting: false, Lsn(c + 1));
            where[id] = new PositionDelete(file.FilePath, 0);
        }

        return where;
    }

    private static List<string> Text(IEnumerable<object?[]> rows) =>
        [.. rows.Select(r => string.Join('|', r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "null"))).Order(StringComparer.Ordinal)];

    private List<string> DataFilesOnDisk() =>
        [.. Directory.EnumerateFiles(Path.Combine(_dir, "data")).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Upkeep_of_a_stream_of_single_row_updates_leaves_one_file_with_the_same_rows()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await UpdateStreamAsync(_io, table, rows: 50, commits: 300);
        var before = Text((await table.ReadAsync()).Rows);
        var lsn = table.Metadata.CurrentSnapshot!.Summary["pgwire.commit-lsn"];
        var endLsn = table.Metadata.CurrentSnapshot!.Summary["pgwire.end-lsn"];
        Assert.Equal(50, before.Count);
        // 301 data files and 300 position delete files.
        Assert.Equal(601, DataFilesOnDisk().Count);

        var result = await TableMaintenance.RunAsync(table, _io, Now);
        output.WriteLine(result.ToString());

        Assert.Equal(301, result.DataFilesRewritten);
        Assert.Equal(1, result.DataFilesWritten);
        Assert.Equal(300, result.DeleteFilesDropped);
        Assert.Equal(601, result.ManifestsBefore);
        // One manifest of the live data file; one each listing the removed data and delete files.
        Assert.Equal(3, result.ManifestsAfter);
        Assert.Equal(301, result.SnapshotsExpired);
        Assert.Null(result.CompactionSkipped);

        var loaded = await IcebergTable.LoadAsync(_io, _dir);
        Assert.Equal(before, Text((await loaded.ReadAsync()).Rows));
        var current = loaded.Metadata.CurrentSnapshot!;
        Assert.Equal(result.ReplaceSnapshotId, current.SnapshotId);
        Assert.Equal("replace", current.Operation);
        Assert.Equal(lsn, current.Summary["pgwire.commit-lsn"]);
        Assert.Equal(endLsn, current.Summary["pgwire.end-lsn"]);
        Assert.Equal("50", current.Summary["total-records"]);
        Assert.Equal("1", current.Summary["total-data-files"]);
        Assert.Equal("0", current.Summary["total-delete-files"]);
        Assert.Equal("301", current.Summary["deleted-data-files"]);
        Assert.Equal("300", current.Summary["removed-position-delete-files"]);
        Assert.Single(loaded.Metadata.Snapshots);
        Assert.Single(loaded.Metadata.SnapshotLog);
        Assert.Equal(current.SnapshotId, loaded.Metadata.Refs["main"].SnapshotId);

        var (data, deletes) = await TableScan.PlanAsync(_io, current);
        var file = Assert.Single(data).File;
        Assert.Empty(deletes);
        // Only the live file is left on disk, and in metadata/ only what the current version uses.
        Assert.Equal([file.FilePath], DataFilesOnDisk());
        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(_dir, "metadata"), "*.avro").Count());
        Assert.True(result.FilesDeleted > 1200, result.ToString());
        Assert.True(result.OrphansRemoved > 0, result.ToString());

        // A second run finds nothing to do.
        var again = await TableMaintenance.RunAsync(loaded, _io, Now);
        Assert.Equal(new MaintenanceResult { ManifestsBefore = 3, ManifestsAfter = 3 }, again);
    }

    [DuckDbFact]
    public async Task DuckDb_reads_the_same_rows_before_and_after_compaction()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await UpdateStreamAsync(_io, table, rows: 20, commits: 40);
        var ours = Text((await table.ReadAsync()).Rows);
        var (data, deletes) = await TableScan.PlanAsync(_io, table.Metadata.CurrentSnapshot!);
        string List(IEnumerable<string> files) => "[" + string.Join(", ", files.Select(f => $"'{f}'")) + "]";
        var beforeSql = $"""
            select d.id, d.name, d.n from read_parquet({List(data.Select(d => d.File.FilePath))}, filename = true, file_row_number = true) d
            anti join read_parquet({List(deletes.Select(d => d.File.FilePath))}) x on x.file_path = d.filename and x.pos = d.file_row_number
            """;
        var before = DuckDb.Query(new Dictionary<string, string> { ["rows"] = beforeSql })["rows"]!.AsArray();

        await TableMaintenance.RunAsync(table, _io, Now);
        (data, deletes) = await TableScan.PlanAsync(_io, table.Metadata.CurrentSnapshot!);
        Assert.Empty(deletes);
        var after = DuckDb.Query(new Dictionary<string, string> { ["rows"] = $"select id, name, n from read_parquet({List(data.Select(d => d.File.FilePath))})" })["rows"]!.AsArray();

        static List<string> Json(System.Text.Json.Nodes.JsonArray rows) =>
            [.. rows.Select(r => $"{r!["id"]}|{r["name"]}|{r["n"]}").Order(StringComparer.Ordinal)];
        Assert.Equal(ours, Json(before));
        Assert.Equal(ours, Json(after));
        Assert.Equal(ours, Text((await table.ReadAsync()).Rows));
    }

    [IcebirdFact]
    public async Task Icebird_reads_the_same_rows_before_and_after_upkeep()
    {
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        var table = await IcebergTable.CreateAsync(_io, url, Schema());
        await UpdateStreamAsync(_io, table, rows: 20, commits: 40);
        static List<string> Json(System.Text.Json.Nodes.JsonArray rows) =>
            [.. rows.Select(r => $"{r!["id"]}|{r["name"]}|{r["n"]}").Order(StringComparer.Ordinal)];
        var ours = Text((await table.ReadAsync()).Rows);
        Assert.Equal(ours, Json(Icebird.Read(url)));

        var result = await TableMaintenance.RunAsync(table, _io, Now);
        Assert.Equal(1, result.DataFilesWritten);
        Assert.Equal(ours, Json(Icebird.Read(url)));
        Assert.Single(DataFilesOnDisk());
    }

    [Fact]
    public async Task Snapshots_within_the_retention_and_their_files_are_kept()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await UpdateStreamAsync(_io, table, rows: 10, commits: 5);
        var snapshots = table.Metadata.Snapshots.ToList();
        // The first three are a day old by this clock; the rest are younger than the retention.
        var clock = DateTimeOffset.FromUnixTimeMilliseconds(snapshots[2].TimestampMs).AddDays(1).AddMilliseconds(1);
        var options = new MaintenanceOptions { Compact = false, RemoveOrphans = false, Clock = () => clock };
        var result = await TableMaintenance.RunAsync(table, _io, options);
        var kept = table.Metadata.Snapshots.Select(s => s.SnapshotId).ToList();
        Assert.Equal(snapshots.Where(s => s.TimestampMs > snapshots[2].TimestampMs || s == snapshots[^1]).Select(s => s.SnapshotId), kept);
        Assert.Equal(snapshots.Count - kept.Count, result.SnapshotsExpired);
        // Every remaining snapshot still reads (its files are all there).
        foreach (var s in table.Metadata.Snapshots)
        {
            Assert.Equal(10, (await TableScan.ReadAsync(_io, table.Metadata, s.SnapshotId)).Rows.Count);
        }

        // Nothing is expired while the minimum count covers every snapshot.
        var none = await TableMaintenance.RunAsync(table, _io, options with { SnapshotRetention = TimeSpan.Zero, MinSnapshotsToKeep = 100 });
        Assert.Equal(0, none.SnapshotsExpired);
        Assert.Equal(kept.Count, table.Metadata.Snapshots.Count);

        // With no retention only the current one stays; the first data file is still live (9 of its rows).
        var all = await TableMaintenance.RunAsync(table, _io, options with { SnapshotRetention = TimeSpan.Zero });
        Assert.Equal(kept.Count - 1, all.SnapshotsExpired);
        Assert.Single(table.Metadata.Snapshots);
        Assert.Equal(10, (await table.ReadAsync()).Rows.Count);
        // The 6 data files (the first with 5 rows deleted) and 5 position delete files.
        Assert.Equal(11, DataFilesOnDisk().Count);
    }

    [Fact]
    public async Task Orphan_files_older_than_the_grace_period_are_removed()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await UpdateStreamAsync(_io, table, rows: 5, commits: 2);
        var old = Path.Combine(_dir, "data", "crashed-writer.parquet");
        var young = Path.Combine(_dir, "data", "in-flight.parquet");
        var oldManifest = Path.Combine(_dir, "metadata", "sub", "stray-m0.avro");
        var outside = Path.Combine(_dir, "notes.txt");
        foreach (var f in new[] { old, young, oldManifest, outside })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            await File.WriteAllTextAsync(f, "xyz");
        }

        foreach (var f in new[] { old, oldManifest, outside })
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-2));
        }

        // Everything the table uses is old too.
        foreach (var f in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).Except([young]))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-2));
        }

        var rows = Text((await table.ReadAsync()).Rows);
        var result = await TableMaintenance.RunAsync(table, _io, new MaintenanceOptions { Compact = false, ExpireSnapshots = false });
        Assert.Equal(2, result.OrphansRemoved);
        Assert.Equal(6, result.OrphanBytes);
        Assert.False(File.Exists(old));
        Assert.False(File.Exists(oldManifest));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(outside));
        var loaded = await IcebergTable.LoadAsync(_io, _dir);
        Assert.Equal(rows, Text((await loaded.ReadAsync()).Rows));
        Assert.Equal(3, loaded.Metadata.Snapshots.Count);
        foreach (var s in loaded.Metadata.Snapshots)
        {
            await TableScan.ReadAsync(_io, loaded.Metadata, s.SnapshotId);
        }
    }

    [Fact]
    public async Task Listing_gives_the_locations_the_metadata_uses()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await table.AppendAsync([[1L, "a", 1]]);
        var (data, _) = await TableScan.PlanAsync(_io, table.Metadata.CurrentSnapshot!);
        var listed = _io.List(_dir + "/data/").ToList();
        var entry = Assert.Single(listed);
        Assert.Equal(data[0].File.FilePath, entry.Location);
        Assert.Equal(data[0].File.FileSizeInBytes, entry.Size);
        Assert.True(entry.LastModified > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Empty(_io.List(_dir + "/nothing-here"));
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        Assert.Equal(url + "/data/" + Path.GetFileName(entry.Location), Assert.Single(_io.List(url + "/data")).Location);
    }

    /// <summary>Runs <paramref name="onCommit"/> (another writer) once, just before maintenance writes its first manifest list.</summary>
    private sealed class RacingFileIO(IFileIO inner, Func<Task> onCommit) : IFileIO
    {
        private bool _done;

        public bool Armed { get; set; }

        public Stream OpenRead(string location) => inner.OpenRead(location);

        public Stream Create(string location)
        {
            if (Armed && !_done && location.Contains("/metadata/snap-", StringComparison.Ordinal))
            {
                _done = true;
                onCommit().GetAwaiter().GetResult();
            }

            return inner.Create(location);
        }

        public bool Exists(string location) => inner.Exists(location);

        public void Delete(string location) => inner.Delete(location);

        public IEnumerable<FileEntry> List(string prefix) => inner.List(prefix);
    }

    private async Task<(SqlCatalog Catalog, IcebergTable Writer, IcebergTable Upkeep, RacingFileIO Io)> RaceAsync(Func<IcebergTable, Task> otherCommit)
    {
        Directory.CreateDirectory(_dir);
        IcebergTable? writer = null;
        var io = new RacingFileIO(_io, () => otherCommit(writer!));
        var catalog = new SqlCatalog($"Data Source={Path.Combine(_dir, "catalog.db")}", "test", Path.Combine(_dir, "warehouse"), io);
        await catalog.InitializeAsync();
        await catalog.CreateNamespaceAsync("ns");
        writer = await catalog.CreateTableAsync("ns", "t", Schema());
        await UpdateStreamAsync(io, writer, rows: 10, commits: 10);
        var upkeep = await catalog.LoadTableAsync("ns", "t");
        io.Armed = true;
        return (catalog, writer, upkeep, io);
    }

    [Fact]
    public async Task A_writer_committing_during_compaction_keeps_its_commit()
    {
        object?[] added = [100L, "added meanwhile", 1];
        var (catalog, _, upkeep, io) = await RaceAsync(async w =>
        {
            var file = await DataFileWriter.WriteAsync(_io, w.NewDataFileLocation(), w.Metadata.CurrentSchema, [added]);
            await w.CommitAsync([file], [], removeAllExisting: false, Lsn(500));
        });
        var before = Text((await upkeep.ReadAsync()).Rows);

        var result = await TableMaintenance.RunAsync(upkeep, io, Now with { RemoveOrphans = false });
        Assert.Null(result.CompactionSkipped);
        Assert.Equal(11, result.DataFilesRewritten);

        var loaded = await catalog.LoadTableAsync("ns", "t");
        Assert.Equal(Text([.. (await upkeep.ReadAsync()).Rows]), Text((await loaded.ReadAsync()).Rows));
        Assert.Equal(before.Append(Text([added])[0]).Order(StringComparer.Ordinal), Text((await loaded.ReadAsync()).Rows));
        // The replace snapshot follows the writer's and carries its position on.
        var current = loaded.Metadata.CurrentSnapshot!;
        Assert.Equal("replace", current.Operation);
        Assert.Equal(Lsn(500)["pgwire.commit-lsn"], current.Summary["pgwire.commit-lsn"]);
        Assert.Equal(Lsn(500)["pgwire.end-lsn"], current.Summary["pgwire.end-lsn"]);
    }

    [Fact]
    public async Task A_writer_deleting_rows_of_files_being_compacted_has_its_deletes_carried_over()
    {
        string? writerDeletes = null;
        var (catalog, _, upkeep, io) = await RaceAsync(async w =>
        {
            // Deletes ids 3 (in a one-row file) and 4 (in the first file, where row 4 is still live).
            var rows = new List<LiveRow>();
            await foreach (var r in TableScan.ReadLiveAsync(_io, w.Metadata, null, default))
            {
                if ((long)r.Values[0]! is 3 or 4)
                {
                    rows.Add(r);
                }
            }

            Assert.Equal(2, rows.Count);
            await w.CommitAsync([], [.. rows.Select(r => new PositionDelete(r.FilePath, r.Position))], removeAllExisting: false, Lsn(600));
            writerDeletes = (await TableScan.PlanAsync(_io, w.Metadata.CurrentSnapshot!)).Deletes.Single(d => d.Seq == w.Metadata.LastSequenceNumber).File.FilePath;
        });
        var before = Text((await upkeep.ReadAsync()).Rows);

        var result = await TableMaintenance.RunAsync(upkeep, io, Now with { RemoveOrphans = false });
        Assert.Null(result.CompactionSkipped);
        Assert.Equal(2, result.DeletesCarriedOver);
        Assert.Equal(11, result.DataFilesRewritten);
        var loaded = await catalog.LoadTableAsync("ns", "t");
        var rows = Text((await loaded.ReadAsync()).Rows);
        Assert.Equal(before.Where(r => !r.StartsWith("3|", StringComparison.Ordinal) && !r.StartsWith("4|", StringComparison.Ordinal)), rows);
        var current = loaded.Metadata.CurrentSnapshot!;
        Assert.Equal(Lsn(600)["pgwire.commit-lsn"], current.Summary["pgwire.commit-lsn"]);
        Assert.Equal("1", current.Summary["added-position-delete-files"]);
        Assert.Equal("2", current.Summary["added-position-deletes"]);
        // Records in data files, deletes not subtracted (as the spec's total-records counts them).
        Assert.Equal("10", current.Summary["total-records"]);
        // One new data file, and one delete file with the writer's deletes at the rows' new places.
        var (data, deletes) = await TableScan.PlanAsync(_io, current);
        var file = Assert.Single(data).File;
        var delete = Assert.Single(deletes).File;
        Assert.NotEqual(writerDeletes, delete.FilePath);
        var positions = await TableScan.ReadColumnsAsync(_io, delete.FilePath, [TableScan.DeleteFilePathId, TableScan.DeletePosId], [PrimitiveType.String, PrimitiveType.Long], default);
        Assert.All(positions, p => Assert.Equal(file.FilePath, p[0]));
        var deleted = await TableScan.ReadRowsAtAsync(_io, loaded.Metadata, file.FilePath, [.. positions.Select(p => (long)p[1]!)], default);
        Assert.Equal([3L, 4L], deleted.Select(r => (long)r[0]!).Order());
        Assert.False(File.Exists(writerDeletes), "the writer's delete file is no longer used once the snapshots before expire");
    }

    [Fact]
    public async Task A_writer_replacing_the_contents_during_compaction_makes_compaction_start_over()
    {
        object?[] only = [42L, "after truncate", 1];
        var (catalog, _, upkeep, io) = await RaceAsync(async w =>
        {
            var file = await DataFileWriter.WriteAsync(_io, w.NewDataFileLocation(), w.Metadata.CurrentSchema, [only]);
            await w.CommitAsync([file], [], removeAllExisting: true, Lsn(700));
        });

        var result = await TableMaintenance.RunAsync(upkeep, io, Now with { RemoveOrphans = false });
        Assert.Null(result.CompactionSkipped);
        var loaded = await catalog.LoadTableAsync("ns", "t");
        Assert.Equal(Text([only]), Text((await loaded.ReadAsync()).Rows));
        var current = loaded.Metadata.CurrentSnapshot!;
        Assert.Equal(Lsn(700)["pgwire.commit-lsn"], current.Summary["pgwire.commit-lsn"]);
        // Started over on the writer's state: a single small file, nothing to compact or merge.
        Assert.Equal(0, result.DataFilesRewritten);
        Assert.Null(result.ReplaceSnapshotId);
        Assert.Equal("overwrite", current.Operation);
        Assert.Single((await TableScan.PlanAsync(_io, current)).Data);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_dir, "warehouse", "ns.db", "t", "data"), "*.parquet"));
    }
}

public sealed class ColumnPromotionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFileIO _io = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static IcebergSchema Schema() => new(0, [
        new NestedField(1, "id", true, PrimitiveType.Int),
        new NestedField(2, "ratio", false, PrimitiveType.Float),
        new NestedField(3, "price", false, PrimitiveType.Decimal(9, 2)),
        new NestedField(4, "name", false, PrimitiveType.String),
    ], [1]);

    [Fact]
    public async Task Promoted_columns_read_old_files_as_the_wider_type()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        await table.AppendAsync([[1, 0.5f, 12.34m, "a"], [2, null, -0.01m, "b"]]);
        await table.CommitRowsAsync([[1, 1.25f, 99.99m, "a2"]], [[1]]);

        var schema = await table.PromoteColumnsAsync([("id", PrimitiveType.Long), ("ratio", PrimitiveType.Double), ("price", PrimitiveType.Decimal(18, 2))]);
        Assert.Equal(1, schema.SchemaId);
        Assert.Equal([PrimitiveType.Long, PrimitiveType.Double, PrimitiveType.Decimal(18, 2), PrimitiveType.String], schema.Fields.Select(f => f.Type));
        Assert.Equal([1], schema.IdentifierFieldIds);
        Assert.Equal(4, table.Metadata.LastColumnId);

        // Rows written as int32, float and decimal(9,2) read as long, double and decimal(18,2).
        await table.AppendAsync([[5_000_000_000L, 0.1, 1234567890123.45m, "wide"]]);
        var loaded = await IcebergTable.LoadAsync(_io, _dir);
        var rows = (await loaded.ReadAsync()).Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(new object?[] { 1L, 1.25d, 99.99m, "a2" }, rows[0]);
        Assert.Equal(new object?[] { 2L, null, -0.01m, "b" }, rows[1]);
        Assert.Equal(new object?[] { 5_000_000_000L, 0.1d, 1234567890123.45m, "wide" }, rows[2]);
        Assert.All(rows, r => Assert.IsType<long>(r[0]));

        // An equality delete keyed by the promoted column still matches rows of the old files.
        await loaded.CommitRowsAsync([], [[2L]]);
        Assert.Equal([1L, 5_000_000_000L], (await loaded.ReadAsync()).Rows.Select(r => (long)r[0]!).Order());

        // Compaction reads the old files under the new types and writes them with them.
        var result = await TableMaintenance.RunAsync(loaded, _io, new MaintenanceOptions { SnapshotRetention = TimeSpan.Zero, RemoveOrphans = false });
        Assert.Equal(1, result.DataFilesWritten);
        Assert.Equal([1L, 5_000_000_000L], (await loaded.ReadAsync()).Rows.Select(r => (long)r[0]!).Order());
    }

    [Fact]
    public async Task Only_the_spec_promotions_are_allowed()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, Schema());
        var location = table.MetadataLocation;
        async Task Refused((string, IcebergType) change, string message)
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => table.PromoteColumnsAsync([("id", PrimitiveType.Long), change]));
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }

        await Refused(("ratio", PrimitiveType.Long), "float cannot be promoted to long");
        await Refused(("price", PrimitiveType.Decimal(18, 3)), "decimal(9,2) cannot be promoted to decimal(18,3)");
        await Refused(("price", PrimitiveType.Decimal(8, 2)), "decimal(9,2) cannot be promoted to decimal(8,2)");
        await Refused(("name", PrimitiveType.Binary), "string cannot be promoted to binary");
        await Refused(("id", PrimitiveType.Int), "long cannot be promoted to int");
        await Refused(("missing", PrimitiveType.Long), "column missing does not exist");
        // Nothing was committed, the valid part of a refused change included.
        Assert.Equal(location, table.MetadataLocation);
        Assert.Single(table.Metadata.Schemas);

        // No change, no new schema.
        Assert.Equal(0, (await table.PromoteColumnsAsync([("name", PrimitiveType.String)])).SchemaId);
        Assert.True(IcebergTable.CanPromote(PrimitiveType.Int, PrimitiveType.Long));
        Assert.False(IcebergTable.CanPromote(PrimitiveType.Long, PrimitiveType.Double));
    }
}
