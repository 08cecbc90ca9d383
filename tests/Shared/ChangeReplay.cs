using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// Replays an lrepl JSON lines data file into the rows it describes, and fails on anything a
/// correct file cannot hold: an insert (or snapshot row) of a row that exists, an update or delete
/// of a row that does not, the same change written twice, and commit LSNs going back (a
/// transaction written twice or out of order). Every test that replays a data file uses it.
/// </summary>
public static class ChangeReplay
{
    public static string Canonical(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>The replayed rows as canonical JSON, sorted; <paramref name="lines"/> is the file's line count.</summary>
    public static List<string> Rows(string path, out int lines) =>
        [.. Apply(path, out lines).Values.Select(Canonical).Order(StringComparer.Ordinal)];

    /// <summary>The replayed rows by their canonical key.</summary>
    /// <remarks>
    /// Columns missing from an update's after image (unchanged TOAST values) keep their previous
    /// values. A key is found by its canonical JSON, or else (updates and deletes only, a scan) as
    /// the row whose values equal every key column (a key of other columns than the row's insert named).
    /// </remarks>
    public static Dictionary<string, JsonObject> Apply(string path, out int lines)
    {
        var rows = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var changes = new HashSet<string>(StringComparer.Ordinal);
        var order = new LsnOrder();
        lines = 0;
        foreach (var line in File.ReadLines(path))
        {
            lines++;
            var record = JsonNode.Parse(line)!.AsObject();
            var op = (string)record["op"]!;
            var lsn = (string)record["lsn"]!;
            var key = record["key"] as JsonObject;
            if (op != "r")
            {
                order.Next(lsn, lines);
                Assert.True(changes.Add(line), $"line {lines}: the same change appears twice: {line}");
            }

            switch (op)
            {
                case "r":
                case "c":
                    {
                        Assert.True(rows.TryAdd(Canonical(key), (JsonObject)record["after"]!.DeepClone()), $"line {lines}: insert of an existing row {Canonical(key)}");
                        break;
                    }

                case "u":
                    {
                        var found = Find(rows, key!);
                        Assert.True(found is not null, $"line {lines}: update of a missing row {Canonical(key)}");
                        rows.Remove(found!, out var old);
                        var after = (JsonObject)record["after"]!.DeepClone();
                        foreach (var (name, value) in old!)
                        {
                            if (!after.ContainsKey(name))
                            {
                                after[name] = value?.DeepClone();
                            }
                        }

                        var newKey = new JsonObject();
                        foreach (var (name, _) in key!)
                        {
                            newKey[name] = after[name]?.DeepClone();
                        }

                        rows[Canonical(newKey)] = after;
                        break;
                    }

                case "d":
                    {
                        var found = Find(rows, key!);
                        Assert.True(found is not null, $"line {lines}: delete of a missing row {Canonical(key)}");
                        rows.Remove(found!);
                        break;
                    }

                case "t":
                    rows.Clear();
                    break;
                default:
                    Assert.Fail($"line {lines}: unknown op {op}");
                    break;
            }
        }

        return rows;
    }

    private static string? Find(Dictionary<string, JsonObject> rows, JsonObject key)
    {
        var canonical = Canonical(key);
        if (rows.ContainsKey(canonical))
        {
            return canonical;
        }

        foreach (var (rowKey, row) in rows)
        {
            if (key.All(k => JsonNode.DeepEquals(k.Value, row[k.Key])))
            {
                return rowKey;
            }
        }

        return null;
    }

    /// <summary>Checks that commit LSNs form contiguous, strictly increasing runs (one run per transaction).</summary>
    public sealed class LsnOrder
    {
        private ulong _last;
        private string? _lastText;

        public void Next(string lsn, int line)
        {
            if (lsn == _lastText)
            {
                return;
            }

            var value = Parse(lsn);
            Assert.True(value > _last, $"line {line}: commit {lsn} is not after {_lastText} (a transaction was written twice or out of order)");
            _last = value;
            _lastText = lsn;
        }

        private static ulong Parse(string lsn)
        {
            var slash = lsn.IndexOf('/', StringComparison.Ordinal);
            return (ulong.Parse(lsn[..slash], NumberStyles.HexNumber, CultureInfo.InvariantCulture) << 32)
                | ulong.Parse(lsn[(slash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
    }
}
