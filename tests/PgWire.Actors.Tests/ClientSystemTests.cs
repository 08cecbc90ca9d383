using Akka.Actor;
using Xunit;

namespace PgWire.Actors.Tests;

public sealed class ClientSystemTests
{
    [Fact]
    public async Task The_client_system_creates_no_json_serializer_and_refuses_to_serialize()
    {
        var system = ActorSystem.Create("client-system-test", PgWireConfig.ClientSystem);
        try
        {
            var serializer = system.Serialization.FindSerializerForType(typeof(object));
            Assert.IsType<LocalOnlySerializer>(serializer);
            var error = Assert.Throws<NotSupportedException>(() => serializer.ToBinary(new object()));
            Assert.Contains("keeps its messages in the process", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
