using System.Globalization;
using System.Text;

namespace PgWire.Iceberg;

/// <summary>
/// A table in a folder (metadata/vN.metadata.json, metadata/version-hint.text, data/): create
/// it from a schema, commit snapshots (row batches with key deletes, or data files written with
/// <see cref="DataFileWriter"/> with position deletes and a full replacement), read it back.
/// </summary>
/// <remarks>
/// A commit writes the next vN.metadata.json with create-new semantics, so of two writers racing
/// for the same version only one succeeds; the other gets <see cref="CommitConflictException"/>
/// (the files it wrote for the commit are left unreferenced).
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
        var path = await CurrentMetadataPathAsync(io, location, ct);
        return new IcebergTable(io, await ReadMetadataAsync(io, path, ct), path, new FolderCommitter(io));
    }

    /// <summary>The newest metadata/vN.metadata.json of a table without a catalog.</summary>
    internal static async Task<string> CurrentMetadataPathAsync(IFileIO io, string location, CancellationToken ct)
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

        return MetadataPath(location, version);
    }

    /// <summary>
    /// Reads the table's current metadata again (from the catalog, or the folder's newest
    /// version), for a writer that lost a commit race: its next commit then builds on what the
    /// other writer committed.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        var location = await _committer.CurrentLocationAsync(Metadata.Location, ct);
        if (location != MetadataLocation)
        {
            Metadata = await ReadMetadataAsync(_io, location, ct);
            MetadataLocation = location;
        }
    }

    /// <summary>
    /// Commits <paramref name="next"/> (built from <see cref="Metadata"/>) as the next version;
    /// <see cref="CommitConflictException"/> when another writer committed first.
    /// </summary>
    internal Task CommitMetadataAsync(TableMetadata next, CancellationToken ct) => CommitAsync(next, ct);

    internal IFileIO FileIO => _io;

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
        var commitId = Guid.NewGuid().ToString("D");
        var added = new List<DataFile>();
        var deletes = new List<DataFile>();

        if (deletedKeys.Count > 0 && schema.IdentifierFieldIds.Count == 0)
        {
            throw new InvalidOperationException("deleting rows by key needs identifier fields in the table schema");
        }

        if (rows.Count > 0)
        {
            added.Add(await DataFileWriter.WriteAsync(_io, $"{m.Location}/data/{commitId}-00000.parquet", schema, rows, ct));
        }

        if (deletedKeys.Count > 0)
        {
            var keySchema = new IcebergSchema(schema.SchemaId, [.. schema.IdentifierFieldIds.Select(id => schema.FindField(id)!)], schema.IdentifierFieldIds);
            var deleteFile = await DataFileWriter.WriteAsync(_io, $"{m.Location}/data/{commitId}-00001-eq-deletes.parquet", keySchema, deletedKeys, ct);
            deletes.Add(deleteFile with { Content = FileContent.EqualityDeletes, EqualityIds = [.. schema.IdentifierFieldIds] });
        }

        return await CommitFilesAsync(commitId, added, deletes, removeAllExisting: false, summary, ct);
    }

    /// <summary>A new data file location, <c>{location}/data/{uuid}.parquet</c>, for <see cref="DataFileWriter"/>.</summary>
    public string NewDataFileLocation() => $"{Metadata.Location}/data/{Guid.NewGuid():D}.parquet";

    /// <summary>
    /// One snapshot that adds <paramref name="addedDataFiles"/> (written with
    /// <see cref="DataFileWriter"/>) and deletes the rows at <paramref name="positionDeletes"/>,
    /// as one position delete file of the new sequence number. By the spec's rule (data sequence
    /// number &lt;= delete sequence number) a position delete applies to files of earlier commits
    /// and to the files this commit adds, so a row added and deleted in one commit can be written
    /// either way. With <paramref name="removeAllExisting"/> every data and delete file of the
    /// current snapshot is removed in the same snapshot (TRUNCATE, or replacing the contents);
    /// position deletes then may only refer to the added files.
    /// </summary>
    /// <remarks>
    /// The previous snapshot's manifests are kept by reference, so a commit writes only manifests
    /// for its own files (plus, with <paramref name="removeAllExisting"/>, manifests listing the
    /// removed ones). A commit with nothing in it still makes a snapshot (operation append with
    /// zero counts), which carries the <paramref name="summary"/> properties.
    /// </remarks>
    public async Task<Snapshot> CommitAsync(IReadOnlyList<DataFile> addedDataFiles, IReadOnlyList<PositionDelete> positionDeletes, bool removeAllExisting, IReadOnlyDictionary<string, string>? summary = null, CancellationToken ct = default)
    {
        foreach (var f in addedDataFiles)
        {
            if (f.Content != FileContent.Data)
            {
                throw new ArgumentException($"{f.FilePath}: only data files can be added this way, not {f.Content}", nameof(addedDataFiles));
            }
        }

        if (removeAllExisting && positionDeletes.Count > 0)
        {
            var addedPaths = addedDataFiles.Select(f => f.FilePath).ToHashSet(StringComparer.Ordinal);
            if (positionDeletes.FirstOrDefault(d => !addedPaths.Contains(d.FilePath)) is { } stray)
            {
                throw new ArgumentException($"{stray.FilePath}: a position delete of a file this commit removes (with removeAllExisting only added files can have deletes)", nameof(positionDeletes));
            }
        }

        var commitId = Guid.NewGuid().ToString("D");
        var deletes = new List<DataFile>();
        if (positionDeletes.Count > 0)
        {
            deletes.Add(await PositionDeleteWriter.WriteAsync(_io, $"{Metadata.Location}/data/{commitId}-deletes.parquet", positionDeletes, ct));
        }

        return await CommitFilesAsync(commitId, addedDataFiles, deletes, removeAllExisting, summary, ct);
    }

    /// <summary>Writes manifests for the added files (and removed ones), the manifest list and the next metadata version.</summary>
    private async Task<Snapshot> CommitFilesAsync(string commitId, IReadOnlyList<DataFile> added, IReadOnlyList<DataFile> deletes, bool removeAllExisting, IReadOnlyDictionary<string, string>? extra, CancellationToken ct)
    {
        var m = Metadata;
        var schema = m.CurrentSchema;
        var spec = m.PartitionSpecs.First(p => p.SpecId == m.DefaultSpecId);
        var parent = m.CurrentSnapshot;
        var snapshotId = NewSnapshotId(m);
        var sequence = m.LastSequenceNumber + 1;
        var manifests = new List<ManifestFile>();
        var manifestNumber = 0;

        async Task WriteManifestAsync(ManifestContent content, IReadOnlyList<ManifestEntry> entries)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{m.Location}/metadata/{commitId}-m{manifestNumber++}.avro");
            var bytes = Bytes(s => ManifestWriter.WriteManifest(s, schema, spec, content, entries));
            await WriteNewAsync(path, bytes, ct);
            var addedEntries = entries.Where(e => e.Status == ManifestEntryStatus.Added).ToList();
            var deletedEntries = entries.Where(e => e.Status == ManifestEntryStatus.Deleted).ToList();
            var minSequence = entries.Select(e => e.SequenceNumber ?? sequence).DefaultIfEmpty(sequence).Min();
            manifests.Add(new ManifestFile(path, bytes.Length, spec.SpecId, content, sequence, minSequence, snapshotId,
                addedEntries.Count, 0, deletedEntries.Count, addedEntries.Sum(e => e.DataFile.RecordCount), 0, deletedEntries.Sum(e => e.DataFile.RecordCount)));
        }

        if (added.Count > 0)
        {
            await WriteManifestAsync(ManifestContent.Data, [.. added.Select(f => new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, f))]);
        }

        if (deletes.Count > 0)
        {
            await WriteManifestAsync(ManifestContent.Deletes, [.. deletes.Select(f => new ManifestEntry(ManifestEntryStatus.Added, snapshotId, null, null, f))]);
        }

        var parentManifests = parent is null ? [] : await ReadManifestListAsync(parent.ManifestList, ct);
        var removed = new List<DataFile>();
        if (removeAllExisting)
        {
            // Every live file of the parent is listed once more, as deleted by this snapshot.
            var removedData = new List<ManifestEntry>();
            var removedDeletes = new List<ManifestEntry>();
            foreach (var manifest in parentManifests)
            {
                foreach (var e in await ReadManifestAsync(manifest, ct))
                {
                    if (e.Status == ManifestEntryStatus.Deleted)
                    {
                        continue;
                    }

                    var entry = new ManifestEntry(ManifestEntryStatus.Deleted, snapshotId, e.SequenceNumber, e.FileSequenceNumber, e.DataFile);
                    (e.DataFile.Content == FileContent.Data ? removedData : removedDeletes).Add(entry);
                    removed.Add(e.DataFile);
                }
            }

            if (removedData.Count > 0)
            {
                await WriteManifestAsync(ManifestContent.Data, removedData);
            }

            if (removedDeletes.Count > 0)
            {
                await WriteManifestAsync(ManifestContent.Deletes, removedDeletes);
            }
        }
        else
        {
            // Kept by reference; a manifest that only lists files an earlier snapshot removed has nothing live left.
            manifests.AddRange(parentManifests.Where(x => x.AddedFilesCount > 0 || x.ExistingFilesCount > 0 || x.DeletedFilesCount == 0));
        }

        var listPath = $"{m.Location}/metadata/snap-{snapshotId}-1-{commitId}.avro";
        await WriteNewAsync(listPath, Bytes(s => ManifestWriter.WriteManifestList(s, snapshotId, parent?.SnapshotId, sequence, manifests)), ct);

        var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs);
        var snapshot = new Snapshot(snapshotId, parent?.SnapshotId, sequence, now, listPath, SnapshotSummary.Build(parent, added, deletes, removeAllExisting, removed, extra), schema.SchemaId);
        var next = IcebergTable.WithCurrentSnapshot(m, snapshot);
        await CommitAsync(next, ct);
        return snapshot;
    }

    private async Task<List<ManifestFile>> ReadManifestListAsync(string location, CancellationToken ct)
    {
        await using var s = _io.OpenRead(location);
        using var buffer = new MemoryStream();
        await s.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return ManifestReader.ReadManifestList(buffer);
    }

    private async Task<List<ManifestEntry>> ReadManifestAsync(ManifestFile manifest, CancellationToken ct)
    {
        await using var s = _io.OpenRead(manifest.ManifestPath);
        using var buffer = new MemoryStream();
        await s.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return ManifestReader.ReadManifest(buffer, manifest);
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

    /// <summary>
    /// <paramref name="m"/> with <paramref name="snapshot"/> added as the current one: its sequence
    /// number, the snapshot log and the main branch moved to it.
    /// </summary>
    internal static TableMetadata WithCurrentSnapshot(TableMetadata m, Snapshot snapshot) => m with
    {
        LastSequenceNumber = snapshot.SequenceNumber,
        LastUpdatedMs = snapshot.TimestampMs,
        CurrentSnapshotId = snapshot.SnapshotId,
        Snapshots = [.. m.Snapshots, snapshot],
        SnapshotLog = [.. m.SnapshotLog, new SnapshotLogEntry(snapshot.TimestampMs, snapshot.SnapshotId)],
        Refs = new Dictionary<string, SnapshotRef>(m.Refs) { ["main"] = new SnapshotRef(snapshot.SnapshotId, "branch") },
    };

    /// <summary>Sets table properties (adding or replacing those given) in a new metadata version; snapshots are untouched.</summary>
    public async Task SetPropertiesAsync(IReadOnlyDictionary<string, string> properties, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var m = Metadata;
        var merged = new Dictionary<string, string>(m.Properties);
        foreach (var (key, value) in properties)
        {
            merged[key] = value;
        }

        await CommitAsync(m with { Properties = merged, LastUpdatedMs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs) }, ct);
    }

    /// <summary>
    /// Widens the types of top-level columns, as a new current schema: only the promotions the
    /// spec allows (int to long, float to double, decimal(P,S) to decimal(P',S) with P' &gt; P);
    /// anything else is an <see cref="ArgumentException"/> and nothing is committed. Files written
    /// before keep their narrower physical type and read as the promoted type.
    /// </summary>
    public async Task<IcebergSchema> PromoteColumnsAsync(IEnumerable<(string Name, IcebergType NewType)> columns, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var m = Metadata;
        var current = m.CurrentSchema;
        var fields = current.Fields.ToList();
        var changed = false;
        foreach (var (name, newType) in columns)
        {
            var i = fields.FindIndex(f => f.Name == name);
            if (i < 0)
            {
                throw new ArgumentException($"column {name} does not exist", nameof(columns));
            }

            var old = fields[i].Type;
            if (old.Equals(newType))
            {
                continue;
            }

            if (!CanPromote(old, newType))
            {
                throw new ArgumentException($"column {name}: {old} cannot be promoted to {newType} (allowed: int to long, float to double, decimal(P,S) to decimal(P',S) with P' > P)", nameof(columns));
            }

            fields[i] = fields[i] with { Type = newType };
            changed = true;
        }

        if (!changed)
        {
            return current;
        }

        var schema = new IcebergSchema(m.Schemas.Max(s => s.SchemaId) + 1, fields, current.IdentifierFieldIds);
        var next = m with
        {
            Schemas = [.. m.Schemas, schema],
            CurrentSchemaId = schema.SchemaId,
            LastUpdatedMs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), m.LastUpdatedMs),
        };
        await CommitAsync(next, ct);
        return schema;
    }

    /// <summary>The spec's type promotions for format version 2.</summary>
    public static bool CanPromote(IcebergType from, IcebergType to) => (from, to) switch
    {
        (PrimitiveType { Name: "int" }, PrimitiveType { Name: "long" }) => true,
        (PrimitiveType { Name: "float" }, PrimitiveType { Name: "double" }) => true,
        (PrimitiveType { Name: "decimal" } a, PrimitiveType { Name: "decimal" } b) => a.Scale == b.Scale && b.Precision > a.Precision,
        _ => false,
    };

    private static IcebergType Reassign(IcebergType type, Func<int> next) => type switch
    {
        ListType l => new ListType(next(), Reassign(l.Element, next), l.ElementRequired),
        MapType mt => new MapType(next(), Reassign(mt.Key, next), next(), Reassign(mt.Value, next), mt.ValueRequired),
        StructType st => new StructType([.. st.Fields.Select(f => f with { Id = next(), Type = Reassign(f.Type, next) })]),
        _ => type,
    };

    /// <summary>A random positive snapshot id below 2^53 (exact in JSON readers that use doubles), unused in this table.</summary>
    internal static long NewSnapshotId(TableMetadata m)
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

    /// <summary>The location of the table's current metadata file.</summary>
    Task<string> CurrentLocationAsync(string tableLocation, CancellationToken ct);
}

/// <summary>
/// A table without a catalog: metadata/vN.metadata.json written with create-new semantics (so
/// of two writers of version N only one succeeds), then metadata/version-hint.text.
/// </summary>
internal sealed class FolderCommitter(IFileIO io) : ITableCommitter
{
    public Task<string> CurrentLocationAsync(string tableLocation, CancellationToken ct) => IcebergTable.CurrentMetadataPathAsync(io, tableLocation, ct);

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
