using PgWire.Actors.Connection;
using PgWire.Protocol.Types;

namespace PgWire.Actors.Replication;

/// <summary>
/// The versions of the JSON line format. A data file keeps the version it was started with (the
/// state records it with the snapshot), so one file never mixes two shapes of values.
/// </summary>
public static class JsonLineFormat
{
    /// <summary>
    /// Integers, floats and booleans as JSON values, numeric as a string, json/jsonb embedded,
    /// every other value (timestamps, bytea, arrays, domains over numbers) in PostgreSQL's text format.
    /// </summary>
    public const int V1 = 1;

    /// <summary>
    /// As <see cref="V1"/>, and: timestamptz as ISO 8601 in UTC (<c>2026-01-01T08:00:00.5Z</c>),
    /// timestamp as ISO 8601 without a zone, bytea as base64, arrays as JSON arrays of such values,
    /// domains typed as their base type.
    /// </summary>
    public const int V2 = 2;

    /// <summary>The version a new data file is written in.</summary>
    public const int Current = V2;

    /// <summary>The version of a data file whose state recorded <paramref name="recorded"/>; 0 (a state from before versions were recorded) is <see cref="V1"/>.</summary>
    public static int OfRecorded(int recorded) => recorded == 0 ? V1 : recorded;
}

/// <summary>How the text form of a value (or of each element of an array) becomes JSON.</summary>
internal enum JsonScalar : byte
{
    /// <summary>A JSON string of the text.</summary>
    String,

    /// <summary>The text as a JSON number.</summary>
    Integer,

    /// <summary>The text as a JSON number, NaN and the infinities as strings.</summary>
    Float,

    /// <summary><c>t</c> is true, anything else false.</summary>
    Bool,

    /// <summary>The text is JSON, embedded as it is.</summary>
    Json,

    /// <summary>timestamp: ISO 8601 without a zone.</summary>
    Timestamp,

    /// <summary>timestamptz: ISO 8601 with <c>Z</c> for UTC.</summary>
    TimestampTz,

    /// <summary>bytea: base64 of the bytes of the hex text.</summary>
    Bytea,
}

/// <summary>
/// A column type resolved once (domains followed, array element types found) into how its values are
/// written in one version of the JSON line format, so that writing a value needs no look-up.
/// </summary>
public readonly struct JsonValueType : IEquatable<JsonValueType>
{
    private const int MaxTypeChain = 32;
    private const uint Box = 603;

    private JsonValueType(JsonScalar scalar, bool isArray, byte delimiter)
    {
        Scalar = scalar;
        IsArray = isArray;
        Delimiter = delimiter;
    }

    /// <summary>The value, or each element of an array.</summary>
    internal JsonScalar Scalar { get; }

    /// <summary>Whether values are PostgreSQL arrays, written as JSON arrays (version 2 only).</summary>
    public bool IsArray { get; }

    /// <summary>The byte between array elements in the text form: ',' for every type but box (';').</summary>
    internal byte Delimiter { get; }

    /// <summary>
    /// Resolves <paramref name="typeOid"/> for <paramref name="format"/> (a <see cref="JsonLineFormat"/>
    /// version). Version 1 goes by the OID alone, as that version always did; version 2 follows domains,
    /// enums and arrays through <paramref name="catalog"/> (built-in types need none). A type neither
    /// built in nor in the catalog is written as a string.
    /// </summary>
    public static JsonValueType Resolve(uint typeOid, int format, IPgTypeCatalog? catalog = null)
    {
        if (format <= JsonLineFormat.V1)
        {
            var v1 = typeOid switch
            {
                PgTypeOids.Int8 or PgTypeOids.Int2 or PgTypeOids.Int4 or PgTypeOids.Oid => JsonScalar.Integer,
                PgTypeOids.Float4 or PgTypeOids.Float8 => JsonScalar.Float,
                PgTypeOids.Bool => JsonScalar.Bool,
                PgTypeOids.Json or PgTypeOids.Jsonb => JsonScalar.Json,
                _ => JsonScalar.String,
            };
            return new JsonValueType(v1, false, (byte)',');
        }

        var oid = typeOid;
        for (var i = 0; i < MaxTypeChain; i++)
        {
            if (BuiltInScalar(oid) is { } scalar)
            {
                return new JsonValueType(scalar, false, (byte)',');
            }

            var element = BuiltInArrayElement(oid);
            if (element == 0 && catalog is not null && catalog.TryGetType(oid, out var info))
            {
                switch (info.Kind)
                {
                    case PgTypeKind.Domain:
                        oid = info.RelatedOid;
                        continue;
                    case PgTypeKind.Array:
                        element = info.RelatedOid;
                        break;
                }
            }

            if (element != 0)
            {
                var (elementScalar, elementBase) = ResolveElement(element, catalog);
                return new JsonValueType(elementScalar, true, elementBase == Box ? (byte)';' : (byte)',');
            }

            break;
        }

        return new JsonValueType(JsonScalar.String, false, (byte)',');
    }

    /// <summary>The enums, domains and arrays the columns of table <paramref name="relationOid"/> are made of, for a text stream.</summary>
    internal static async Task<IPgTypeCatalog> LoadCatalogAsync(PgClient client, uint relationOid, CancellationToken ct)
    {
        var catalog = new PgTypeCatalog(client.Session.ServerVersionNumber);
        foreach (var row in await LreplRunner.QueryAsync(client, PgTypeCatalog.LoadQueryForRelation(relationOid), null, ct).ConfigureAwait(false))
        {
            catalog.AddRow(uint.Parse(row[0]!, System.Globalization.CultureInfo.InvariantCulture), row[1]![0], uint.Parse(row[2]!, System.Globalization.CultureInfo.InvariantCulture), uint.Parse(row[3]!, System.Globalization.CultureInfo.InvariantCulture));
        }

        return catalog;
    }

    /// <summary>An array element type, domains followed: how it is written and the type it came down to.</summary>
    private static (JsonScalar Scalar, uint Base) ResolveElement(uint oid, IPgTypeCatalog? catalog)
    {
        for (var i = 0; i < MaxTypeChain; i++)
        {
            if (BuiltInScalar(oid) is { } scalar)
            {
                return (scalar, oid);
            }

            if (catalog is null || !catalog.TryGetType(oid, out var info) || info.Kind != PgTypeKind.Domain)
            {
                break;
            }

            oid = info.RelatedOid;
        }

        return (JsonScalar.String, oid);
    }

    private static JsonScalar? BuiltInScalar(uint oid) => oid switch
    {
        PgTypeOids.Int8 or PgTypeOids.Int2 or PgTypeOids.Int4 or PgTypeOids.Oid => JsonScalar.Integer,
        PgTypeOids.Float4 or PgTypeOids.Float8 => JsonScalar.Float,
        PgTypeOids.Bool => JsonScalar.Bool,
        PgTypeOids.Json or PgTypeOids.Jsonb => JsonScalar.Json,
        PgTypeOids.Timestamp => JsonScalar.Timestamp,
        PgTypeOids.TimestampTz => JsonScalar.TimestampTz,
        PgTypeOids.Bytea => JsonScalar.Bytea,
        PgTypeOids.Text or PgTypeOids.Varchar or PgTypeOids.Bpchar or PgTypeOids.Name or PgTypeOids.Char
            or PgTypeOids.Numeric or PgTypeOids.Date or PgTypeOids.Time or PgTypeOids.TimeTz or PgTypeOids.Interval
            or PgTypeOids.Uuid or PgTypeOids.Xml or PgTypeOids.Inet or PgTypeOids.Cidr or PgTypeOids.MacAddr
            or PgTypeOids.MacAddr8 or Box => JsonScalar.String,
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="typeOid"/> resolves the same with or without the database's catalog: a
    /// built-in scalar or an array of one. Any other type may be a domain, an enum or an array the
    /// catalog knows (some of them built in, as information_schema's domains).
    /// </summary>
    internal static bool KnownWithoutCatalog(uint typeOid) => BuiltInScalar(typeOid) is not null || BuiltInArrayElement(typeOid) != 0;

    /// <summary>The element type of a built-in array type (0 when it is not one), for use without a catalog.</summary>
    private static uint BuiltInArrayElement(uint oid) => oid == 1020 ? Box : PgTypeOids.BuiltInArrayElement(oid);

    public bool Equals(JsonValueType other) => Scalar == other.Scalar && IsArray == other.IsArray && Delimiter == other.Delimiter;

    public override bool Equals(object? obj) => obj is JsonValueType other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Scalar, IsArray, Delimiter);

    public static bool operator ==(JsonValueType left, JsonValueType right) => left.Equals(right);

    public static bool operator !=(JsonValueType left, JsonValueType right) => !left.Equals(right);
}
