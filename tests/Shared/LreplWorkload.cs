using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// A seeded random workload on a table (id int PRIMARY KEY, v text, n bigint, note text):
/// inserts, updates (some changing the key), deletes, occasional truncates, transactions of
/// mixed size, some rolled back. No key is touched twice in one transaction, so every change
/// line of a transaction has a distinct (op, key).
/// </summary>
public sealed class LreplWorkload
{
    private static readonly string[] Texts = ["plain", "", "it's", "a,b", "say \"hi\"", "line\nbreak", "tab\there", "ünï€ode", "  spaced  ", "\\back"];

    private readonly string _table;
    private readonly Random _random;
    private readonly HashSet<int> _ids = [];
    private int _nextId = 1;

    public LreplWorkload(string table, int seed)
    {
        _table = table;
        _random = new Random(seed);
    }

    /// <summary>Change lines the committed transactions produced; only exact while <see cref="Exact"/>.</summary>
    public long Changes { get; private set; }

    /// <summary>Committed updates that changed the key (a CSV file writes each as a delete and an insert); exact while <see cref="Exact"/>.</summary>
    public long KeyChanges { get; private set; }

    /// <summary>False once a batch failed half way (e.g. during a server restart).</summary>
    public bool Exact { get; private set; } = true;

    public int Transactions { get; private set; }

    public int Batches { get; private set; }

    public int FailedBatches { get; private set; }

    public int RowCount => _ids.Count;

    /// <summary>How likely a transaction begins with TRUNCATE.</summary>
    public double TruncateChance { get; init; } = 0.02;

    public string CreateSql(int initialRows)
    {
        var sql = new StringBuilder($"CREATE TABLE {_table} (id int PRIMARY KEY, v text, n bigint, note text);");
        if (initialRows > 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {_table} SELECT g, 'init' || g, g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, {initialRows}) g;");
        }

        for (var i = 1; i <= initialRows; i++)
        {
            _ids.Add(i);
        }

        _nextId = initialRows + 1;
        return sql.ToString();
    }

    /// <summary>Runs one batch of transactions through psql; on failure the model is reloaded from the table.</summary>
    public bool RunBatch(int transactions, double sleepSeconds)
    {
        var ids = new HashSet<int>(_ids);
        var nextId = _nextId;
        long changes = 0;
        long keyChanges = 0;
        var script = new StringBuilder();
        for (var t = 0; t < transactions; t++)
        {
            var txnIds = new HashSet<int>(ids);
            var txnNext = nextId;
            var touched = new HashSet<int>();
            var rollback = _random.NextDouble() < 0.1;
            var size = _random.NextDouble() < 0.1 ? _random.Next(30, 120) : _random.Next(1, 8);
            long txnChanges = 0;
            long txnKeyChanges = 0;
            script.Append("BEGIN;\n");
            if (_random.NextDouble() < TruncateChance)
            {
                script.Append(CultureInfo.InvariantCulture, $"TRUNCATE {_table};\n");
                txnIds.Clear();
                txnChanges++;
            }

            for (var i = 0; i < size; i++)
            {
                var candidates = txnIds.Where(id => !touched.Contains(id)).ToArray();
                var r = _random.NextDouble();
                if (candidates.Length == 0 || r < 0.4)
                {
                    var id = txnNext++;
                    script.Append(CultureInfo.InvariantCulture, $"INSERT INTO {_table} VALUES ({id}, {Literal()}, {_random.Next()}, {NullableLiteral()});\n");
                    txnIds.Add(id);
                    touched.Add(id);
                }
                else if (r < 0.65)
                {
                    var id = candidates[_random.Next(candidates.Length)];
                    script.Append(CultureInfo.InvariantCulture, $"UPDATE {_table} SET v = {Literal()}, n = n + 1, note = {NullableLiteral()} WHERE id = {id};\n");
                    touched.Add(id);
                }
                else if (r < 0.8)
                {
                    var id = candidates[_random.Next(candidates.Length)];
                    var newId = txnNext++;
                    script.Append(CultureInfo.InvariantCulture, $"UPDATE {_table} SET id = {newId}, v = {Literal()} WHERE id = {id};\n");
                    txnIds.Remove(id);
                    txnIds.Add(newId);
                    touched.Add(id);
                    touched.Add(newId);
                    txnKeyChanges++;
                }
                else
                {
                    var id = candidates[_random.Next(candidates.Length)];
                    script.Append(CultureInfo.InvariantCulture, $"DELETE FROM {_table} WHERE id = {id};\n");
                    txnIds.Remove(id);
                    touched.Add(id);
                }

                txnChanges++;
            }

            script.Append(rollback ? "ROLLBACK;\n" : "COMMIT;\n");
            nextId = txnNext;
            if (!rollback)
            {
                ids = txnIds;
                changes += txnChanges;
                keyChanges += txnKeyChanges;
            }

            if (sleepSeconds > 0)
            {
                script.Append(CultureInfo.InvariantCulture, $"SELECT pg_sleep({sleepSeconds});\n");
            }
        }

        Batches++;
        var (code, _, _) = TestCluster.RunPsql(new PsqlOptions { Input = script.ToString(), Timeout = TimeSpan.FromSeconds(60) }, "-X", "-q", "-v", "ON_ERROR_STOP=1");
        if (code != 0)
        {
            FailedBatches++;
            Exact = false;
            _nextId = nextId + 1000;
            Reload();
            return false;
        }

        _ids.Clear();
        _ids.UnionWith(ids);
        _nextId = nextId;
        Changes += changes;
        KeyChanges += keyChanges;
        Transactions += transactions;
        return true;
    }

    /// <summary>One transaction that truncates the table and inserts <paramref name="rows"/> new rows.</summary>
    public void TruncateAndRefill(int rows)
    {
        var script = new StringBuilder($"BEGIN; TRUNCATE {_table};\n");
        for (var i = 0; i < rows; i++)
        {
            script.Append(CultureInfo.InvariantCulture, $"INSERT INTO {_table} VALUES ({_nextId + i}, {Literal()}, {_random.Next()}, {NullableLiteral()});\n");
        }

        script.Append("COMMIT;\n");
        var (code, _, stderr) = TestCluster.RunPsql(new PsqlOptions { Input = script.ToString(), Timeout = TimeSpan.FromSeconds(60) }, "-X", "-q", "-v", "ON_ERROR_STOP=1");
        Assert.True(code == 0, stderr);
        _ids.Clear();
        _ids.UnionWith(Enumerable.Range(_nextId, rows));
        _nextId += rows;
        Changes += rows + 1;
        Transactions++;
    }

    private void Reload()
    {
        var (code, stdout, _) = TestCluster.RunPsql("-X", "-q", "-tA", "-c", $"SELECT id FROM {_table}");
        if (code != 0)
        {
            return;
        }

        _ids.Clear();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            _ids.Add(int.Parse(line, CultureInfo.InvariantCulture));
        }

        if (_ids.Count > 0)
        {
            _nextId = Math.Max(_nextId, _ids.Max() + 1);
        }
    }

    private string Literal() => "'" + Texts[_random.Next(Texts.Length)].Replace("'", "''", StringComparison.Ordinal) + _random.Next(1000).ToString(CultureInfo.InvariantCulture) + "'";

    private string NullableLiteral() => _random.NextDouble() < 0.3 ? "NULL" : Literal();

    /// <summary>The table's rows as canonical JSON objects, sorted.</summary>
    public static List<string> TableRows(string table)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", $"SELECT row_to_json(t)::text FROM {table} t");
        Assert.True(code == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Canonical(JsonNode.Parse(l))).Order(StringComparer.Ordinal)];
    }

    public static string Canonical(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>The rows a data file replays to (see <see cref="ChangeReplay"/>, which fails on a doubled or missing change).</summary>
    public static List<string> ReplayJson(string path, out int lines) => ChangeReplay.Rows(path, out lines);
}
