using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Actors.Replication;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>PGOPTIONS, PGDATESTYLE, PGTZ and PGGEQO reach the server as libpq sends them, and lrepl's own session settings still win.</summary>
public sealed class SessionEnvironmentIntegrationTests : IAsyncLifetime
{
    private const string Settings = "select current_setting('DateStyle'), current_setting('TimeZone'), current_setting('IntervalStyle'), current_setting('geqo'), current_setting('work_mem')";

    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("session-environment-tests");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private static ConnectionSettings Resolve(Dictionary<string, string?> variables)
    {
        variables["PGHOST"] = TestCluster.Host;
        variables["PGPORT"] = TestCluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["PGDATABASE"] = TestCluster.Database;
        variables["PGUSER"] = TestCluster.SuperUser;
        variables["PGPASSWORD"] = TestCluster.SuperUserPassword;
        variables["PGSSLMODE"] = "disable";
        return ConnectionSettings.Resolve(null, env: new VariablesEnvironment(variables));
    }

    private async Task<string?[]> SessionSettings(ConnectionSettings settings)
    {
        await using var client = await PgClient.ConnectAsync(_system, settings);
        var observer = new CollectingObserver();
        await client.ExecuteAsync(Settings, observer);
        return observer.Rows.Single();
    }

    private static Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["PGDATESTYLE"] = "Postgres, DMY",
        ["PGTZ"] = "PST8PDT",
        ["PGGEQO"] = "off",
        ["PGOPTIONS"] = "-c intervalstyle=postgres_verbose -c work_mem=1234kB -c timezone=Asia/Tokyo",
    };

    [ClusterFact]
    public async Task Session_environment_variables_set_the_sessions_settings()
    {
        var row = await SessionSettings(Resolve(Environment()));

        // The named startup parameters are applied after "options", so PGTZ beats -c timezone.
        Assert.Equal(new string?[] { "Postgres, DMY", "PST8PDT", "postgres_verbose", "off", "1234kB" }, row);
    }

    [ClusterFact]
    public async Task Lrepl_session_parameters_win_over_the_environment()
    {
        var row = await SessionSettings(Resolve(Environment()).WithStartupParameters(LreplRunner.SessionParameters));
        Assert.Equal(new string?[] { "ISO, MDY", "UTC", "postgres", "off", "1234kB" }, row);
    }

    private sealed class VariablesEnvironment(Dictionary<string, string?> variables) : ISettingsEnvironment
    {
        public string? GetVariable(string name) => variables.GetValueOrDefault(name);

        public string? HomeDirectory => null;

        public string? CurrentOsUser => "nobody";

        public bool IsWindows => false;

        public bool FileExists(string path) => File.Exists(path);

        public bool DirectoryExists(string path) => Directory.Exists(path);

        public string ReadAllText(string path) => File.ReadAllText(path);

        public UnixFileMode? GetMode(string path) => null;
    }
}
