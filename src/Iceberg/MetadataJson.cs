using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PgWire.Iceberg;

/// <summary>Reads and writes table metadata JSON (format version 2) as the Iceberg spec lays it out.</summary>
public static class MetadataJson
{
    public static TableMetadata Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new IcebergFormatException("table metadata is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new IcebergFormatException("table metadata is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new IcebergFormatException("table metadata is not a JSON object", e);
        }

        var version = Int(root, "format-version");
        if (version != 2)
        {
            throw new IcebergFormatException($"table metadata format version {version} is not supported (only 2 is)");
        }

        var current = root["current-snapshot-id"]?.GetValue<long>();
        return new TableMetadata
        {
            FormatVersion = version,
            TableUuid = Guid.Parse(Str(root, "table-uuid")),
            Location = Str(root, "location"),
            LastSequenceNumber = Long(root, "last-sequence-number"),
            LastUpdatedMs = Long(root, "last-updated-ms"),
            LastColumnId = Int(root, "last-column-id"),
            Schemas = [.. Arr(root, "schemas").Select(n => ParseSchema(n!.AsObject()))],
            CurrentSchemaId = Int(root, "current-schema-id"),
            PartitionSpecs = [.. Arr(root, "partition-specs").Select(n => ParseSpec(n!.AsObject()))],
            DefaultSpecId = Int(root, "default-spec-id"),
            LastPartitionId = Int(root, "last-partition-id"),
            Properties = StringMap(root["properties"] as JsonObject),
            // -1 is how older writers said "no current snapshot".
            CurrentSnapshotId = current is null or -1 ? null : current,
            Snapshots = [.. OptArr(root, "snapshots").Select(n => ParseSnapshot(n!.AsObject()))],
            SnapshotLog = [.. OptArr(root, "snapshot-log").Select(n => new SnapshotLogEntry(Long(n!.AsObject(), "timestamp-ms"), Long(n.AsObject(), "snapshot-id")))],
            MetadataLog = [.. OptArr(root, "metadata-log").Select(n => new MetadataLogEntry(Long(n!.AsObject(), "timestamp-ms"), Str(n.AsObject(), "metadata-file")))],
            SortOrders = [.. Arr(root, "sort-orders").Select(n => ParseSortOrder(n!.AsObject()))],
            DefaultSortOrderId = Int(root, "default-sort-order-id"),
            Refs = ParseRefs(root["refs"] as JsonObject, current),
        };
    }

    public static string Write(TableMetadata metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format-version", metadata.FormatVersion);
            w.WriteString("table-uuid", metadata.TableUuid.ToString("D"));
            w.WriteString("location", metadata.Location);
            w.WriteNumber("last-sequence-number", metadata.LastSequenceNumber);
            w.WriteNumber("last-updated-ms", metadata.LastUpdatedMs);
            w.WriteNumber("last-column-id", metadata.LastColumnId);
            w.WriteNumber("current-schema-id", metadata.CurrentSchemaId);
            w.WriteStartArray("schemas");
            foreach (var schema in metadata.Schemas)
            {
                WriteSchema(w, schema);
            }

            w.WriteEndArray();
            w.WriteNumber("default-spec-id", metadata.DefaultSpecId);
            w.WriteStartArray("partition-specs");
            foreach (var spec in metadata.PartitionSpecs)
            {
                WriteSpec(w, spec);
            }

            w.WriteEndArray();
            w.WriteNumber("last-partition-id", metadata.LastPartitionId);
            w.WriteNumber("default-sort-order-id", metadata.DefaultSortOrderId);
            w.WriteStartArray("sort-orders");
            foreach (var order in metadata.SortOrders)
            {
                w.WriteStartObject();
                w.WriteNumber("order-id", order.OrderId);
                w.WriteStartArray("fields");
                foreach (var f in order.Fields)
                {
                    w.WriteStartObject();
                    w.WriteString("transform", f.Transform);
                    w.WriteNumber("source-id", f.SourceId);
                    w.WriteString("direction", f.Direction);
                    w.WriteString("null-order", f.NullOrder);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("properties");
            foreach (var (k, v) in metadata.Properties)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            if (metadata.CurrentSnapshotId is { } current)
            {
                w.WriteNumber("current-snapshot-id", current);
            }

            w.WriteStartObject("refs");
            foreach (var (name, r) in metadata.Refs)
            {
                w.WriteStartObject(name);
                w.WriteNumber("snapshot-id", r.SnapshotId);
                w.WriteString("type", r.Type);
                if (r.MinSnapshotsToKeep is { } min)
                {
                    w.WriteNumber("min-snapshots-to-keep", min);
                }

                if (r.MaxSnapshotAgeMs is { } age)
                {
                    w.WriteNumber("max-snapshot-age-ms", age);
                }

                if (r.MaxRefAgeMs is { } refAge)
                {
                    w.WriteNumber("max-ref-age-ms", refAge);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartArray("snapshots");
            foreach (var s in metadata.Snapshots)
            {
                w.WriteStartObject();
                w.WriteNumber("sequence-number", s.SequenceNumber);
                w.WriteNumber("snapshot-id", s.SnapshotId);
                if (s.ParentSnapshotId is { } parent)
                {
                    w.WriteNumber("parent-snapshot-id", parent);
                }

                w.WriteNumber("timestamp-ms", s.TimestampMs);
                w.WriteStartObject("summary");
                w.WriteString("operation", s.Operation);
                foreach (var (k, v) in s.Summary)
                {
                    if (k != "operation")
                    {
                        w.WriteString(k, v);
                    }
                }

                w.WriteEndObject();
                w.WriteString("manifest-list", s.ManifestList);
                if (s.SchemaId is { } schemaId)
                {
                    w.WriteNumber("schema-id", schemaId);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("snapshot-log");
            foreach (var e in metadata.SnapshotLog)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp-ms", e.TimestampMs);
                w.WriteNumber("snapshot-id", e.SnapshotId);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("metadata-log");
            foreach (var e in metadata.MetadataLog)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp-ms", e.TimestampMs);
                w.WriteString("metadata-file", e.MetadataFile);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A schema as JSON (also written into manifest file metadata).</summary>
    public static string WriteSchema(IcebergSchema schema)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteSchema(w, schema);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A partition spec's fields as JSON (written into manifest file metadata).</summary>
    public static string WriteSpecFields(PartitionSpec spec)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteSpecFields(w, spec);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IcebergSchema ParseSchema(string json) => ParseSchema(JsonNode.Parse(json)!.AsObject());

    private static IcebergSchema ParseSchema(JsonObject o)
    {
        var fields = ParseFields(o);
        var ids = o["identifier-field-ids"] is JsonArray a ? a.Select(n => n!.GetValue<int>()).ToArray() : [];
        return new IcebergSchema(o["schema-id"]?.GetValue<int>() ?? 0, fields, ids);
    }

    private static NestedField[] ParseFields(JsonObject o) =>
        [.. Arr(o, "fields").Select(n =>
        {
            var f = n!.AsObject();
            return new NestedField(Int(f, "id"), Str(f, "name"), f["required"]?.GetValue<bool>() ?? false, ParseType(f["type"]), f["doc"]?.GetValue<string>());
        })];

    private static IcebergType ParseType(JsonNode? node)
    {
        if (node is JsonValue v && v.TryGetValue<string>(out var name))
        {
            return PrimitiveType.Parse(name);
        }

        if (node is not JsonObject o)
        {
            throw new IcebergFormatException("a field type is neither a name nor an object");
        }

        return Str(o, "type") switch
        {
            "struct" => new StructType(ParseFields(o)),
            "list" => new ListType(Int(o, "element-id"), ParseType(o["element"]), o["element-required"]?.GetValue<bool>() ?? false),
            "map" => new MapType(Int(o, "key-id"), ParseType(o["key"]), Int(o, "value-id"), ParseType(o["value"]), o["value-required"]?.GetValue<bool>() ?? false),
            var other => throw new IcebergFormatException($"unknown nested type \"{other}\""),
        };
    }

    private static void WriteSchema(Utf8JsonWriter w, IcebergSchema schema)
    {
        w.WriteStartObject();
        w.WriteString("type", "struct");
        w.WriteNumber("schema-id", schema.SchemaId);
        if (schema.IdentifierFieldIds.Count > 0)
        {
            w.WriteStartArray("identifier-field-ids");
            foreach (var id in schema.IdentifierFieldIds)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
        }

        WriteFields(w, schema.Fields);
        w.WriteEndObject();
    }

    private static void WriteFields(Utf8JsonWriter w, IReadOnlyList<NestedField> fields)
    {
        w.WriteStartArray("fields");
        foreach (var f in fields)
        {
            w.WriteStartObject();
            w.WriteNumber("id", f.Id);
            w.WriteString("name", f.Name);
            w.WriteBoolean("required", f.Required);
            w.WritePropertyName("type");
            WriteType(w, f.Type);
            if (f.Doc is not null)
            {
                w.WriteString("doc", f.Doc);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteType(Utf8JsonWriter w, IcebergType type)
    {
        switch (type)
        {
            case PrimitiveType p:
                w.WriteStringValue(p.ToString());
                break;
            case StructType s:
                w.WriteStartObject();
                w.WriteString("type", "struct");
                WriteFields(w, s.Fields);
                w.WriteEndObject();
                break;
            case ListType l:
                w.WriteStartObject();
                w.WriteString("type", "list");
                w.WriteNumber("element-id", l.ElementId);
                w.WritePropertyName("element");
                WriteType(w, l.Element);
                w.WriteBoolean("element-required", l.ElementRequired);
                w.WriteEndObject();
                break;
            case MapType m:
                w.WriteStartObject();
                w.WriteString("type", "map");
                w.WriteNumber("key-id", m.KeyId);
                w.WritePropertyName("key");
                WriteType(w, m.Key);
                w.WriteNumber("value-id", m.ValueId);
                w.WritePropertyName("value");
                WriteType(w, m.Value);
                w.WriteBoolean("value-required", m.ValueRequired);
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"unknown type {type}", nameof(type));
        }
    }

    private static PartitionSpec ParseSpec(JsonObject o) =>
        new(Int(o, "spec-id"), [.. Arr(o, "fields").Select(n =>
        {
            var f = n!.AsObject();
            return new PartitionField(Int(f, "source-id"), Int(f, "field-id"), Str(f, "name"), Str(f, "transform"));
        })]);

    private static void WriteSpec(Utf8JsonWriter w, PartitionSpec spec)
    {
        w.WriteStartObject();
        w.WriteNumber("spec-id", spec.SpecId);
        w.WritePropertyName("fields");
        WriteSpecFields(w, spec);
        w.WriteEndObject();
    }

    private static void WriteSpecFields(Utf8JsonWriter w, PartitionSpec spec)
    {
        w.WriteStartArray();
        foreach (var f in spec.Fields)
        {
            w.WriteStartObject();
            w.WriteNumber("source-id", f.SourceId);
            w.WriteNumber("field-id", f.FieldId);
            w.WriteString("name", f.Name);
            w.WriteString("transform", f.Transform);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static SortOrder ParseSortOrder(JsonObject o) =>
        new(Int(o, "order-id"), [.. Arr(o, "fields").Select(n =>
        {
            var f = n!.AsObject();
            return new SortField(Int(f, "source-id"), Str(f, "transform"), Str(f, "direction"), Str(f, "null-order"));
        })]);

    private static Snapshot ParseSnapshot(JsonObject o) =>
        new(
            Long(o, "snapshot-id"),
            o["parent-snapshot-id"]?.GetValue<long>(),
            o["sequence-number"]?.GetValue<long>() ?? 0,
            Long(o, "timestamp-ms"),
            Str(o, "manifest-list"),
            StringMap(o["summary"] as JsonObject),
            o["schema-id"]?.GetValue<int>());

    private static Dictionary<string, SnapshotRef> ParseRefs(JsonObject? refs, long? current)
    {
        var result = new Dictionary<string, SnapshotRef>(StringComparer.Ordinal);
        if (refs is not null)
        {
            foreach (var (name, node) in refs)
            {
                var r = node!.AsObject();
                result[name] = new SnapshotRef(
                    Long(r, "snapshot-id"),
                    Str(r, "type"),
                    r["min-snapshots-to-keep"]?.GetValue<int>(),
                    r["max-snapshot-age-ms"]?.GetValue<long>(),
                    r["max-ref-age-ms"]?.GetValue<long>());
            }
        }

        // Metadata without refs: main is the current snapshot (the spec's rule for readers).
        if (!result.ContainsKey("main") && current is { } id and not -1)
        {
            result["main"] = new SnapshotRef(id, "branch");
        }

        return result;
    }

    private static Dictionary<string, string> StringMap(JsonObject? o)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o is not null)
        {
            foreach (var (k, v) in o)
            {
                result[k] = v?.GetValue<string>() ?? "";
            }
        }

        return result;
    }

    private static JsonArray Arr(JsonObject o, string name) =>
        o[name] as JsonArray ?? throw new IcebergFormatException($"table metadata: \"{name}\" is missing or not an array");

    private static JsonArray OptArr(JsonObject o, string name) => o[name] as JsonArray ?? [];

    private static string Str(JsonObject o, string name) =>
        o[name]?.GetValue<string>() ?? throw new IcebergFormatException($"table metadata: \"{name}\" is missing");

    private static int Int(JsonObject o, string name) =>
        o[name]?.GetValue<int>() ?? throw new IcebergFormatException($"table metadata: \"{name}\" is missing");

    private static long Long(JsonObject o, string name) =>
        o[name]?.GetValue<long>() ?? throw new IcebergFormatException($"table metadata: \"{name}\" is missing");
}
