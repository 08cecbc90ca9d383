using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Host.Tests;

public class ClusterSmokeTests
{
    [ClusterFact]
    public void Psql_runs_against_the_test_cluster()
    {
        var (exitCode, stdout, stderr) = TestCluster.RunPsql("-X", "-A", "-t", "-c", "select 1");

        Assert.True(exitCode == 0, $"psql exited with {exitCode}: {stderr}");
        Assert.Equal("1\n", stdout);
    }
}
