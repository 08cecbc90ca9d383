using System.Text;
using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public sealed class PgEncodingTests
{
    private static FakeSettingsEnvironment Env(params (string Name, string? Value)[] variables)
    {
        var env = new FakeSettingsEnvironment();
        foreach (var (name, value) in variables)
        {
            env.Variables[name] = value;
        }

        return env;
    }

    [Theory]
    [InlineData("LATIN1", "LATIN1")]
    [InlineData("iso-8859-1", "LATIN1")]
    [InlineData("ISO_8859_15", "LATIN9")]
    [InlineData("Unicode", "UTF8")]
    [InlineData("utf-8", "UTF8")]
    [InlineData("WIN", "WIN1251")]
    [InlineData("windows-1252", "WIN1252")]
    [InlineData("ShiftJIS", "SJIS")]
    [InlineData("euc_jp", "EUC_JP")]
    [InlineData("sql_ascii", "SQL_ASCII")]
    [InlineData("koi8", "KOI8R")]
    public void Names_and_aliases_are_found_as_the_server_finds_them(string name, string canonical)
    {
        Assert.True(PgEncoding.TryFind(name, out var encoding));
        Assert.Equal(canonical, encoding.Name);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("utf16")]
    [InlineData("")]
    public void Unknown_names_are_not_found(string name) => Assert.False(PgEncoding.TryFind(name, out _));

    [Theory]
    [InlineData("C", "SQL_ASCII")]
    [InlineData("POSIX", "SQL_ASCII")]
    [InlineData("en_US.UTF-8", "UTF8")]
    [InlineData("C.utf8", "UTF8")]
    [InlineData("de_DE.ISO-8859-1", "LATIN1")]
    [InlineData("de_DE.ISO-8859-15@euro", "LATIN9")]
    [InlineData("ja_JP.eucJP", "EUC_JP")]
    [InlineData("ja_JP.SJIS", "SJIS")]
    [InlineData("ru_RU.CP1251", "WIN1251")]
    [InlineData("xx_XX.NOSUCH", null)]
    public void Auto_takes_the_locale_encoding(string locale, string? expected) =>
        Assert.Equal(expected, PgEncoding.FromLocale(Env(("LC_ALL", locale)))?.Name);

    [Fact]
    public void The_locale_comes_from_lc_all_then_lc_ctype_then_lang()
    {
        Assert.Equal("LATIN1", PgEncoding.FromLocale(Env(("LC_CTYPE", "de_DE.ISO-8859-1"), ("LANG", "en_US.UTF-8")))?.Name);
        Assert.Equal("UTF8", PgEncoding.FromLocale(Env(("LC_ALL", "C.UTF-8"), ("LC_CTYPE", "de_DE.ISO-8859-1")))?.Name);
        Assert.Equal("SQL_ASCII", PgEncoding.FromLocale(Env())?.Name);
    }

    [Fact]
    public void Lengths_and_widths_follow_postgresql()
    {
        Assert.True(PgEncoding.TryFind("EUC_JP", out var eucjp));
        Assert.Equal((2, 1), (eucjp.CharLength(0x8e), eucjp.CharWidth(0x8e)));
        Assert.Equal((3, 2), (eucjp.CharLength(0x8f), eucjp.CharWidth(0x8f)));
        Assert.Equal((2, 2), (eucjp.CharLength(0xc6), eucjp.CharWidth(0xc6)));
        Assert.True(PgEncoding.TryFind("SJIS", out var sjis));
        Assert.Equal((1, 1), (sjis.CharLength(0xb6), sjis.CharWidth(0xb6)));
        Assert.Equal((2, 2), (sjis.CharLength(0x83), sjis.CharWidth(0x83)));
        Assert.True(PgEncoding.TryFind("GB18030", out var gb));
        Assert.Equal(4, gb.CharLength(0x84, 0x31));
        Assert.Equal(2, gb.CharLength(0xb1, 0xed));
        Assert.True(PgEncoding.TryFind("LATIN1", out var latin1));
        Assert.Equal((1, 1, -1, 0), (latin1.CharLength(0xe9), latin1.CharWidth(0x85), latin1.CharWidth(0x7f), latin1.CharWidth(0)));
    }

    [Fact]
    public void Byte_text_keeps_every_byte_and_writes_other_characters_as_utf8()
    {
        byte[] all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        string text = PgEncoding.ByteText.GetString(all);
        Assert.Equal(256, text.Length);
        Assert.Equal(all, PgEncoding.ByteText.GetBytes(text));
        Assert.Equal(new byte[] { 0xe9, 0xe2, 0x94, 0x80 }, PgEncoding.ByteText.GetBytes("\u00e9\u2500"));
    }

    [Fact]
    public void Client_only_encodings_mask_trail_bytes_that_look_like_ascii()
    {
        Assert.True(PgEncoding.TryFind("SJIS", out var sjis));
        byte[] bytes = [(byte)'\'', 0x83, (byte)'\\', (byte)'\'', 0xb6, (byte)'\\'];
        string text = sjis.Text.GetString(bytes);
        Assert.Equal("'\u0083\uf75c'\u00b6\\", text);
        Assert.Equal(bytes, sjis.Text.GetBytes(text));
        Assert.Equal(bytes, PgEncoding.ByteText.GetBytes(text));
        Assert.True(PgEncoding.TryFind("LATIN1", out var latin1));
        Assert.Equal("\u0083\\", latin1.MaskTrailBytes("\u0083\\"));
    }

    [Fact]
    public void Any_client_encoding_is_kept_when_asked_for_and_auto_becomes_the_locales()
    {
        Assert.Equal("LATIN1", ConnectionSettings.Resolve(null, env: Env(("PGCLIENTENCODING", "LATIN1")), anyClientEncoding: true).ClientEncoding);
        Assert.Equal("latin2", ConnectionSettings.Resolve("client_encoding=latin2", env: Env(("PGCLIENTENCODING", "LATIN1")), anyClientEncoding: true).ClientEncoding);
        Assert.Equal("EUC_JP", ConnectionSettings.Resolve("client_encoding=auto", env: Env(("LANG", "ja_JP.eucJP")), anyClientEncoding: true).ClientEncoding);
        Assert.Null(ConnectionSettings.Resolve(null, env: Env(), anyClientEncoding: true).ClientEncoding);
        Assert.Empty(ConnectionSettings.Resolve(null, env: Env(("PGCLIENTENCODING", "foo")), anyClientEncoding: true).Warnings);
        Assert.Equal("UTF8", ConnectionSettings.Resolve(null, env: Env(("PGCLIENTENCODING", "LATIN1"))).ClientEncoding);
    }

    [Fact]
    public void Utf8_escaped_keeps_bytes_that_are_not_utf8()
    {
        byte[] bytes = [(byte)'c', 0xe9, (byte)'\'', 0xc3, 0xa9, 0xff, 0xe2, 0x82];
        string text = PgEncoding.Utf8Escaped.GetString(bytes);
        Assert.Equal("c\udce9'\u00e9\udcff\udce2\udc82", text);
        Assert.Equal(bytes, PgEncoding.Utf8Escaped.GetBytes(text));
        Assert.Equal(Encoding.UTF8.GetBytes("caf\u00e9 \u20ac \U0001F600"), PgEncoding.Utf8Escaped.GetBytes("caf\u00e9 \u20ac \U0001F600"));
        Assert.Equal("caf\u00e9", PgEncoding.Utf8Escaped.GetString(Encoding.UTF8.GetBytes("caf\u00e9")));
    }
}
