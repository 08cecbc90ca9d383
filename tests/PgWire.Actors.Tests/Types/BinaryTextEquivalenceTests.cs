using System.Buffers;
using System.Text;
using PgWire.Protocol.Types;
using PgWire.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Actors.Tests.Types;

/// <summary>
/// Asks the real server for the same values in text and in binary, in one session with the
/// settings the replication sessions force, and checks that formatting the binary form gives the
/// server's text byte for byte.
/// </summary>
public sealed class BinaryTextEquivalenceTests : IClassFixture<BinaryTextSession>
{
    private const int MaxReported = 15;

    private readonly BinaryTextSession _session;
    private readonly ITestOutputHelper _output;

    public BinaryTextEquivalenceTests(BinaryTextSession session, ITestOutputHelper output)
    {
        _session = session;
        _output = output;
    }

    public static IEnumerable<object[]> CaseNames => BinaryTextCases.Names;

    [ClusterTheory]
    [MemberData(nameof(CaseNames))]
    public async Task Binary_values_format_exactly_like_the_server_text_output(string caseName)
    {
        var c = BinaryTextCases.Get(caseName);
        var parameters = c.Parameter is null ? Array.Empty<string?>() : [c.Parameter];
        var failures = new List<string>();

        // The values as they are.
        await SeedAsync(c);
        var (compared, scalar) = await CompareAsync(caseName, $"WITH s(v) AS MATERIALIZED ({c.Sql}) SELECT v, v FROM s", parameters, 1, failures);
        Assert.True(compared >= c.MinRows, $"{caseName}: only {compared} values were compared, expected at least {c.MinRows}");

        // The same values as elements: next to a NULL, and in a 2x2 array with lower bounds -1 and 5.
        if (!scalar.IsArray)
        {
            await SeedAsync(c);
            var (elements, _) = await CompareAsync(
                caseName + " (arrays)",
                $"WITH s(v) AS MATERIALIZED ({c.Sql}) SELECT a, b, a, b FROM (SELECT ARRAY[v, NULL, v] AS a, array_fill(v, ARRAY[2, 2], ARRAY[-1, 5]) AS b FROM s) t",
                parameters,
                2,
                failures);
            Assert.True(elements >= 2 * c.MinRows, $"{caseName}: only {elements} arrays were compared");
            _output.WriteLine($"{caseName}: {compared} values and {elements} arrays compared");
        }
        else
        {
            _output.WriteLine($"{caseName}: {compared} values compared");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatch(es):\n" + string.Join("\n", failures.Take(MaxReported)));
    }

    [ClusterFact]
    public async Task The_session_runs_with_the_forced_settings()
    {
        var rows = await _session.RunAsync("SELECT current_setting('DateStyle'), current_setting('IntervalStyle'), current_setting('TimeZone'), current_setting('extra_float_digits'), current_setting('bytea_output'), current_setting('client_encoding'), current_setting('server_encoding')");
        Assert.Equal(new string?[] { "ISO, MDY", "postgres", "UTC", "1", "hex", "UTF8", "UTF8" }, rows.Rows.Single());
    }

    [ClusterFact]
    public async Task The_catalog_from_pg_type_resolves_enums_domains_and_their_arrays()
    {
        var rows = await _session.RunAsync("""
            SELECT t.oid, t.typarray FROM pg_type t
            WHERE t.oid IN ('pg_temp.mood'::regtype, 'pg_temp.posint'::regtype, 'pg_temp.label2'::regtype, 'pg_temp.intlist'::regtype)
            ORDER BY t.typname
            """);

        // In name order: intlist (a domain over int4[], whose own array type is not supported), label2, mood, posint.
        Assert.Equal(4, rows.Rows.Count);
        foreach (var row in rows.Rows)
        {
            Assert.True(BinaryTextFormatter.CanFormat(uint.Parse(row[0]!), _session.Catalog), $"type {row[0]}");
            Assert.True(BinaryTextFormatter.CanFormat(uint.Parse(row[1]!), _session.Catalog) == (row != rows.Rows[0]), $"array type {row[1]}");
        }

        Assert.False(BinaryTextFormatter.CanFormat(uint.Parse(rows.Rows[0][0]!)), "a domain needs the catalog");
    }

    [ClusterFact]
    public async Task Types_without_a_conversion_are_reported_as_unsupported()
    {
        var rows = await _session.RunAsync("""
            SELECT t.oid FROM pg_type t WHERE t.oid IN (
                'money'::regtype, 'point'::regtype, 'int4range'::regtype, 'int2vector'::regtype, 'oidvector'::regtype,
                'regclass'::regtype, 'bit'::regtype, 'varbit'::regtype, 'tsvector'::regtype, 'record'::regtype, '_money'::regtype,
                '_int4range'::regtype, '_point'::regtype, 'pg_class'::regtype, '_pg_class'::regtype)
            """);
        Assert.Equal(15, rows.Rows.Count);
        foreach (var row in rows.Rows)
        {
            Assert.False(BinaryTextFormatter.CanFormat(uint.Parse(row[0]!), _session.Catalog), $"type {row[0]}");
        }
    }

    private async Task SeedAsync(EquivalenceCase c)
    {
        if (c.Seeded)
        {
            await _session.RunAsync("SELECT setseed(0.4242)");
        }
    }

    /// <summary>Compares every (text, binary) pair; returns how many non-null values were compared.</summary>
    private async Task<(int Compared, BinaryColumnType FirstType)> CompareAsync(string label, string sql, IReadOnlyList<string?> parameters, int columns, List<string> failures)
    {
        var result = await _session.FetchPairedAsync(sql, parameters, columns);
        Assert.Equal(2 * columns, result.Fields.Count);
        var types = new BinaryColumnType[columns];
        for (var c = 0; c < columns; c++)
        {
            var field = result.Fields[columns + c];
            Assert.Equal(1, field.FormatCode);
            Assert.Equal(0, result.Fields[c].FormatCode);
            Assert.True(BinaryTextFormatter.TryResolve(field.TypeOid, _session.Catalog, out types[c]), $"{label}: type OID {field.TypeOid} is not supported");
        }

        var output = new ArrayBufferWriter<byte>();
        var compared = 0;
        foreach (var row in result.Rows)
        {
            for (var c = 0; c < columns; c++)
            {
                var (text, binary) = row[c];
                if (text is null || binary is null)
                {
                    if (text is not null || binary is not null)
                    {
                        failures.Add($"{label}: NULL in one format only");
                    }

                    continue;
                }

                compared++;
                output.ResetWrittenCount();
                try
                {
                    BinaryTextFormatter.Format(types[c], binary, output);
                }
                catch (Exception ex)
                {
                    failures.Add($"{label}: '{Show(text)}' from {Convert.ToHexString(binary)} threw {ex.GetType().Name}: {ex.Message}");
                    continue;
                }

                if (!output.WrittenSpan.SequenceEqual(text))
                {
                    failures.Add($"{label}: server '{Show(text)}' but formatted '{Show(output.WrittenSpan)}' from {Convert.ToHexString(binary)}");
                }
            }
        }

        return (compared, types[0]);
    }

    private static string Show(ReadOnlySpan<byte> bytes) =>
        bytes.Length > 200 ? Encoding.UTF8.GetString(bytes[..200]) + $"... ({bytes.Length} bytes)" : Encoding.UTF8.GetString(bytes);
}
