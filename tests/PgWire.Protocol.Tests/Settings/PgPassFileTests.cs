using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public class PgPassFileTests
{
    [Fact]
    public void Exact_match_returns_password()
    {
        Assert.Equal("s3cret", PgPassFile.Lookup("db.example:5432:app:bob:s3cret\n", "db.example", 5432, "app", "bob"));
    }

    [Theory]
    [InlineData("other:5432:app:bob:x")]
    [InlineData("db.example:5433:app:bob:x")]
    [InlineData("db.example:5432:other:bob:x")]
    [InlineData("db.example:5432:app:carol:x")]
    [InlineData("db.example:5432:app:bo:x")]
    [InlineData("db.example:5432:app:bobby:x")]
    [InlineData("db.example:5432:app")]
    public void Non_matching_line_returns_null(string line)
    {
        Assert.Null(PgPassFile.Lookup(line, "db.example", 5432, "app", "bob"));
    }

    [Fact]
    public void Wildcards_match_anything()
    {
        Assert.Equal("any", PgPassFile.Lookup("*:*:*:*:any", "h", 1, "d", "u"));
        Assert.Equal("p", PgPassFile.Lookup("*:5432:*:bob:p", "whatever", 5432, "db", "bob"));
        Assert.Null(PgPassFile.Lookup("*:5432:*:bob:p", "whatever", 5433, "db", "bob"));
    }

    [Fact]
    public void Escaped_star_is_literal()
    {
        Assert.Null(PgPassFile.Lookup(@"\*:*:*:*:p", "h", 1, "d", "u"));
        Assert.Equal("p", PgPassFile.Lookup(@"\*:*:*:*:p", "*", 1, "d", "u"));
    }

    [Fact]
    public void Star_inside_a_field_is_literal()
    {
        Assert.Null(PgPassFile.Lookup("db*:*:*:*:p", "db1", 1, "d", "u"));
    }

    [Fact]
    public void First_match_wins()
    {
        var text = "h:5432:d:u:first\nh:5432:d:u:second\n*:*:*:*:fallback\n";
        Assert.Equal("first", PgPassFile.Lookup(text, "h", 5432, "d", "u"));
        Assert.Equal("fallback", PgPassFile.Lookup(text, "other", 5432, "d", "u"));
    }

    [Fact]
    public void Comments_and_blank_lines_are_skipped()
    {
        var text = "# *:*:*:*:commented\n\n   \nh:1:d:u:real\r\n";
        Assert.Equal("real", PgPassFile.Lookup(text, "h", 1, "d", "u"));
    }

    [Fact]
    public void Crlf_line_endings_are_stripped_from_password()
    {
        Assert.Equal("pw", PgPassFile.Lookup("h:1:d:u:pw\r\nx:1:d:u:other\r\n", "h", 1, "d", "u"));
    }

    [Fact]
    public void Backslash_escapes_colon_and_backslash_in_fields_and_password()
    {
        var text = @"fe80\:\:1:5432:my\\db:u:pa\:ss\\word";
        Assert.Equal(@"pa:ss\word", PgPassFile.Lookup(text, "fe80::1", 5432, @"my\db", "u"));
    }

    [Fact]
    public void Unescaped_colons_in_password_are_kept()
    {
        Assert.Equal("a:b:c", PgPassFile.Lookup("h:1:d:u:a:b:c", "h", 1, "d", "u"));
    }

    [Fact]
    public void Matching_entry_with_empty_password_returns_empty_string()
    {
        Assert.Equal("", PgPassFile.Lookup("h:1:d:u:\n*:*:*:*:later", "h", 1, "d", "u"));
    }

    [Fact]
    public void Empty_database_or_user_never_matches()
    {
        Assert.Null(PgPassFile.Lookup("*:*:*:*:p", "h", 1, "", "u"));
        Assert.Null(PgPassFile.Lookup("*:*:*:*:p", "h", 1, "d", ""));
    }

    [Fact]
    public void Socket_directory_host_matches_path()
    {
        Assert.Equal("p", PgPassFile.Lookup("/tmp:5432:d:u:p", "/tmp", 5432, "d", "u"));
    }
}
