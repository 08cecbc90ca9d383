using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Protocol.Types;

/// <summary>The value layouts <see cref="BinaryTextFormatter"/> can turn into text.</summary>
internal enum ScalarKind : byte
{
    None,
    Bool,
    Bytea,
    Char,
    /// <summary>text, varchar, bpchar, name, json, xml, enums: the binary form is the text itself.</summary>
    Text,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Jsonb,
    Inet,
    Cidr,
    MacAddr,
    MacAddr8,
}

/// <summary>Output details that depend on the server version.</summary>
[Flags]
internal enum FormatQuirks : byte
{
    None = 0,
    /// <summary>Before PostgreSQL 15, "char" printed bytes above 127 as they are.</summary>
    RawHighBitChar = 1,
    /// <summary>From PostgreSQL 17 on, the all-minimum and all-maximum intervals are -infinity and infinity.</summary>
    IntervalInfinity = 2,
}

/// <summary>
/// A column type resolved once by <see cref="BinaryTextFormatter.TryResolve"/>, so that formatting
/// each value needs no catalog look-up. The default value is not a valid type.
/// </summary>
public readonly struct BinaryColumnType
{
    internal BinaryColumnType(uint typeOid, ScalarKind kind, uint elementOid, IPgTypeCatalog? catalog)
    {
        TypeOid = typeOid;
        Kind = kind;
        ElementOid = elementOid;
        Catalog = catalog;
        Quirks = QuirksOf(catalog?.ServerVersionNumber ?? 0);
    }

    /// <summary>The OID the type was resolved from (a domain's own OID for a domain).</summary>
    public uint TypeOid { get; }

    /// <summary>For an array type, its element type (before domains are followed); 0 otherwise.</summary>
    public uint ElementOid { get; }

    public bool IsArray => ElementOid != 0;

    public bool IsValid => Kind != ScalarKind.None;

    /// <summary>The layout of the value, or of each element of an array.</summary>
    internal ScalarKind Kind { get; }

    internal IPgTypeCatalog? Catalog { get; }

    internal FormatQuirks Quirks { get; }

    internal static FormatQuirks QuirksOf(int serverVersionNumber)
    {
        if (serverVersionNumber <= 0)
        {
            return FormatQuirks.IntervalInfinity;
        }

        var quirks = FormatQuirks.None;
        if (serverVersionNumber < 150000)
        {
            quirks |= FormatQuirks.RawHighBitChar;
        }

        if (serverVersionNumber >= 170000)
        {
            quirks |= FormatQuirks.IntervalInfinity;
        }

        return quirks;
    }
}

/// <summary>
/// Turns a column value in PostgreSQL's binary send format into exactly the bytes the server's
/// text output function would produce, for sessions running with DateStyle=ISO, MDY,
/// IntervalStyle=postgres, TimeZone=UTC, extra_float_digits &gt;= 1 (PostgreSQL 12 or later), bytea_output=hex and
/// client_encoding=UTF8 (with a UTF-8 server encoding). Types it does not support are reported
/// by <see cref="CanFormat"/>, so the caller can ask for them in text instead.
/// Malformed input raises <see cref="PgProtocolException"/>.
/// </summary>
public static partial class BinaryTextFormatter
{
    private const int MaxTypeChain = 32;

    /// <summary>True when values of the type can be formatted.</summary>
    public static bool CanFormat(uint typeOid, IPgTypeCatalog? catalog = null) => TryResolve(typeOid, catalog, out _);

    /// <summary>Resolves a type (following domains through the catalog) for repeated formatting.</summary>
    public static bool TryResolve(uint typeOid, IPgTypeCatalog? catalog, out BinaryColumnType type)
    {
        var oid = typeOid;
        for (var i = 0; i < MaxTypeChain; i++)
        {
            var scalar = BuiltInScalar(oid);
            if (scalar != ScalarKind.None)
            {
                type = new BinaryColumnType(typeOid, scalar, 0, catalog);
                return true;
            }

            var element = PgTypeOids.BuiltInArrayElement(oid);
            if (element != 0)
            {
                type = new BinaryColumnType(typeOid, BuiltInScalar(element), element, catalog);
                return true;
            }

            if (catalog is null || !catalog.TryGetType(oid, out var info))
            {
                break;
            }

            switch (info.Kind)
            {
                case PgTypeKind.Enum:
                    type = new BinaryColumnType(typeOid, ScalarKind.Text, 0, catalog);
                    return true;
                case PgTypeKind.Domain:
                    oid = info.RelatedOid;
                    continue;
                case PgTypeKind.Array:
                    var kind = ResolveScalar(info.RelatedOid, catalog);
                    if (kind == ScalarKind.None || info.RelatedOid == 0)
                    {
                        type = default;
                        return false;
                    }

                    type = new BinaryColumnType(typeOid, kind, info.RelatedOid, catalog);
                    return true;
            }

            break;
        }

        type = default;
        return false;
    }

    /// <summary>Formats one non-null value of the given type.</summary>
    /// <exception cref="NotSupportedException">The type is not supported (see <see cref="CanFormat"/>).</exception>
    /// <exception cref="PgProtocolException">The bytes are not a valid binary value of the type.</exception>
    public static void Format(uint typeOid, ReadOnlySpan<byte> binary, IBufferWriter<byte> output, IPgTypeCatalog? catalog = null)
    {
        if (!TryResolve(typeOid, catalog, out var type))
        {
            throw new NotSupportedException($"type OID {typeOid} has no binary-to-text conversion");
        }

        Format(type, binary, output);
    }

    /// <summary>Formats one non-null value of a resolved type.</summary>
    /// <exception cref="PgProtocolException">The bytes are not a valid binary value of the type.</exception>
    public static void Format(in BinaryColumnType type, ReadOnlySpan<byte> binary, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!type.IsValid)
        {
            throw new ArgumentException("the type was not resolved", nameof(type));
        }

        if (type.IsArray)
        {
            FormatArray(type, binary, output);
        }
        else
        {
            FormatScalar(type.Kind, type.Quirks, binary, output);
        }
    }

    /// <summary>The scalar layout of a type that is not an array (domains and enums followed), or None.</summary>
    private static ScalarKind ResolveScalar(uint oid, IPgTypeCatalog? catalog)
    {
        for (var i = 0; i < MaxTypeChain; i++)
        {
            var scalar = BuiltInScalar(oid);
            if (scalar != ScalarKind.None)
            {
                return scalar;
            }

            if (catalog is null || PgTypeOids.BuiltInArrayElement(oid) != 0 || !catalog.TryGetType(oid, out var info))
            {
                return ScalarKind.None;
            }

            switch (info.Kind)
            {
                case PgTypeKind.Enum:
                    return ScalarKind.Text;
                case PgTypeKind.Domain:
                    oid = info.RelatedOid;
                    continue;
                default:
                    return ScalarKind.None;
            }
        }

        return ScalarKind.None;
    }

    private static ScalarKind BuiltInScalar(uint oid) => oid switch
    {
        PgTypeOids.Bool => ScalarKind.Bool,
        PgTypeOids.Bytea => ScalarKind.Bytea,
        PgTypeOids.Char => ScalarKind.Char,
        PgTypeOids.Name or PgTypeOids.Text or PgTypeOids.Json or PgTypeOids.Xml or PgTypeOids.Bpchar or PgTypeOids.Varchar => ScalarKind.Text,
        PgTypeOids.Int8 => ScalarKind.Int8,
        PgTypeOids.Int2 => ScalarKind.Int2,
        PgTypeOids.Int4 => ScalarKind.Int4,
        PgTypeOids.Oid => ScalarKind.Oid,
        PgTypeOids.Float4 => ScalarKind.Float4,
        PgTypeOids.Float8 => ScalarKind.Float8,
        PgTypeOids.Date => ScalarKind.Date,
        PgTypeOids.Time => ScalarKind.Time,
        PgTypeOids.Timestamp => ScalarKind.Timestamp,
        PgTypeOids.TimestampTz => ScalarKind.TimestampTz,
        PgTypeOids.Interval => ScalarKind.Interval,
        PgTypeOids.TimeTz => ScalarKind.TimeTz,
        PgTypeOids.Numeric => ScalarKind.Numeric,
        PgTypeOids.Uuid => ScalarKind.Uuid,
        PgTypeOids.Jsonb => ScalarKind.Jsonb,
        PgTypeOids.Inet => ScalarKind.Inet,
        PgTypeOids.Cidr => ScalarKind.Cidr,
        PgTypeOids.MacAddr => ScalarKind.MacAddr,
        PgTypeOids.MacAddr8 => ScalarKind.MacAddr8,
        _ => ScalarKind.None,
    };

    private static string KindName(ScalarKind kind) => kind switch
    {
        ScalarKind.Bool => "bool",
        ScalarKind.Bytea => "bytea",
        ScalarKind.Char => "\"char\"",
        ScalarKind.Text => "text",
        ScalarKind.Int2 => "int2",
        ScalarKind.Int4 => "int4",
        ScalarKind.Int8 => "int8",
        ScalarKind.Oid => "oid",
        ScalarKind.Float4 => "float4",
        ScalarKind.Float8 => "float8",
        ScalarKind.Numeric => "numeric",
        ScalarKind.Date => "date",
        ScalarKind.Time => "time",
        ScalarKind.TimeTz => "timetz",
        ScalarKind.Timestamp => "timestamp",
        ScalarKind.TimestampTz => "timestamptz",
        ScalarKind.Interval => "interval",
        ScalarKind.Uuid => "uuid",
        ScalarKind.Jsonb => "jsonb",
        ScalarKind.Inet => "inet",
        ScalarKind.Cidr => "cidr",
        ScalarKind.MacAddr => "macaddr",
        ScalarKind.MacAddr8 => "macaddr8",
        _ => "unknown",
    };

    private static void FormatScalar(ScalarKind kind, FormatQuirks quirks, ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        switch (kind)
        {
            case ScalarKind.Text:
                output.Write(value);
                break;
            case ScalarKind.Bool:
                ExpectLength(kind, value, 1);
                WriteAscii(output, value[0] != 0 ? "t"u8 : "f"u8);
                break;
            case ScalarKind.Bytea:
                FormatBytea(value, output);
                break;
            case ScalarKind.Char:
                FormatChar(value, (quirks & FormatQuirks.RawHighBitChar) != 0, output);
                break;
            case ScalarKind.Int2:
                ExpectLength(kind, value, 2);
                WriteInt64(output, BinaryPrimitives.ReadInt16BigEndian(value));
                break;
            case ScalarKind.Int4:
                ExpectLength(kind, value, 4);
                WriteInt64(output, BinaryPrimitives.ReadInt32BigEndian(value));
                break;
            case ScalarKind.Int8:
                ExpectLength(kind, value, 8);
                WriteInt64(output, BinaryPrimitives.ReadInt64BigEndian(value));
                break;
            case ScalarKind.Oid:
                ExpectLength(kind, value, 4);
                WriteInt64(output, BinaryPrimitives.ReadUInt32BigEndian(value));
                break;
            case ScalarKind.Float4:
                ExpectLength(kind, value, 4);
                FormatFloat4(BinaryPrimitives.ReadSingleBigEndian(value), output);
                break;
            case ScalarKind.Float8:
                ExpectLength(kind, value, 8);
                FormatFloat8(BinaryPrimitives.ReadDoubleBigEndian(value), output);
                break;
            case ScalarKind.Numeric:
                FormatNumeric(value, output);
                break;
            case ScalarKind.Date:
                ExpectLength(kind, value, 4);
                FormatDate(BinaryPrimitives.ReadInt32BigEndian(value), output);
                break;
            case ScalarKind.Time:
                ExpectLength(kind, value, 8);
                FormatTime(BinaryPrimitives.ReadInt64BigEndian(value), output);
                break;
            case ScalarKind.TimeTz:
                ExpectLength(kind, value, 12);
                FormatTimeTz(BinaryPrimitives.ReadInt64BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value[8..]), output);
                break;
            case ScalarKind.Timestamp:
                ExpectLength(kind, value, 8);
                FormatTimestamp(BinaryPrimitives.ReadInt64BigEndian(value), false, output);
                break;
            case ScalarKind.TimestampTz:
                ExpectLength(kind, value, 8);
                FormatTimestamp(BinaryPrimitives.ReadInt64BigEndian(value), true, output);
                break;
            case ScalarKind.Interval:
                ExpectLength(kind, value, 16);
                FormatInterval(BinaryPrimitives.ReadInt64BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value[8..]), BinaryPrimitives.ReadInt32BigEndian(value[12..]), (quirks & FormatQuirks.IntervalInfinity) != 0, output);
                break;
            case ScalarKind.Uuid:
                ExpectLength(kind, value, 16);
                FormatUuid(value, output);
                break;
            case ScalarKind.Jsonb:
                output.Write(JsonbText(value));
                break;
            case ScalarKind.Inet or ScalarKind.Cidr:
                FormatNetwork(value, kind == ScalarKind.Cidr, output);
                break;
            case ScalarKind.MacAddr:
                ExpectLength(kind, value, 6);
                FormatMacAddress(value, output);
                break;
            case ScalarKind.MacAddr8:
                ExpectLength(kind, value, 8);
                FormatMacAddress(value, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such value layout");
        }
    }

    // ---------------------------------------------------------------- shared helpers

    private static void ExpectLength(ScalarKind kind, ReadOnlySpan<byte> value, int length)
    {
        if (value.Length != length)
        {
            throw new PgProtocolException(
                value.Length < length ? ProtocolErrorKind.Truncated : ProtocolErrorKind.TrailingBytes,
                $"binary {KindName(kind)} value has {value.Length} bytes, expected {length}");
        }
    }

    private static PgProtocolException Invalid(ScalarKind kind, string detail) =>
        new(ProtocolErrorKind.InvalidValue, $"invalid binary {KindName(kind)} value: {detail}");

    private static void WriteAscii(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        var span = output.GetSpan(text.Length);
        text.CopyTo(span);
        output.Advance(text.Length);
    }

    private static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        var n = WriteInt64(span, value);
        output.Advance(n);
    }

    /// <summary>Writes a signed decimal integer; returns the bytes written (at most 20).</summary>
    private static int WriteInt64(Span<byte> span, long value)
    {
        if (value < 0)
        {
            span[0] = (byte)'-';
            return 1 + WriteUInt64(span[1..], (ulong)-(value + 1) + 1, 1);
        }

        return WriteUInt64(span, (ulong)value, 1);
    }

    /// <summary>Writes an unsigned decimal integer with at least <paramref name="minDigits"/> digits (zero padded).</summary>
    private static int WriteUInt64(Span<byte> span, ulong value, int minDigits)
    {
        var digits = 1;
        for (var v = value; v >= 10; v /= 10)
        {
            digits++;
        }

        if (digits < minDigits)
        {
            digits = minDigits;
        }

        for (var i = digits - 1; i >= 0; i--)
        {
            span[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }

        return digits;
    }

    private static void WriteTwoDigits(Span<byte> span, int value)
    {
        span[0] = (byte)('0' + (value / 10));
        span[1] = (byte)('0' + (value % 10));
    }
}
