using System.Runtime.CompilerServices;
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
        var rows = new List<object?[]>();
        if (snapshot is not null)
        {
            await foreach (var row in ScanAsync(io, snapshot, schema, [.. schema.Fields.Select(f => f.Id)], ct))
            {
                rows.Add(row.Values);
            }
        }

        return new ScanResult(schema, rows);
    }

    /// <summary>
    /// Every live row of the current snapshot (position and equality deletes applied) with its data
    /// file and 0-based position in that file; values in the order of <paramref name="fieldIds"/>
    /// (top-level fields of the current schema; null for all of them). Read one data file (and
    /// within it one row group) at a time; the delete files are read first.
    /// </summary>
    public static async IAsyncEnumerable<LiveRow> ReadLiveAsync(IFileIO io, TableMetadata metadata, IReadOnlyList<int>? fieldIds, [EnumeratorCancellation] CancellationToken ct)
    {
        var schema = metadata.CurrentSchema;
        var ids = fieldIds?.ToArray() ?? [.. schema.Fields.Select(f => f.Id)];
        foreach (var id in ids)
        {
            if (schema.FindField(id) is null)
            {
                throw new ArgumentException($"field id {id} is not a top-level field of the current schema", nameof(fieldIds));
            }
        }

        if (metadata.CurrentSnapshot is not { } snapshot)
        {
            yield break;
        }

        await foreach (var row in ScanAsync(io, snapshot, schema, ids, ct))
        {
            yield return row;
        }
    }

    /// <summary>
    /// The rows at <paramref name="positions"/> (0-based) of one data file, in the order given:
    /// values in current-schema order, a column the file does not have as null. Deletes are not
    /// applied. Row groups holding none of the positions are not decoded.
    /// </summary>
    public static async Task<object?[][]> ReadRowsAtAsync(IFileIO io, TableMetadata metadata, string filePath, IReadOnlyList<long> positions, CancellationToken ct)
    {
        var schema = metadata.CurrentSchema;
        var ids = schema.Fields.Select(f => f.Id).ToArray();
        var types = schema.Fields.Select(f => f.Type).ToArray();
        var wanted = positions.Distinct().Order().ToArray();
        var found = new Dictionary<long, object?[]>();
        long total = 0;
        await foreach (var (start, count, rows) in ReadRowGroupsAsync(io, filePath, ids, types, (start, count) => Any(wanted, start, count), ct))
        {
            total = start + count;
            if (rows is null)
            {
                continue;
            }

            foreach (var p in wanted)
            {
                if (p >= start && p < start + count)
                {
                    found[p] = rows[(int)(p - start)];
                }
            }
        }

        return [.. positions.Select(p => found.TryGetValue(p, out var row)
            ? row
            : throw new ArgumentOutOfRangeException(nameof(positions), $"{filePath} has {total} rows; there is no row at position {p}"))];
    }

    private static bool Any(long[] sorted, long start, long count)
    {
        var i = Array.BinarySearch(sorted, start);
        i = i < 0 ? ~i : i;
        return i < sorted.Length && sorted[i] < start + count;
    }

    /// <summary>The live rows of a snapshot read with <paramref name="schema"/>, values for <paramref name="fieldIds"/>.</summary>
    /// <remarks>With <paramref name="dataFileFilter"/> only the data files it accepts are read (deletes still apply to them).</remarks>
    internal static async IAsyncEnumerable<LiveRow> ScanAsync(IFileIO io, Snapshot snapshot, IcebergSchema schema, int[] fieldIds, [EnumeratorCancellation] CancellationToken ct, Func<string, bool>? dataFileFilter = null)
    {
        var (dataFiles, deleteFiles) = await PlanAsync(io, snapshot, ct);
        if (dataFileFilter is not null)
        {
            dataFiles = [.. dataFiles.Where(f => dataFileFilter(f.File.FilePath))];
        }

        var positionDeletes = new Dictionary<string, List<(long Seq, long Pos)>>(StringComparer.Ordinal);
        // Equality deletes by their field ids: for each deleted key the highest sequence number deleting it.
        var equalityDeletes = new Dictionary<string, (int[] Ids, Dictionary<RowKey, long> Keys)>(StringComparer.Ordinal);
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
                var name = string.Join(',', ids);
                if (!equalityDeletes.TryGetValue(name, out var group))
                {
                    equalityDeletes[name] = group = (ids, new Dictionary<RowKey, long>());
                }

                foreach (var row in await ReadColumnsAsync(io, file.FilePath, ids, types, ct))
                {
                    var key = new RowKey(row);
                    group.Keys[key] = Math.Max(seq, group.Keys.GetValueOrDefault(key));
                }
            }
        }

        // Equality fields that are not asked for are read too, after the asked ones.
        var readIds = fieldIds.Concat(equalityDeletes.Values.SelectMany(g => g.Ids).Distinct().Except(fieldIds)).ToArray();
        var readTypes = readIds.Select(id => schema.FindField(id)?.Type ?? throw new IcebergFormatException($"field {id} is not in the schema")).ToArray();
        var groups = equalityDeletes.Values.Select(g => (Indexes: g.Ids.Select(id => Array.IndexOf(readIds, id)).ToArray(), g.Keys)).ToList();
        foreach (var (seq, file) in dataFiles)
        {
            HashSet<long>? deleted = null;
            if (positionDeletes.TryGetValue(file.FilePath, out var positions))
            {
                // A position delete applies to data files of the same or an earlier data sequence number.
                deleted = [.. positions.Where(p => p.Seq >= seq).Select(p => p.Pos)];
            }

            await foreach (var (start, _, rows) in ReadRowGroupsAsync(io, file.FilePath, readIds, readTypes, null, ct))
            {
                for (var i = 0; i < rows!.Count; i++)
                {
                    var position = start + i;
                    if (deleted?.Contains(position) == true)
                    {
                        continue;
                    }

                    var row = rows[i];
                    // An equality delete applies to data files of an earlier data sequence number only.
                    if (groups.Any(g => g.Keys.TryGetValue(new RowKey([.. g.Indexes.Select(x => row[x])]), out var deleteSeq) && deleteSeq > seq))
                    {
                        continue;
                    }

                    yield return new LiveRow(file.FilePath, position, row.Length == fieldIds.Length ? row : row[..fieldIds.Length]);
                }
            }
        }
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
        // A manifest whose counts say it lists only files removed (by the snapshot that wrote it)
        // has no live file; one without counts is read.
        foreach (var manifest in manifests.Where(m => m.AddedFilesCount > 0 || m.ExistingFilesCount > 0 || m.DeletedFilesCount == 0))
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
        var rows = new List<object?[]>();
        await foreach (var group in ReadRowGroupsAsync(io, location, fieldIds, types, null, ct))
        {
            rows.AddRange(group.Rows!);
        }

        return rows;
    }

    /// <summary>
    /// Reads a Parquet file one row group at a time: the position of its first row, its row count,
    /// and its rows (the given field ids; a field the file lacks reads as null), or null rows for a
    /// group <paramref name="wanted"/> (first position, count) turns down.
    /// </summary>
    internal static async IAsyncEnumerable<(long Start, long Count, List<object?[]>? Rows)> ReadRowGroupsAsync(IFileIO io, string location, int[] fieldIds, IcebergType[] types, Func<long, long, bool>? wanted, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var raw = io.OpenRead(location);
        using var stream = await Buffered(raw, ct);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var byId = ParquetColumns.ByFieldId(reader);
        var lists = ParquetColumns.ListsByFieldId(reader);
        long start = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            if (wanted is not null && !wanted(start, n))
            {
                yield return (start, n, null);
                start += n;
                continue;
            }

            var rows = new List<object?[]>(n);
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
                        rows[i][c] = listValues[i];
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
                    rows[i][c] = IcebergValues.FromParquet(values[i], type);
                }
            }

            yield return (start, n, rows);
            start += n;
        }
    }

    /// <summary>Values compared as <see cref="IcebergValues.AreEqual"/> does (byte arrays by content), for hashing.</summary>
    private sealed class RowKey(object?[] values) : IEquatable<RowKey>
    {
        private readonly object?[] _values = values;

        public bool Equals(RowKey? other)
        {
            if (other is null || other._values.Length != _values.Length)
            {
                return false;
            }

            for (var i = 0; i < _values.Length; i++)
            {
                if (!IcebergValues.AreEqual(_values[i], other._values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as RowKey);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var v in _values)
            {
                if (v is byte[] bytes)
                {
                    hash.AddBytes(bytes);
                }
                else
                {
                    hash.Add(v);
                }
            }

            return hash.ToHashCode();
        }
    }
}

/// <summary>A live row: its data file, its 0-based position in that file, and the values asked for.</summary>
public readonly record struct LiveRow(string FilePath, long Position, object?[] Values);
