using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Lrepl;

/// <summary>What the stop tests need around a real server: SQL, waits, and the signal with its budget.</summary>
internal static class StopScenarios
{
    /// <summary>How long a run may take to end after SIGTERM or SIGINT.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public static void RunSql(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
    }

    public static string Scalar(string sql)
    {
        var (code, stdout, stderr) = TestCluster.RunPsql("-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-c", sql);
        Assert.True(code == 0, $"psql failed: {stdout} {stderr}");
        return stdout.Trim();
    }

    public static void Cleanup(string table)
    {
        TestCluster.RunPsql("-X", "-q", "-c", $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{table}_slot' AND NOT active");
        TestCluster.RunPsql("-X", "-q", "-c", $"DROP PUBLICATION IF EXISTS {table}_pub; DROP TABLE IF EXISTS {table}");
    }

    public static string NewDir(string table)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lrepl-" + table + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; false on timeout or when the process ends first.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, LreplProcess? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            if (process is { HasExited: true })
            {
                return condition();
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>Whether some socket of this machine is in SYN-SENT towards 127.0.0.1:<paramref name="port"/> (from /proc/net/tcp).</summary>
    public static bool ConnectPending(int port)
    {
        var remote = "0100007F:" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[2] == remote && f[3] == "02");
    }

    /// <summary>Sends the signal, waits for the exit and checks it came within <see cref="Budget"/>, with status 0 and the stop message.</summary>
    public static async Task<TimeSpan> StopAsync(LreplProcess process, string signal, string phase)
    {
        Assert.False(process.HasExited, $"{phase}: lrepl ended before the signal:\n{process.Stderr}");
        var watch = Stopwatch.StartNew();
        process.Signal(signal);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var elapsed = watch.Elapsed;
        Assert.True(elapsed <= Budget, $"{phase}: SIG{signal} took {elapsed.TotalSeconds:0.00} s to end the run (budget {Budget.TotalSeconds} s); stderr:\n{process.Stderr}");
        Assert.True(code == 0, $"{phase}: SIG{signal} gave exit status {code}; stderr:\n{process.Stderr}");
        Assert.Contains("stopped", process.Stderr, StringComparison.Ordinal);

        // The command's last guard (leaving a run behind after 4 s) must not be what ended it.
        Assert.DoesNotContain("without waiting for the run", process.Stderr, StringComparison.Ordinal);
        return elapsed;
    }

    /// <summary>Text of <c>lrepl.log</c> in <paramref name="dir"/>, empty when there is none yet.</summary>
    public static string Log(string dir)
    {
        var path = Path.Combine(dir, "lrepl.log");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}

/// <summary>A psql session kept open (its standard input stays open) to hold a transaction, a lock or an xid.</summary>
internal sealed class HeldSession : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private int _marks;

    public HeldSession()
    {
        var psi = new ProcessStartInfo(TestCluster.FindPsql())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture), "-U", TestCluster.SuperUser, "-d", TestCluster.Database })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["PGPASSWORD"] = TestCluster.SuperUserPassword;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.Append(e.Data).Append('\n');
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.Append(e.Data).Append('\n');
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs <paramref name="sql"/> and waits until psql has done it; returns what the session printed so far.</summary>
    public async Task<string> RunAsync(string sql)
    {
        var mark = "held-session-mark-" + ++_marks;
        await _process.StandardInput.WriteLineAsync(sql);
        await _process.StandardInput.WriteLineAsync("\\echo " + mark);
        await _process.StandardInput.FlushAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            lock (_stdout)
            {
                if (_stdout.ToString().Contains(mark, StringComparison.Ordinal))
                {
                    return _stdout.ToString();
                }
            }

            Assert.False(_process.HasExited, "the held psql session ended: " + _stdout);
            await Task.Delay(50);
        }

        Assert.Fail("the held psql session did not answer: " + _stdout);
        return "";
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>pg_recvlogical streaming from a slot, which keeps the slot active for as long as it runs.</summary>
internal sealed class SlotHolder : IDisposable
{
    private readonly Process _process;
    private readonly string _slot;

    public SlotHolder(string slot, string publication)
    {
        _slot = slot;
        var bin = TestCluster.BinDir ?? Path.GetDirectoryName(TestCluster.FindPsql())!;
        var psi = new ProcessStartInfo(Path.Combine(bin, "pg_recvlogical"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-h", TestCluster.Host, "-p", TestCluster.Port.ToString(CultureInfo.InvariantCulture), "-U", TestCluster.SuperUser, "-d", TestCluster.Database,
            "--slot", slot, "--start", "-f", "/dev/null", "-o", "proto_version=1", "-o", "publication_names=" + publication, "--no-loop",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["PGPASSWORD"] = TestCluster.SuperUserPassword;
        _process = Process.Start(psi)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Waits until the server reports the slot active.</summary>
    public async Task WaitActiveAsync()
    {
        var active = await StopScenarios.WaitUntilAsync(() => StopScenarios.Scalar($"SELECT active FROM pg_replication_slots WHERE slot_name = '{_slot}'") == "t", TimeSpan.FromSeconds(30));
        Assert.True(active, $"pg_recvlogical did not make slot {_slot} active");
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>A TCP listener that accepts connections and never says a word: a server that hangs.</summary>
internal sealed class SilentServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }
}

/// <summary>
/// A listening socket whose accept queue is full (it never accepts, and its queue was filled by
/// connections of its own): the kernel drops every further SYN, so a connect to it neither
/// succeeds nor fails, as with a blackholed address.
/// </summary>
internal sealed class BlackholeListener : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _fillers = [];

    public BlackholeListener()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
        for (var i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                filler.ConnectAsync(_listener.LocalEndPoint!, timeout.Token).AsTask().GetAwaiter().GetResult();
                _fillers.Add(filler);
            }
            catch (OperationCanceledException)
            {
                // The queue is full: this SYN was dropped.
                filler.Dispose();
                return;
            }
        }

        throw new InvalidOperationException("could not fill the accept queue");
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}
