using System.Globalization;

namespace PgWire.Iceberg;

/// <summary>Writes manifests and manifest lists (format version 2) with the spec's field ids.</summary>
public static class ManifestWriter
{
    private static string IntMap(string name, int id, int keyId, int valueId, string valueType) =>
        $$"""{"name":"{{name}}","type":["null",{"type":"array","items":{"type":"record","name":"k{{keyId}}_v{{valueId}}","fields":[{"name":"key","type":"int","field-id":{{keyId}}},{"name":"value","type":"{{valueType}}","field-id":{{valueId}}}]},"logicalType":"map"}],"default":null,"field-id":{{id}}}""";

    /// <summary>The manifest_entry schema for an unpartitioned spec.</summary>
    public static readonly string ManifestEntrySchema =
        """{"type":"record","name":"manifest_entry","fields":[""" +
        """{"name":"status","type":"int","field-id":0},""" +
        """{"name":"snapshot_id","type":["null","long"],"default":null,"field-id":1},""" +
        """{"name":"sequence_number","type":["null","long"],"default":null,"field-id":3},""" +
        """{"name":"file_sequence_number","type":["null","long"],"default":null,"field-id":4},""" +
        """{"name":"data_file","type":{"type":"record","name":"r2","fields":[""" +
        """{"name":"content","type":"int","doc":"Contents of the file: 0=data, 1=position deletes, 2=equality deletes","field-id":134},""" +
        """{"name":"file_path","type":"string","doc":"Location URI with FS scheme","field-id":100},""" +
        """{"name":"file_format","type":"string","doc":"File format name: avro, orc, or parquet","field-id":101},""" +
        """{"name":"partition","type":{"type":"record","name":"r102","fields":[]},"doc":"Partition data tuple, schema based on the partition spec","field-id":102},""" +
        """{"name":"record_count","type":"long","doc":"Number of records in the file","field-id":103},""" +
        """{"name":"file_size_in_bytes","type":"long","doc":"Total file size in bytes","field-id":104},""" +
        IntMap("column_sizes", 108, 117, 118, "long") + "," +
        IntMap("value_counts", 109, 119, 120, "long") + "," +
        IntMap("null_value_counts", 110, 121, 122, "long") + "," +
        IntMap("nan_value_counts", 137, 138, 139, "long") + "," +
        IntMap("lower_bounds", 125, 126, 127, "bytes") + "," +
        IntMap("upper_bounds", 128, 129, 130, "bytes") + "," +
        """{"name":"key_metadata","type":["null","bytes"],"default":null,"field-id":131},""" +
        """{"name":"split_offsets","type":["null",{"type":"array","items":"long","element-id":133}],"default":null,"field-id":132},""" +
        """{"name":"equality_ids","type":["null",{"type":"array","items":"int","element-id":136}],"default":null,"field-id":135},""" +
        """{"name":"sort_order_id","type":["null","int"],"default":null,"field-id":140}""" +
        """]},"field-id":2}]}""";

    public static readonly string ManifestFileSchema =
        """{"type":"record","name":"manifest_file","fields":[""" +
        """{"name":"manifest_path","type":"string","doc":"Location URI with FS scheme","field-id":500},""" +
        """{"name":"manifest_length","type":"long","doc":"Total file size in bytes","field-id":501},""" +
        """{"name":"partition_spec_id","type":"int","doc":"Spec ID used to write","field-id":502},""" +
        """{"name":"content","type":"int","doc":"Contents of the manifest: 0=data, 1=deletes","field-id":517},""" +
        """{"name":"sequence_number","type":"long","doc":"Sequence number when the manifest was added","field-id":515},""" +
        """{"name":"min_sequence_number","type":"long","doc":"Lowest sequence number in the manifest","field-id":516},""" +
        """{"name":"added_snapshot_id","type":"long","doc":"Snapshot ID that added the manifest","field-id":503},""" +
        """{"name":"added_files_count","type":"int","doc":"Added entry count","field-id":504},""" +
        """{"name":"existing_files_count","type":"int","doc":"Existing entry count","field-id":505},""" +
        """{"name":"deleted_files_count","type":"int","doc":"Deleted entry count","field-id":506},""" +
        """{"name":"added_rows_count","type":"long","doc":"Added rows count","field-id":512},""" +
        """{"name":"existing_rows_count","type":"long","doc":"Existing rows count","field-id":513},""" +
        """{"name":"deleted_rows_count","type":"long","doc":"Deleted rows count","field-id":514},""" +
        """{"name":"partitions","type":["null",{"type":"array","items":{"type":"record","name":"r508","fields":[""" +
        """{"name":"contains_null","type":"boolean","field-id":509},""" +
        """{"name":"contains_nan","type":["null","boolean"],"default":null,"field-id":518},""" +
        """{"name":"lower_bound","type":["null","bytes"],"default":null,"field-id":510},""" +
        """{"name":"upper_bound","type":["null","bytes"],"default":null,"field-id":511}]},"element-id":508}],"default":null,"field-id":507},""" +
        """{"name":"key_metadata","type":["null","bytes"],"default":null,"field-id":519}]}""";

    /// <summary>Writes a manifest of one content kind; partitioned specs are not written yet.</summary>
    public static void WriteManifest(Stream stream, IcebergSchema schema, PartitionSpec spec, ManifestContent content, IEnumerable<ManifestEntry> entries)
    {
        if (spec.Fields.Count > 0)
        {
            throw new NotSupportedException("writing manifests of a partitioned spec is not supported yet");
        }

        var metadata = new Dictionary<string, string>
        {
            ["schema"] = MetadataJson.WriteSchema(schema),
            ["schema-id"] = schema.SchemaId.ToString(CultureInfo.InvariantCulture),
            ["partition-spec"] = MetadataJson.WriteSpecFields(spec),
            ["partition-spec-id"] = spec.SpecId.ToString(CultureInfo.InvariantCulture),
            ["format-version"] = "2",
            ["content"] = content == ManifestContent.Data ? "data" : "deletes",
        };
        var writer = new AvroContainerWriter(stream, ManifestEntrySchema, metadata);
        foreach (var entry in entries)
        {
            writer.Append(e => WriteEntry(e, entry));
        }

        writer.Finish();
    }

    public static void WriteManifestList(Stream stream, long snapshotId, long? parentSnapshotId, long sequenceNumber, IEnumerable<ManifestFile> manifests)
    {
        var metadata = new Dictionary<string, string>
        {
            ["snapshot-id"] = snapshotId.ToString(CultureInfo.InvariantCulture),
            ["parent-snapshot-id"] = parentSnapshotId?.ToString(CultureInfo.InvariantCulture) ?? "null",
            ["sequence-number"] = sequenceNumber.ToString(CultureInfo.InvariantCulture),
            ["format-version"] = "2",
        };
        var writer = new AvroContainerWriter(stream, ManifestFileSchema, metadata);
        foreach (var m in manifests)
        {
            writer.Append(e =>
            {
                e.String(m.ManifestPath);
                e.Long(m.ManifestLength);
                e.Int(m.PartitionSpecId);
                e.Int((int)m.Content);
                e.Long(m.SequenceNumber);
                e.Long(m.MinSequenceNumber);
                e.Long(m.AddedSnapshotId);
                e.Int(m.AddedFilesCount);
                e.Int(m.ExistingFilesCount);
                e.Int(m.DeletedFilesCount);
                e.Long(m.AddedRowsCount);
                e.Long(m.ExistingRowsCount);
                e.Long(m.DeletedRowsCount);
                // An unpartitioned spec has no partition field summaries: an empty array.
                e.UnionIndex(true);
                e.Array(System.Array.Empty<int>(), (_, _) => { });
                e.UnionIndex(false);
            });
        }

        writer.Finish();
    }

    private static void WriteEntry(AvroEncoder e, ManifestEntry entry)
    {
        e.Int((int)entry.Status);
        e.OptionalLong(entry.SnapshotId);
        e.OptionalLong(entry.SequenceNumber);
        e.OptionalLong(entry.FileSequenceNumber);
        var f = entry.DataFile;
        e.Int((int)f.Content);
        e.String(f.FilePath);
        e.String(f.FileFormat);
        // partition: an empty record encodes to nothing.
        e.Long(f.RecordCount);
        e.Long(f.FileSizeInBytes);
        LongMap(e, f.ColumnSizes);
        LongMap(e, f.ValueCounts);
        LongMap(e, f.NullValueCounts);
        LongMap(e, f.NanValueCounts);
        BytesMap(e, f.LowerBounds);
        BytesMap(e, f.UpperBounds);
        e.UnionIndex(false);
        e.UnionIndex(f.SplitOffsets is not null);
        if (f.SplitOffsets is { } offsets)
        {
            e.Array(offsets.ToList(), (x, v) => x.Long(v));
        }

        e.UnionIndex(f.EqualityIds is not null);
        if (f.EqualityIds is { } ids)
        {
            e.Array(ids.ToList(), (x, v) => x.Int(v));
        }

        e.OptionalInt(f.SortOrderId);
    }

    private static void LongMap(AvroEncoder e, IReadOnlyDictionary<int, long> map)
    {
        e.UnionIndex(true);
        e.Array(map.OrderBy(kv => kv.Key).ToList(), (x, kv) =>
        {
            x.Int(kv.Key);
            x.Long(kv.Value);
        });
    }

    private static void BytesMap(AvroEncoder e, IReadOnlyDictionary<int, byte[]> map)
    {
        e.UnionIndex(true);
        e.Array(map.OrderBy(kv => kv.Key).ToList(), (x, kv) =>
        {
            x.Int(kv.Key);
            x.Bytes(kv.Value);
        });
    }
}
