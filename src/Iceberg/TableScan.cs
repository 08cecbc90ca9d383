using Parquet;

namespace PgWire.Iceberg;

/// <summary>Rows of a table read with one schema: values in the order of the schema's top-level fields.</summary>
public sealed record ScanResult(IcebergSchema Schema, IReadOnlyList<object?[]> Rows);

/// <summary>
/// Reads a snapshot of a table: manifest list, manifests, Parquet data files, then position and
/// equality deletes by the spec's sequence number rules. Columns are matched by field id, never by
/// name, so renamed, added and dropped columns read as the schema says (added ones as null).
/// </summary>
/// <remarks>
/// Values: boolean bool, int int, long long, float float, double double, decimal decimal, date
/// DateOnly, time TimeOnly, timestamp DateTime (unspecified kind), timestamptz DateTimeOffset (UTC),
/// string string, uuid Guid, binary and fixed byte[], a list object?[]. Top-level primitive columns
/// and lists of primitives are read so far; maps and structs read as null. Partition values are not used to scope equality deletes.
/// </remarks>
public static class TableScan
{
    public const int DeleteFilePathId = 2147483546;
    public const int DeletePosId = 2147483545;

    public static async Task<ScanResult> ReadAsync(IFileIO io, TableMetadata metadata, long? snapshotId = null, CancellationToken ct = default)
    {
        var snapshot = snapshotId is { } id ? metadata.SnapshotById(id) : metadata.CurrentSnapshot;
        var schema = snapshotId is null || snapshot?.SchemaId is null ? metadata.CurrentSchema : metadata.SchemaById(snapshot.SchemaId.Value);
        if (snapshot is null)
        {
            return new ScanResult(schema, []);
        }

        var (dataFiles, deleteFiles) = await PlanAsync(io, snapshot, ct);

        var positionDeletes = new Dictionary<string, List<(long Seq, long Pos)>>(StringComparer.Ordinal);
        var equalityDeletes = new List<(long Seq, int[] Ids, List<object?[]> Rows)>();
        foreach (var (seq, file) in deleteFiles)
        {
            if (file.Content == FileContent.PositionDeletes)
            {
                var columns = await ReadColumnsAsync(io, file.FilePath, [DeleteFilePathId, DeletePosId], [PrimitiveType.String, PrimitiveType.Long], ct);
                foreach (var row in columns)
                {
                    var path = (string)row[0]!;
                    if (!positionDeletes.TryGetValue(path, out var list))
                    {
                        positionDeletes[path] = list = [];
                    }

                    list.Add((seq, (long)row[1]!));
                }
            }
            else if (file.Content == FileContent.EqualityDeletes)
            {
                var ids = file.EqualityIds?.ToArray() ?? throw new IcebergFormatException($"{file.FilePath}: an equality delete file without equality ids");
                var types = ids.Select(i => schema.FindField(i)?.Type ?? throw new IcebergFormatException($"{file.FilePath}: equality field {i} is not in the schema")).ToArray();
                equalityDeletes.Add((seq, ids, await ReadColumnsAsync(io, file.FilePath, ids, types, ct)));
            }
        }

        var rows = new List<object?[]>();
        var fieldIds = schema.Fields.Select(f => f.Id).ToArray();
        var fieldTypes = schema.Fields.Select(f => f.Type).ToArray();
        foreach (var (seq, file) in dataFiles)
        {
            var fileRows = await ReadColumnsAsync(io, file.FilePath, fieldIds, fieldTypes, ct);
            HashSet<long>? deleted = null;
            if (positionDeletes.TryGetValue(file.FilePath, out var positions))
            {
                // A position delete applies to data files of the same or an earlier data sequence number.
                deleted = [.. positions.Where(p => p.Seq >= seq).Select(p => p.Pos)];
            }

            var applicable = equalityDeletes.Where(d => d.Seq > seq).ToList();
            for (var i = 0; i < fileRows.Count; i++)
            {
                if (deleted?.Contains(i) == true)
                {
                    continue;
                }

                var row = fileRows[i];
                if (applicable.Any(d => d.Rows.Any(del => Matches(row, fieldIds, d.Ids, del))))
                {
                    continue;
                }

                rows.Add(row);
            }
        }

        return new ScanResult(schema, rows);
    }

    /// <summary>The live data files and delete files of a snapshot, each with its data sequence number.</summary>
    public static async Task<(List<(long Seq, DataFile File)> Data, List<(long Seq, DataFile File)> Deletes)> PlanAsync(IFileIO io, Snapshot snapshot, CancellationToken ct = default)
    {
        List<ManifestFile> manifests;
        await using (var s = io.OpenRead(snapshot.ManifestList))
        {
            manifests = ManifestReader.ReadManifestList(await Buffered(s, ct));
        }

        var data = new List<(long, DataFile)>();
        var deletes = new List<(long, DataFile)>();
        foreach (var manifest in manifests)
        {
            List<ManifestEntry> entries;
            await using (var s = io.OpenRead(manifest.ManifestPath))
            {
                entries = ManifestReader.ReadManifest(await Buffered(s, ct), manifest);
            }

            foreach (var e in entries.Where(e => e.Status != ManifestEntryStatus.Deleted))
            {
                var seq = e.SequenceNumber ?? throw new IcebergFormatException($"{manifest.ManifestPath}: an existing entry without a sequence number");
                (e.DataFile.Content == FileContent.Data ? data : deletes).Add((seq, e.DataFile));
            }
        }

        return (data, deletes);
    }

    private static bool Matches(object?[] row, int[] fieldIds, int[] deleteIds, object?[] deleteRow)
    {
        for (var k = 0; k < deleteIds.Length; k++)
        {
            var index = Array.IndexOf(fieldIds, deleteIds[k]);
            if (index < 0 || !IcebergValues.AreEqual(row[index], deleteRow[k]))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<MemoryStream> Buffered(Stream s, CancellationToken ct)
    {
        var m = new MemoryStream();
        await s.CopyToAsync(m, ct);
        m.Position = 0;
        return m;
    }

    /// <summary>Reads the given field ids of a Parquet file as rows; a field the file lacks reads as null.</summary>
    internal static async Task<List<object?[]>> ReadColumnsAsync(IFileIO io, string location, int[] fieldIds, IcebergType[] types, CancellationToken ct)
    {
        await using var raw = io.OpenRead(location);
        using var stream = await Buffered(raw, ct);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var byId = ParquetColumns.ByFieldId(reader);
        var lists = ParquetColumns.ListsByFieldId(reader);
        var rows = new List<object?[]>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            var start = rows.Count;
            for (var i = 0; i < n; i++)
            {
                rows.Add(new object?[fieldIds.Length]);
            }

            for (var c = 0; c < fieldIds.Length; c++)
            {
                if (types[c] is ListType { Element: PrimitiveType elementType } && lists.TryGetValue(fieldIds[c], out var list))
                {
                    var listValues = await ParquetLists.ReadAsync(rowGroup, list.Element, list.MaxDefinition, elementType, ct);
                    for (var i = 0; i < n; i++)
                    {
                        rows[start + i][c] = listValues[i];
                    }

                    continue;
                }

                if (!byId.TryGetValue(fieldIds[c], out var field) || types[c] is not PrimitiveType type)
                {
                    continue;
                }

                var values = await ParquetColumns.ReadAsync(rowGroup, field, type, ct);
                for (var i = 0; i < n; i++)
                {
                    rows[start + i][c] = IcebergValues.FromParquet(values[i], type);
                }
            }
        }

        return rows;
    }
}
