using Avro.File;
using Avro.Generic;

namespace PgWire.Iceberg;

/// <summary>Reads manifest lists and manifests (Avro object container files) by field name, as the spec names them.</summary>
public static class ManifestReader
{
    public static List<ManifestFile> ReadManifestList(Stream stream)
    {
        var result = new List<ManifestFile>();
        foreach (var r in Records(stream))
        {
            var seq = Opt<long>(r, "sequence_number") ?? 0;
            result.Add(new ManifestFile(
                Req<string>(r, "manifest_path"),
                Req<long>(r, "manifest_length"),
                Req<int>(r, "partition_spec_id"),
                (ManifestContent)(Opt<int>(r, "content") ?? 0),
                seq,
                Opt<long>(r, "min_sequence_number") ?? seq,
                Req<long>(r, "added_snapshot_id"),
                Count(r, "added_files_count", "added_data_files_count"),
                Count(r, "existing_files_count", "existing_data_files_count"),
                Count(r, "deleted_files_count", "deleted_data_files_count"),
                Opt<long>(r, "added_rows_count") ?? 0,
                Opt<long>(r, "existing_rows_count") ?? 0,
                Opt<long>(r, "deleted_rows_count") ?? 0));
        }

        return result;
    }

    /// <summary>
    /// The entries of one manifest. Sequence numbers left null by the writer are inherited from
    /// the manifest list entry (the spec's rule for added files).
    /// </summary>
    public static List<ManifestEntry> ReadManifest(Stream stream, ManifestFile manifest)
    {
        var result = new List<ManifestEntry>();
        foreach (var r in Records(stream))
        {
            var status = (ManifestEntryStatus)Req<int>(r, "status");
            var snapshotId = Opt<long>(r, "snapshot_id");
            var seq = Opt<long>(r, "sequence_number");
            var fileSeq = Opt<long>(r, "file_sequence_number");
            if (status == ManifestEntryStatus.Added)
            {
                snapshotId ??= manifest.AddedSnapshotId;
                seq ??= manifest.SequenceNumber;
                fileSeq ??= manifest.SequenceNumber;
            }

            var d = (GenericRecord)r["data_file"];
            var file = new DataFile
            {
                Content = (FileContent)(Opt<int>(d, "content") ?? 0),
                FilePath = Req<string>(d, "file_path"),
                FileFormat = Req<string>(d, "file_format"),
                RecordCount = Req<long>(d, "record_count"),
                FileSizeInBytes = Req<long>(d, "file_size_in_bytes"),
                ColumnSizes = IntMap<long>(d, "column_sizes"),
                ValueCounts = IntMap<long>(d, "value_counts"),
                NullValueCounts = IntMap<long>(d, "null_value_counts"),
                NanValueCounts = IntMap<long>(d, "nan_value_counts"),
                LowerBounds = IntMap<byte[]>(d, "lower_bounds"),
                UpperBounds = IntMap<byte[]>(d, "upper_bounds"),
                SplitOffsets = List<long>(d, "split_offsets"),
                EqualityIds = List<int>(d, "equality_ids"),
                SortOrderId = Opt<int>(d, "sort_order_id"),
            };
            result.Add(new ManifestEntry(status, snapshotId, seq, fileSeq, file));
        }

        return result;
    }

    /// <summary>The key-value metadata of an Avro container file (e.g. a manifest's schema and content).</summary>
    public static Dictionary<string, string> FileMetadata(Stream stream)
    {
        using var reader = DataFileReader<GenericRecord>.OpenReader(stream, leaveOpen: true);
        return reader.GetMetaKeys().ToDictionary(k => k, reader.GetMetaString, StringComparer.Ordinal);
    }

    private static List<GenericRecord> Records(Stream stream)
    {
        try
        {
            using var reader = DataFileReader<GenericRecord>.OpenReader(stream, leaveOpen: true);
            var records = new List<GenericRecord>();
            while (reader.HasNext())
            {
                records.Add(reader.Next());
            }

            return records;
        }
        catch (Avro.AvroException e)
        {
            throw new IcebergFormatException("not a readable Avro file: " + e.Message, e);
        }
    }

    private static int Count(GenericRecord r, string name, string oldName) =>
        Opt<int>(r, name) ?? Opt<int>(r, oldName) ?? 0;

    private static T Req<T>(GenericRecord r, string name) =>
        r.TryGetValue(name, out var v) && v is T t ? t : throw new IcebergFormatException($"manifest: field {name} is missing or not a {typeof(T).Name}");

    private static T? Opt<T>(GenericRecord r, string name)
        where T : struct =>
        r.TryGetValue(name, out var v) && v is T t ? t : null;

    private static Dictionary<int, T> IntMap<T>(GenericRecord r, string name)
    {
        var result = new Dictionary<int, T>();
        if (r.TryGetValue(name, out var v) && v is object[] items)
        {
            foreach (var item in items.Cast<GenericRecord>())
            {
                if (item["value"] is T value)
                {
                    result[(int)item["key"]] = value;
                }
            }
        }

        return result;
    }

    private static List<T>? List<T>(GenericRecord r, string name) =>
        r.TryGetValue(name, out var v) && v is object[] items ? [.. items.Cast<T>()] : null;
}
