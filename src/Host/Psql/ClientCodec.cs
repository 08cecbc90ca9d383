using System.Text;
using PgWire.Protocol.Settings;

namespace PgWire.Host.Psql;

/// <summary>Lines of an input looked at before they are read, as they came (not decoded yet).</summary>
public interface IReadAhead
{
    /// <summary>
    /// The line <paramref name="index"/> lines after the next one <see cref="TextReader.ReadLine"/> gives
    /// (0 is that one), read from the input now if it was not yet; null past the end of the input.
    /// Its chars are the input's bytes when the input is read as bytes: a line of ASCII only is the
    /// same text in every client encoding.
    /// </summary>
    string? PeekLine(int index);
}

/// <summary>
/// The client encoding of a session and how its text is carried: as .NET text for UTF8, byte for byte
/// (<see cref="PgEncoding.ByteText"/>, one char per byte, the trail bytes of client-only encodings masked: see
/// <see cref="PgEncoding.MaskedTrailBase"/>) for any other encoding, as psql passes the
/// server's bytes to the output and the input's bytes to the server unchanged. One instance is shared
/// by everything that reads or writes the session's text, so a change of encoding (<c>\encoding</c>,
/// <c>SET client_encoding</c>, a new connection) reaches all of them.
/// </summary>
public sealed class ClientCodec
{
    private static readonly UTF8Encoding Utf8 = new(false);

    public ClientCodec()
    {
        WriterEncoding = new SwitchingEncoding(this);
    }

    /// <summary>The current client encoding.</summary>
    public PgEncoding Encoding { get; private set; } = PgEncoding.Utf8;

    /// <summary>How the current encoding's bytes become chars and back: UTF-8 or <see cref="PgEncoding.ByteText"/>.</summary>
    public System.Text.Encoding Text => Encoding.Text;

    /// <summary>
    /// How the server's bytes become chars: like <see cref="Text"/>, but plain UTF-8 for UTF8 (the server sends
    /// only valid UTF-8, so there is nothing to keep and nothing to check twice).
    /// </summary>
    public System.Text.Encoding Decoding => Encoding.IsUtf8 ? Utf8 : Encoding.Text;

    /// <summary>An encoding for writers that always follows <see cref="Text"/> (flush a writer before the encoding changes).</summary>
    public System.Text.Encoding WriterEncoding { get; }

    /// <summary>Switches to <paramref name="encoding"/>; true when it changed.</summary>
    public bool Set(PgEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (ReferenceEquals(encoding, Encoding))
        {
            return false;
        }

        Encoding = encoding;
        return true;
    }

    /// <summary>Session text of raw bytes in the client encoding.</summary>
    public string FromBytes(ReadOnlySpan<byte> bytes) => Text.GetString(bytes);

    /// <summary>The client-encoding bytes of session text.</summary>
    public byte[] ToBytes(string text) => Text.GetBytes(text);

    /// <summary>
    /// Session text of a line read as bytes (each char one byte, as <see cref="System.Text.Encoding.Latin1"/> reads them);
    /// in UTF8, bytes that are not UTF-8 are kept (<see cref="PgEncoding.Utf8Escaped"/>), to be sent as they came.
    /// </summary>
    public string FromByteLine(string line) =>
        !Encoding.IsUtf8 ? Encoding.MaskTrailBytes(line)
        : line.AsSpan().IndexOfAnyExceptInRange('\0', '\x7f') >= 0 ? PgEncoding.Utf8Escaped.GetString(System.Text.Encoding.Latin1.GetBytes(line))
        : line;

    /// <summary>
    /// Session text of a line typed as characters (a terminal, a test): its UTF-8 bytes are what a UTF-8
    /// terminal would have sent, and psql passes them on as they are.
    /// </summary>
    public string FromCharacterLine(string line) =>
        Encoding.IsUtf8 || line.AsSpan().IndexOfAnyExceptInRange('\0', '\x7f') < 0
            ? line
            : Encoding.MaskTrailBytes(System.Text.Encoding.Latin1.GetString(Utf8.GetBytes(line)));

    /// <summary>The characters a UTF-8 terminal shows for session text (the reverse of <see cref="FromCharacterLine"/>).</summary>
    public string ToCharacterLine(string text) =>
        Encoding.IsUtf8 || text.AsSpan().IndexOfAnyExceptInRange('\0', '\x7f') < 0 ? text : Utf8.GetString(Text.GetBytes(text));

    /// <summary>
    /// A reader of <paramref name="inner"/>'s lines as session text; <paramref name="bytes"/> when its chars are bytes.
    /// Each line is decoded when it is read, in the encoding in force then; lines looked at ahead
    /// (<see cref="IReadAhead"/>) are kept as they came until then.
    /// </summary>
    public TextReader Reader(TextReader inner, bool bytes) => new LineReader(inner, this, bytes);

    private sealed class LineReader(TextReader inner, ClientCodec codec, bool bytes) : TextReader, IReadAhead
    {
        // Lines read ahead, not decoded yet, and how far the oldest of them has been taken char by
        // char (Read, Peek). The end of the input is not kept: a file that grows is read on.
        private readonly List<string> _ahead = [];
        private int _aheadTaken;

        public override string? ReadLine()
        {
            string? line;
            if (_ahead.Count > 0)
            {
                line = _ahead[0][_aheadTaken..];
                _ahead.RemoveAt(0);
                _aheadTaken = 0;
            }
            else
            {
                line = inner.ReadLine();
            }

            return line is null ? null : bytes ? codec.FromByteLine(line) : codec.FromCharacterLine(line);
        }

        public string? PeekLine(int index)
        {
            while (_ahead.Count <= index)
            {
                if (inner.ReadLine() is not { } line)
                {
                    return null;
                }

                _ahead.Add(line);
            }

            return _ahead[index];
        }

        public override int Peek() => _ahead.Count > 0 ? AheadChar(false) : inner.Peek();

        public override int Read() => _ahead.Count > 0 ? AheadChar(true) : inner.Read();

        /// <summary>A char of the oldest line read ahead (its newline after it), as the input would have given it.</summary>
        private int AheadChar(bool take)
        {
            string line = _ahead[0];
            int c = _aheadTaken < line.Length ? line[_aheadTaken] : '\n';
            if (take && ++_aheadTaken > line.Length)
            {
                _ahead.RemoveAt(0);
                _aheadTaken = 0;
            }

            return c;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class SwitchingEncoding(ClientCodec codec) : System.Text.Encoding
    {
        public override int GetByteCount(char[] chars, int index, int count) => codec.Text.GetByteCount(chars, index, count);

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) =>
            codec.Text.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

        public override int GetByteCount(ReadOnlySpan<char> chars) => codec.Text.GetByteCount(chars);

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes) => codec.Text.GetBytes(chars, bytes);

        public override int GetCharCount(byte[] bytes, int index, int count) => codec.Text.GetCharCount(bytes, index, count);

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
            codec.Text.GetChars(bytes, byteIndex, byteCount, chars, charIndex);

        public override int GetMaxByteCount(int charCount) => checked(charCount * 4 + 4);

        public override int GetMaxCharCount(int byteCount) => byteCount + 1;

        public override Encoder GetEncoder() => new SwitchingEncoder(codec);
    }

    /// <summary>Keeps a surrogate pair split between two writes together; asks the codec for the encoding on each write.</summary>
    private sealed class SwitchingEncoder(ClientCodec codec) : Encoder
    {
        private char _highSurrogate;

        public override int GetByteCount(char[] chars, int index, int count, bool flush) =>
            GetByteCount(chars.AsSpan(index, count), flush);

        public override int GetByteCount(ReadOnlySpan<char> chars, bool flush)
        {
            if (_highSurrogate == '\0' && (flush || chars.IsEmpty || !char.IsHighSurrogate(chars[^1])))
            {
                return codec.Text.GetByteCount(chars);
            }

            var text = Join(chars, flush, out _);
            return codec.Text.GetByteCount(text);
        }

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex, bool flush) =>
            GetBytes(chars.AsSpan(charIndex, charCount), bytes.AsSpan(byteIndex), flush);

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes, bool flush)
        {
            if (_highSurrogate == '\0' && (flush || chars.IsEmpty || !char.IsHighSurrogate(chars[^1])))
            {
                return codec.Text.GetBytes(chars, bytes);
            }

            var text = Join(chars, flush, out char keep);
            _highSurrogate = keep;
            return codec.Text.GetBytes(text, bytes);
        }

        public override void Reset() => _highSurrogate = '\0';

        private string Join(ReadOnlySpan<char> chars, bool flush, out char keep)
        {
            keep = '\0';
            var sb = new StringBuilder(chars.Length + 1);
            if (_highSurrogate != '\0')
            {
                sb.Append(_highSurrogate);
            }

            sb.Append(chars);
            if (!flush && sb.Length > 0 && char.IsHighSurrogate(sb[^1]))
            {
                keep = sb[^1];
                sb.Length--;
            }

            return sb.ToString();
        }
    }
}
