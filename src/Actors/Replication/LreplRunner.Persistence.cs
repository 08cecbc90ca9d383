using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace PgWire.Actors.Replication;

/// <summary>The state journal's configuration and the actor system of a standalone run.</summary>
public static partial class LreplRunner
{
    /// <summary>An actor system of its own for a standalone run: the state journal, and Akka's log in <c>lrepl.log</c>.</summary>
    private static ActorSystem CreateSystem(LreplOptions options)
    {
        // Akka's own log (warnings and errors, with stack traces) goes to <config-dir>/lrepl.log.
        var own = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            akka.loggers = ["{{typeof(LreplFileLogger).AssemblyQualifiedName}}"]
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            pgwire.lrepl.log-file = {{Hocon(options.LogPath)}}
            """);
        return ActorSystem.Create("lrepl", own.WithFallback(PersistenceConfig(options)));
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

    private static Config PersistenceConfig(string provider, string connectionString)
    {
        var cs = Hocon(connectionString);
        var pn = provider.Replace("\"", "", StringComparison.Ordinal);
        var hocon = $$"""
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
        return ConfigurationFactory.ParseString(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
    }
}
