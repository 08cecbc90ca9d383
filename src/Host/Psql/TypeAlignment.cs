namespace PgWire.Host.Psql;

/// <summary>Which column types psql right-aligns in aligned output.</summary>
public static class TypeAlignment
{
    public static bool IsRightAligned(uint typeOid) => typeOid switch
    {
        20 or 21 or 23 => true,          // int8, int2, int4
        26 or 28 or 29 or 5069 => true,  // oid, xid, cid, xid8
        700 or 701 or 1700 => true,      // float4, float8, numeric
        790 => true,                     // money
        _ => false,
    };
}
