using PgWire.Protocol.Auth;
using Xunit;

namespace PgWire.Protocol.Tests.Auth;

public class ScramMechanismsTests
{
    private static readonly string[] Both = [ScramMechanisms.Sha256Plus, ScramMechanisms.Sha256];
    private static readonly string[] PlainOnly = [ScramMechanisms.Sha256];
    private static readonly string[] PlusOnly = [ScramMechanisms.Sha256Plus];

    public static TheoryData<string, bool, ChannelBindingMode, string?> Cases => new()
    {
        { "both", true, ChannelBindingMode.Disable, ScramMechanisms.Sha256 },
        { "both", true, ChannelBindingMode.Prefer, ScramMechanisms.Sha256Plus },
        { "both", true, ChannelBindingMode.Require, ScramMechanisms.Sha256Plus },
        { "both", false, ChannelBindingMode.Disable, ScramMechanisms.Sha256 },
        { "both", false, ChannelBindingMode.Prefer, ScramMechanisms.Sha256 },
        { "both", false, ChannelBindingMode.Require, null },
        { "plain", true, ChannelBindingMode.Disable, ScramMechanisms.Sha256 },
        { "plain", true, ChannelBindingMode.Prefer, ScramMechanisms.Sha256 },
        { "plain", true, ChannelBindingMode.Require, null },
        { "plain", false, ChannelBindingMode.Disable, ScramMechanisms.Sha256 },
        { "plain", false, ChannelBindingMode.Prefer, ScramMechanisms.Sha256 },
        { "plain", false, ChannelBindingMode.Require, null },
        { "plus", true, ChannelBindingMode.Disable, null },
        { "plus", true, ChannelBindingMode.Prefer, ScramMechanisms.Sha256Plus },
        { "plus", true, ChannelBindingMode.Require, ScramMechanisms.Sha256Plus },
        { "plus", false, ChannelBindingMode.Disable, null },
        { "plus", false, ChannelBindingMode.Prefer, null },
        { "plus", false, ChannelBindingMode.Require, null },
        { "none", true, ChannelBindingMode.Disable, null },
        { "none", true, ChannelBindingMode.Prefer, null },
        { "none", true, ChannelBindingMode.Require, null },
        { "none", false, ChannelBindingMode.Disable, null },
        { "none", false, ChannelBindingMode.Prefer, null },
        { "none", false, ChannelBindingMode.Require, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Chooses_mechanism(string offered, bool channelBindingAvailable, ChannelBindingMode mode, string? expected)
    {
        IReadOnlyList<string> list = offered switch
        {
            "both" => Both,
            "plain" => PlainOnly,
            "plus" => PlusOnly,
            _ => ["SCRAM-SHA-1", "OAUTHBEARER"],
        };

        if (expected is null)
        {
            Assert.Throws<PgAuthenticationException>(() => ScramMechanisms.Choose(list, channelBindingAvailable, mode));
        }
        else
        {
            Assert.Equal(expected, ScramMechanisms.Choose(list, channelBindingAvailable, mode));
        }
    }

    [Fact]
    public void Empty_list_is_refused()
    {
        Assert.Throws<PgAuthenticationException>(() => ScramMechanisms.Choose([], false, ChannelBindingMode.Prefer));
    }
}
