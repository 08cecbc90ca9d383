using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>The state journal's configuration and the actor system of a standalone run.</summary>
public static partial class LreplRunner
{
    /// <summary>
    /// An actor system of its own for a standalone run: the state journal, Akka's log in
    /// <c>lrepl.log</c>, and the JSON serializer made on first use (<see cref="DeferredJsonSerializer"/>).
    /// </summary>
    private static ActorSystem CreateSystem(LreplOptions options)
    {
        ConfigRegexes.Interpret();

        LreplErrorLog.Configure(options.LogPath, options.LogMaxBytes, options.LogKeep);
        return ActorSystem.Create("lrepl", SystemConfig(options));
    }

    /// <summary>
    /// The configuration of a standalone run's actor system, strongest first: the state journal and
    /// snapshot store lrepl reads and writes (<c>pgwire.lrepl.state</c>) and where its log goes; then
    /// the --config file's <c>akka</c> keys (<see cref="LreplOptions.SystemConfig"/>); then lrepl's
    /// defaults (Akka's log at warnings into <c>lrepl.log</c>, nothing on standard output, a 100 ms
    /// scheduler tick); then the SQL plugin's own defaults.
    /// </summary>
    public static Config SystemConfig(LreplOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pinned = ConfigurationFactory.ParseString($"""
            {PersistencePlugins(options.StateProvider, options.StateConnectionString ?? "Data Source=" + options.StatePath)}
            pgwire.lrepl.log-file = {Hocon(options.LogPath)}
            pgwire.lrepl.log-repeat-interval = {(long)options.LogRepeatInterval.TotalMilliseconds}ms
            """);
        // Akka's own log (warnings and errors, with stack traces) goes to <config-dir>/lrepl.log.
        var defaults = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            # The scheduler's clock wakes the process every tick even when nothing is due: Akka's
            # 10 ms cost an idle lrepl about 2% of a core; its timers here are 100 ms or longer.
            akka.scheduler.tick-duration = 100ms
            {{DeferredJsonSerializer.ConfigLine}}
            """);
        var config = options.SystemConfig is { } user ? pinned.WithFallback(user) : pinned;
        return config.WithFallback(defaults).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    public static Config PersistenceConfig(string statePath) => PersistenceConfig("SQLite.MS", "Data Source=" + statePath);

    /// <summary>
    /// Akka.Persistence.Sql journal and snapshot store for the options' state provider, as the default
    /// plugins: what an actor system that runs <see cref="LreplExtensions.StartLogicalReplication"/> needs.
    /// </summary>
    public static Config PersistenceConfig(LreplOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PersistenceConfig(options.StateProvider, options.StateConnectionString ?? "Data Source=" + options.StatePath);
    }

    /// <summary>A HOCON quoted string holding <paramref name="value"/>.</summary>
    private static string Hocon(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static Config PersistenceConfig(string provider, string connectionString) =>
        ConfigurationFactory.ParseString(PersistencePlugins(provider, connectionString)).WithFallback(SqlPersistence.DefaultConfiguration);

    /// <summary>The journal and snapshot store plugins on this provider and connection, as HOCON.</summary>
    private static string PersistencePlugins(string provider, string connectionString)
    {
        var cs = Hocon(connectionString);
        var pn = provider.Replace("\"", "", StringComparison.Ordinal);
        return $$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql {
              connection-string = {{cs}}
              provider-name = "{{pn}}"
              auto-initialize = on
            }
            akka.persistence.snapshot-store.sql {
              connection-string = {{cs}}
              provider-name = "{{pn}}"
              auto-initialize = on
            }
            """;
    }
}

/// <summary>Checks, before anything is created on the server, that a PostgreSQL state store answers.</summary>
public static partial class LreplRunner
{
    private static readonly (string Npgsql, string Libpq)[] StateStoreKeywords =
    [
        ("host", "host"), ("server", "host"), ("port", "port"), ("database", "dbname"), ("db", "dbname"),
        ("username", "user"), ("user id", "user"), ("userid", "user"), ("user name", "user"), ("password", "password"), ("pwd", "password"),
        ("ssl mode", "sslmode"), ("sslmode", "sslmode"), ("timeout", "connect_timeout"),
    ];

    /// <summary>
    /// For a PostgreSQL state store: connects to it and runs a query, so that a store that is down or
    /// refuses the login is one line (naming the store, never its password) before a slot or a
    /// publication exists, instead of a journal that fails once the slot has been created.
    /// </summary>
    private static async Task CheckStateStoreAsync(ActorSystem system, LreplOptions options, CancellationToken ct)
    {
        if (!options.StateProvider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(options.StateConnectionString))
        {
            return;
        }

        var keywords = new Dictionary<string, string?>(StringComparer.Ordinal) { ["connect_timeout"] = "15" };
        var builder = new System.Data.Common.DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = options.StateConnectionString;
        }
        catch (ArgumentException)
        {
            throw new LreplException("the state store's connection string (pgwire.lrepl.state.connection-string) cannot be parsed");
        }

        foreach (var (npgsql, libpq) in StateStoreKeywords)
        {
            if (builder.TryGetValue(npgsql, out var value) && value?.ToString() is { Length: > 0 } text)
            {
                keywords[libpq] = libpq == "sslmode" ? text.ToLowerInvariant() : text;
            }
        }

        var where = $"PostgreSQL at {(keywords.TryGetValue("host", out var h) ? h : "localhost")}:{(keywords.TryGetValue("port", out var p) ? p : "5432")}{(keywords.TryGetValue("dbname", out var d) ? ", database " + d : "")}";
        try
        {
            var settings = ConnectionSettings.Resolve(null, keywords, options.Environment);
            await using var client = await PgClient.ConnectAsync(system, settings, options.ConnectionOptions, ct).ConfigureAwait(false);
            await QueryAsync(client, "SELECT 1", null, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PgConnectionException or ConnectionSettingsException or LreplException)
        {
            var reason = ex.Message.Split('\n')[0].TrimEnd();
            throw new LreplException($"the state store ({where}) cannot be used, so nothing was created on the server: {reason}", ex);
        }
    }
}
