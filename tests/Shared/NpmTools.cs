using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// Independent components from npm for the end-to-end Iceberg tests: s3rver (an S3 server),
/// icebird (an Iceberg reader) and DuckDB (@duckdb/node-api, a Parquet reader). They are
/// installed with the ordinary npm client into ${TMPDIR:-/tmp}/pgwire-npm-readers (as .ci/run
/// does); a missing node or npm, or a failed install, is a skip reason.
/// </summary>
public static class NpmTools
{
    public const string S3rverPackage = "s3rver@3.7.1";
    public const string IcebirdPackage = "icebird@0.3.1";
    public const string DuckDbPackage = "@duckdb/node-api";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string?> Installed = new(StringComparer.Ordinal);

    public static string Dir => Path.Combine(Path.GetTempPath(), "pgwire-npm-readers");

    /// <summary>Null when <paramref name="package"/> is installed (installing it first if needed), else why it cannot be.</summary>
    public static string? SkipReason(string package)
    {
        lock (Gate)
        {
            if (!Installed.TryGetValue(package, out var reason))
            {
                reason = Install(package);
                Installed[package] = reason;
            }

            return reason;
        }
    }

    private static string? Install(string package)
    {
        try
        {
            Directory.CreateDirectory(Dir);
            var name = package.StartsWith('@') ? "@" + package[1..].Split('@')[0] : package.Split('@')[0];
            if (Directory.Exists(Path.Combine(Dir, "node_modules", name)))
            {
                return null;
            }

            var (code, _, error) = Run("npm", ["install", "--no-audit", "--no-fund", "--silent", package], null, TimeSpan.FromMinutes(5));
            return code == 0 ? null : $"npm install {package} failed: " + error.Trim();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"node or npm is not installed (needed for {package}): " + e.Message;
        }
    }

    /// <summary>Runs a command in <see cref="Dir"/> with <paramref name="input"/> on stdin.</summary>
    public static (int Code, string Output, string Error) Run(string file, IEnumerable<string> args, string? input, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var p = Process.Start(start)!;
        if (input is not null)
        {
            p.StandardInput.Write(input);
        }

        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "", file + " timed out");
        }

        return (p.ExitCode, output.Result, error.Result);
    }

    /// <summary>Writes a script into <see cref="Dir"/> and runs it with node, the JSON of <paramref name="input"/> on stdin; fails the test on a non-zero exit.</summary>
    public static string RunScript(string name, string script, object input)
    {
        var path = Path.Combine(Dir, name);
        lock (Gate)
        {
            if (!File.Exists(path) || File.ReadAllText(path) != script)
            {
                File.WriteAllText(path, script);
            }
        }

        var (code, output, error) = Run("node", [name], JsonSerializer.Serialize(input), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"{name}: {error}");
        return output;
    }

    private const string IcebirdScript = """
        import { icebergRead } from 'icebird';
        import { readFile } from 'node:fs/promises';
        import { readFileSync } from 'node:fs';
        import { fileURLToPath } from 'node:url';
        const { tableUrl, metadataFileName, endpoint } = JSON.parse(readFileSync(0, 'utf8'));
        const realFetch = globalThis.fetch;
        globalThis.fetch = async (url, init) => {
          const u = String(url);
          // Local warehouses: file:// URIs and plain absolute paths are read from disk.
          if (u.startsWith('file:') || u.startsWith('/')) {
            try {
              const data = await readFile(u.startsWith('/') ? u : fileURLToPath(u));
              const headers = new Headers({ 'content-length': String(data.length) });
              return new Response(init?.method === 'HEAD' ? null : data, { status: 200, headers });
            } catch {
              return new Response(null, { status: 404 });
            }
          }
          const m = /^https:\/\/([^.\/]+)\.s3\.amazonaws\.com(\/.*)$/.exec(u);
          return realFetch(m && endpoint ? `${endpoint}/${m[1]}${m[2]}` : url, init);
        };
        const rows = await icebergRead({ tableUrl, metadataFileName });
        console.log(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? v.toString() : v));
        """;

    /// <summary>
    /// The current rows of the Iceberg table whose metadata file is <paramref name="metadataLocation"/>
    /// (as the catalog's metadata_location holds it: s3://, file:// or a local path), read by
    /// icebird; s3:// through <paramref name="s3Endpoint"/> (path style, unsigned).
    /// </summary>
    public static JsonArray IcebirdRead(string metadataLocation, string? s3Endpoint = null)
    {
        var location = metadataLocation.StartsWith('/') ? new Uri(metadataLocation).AbsoluteUri : metadataLocation;
        var marker = location.LastIndexOf("/metadata/", StringComparison.Ordinal);
        Assert.True(marker > 0, "not a metadata location: " + metadataLocation);
        var output = RunScript("icebird-read-any.mjs", IcebirdScript, new { tableUrl = location[..marker], metadataFileName = location[(marker + "/metadata/".Length)..], endpoint = s3Endpoint });
        return JsonNode.Parse(output)!.AsArray();
    }

    private const string DuckDbScript = """
        const { DuckDBInstance } = require('@duckdb/node-api');
        (async () => {
          const inst = await DuckDBInstance.create(':memory:');
          const con = await inst.connect();
          const out = {};
          for (const [name, sql] of Object.entries(JSON.parse(require('fs').readFileSync(0, 'utf8')))) {
            out[name] = (await con.runAndReadAll(sql)).getRowObjectsJson();
          }
          console.log(JSON.stringify(out));
        })().catch(e => { console.error(e.message); process.exit(1); });
        """;

    /// <summary>Runs named queries in an in-memory DuckDB; each one's rows as JSON objects.</summary>
    public static JsonObject DuckDbQuery(IReadOnlyDictionary<string, string> queries) =>
        JsonNode.Parse(RunScript("duckdb-query.js", DuckDbScript, queries))!.AsObject();
}

/// <summary>
/// s3rver on the loopback at a fixed port with a data folder of its own and one bucket. It can be
/// killed and started again on the same port and folder (an S3 outage).
/// </summary>
public sealed class S3rverProcess : IDisposable
{
    public const string Bucket = "pgwire-test";

    private const string Script = """
        const S3rver = require('s3rver');
        const { directory, port, bucket } = JSON.parse(process.argv[2]);
        new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] })
          .run()
          .then(a => console.log(JSON.stringify({ port: a.port })))
          .catch(e => { console.error(e.message); process.exit(1); });
        """;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "pgwire-s3rver-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    /// <summary>Starts s3rver on <paramref name="port"/>, or on a free port the system picks (kept for restarts).</summary>
    public S3rverProcess(int? port = null)
    {
        Port = port ?? TestCluster.FreePort();
        Directory.CreateDirectory(_data);
        Directory.CreateDirectory(NpmTools.Dir);
        File.WriteAllText(Path.Combine(NpmTools.Dir, "s3rver-start.js"), Script);
        Start();
    }

    public static string? SkipReason => NpmTools.SkipReason(NpmTools.S3rverPackage);

    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    /// <summary>KEY=value lines of an Iceberg configuration for a warehouse s3://BUCKET/<paramref name="prefix"/> here.</summary>
    public string ConfigLines(string prefix) => $"""
        WAREHOUSE=s3://{Bucket}/{prefix}
        S3_ENDPOINT={Endpoint}
        S3_ACCESS_KEY=S3RVER
        S3_SECRET_KEY=S3RVER
        S3_REGION=us-east-1
        S3_PATH_STYLE=true

        """;

    public void Start()
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NpmTools.Dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("s3rver-start.js");
        start.ArgumentList.Add(JsonSerializer.Serialize(new { directory = _data, port = Port, bucket = Bucket }));
        // s3rver's truncated listings fail on Node's newer OpenSSL without the legacy provider.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        // The port may be held a moment after a kill.
        for (var attempt = 0; ; attempt++)
        {
            var process = Process.Start(start)!;
            var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            if (line is not null)
            {
                _process = process;
                return;
            }

            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            process.Dispose();
            if (attempt >= 20)
            {
                throw new InvalidOperationException($"s3rver did not start on port {Port}: {error}");
            }

            Thread.Sleep(250);
        }
    }

    /// <summary>SIGSTOP (true) or SIGCONT (false): a server that hangs, connections open but unanswered, and one that goes on.</summary>
    public void Suspend(bool stop)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [stop ? "-STOP" : "-CONT", _process!.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL: the server is gone at once, connections reset.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}

/// <summary>A fact that needs the test cluster and npm components; skipped, with the reason, where one is missing.</summary>
public sealed class ClusterNpmFactAttribute : FactAttribute
{
    public ClusterNpmFactAttribute()
    {
        if (TestCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    public bool S3rver { get => false; init => Need(value, NpmTools.S3rverPackage); }

    public bool Icebird { get => false; init => Need(value, NpmTools.IcebirdPackage); }

    public bool DuckDb { get => false; init => Need(value, NpmTools.DuckDbPackage); }

    private void Need(bool value, string package)
    {
        if (value && Skip is null && NpmTools.SkipReason(package) is { } reason)
        {
            Skip = reason;
        }
    }
}
