using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class MetadataJsonTests
{
    internal static TableMetadata Sample()
    {
        var schema = new IcebergSchema(
            0,
            [
                new NestedField(1, "id", true, PrimitiveType.Long),
                new NestedField(2, "name", false, PrimitiveType.String, "display name"),
                new NestedField(3, "price", false, PrimitiveType.Decimal(10, 2)),
                new NestedField(4, "tags", false, new ListType(7, PrimitiveType.String, false)),
                new NestedField(5, "attrs", false, new MapType(8, PrimitiveType.String, 9, PrimitiveType.Int, true)),
                new NestedField(6, "at", false, new StructType([new NestedField(10, "ts", false, PrimitiveType.TimestampTz), new NestedField(11, "f", false, PrimitiveType.Fixed(16))])),
            ],
            [1]);
        const long big = (1L << 53) - 1;
        return new TableMetadata
        {
            TableUuid = Guid.Parse("9c12d441-03fe-4693-9a96-a0705ddf69c1"),
            Location = "file:///tmp/t",
            LastSequenceNumber = 2,
            LastUpdatedMs = 1700000000123,
            LastColumnId = 11,
            Schemas = [schema],
            CurrentSchemaId = 0,
            PartitionSpecs = [PartitionSpec.Unpartitioned],
            SortOrders = [SortOrder.Unsorted, new SortOrder(1, [new SortField(1, "identity", "asc", "nulls-first")])],
            Properties = new Dictionary<string, string> { ["owner"] = "pgwire" },
            CurrentSnapshotId = big,
            Snapshots =
            [
                new Snapshot(5, null, 1, 1700000000000, "file:///tmp/t/metadata/snap-5.avro", new Dictionary<string, string> { ["operation"] = "append", ["added-records"] = "3" }, 0),
                new Snapshot(big, 5, 2, 1700000000123, "file:///tmp/t/metadata/snap-big.avro", new Dictionary<string, string> { ["operation"] = "append", ["pgwire.commit-lsn"] = "0/16B3748" }, 0),
            ],
            Refs = new Dictionary<string, SnapshotRef> { ["main"] = new SnapshotRef(big, "branch"), ["t1"] = new SnapshotRef(5, "tag", MaxRefAgeMs: 1000) },
            SnapshotLog = [new SnapshotLogEntry(1700000000000, 5), new SnapshotLogEntry(1700000000123, big)],
            MetadataLog = [new MetadataLogEntry(1700000000000, "file:///tmp/t/metadata/v1.metadata.json")],
        };
    }

    [Fact]
    public void Metadata_survives_a_write_and_a_parse()
    {
        var metadata = Sample();
        var json = MetadataJson.Write(metadata);
        var back = MetadataJson.Parse(json);
        Assert.Equal(metadata.TableUuid, back.TableUuid);
        Assert.Equal(metadata.Schemas, back.Schemas);
        Assert.Equal(metadata.Snapshots, back.Snapshots);
        Assert.Equal(metadata.SortOrders, back.SortOrders);
        Assert.Equal(metadata.PartitionSpecs, back.PartitionSpecs);
        Assert.Equal(metadata.Refs.OrderBy(r => r.Key), back.Refs.OrderBy(r => r.Key));
        Assert.Equal(metadata.SnapshotLog, back.SnapshotLog);
        Assert.Equal(metadata.MetadataLog, back.MetadataLog);
        Assert.Equal(metadata.Properties, back.Properties);
        Assert.Equal((metadata.LastSequenceNumber, metadata.LastColumnId, metadata.LastUpdatedMs, metadata.CurrentSnapshotId, metadata.LastPartitionId),
            (back.LastSequenceNumber, back.LastColumnId, back.LastUpdatedMs, back.CurrentSnapshotId, back.LastPartitionId));
        Assert.Equal(json, MetadataJson.Write(back));
    }

    [Fact]
    public void Written_json_uses_the_spec_names()
    {
        var root = JsonNode.Parse(MetadataJson.Write(Sample()))!.AsObject();
        Assert.Equal(2, (int)root["format-version"]!);
        Assert.Equal(11, (int)root["last-column-id"]!);
        var schema = root["schemas"]![0]!;
        Assert.Equal("[1]", schema["identifier-field-ids"]!.ToJsonString());
        Assert.Equal("decimal(10,2)", (string)schema["fields"]![2]!["type"]!);
        Assert.Equal(7, (int)schema["fields"]![3]!["type"]!["element-id"]!);
        Assert.Equal(9, (int)schema["fields"]![4]!["type"]!["value-id"]!);
        Assert.True((bool)schema["fields"]![4]!["type"]!["value-required"]!);
        Assert.Equal("fixed[16]", (string)schema["fields"]![5]!["type"]!["fields"]![1]!["type"]!);
        Assert.Equal("append", (string)root["snapshots"]![1]!["summary"]!["operation"]!);
        Assert.Equal("0/16B3748", (string)root["snapshots"]![1]!["summary"]!["pgwire.commit-lsn"]!);
        Assert.Equal(9007199254740991L, (long)root["current-snapshot-id"]!);
        Assert.Equal("tag", (string)root["refs"]!["t1"]!["type"]!);
        Assert.Equal(999, (int)root["last-partition-id"]!);
    }

    [Fact]
    public void Version_1_metadata_is_refused_with_a_clear_error()
    {
        var json = MetadataJson.Write(Sample()).Replace("\"format-version\": 2", "\"format-version\": 1", StringComparison.Ordinal);
        var e = Assert.Throws<IcebergFormatException>(() => MetadataJson.Parse(json));
        Assert.Contains("format version 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_keys_are_reported_by_name()
    {
        var root = JsonNode.Parse(MetadataJson.Write(Sample()))!.AsObject();
        root.Remove("last-column-id");
        var e = Assert.Throws<IcebergFormatException>(() => MetadataJson.Parse(root.ToJsonString()));
        Assert.Contains("last-column-id", e.Message, StringComparison.Ordinal);
    }
}
