namespace PgWire.Iceberg;

/// <summary>What a manifest tracks: data files or delete files.</summary>
public enum ManifestContent
{
    Data = 0,
    Deletes = 1,
}

/// <summary>What a content file holds.</summary>
public enum FileContent
{
    Data = 0,
    PositionDeletes = 1,
    EqualityDeletes = 2,
}

public enum ManifestEntryStatus
{
    Existing = 0,
    Added = 1,
    Deleted = 2,
}

/// <summary>One entry of a manifest list (field ids 500-519 in the spec).</summary>
public sealed record ManifestFile(
    string ManifestPath,
    long ManifestLength,
    int PartitionSpecId,
    ManifestContent Content,
    long SequenceNumber,
    long MinSequenceNumber,
    long AddedSnapshotId,
    int AddedFilesCount,
    int ExistingFilesCount,
    int DeletedFilesCount,
    long AddedRowsCount,
    long ExistingRowsCount,
    long DeletedRowsCount);

/// <summary>A data or delete file with its statistics (the data_file struct, field ids 100-140).</summary>
public sealed record DataFile
{
    public FileContent Content { get; init; }

    public required string FilePath { get; init; }

    public string FileFormat { get; init; } = "PARQUET";

    public long RecordCount { get; init; }

    public long FileSizeInBytes { get; init; }

    public IReadOnlyDictionary<int, long> ColumnSizes { get; init; } = new Dictionary<int, long>();

    public IReadOnlyDictionary<int, long> ValueCounts { get; init; } = new Dictionary<int, long>();

    public IReadOnlyDictionary<int, long> NullValueCounts { get; init; } = new Dictionary<int, long>();

    public IReadOnlyDictionary<int, long> NanValueCounts { get; init; } = new Dictionary<int, long>();

    /// <summary>Lower bounds by field id, in the spec's single-value serialization.</summary>
    public IReadOnlyDictionary<int, byte[]> LowerBounds { get; init; } = new Dictionary<int, byte[]>();

    public IReadOnlyDictionary<int, byte[]> UpperBounds { get; init; } = new Dictionary<int, byte[]>();

    public IReadOnlyList<long>? SplitOffsets { get; init; }

    public IReadOnlyList<int>? EqualityIds { get; init; }

    public int? SortOrderId { get; init; }
}

/// <summary>One manifest entry: a file, whether it was added, kept or removed, and its sequence numbers.</summary>
public sealed record ManifestEntry(
    ManifestEntryStatus Status,
    long? SnapshotId,
    long? SequenceNumber,
    long? FileSequenceNumber,
    DataFile DataFile);
