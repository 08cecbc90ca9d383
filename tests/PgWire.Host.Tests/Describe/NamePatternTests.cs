using PgWire.Host.Psql.Describe;
using Xunit;

namespace PgWire.Host.Tests.Describe;

/// <summary>How many dotted parts a pattern may have, and the database part, as psql checks them.</summary>
public class NamePatternTests
{
    [Theory]
    [InlineData("a.b.c.d", 3, "improper qualified name (too many dotted names): a.b.c.d")]
    [InlineData("a.b", 1, "improper qualified name (too many dotted names): a.b")]
    [InlineData("a.b.c", 2, "improper qualified name (too many dotted names): a.b.c")]
    [InlineData("other.s.t", 3, "cross-database references are not implemented: other.s.t")]
    [InlineData("other.s", 2, "cross-database references are not implemented: other.s")]
    [InlineData("\"Db\".s.t", 3, "cross-database references are not implemented: \"Db\".s.t")]
    [InlineData("db*.s.t", 3, "cross-database references are not implemented: db*.s.t")]
    [InlineData("..t", 3, "cross-database references are not implemented: ..t")]
    public void Refused(string pattern, int maxParts, string message)
    {
        Assert.Null(NamePattern.Parse(pattern, maxParts, "db", out string? error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("db.s.t", 3, "^(s)$", "^(t)$")]
    [InlineData("DB.s.t", 3, "^(s)$", "^(t)$")]
    [InlineData("\"no.such\".t", 3, "^(no\\.such)$", "^(t)$")]
    [InlineData("\"a.b.c\"", 1, null, "^(a\\.b\\.c)$")]
    [InlineData("db.s", 2, "^(db)$", "^(s)$")]
    [InlineData("int4[]", 3, null, "^(int4\\[])$")]
    public void Accepted(string pattern, int maxParts, string? schemaRegex, string nameRegex)
    {
        NamePattern? parsed = NamePattern.Parse(pattern, maxParts, "db", out string? error);
        Assert.Null(error);
        Assert.NotNull(parsed);
        Assert.Equal(schemaRegex, parsed.SchemaRegex);
        Assert.Equal(nameRegex, parsed.NameRegex);
    }

    [Theory]
    [InlineData("||/", "^(\\|\\|/)$")]
    [InlineData("*|*", "^(.*\\|.*)$")]
    [InlineData("?-", "^(.-)$")]
    [InlineData("(+)", "^(\\(\\+\\))$")]
    public void Operator_names_escape_regular_expression_characters(string pattern, string nameRegex)
    {
        NamePattern? parsed = NamePattern.Parse(pattern, 3, "db", true, out string? error, forceEscape: true);
        Assert.Null(error);
        Assert.Equal(nameRegex, parsed?.NameRegex);
        Assert.Equal("^(|/)$", NamePattern.Parse("|/", 3, "db", out _)?.NameRegex);
    }

    [Fact]
    public void Without_a_schema_to_match_a_database_part_is_never_the_current_database()
    {
        Assert.Null(NamePattern.Parse("db.s", 2, "db", databaseNamed: false, out string? error));
        Assert.Equal("cross-database references are not implemented: db.s", error);
        Assert.Null(NamePattern.Conditions("db.s", null, "n.nspname", null, null, 2, "db", out error));
        Assert.Equal("cross-database references are not implemented: db.s", error);
    }
}
