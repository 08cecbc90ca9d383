using Xunit;

namespace PgWire.Iceberg.Tests;

public sealed class PostgresTypeMappingTests
{
    private static int _id;

    private static string Map(string name, int typmod = -1)
    {
        _id = 100;
        return PostgresTypeMapping.ToIceberg(name, typmod, () => ++_id).ToString();
    }

    private static int NumericMod(int precision, int scale) => ((precision << 16) | (scale & 0x7FF)) + 4;

    [Theory]
    [InlineData("int2", "int")]
    [InlineData("int4", "int")]
    [InlineData("int8", "long")]
    [InlineData("float4", "float")]
    [InlineData("float8", "double")]
    [InlineData("bool", "boolean")]
    [InlineData("text", "string")]
    [InlineData("varchar", "string")]
    [InlineData("bpchar", "string")]
    [InlineData("date", "date")]
    [InlineData("time", "time")]
    [InlineData("timestamp", "timestamp")]
    [InlineData("timestamptz", "timestamptz")]
    [InlineData("uuid", "uuid")]
    [InlineData("bytea", "binary")]
    [InlineData("json", "string")]
    [InlineData("jsonb", "string")]
    [InlineData("interval", "string")]
    [InlineData("inet", "string")]
    [InlineData("numeric", "string")]
    public void Scalar_types_map_as_the_table_says(string pg, string iceberg) => Assert.Equal(iceberg, Map(pg));

    [Fact]
    public void Numeric_with_precision_up_to_38_is_a_decimal()
    {
        Assert.Equal("decimal(10,2)", Map("numeric", NumericMod(10, 2)));
        Assert.Equal("decimal(38,0)", Map("numeric", NumericMod(38, 0)));
        Assert.Equal("string", Map("numeric", NumericMod(39, 2)));
        Assert.Equal("string", Map("numeric", NumericMod(10, -2)));
        Assert.Equal("string", Map("numeric", -1));
    }

    [Fact]
    public void Arrays_are_lists_with_a_fresh_element_id()
    {
        _id = 100;
        var type = PostgresTypeMapping.ToIceberg("_int8", -1, () => ++_id);
        var list = Assert.IsType<ListType>(type);
        Assert.Equal(101, list.ElementId);
        Assert.Equal(PrimitiveType.Long, list.Element);
        Assert.False(list.ElementRequired);
        Assert.Equal("list<decimal(5,1)>", Map("_numeric", NumericMod(5, 1)));
        Assert.Equal("list<string>", Map("text[]"));
    }
}
