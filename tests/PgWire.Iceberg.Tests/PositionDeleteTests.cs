using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Iceberg.Tests;

public sealed class PositionDeleteTests(ITestOutputHelper output) : IDisposable
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

    private static List<object?[]> Rows(int from, int count) => [.. Enumerable.Range(from, count).Select(i => TableWriteTests.Row(i))];

    private async Task<DataFile> WriteFileAsync(IcebergTable table, List<object?[]> rows) =>
        await DataFileWriter.WriteAsync(_io, table.NewDataFileLocation(), table.Metadata.CurrentSchema, rows);

    private static List<long> Ids(IEnumerable<object?[]> rows) => [.. rows.Select(r => (long)r[0]!).Order()];

    /// <summary>
    /// Table state: f1 = rows 1-5 (commit 1); f2 = rows 6-8 (commit 2, which deletes f1's 2nd and
    /// 4th rows and f2's first, a row added and deleted in one commit).
    /// </summary>
    private async Task<(IcebergTable Table, DataFile F1, DataFile F2, Snapshot S2)> TwoCommitsAsync(string location)
    {
        var table = await IcebergTable.CreateAsync(_io, location, TableWriteTests.Schema());
        var f1 = await WriteFileAsync(table, Rows(1, 5));
        await table.CommitAsync([f1], [], removeAllExisting: false, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/10" });
        var f2 = await WriteFileAsync(table, Rows(6, 3));
        var s2 = await table.CommitAsync([f2], [new(f1.FilePath, 3), new(f2.FilePath, 0), new(f1.FilePath, 1)], removeAllExisting: false, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/20" });
        return (table, f1, f2, s2);
    }

    [Fact]
    public async Task Position_deletes_remove_rows_of_earlier_commits_and_of_their_own()
    {
        var (table, f1, f2, s2) = await TwoCommitsAsync(_dir);
        Assert.StartsWith(_dir + "/data/", f1.FilePath, StringComparison.Ordinal);
        Assert.EndsWith(".parquet", f1.FilePath, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(Path.GetFileNameWithoutExtension(f1.FilePath), out _));

        var loaded = await IcebergTable.LoadAsync(_io, _dir);
        Assert.Equal([1L, 3, 5, 7, 8], Ids((await loaded.ReadAsync()).Rows));
        // The first snapshot is untouched by the second one's deletes.
        Assert.Equal([1L, 2, 3, 4, 5], Ids((await TableScan.ReadAsync(_io, loaded.Metadata, loaded.Metadata.Snapshots[0].SnapshotId)).Rows));

        Assert.Equal("overwrite", s2.Operation);
        Assert.Equal("0/20", s2.Summary["pgwire.commit-lsn"]);
        Assert.Equal("1", s2.Summary["added-data-files"]);
        Assert.Equal("3", s2.Summary["added-records"]);
        Assert.Equal("1", s2.Summary["added-delete-files"]);
        Assert.Equal("1", s2.Summary["added-position-delete-files"]);
        Assert.Equal("3", s2.Summary["added-position-deletes"]);
        Assert.Equal("8", s2.Summary["total-records"]);
        Assert.Equal("2", s2.Summary["total-data-files"]);
        Assert.Equal("1", s2.Summary["total-delete-files"]);
        Assert.Equal("3", s2.Summary["total-position-deletes"]);
        Assert.Equal("0", s2.Summary["total-equality-deletes"]);

        var (data, deletes) = await TableScan.PlanAsync(_io, loaded.Metadata.CurrentSnapshot!);
        Assert.Equal([1L, 2L], data.Select(d => d.Seq).Order());
        var (seq, file) = Assert.Single(deletes);
        Assert.Equal(2, seq);
        Assert.Equal(FileContent.PositionDeletes, file.Content);
        Assert.Equal(3, file.RecordCount);
        Assert.Equal(new FileInfo(file.FilePath).Length, file.FileSizeInBytes);
        // Whole paths as bounds (not cut to 16 characters), so a reader can prune by data file.
        var paths = new[] { f1.FilePath, f2.FilePath }.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(paths[0], Encoding.UTF8.GetString(file.LowerBounds[TableScan.DeleteFilePathId]));
        Assert.Equal(paths[1], Encoding.UTF8.GetString(file.UpperBounds[TableScan.DeleteFilePathId]));
        Assert.Equal(0L, BitConverter.ToInt64(file.LowerBounds[TableScan.DeletePosId]));
        Assert.Equal(3L, BitConverter.ToInt64(file.UpperBounds[TableScan.DeletePosId]));
        var rows = await TableScan.ReadColumnsAsync(_io, file.FilePath, [TableScan.DeleteFilePathId, TableScan.DeletePosId], [PrimitiveType.String, PrimitiveType.Long], default);
        var expected = new[] { (f1.FilePath, 1L), (f1.FilePath, 3L), (f2.FilePath, 0L) }.OrderBy(x => x.Item1, StringComparer.Ordinal).ThenBy(x => x.Item2);
        Assert.Equal(expected, rows.Select(r => ((string)r[0]!, (long)r[1]!)));
        Assert.Equal("1", loaded.Metadata.Snapshots[0].Summary["added-data-files"]);
        Assert.Equal("append", loaded.Metadata.Snapshots[0].Operation);
    }

    [Fact]
    public async Task Earlier_manifests_are_kept_by_reference()
    {
        var (table, _, _, _) = await TwoCommitsAsync(_dir);
        var before = await ManifestPathsAsync(table.Metadata.Snapshots[0]);
        var after = await ManifestPathsAsync(table.Metadata.CurrentSnapshot!);
        Assert.Single(before);
        Assert.Equal(3, after.Count);
        Assert.Contains(before[0], after);
        var s3 = await table.CommitAsync([], [], removeAllExisting: false);
        Assert.Equal(after, await ManifestPathsAsync(s3));
    }

    private async Task<List<string>> ManifestPathsAsync(Snapshot snapshot)
    {
        await using var s = _io.OpenRead(snapshot.ManifestList);
        return [.. ManifestReader.ReadManifestList(s).Select(m => m.ManifestPath).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task Live_rows_carry_their_file_and_position()
    {
        var (table, f1, f2, _) = await TwoCommitsAsync(_dir);
        var live = new List<LiveRow>();
        await foreach (var row in TableScan.ReadLiveAsync(_io, table.Metadata, [9, 1], default))
        {
            live.Add(row);
        }

        Assert.Equal(
            [(f1.FilePath, 0L, 1L), (f1.FilePath, 2L, 3L), (f1.FilePath, 4L, 5L), (f2.FilePath, 1L, 7L), (f2.FilePath, 2L, 8L)],
            live.Select(r => (r.FilePath, r.Position, (long)r.Values[1]!)).OrderBy(r => r.Item3));
        Assert.All(live, r => Assert.Equal(2, r.Values.Length));
        Assert.All(live, r => Assert.Equal(TableWriteTests.Row((long)r.Values[1]!)[8], r.Values[0]));

        // All fields, and the same rows read back at their positions.
        var all = new List<LiveRow>();
        await foreach (var row in TableScan.ReadLiveAsync(_io, table.Metadata, null, default))
        {
            all.Add(row);
        }

        foreach (var group in all.GroupBy(r => r.FilePath))
        {
            var at = await TableScan.ReadRowsAtAsync(_io, table.Metadata, group.Key, [.. group.Select(r => r.Position).Reverse()], default);
            Assert.Equal(group.Select(r => r.Values).Reverse(), at);
        }

        // Deleted positions are still rows of the file: ReadRowsAtAsync does not apply deletes.
        var deleted = await TableScan.ReadRowsAtAsync(_io, table.Metadata, f1.FilePath, [1, 3], default);
        Assert.Equal([2L, 4L], deleted.Select(r => (long)r[0]!));
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TableScan.ReadRowsAtAsync(_io, table.Metadata, f2.FilePath, [3], default));
        Assert.Contains("3 rows", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var _ in TableScan.ReadLiveAsync(_io, table.Metadata, [99], default))
            {
            }
        });
    }

    [Fact]
    public async Task Live_rows_apply_equality_deletes_and_read_added_columns_as_null()
    {
        var table = await IcebergTable.CreateAsync(_io, _dir, TableWriteTests.Schema());
        await table.AppendAsync(Rows(1, 4));
        var updated = TableWriteTests.Row(2);
        updated[1] = "renamed";
        await table.CommitRowsAsync([updated], [[2L], [4L]]);
        await table.AddColumnsAsync([("note", PrimitiveType.String)]);
        var live = new List<LiveRow>();
        await foreach (var row in TableScan.ReadLiveAsync(_io, table.Metadata, [14, 2], default))
        {
            live.Add(row);
        }

        Assert.Equal(["name 1 é", "null", "renamed"], live.Select(r => (string?)r.Values[1] ?? "null").Order(StringComparer.Ordinal));
        Assert.All(live, r => Assert.Null(r.Values[0]));
        var first = live.Single(r => (string?)r.Values[1] == "name 1 é");
        var full = Assert.Single(await TableScan.ReadRowsAtAsync(_io, table.Metadata, first.FilePath, [first.Position], default));
        Assert.Equal(14, full.Length);
        Assert.Equal(1L, full[0]);
        Assert.Null(full[13]);
    }

    [Fact]
    public async Task Removing_all_existing_files_replaces_the_contents_in_one_snapshot()
    {
        var (table, f1, f2, _) = await TwoCommitsAsync(_dir);
        await table.CommitRowsAsync([], [[1L]]);
        var f3 = await WriteFileAsync(table, Rows(20, 3));
        var s = await table.CommitAsync([f3], [new(f3.FilePath, 1)], removeAllExisting: true, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/40" });
        Assert.Equal("overwrite", s.Operation);
        Assert.Equal("2", s.Summary["deleted-data-files"]);
        Assert.Equal("8", s.Summary["deleted-records"]);
        Assert.Equal("2", s.Summary["removed-delete-files"]);
        Assert.Equal("1", s.Summary["removed-position-delete-files"]);
        Assert.Equal("3", s.Summary["removed-position-deletes"]);
        Assert.Equal("1", s.Summary["removed-equality-delete-files"]);
        Assert.Equal("1", s.Summary["removed-equality-deletes"]);
        Assert.True(long.Parse(s.Summary["removed-files-size"], CultureInfo.InvariantCulture) > f1.FileSizeInBytes + f2.FileSizeInBytes);
        Assert.Equal("3", s.Summary["total-records"]);
        Assert.Equal("1", s.Summary["total-data-files"]);
        Assert.Equal("1", s.Summary["total-delete-files"]);
        Assert.Equal("1", s.Summary["total-position-deletes"]);
        Assert.Equal("0", s.Summary["total-equality-deletes"]);

        var loaded = await IcebergTable.LoadAsync(_io, _dir);
        Assert.Equal([20L, 22L], Ids((await loaded.ReadAsync()).Rows));
        var (data, deletes) = await TableScan.PlanAsync(_io, loaded.Metadata.CurrentSnapshot!);
        Assert.Equal(f3.FilePath, Assert.Single(data).File.FilePath);
        Assert.Single(deletes);

        // The removed files are listed as deleted, with their original sequence numbers.
        await using (var list = _io.OpenRead(s.ManifestList))
        {
            var manifests = ManifestReader.ReadManifestList(list);
            Assert.Equal(4, manifests.Count);
            var removedData = manifests.Single(m => m.Content == ManifestContent.Data && m.DeletedFilesCount > 0);
            Assert.Equal((0, 0, 2, 8L), (removedData.AddedFilesCount, removedData.ExistingFilesCount, removedData.DeletedFilesCount, removedData.DeletedRowsCount));
            Assert.Equal(1, removedData.MinSequenceNumber);
            await using var ms = _io.OpenRead(removedData.ManifestPath);
            var entries = ManifestReader.ReadManifest(ms, removedData);
            Assert.All(entries, e => Assert.Equal(ManifestEntryStatus.Deleted, e.Status));
            Assert.All(entries, e => Assert.Equal(s.SnapshotId, e.SnapshotId));
            Assert.Equal([1L, 2L], entries.Select(e => e.SequenceNumber!.Value).Order());
        }

        // The next commit drops the manifests that only list removed files.
        var s5 = await table.CommitAsync([], [], removeAllExisting: false, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/50" });
        Assert.Equal(2, (await ManifestPathsAsync(s5)).Count);
        Assert.Equal("append", s5.Operation);
        Assert.Equal("0/50", s5.Summary["pgwire.commit-lsn"]);
        Assert.Equal("3", s5.Summary["total-records"]);
        Assert.False(s5.Summary.ContainsKey("added-data-files"));

        // Emptying the table: a delete.
        var s6 = await table.CommitAsync([], [], removeAllExisting: true);
        Assert.Equal("delete", s6.Operation);
        Assert.Equal("0", s6.Summary["total-records"]);
        Assert.Empty((await table.ReadAsync()).Rows);
        Assert.Equal(6, table.Metadata.Snapshots.Count);
    }

    [Fact]
    public async Task Bad_commits_are_refused()
    {
        var (table, f1, _, _) = await TwoCommitsAsync(_dir);
        var f3 = await WriteFileAsync(table, Rows(20, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => table.CommitAsync([f3], [new(f1.FilePath, 0)], removeAllExisting: true));
        await Assert.ThrowsAsync<ArgumentException>(() => table.CommitAsync([f3 with { Content = FileContent.PositionDeletes }], [], removeAllExisting: false));
        await Assert.ThrowsAsync<ArgumentException>(() => table.CommitAsync([], [new(f1.FilePath, -1)], removeAllExisting: false));
        Assert.Equal(2, table.Metadata.Snapshots.Count);
    }

    [DuckDbFact]
    public async Task DuckDB_reads_the_delete_file_and_the_rows_left()
    {
        var (table, f1, f2, _) = await TwoCommitsAsync(_dir);
        var (_, deletes) = await TableScan.PlanAsync(_io, table.Metadata.CurrentSnapshot!);
        var deleteFile = Assert.Single(deletes).File.FilePath;
        var r = DuckDb.Query(new Dictionary<string, string>
        {
            ["schema"] = $"select name, field_id, type from parquet_schema('{deleteFile}') where field_id is not null order by name",
            ["deletes"] = $"select file_path, pos from read_parquet('{deleteFile}')",
            ["live"] = $"""
                select d.id from read_parquet(['{f1.FilePath}', '{f2.FilePath}'], filename = true, file_row_number = true) d
                anti join read_parquet('{deleteFile}') x on x.file_path = d.filename and x.pos = d.file_row_number
                order by d.id
                """,
        });
        output.WriteLine(r.ToJsonString());
        var schema = r["schema"]!.AsArray();
        Assert.Equal(["file_path:2147483546:BYTE_ARRAY", "pos:2147483545:INT64"], schema.Select(c => $"{c!["name"]}:{c["field_id"]}:{c["type"]}"));
        var expected = new[] { (f1.FilePath, 1L), (f1.FilePath, 3L), (f2.FilePath, 0L) }.OrderBy(x => x.Item1, StringComparer.Ordinal).ThenBy(x => x.Item2);
        Assert.Equal(expected.Select(x => $"{x.Item1}:{x.Item2}"), r["deletes"]!.AsArray().Select(d => $"{d!["file_path"]}:{d["pos"]}"));
        Assert.Equal(["1", "3", "5", "7", "8"], r["live"]!.AsArray().Select(x => x!["id"]!.ToString()));
    }

    [IcebirdFact]
    public async Task Icebird_applies_the_position_deletes()
    {
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        var (table, _, _, _) = await TwoCommitsAsync(url);
        var ours = Ids((await table.ReadAsync()).Rows).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        var theirs = Icebird.Read(url).Select(r => r!["id"]!.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["1", "3", "5", "7", "8"], ours);
        Assert.Equal(ours, theirs);
    }

    [IcebirdFact]
    public async Task Icebird_reads_a_table_whose_files_were_all_replaced()
    {
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        var (table, _, _, _) = await TwoCommitsAsync(url);
        var f3 = await WriteFileAsync(table, Rows(20, 3));
        await table.CommitAsync([f3], [new(f3.FilePath, 0)], removeAllExisting: true);
        Assert.Equal(["21", "22"], Icebird.Read(url).Select(r => r!["id"]!.ToString()).Order(StringComparer.Ordinal));
    }
}
