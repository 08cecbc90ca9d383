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
    private static readonly Lazy<(string? Dir, string? SkipReason)> Setup = new(Install);

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
        var (code, output, error) = Run("node", "query.js", dir, JsonSerializer.Serialize(queries));
        Assert.True(code == 0, "duckdb: " + error);
        return JsonNode.Parse(output)!.AsObject();
    }

    private static (string? Dir, string? SkipReason) Install()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pgwire-duckdb-node");
        try
        {
            Directory.CreateDirectory(dir);
            if (!Directory.Exists(Path.Combine(dir, "node_modules", "@duckdb", "node-api")))
            {
                var (code, _, error) = Run("npm", "install --no-audit --no-fund --silent @duckdb/node-api", dir, null);
                if (code != 0)
                {
                    return (null, "npm install @duckdb/node-api failed (an independent Parquet reader is needed): " + error.Trim());
                }
            }

            File.WriteAllText(Path.Combine(dir, "query.js"), Script);
            return (dir, null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, "node or npm is not installed (needed for DuckDB as an independent Parquet reader): " + e.Message);
        }
    }

    private static (int Code, string Output, string Error) Run(string file, string args, string dir, string? input)
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
