using System.Globalization;
using System.Text;

namespace PgWire.Iceberg;

/// <summary>
/// A table in a folder (metadata/vN.metadata.json, metadata/version-hint.text, data/): create
/// it from a schema, append row batches as snapshots, read it back.
/// </summary>
/// <remarks>
/// A commit writes the next vN.metadata.json with create-new semantics, so of two writers racing
/// for the same version only one succeeds; the other gets <see cref="CommitConflictException"/>.
/// </remarks>
public sealed class IcebergTable
{
    private readonly IFileIO _io;
    private readonly ITableCommitter _committer;

    internal IcebergTable(IFileIO io, TableMetadata metadata, string metadataLocation, ITableCommitter committer)
    {
        _io = io;
        _committer = committer;
        Metadata = metadata;
        MetadataLocation = metadataLocation;
    }

    public TableMetadata Metadata { get; private set; }

    /// <summary>The metadata file of the version this object holds ("" before the first commit).</summary>
    public string MetadataLocation { get; private set; }

    /// <summary>Creates a table at <paramref name="location"/> with no snapshot.</summary>
    /// <remarks>Field ids are taken as given; the schema gets id 0.</remarks>
    public static async Task<IcebergTable> CreateAsync(IFileIO io, string location, IcebergSchema schema, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        var table = new IcebergTable(io, NewMetadata(location, schema, properties), "", new FolderCommitter(io));
        await table.CommitAsync(table.Metadata, ct);
        return table;
    }

    /// <summary>The metadata of a new table with no snapshot.</summary>
    internal static TableMetadata NewMetadata(string location, IcebergSchema schema, IReadOnlyDictionary<string, string>? properties)
    {
        foreach (var id in schema.IdentifierFieldIds)
        {
            var field = schema.FindField(id) ?? throw new ArgumentException($"identifier field {id} is not a top-level field of the schema", nameof(schema));
            if (!field.Required || field.Type is not PrimitiveType { Name: not ("float" or "double") })
            {
                throw new ArgumentException($"identifier field {field.Name} must be a required primitive (not float or double)", nameof(schema));
            }
        }

        return new TableMetadata
        {
            TableUuid = Guid.NewGuid(),
            Location = location.TrimEnd('/'),
            LastSequenceNumber = 0,
            LastUpdatedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            LastColumnId = schema.HighestFieldId,
            Schemas = [schema with { SchemaId = 0 }],
            CurrentSchemaId = 0,
            Properties = properties ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>Opens the table whose current version version-hint.text names.</summary>
    public static async Task<IcebergTable> LoadAsync(IFileIO io, string location, CancellationToken ct = default)
    {
        location = location.TrimEnd('/');
        string hint;
        await using (var s = io.OpenRead($"{location}/metadata/version-hint.text"))
        using (var reader = new StreamReader(s))
        {
            hint = (await reader.ReadToEndAsync(ct)).Trim();
        }

        var version = int.Parse(hint, NumberStyles.None, CultureInfo.InvariantCulture);
        // The hint may lag behind a commit that wrote its metadata but not yet the hint.
        while (io.Exists(MetadataPath(location, version + 1)))
        {
            version++;
        }

        var path = MetadataPath(location, version);
        return new IcebergTable(io, await ReadMetadataAsync(io, path, ct), path, new FolderCommitter(io));
    }

    public static async Task<TableMetadata> ReadMetadataAsync(IFileIO io, string path, CancellationToken ct = default)
    {
        await using var s = io.OpenRead(path);
        using var reader = new StreamReader(s, Encoding.UTF8);
        return MetadataJson.Parse(await reader.ReadToEndAsync(ct));
    }

    /// <summary>Reads the current snapshot's rows.</summary>
    public Task<ScanResult> ReadAsync(CancellationToken ct = default) => TableScan.ReadAsync(_io, Metadata, null, ct);

    /// <summary>
    /// Appends <paramref name="rows"/> (values in schema field order) as one data file in a new
    /// snapshot. <paramref name="summary"/> adds properties to the snapshot summary (e.g.
    /// pgwire.commit-lsn), beside the counters the spec defines.
    /// </summary>
    public Task<Snapshot> AppendAsync(IReadOnlyList<object?[]> rows, IReadOnlyDictionary<string, string>? summary = null, CancellationToken ct = default) =>
        CommitRowsAsync(rows, [], summary, ct);

    /// <summary>
    /// One snapshot that deletes the rows whose identifier fields equal one of
    /// <paramref name="deletedKeys"/> (values in the order of the schema's identifier-field-ids)
    /// and adds <paramref name="rows"/>. The deletes are an equality delete file of the same
    /// sequence number as the new data file, so by the spec's rule they remove only older rows:
    /// an update is its key in <paramref name="deletedKeys"/> and its new row in <paramref name="rows"/>.
    /// </summary>
    public async Task<Snapshot> CommitRowsAsync(IReadOnlyList<object?[]> rows, IReadOnlyList<object?[]> deletedKeys, IReadOnlyDictionary<string, string>? summary = null, CancellationToken ct = default)
    {
        var m = Metadata;
        var schema = m.CurrentSchema;
        var spec = m.PartitionSpecs.First(p => p.SpecId == m.DefaultSpecId);
        var parent = m.CurrentSnapshot;
        var snapshotId = NewSnapshotId(m);
        var sequence = m.LastSequenceNumber + 1;
        var commitId = Guid.NewGuid().ToString("D");
        var newManifests = new List<ManifestFile>();
        DataFile? dataFile = null, deleteFile = null;

        if (rows.Count > 0)
        {
            dataFile = await DataFileWriter.WriteAsync(_io, $"{m.Location}/data/{commitId}-00000.parquet", schema, rows, ct);
            var path = $"{m.Location}/metadata/{commitId}-m0.avro";
            var bytes = Bytes(s => ManifestWriter.WriteManifest(s, schema, spec, ManifestContent.Data,
                [new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, dataFile)]));
            await WriteNewAsync(path, bytes, ct);
            newManifests.Add(new ManifestFile(path, bytes.Length, spec.SpecId, ManifestContent.Data, sequence, sequence, snapshotId, 1, 0, 0, rows.Count, 0, 0));
        }

        if (deletedKeys.Count > 0)
        {
            if (schema.IdentifierFieldIds.Count == 0)
            {
                throw new InvalidOperationException("deleting rows by key needs identifier fields in the table schema");
            }

            var keySchema = new IcebergSchema(schema.SchemaId, [.. schema.IdentifierFieldIds.Select(id => schema.FindField(id)!)], schema.IdentifierFieldIds);
            deleteFile = await DataFileWriter.WriteAsync(_io, $"{m.Location}/data/{commitId}-00001-eq-deletes.parquet", keySchema, deletedKeys, ct);
            deleteFile = deleteFile with { Content = FileContent.EqualityDeletes, EqualityIds = [.. schema.IdentifierFieldIds] };
            var path = $"{m.Location}/metadata/{commitId}-m1.avro";
            var bytes = Bytes(s => ManifestWriter.WriteManifest(s, schema, spec, ManifestContent.Deletes,
                [new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, deleteFile)]));
            await WriteNewAsync(path, bytes, ct);
            newManifests.Add(new ManifestFile(path, bytes.Length, spec.SpecId, ManifestContent.Deletes, sequence, sequence, snapshotId, 1, 0, 0, deletedKeys.Count, 0, 0));
        }

        var manifests = new List<ManifestFile>(newManifests);
        if (parent is not null)
        {
            await using var s = _io.OpenRead(parent.ManifestList);
            using var buffer = new MemoryStream();
            await s.CopyToAsync(buffer, ct);
            buffer.Position = 0;
            manifests.AddRange(ManifestReader.ReadManifestList(buffer));
        }

        var listPath = $"{m.Location}/metadata/snap-{snapshotId}-1-{commitId}.avro";
        await WriteNewAsync(listPath, Bytes(s => ManifestWriter.WriteManifestList(s, snapshotId, parent?.SnapshotId, sequence, manifests)), ct);

        var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs);
        var snapshot = new Snapshot(snapshotId, parent?.SnapshotId, sequence, now, listPath, Summary(parent, dataFile, deleteFile, summary), schema.SchemaId);
        var next = m with
        {
            LastSequenceNumber = sequence,
            LastUpdatedMs = now,
            CurrentSnapshotId = snapshotId,
            Snapshots = [.. m.Snapshots, snapshot],
            SnapshotLog = [.. m.SnapshotLog, new SnapshotLogEntry(now, snapshotId)],
            Refs = new Dictionary<string, SnapshotRef>(m.Refs) { ["main"] = new SnapshotRef(snapshotId, "branch") },
        };
        await CommitAsync(next, ct);
        return snapshot;
    }

    private static Dictionary<string, string> Summary(Snapshot? parent, DataFile? added, DataFile? deletes, IReadOnlyDictionary<string, string>? extra)
    {
        long Total(string key) => parent is not null && parent.Summary.TryGetValue(key, out var v)
            && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

        // Only adding data is an append, only removing rows a delete, both an overwrite.
        var operation = deletes is null ? "append" : added is null ? "delete" : "overwrite";
        var summary = new Dictionary<string, string>(StringComparer.Ordinal) { ["operation"] = operation };
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                if (k != "operation")
                {
                    summary[k] = v;
                }
            }
        }

        var addedSize = (added?.FileSizeInBytes ?? 0) + (deletes?.FileSizeInBytes ?? 0);
        if (added is not null)
        {
            summary["added-data-files"] = "1";
            summary["added-records"] = S(added.RecordCount);
        }

        if (deletes is not null)
        {
            summary["added-delete-files"] = "1";
            summary["added-equality-delete-files"] = "1";
            summary["added-equality-deletes"] = S(deletes.RecordCount);
        }

        summary["added-files-size"] = S(addedSize);
        summary["changed-partition-count"] = added is null && deletes is null ? "0" : "1";
        summary["total-records"] = S(Total("total-records") + (added?.RecordCount ?? 0));
        summary["total-files-size"] = S(Total("total-files-size") + addedSize);
        summary["total-data-files"] = S(Total("total-data-files") + (added is null ? 0 : 1));
        summary["total-delete-files"] = S(Total("total-delete-files") + (deletes is null ? 0 : 1));
        summary["total-position-deletes"] = S(Total("total-position-deletes"));
        summary["total-equality-deletes"] = S(Total("total-equality-deletes") + (deletes?.RecordCount ?? 0));
        return summary;
    }

    /// <summary>
    /// Adds optional columns at the end of the schema, as a new current schema. Field ids are
    /// assigned here (from last-column-id on), including those inside list, map and struct types,
    /// whatever ids the given types carry. Rows written before read the new columns as null.
    /// </summary>
    public async Task<IcebergSchema> AddColumnsAsync(IEnumerable<(string Name, IcebergType Type)> columns, CancellationToken ct = default)
    {
        var m = Metadata;
        var current = m.CurrentSchema;
        var lastId = m.LastColumnId;
        int Next() => ++lastId;
        var fields = current.Fields.ToList();
        foreach (var (name, type) in columns)
        {
            if (fields.Any(f => f.Name == name))
            {
                throw new ArgumentException($"column {name} exists", nameof(columns));
            }

            var id = Next();
            fields.Add(new NestedField(id, name, false, Reassign(type, Next)));
        }

        var schema = new IcebergSchema(m.Schemas.Max(s => s.SchemaId) + 1, fields, current.IdentifierFieldIds);
        var next = m with
        {
            Schemas = [.. m.Schemas, schema],
            CurrentSchemaId = schema.SchemaId,
            LastColumnId = lastId,
            LastUpdatedMs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs),
        };
        await CommitAsync(next, ct);
        return schema;
    }

    private static IcebergType Reassign(IcebergType type, Func<int> next) => type switch
    {
        ListType l => new ListType(next(), Reassign(l.Element, next), l.ElementRequired),
        MapType mt => new MapType(next(), Reassign(mt.Key, next), next(), Reassign(mt.Value, next), mt.ValueRequired),
        StructType st => new StructType([.. st.Fields.Select(f => f with { Id = next(), Type = Reassign(f.Type, next) })]),
        _ => type,
    };

    /// <summary>A random positive snapshot id below 2^53 (exact in JSON readers that use doubles), unused in this table.</summary>
    private static long NewSnapshotId(TableMetadata m)
    {
        while (true)
        {
            var id = Random.Shared.NextInt64(1, 1L << 53);
            if (m.Snapshots.All(s => s.SnapshotId != id))
            {
                return id;
            }
        }
    }

    private async Task CommitAsync(TableMetadata next, CancellationToken ct)
    {
        if (MetadataLocation.Length > 0)
        {
            next = next with { MetadataLog = [.. next.MetadataLog, new MetadataLogEntry(Metadata.LastUpdatedMs, MetadataLocation)] };
        }

        MetadataLocation = await _committer.CommitAsync(MetadataLocation, next, ct);
        Metadata = next;
    }

    internal static string MetadataPath(string location, int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{location}/metadata/v{version}.metadata.json");

    private async Task WriteNewAsync(string location, byte[] bytes, CancellationToken ct)
    {
        await using var s = _io.Create(location);
        await s.WriteAsync(bytes, ct);
    }

    private static byte[] Bytes(Action<Stream> write)
    {
        using var m = new MemoryStream();
        write(m);
        return m.ToArray();
    }
}

/// <summary>Makes a new metadata version the table's current one, atomically, or fails with <see cref="CommitConflictException"/>.</summary>
internal interface ITableCommitter
{
    /// <summary>Writes <paramref name="next"/> and makes it current if <paramref name="baseLocation"/> still is; returns its location.</summary>
    Task<string> CommitAsync(string baseLocation, TableMetadata next, CancellationToken ct);
}

/// <summary>
/// A table without a catalog: metadata/vN.metadata.json written with create-new semantics (so
/// of two writers of version N only one succeeds), then metadata/version-hint.text.
/// </summary>
internal sealed class FolderCommitter(IFileIO io) : ITableCommitter
{
    public async Task<string> CommitAsync(string baseLocation, TableMetadata next, CancellationToken ct)
    {
        var version = baseLocation.Length == 0 ? 1 : VersionOf(baseLocation) + 1;
        var path = IcebergTable.MetadataPath(next.Location, version);
        try
        {
            await using var s = io.Create(path);
            await s.WriteAsync(Encoding.UTF8.GetBytes(MetadataJson.Write(next)), ct);
        }
        catch (IOException e) when (io.Exists(path))
        {
            throw new CommitConflictException($"{path} exists: another writer committed version {version} first", e);
        }

        if (io is LocalFileIO local)
        {
            // The hint is the one file that is replaced; readers also look past it.
            var hintPath = local.LocalPath($"{next.Location}/metadata/version-hint.text");
            var temp = hintPath + "." + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(temp, version.ToString(CultureInfo.InvariantCulture), ct);
            File.Move(temp, hintPath, overwrite: true);
        }

        return path;
    }

    private static int VersionOf(string location)
    {
        var name = location[(location.LastIndexOf('/') + 1)..];
        return name.StartsWith('v') && name.EndsWith(".metadata.json", StringComparison.Ordinal)
            && int.TryParse(name[1..^".metadata.json".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new IcebergFormatException($"{location}: not a vN.metadata.json file");
    }
}

/// <summary>Another writer committed first; reload the table and try again.</summary>
public sealed class CommitConflictException(string message, Exception? inner = null) : Exception(message, inner);
