using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Actors.Replication;
using PgWire.Actors.Tests.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Replication;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Replication;

public sealed class SnapshotCopierTests
{
    private static readonly Lsn At = new(0x1_0000_00A0UL);

    private static string Unescape(string copyText)
    {
        var input = Encoding.UTF8.GetBytes(copyText);
        var output = new byte[input.Length];
        var n = CopyTextJsonWriter.Unescape(input, output);
        return Encoding.UTF8.GetString(output, 0, n);
    }

    [Theory]
    [InlineData(@"plain", "plain")]
    [InlineData(@"a\tb\nc\\d\re", "a\tb\nc\\d\re")]
    [InlineData(@"\b\f\v", "\b\f\v")]
    [InlineData(@"\101\102\7x", "AB\u0007x")]
    [InlineData(@"\x41\x4a\x7", "AJ\u0007")]
    [InlineData(@"\xg", "xg")]
    [InlineData(@"\.\N\'", ".N'")]
    [InlineData(@"end\", "end\\")]
    [InlineData(@"\0101", "\u00081")]
    [InlineData("h\u00e9\u20ac\\t\U0001F600", "h\u00e9\u20ac\t\U0001F600")]
    public void Unescape_decodes_copy_text_escapes(string input, string expected) => Assert.Equal(expected, Unescape(input));

    private static ColumnInfo[] Columns() =>
    [
        new("id", 23, true),
        new("name", 25, false),
        new("amount", 1700, false),
        new("flag", 16, false),
        new("doc", 3802, false),
        new("f", 701, false),
    ];

    [Fact]
    public void Rows_are_written_like_the_change_encoder_and_may_be_split_anywhere()
    {
        var data = Encoding.UTF8.GetBytes("1\ttab\\there\t1.50\tt\t{\"a\": \"x\\\\ty\"}\tNaN\n2\t\\N\t\\N\t\\N\t\\N\t-Infinity\n3\t\\\\N\t0\tf\t[]\t2.5\n");
        using var whole = new CopyTextJsonWriter(Columns(), At);
        whole.Write(data);
        whole.Complete();
        var expected = Encoding.UTF8.GetString(whole.WrittenSpan);
        Assert.Equal(3, whole.Rows);

        var lines = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("""{"op":"r","lsn":"1/A0","xid":null,"commit_ts":null,"key":{"id":1},"before":null,"after":{"id":1,"name":"tab\there","amount":"1.50","flag":true,"doc":{"a": "x\ty"},"f":"NaN"}}""", lines[0]);
        Assert.Equal("""{"op":"r","lsn":"1/A0","xid":null,"commit_ts":null,"key":{"id":2},"before":null,"after":{"id":2,"name":null,"amount":null,"flag":null,"doc":null,"f":"-Infinity"}}""", lines[1]);
        Assert.Equal("""{"op":"r","lsn":"1/A0","xid":null,"commit_ts":null,"key":{"id":3},"before":null,"after":{"id":3,"name":"\\N","amount":"0","flag":false,"doc":[],"f":2.5}}""", lines[2]);

        for (var cut = 1; cut < data.Length; cut += 7)
        {
            using var split = new CopyTextJsonWriter(Columns(), At);
            split.Write(data.AsSpan(0, cut));
            split.Write(data.AsSpan(cut));
            split.Complete();
            Assert.Equal(expected, Encoding.UTF8.GetString(split.WrittenSpan));
        }

        foreach (var size in new[] { 1, 3 })
        {
            using var bytes = new CopyTextJsonWriter(Columns(), At);
            for (var i = 0; i < data.Length; i += size)
            {
                bytes.Write(data.AsSpan(i, Math.Min(size, data.Length - i)));
            }

            bytes.Complete();
            Assert.Equal(expected, Encoding.UTF8.GetString(bytes.WrittenSpan));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_rows_match_the_change_encoder_byte_for_byte(int seed)
    {
        // Every value shape the fast path and its fallback meet: plain ASCII, quotes, backslashes,
        // control characters, DEL, non-ASCII, NULLs, empty strings, JSON with spaces, special floats,
        // and rows long enough to take the per-value buffer path.
        var random = new Random(seed);
        ColumnInfo[] columns =
        [
            new("id", 20, true), new("t", 25, false), new("k2", 1043, true), new("b", 16, false),
            new("f", 701, false), new("j", 114, false), new("jb", 3802, false), new("n", 1700, false),
            new("sm", 21, false), new("big", 25, false),
        ];
        string[] pieces = ["a", "Z", " ", "\"", "\\", "\t", "\n", "\r", "\u0001", "\u007f", "\u00e9", "\u20ac", "\U0001F600", "{", ",", "N", "\\N", "\u2028"];
        string[] floats = ["1.5", "-0", "NaN", "Infinity", "-Infinity", "1e+300", "3"];
        string[] jsons = ["{}", " [1, 2] ", "{\"a\": \"x\\ty\"}", "\"s\"", "null", "1.25e3"];
        string RandomText(int max)
        {
            var sb = new StringBuilder();
            var length = random.Next(max);
            for (var i = 0; i < length; i++)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }

            return sb.ToString();
        }

        var copy = new StringBuilder();
        var reference = new JsonLineEncoder();
        for (var row = 0; row < 300; row++)
        {
            string?[] values =
            [
                (random.NextInt64() - (long.MaxValue / 2)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                RandomText(12),
                RandomText(5),
                random.Next(2) == 0 ? "t" : "f",
                floats[random.Next(floats.Length)],
                jsons[random.Next(jsons.Length)],
                jsons[random.Next(jsons.Length)],
                "12.50",
                "-7",
                row % 50 == 0 ? new string('x', 20_000) + RandomText(40) : "",
            ];
            for (var c = 1; c < values.Length; c++)
            {
                if (random.Next(8) == 0 && c != 2)
                {
                    values[c] = null;
                }
            }

            copy.Append(string.Join('\t', values.Select(v => v is null ? "\\N" : v.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r")))).Append('\n');
            reference.WriteSnapshotRow(columns, DataRow(values), At);
        }

        using var writer = new CopyTextJsonWriter(columns, At);
        writer.Write(Encoding.UTF8.GetBytes(copy.ToString()));
        writer.Complete();
        var expected = Encoding.UTF8.GetString(reference.WrittenSpan).Split('\n');
        var actual = Encoding.UTF8.GetString(writer.WrittenSpan).Split('\n');
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>A DataRow payload (column count, then length-prefixed text values) of the values.</summary>
    private static byte[] DataRow(string?[] values)
    {
        var output = new List<byte> { (byte)(values.Length >> 8), (byte)values.Length };
        foreach (var value in values)
        {
            var bytes = value is null ? null : Encoding.UTF8.GetBytes(value);
            var length = bytes?.Length ?? -1;
            output.AddRange([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
            output.AddRange(bytes ?? []);
        }

        return [.. output];
    }

    [Fact]
    public void Wrong_column_counts_and_torn_rows_are_errors()
    {
        using var writer = new CopyTextJsonWriter(Columns(), At);
        Assert.Throws<LreplException>(() => writer.Write("1\ta\n"u8));
        Assert.Throws<LreplException>(() => writer.Write("1\ta\t1\tt\t[]\t1\textra\n"u8));
        using var torn = new CopyTextJsonWriter(Columns(), At);
        torn.Write("1\ta\t1"u8);
        Assert.Throws<LreplException>(torn.Complete);
    }

    [Fact]
    public void Large_tables_are_split_into_ranges_that_cover_every_block()
    {
        var options = new SnapshotCopyOptions { Workers = 3, ParallelMinBlocks = 100, BlocksPerRange = 7 };
        var single = SnapshotCopier.PlanRanges(99, 150000, options, out var workers);
        Assert.Equal(1, workers);
        Assert.Equal("", Assert.Single(single).Where);

        Assert.Single(SnapshotCopier.PlanRanges(1000, 130000, options, out workers));
        Assert.Equal(1, workers);

        var ranges = SnapshotCopier.PlanRanges(100, 150000, options, out workers);
        Assert.Equal(3, workers);
        Assert.Equal(15, ranges.Count);
        Assert.Equal(" WHERE ctid < '(7,0)'::tid", ranges[0].Where);
        Assert.Equal(" WHERE ctid >= '(7,0)'::tid AND ctid < '(14,0)'::tid", ranges[1].Where);
        Assert.Equal(" WHERE ctid >= '(98,0)'::tid", ranges[^1].Where);
        Assert.Equal(" WHERE ctid >= '(98,0)'::tid AND (id > 5)", ranges[^1].WhereAnd("id > 5"));
        Assert.Equal(" WHERE (id > 5)", Assert.Single(single).WhereAnd("id > 5"));
        Assert.Equal("", Assert.Single(single).WhereAnd(null));
        for (var i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].To, ranges[i].From);
        }

        var byWorker = SnapshotCopier.PlanRanges(10_000, 150000, new SnapshotCopyOptions { Workers = 9 }, out workers);
        Assert.Equal(4, workers);
        Assert.Equal(4, byWorker.Count);
    }

    private static ConnectionSettings Settings() => ConnectionSettings.Resolve(
        $"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.SuperUser} password={TestCluster.SuperUserPassword} sslmode=disable",
        env: new EmptyEnvironment());

    private static void Psql(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
    }

    /// <summary>Encodes SELECT results with the change encoder's snapshot path: the reference output.</summary>
    private sealed class SelectEncoder(IReadOnlySet<string> keys) : IQueryObserver
    {
        private readonly JsonLineEncoder _encoder = new();
        private ColumnInfo[] _columns = [];

        public List<string> Lines { get; } = [];
        public List<PostgresErrorFields> Errors { get; } = [];

        public void OnRowDescription(RowDescription description) =>
            _columns = [.. description.Fields.Select(f => new ColumnInfo(f.Name, f.TypeOid, keys.Contains(f.Name)))];

        public void OnRow(ReadOnlySpan<byte> dataRow)
        {
            _encoder.Clear();
            _encoder.WriteSnapshotRow(_columns, dataRow, At);
            Lines.Add(Encoding.UTF8.GetString(_encoder.WrittenSpan).TrimEnd('\n'));
        }

        public void OnCommandComplete(CommandComplete complete)
        {
        }

        public void OnEmptyQuery()
        {
        }

        public void OnError(PostgresErrorFields error) => Errors.Add(error);

        public void OnNotice(PostgresErrorFields notice)
        {
        }

        public void OnCopyOutStart(CopyResponse response)
        {
        }

        public void OnCopyOutData(ReadOnlySpan<byte> data)
        {
        }

        public Task OnCopyInAsync(CopyResponse response, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed record Copied(List<string> Expected, string[] Lines, SnapshotCopyResult Result, string Dir);

    /// <summary>
    /// Exports a snapshot, lets <paramref name="afterExport"/> change the table, copies the table under
    /// the snapshot, and returns the copy with what a SELECT in the exporting transaction saw.
    /// </summary>
    private static async Task<Copied> CopyAsync(string table, SnapshotCopyOptions options, string? afterExport = null)
    {
        var system = ActorSystem.Create("snapshot-tests");
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-snap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var keys = new HashSet<string>(StringComparer.Ordinal) { "id" };
            await using var exporter = await PgClient.ConnectAsync(system, Settings());
            var export = new CollectingObserver();
            await exporter.ExecuteAsync("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_export_snapshot(), '" + table + "'::regclass::oid::int8", export);
            Assert.Empty(export.Errors);
            var snapshot = export.Rows[0][0]!;
            var oid = uint.Parse(export.Rows[0][1]!, System.Globalization.CultureInfo.InvariantCulture);
            if (afterExport is not null)
            {
                Psql(afterExport);
            }

            var path = Path.Combine(dir, table + ".data");
            File.WriteAllText(path + ".part3", "stale");
            var qualified = "public." + ReplicationCommands.QuoteIdentifier(table);
            var progress = new LreplProgress();
            var result = await SnapshotCopier.CopyAsync(system, Settings(), new SnapshotTable(qualified, oid, keys), snapshot, At, path, progress, options, CancellationToken.None);
            Assert.Equal(result.Rows, progress.SnapshotRows);

            var select = new SelectEncoder(keys);
            await exporter.ExecuteAsync("SELECT * FROM " + qualified, select);
            Assert.Empty(select.Errors);
            await exporter.ExecuteAsync("COMMIT", new CollectingObserver());

            Assert.Equal(new FileInfo(path).Length, result.Bytes);
            Assert.Equal(new[] { path }, Directory.GetFiles(dir));
            return new Copied(select.Lines, File.ReadAllLines(path), result, dir);
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(dir, true);
        }
    }

    private static void AssertSameRows(Copied copied)
    {
        Assert.Equal(copied.Expected.Count, copied.Lines.Length);
        Assert.Equal(copied.Expected.Order(StringComparer.Ordinal), copied.Lines.Order(StringComparer.Ordinal));
        Assert.Equal(copied.Result.Rows, copied.Lines.Length);
    }

    [ClusterFact]
    public async Task Snapshot_of_common_types_equals_select()
    {
        const string table = "lr_snap_types";
        Psql($$"""
            DROP TABLE IF EXISTS {{table}};
            CREATE TABLE {{table}} (id int PRIMARY KEY, i2 int2, i8 int8, o oid, n numeric, r float4, d float8, b bool, t text, v varchar(20), c char(5),
              by bytea, dt date, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb, ia int[], ta text[], ip inet, tm time, bits bit varying, pt point);
            INSERT INTO {{table}} VALUES
              (1, -32768, 9223372036854775807, 4294967295, 123456789012345678901234567890.000001, 1.5, -2.25e-300, true, 'plain', 'v', 'ab',
               '\x00015c0a09ff', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
               '{"a": [1, 2, {"b": "x\ty"}]}', '{"k": "v\\w", "n": null}', '{1,NULL,3}', '{"a b","c\"d","e\\f",NULL}', '192.168.0.1/24', '23:59:59.999999', B'1011', '(1.5,-2)'),
              (2, 0, 0, 0, 'NaN', 'Infinity', '-Infinity', false, '', '', '', '', 'infinity', '-infinity', 'infinity', '0', NULL, 'null', '[]', '{}', '{}', '::1', '00:00', B'', '(0,0)'),
              (3, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            """);
        try
        {
            var copied = await CopyAsync(table, SnapshotCopyOptions.Default);
            AssertSameRows(copied);
            Assert.Equal(1, copied.Result.Workers);
            var first = JsonNode.Parse(copied.Lines.Single(l => l.Contains("\"key\":{\"id\":1}", StringComparison.Ordinal)))!["after"]!;
            Assert.Equal(Convert.ToBase64String([0x00, 0x01, 0x5c, 0x0a, 0x09, 0xff]), (string)first["by"]!);
            Assert.Equal("x\ty", (string)first["j"]!["a"]![2]!["b"]!);
            Assert.Equal("v\\w", (string)first["jb"]!["k"]!);
            Assert.Equal(["a b", "c\"d", "e\\f", null], first["ta"]!.AsArray().Select(e => (string?)e));
            Assert.Equal("[1,null,3]", first["ia"]!.ToJsonString());
            Assert.Equal("2024-01-02T03:04:05.123456", (string)first["ts"]!);
            Assert.Equal(9223372036854775807L, (long)first["i8"]!);
            var second = JsonNode.Parse(copied.Lines.Single(l => l.Contains("\"key\":{\"id\":2}", StringComparison.Ordinal)))!["after"]!;
            Assert.Equal("", (string)second["by"]!);
            Assert.Equal("-infinity", (string)second["ts"]!);
            Assert.Equal("[]", second["ia"]!.ToJsonString());
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {table}");
        }
    }

    [ClusterFact]
    public async Task Escapes_unicode_and_nulls_round_trip()
    {
        const string table = "lr_snap_escapes";
        Psql($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (id int PRIMARY KEY, t text, "odd ""col""	name" text);
            INSERT INTO {table} VALUES
              (1, E'tab\there\nnew line\r\nback\\slash \\N \\t', 'x'),
              (2, E'\\N', NULL),
              (3, NULL, ''),
              (4, 'héllo wörld € 日本語 😀', E'\b\f\x0b\x01\x7f'),
              (5, E'trailing backslash \\', E'\t'),
              (6, repeat(E'a\tb\\', 5000), 'long');
            """);
        try
        {
            var copied = await CopyAsync(table, SnapshotCopyOptions.Default);
            AssertSameRows(copied);
            var rows = copied.Lines.Select(l => JsonNode.Parse(l)!["after"]!).ToDictionary(a => (int)a["id"]!);
            Assert.Equal("tab\there\nnew line\r\nback\\slash \\N \\t", (string)rows[1]["t"]!);
            Assert.Equal("\\N", (string)rows[2]["t"]!);
            Assert.Null(rows[2]["odd \"col\"\tname"]);
            Assert.True(rows[2].AsObject().ContainsKey("odd \"col\"\tname"));
            Assert.Null(rows[3]["t"]);
            Assert.Equal("", (string)rows[3]["odd \"col\"\tname"]!);
            Assert.Equal("héllo wörld € 日本語 😀", (string)rows[4]["t"]!);
            Assert.Equal("\b\f\v\u0001\u007f", (string)rows[4]["odd \"col\"\tname"]!);
            Assert.Equal("trailing backslash \\", (string)rows[5]["t"]!);
            Assert.Equal(string.Concat(Enumerable.Repeat("a\tb\\", 5000)), (string)rows[6]["t"]!);
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {table}");
        }
    }

    [ClusterFact]
    public async Task A_table_truncated_after_the_snapshot_was_exported_is_refused_not_copied_empty()
    {
        // TRUNCATE is not MVCC-safe: under the exported snapshot the refilled table reads empty,
        // and the rows the snapshot should hold come neither from the copy nor from the stream.
        const string table = "lr_snap_truncated";
        Psql($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, ts timestamptz, flag bool);
            INSERT INTO {table} SELECT g, 'old', g, now(), true FROM generate_series(1, 500) g;
            """);
        try
        {
            var ex = await Assert.ThrowsAsync<LreplException>(() => CopyAsync(table, SnapshotCopyOptions.Default, afterExport: $"BEGIN; TRUNCATE {table}; INSERT INTO {table} SELECT g, 'new', g, now(), true FROM generate_series(1001, 1100) g; COMMIT"));
            Assert.Contains("truncated or rewritten", ex.Message, StringComparison.Ordinal);

            // A new snapshot cures it: the run takes one by itself.
            Assert.True(ex.RetakeSnapshot);
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {table}");
        }
    }

    [ClusterFact]
    public async Task Many_ctid_ranges_copied_in_parallel_see_only_the_exported_snapshot_in_order()
    {
        const string table = "lr_snap_ranges";
        Psql($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric, ts timestamptz, flag bool);
            INSERT INTO {table} SELECT g, md5(g::text) || E'\t' || g, g * 1.5, '2024-01-01'::timestamptz + g * interval '1 minute', g % 2 = 0 FROM generate_series(1, 20000) g;
            """);
        try
        {
            var options = new SnapshotCopyOptions { Workers = 3, ParallelMinBlocks = 2, BlocksPerRange = 9 };
            var copied = await CopyAsync(table, options, afterExport: $"DELETE FROM {table} WHERE id % 7 = 0; INSERT INTO {table} SELECT g, 'late', 0, now(), true FROM generate_series(20001, 23000) g; UPDATE {table} SET name = 'changed' WHERE id < 100");
            AssertSameRows(copied);
            Assert.Equal(20000, copied.Lines.Length);
            Assert.Equal(3, copied.Result.Workers);
            Assert.True(copied.Result.Ranges >= 10, "ranges: " + copied.Result.Ranges);
            Assert.DoesNotContain(copied.Lines, l => l.Contains("late", StringComparison.Ordinal) || l.Contains("changed", StringComparison.Ordinal));
            var ids = copied.Lines.Select(l => (int)JsonNode.Parse(l)!["key"]!["id"]!).ToList();
            Assert.Equal(Enumerable.Range(1, 20000), ids);
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {table}");
        }
    }

    [ClusterFact]
    public async Task Empty_table_gives_an_empty_file()
    {
        const string table = "lr_snap_empty";
        Psql($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY, name text)");
        try
        {
            var copied = await CopyAsync(table, new SnapshotCopyOptions { Workers = 4, ParallelMinBlocks = 0 });
            Assert.Empty(copied.Lines);
            Assert.Equal(0, copied.Result.Rows);
            Assert.Equal(0, copied.Result.Bytes);
        }
        finally
        {
            Psql($"DROP TABLE IF EXISTS {table}");
        }
    }
}
