using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace PgWire.Actors.Replication;

/// <summary>
/// Akka's JSON serializer (<see cref="NewtonSoftJsonSerializer"/>, which writes lrepl's state
/// journal), made when it first serializes or deserializes instead of when the actor system starts:
/// Akka creates every configured serializer at start-up, and this one loads Newtonsoft.Json, LINQ
/// expressions and the formatters, a good part of the system's start, which a first run waits for
/// before it connects. The journal starts once the snapshot copy is under way and uses it then. It
/// answers to the JSON serializer's identifier and manifest rule, so what it writes is what Akka's
/// would, and the journal reads what either wrote.
/// </summary>
public sealed class DeferredJsonSerializer : Serializer
{
    /// <summary>The identifier of Akka's JSON serializer (akka.actor.serialization-identifiers).</summary>
    internal const int JsonIdentifier = 1;

    private readonly Lazy<NewtonSoftJsonSerializer> _json;

    public DeferredJsonSerializer(ExtendedActorSystem system)
        : base(system) =>
        _json = new(() => new NewtonSoftJsonSerializer(system), LazyThreadSafetyMode.ExecutionAndPublication);

    public DeferredJsonSerializer(ExtendedActorSystem system, Config config)
        : base(system) =>
        _json = new(() => new NewtonSoftJsonSerializer(system, config), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The HOCON line that puts it in place of Akka's JSON serializer.</summary>
    internal static string ConfigLine => $"akka.actor.serializers.json = \"{typeof(DeferredJsonSerializer).FullName}, {typeof(DeferredJsonSerializer).Assembly.GetName().Name}\"";

    public override int Identifier => JsonIdentifier;

    /// <summary>As Akka's JSON serializer: the type goes inside the JSON, not beside it.</summary>
    public override bool IncludeManifest => false;

    /// <summary>Whether the JSON serializer has been made (for tests).</summary>
    internal bool Created => _json.IsValueCreated;

    public override byte[] ToBinary(object obj) => _json.Value.ToBinary(obj);

    public override object FromBinary(byte[] bytes, Type type) => _json.Value.FromBinary(bytes, type);
}
