using System.Diagnostics;
using System.Globalization;
using PgWire.Host.Tests.Lrepl;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>
/// SIGINT cancels a statement even when simpsql inherits it ignored (a background command of a shell
/// without job control), as with psql, which installs its handler whatever it inherited.
/// </summary>
public sealed class IgnoredInterruptTests
{
    [ClusterFact]
    public void Sigint_cancels_the_statement_when_started_with_sigint_ignored()
    {
        const string marker = "ignored_int_sleep";
        var psi = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // trap '' INT ignores SIGINT, and exec keeps it ignored for the program.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("trap '' INT; exec \"$0\" \"$@\"");
        psi.ArgumentList.Add(LreplProcess.Executable);
        foreach (var arg in new[] { "simpsql", PseudoTerminal.Uri(TestCluster.TrustUser), "-X", "-c", $"select pg_sleep(60) as {marker};" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            SimpsqlHarness.WaitUntilRunning(marker);
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "simpsql did not end after SIGINT");
            Assert.Equal(1, process.ExitCode);
            string errors = stderr.GetAwaiter().GetResult();
            Assert.Contains("Cancel request sent", errors, StringComparison.Ordinal);
            Assert.Contains("canceling statement due to user request", errors, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                TestCluster.RunPsql("-X", "-c", $"select pg_cancel_backend(pid) from pg_stat_activity where query like '%as {marker};' and pid <> pg_backend_pid()");
            }
        }
    }
}
