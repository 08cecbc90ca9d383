using System.Globalization;

namespace PgWire.Protocol.Replication;

/// <summary>A PostgreSQL write-ahead log location (pg_lsn), written as two hex halves "X/X".</summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    public static readonly Lsn Invalid = new(0);

    public bool IsValid => Value != 0;

    public static Lsn Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text.AsSpan(), out var lsn)
            ? lsn
            : throw new FormatException($"'{text}' is not a valid LSN; expected two hex numbers separated by '/'");
    }

    public static bool TryParse(string? text, out Lsn lsn)
    {
        if (text is null)
        {
            lsn = Invalid;
            return false;
        }

        return TryParse(text.AsSpan(), out lsn);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out Lsn lsn)
    {
        lsn = Invalid;
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash > 8 || text.Length - slash - 1 is < 1 or > 8)
        {
            return false;
        }

        if (!TryParseHex(text[..slash], out var hi) || !TryParseHex(text[(slash + 1)..], out var lo))
        {
            return false;
        }

        lsn = new Lsn(((ulong)hi << 32) | lo);
        return true;
    }

    private static bool TryParseHex(ReadOnlySpan<char> part, out uint value)
    {
        value = 0;
        foreach (var c in part)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return uint.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(uint)(Value >> 32):X}/{(uint)Value:X}");

    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    public static bool operator <(Lsn left, Lsn right) => left.Value < right.Value;
    public static bool operator >(Lsn left, Lsn right) => left.Value > right.Value;
    public static bool operator <=(Lsn left, Lsn right) => left.Value <= right.Value;
    public static bool operator >=(Lsn left, Lsn right) => left.Value >= right.Value;
}
