using System.Text;

namespace PgWire.Protocol.Auth;

/// <summary>
/// SASLprep (RFC 4013) of a password before it is used in SCRAM, as PostgreSQL applies it.
/// </summary>
public static class SaslPrep
{
    private const int HangulSBase = 0xAC00;
    private const int HangulLBase = 0x1100;
    private const int HangulVBase = 0x1161;
    private const int HangulTBase = 0x11A7;
    private const int HangulLCount = 19;
    private const int HangulVCount = 21;
    private const int HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount;
    private const int HangulSCount = HangulLCount * HangulNCount;

    /// <summary>
    /// Prepares <paramref name="password"/>: characters of RFC 3454 table B.1 are removed, non-ASCII
    /// spaces (C.1.2) become U+0020, the result is NFKC-normalized, and then checked for prohibited
    /// characters (C.1.2, C.2.1, C.2.2, C.3 to C.9), unassigned code points (A.1) and the
    /// bidirectional rules of RFC 3454 section 6.
    /// </summary>
    /// <remarks>
    /// Passwords are stored strings, and PostgreSQL does not reject them when SASLprep fails. Like
    /// libpq and the server, this method then returns the original password unchanged, so both sides
    /// derive the same key. A password of only ASCII characters is also returned unchanged.
    /// The Unicode data is built in, so the result does not depend on ICU or invariant-globalization mode.
    /// </remarks>
    public static string Prepare(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (Ascii.IsValid(password))
        {
            return password;
        }

        var mapped = new List<int>(password.Length);
        for (int i = 0; i < password.Length; i++)
        {
            char c = password[i];
            int cp;
            if (char.IsHighSurrogate(c) && i + 1 < password.Length && char.IsLowSurrogate(password[i + 1]))
            {
                cp = char.ConvertToUtf32(c, password[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return password;
            }
            else
            {
                cp = c;
            }

            if (InRanges(SaslPrepTables.MappedToNothing, cp))
            {
                continue;
            }

            mapped.Add(InRanges(SaslPrepTables.NonAsciiSpace, cp) ? ' ' : cp);
        }

        List<int> normalized = NormalizeKc(mapped);

        bool hasRandAL = false;
        bool hasL = false;
        foreach (int cp in normalized)
        {
            if (InRanges(SaslPrepTables.Prohibited, cp) || InRanges(SaslPrepTables.Unassigned, cp))
            {
                return password;
            }

            hasRandAL |= InRanges(SaslPrepTables.RandALCat, cp);
            hasL |= InRanges(SaslPrepTables.LCat, cp);
        }

        if (hasRandAL)
        {
            if (hasL
                || !InRanges(SaslPrepTables.RandALCat, normalized[0])
                || !InRanges(SaslPrepTables.RandALCat, normalized[^1]))
            {
                return password;
            }
        }

        var result = new StringBuilder(normalized.Count);
        foreach (int cp in normalized)
        {
            result.Append(char.ConvertFromUtf32(cp));
        }

        return result.ToString();
    }

    /// <summary>Unicode normalization form KC of a sequence of code points (UAX #15).</summary>
    internal static List<int> NormalizeKc(IReadOnlyList<int> codePoints)
    {
        var buffer = new List<int>(codePoints.Count + 8);
        foreach (int cp in codePoints)
        {
            Decompose(cp, buffer);
        }

        ReorderCanonically(buffer);
        Compose(buffer);
        return buffer;
    }

    private static void Decompose(int cp, List<int> output)
    {
        int sIndex = cp - HangulSBase;
        if (sIndex >= 0 && sIndex < HangulSCount)
        {
            output.Add(HangulLBase + sIndex / HangulNCount);
            output.Add(HangulVBase + sIndex % HangulNCount / HangulTCount);
            int t = sIndex % HangulTCount;
            if (t != 0)
            {
                output.Add(HangulTBase + t);
            }

            return;
        }

        ReadOnlySpan<int> singles = SaslPrepTables.SingleDecomposition;
        int lo = 0;
        int hi = singles.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int start = singles[mid * 3];
            if (cp < start)
            {
                hi = mid - 1;
            }
            else if (cp >= start + singles[mid * 3 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                output.Add(singles[mid * 3 + 2] + (cp - start));
                return;
            }
        }

        int index = SaslPrepTables.MultiDecompositionKeys.BinarySearch(cp);
        if (index >= 0)
        {
            ReadOnlySpan<int> offsets = SaslPrepTables.MultiDecompositionOffsets;
            foreach (int d in SaslPrepTables.MultiDecompositionData[offsets[index]..offsets[index + 1]])
            {
                output.Add(d);
            }

            return;
        }

        output.Add(cp);
    }

    private static void ReorderCanonically(List<int> buffer)
    {
        for (int i = 1; i < buffer.Count; i++)
        {
            int cp = buffer[i];
            int cc = CombiningClass(cp);
            if (cc == 0)
            {
                continue;
            }

            int j = i;
            while (j > 0 && CombiningClass(buffer[j - 1]) > cc)
            {
                buffer[j] = buffer[j - 1];
                j--;
            }

            buffer[j] = cp;
        }
    }

    private static void Compose(List<int> buffer)
    {
        if (buffer.Count == 0)
        {
            return;
        }

        int starterPos = 0;
        int starter = buffer[0];
        int lastClass = CombiningClass(starter) == 0 ? 0 : 256;
        int write = 1;
        for (int read = 1; read < buffer.Count; read++)
        {
            int cp = buffer[read];
            int cc = CombiningClass(cp);
            if ((lastClass < cc || lastClass == 0) && TryComposePair(starter, cp, out int composite))
            {
                buffer[starterPos] = composite;
                starter = composite;
                continue;
            }

            if (cc == 0)
            {
                starterPos = write;
                starter = cp;
            }

            lastClass = cc;
            buffer[write++] = cp;
        }

        buffer.RemoveRange(write, buffer.Count - write);
    }

    private static bool TryComposePair(int first, int second, out int composite)
    {
        int lIndex = first - HangulLBase;
        if (lIndex >= 0 && lIndex < HangulLCount)
        {
            int vIndex = second - HangulVBase;
            if (vIndex >= 0 && vIndex < HangulVCount)
            {
                composite = HangulSBase + (lIndex * HangulVCount + vIndex) * HangulTCount;
                return true;
            }
        }

        int sIndex = first - HangulSBase;
        if (sIndex >= 0 && sIndex < HangulSCount && sIndex % HangulTCount == 0)
        {
            int tIndex = second - HangulTBase;
            if (tIndex > 0 && tIndex < HangulTCount)
            {
                composite = first + tIndex;
                return true;
            }
        }

        return CompositionMap.Pairs.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static int CombiningClass(int cp)
    {
        if (cp < 0x300)
        {
            return 0;
        }

        ReadOnlySpan<int> table = SaslPrepTables.CombiningClass;
        int lo = 0;
        int hi = table.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < table[mid * 3])
            {
                hi = mid - 1;
            }
            else if (cp > table[mid * 3 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return table[mid * 3 + 2];
            }
        }

        return 0;
    }

    private static bool InRanges(ReadOnlySpan<int> ranges, int cp)
    {
        int lo = 0;
        int hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[mid * 2])
            {
                hi = mid - 1;
            }
            else if (cp > ranges[mid * 2 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    private static class CompositionMap
    {
        internal static readonly Dictionary<long, int> Pairs = Build();

        private static Dictionary<long, int> Build()
        {
            ReadOnlySpan<int> triples = SaslPrepTables.Compositions;
            var map = new Dictionary<long, int>(triples.Length / 3);
            for (int i = 0; i < triples.Length; i += 3)
            {
                map.Add(((long)triples[i] << 21) | (uint)triples[i + 1], triples[i + 2]);
            }

            return map;
        }
    }
}
