using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace PgWire.Actors.Tests;

public class ConfigRegexesTests
{
    [Fact]
    public void Durations_are_read_as_before_through_the_interpreted_expression()
    {
        ConfigRegexes.Interpret();
        ConfigRegexes.Interpret();
        Assert.True(ConfigRegexes.DurationsInterpreted);

        var config = ConfigurationFactory.ParseString("""
            a = 250ms
            b = 3 seconds
            c = 2m
            d = infinite
            e = 1.5h
            g = 7d
            h = 100
            """);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("a"));
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("b"));
        Assert.Equal(TimeSpan.FromMinutes(2), config.GetTimeSpan("c"));
        Assert.Equal(Timeout.InfiniteTimeSpan, config.GetTimeSpan("d"));
        Assert.Equal(TimeSpan.FromMinutes(90), config.GetTimeSpan("e"));
        Assert.Equal(TimeSpan.FromDays(7), config.GetTimeSpan("g"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("h"));
        Assert.ThrowsAny<Exception>(() => ConfigurationFactory.ParseString("x = -5s").GetTimeSpan("x"));

        // An actor system reads its settings' durations through it.
        using var system = ActorSystem.Create("config-regexes", "akka.actor.creation-timeout = 4s\nakka.stdout-loglevel = OFF\nakka.loglevel = OFF");
        Assert.Equal(TimeSpan.FromSeconds(4), system.Settings.CreationTimeout);
    }
}
