using Akka.Configuration;
using PgWire.Actors.Connection;

namespace PgWire.Actors;

/// <summary>Loads the embedded reference.conf and reads the pgwire section from a configuration.</summary>
public static class PgWireConfig
{
    private static readonly Lazy<Config> Reference = new(LoadReference);

    /// <summary>
    /// The actor system of a short-lived client (<c>pgwire simpsql</c>): local actors only, nothing
    /// logged, and nothing that makes start-up or shutdown wait. Without loggers no logger actor is
    /// started (the system's start waits for each logger to answer); coordinated shutdown has no
    /// tasks here, so it neither runs its phases on <c>Terminate</c> nor hooks process exit.
    /// <see cref="PgClient"/> runs its connection actor on the calling thread
    /// (<see cref="CallingThreadExecutorConfigurator"/>): a statement then needs no thread hand-off
    /// between the caller, the actor and the socket.
    /// </summary>
    public static Config ClientSystem => ConfigurationFactory.ParseString("""
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          loggers = []
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          coordinated-shutdown {
            run-by-clr-shutdown-hook = off
            run-by-actor-system-terminate = off
          }
          # Messages never leave the process: no JSON serializer to load (see LocalOnlySerializer).
          actor.serializers.json = "PgWire.Actors.LocalOnlySerializer, PgWire.Actors"
        }
        """ + "\n" + CallingThreadExecutorConfigurator.DispatcherConfig);

    /// <summary>The embedded defaults (hocon/reference.conf).</summary>
    public static Config Default => Reference.Value;

    /// <summary>Parses a HOCON file and falls back to the defaults for every missing key.</summary>
    public static Config Load(string? path) =>
        path is null ? Default : Parse(path).WithFallback(Default);

    /// <summary>A HOCON file as written, without the defaults.</summary>
    public static Config Parse(string path) => ConfigurationFactory.ParseString(File.ReadAllText(path));

    /// <summary>
    /// The <c>pgwire.connection</c> keys of <paramref name="config"/> (missing keys keep the defaults
    /// of <see cref="Connection.ConnectionOptions.Default"/>), checked for sane values.
    /// </summary>
    /// <exception cref="ArgumentException">A key holds a value out of range.</exception>
    public static ConnectionOptions ConnectionOptions(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = Connection.ConnectionOptions.Default;
        var section = config.GetConfig("pgwire.connection");
        if (section is null || section.IsEmpty)
        {
            return defaults;
        }

        var bufferSize = section.GetByteSize("receive-buffer-size") ?? defaults.ReceiveBufferSize;
        var unacked = section.GetInt("max-unacked-batches", defaults.MaxUnackedBatches);
        var maxMessage = section.GetByteSize("max-message-length") ?? defaults.MaxMessageLength;
        if (bufferSize is < 1024 or > int.MaxValue)
        {
            throw new ArgumentException("pgwire.connection.receive-buffer-size must be between 1 KiB and 2 GiB");
        }

        if (unacked < 1)
        {
            throw new ArgumentException("pgwire.connection.max-unacked-batches must be at least 1");
        }

        if (maxMessage is < 1024 or > 1073741823)
        {
            throw new ArgumentException("pgwire.connection.max-message-length must be between 1 KiB and 1073741823 bytes");
        }

        return new ConnectionOptions
        {
            ReceiveBufferSize = (int)bufferSize,
            MaxUnackedBatches = unacked,
            MaxMessageLength = (int)maxMessage,
        };
    }

    private static Config LoadReference()
    {
        using var stream = typeof(PgWireConfig).Assembly.GetManifestResourceStream("PgWire.reference.conf")
            ?? throw new InvalidOperationException("embedded reference.conf is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
