namespace PgWire.Iceberg;

/// <summary>A snapshot: the table's state after one commit, listed by its manifest list.</summary>
public sealed record Snapshot(
    long SnapshotId,
    long? ParentSnapshotId,
    long SequenceNumber,
    long TimestampMs,
    string ManifestList,
    IReadOnlyDictionary<string, string> Summary,
    int? SchemaId)
{
    /// <summary>The summary's "operation": append, replace, overwrite or delete.</summary>
    public string Operation => Summary.TryGetValue("operation", out var op) ? op : "append";

    public bool Equals(Snapshot? other) =>
        other is not null && SnapshotId == other.SnapshotId && ParentSnapshotId == other.ParentSnapshotId
        && SequenceNumber == other.SequenceNumber && TimestampMs == other.TimestampMs
        && ManifestList == other.ManifestList && SchemaId == other.SchemaId
        && Summary.Count == other.Summary.Count
        && Summary.All(kv => other.Summary.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => SnapshotId.GetHashCode();
}

/// <summary>A named branch or tag.</summary>
public sealed record SnapshotRef(long SnapshotId, string Type, int? MinSnapshotsToKeep = null, long? MaxSnapshotAgeMs = null, long? MaxRefAgeMs = null);

public sealed record SnapshotLogEntry(long TimestampMs, long SnapshotId);

public sealed record MetadataLogEntry(long TimestampMs, string MetadataFile);

/// <summary>Table metadata, format version 2 (the content of a vN.metadata.json file).</summary>
public sealed record TableMetadata
{
    public int FormatVersion { get; init; } = 2;

    public required Guid TableUuid { get; init; }

    public required string Location { get; init; }

    public long LastSequenceNumber { get; init; }

    public long LastUpdatedMs { get; init; }

    public int LastColumnId { get; init; }

    public required IReadOnlyList<IcebergSchema> Schemas { get; init; }

    public int CurrentSchemaId { get; init; }

    public IReadOnlyList<PartitionSpec> PartitionSpecs { get; init; } = [PartitionSpec.Unpartitioned];

    public int DefaultSpecId { get; init; }

    /// <summary>The highest partition field id assigned; 999 when none is (ids start at 1000).</summary>
    public int LastPartitionId { get; init; } = 999;

    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    public long? CurrentSnapshotId { get; init; }

    public IReadOnlyList<Snapshot> Snapshots { get; init; } = [];

    public IReadOnlyList<SnapshotLogEntry> SnapshotLog { get; init; } = [];

    public IReadOnlyList<MetadataLogEntry> MetadataLog { get; init; } = [];

    public IReadOnlyList<SortOrder> SortOrders { get; init; } = [SortOrder.Unsorted];

    public int DefaultSortOrderId { get; init; }

    public IReadOnlyDictionary<string, SnapshotRef> Refs { get; init; } = new Dictionary<string, SnapshotRef>();

    public IcebergSchema CurrentSchema => SchemaById(CurrentSchemaId);

    public Snapshot? CurrentSnapshot => CurrentSnapshotId is { } id ? SnapshotById(id) : null;

    public IcebergSchema SchemaById(int id) =>
        Schemas.FirstOrDefault(s => s.SchemaId == id) ?? throw new IcebergFormatException($"the metadata has no schema with id {id}");

    public Snapshot SnapshotById(long id) =>
        Snapshots.FirstOrDefault(s => s.SnapshotId == id) ?? throw new IcebergFormatException($"the metadata has no snapshot with id {id}");
}
