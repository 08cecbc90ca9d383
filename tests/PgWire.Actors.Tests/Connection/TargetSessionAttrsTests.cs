using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Connection;

/// <summary>target_session_attrs and load_balance_hosts against the test cluster (a primary) and a hot standby of it.</summary>
public sealed class TargetSessionAttrsTests : IClassFixture<StandbyServer>, IAsyncLifetime
{
    private readonly StandbyServer _standby;
    private ActorSystem _system = null!;

    public TargetSessionAttrsTests(StandbyServer standby)
    {
        _standby = standby;
    }

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("target-session-tests");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private int Primary => TestCluster.Port;

    private int Standby => _standby.Port;

    private static ConnectionSettings Settings(string ports, string extra) =>
        ConnectionSettings.Resolve(
            $"host={string.Join(',', ports.Split(',').Select(_ => TestCluster.Host))} port={ports} dbname={TestCluster.Database} " +
            $"user={TestCluster.SuperUser} password={TestCluster.SuperUserPassword} sslmode=disable connect_timeout=10 {extra}",
            env: new EmptyEnvironment());

    private async Task<int> ConnectedPort(string ports, string extra)
    {
        await using var client = await PgClient.ConnectAsync(_system, Settings(ports, extra));
        var observer = new CollectingObserver();
        await client.ExecuteAsync("SELECT pg_catalog.pg_is_in_recovery()", observer);
        var inRecovery = observer.Rows.Single()[0] == "t";
        Assert.Equal(client.Session.Port == Standby, inRecovery);
        return client.Session.Port;
    }

    private async Task<string> Refused(string ports, string extra)
    {
        var error = await Assert.ThrowsAsync<PgConnectionException>(() => PgClient.ConnectAsync(_system, Settings(ports, extra)));
        return error.Message;
    }

    [StandbyFact]
    public async Task Each_attribute_picks_the_server_that_fits()
    {
        var both = $"{Primary},{Standby}";
        var reversed = $"{Standby},{Primary}";
        Assert.Equal(Primary, await ConnectedPort(both, "target_session_attrs=any"));
        Assert.Equal(Standby, await ConnectedPort(reversed, "target_session_attrs=any"));
        Assert.Equal(Primary, await ConnectedPort(reversed, "target_session_attrs=read-write"));
        Assert.Equal(Primary, await ConnectedPort(reversed, "target_session_attrs=primary"));
        Assert.Equal(Standby, await ConnectedPort(both, "target_session_attrs=read-only"));
        Assert.Equal(Standby, await ConnectedPort(both, "target_session_attrs=standby"));
        Assert.Equal(Standby, await ConnectedPort(both, "target_session_attrs=prefer-standby"));
    }

    [StandbyFact]
    public async Task Prefer_standby_takes_any_server_when_no_standby_answers()
    {
        Assert.Equal(Primary, await ConnectedPort($"{Primary}", "target_session_attrs=prefer-standby"));
        Assert.Equal(Primary, await ConnectedPort($"{Primary},{Primary}", "target_session_attrs=prefer-standby"));
    }

    [StandbyFact]
    public async Task A_primary_whose_sessions_are_read_only_is_not_read_write()
    {
        var extra = "options='-c default_transaction_read_only=on'";
        // default_transaction_read_only makes the primary's sessions read-only, which is what read-only asks for.
        Assert.Equal(Primary, await ConnectedPort($"{Primary},{Standby}", $"target_session_attrs=read-only {extra}"));
        var message = await Refused($"{Primary}", $"target_session_attrs=read-write {extra}");
        Assert.Equal($"connection to server at \"{TestCluster.Host}\", port {Primary} failed: session is read-only", message);
    }

    [StandbyFact]
    public async Task No_fitting_server_gives_each_hosts_reason()
    {
        Assert.Equal(
            $"connection to server at \"{TestCluster.Host}\", port {Standby} failed: server is in hot standby mode",
            await Refused($"{Standby}", "target_session_attrs=primary"));
        Assert.Equal(
            $"connection to server at \"{TestCluster.Host}\", port {Standby} failed: session is read-only",
            await Refused($"{Standby}", "target_session_attrs=read-write"));
        Assert.Equal(
            $"connection to server at \"{TestCluster.Host}\", port {Primary} failed: server is not in hot standby mode\n" +
            $"connection to server at \"{TestCluster.Host}\", port {Primary} failed: server is not in hot standby mode",
            await Refused($"{Primary},{Primary}", "target_session_attrs=standby"));
        Assert.Equal(
            $"connection to server at \"{TestCluster.Host}\", port {Primary} failed: session is not read-only",
            await Refused($"{Primary}", "target_session_attrs=read-only"));
    }

    [StandbyFact]
    public async Task Random_load_balancing_reaches_every_host_and_disable_keeps_the_order()
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 24 && seen.Count < 2; i++)
        {
            seen.Add(await ConnectedPort($"{Primary},{Standby}", "load_balance_hosts=random"));
        }

        Assert.Equal(new[] { Primary, Standby }.Order(), seen.Order());
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Primary, await ConnectedPort($"{Primary},{Standby}", "load_balance_hosts=disable"));
        }

        // The attribute is checked whatever the order.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(Standby, await ConnectedPort($"{Primary},{Standby}", "load_balance_hosts=random target_session_attrs=standby"));
        }
    }
}
