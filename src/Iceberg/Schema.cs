namespace PgWire.Iceberg;

/// <summary>A table schema: top-level fields with ids, and the fields that identify a row.</summary>
public sealed record IcebergSchema(int SchemaId, IReadOnlyList<NestedField> Fields, IReadOnlyList<int> IdentifierFieldIds)
{
    public IcebergSchema(int schemaId, IReadOnlyList<NestedField> fields)
        : this(schemaId, fields, [])
    {
    }

    public StructType AsStruct => new(Fields);

    /// <summary>The highest field id used anywhere in the schema (nested ids included).</summary>
    public int HighestFieldId => Fields.Count == 0 ? 0 : Fields.Max(f => MaxId(f));

    public NestedField? FindField(int id) => Fields.FirstOrDefault(f => f.Id == id);

    public bool Equals(IcebergSchema? other) =>
        other is not null && SchemaId == other.SchemaId && Fields.SequenceEqual(other.Fields)
        && IdentifierFieldIds.SequenceEqual(other.IdentifierFieldIds);

    public override int GetHashCode() => HashCode.Combine(SchemaId, Fields.Count);

    private static int MaxId(NestedField field) => Math.Max(field.Id, MaxId(field.Type));

    private static int MaxId(IcebergType type) => type switch
    {
        StructType s => s.Fields.Count == 0 ? 0 : s.Fields.Max(MaxId),
        ListType l => Math.Max(l.ElementId, MaxId(l.Element)),
        MapType m => Math.Max(Math.Max(m.KeyId, m.ValueId), Math.Max(MaxId(m.Key), MaxId(m.Value))),
        _ => 0,
    };
}

public sealed record PartitionField(int SourceId, int FieldId, string Name, string Transform);

public sealed record PartitionSpec(int SpecId, IReadOnlyList<PartitionField> Fields)
{
    public static readonly PartitionSpec Unpartitioned = new(0, []);

    public bool Equals(PartitionSpec? other) => other is not null && SpecId == other.SpecId && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => SpecId;
}

public sealed record SortField(int SourceId, string Transform, string Direction, string NullOrder);

public sealed record SortOrder(int OrderId, IReadOnlyList<SortField> Fields)
{
    public static readonly SortOrder Unsorted = new(0, []);

    public bool Equals(SortOrder? other) => other is not null && OrderId == other.OrderId && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => OrderId;
}
