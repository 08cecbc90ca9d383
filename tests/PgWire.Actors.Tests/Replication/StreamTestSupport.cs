using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

/// <summary>Runs lrepl against the test cluster and compares a replayed data file with the table.</summary>
internal static class StreamTestSupport
{
    public static Dictionary<string, string?> Connection() => new(StringComparer.Ordinal)
    {
        ["host"] = TestCluster.Host,
        ["port"] = TestCluster.Port.ToString(CultureInfo.InvariantCulture),
        ["dbname"] = TestCluster.Database,
        ["user"] = TestCluster.SuperUser,
        ["password"] = TestCluster.SuperUserPassword,
        ["sslmode"] = "disable",
    };

    /// <summary>
    /// One test's table, publication, slot and config directory: the server objects are dropped when
    /// it is made and again, with the directory, when it is disposed.
    /// </summary>
    public sealed class Scratch : IDisposable
    {
        public Scratch(string table, string? publication = null, string? slot = null)
        {
            Table = table;
            Publication = publication ?? table + "_pub";
            Slot = slot ?? table + "_slot";
            Cleanup(Table, Publication, Slot);
            Dir = NewDir();
        }

        public string Table { get; }

        public string Publication { get; }

        public string Slot { get; }

        public string Dir { get; }

        public string DataPath => Path.Combine(Dir, Table + ".data");

        public void Deconstruct(out string table, out string publication, out string slot, out string dir, out string dataPath) =>
            (table, publication, slot, dir, dataPath) = (Table, Publication, Slot, Dir, DataPath);

        public void Dispose()
        {
            Cleanup(Table, Publication, Slot);
            Directory.Delete(Dir, true);
        }
    }

    public static string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrs-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Psql(string sql, TimeSpan? timeout = null)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql(new PsqlOptions { Input = sql, Timeout = timeout ?? TimeSpan.FromSeconds(300) }, "-v", "ON_ERROR_STOP=1", "-X", "-q");
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
    }

    public static string Scalar(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
        return stdout.Trim();
    }

    /// <summary>
    /// Waits until the replayed file holds the JSON objects <paramref name="expectedQuery"/> returns, one
    /// per row, and, when <paramref name="lines"/> is given, has that many lines. A workload whose last
    /// changes cancel out (an insert and then a delete of the same row) gives the table's rows one step
    /// early: only the line count says that those changes are in the file too.
    /// </summary>
    public static async Task WaitForReplayAsync(string expectedQuery, string path, int? lines = null)
    {
        var expected = Scalar(expectedQuery).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ChangeReplay.Canonical(System.Text.Json.Nodes.JsonNode.Parse(l))).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> actual = [];
        var count = 0;
        while (DateTime.UtcNow < deadline)
        {
            // The rows the file replays to (see ChangeReplay), and its lines.
            actual = File.Exists(path) ? ChangeReplay.Rows(path, out count) : [];
            if (actual.SequenceEqual(expected) && (lines is null || count == lines))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Equal(expected, actual);
        if (lines is { } n)
        {
            Assert.Equal(n, count);
        }
    }

    public static void Cleanup(string table, string publication, string slot)
    {
        // A connection that just closed may hold the slot a moment longer: its walsender is asked to end and the drop tried again.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{slot}' AND active_pid IS NOT NULL");
            TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{slot}'");
            if (TestCluster.RunPsql("-X", "-tA", "-c", $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'").Stdout.Trim() == "0")
            {
                break;
            }

            Thread.Sleep(250);
        }

        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {publication}; DROP TABLE IF EXISTS {table}");
    }

    /// <summary>
    /// A StringWriter that can be read while the run writes to it: every write and ToString take
    /// the same lock (TextWriter.Synchronized locks its wrapper, not the StringBuilder underneath).
    /// </summary>
    public sealed class LockedStringWriter : StringWriter
    {
        private readonly object _gate = new();

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return base.ToString();
            }
        }
    }

    public sealed class Run
    {
        public required Task<LreplProgress> Task { get; init; }
        public required CancellationTokenSource Cts { get; init; }
        public required StringWriter Log { get; init; }

        public async Task<LreplProgress> StopAsync()
        {
            await Cts.CancelAsync();
            return await Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    public static async Task<Run> StartAsync(string table, string publication, string dir, int? protocolVersion = null, int spillThreshold = 16 << 20, CancellationToken abort = default, string? slot = null, bool binary = true, Dictionary<string, string?>? connection = null, Func<LreplOptions, LreplOptions>? configure = null)
    {
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new LockedStringWriter();
        var cts = new CancellationTokenSource();
        var options = new LreplOptions(connection ?? Connection(), table, publication, dir)
        {
            CreatePublication = true,
            Environment = new EmptyEnvironment(),
            Log = TextWriter.Synchronized(log),
            ProgressInterval = TimeSpan.FromSeconds(1),
            OnStreaming = () => streaming.TrySetResult(),
            ProtocolVersion = protocolVersion,
            SpillThreshold = spillThreshold,
            Abort = abort,
            Slot = slot,
            Binary = binary,
        };
        options = configure?.Invoke(options) ?? options;
        var task = System.Threading.Tasks.Task.Run(() => LreplRunner.RunAsync(options, cts.Token));
        var first = await System.Threading.Tasks.Task.WhenAny(streaming.Task, task, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(60)));
        if (first == task)
        {
            await task;
        }

        Assert.True(streaming.Task.IsCompleted, "streaming did not start: " + log);
        return new Run { Task = task, Cts = cts, Log = log };
    }

    /// <summary>Current columns of a table: name and type OID, in order.</summary>
    public static List<(string Name, uint Type)> Columns(string table) =>
        [.. Scalar($"SELECT attname || ' ' || atttypid FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Select(p => (p[0], uint.Parse(p[1], CultureInfo.InvariantCulture)))];

    /// <summary>The table's rows keyed by id, each rendered from the text output of its columns the way the encoder renders values.</summary>
    public static SortedDictionary<long, string> Expected(string table, List<(string Name, uint Type)> columns)
    {
        var select = string.Join(", ", columns.Select(c => $"\"{c.Name}\"::text"));
        // The session settings lrepl forces on its own connections, so values print alike.
        var text = Scalar($"SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SELECT json_build_array({select}) FROM {table}");
        var rows = new SortedDictionary<long, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var values = JsonNode.Parse(line)!.AsArray();
            var row = new JsonObject();
            for (var i = 0; i < columns.Count; i++)
            {
                var value = (string?)values[i];
                row[columns[i].Name] = value is null ? null : Render(columns[i].Type, value);
            }

            rows[(long)row["id"]!] = row.ToJsonString();
        }

        return rows;
    }

    private static JsonNode? Render(uint type, string text)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonLineEncoder.WriteTextValue(writer, type, Encoding.UTF8.GetBytes(text));
        }

        return JsonNode.Parse(buffer.WrittenSpan);
    }

    /// <summary>
    /// The rows the file replays to (see <see cref="ChangeReplay"/>), by their "id" column and
    /// projected onto <paramref name="columns"/>.
    /// </summary>
    public static SortedDictionary<long, string> Replay(string path, List<(string Name, uint Type)> columns)
    {
        var result = new SortedDictionary<long, string>();
        foreach (var row in ChangeReplay.Apply(path, out _).Values)
        {
            var projected = new JsonObject();
            foreach (var (name, _) in columns)
            {
                projected[name] = row[name]?.DeepClone();
            }

            result[(long)row["id"]!] = projected.ToJsonString();
        }

        return result;
    }

    public static async Task WaitForMatchAsync(string table, string path, TimeSpan? timeout = null)
    {
        var columns = Columns(table);
        var expected = Expected(table, columns);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        SortedDictionary<long, string> actual = [];
        while (DateTime.UtcNow < deadline)
        {
            actual = File.Exists(path) ? Replay(path, columns) : [];
            if (actual.Count == expected.Count && actual.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(500);
        }

        var missing = expected.Where(e => !actual.TryGetValue(e.Key, out var a) || a != e.Value).Take(3).Select(e => $"{e.Key}: expected {Truncate(e.Value)} got {Truncate(actual.GetValueOrDefault(e.Key))}");
        var extra = actual.Keys.Except(expected.Keys).Take(5);
        Assert.Fail($"file does not match the table ({expected.Count} rows expected, {actual.Count} replayed); {string.Join("; ", missing)}; extra ids {string.Join(",", extra)}");
    }

    private static string Truncate(string? s) => s is null ? "(none)" : s.Length > 400 ? s[..400] + "..." : s;
}
