using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace PgWire.Actors;

/// <summary>
/// Stands in for Akka's JSON serializer in an actor system whose messages never leave the process
/// (simpsql's): Akka creates every configured serializer at start-up, and the JSON one loads
/// Newtonsoft.Json, LINQ expressions and the formatters, a good part of a client's start-up.
/// Serializing with it is a programming error and says so.
/// </summary>
public sealed class LocalOnlySerializer : Serializer
{
    public LocalOnlySerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public LocalOnlySerializer(ExtendedActorSystem system, Config config)
        : base(system)
    {
        _ = config;
    }

    public override int Identifier => 1;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new NotSupportedException($"{obj?.GetType().Name} would be serialized, but this actor system keeps its messages in the process");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new NotSupportedException($"a {type?.Name} would be deserialized, but this actor system keeps its messages in the process");
}
