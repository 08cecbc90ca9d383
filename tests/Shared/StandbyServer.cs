using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace PgWire.Tests.Shared;

/// <summary>
/// A hot standby of the test cluster: <c>pg_basebackup -R</c> into a temporary directory, started on a
/// free port of its own, stopped and removed on dispose. Use it as a class fixture
/// (<c>IClassFixture&lt;StandbyServer&gt;</c>) so one standby serves a whole test class, and mark the
/// tests <see cref="StandbyFactAttribute"/> so they are skipped, with the reason, where it cannot be made.
/// Run as root, the files belong to the postgres OS user and its commands run as that user, as
/// scripts/pg-test-cluster.sh does.
/// </summary>
public sealed class StandbyServer : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private readonly string? _dir;

    public StandbyServer()
    {
        if (StandbyFactAttribute.SkipReason is not null)
        {
            return;
        }

        var bin = BinDir!;
        _dir = RunAsOwner("mktemp", "-d", "/tmp/pgwire-standby.XXXXXX").Trim();
        DataDir = Path.Combine(_dir, "data");
        Port = FreePort();
        try
        {
            RunAsOwner(
                Path.Combine(bin, "pg_basebackup"),
                ["-h", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture), "-U", TestCluster.SuperUser,
                 "-D", DataDir, "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
                new Dictionary<string, string> { ["PGPASSWORD"] = TestCluster.SuperUserPassword });
            RunAsOwner(
                Path.Combine(bin, "pg_ctl"),
                ["start", "-D", DataDir, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
                 // Tests create tablespaces in place (inside the primary's data directory, the only
                 // kind a standby on the same machine can share): replaying their creation needs this.
                 "-o", $"-p {Port} -k {_dir} -c hot_standby=on -c allow_in_place_tablespaces=on"]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The TCP port the standby listens on (on the test cluster's addresses).</summary>
    public int Port { get; }

    /// <summary>Its data directory.</summary>
    public string? DataDir { get; }

    /// <summary>Where its unix-domain socket is.</summary>
    public string? SocketDir => _dir;

    private static string? BinDir =>
        TestCluster.BinDir is { } bin && File.Exists(Path.Combine(bin, "pg_basebackup")) ? bin : null;

    private static bool IsRoot => Environment.UserName == "root";

    public void Dispose()
    {
        if (_dir is null)
        {
            return;
        }

        if (DataDir is not null && File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            try
            {
                RunAsOwner(Path.Combine(BinDir!, "pg_ctl"), ["stop", "-D", DataDir, "-m", "immediate", "-w"]);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RunAsOwner(string program, params string[] args) => RunAsOwner(program, args, null);

    private static string RunAsOwner(string program, string[] args, IReadOnlyDictionary<string, string>? env)
    {
        var psi = IsRoot
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", program } }
            : new ProcessStartInfo(program);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = "/";
        if (env is not null)
        {
            foreach (var (key, value) in env)
            {
                psi.Environment[key] = value;
            }
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not finish within {CommandTimeout}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }

        return stdout.Result;
    }

    /// <summary>Why no standby can be made here, or null.</summary>
    internal static string? ComputeSkipReason() =>
        TestCluster.SkipReason
        ?? (BinDir is null
            ? "pg_basebackup not found in PGWIRE_TEST_BINDIR: no standby server can be made, standby test not run"
            : null);
}

/// <summary>A fact that needs <see cref="StandbyServer"/>: skipped, with the reason, where no standby can be made.</summary>
public sealed class StandbyFactAttribute : FactAttribute
{
    internal static readonly string? SkipReason = StandbyServer.ComputeSkipReason();

    public StandbyFactAttribute()
    {
        if (SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
