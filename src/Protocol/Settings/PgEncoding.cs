using System.Text;

namespace PgWire.Protocol.Settings;

/// <summary>
/// A PostgreSQL character set encoding as a client sees it: its canonical name (what the server
/// reports as <c>client_encoding</c>), how many bytes a character starting with a given byte takes
/// and how many terminal columns it occupies. The rules are PostgreSQL's (libpq's <c>PQmblen</c> and
/// <c>PQdsplen</c>): a single-byte encoding shows every printable byte in one column; the Asian
/// multi-byte encodings count a character with a high-bit lead byte as two columns (except the
/// half-width katakana of EUC_JP and SJIS); UTF8 uses Unicode's East Asian widths.
/// </summary>
/// <remarks>
/// Only UTF8 text is decoded into characters. Text in any other client encoding is carried byte for
/// byte (<see cref="ByteText"/>: each byte becomes the char of the same value), so the bytes the server
/// sends reach the output unchanged and the bytes read from input reach the server unchanged, as
/// with psql, whatever the encoding and whether .NET knows it or not.
/// </remarks>
public sealed class PgEncoding
{
    private readonly Func<byte, byte, int> _length;
    private readonly Func<byte, int> _width;

    private PgEncoding(int id, string name, int maxLength, Func<byte, byte, int> length, Func<byte, int> width, bool clientOnly = false)
    {
        Id = id;
        Name = name;
        MaxLength = maxLength;
        _length = length;
        _width = width;
        ClientOnly = clientOnly;
        if (clientOnly)
        {
            _maskedText = new Lazy<Encoding>(() => new ByteTextEncoding(this));
        }
    }

    /// <summary>PostgreSQL's number for the encoding (<c>pg_encoding_to_char</c>'s argument).</summary>
    public int Id { get; }

    /// <summary>The canonical name, e.g. <c>LATIN1</c>, <c>SJIS</c>.</summary>
    public string Name { get; }

    /// <summary>The longest character in bytes.</summary>
    public int MaxLength { get; }

    /// <summary>
    /// A client-only encoding (SJIS, BIG5, GBK, UHC, GB18030, JOHAB, SHIFT_JIS_2004): the second byte of
    /// a character may look like ASCII (a quote or a backslash), so text must be scanned a character,
    /// not a byte, at a time.
    /// </summary>
    public bool ClientOnly { get; }

    public bool IsUtf8 => Id == 6;

    /// <summary>
    /// Carries text of a non-UTF8 client encoding: decoding maps each byte to the char of the same
    /// value; encoding maps chars up to U+00FF back to their byte and writes any other character as
    /// UTF-8 (as psql does for the box-drawing characters of the unicode line style, which it writes as
    /// UTF-8 whatever the encoding).
    /// </summary>
    public static Encoding ByteText { get; } = new ByteTextEncoding(null);

    /// <summary>
    /// First of the chars that stand for the ASCII-range trail bytes of a client-only encoding's characters
    /// (U+F700 + the byte, a private-use char no input contains): a scanner of SQL or backslash commands then
    /// never mistakes the second byte of a character for a quote or a backslash, as psql's lexer does not.
    /// <see cref="ByteText"/> writes them back as the byte.
    /// </summary>
    public const char MaskedTrailBase = '\uF700';

    private readonly Lazy<Encoding>? _maskedText;

    /// <summary>
    /// How text of this encoding is carried in strings: UTF-8 for UTF8, otherwise <see cref="ByteText"/>, whose
    /// decoding also masks trail bytes (<see cref="MaskedTrailBase"/>) for a <see cref="ClientOnly"/> encoding.
    /// </summary>
    public Encoding Text => IsUtf8 ? Utf8Escaped : _maskedText?.Value ?? ByteText;

    /// <summary>
    /// Masks the ASCII-range trail bytes of the characters of <paramref name="text"/> (text of this encoding
    /// carried byte for byte); unchanged for an encoding that is not client-only.
    /// </summary>
    public string MaskTrailBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!ClientOnly || text.AsSpan().IndexOfAnyInRange('\x80', '\xff') < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length;)
        {
            char c = chars[i];
            int length = c is >= '\x80' and <= '\xff' ? CharLength((byte)c, i + 1 < chars.Length && chars[i + 1] <= '\xff' ? (byte)chars[i + 1] : (byte)0) : 1;
            for (int j = i + 1; j < i + length && j < chars.Length; j++)
            {
                if (chars[j] < '\x80')
                {
                    chars[j] = (char)(MaskedTrailBase + chars[j]);
                }
            }

            i += length;
        }

        return new string(chars);
    }

    /// <summary>
    /// UTF-8 that keeps bytes that are not UTF-8: decoding turns each such byte into the lone surrogate
    /// U+DC00 + byte (U+DC80..U+DCFF), encoding turns such a lone surrogate back into the byte. Input that is not
    /// valid UTF-8 then reaches the server as it was, which refuses it as it refuses psql's (never silently
    /// replaced by U+FFFD). Valid text encodes and decodes as with <see cref="Encoding.UTF8"/>.
    /// </summary>
    public static Encoding Utf8Escaped { get; } = new Utf8EscapedEncoding();

    /// <summary>First of the chars that stand for bytes that are not UTF-8 (see <see cref="Utf8Escaped"/>).</summary>
    public const char EscapedByteBase = '\uDC00';



    /// <summary>Whether <paramref name="name"/> names UTF8 (UTF8, UTF-8, Unicode, any case).</summary>
    public static bool IsUtf8Name(string name) => TryFind(name, out var e) && e.IsUtf8;

    /// <summary>
    /// Bytes of the character starting at <paramref name="lead"/>, for text in this encoding
    /// (<paramref name="next"/> is the byte after it, or 0; only GB18030 looks at it).
    /// </summary>
    public int CharLength(byte lead, byte next = 0) => _length(lead, next);

    /// <summary>Columns the character starting with <paramref name="lead"/> takes: -1 for a control character, 0 for NUL.</summary>
    public int CharWidth(byte lead) => _width(lead);

    public override string ToString() => Name;

    /// <summary>
    /// Finds an encoding by any name PostgreSQL accepts for it: the canonical names and their aliases
    /// (ISO_8859_1, WIN, Unicode, ShiftJIS ...), compared without case and ignoring characters other than
    /// letters and digits, as the server does.
    /// </summary>
    public static bool TryFind(string name, out PgEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                key.Append(char.ToLowerInvariant(c));
            }
        }

        if (Aliases.TryGetValue(key.ToString(), out int id))
        {
            encoding = All[id];
            return true;
        }

        encoding = null!;
        return false;
    }

    /// <summary>The encoding with the canonical <paramref name="name"/> the server reported, or UTF8 when it is unknown.</summary>
    public static PgEncoding FromServerName(string? name) =>
        name is not null && TryFind(name, out var e) ? e : Utf8;

    public static PgEncoding Utf8 => All[6];

    /// <summary>
    /// The encoding of the locale's character type (<c>LC_ALL</c>, else <c>LC_CTYPE</c>, else <c>LANG</c>), as
    /// libpq resolves <c>client_encoding=auto</c>: SQL_ASCII for the C and POSIX locales, the encoding
    /// named by the codeset after the dot otherwise (<c>en_US.UTF-8</c>, <c>de_DE.ISO-8859-1</c>,
    /// <c>ja_JP.eucJP</c>, <c>CP1252</c> ...); null when the codeset is not one PostgreSQL knows.
    /// </summary>
    public static PgEncoding? FromLocale(ISettingsEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        string locale = new[] { "LC_ALL", "LC_CTYPE", "LANG" }.Select(env.GetVariable).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "C";
        int at = locale.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            locale = locale[..at];
        }

        if (locale is "C" or "POSIX")
        {
            return All[0];
        }

        int dot = locale.IndexOf('.', StringComparison.Ordinal);
        string codeset = dot >= 0 ? locale[(dot + 1)..] : locale;
        if (TryFind(codeset, out var found))
        {
            return found;
        }

        string key = new([.. codeset.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant)]);
        return key switch
        {
            "cp1250" => All[29], "cp1251" => All[23], "cp1252" => All[24], "cp1253" => All[30], "cp1254" => All[31],
            "cp1255" => All[32], "cp1256" => All[18], "cp1257" => All[33], "cp1258" => All[19], "cp866" => All[20],
            "cp874" => All[21], "cp932" or "pck" => All[35], "cp936" => All[37], "cp949" => All[38], "cp950" or "big5hkscs" => All[36],
            "ibmeucjp" or "sdeckanji" or "cp20932" => All[1], "ibmeuccn" or "cp20936" => All[2], "ibmeuckr" or "cp51949" => All[3],
            "ibmeuctw" or "cns11643" => All[4], "koi8r" or "cp20866" => All[22], "cp21866" => All[34], "cp65001" => All[6],
            "ansix341968" or "646" => All[0],
            _ => null,
        };
    }

    private static int Ascii(byte b) => b == 0 ? 0 : b < 0x20 || b == 0x7f ? -1 : 1;

    private static bool High(byte b) => b >= 0x80;

    private static int Single(byte lead, byte next) => 1;

    private static int Utf8Length(byte b) =>
        (b & 0x80) == 0 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 1;

    // EUC: SS2 (0x8e) leads two bytes, SS3 (0x8f) three, any other high-bit byte two.
    private static int EucLength(byte b, byte next) => b == 0x8e ? 2 : b == 0x8f ? 3 : High(b) ? 2 : 1;

    private static int EucWidth(byte b) => b is 0x8e or 0x8f || High(b) ? 2 : Ascii(b);

    private static int HighTwo(byte b, byte next) => High(b) ? 2 : 1;

    private static int HighTwoWidth(byte b) => High(b) ? 2 : Ascii(b);

    private static int SjisLength(byte b, byte next) => b is >= 0xa1 and <= 0xdf ? 1 : High(b) ? 2 : 1;

    private static int SjisWidth(byte b) => b is >= 0xa1 and <= 0xdf ? 1 : High(b) ? 2 : Ascii(b);

    private static int MuleLength(byte b, byte next) =>
        b is >= 0x81 and <= 0x8d ? 2 : b is 0x9a or 0x9b ? 3 : b is >= 0x90 and <= 0x99 ? 3 : b is 0x9c or 0x9d ? 4 : 1;

    private static int MuleWidth(byte b) => b is >= 0x90 and <= 0x99 or 0x9c or 0x9d ? 2 : 1;

    private static PgEncoding SingleByte(int id, string name) => new(id, name, 1, Single, Ascii);

    private static readonly PgEncoding[] All =
    [
        SingleByte(0, "SQL_ASCII"),
        new(1, "EUC_JP", 3, EucLength, b => b == 0x8e ? 1 : b == 0x8f || High(b) ? 2 : Ascii(b)),
        new(2, "EUC_CN", 2, HighTwo, HighTwoWidth),
        new(3, "EUC_KR", 3, EucLength, EucWidth),
        new(4, "EUC_TW", 4, (b, n) => b == 0x8e ? 4 : b == 0x8f ? 3 : High(b) ? 2 : 1, EucWidth),
        new(5, "EUC_JIS_2004", 3, EucLength, b => b == 0x8e ? 1 : b == 0x8f || High(b) ? 2 : Ascii(b)),
        new(6, "UTF8", 4, (b, n) => Utf8Length(b), b => High(b) ? 1 : Ascii(b)),
        new(7, "MULE_INTERNAL", 4, MuleLength, MuleWidth),
        SingleByte(8, "LATIN1"),
        SingleByte(9, "LATIN2"),
        SingleByte(10, "LATIN3"),
        SingleByte(11, "LATIN4"),
        SingleByte(12, "LATIN5"),
        SingleByte(13, "LATIN6"),
        SingleByte(14, "LATIN7"),
        SingleByte(15, "LATIN8"),
        SingleByte(16, "LATIN9"),
        SingleByte(17, "LATIN10"),
        SingleByte(18, "WIN1256"),
        SingleByte(19, "WIN1258"),
        SingleByte(20, "WIN866"),
        SingleByte(21, "WIN874"),
        SingleByte(22, "KOI8R"),
        SingleByte(23, "WIN1251"),
        SingleByte(24, "WIN1252"),
        SingleByte(25, "ISO_8859_5"),
        SingleByte(26, "ISO_8859_6"),
        SingleByte(27, "ISO_8859_7"),
        SingleByte(28, "ISO_8859_8"),
        SingleByte(29, "WIN1250"),
        SingleByte(30, "WIN1253"),
        SingleByte(31, "WIN1254"),
        SingleByte(32, "WIN1255"),
        SingleByte(33, "WIN1257"),
        SingleByte(34, "KOI8U"),
        new(35, "SJIS", 2, SjisLength, SjisWidth, clientOnly: true),
        new(36, "BIG5", 2, HighTwo, HighTwoWidth, clientOnly: true),
        new(37, "GBK", 2, HighTwo, HighTwoWidth, clientOnly: true),
        new(38, "UHC", 2, HighTwo, HighTwoWidth, clientOnly: true),
        new(39, "GB18030", 4, (b, n) => !High(b) ? 1 : n is >= 0x30 and <= 0x39 ? 4 : 2, HighTwoWidth, clientOnly: true),
        new(40, "JOHAB", 3, EucLength, EucWidth, clientOnly: true),
        new(41, "SHIFT_JIS_2004", 2, SjisLength, SjisWidth, clientOnly: true),
    ];

    /// <summary>Every name PostgreSQL accepts, reduced to lower-case letters and digits, with its encoding's number.</summary>
    private static readonly Dictionary<string, int> Aliases = BuildAliases();

    private static Dictionary<string, int> BuildAliases()
    {
        var aliases = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in All)
        {
            aliases[e.Name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant()] = e.Id;
        }

        (string Alias, int Id)[] more =
        [
            ("abc", 19), ("alt", 20), ("iso88591", 8), ("iso88592", 9), ("iso88593", 10), ("iso88594", 11),
            ("iso88599", 12), ("iso885910", 13), ("iso885913", 14), ("iso885914", 15), ("iso885915", 16),
            ("iso885916", 17), ("koi8", 22), ("mskanji", 35), ("shiftjis", 35), ("tcvn", 19), ("tcvn5712", 19),
            ("unicode", 6), ("vscii", 19), ("win", 23), ("win932", 35), ("win936", 37), ("win949", 38),
            ("win950", 36), ("windows1250", 29), ("windows1251", 23), ("windows1252", 24), ("windows1253", 30),
            ("windows1254", 31), ("windows1255", 32), ("windows1256", 18), ("windows1257", 33),
            ("windows1258", 19), ("windows866", 20), ("windows874", 21), ("windows932", 35), ("windows936", 37),
            ("windows949", 38), ("windows950", 36), ("eucjis2004", 5), ("shiftjis2004", 41),
        ];
        foreach (var (alias, id) in more)
        {
            aliases[alias] = id;
        }

        return aliases;
    }

    private sealed class Utf8EscapedEncoding : Encoding
    {
        private static readonly UTF8Encoding Utf8 = new(false);

        public override string EncodingName => "UTF-8 keeping bytes that are not UTF-8";

        private static bool HasEscapes(ReadOnlySpan<char> chars) => chars.IndexOfAnyInRange('\uDC80', '\uDCFF') >= 0;

        public override int GetByteCount(char[] chars, int index, int count) => GetByteCount(chars.AsSpan(index, count));

        public override int GetByteCount(ReadOnlySpan<char> chars)
        {
            if (!HasEscapes(chars))
            {
                return Utf8.GetByteCount(chars);
            }

            Span<byte> scratch = stackalloc byte[4];
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                n += EncodeOne(chars, ref i, scratch);
            }

            return n;
        }

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
            GetBytes(chars.AsSpan(charIndex, charCount), bytes.AsSpan(byteIndex));

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes)
        {
            if (!HasEscapes(chars))
            {
                return Utf8.GetBytes(chars, bytes);
            }

            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                n += EncodeOne(chars, ref i, bytes[n..]);
            }

            return n;
        }

        /// <summary>Encodes the character at <paramref name="i"/> (advancing past a surrogate pair).</summary>
        private static int EncodeOne(ReadOnlySpan<char> chars, ref int i, Span<byte> bytes)
        {
            char c = chars[i];
            if (c is >= '\uDC80' and <= '\uDCFF')
            {
                bytes[0] = (byte)(c - EscapedByteBase);
                return 1;
            }

            if (Rune.DecodeFromUtf16(chars[i..], out Rune rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = 1;
            }

            i += used - 1;
            return rune.EncodeToUtf8(bytes);
        }

        public override int GetCharCount(byte[] bytes, int index, int count) => GetString(bytes, index, count).Length;

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
        {
            string text = GetString(bytes, byteIndex, byteCount);
            text.CopyTo(0, chars, charIndex, text.Length);
            return text.Length;
        }

        public override string GetString(byte[] bytes, int index, int count)
        {
            var span = bytes.AsSpan(index, count);
            if (System.Text.Unicode.Utf8.IsValid(span))
            {
                return Utf8.GetString(span);
            }

            var sb = new StringBuilder(count);
            while (!span.IsEmpty)
            {
                if (Rune.DecodeFromUtf8(span, out Rune rune, out int used) == System.Buffers.OperationStatus.Done)
                {
                    sb.Append(rune.ToString());
                    span = span[used..];
                }
                else
                {
                    sb.Append((char)(EscapedByteBase + span[0]));
                    span = span[1..];
                }
            }

            return sb.ToString();
        }

        public override int GetMaxByteCount(int charCount) => checked((charCount + 1) * 3);

        public override int GetMaxCharCount(int byteCount) => byteCount + 1;
    }

    private sealed class ByteTextEncoding(PgEncoding? masking) : Encoding
    {
        public override string EncodingName => "PostgreSQL client encoding bytes";

        public override int GetByteCount(char[] chars, int index, int count) => GetByteCount(chars.AsSpan(index, count));

        public override int GetByteCount(ReadOnlySpan<char> chars)
        {
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c <= 0xff || (c >= MaskedTrailBase && c <= MaskedTrailBase + 0xff))
                {
                    n++;
                }
                else
                {
                    Rune.DecodeFromUtf16(chars[i..], out Rune rune, out int used);
                    n += rune.Utf8SequenceLength;
                    i += used - 1;
                }
            }

            return n;
        }

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
            GetBytes(chars.AsSpan(charIndex, charCount), bytes.AsSpan(byteIndex));

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes)
        {
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c <= 0xff || (c >= MaskedTrailBase && c <= MaskedTrailBase + 0xff))
                {
                    bytes[n++] = (byte)c;
                }
                else
                {
                    Rune.DecodeFromUtf16(chars[i..], out Rune rune, out int used);
                    n += rune.EncodeToUtf8(bytes[n..]);
                    i += used - 1;
                }
            }

            return n;
        }

        public override int GetCharCount(byte[] bytes, int index, int count) => count;

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
        {
            for (int i = 0; i < byteCount; i++)
            {
                chars[charIndex + i] = (char)bytes[byteIndex + i];
            }

            if (masking is not null)
            {
                var masked = masking.MaskTrailBytes(new string(chars, charIndex, byteCount));
                masked.CopyTo(0, chars, charIndex, byteCount);
            }

            return byteCount;
        }

        public override int GetMaxByteCount(int charCount) => checked(charCount * 3);

        public override int GetMaxCharCount(int byteCount) => byteCount;
    }
}
