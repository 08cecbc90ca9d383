using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// icebird (npm, 0.3.1) as an independent Iceberg reader: metadata JSON, manifest list and
/// manifests (its own Avro reader), Parquet (hyparquet) and deletes. It reads through fetch, so
/// the script serves file:// locations itself.
/// </summary>
internal static class Icebird
{
    private static readonly Lazy<(string? Dir, string? SkipReason)> Setup = new(() => NpmReaders.Install("icebird@0.3.1", "icebird-read.mjs", Script));

    public static string? SkipReason => Setup.Value.SkipReason;

    private const string Script = """
        import { icebergRead } from 'icebird';
        import { readFile } from 'node:fs/promises';
        import { readFileSync } from 'node:fs';
        import { fileURLToPath } from 'node:url';
        globalThis.fetch = async (url, init) => {
          try {
            const data = await readFile(fileURLToPath(String(url)));
            const headers = new Headers({ 'content-length': String(data.length) });
            return new Response(init?.method === 'HEAD' ? null : data, { status: 200, headers });
          } catch {
            return new Response(null, { status: 404 });
          }
        };
        const { tableUrl } = JSON.parse(readFileSync(0, 'utf8'));
        const rows = await icebergRead({ tableUrl });
        console.log(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? v.toString() : v));
        """;

    private static readonly Lazy<(string? Dir, string? SkipReason)> SetupS3 = new(() => NpmReaders.Install("icebird@0.3.1", "icebird-read-s3.mjs", ScriptS3));

    /// <summary>
    /// icebird asks https://BUCKET.s3.amazonaws.com/KEY for s3:// locations; the script sends
    /// those requests to the test's S3 server instead (path style, unsigned).
    /// </summary>
    private const string ScriptS3 = """
        import { icebergRead } from 'icebird';
        import { readFileSync } from 'node:fs';
        const { tableUrl, metadataFileName, endpoint } = JSON.parse(readFileSync(0, 'utf8'));
        const realFetch = globalThis.fetch;
        globalThis.fetch = (url, init) => {
          const m = /^https:\/\/([^.\/]+)\.s3\.amazonaws\.com(\/.*)$/.exec(String(url));
          return realFetch(m ? `${endpoint}/${m[1]}${m[2]}` : url, init);
        };
        const rows = await icebergRead({ tableUrl, metadataFileName });
        console.log(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? v.toString() : v));
        """;

    /// <summary>The current snapshot's rows of the table at <paramref name="tableUrl"/> (s3://) with the metadata file <paramref name="metadataFileName"/>, read through <paramref name="endpoint"/>.</summary>
    public static JsonArray ReadS3(string tableUrl, string metadataFileName, string endpoint)
    {
        var dir = SetupS3.Value.Dir ?? throw new InvalidOperationException(SetupS3.Value.SkipReason);
        var (code, output, error) = NpmReaders.Run("node", "icebird-read-s3.mjs", dir, JsonSerializer.Serialize(new { tableUrl, metadataFileName, endpoint }));
        Assert.True(code == 0, "icebird: " + error);
        return JsonNode.Parse(output)!.AsArray();
    }

    /// <summary>The current snapshot's rows of the table at <paramref name="tableUrl"/> (file://), as icebird reads them.</summary>
    public static JsonArray Read(string tableUrl)
    {
        var dir = Setup.Value.Dir ?? throw new InvalidOperationException(SkipReason);
        var (code, output, error) = NpmReaders.Run("node", "icebird-read.mjs", dir, JsonSerializer.Serialize(new { tableUrl }));
        Assert.True(code == 0, "icebird: " + error);
        return JsonNode.Parse(output)!.AsArray();
    }
}

public sealed class IcebirdFactAttribute : FactAttribute
{
    public IcebirdFactAttribute()
    {
        if (Icebird.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

public sealed class IcebirdReadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgwire-iceberg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [IcebirdFact]
    public async Task Icebird_reads_the_rows_of_a_table_with_appends_and_key_deletes()
    {
        var url = new Uri(_dir + "/").AbsoluteUri.TrimEnd('/');
        var table = await IcebergTable.CreateAsync(new LocalFileIO(), url, TableWriteTests.Schema());
        await table.AppendAsync(Enumerable.Range(1, 6).Select(i => TableWriteTests.Row(i)).ToList());
        var updated = TableWriteTests.Row(2);
        updated[1] = "renamed";
        await table.CommitRowsAsync([updated, TableWriteTests.Row(7)], [[2L], [5L]]);
        await table.AppendAsync([TableWriteTests.Row(8)]);

        var ours = (await table.ReadAsync()).Rows.Select(r => $"{r[0]}:{r[1] ?? "null"}").Order(StringComparer.Ordinal).ToList();
        var theirs = Icebird.Read(url).Select(r => $"{r!["id"]}:{(string?)r["name"] ?? "null"}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["1:name 1 é", "2:renamed", "3:null", "4:name 4 é", "6:null", "7:name 7 é", "8:name 8 é"], ours);
        Assert.Equal(ours, theirs);
    }
}
