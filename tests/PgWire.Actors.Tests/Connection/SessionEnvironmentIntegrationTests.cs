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

    private static ConnectionSettings Resolve(Dictionary<string, string?> variables, bool anyClientEncoding = false)
    {
        variables["PGHOST"] = TestCluster.Host;
        variables["PGPORT"] = TestCluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["PGDATABASE"] = TestCluster.Database;
        variables["PGUSER"] = TestCluster.SuperUser;
        variables["PGPASSWORD"] = TestCluster.SuperUserPassword;
        variables["PGSSLMODE"] = "disable";
        return ConnectionSettings.Resolve(null, env: new VariablesEnvironment(variables), anyClientEncoding: anyClientEncoding);
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

    [ClusterFact]
    public async Task Lrepl_stays_utf8_whatever_client_encoding_the_environment_asks_for()
    {
        var variables = Environment();
        variables["PGCLIENTENCODING"] = "LATIN1";
        variables["PGOPTIONS"] = "-c client_encoding=LATIN9";
        var settings = Resolve(variables).WithStartupParameters(LreplRunner.SessionParameters);
        Assert.Equal("UTF8", settings.ClientEncoding);
        Assert.Contains(settings.Warnings, w => w.Contains("PGCLIENTENCODING", StringComparison.Ordinal));
        await using var client = await PgClient.ConnectAsync(_system, settings);
        Assert.Equal("UTF8", client.Session.Parameters["client_encoding"]);
        var observer = new CollectingObserver();
        await client.ExecuteAsync("select 'caf\u00e9', length('caf\u00e9')", observer);
        Assert.Equal(new string?[] { "caf\u00e9", "4" }, observer.Rows.Single());
    }

    [ClusterFact]
    public async Task A_connection_in_another_client_encoding_carries_its_text_byte_for_byte()
    {
        var variables = Environment();
        variables["PGCLIENTENCODING"] = "LATIN1";
        var settings = Resolve(variables, anyClientEncoding: true);
        Assert.Equal("LATIN1", settings.ClientEncoding);
        Assert.Empty(settings.Warnings);
        await using var client = await PgClient.ConnectAsync(_system, settings);
        Assert.Equal("LATIN1", client.Session.Parameters["client_encoding"]);

        // The query's é is the single byte E9; the server answers in LATIN1, the column name and error text too.
        var observer = new TextRowsObserver(PgEncoding.ByteText);
        await client.ExecuteAsync("select 'caf\u00e9' as \"n\u00e9\", length('caf\u00e9'), convert_to('\u00e9', 'UTF8')::text", observer);
        Assert.Null(observer.Error);
        Assert.Equal("n\u00e9", observer.Columns[0].Name);
        Assert.Equal(new string?[] { "caf\u00e9", "4", "\\xc3a9" }, observer.Rows.Single());

        var failing = new TextRowsObserver(PgEncoding.ByteText);
        await client.ExecuteAsync("select * from \"t\u00e9\"", failing);
        Assert.Equal("relation \"t\u00e9\" does not exist", failing.Error?.Message);

        // After SET client_encoding the connection reads and sends UTF-8 again.
        await client.ExecuteAsync("set client_encoding to utf8", new TextRowsObserver());
        var utf8 = new TextRowsObserver();
        await client.ExecuteAsync("select length('caf\u00e9'), '\u20ac' as euro", utf8);
        Assert.Equal(new string?[] { "4", "\u20ac" }, utf8.Rows.Single());
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
