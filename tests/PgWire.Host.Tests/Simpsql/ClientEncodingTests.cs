using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// Client encodings other than UTF8: simpsql asks for the encoding as psql does, passes the server's bytes to the
/// output and the input's bytes to the server unchanged, and measures columns in that encoding. Inputs and outputs
/// are compared byte for byte with psql (strings here hold one char per byte).
/// </summary>
public sealed class ClientEncodingTests
{
    private static Dictionary<string, string?> Env(params (string Name, string? Value)[] variables)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            env[name] = value;
        }

        return env;
    }

    /// <summary>A script exercising aligned, expanded, unaligned and wrapped output, an error caret and COPY data around <paramref name="ch"/>.</summary>
    private static string Script(string ch) =>
        $"select 'caf{ch}' as \"n{ch}\", 'x' as b;\n" +
        $"select repeat('{ch}', 3) as r, E'a\\tb' as t, '{ch}' || chr(10) || 'z{ch}' as nl;\n" +
        "\\x\n" +
        $"select '{ch}{ch}' as \"{ch}\", 1 as one;\n" +
        "\\x\n" +
        "\\pset format unaligned\n" +
        $"select '{ch}' as u;\n" +
        "\\pset format wrapped\n" +
        "\\pset columns 20\n" +
        $"select repeat('{ch}b', 15) as w, 2 as two;\n" +
        "\\pset format aligned\n" +
        $"select '{ch}{ch}', x where\n x = ;\n" +
        "create temp table t (v text);\n" +
        "copy t from stdin;\n" +
        $"{ch}1\n" +
        $"2{ch}{ch}\n" +
        "\\.\n" +
        "select v, length(v) from t order by v;\n" +
        $"\\echo {ch} :ENCODING\n" +
        "\\encoding\n";

    [PsqlTheory]
    [InlineData("LATIN1", "\u00e9")]
    [InlineData("WIN1252", "\u0080")]
    [InlineData("LATIN9", "\u00a4")]
    [InlineData("SQL_ASCII", "\u00c3\u00a9")]
    public void A_single_byte_encoding_passes_bytes_through_one_column_each(string encoding, string ch) =>
        SimpsqlHarness.AssertSameBytesAsPsql(["-X"], Script(ch), Env(("PGCLIENTENCODING", encoding)));

    /// <summary>Multi-byte encodings: characters two columns wide (half-width katakana one); SJIS and BIG5 characters whose second byte is a backslash.</summary>
    [PsqlTheory]
    [InlineData("EUC_JP", "\u00c9\u00bd\u00a5\u00bd\u00c6\u00fc\u008e\u00b6")]
    [InlineData("SJIS", "\u0095\\\u0083\\\u0093\u00fa\u00b6")]
    [InlineData("BIG5", "\u00aa\u00ed\u00a5\\")]
    [InlineData("GB18030", "\u00b1\u00ed\u00a5\u00bd\u0084\u0031\u0097\u0038")]
    [InlineData("EUC_KR", "\u00f8\u00fa\u00c7\u00d1")]
    public void A_multi_byte_encoding_passes_bytes_through_with_its_widths(string encoding, string chars) =>
        SimpsqlHarness.AssertSameBytesAsPsql(["-X"], Script(chars) + $"\\echo '{chars}' {chars}\n\\set v '{chars}'\n\\echo :v :'v' :\"v\"\nselect :'v' as c \\gset\n\\echo :c\n", Env(("PGCLIENTENCODING", encoding)));

    [PsqlFact]
    public void Encoding_command_changes_shows_and_refuses_like_psql()
    {
        string script =
            "\\encoding\n\\encoding win1252\n\\echo :ENCODING\nselect '\u0080' as euro;\n" +
            "\\encoding bogus\n\\encoding\n\\echo :ENCODING\n" +
            "set client_encoding to latin9;\n\\echo :ENCODING\nselect '\u00a4' as euro;\n" +
            "\\set ENCODING mine\n\\echo :ENCODING\nselect 1;\n\\echo :ENCODING\n" +
            "\\o /dev/null\n\\encoding\n\\o\n" +
            "\\encoding 'LATIN2'\n\\encoding\nbegin;\nselect 1/0;\n\\encoding utf8\nrollback;\n\\encoding\n\\encoding UTF8\nselect '\u00c3\u00a9' as e;\n" +
            "\\encoding win1252\n\\c\n\\echo :ENCODING\n\\encoding\nselect '\u00e9' as e;\n";
        SimpsqlHarness.AssertSameBytesAsPsql(["-X"], script, Env(("PGCLIENTENCODING", "LATIN1")));
    }

    [PsqlFact]
    public void Scripts_read_with_f_are_bytes_of_the_client_encoding()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simpsql-latin1-{Guid.NewGuid():N}.sql");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(Script("\u00e9") + "\\encoding utf8\nselect '\u00c3\u00a9' as e;\nselect '\u00e9' as not_utf8;\n"));
        try
        {
            SimpsqlHarness.AssertSameBytesAsPsql(["-X", "-f", path], "", Env(("PGCLIENTENCODING", "LATIN1")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The connection string's client_encoding wins over PGCLIENTENCODING, which wins over PGOPTIONS; -v ENCODING does not stick.</summary>
    [PsqlTheory]
    [InlineData("dbname=pgwire_test client_encoding=latin2", "LATIN1", null)]
    [InlineData("pgwire_test", "LATIN1", "-c client_encoding=latin3")]
    [InlineData("pgwire_test", null, "-c client_encoding=latin3")]
    [InlineData("dbname=pgwire_test client_encoding=UNICODE", null, null)]
    [InlineData("dbname=pgwire_test client_encoding=ISO_8859_5", null, null)]
    [InlineData("dbname=pgwire_test client_encoding=mskanji", null, null)]
    public void Client_encoding_comes_from_the_connection_string_environment_or_options(string connInfo, string? pgClientEncoding, string? pgOptions) =>
        SimpsqlHarness.AssertSameBytesAsPsql(["-X", "-v", "ENCODING=KOI8R", "-d", connInfo, "-c", "\\echo :ENCODING", "-c", "\\encoding", "-c", "show client_encoding"], "",
            Env(("PGCLIENTENCODING", pgClientEncoding), ("PGOPTIONS", pgOptions)));

    [PsqlTheory]
    [InlineData("foo")]
    [InlineData("auto")]
    [InlineData("")]
    public void Unknown_or_special_client_encoding_names_behave_as_for_psql(string name) =>
        SimpsqlHarness.AssertSameBytesAsPsql(["-X", "-c", "\\echo :ENCODING"], "", Env(("PGCLIENTENCODING", name), ("LC_ALL", "C"), ("LANG", "C")));

    /// <summary>Without a client encoding (and not on a terminal) the server's default, the database's encoding, is used.</summary>
    [PsqlFact]
    public void Without_a_client_encoding_the_database_encoding_is_used()
    {
        const string database = "pgwire_latin1";
        var (_, exists, _) = TestCluster.RunPsql("-X", "-tA", "-c", $"select count(*) from pg_database where datname = '{database}'");
        if (exists.Trim() == "0")
        {
            // Another test process may create it at the same time; the check below decides.
            TestCluster.RunPsql("-X", "-c", $"create database {database} encoding 'LATIN1' lc_collate 'C' lc_ctype 'C' template template0");
        }

        SimpsqlHarness.AssertSameBytesAsPsql(["-X", "-d", database], "\\encoding\nselect '\u00e9\u00e8' as \"\u00e9\", length('\u00e9\u00e8');\n\\encoding utf8\nselect '\u00c3\u00a9' as e, length('\u00c3\u00a9');\n", Env());
    }

    /// <summary>Every name and alias PostgreSQL accepts (and a few it does not) resolves as the server resolves it.</summary>
    [ClusterFact]
    public void Encoding_names_resolve_as_on_the_server()
    {
        string[] names =
        [
            "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8", "MULE_INTERNAL", "LATIN1", "LATIN2", "LATIN3",
            "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R",
            "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253", "WIN1254", "WIN1255",
            "WIN1257", "KOI8U", "SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004", "abc", "alt", "iso88591", "ISO-8859-2",
            "iso_8859_9", "iso885910", "iso885913", "iso885914", "iso885915", "iso885916", "koi8", "koi8-u", "mskanji", "shiftjis",
            "ShiftJIS2004", "tcvn", "tcvn5712", "unicode", "utf-8", "vscii", "win", "win932", "win936", "win949", "win950", "windows1250",
            "Windows-1251", "windows1252", "windows1253", "windows1254", "windows1255", "windows1256", "windows1257", "windows1258",
            "windows866", "windows874", "windows932", "windows936", "windows949", "windows950", "eucjis2004", "euc-jp", "sqlascii",
            "utf16", "latin11", "cp1252", "foo", "",
        ];
        var (rc, stdout, stderr) = TestCluster.RunPsql("-X", "-tA", "-c",
            $"select pg_char_to_encoding(n) from unnest(array['{string.Join("','", names)}']) with ordinality as t(n, i) order by i");
        Assert.True(rc == 0, stderr);
        string[] server = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(names.Length, server.Length);
        for (int i = 0; i < names.Length; i++)
        {
            int expected = int.Parse(server[i], System.Globalization.CultureInfo.InvariantCulture);
            int actual = PgWire.Protocol.Settings.PgEncoding.TryFind(names[i], out var found) ? found.Id : -1;
            Assert.True(expected == actual, $"{names[i]}: server {expected}, PgEncoding {actual}");
        }
    }

    /// <summary>On a terminal, without a client encoding, psql asks for the locale's (client_encoding=auto).</summary>
    [TerminalFact]
    public void On_a_terminal_the_locale_gives_the_client_encoding()
    {
        foreach (var (locale, expected) in new[] { ("C", "SQL_ASCII"), ("C.UTF-8", "UTF8") })
        {
            string[] args = [PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-c", "\\echo :ENCODING"];
            string Run(string program)
            {
                using var terminal = PseudoTerminal.Start($"LC_ALL={locale} exec {program} " + string.Join(' ', args.Select(Shell.Quote)));
                Assert.Equal(0, terminal.WaitForExit());
                return PseudoTerminal.WithoutKeypadModes(terminal.Transcript);
            }

            string ours = Run(Shell.Quote(PgWire.Host.Tests.Lrepl.LreplProcess.Executable) + " simpsql");
            Assert.Equal(Run(Shell.Quote(TestCluster.FindPsql())), ours);
            Assert.Equal(expected + "\r\n", ours);
        }
    }

    /// <summary>In UTF8, input that is not UTF-8 reaches the server as it is (which refuses it), not with replacement characters.</summary>
    [PsqlFact]
    public void Input_that_is_not_utf8_is_sent_as_it_is() =>
        SimpsqlHarness.AssertSameBytesAsPsql(["-X"],
            "select 'caf\u00e9' as v;\nselect 1 as \"a\u00e9\";\n\\set x caf\u00e9\n\\echo :x caf\u00e9\ncopy (select 1) to stdout;\nselect 'ok \u00c3\u00a9' as \"\u00c3\u00a9\";\n",
            Env(("PGCLIENTENCODING", "UTF8")));
}
