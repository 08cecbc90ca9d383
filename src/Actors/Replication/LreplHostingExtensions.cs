using Akka.Hosting;

namespace PgWire.Actors.Replication;

/// <summary>Akka.Hosting registration of <c>lrepl</c> pipelines.</summary>
public static class LreplHostingExtensions
{
    /// <summary>
    /// Uses the options' state store (SQLite at <see cref="LreplOptions.StatePath"/> unless
    /// <see cref="LreplOptions.StateConnectionString"/> says otherwise) as the system's Akka.Persistence
    /// journal and snapshot store. Leave it out when the application configures persistence itself.
    /// </summary>
    public static AkkaConfigurationBuilder WithLreplPersistence(this AkkaConfigurationBuilder builder, LreplOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.ConfigDir);
        return builder.AddHocon(LreplRunner.PersistenceConfig(options), HoconAddMode.Prepend);
    }

    /// <summary>
    /// Starts the pipeline for one table once the actor system is up (see
    /// <see cref="LreplExtensions.StartLogicalReplication"/>); it stops cleanly with the system.
    /// The system needs a journal and snapshot store: add <see cref="WithLreplPersistence"/> or configure
    /// <c>akka.persistence</c> yourself. <paramref name="started"/> receives the handle.
    /// </summary>
    public static AkkaConfigurationBuilder WithLogicalReplication(this AkkaConfigurationBuilder builder, LreplOptions options, Action<LreplHandle>? started = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.AddStartup((system, _) =>
        {
            var handle = system.StartLogicalReplication(options);
            started?.Invoke(handle);
        });
    }
}
