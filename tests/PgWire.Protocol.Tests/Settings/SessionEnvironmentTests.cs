using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

/// <summary>The environment variables libpq turns into startup parameters: PGOPTIONS, PGDATESTYLE, PGTZ, PGGEQO, PGCLIENTENCODING.</summary>
public class SessionEnvironmentTests
{
    private static FakeSettingsEnvironment Env(params (string Name, string Value)[] variables)
    {
        var env = new FakeSettingsEnvironment();
        foreach (var (name, value) in variables)
        {
            env.Variables[name] = value;
        }

        return env;
    }

    [Fact]
    public void Pgdatestyle_pgtz_and_pggeqo_become_startup_parameters()
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGDATESTYLE", "Postgres, MDY"), ("PGTZ", "PST8PDT"), ("PGGEQO", "off")));
        Assert.Equal("Postgres, MDY", s.ExtraStartupParameters["datestyle"]);
        Assert.Equal("PST8PDT", s.ExtraStartupParameters["timezone"]);
        Assert.Equal("off", s.ExtraStartupParameters["geqo"]);
    }

    [Fact]
    public void Session_variables_set_to_default_or_empty_send_nothing()
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGDATESTYLE", "DEFAULT"), ("PGTZ", ""), ("PGGEQO", "default")));
        Assert.Empty(s.ExtraStartupParameters);
    }

    [Fact]
    public void Pgoptions_is_sent_verbatim_as_the_options_parameter()
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGOPTIONS", "-c intervalstyle=postgres_verbose -c search_path=a,b")));
        Assert.Equal("-c intervalstyle=postgres_verbose -c search_path=a,b", s.Options);
        Assert.Equal("-c intervalstyle=postgres_verbose -c search_path=a,b", s.ExtraStartupParameters["options"]);
    }

    [Fact]
    public void Options_keyword_of_the_connection_string_wins_over_pgoptions()
    {
        var env = Env(("PGOPTIONS", "-c geqo=off"));
        Assert.Equal("-c work_mem=64kB", ConnectionSettings.Resolve("options='-c work_mem=64kB'", env: env).Options);
        Assert.Equal("-c work_mem=1MB", ConnectionSettings.Resolve("postgresql:///db?options=-c%20work_mem%3D1MB", env: env).Options);
        var flags = new Dictionary<string, string?> { ["options"] = "-c x.y=1" };
        Assert.Equal("-c x.y=1", ConnectionSettings.Resolve(null, flags, env).Options);
    }

    [Theory]
    [InlineData("UTF8")]
    [InlineData("utf-8")]
    [InlineData("auto")]
    public void Pgclientencoding_naming_utf8_is_accepted(string value)
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGCLIENTENCODING", value)));
        Assert.Equal(value, s.GetOption("client_encoding"));
    }

    [Fact]
    public void Pgclientencoding_naming_another_encoding_is_left_out_with_a_warning()
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGCLIENTENCODING", "LATIN1")));
        Assert.Null(s.GetOption("client_encoding"));
        Assert.Equal("WARNING: client encoding \"LATIN1\" of PGCLIENTENCODING is not supported: using UTF8", Assert.Single(s.Warnings));
        Assert.Equal("UTF8", ConnectionSettings.Resolve("client_encoding=UTF8", env: Env(("PGCLIENTENCODING", "LATIN1"))).GetOption("client_encoding"));
        var e = Assert.Throws<ConnectionSettingsException>(() => ConnectionSettings.Resolve("client_encoding=LATIN1", env: Env()));
        Assert.Equal("unsupported client_encoding value: \"LATIN1\" (only UTF8 is supported)", e.Message);
    }

    [Fact]
    public void Fixed_startup_parameters_replace_environment_settings_of_any_case()
    {
        var s = ConnectionSettings.Resolve(null, env: Env(("PGDATESTYLE", "Postgres, MDY"), ("PGTZ", "PST8PDT"), ("PGAPPNAME", "app")))
            .WithStartupParameters([new("DateStyle", "ISO, MDY"), new("TimeZone", "UTC")]);
        Assert.Equal(
            new Dictionary<string, string> { ["application_name"] = "app", ["DateStyle"] = "ISO, MDY", ["TimeZone"] = "UTC" },
            s.ExtraStartupParameters);
    }
}
