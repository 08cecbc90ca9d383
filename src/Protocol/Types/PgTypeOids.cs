namespace PgWire.Protocol.Types;

/// <summary>OIDs of the built-in types that <see cref="BinaryTextFormatter"/> knows, and of their array types.</summary>
public static class PgTypeOids
{
    public const uint Bool = 16;
    public const uint Bytea = 17;
    public const uint Char = 18;
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Oid = 26;
    public const uint Json = 114;
    public const uint Xml = 142;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Bpchar = 1042;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Time = 1083;
    public const uint Timestamp = 1114;
    public const uint TimestampTz = 1184;
    public const uint Interval = 1186;
    public const uint TimeTz = 1266;
    public const uint Numeric = 1700;
    public const uint Uuid = 2950;
    public const uint Jsonb = 3802;
    public const uint Inet = 869;
    public const uint Cidr = 650;
    public const uint MacAddr = 829;
    public const uint MacAddr8 = 774;

    public const uint BoolArray = 1000;
    public const uint ByteaArray = 1001;
    public const uint CharArray = 1002;
    public const uint NameArray = 1003;
    public const uint Int2Array = 1005;
    public const uint Int4Array = 1007;
    public const uint TextArray = 1009;
    public const uint BpcharArray = 1014;
    public const uint VarcharArray = 1015;
    public const uint Int8Array = 1016;
    public const uint Float4Array = 1021;
    public const uint Float8Array = 1022;
    public const uint OidArray = 1028;
    public const uint TimestampArray = 1115;
    public const uint DateArray = 1182;
    public const uint TimeArray = 1183;
    public const uint TimestampTzArray = 1185;
    public const uint IntervalArray = 1187;
    public const uint NumericArray = 1231;
    public const uint TimeTzArray = 1270;
    public const uint JsonArray = 199;
    public const uint XmlArray = 143;
    public const uint UuidArray = 2951;
    public const uint JsonbArray = 3807;
    public const uint InetArray = 1041;
    public const uint CidrArray = 651;
    public const uint MacAddrArray = 1040;
    public const uint MacAddr8Array = 775;

    /// <summary>The element type of a built-in array type, or 0 when <paramref name="oid"/> is not one of them.</summary>
    public static uint BuiltInArrayElement(uint oid) => oid switch
    {
        BoolArray => Bool,
        ByteaArray => Bytea,
        CharArray => Char,
        NameArray => Name,
        Int2Array => Int2,
        Int4Array => Int4,
        TextArray => Text,
        BpcharArray => Bpchar,
        VarcharArray => Varchar,
        Int8Array => Int8,
        Float4Array => Float4,
        Float8Array => Float8,
        OidArray => Oid,
        TimestampArray => Timestamp,
        DateArray => Date,
        TimeArray => Time,
        TimestampTzArray => TimestampTz,
        IntervalArray => Interval,
        NumericArray => Numeric,
        TimeTzArray => TimeTz,
        JsonArray => Json,
        XmlArray => Xml,
        UuidArray => Uuid,
        JsonbArray => Jsonb,
        InetArray => Inet,
        CidrArray => Cidr,
        MacAddrArray => MacAddr,
        MacAddr8Array => MacAddr8,
        _ => 0,
    };
}
