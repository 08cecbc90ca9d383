namespace PgWire.Protocol.Types;

/// <summary>What a type that is not built in is, as far as formatting its values goes.</summary>
public enum PgTypeKind
{
    /// <summary>An enum: the binary value is the label's text.</summary>
    Enum,
    /// <summary>An array; <see cref="PgTypeInfo.RelatedOid"/> is the element type.</summary>
    Array,
    /// <summary>A domain; <see cref="PgTypeInfo.RelatedOid"/> is the base type. Values format as the base type.</summary>
    Domain,
}

/// <summary>One catalog entry: the kind of a type and, for arrays and domains, the type it is built on.</summary>
public readonly record struct PgTypeInfo(PgTypeKind Kind, uint RelatedOid);

/// <summary>
/// The types of one database whose OIDs are not fixed (enums, domains, arrays of those), as
/// loaded from pg_type. Built-in types need no entry.
/// </summary>
public interface IPgTypeCatalog
{
    /// <summary>
    /// server_version_num of the server the types come from (e.g. 150018), which decides a few
    /// output details: "char" bytes above 127 print as octal escapes from 15 on, and interval
    /// has infinities from 17 on. 0 when unknown, taken as the newest behaviour.
    /// </summary>
    int ServerVersionNumber => 0;

    bool TryGetType(uint oid, out PgTypeInfo info);
}

/// <summary>A dictionary-backed <see cref="IPgTypeCatalog"/>, filled from the rows of <see cref="LoadQuery"/>.</summary>
public sealed class PgTypeCatalog : IPgTypeCatalog
{
    /// <summary>
    /// Lists every enum, domain and array type of the database as (oid, typtype, typbasetype,
    /// element), where element is the type whose array this is (0 when it is not an array type).
    /// Feed each row to <see cref="AddRow"/>.
    /// </summary>
    public const string LoadQuery =
        "SELECT t.oid, t.typtype, t.typbasetype, coalesce(e.oid, 0) AS element " +
        "FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.typarray = t.oid " +
        "WHERE t.typtype IN ('e', 'd') OR e.oid IS NOT NULL";

    /// <summary>
    /// <see cref="LoadQuery"/> for the types one table's columns need: the column types and, through
    /// domains and arrays, every type they are built on.
    /// </summary>
    public static string LoadQueryForRelation(uint relationOid) =>
        "WITH RECURSIVE used(oid) AS (" +
        "SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = " + relationOid.ToString(System.Globalization.CultureInfo.InvariantCulture) + " AND attnum > 0 AND NOT attisdropped " +
        "UNION SELECT x.oid FROM used u JOIN pg_catalog.pg_type p ON p.oid = u.oid " +
        "CROSS JOIN LATERAL (VALUES (p.typbasetype), (p.typelem)) AS x(oid) WHERE x.oid <> 0) " +
        "SELECT t.oid, t.typtype, t.typbasetype, coalesce(e.oid, 0) AS element " +
        "FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.typarray = t.oid " +
        "WHERE t.oid IN (SELECT oid FROM used) AND (t.typtype IN ('e', 'd') OR e.oid IS NOT NULL)";

    private readonly Dictionary<uint, PgTypeInfo> _types = [];

    public PgTypeCatalog(int serverVersionNumber = 0)
    {
        ServerVersionNumber = serverVersionNumber;
    }

    public int ServerVersionNumber { get; }

    public int Count => _types.Count;

    public bool TryGetType(uint oid, out PgTypeInfo info) => _types.TryGetValue(oid, out info);

    public PgTypeCatalog AddEnum(uint oid)
    {
        _types[oid] = new PgTypeInfo(PgTypeKind.Enum, 0);
        return this;
    }

    public PgTypeCatalog AddArray(uint oid, uint elementOid)
    {
        _types[oid] = new PgTypeInfo(PgTypeKind.Array, elementOid);
        return this;
    }

    public PgTypeCatalog AddDomain(uint oid, uint baseTypeOid)
    {
        _types[oid] = new PgTypeInfo(PgTypeKind.Domain, baseTypeOid);
        return this;
    }

    /// <summary>
    /// Adds one row of <see cref="LoadQuery"/>. Returns false (and adds nothing) for a row that
    /// describes none of the kinds the catalog holds.
    /// </summary>
    public bool AddRow(uint oid, char typtype, uint baseTypeOid, uint elementOid)
    {
        if (elementOid != 0)
        {
            AddArray(oid, elementOid);
            return true;
        }

        switch (typtype)
        {
            case 'e':
                AddEnum(oid);
                return true;
            case 'd' when baseTypeOid != 0:
                AddDomain(oid, baseTypeOid);
                return true;
            default:
                return false;
        }
    }
}
