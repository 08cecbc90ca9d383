using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class TableWriteTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    internal static IcebergSchema Schema() => new(
        0,
        [
            new NestedField(1, "id", true, PrimitiveType.Long),
            new NestedField(2, "name", false, PrimitiveType.String),
            new NestedField(3, "price", false, PrimitiveType.Decimal(10, 2)),
            new NestedField(4, "created", false, PrimitiveType.Timestamp),
            new NestedField(5, "updated", false, PrimitiveType.TimestampTz),
            new NestedField(6, "day", false, PrimitiveType.Date),
            new NestedField(7, "at", false, PrimitiveType.Time),
            new NestedField(8, "flag", false, PrimitiveType.Boolean),
            new NestedField(9, "score", false, PrimitiveType.Double),
            new NestedField(10, "ratio", false, PrimitiveType.Float),
            new NestedField(11, "n", false, PrimitiveType.Int),
            new NestedField(12, "uid", false, PrimitiveType.Uuid),
            new NestedField(13, "blob", false, PrimitiveType.Binary),
        ],
        [1]);

    internal static object?[] Row(long id) =>
    [
        id,
        id % 3 == 0 ? null : $"name {id} é",
        id % 4 == 0 ? null : 12.34m + id,
        new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Unspecified).AddTicks(id * 1_234_560),
        new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(id * 10).AddDays(id),
        new DateOnly(2000, 1, 1).AddDays((int)id),
        new TimeOnly(13, 14, 15).Add(TimeSpan.FromTicks(id * 10)),
        id % 2 == 0,
        id == 2 ? double.NaN : id * 1.5,
        (float)(id * 0.25),
        (int)(id * -7),
        new Guid($"00000000-0000-0000-0000-{id:D12}"),
        id % 5 == 0 ? null : new byte[] { (byte)id, 0, 255 },
    ];

    private static void AssertSameRows(IEnumerable<object?[]> expected, IEnumerable<object?[]> actual)
    {
        static string Text(object?[] row) => string.Join("|", row.Select(v => v switch
        {
            null => "null",
            byte[] b => Convert.ToHexString(b),
            DateTime t => t.ToString("O") + t.Kind,
            DateTimeOffset o => o.ToString("O"),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) + v.GetType().Name,
            _ => v.ToString(),
        }));
        Assert.Equal(expected.Select(Text).Order(StringComparer.Ordinal), actual.Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Appended_rows_read_back_the_same()
    {
        var io = new LocalFileIO();
        var table = await IcebergTable.CreateAsync(io, _dir, Schema());
        var first = Enumerable.Range(1, 10).Select(i => Row(i)).ToList();
        var second = Enumerable.Range(11, 5).Select(i => Row(i)).ToList();
        var s1 = await table.AppendAsync(first, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/16B3748" });
        var s2 = await table.AppendAsync(second, new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/16B4000" });

        var loaded = await IcebergTable.LoadAsync(io, _dir);
        Assert.EndsWith("/metadata/v3.metadata.json", loaded.MetadataLocation, StringComparison.Ordinal);
        AssertSameRows(first.Concat(second), (await loaded.ReadAsync()).Rows);
        AssertSameRows(first, (await TableScan.ReadAsync(io, loaded.Metadata, s1.SnapshotId)).Rows);

        var m = loaded.Metadata;
        Assert.Equal(2, m.LastSequenceNumber);
        Assert.Equal(s2.SnapshotId, m.CurrentSnapshotId);
        Assert.Equal(s2.SnapshotId, m.Refs["main"].SnapshotId);
        Assert.Equal([1L, 2L], m.Snapshots.Select(s => s.SequenceNumber));
        Assert.Equal(s1.SnapshotId, m.Snapshots[1].ParentSnapshotId);
        Assert.All(m.Snapshots, s => Assert.InRange(s.SnapshotId, 1, (1L << 53) - 1));
        Assert.Equal(2, m.SnapshotLog.Count);
        Assert.Equal(2, m.MetadataLog.Count);
        Assert.Equal(13, m.LastColumnId);
        Assert.Equal([1], m.CurrentSchema.IdentifierFieldIds);
        var summary = m.Snapshots[1].Summary;
        Assert.Equal("append", summary["operation"]);
        Assert.Equal("0/16B4000", summary["pgwire.commit-lsn"]);
        Assert.Equal("1", summary["added-data-files"]);
        Assert.Equal("5", summary["added-records"]);
        Assert.Equal("15", summary["total-records"]);
        Assert.Equal("2", summary["total-data-files"]);
        Assert.Equal("0", summary["total-delete-files"]);
    }

    [Fact]
    public async Task Manifests_carry_sequence_numbers_counts_and_bounds()
    {
        var io = new LocalFileIO();
        var table = await IcebergTable.CreateAsync(io, _dir, Schema());
        await table.AppendAsync(Enumerable.Range(1, 10).Select(i => Row(i)).ToList());
        await table.AppendAsync([Row(20)]);
        var (data, deletes) = await TableScan.PlanAsync(io, table.Metadata.CurrentSnapshot!);
        Assert.Empty(deletes);
        Assert.Equal([1L, 2L], data.Select(d => d.Seq).Order());
        var file = data.Single(d => d.Seq == 1).File;
        Assert.Equal(10, file.RecordCount);
        Assert.Equal(new FileInfo(file.FilePath).Length, file.FileSizeInBytes);
        Assert.Equal(10, file.ValueCounts[2]);
        Assert.Equal(Enumerable.Range(1, 13), file.ColumnSizes.Keys.Order());
        Assert.All(file.ColumnSizes.Values, size => Assert.InRange(size, 1, file.FileSizeInBytes));
        Assert.Equal(3, file.NullValueCounts[2]);
        Assert.Equal(1, file.NanValueCounts[9]);
        Assert.False(file.NanValueCounts.ContainsKey(1));
        Assert.Equal(1L, BinaryPrimitives.ReadInt64LittleEndian(file.LowerBounds[1]));
        Assert.Equal(10L, BinaryPrimitives.ReadInt64LittleEndian(file.UpperBounds[1]));
        Assert.Equal("name 1 é", Encoding.UTF8.GetString(file.LowerBounds[2]));
        Assert.Equal("name 8 é", Encoding.UTF8.GetString(file.UpperBounds[2]));
        // timestamps: microseconds since the epoch, little-endian.
        Assert.Equal(Micros.FromValue(Row(1)[3]!), BinaryPrimitives.ReadInt64LittleEndian(file.LowerBounds[4]));
        Assert.Equal(Micros.FromValue(Row(10)[4]!), BinaryPrimitives.ReadInt64LittleEndian(file.UpperBounds[5]));
        Assert.Equal(new DateOnly(2000, 1, 2).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber, BinaryPrimitives.ReadInt32LittleEndian(file.LowerBounds[6]));
        // NaN is left out of the bounds.
        Assert.Equal(15.0, BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(file.UpperBounds[9])));
        Assert.Equal(-70, BinaryPrimitives.ReadInt32LittleEndian(file.LowerBounds[11]));
        // decimal: unscaled, big-endian two's complement: 13.34 -> 1334.
        Assert.Equal(new byte[] { 0x05, 0x36 }, file.LowerBounds[3]);
        Assert.Equal(Convert.FromHexString("00000000000000000000000000000001"), file.LowerBounds[12]);
    }

    [Fact]
    public async Task Manifest_files_keep_the_spec_schema_text_and_metadata()
    {
        var io = new LocalFileIO();
        var table = await IcebergTable.CreateAsync(io, _dir, Schema());
        var snapshot = await table.AppendAsync([Row(1)]);

        Dictionary<string, string> listMeta;
        List<ManifestFile> manifests;
        await using (var s = File.OpenRead(snapshot.ManifestList))
        {
            listMeta = ManifestReader.FileMetadata(s);
            s.Position = 0;
            manifests = ManifestReader.ReadManifestList(s);
        }

        Assert.Equal(snapshot.SnapshotId.ToString(System.Globalization.CultureInfo.InvariantCulture), listMeta["snapshot-id"]);
        Assert.Equal("1", listMeta["sequence-number"]);
        Assert.Equal("2", listMeta["format-version"]);
        var manifest = Assert.Single(manifests);
        Assert.Equal(1, manifest.SequenceNumber);
        Assert.Equal(snapshot.SnapshotId, manifest.AddedSnapshotId);
        Assert.Equal(1, manifest.AddedFilesCount);

        await using var ms = File.OpenRead(manifest.ManifestPath);
        var meta = ManifestReader.FileMetadata(ms);
        Assert.Equal("2", meta["format-version"]);
        Assert.Equal("data", meta["content"]);
        Assert.Equal("[]", meta["partition-spec"]);
        Assert.Equal(Schema().Fields, MetadataJson.ParseSchema(meta["schema"]).Fields);
        var avroSchema = JsonNode.Parse(meta["avro.schema"])!;
        var dataFile = avroSchema["fields"]![4]!;
        Assert.Equal(2, (int)dataFile["field-id"]!);
        var lower = dataFile["type"]!["fields"]!.AsArray().Single(f => (string)f!["name"]! == "lower_bounds")!;
        Assert.Equal(125, (int)lower["field-id"]!);
        Assert.Equal("map", (string)lower["type"]![1]!["logicalType"]!);
        Assert.Equal(126, (int)lower["type"]![1]!["items"]!["fields"]![0]!["field-id"]!);
    }

    [Fact]
    public async Task A_second_writer_of_the_same_version_gets_a_conflict()
    {
        var io = new LocalFileIO();
        await IcebergTable.CreateAsync(io, _dir, Schema());
        var a = await IcebergTable.LoadAsync(io, _dir);
        var b = await IcebergTable.LoadAsync(io, _dir);
        await a.AppendAsync([Row(1)]);
        await Assert.ThrowsAsync<CommitConflictException>(() => b.AppendAsync([Row(2)]));
        var reloaded = await IcebergTable.LoadAsync(io, _dir);
        AssertSameRows([Row(1)], (await reloaded.ReadAsync()).Rows);
    }

    [Fact]
    public async Task A_null_in_a_required_column_is_refused()
    {
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, Schema());
        var row = Row(1);
        row[0] = null;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.AppendAsync([row]));
        Assert.Contains("id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_deleted_in_a_commit_remove_older_rows_but_not_the_rows_it_adds()
    {
        var io = new LocalFileIO();
        var table = await IcebergTable.CreateAsync(io, _dir, Schema());
        await table.AppendAsync(Enumerable.Range(1, 5).Select(i => Row(i)).ToList());
        var updated = Row(2);
        updated[1] = "renamed";
        var s2 = await table.CommitRowsAsync([updated, Row(6)], [[2L], [3L]], new Dictionary<string, string> { ["pgwire.commit-lsn"] = "0/20" });
        Assert.Equal("overwrite", s2.Operation);
        Assert.Equal("2", s2.Summary["added-equality-deletes"]);
        Assert.Equal("1", s2.Summary["total-delete-files"]);
        Assert.Equal("7", s2.Summary["total-records"]);
        AssertSameRows([Row(1), updated, Row(4), Row(5), Row(6)], (await table.ReadAsync()).Rows);

        // A delete-only commit, then a key deleted and inserted again in one commit.
        Assert.Equal("delete", (await table.CommitRowsAsync([], [[1L]])).Operation);
        await table.CommitRowsAsync([Row(6)], [[6L]]);
        var loaded = await IcebergTable.LoadAsync(io, _dir);
        AssertSameRows([updated, Row(4), Row(5), Row(6)], (await loaded.ReadAsync()).Rows);

        var (data, deletes) = await TableScan.PlanAsync(io, loaded.Metadata.CurrentSnapshot!);
        Assert.Equal(3, data.Count);
        Assert.Equal(3, deletes.Count);
        Assert.All(deletes, d => Assert.Equal(FileContent.EqualityDeletes, d.File.Content));
        Assert.All(deletes, d => Assert.Equal([1], d.File.EqualityIds!));
        Assert.Equal([2L, 3L, 4L], deletes.Select(d => d.Seq).Order());
    }

    [Fact]
    public async Task Deleting_by_key_needs_identifier_fields()
    {
        var schema = Schema() with { IdentifierFieldIds = [] };
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, schema);
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.CommitRowsAsync([], [[1L]]));
    }

    [Fact]
    public async Task A_column_added_later_reads_as_null_in_older_rows_and_gets_fresh_ids()
    {
        var io = new LocalFileIO();
        var table = await IcebergTable.CreateAsync(io, _dir, Schema());
        await table.AppendAsync([Row(1)]);
        var schema = await table.AddColumnsAsync([("note", PrimitiveType.String), ("codes", new ListType(0, PrimitiveType.Int, false))]);
        Assert.Equal(1, schema.SchemaId);
        Assert.Equal(14, schema.Fields[13].Id);
        Assert.Equal(15, schema.Fields[14].Id);
        Assert.Equal(16, ((ListType)schema.Fields[14].Type).ElementId);
        Assert.All(schema.Fields.Skip(13), f => Assert.False(f.Required));
        await table.AppendAsync([[.. Row(2), "hello", new object?[] { 1, null }]]);

        var loaded = await IcebergTable.LoadAsync(io, _dir);
        Assert.Equal(16, loaded.Metadata.LastColumnId);
        Assert.Equal(2, loaded.Metadata.Schemas.Count);
        Assert.Equal(0, loaded.Metadata.Snapshots[0].SchemaId);
        Assert.Equal(1, loaded.Metadata.Snapshots[1].SchemaId);
        var rows = (await loaded.ReadAsync()).Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal(15, rows[0].Length);
        Assert.Null(rows[0][13]);
        Assert.Null(rows[0][14]);
        Assert.Equal("hello", rows[1][13]);
        Assert.Equal(new object?[] { 1, null }, (object?[])rows[1][14]!);
        await Assert.ThrowsAsync<ArgumentException>(() => loaded.AddColumnsAsync([("note", PrimitiveType.Long)]));
    }

    [Theory]
    [InlineData(9, 2)]
    [InlineData(18, 4)]
    [InlineData(38, 10)]
    public async Task Decimals_of_every_storage_width_read_back(int precision, int scale)
    {
        var schema = new IcebergSchema(0, [new NestedField(1, "id", true, PrimitiveType.Long), new NestedField(2, "d", false, PrimitiveType.Decimal(precision, scale))]);
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), _dir, schema);
        var value = decimal.Round(1234567.891234m, Math.Min(scale, 6));
        List<object?[]> rows = [[1L, value], [2L, -value], [3L, null], [4L, 0m]];
        await table.AppendAsync(rows);
        var read = (await table.ReadAsync()).Rows.OrderBy(r => (long)r[0]!).Select(r => r[1]).ToList();
        Assert.Equal(rows.Select(r => r[1]), read);
    }
}
