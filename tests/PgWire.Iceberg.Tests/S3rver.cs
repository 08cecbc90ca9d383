using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// s3rver (npm, 3.7.1), a small S3 server on the loopback, started once for the tests that use it
/// with one bucket and a data folder of its own; stopped when they are done. Installed like the
/// readers (<see cref="NpmReaders"/>); tests are skipped, with the reason, where it cannot be.
/// The port: PGWIRE_TEST_S3RVER_PORT, else one the system picks.
/// </summary>
public sealed class S3rver : IDisposable
{
    public const string Bucket = "pgwire-test";

    private static readonly Lazy<(string? Dir, string? SkipReason)> Setup = new(() => NpmReaders.Install("s3rver@3.7.1", "s3rver-start.js", Script));

    public static string? SkipReason => Setup.Value.SkipReason;

    private const string Script = """
        const S3rver = require('s3rver');
        const { directory, port, bucket } = JSON.parse(process.argv[2]);
        new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] })
          .run()
          .then(a => console.log(JSON.stringify({ port: a.port })))
          .catch(e => { console.error(e.message); process.exit(1); });
        """;

    private readonly Process? _process;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "pgwire-s3rver-" + Guid.NewGuid().ToString("N"));

    public S3rver()
    {
        if (Setup.Value.Dir is not { } dir)
        {
            return;
        }

        Directory.CreateDirectory(_data);
        var port = int.TryParse(Environment.GetEnvironmentVariable("PGWIRE_TEST_S3RVER_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : FreePort();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("s3rver-start.js");
        start.ArgumentList.Add(JsonSerializer.Serialize(new { directory = _data, port, bucket = Bucket }));
        // s3rver's truncated listings fail on Node's newer OpenSSL without the legacy provider.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _process = Process.Start(start)!;
        var line = _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null)
        {
            throw new InvalidOperationException("s3rver did not start: " + _process.StandardError.ReadToEnd());
        }

        Endpoint = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{(int)JsonNode.Parse(line)!["port"]!}");
    }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Endpoint { get; } = "";

    /// <summary>s3rver takes any credentials (it does not check signatures).</summary>
    public S3Settings Settings => new() { Endpoint = Endpoint, AccessKey = "S3RVER", SecretKey = "S3RVER", Region = "us-east-1", PathStyle = true };

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is not null)
        {
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
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}

[CollectionDefinition(nameof(S3rver))]
public sealed class S3rverCollection : ICollectionFixture<S3rver>;

/// <summary>A fact that needs s3rver; skipped, with the reason, where node, npm or the package is missing.</summary>
public sealed class S3rverFactAttribute : FactAttribute
{
    public S3rverFactAttribute()
    {
        if (S3rver.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>The test also reads with icebird: skipped, with the reason, without it.</summary>
    public bool NeedsIcebird
    {
        get => false;
        init
        {
            if (value && Skip is null && Icebird.SkipReason is { } reason)
            {
                Skip = reason;
            }
        }
    }
}
