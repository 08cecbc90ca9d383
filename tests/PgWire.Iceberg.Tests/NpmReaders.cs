using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace PgWire.Iceberg.Tests;

/// <summary>
/// DuckDB (npm @duckdb/node-api) as an independent Parquet reader. Installed with npm into a
/// folder under the temporary directory on first use; tests that need it are skipped, with the
/// reason, where node or npm is missing or the install fails.
/// </summary>
internal static class DuckDb
{
    private static readonly Lazy<(string? Dir, string? SkipReason)> Setup = new(() => NpmReaders.Install("@duckdb/node-api", "query.js", Script));

    public static string? SkipReason => Setup.Value.SkipReason;

    private const string Script = """
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

    /// <summary>Runs named queries; returns each one's rows as JSON objects.</summary>
    public static JsonObject Query(IReadOnlyDictionary<string, string> queries)
    {
        var dir = Setup.Value.Dir ?? throw new InvalidOperationException(SkipReason);
        var (code, output, error) = NpmReaders.Run("node", "query.js", dir, JsonSerializer.Serialize(queries));
        Assert.True(code == 0, "duckdb: " + error);
        return JsonNode.Parse(output)!.AsObject();
    }
}

/// <summary>
/// Independent readers from npm, installed into one folder under the temporary directory on
/// first use (npm install with the ordinary client); a missing node or npm, or a failed install,
/// becomes a skip reason.
/// </summary>
internal static class NpmReaders
{
    private static readonly Lock Gate = new();

    public static (string? Dir, string? SkipReason) Install(string package, string scriptName, string script)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pgwire-npm-readers");
        try
        {
            lock (Gate)
            {
                Directory.CreateDirectory(dir);
                var name = package.Split('@', StringSplitOptions.RemoveEmptyEntries)[0];
                if (!Directory.Exists(Path.Combine(dir, "node_modules", package.StartsWith('@') ? "@" + name : name)))
                {
                    var (code, _, error) = Run("npm", $"install --no-audit --no-fund --silent {package}", dir, null);
                    if (code != 0)
                    {
                        return (null, $"npm install {package} failed (an independent reader is needed): " + error.Trim());
                    }
                }

                File.WriteAllText(Path.Combine(dir, scriptName), script);
            }

            return (dir, null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"node or npm is not installed (needed for {package} as an independent reader): " + e.Message);
        }
    }

    public static (int Code, string Output, string Error) Run(string file, string args, string dir, string? input)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(start)!;
        if (input is not null)
        {
            p.StandardInput.Write(input);
        }

        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "", file + " timed out");
        }

        return (p.ExitCode, output.Result, error.Result);
    }
}

public sealed class DuckDbFactAttribute : FactAttribute
{
    public DuckDbFactAttribute()
    {
        if (DuckDb.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A test that needs both the test cluster and DuckDB: skipped, with the reason, without either.</summary>
public sealed class ClusterDuckDbFactAttribute : FactAttribute
{
    public ClusterDuckDbFactAttribute()
    {
        Skip = new PgWire.Tests.Shared.ClusterFactAttribute().Skip ?? DuckDb.SkipReason;
    }
}
