using PgWire.Protocol.Settings;
using Xunit;

namespace PgWire.Protocol.Tests.Settings;

public class ServiceFileTests
{
    private const string UserFile = "/home/alice/.pg_service.conf";
    private const string SystemFile = "/etc/postgresql-common/pg_service.conf";

    private static FakeSettingsEnvironment Env(string? userFile = null, string? systemFile = null)
    {
        var env = new FakeSettingsEnvironment();
        if (userFile is not null)
        {
            env.Files[UserFile] = userFile;
        }

        if (systemFile is not null)
        {
            env.Files[SystemFile] = systemFile;
        }

        return env;
    }

    [Fact]
    public void Parse_reads_the_named_section_only()
    {
        var text = """
            # comment
            [other]
            host=elsewhere

            [main]
              host=db1
            port=5433
            # a comment inside
            dbname=app db
            [after]
            user=nobody
            """;
        var section = ServiceFile.Parse(text, "main", "f");
        Assert.NotNull(section);
        Assert.Equal(
            [new("host", "db1"), new("port", "5433"), new("dbname", "app db")],
            section);
        Assert.Null(ServiceFile.Parse(text, "missing", "f"));
        Assert.Null(ServiceFile.Parse(text, "mai", "f"));
    }

    [Fact]
    public void Parse_keeps_white_space_around_the_equals_sign_as_libpq_does()
    {
        var error = Assert.Throws<ConnectionSettingsException>(() => ServiceFile.Parse("[s]\nhost = db1\n", "s", "/x/pg_service.conf"));
        Assert.Equal("syntax error in service file \"/x/pg_service.conf\", line 2", error.Message);
        Assert.Equal([new("host", " db1")], ServiceFile.Parse("[s]\nhost= db1\n", "s", "f"));
    }

    [Theory]
    [InlineData("[s]\nhost\n", "syntax error in service file \"f\", line 2")]
    [InlineData("[s]\nnosuchkeyword=1\n", "syntax error in service file \"f\", line 2")]
    [InlineData("[s]\n\nservice=t\n", "nested service specifications not supported in service file \"f\", line 3")]
    public void Parse_errors_are_worded_as_libpq(string text, string message)
    {
        var error = Assert.Throws<ConnectionSettingsException>(() => ServiceFile.Parse(text, "s", "f"));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Errors_outside_the_section_are_not_noticed()
    {
        Assert.Equal([new("port", "1")], ServiceFile.Parse("[a]\ngarbage\n[s]\nport=1\n", "s", "f"));
    }

    [Fact]
    public void Too_long_a_line_is_an_error()
    {
        // As libpq 15: a line of 1021 bytes (1022 with its line end) is read, one byte more is not.
        Assert.NotNull(ServiceFile.Parse("[s]\nhost=" + new string('h', 1016) + "\n", "s", "f"));
        var text = "[s]\nhost=" + new string('h', 1017) + "\n";
        var error = Assert.Throws<ConnectionSettingsException>(() => ServiceFile.Parse(text, "s", "f"));
        Assert.Equal("line 2 too long in service file \"f\"", error.Message);
    }

    [Fact]
    public void Service_values_fill_what_is_not_given()
    {
        var env = Env("[main]\nhost=db1\nport=5433\nuser=svc\ndbname=svcdb\n");
        var s = ConnectionSettings.Resolve("service=main", env: env);
        Assert.Equal([new HostSpec("db1", 5433)], s.Hosts);
        Assert.Equal("svc", s.User);
        Assert.Equal("svcdb", s.Database);
        Assert.Equal("main", s.GetOption("service"));
    }

    [Fact]
    public void Explicit_values_win_over_the_service_and_the_service_over_the_environment()
    {
        var env = Env("[main]\nhost=db1\nport=5433\nuser=svc\n");
        env.Variables["PGHOST"] = "envhost";
        env.Variables["PGUSER"] = "envuser";
        env.Variables["PGDATABASE"] = "envdb";
        var s = ConnectionSettings.Resolve(
            "service=main port=6000",
            new Dictionary<string, string?> { ["user"] = "flaguser" },
            env);
        Assert.Equal([new HostSpec("db1", 6000)], s.Hosts);
        Assert.Equal("flaguser", s.User);
        Assert.Equal("envdb", s.Database);
    }

    [Fact]
    public void An_explicit_empty_value_is_not_replaced_by_the_service()
    {
        var env = Env("[main]\nhost=db1\n");
        var s = ConnectionSettings.Resolve("service=main host=''", env: env);
        Assert.Equal([new HostSpec("localhost", 5432)], s.Hosts);
    }

    [Fact]
    public void PGSERVICE_names_the_service_when_the_keyword_does_not()
    {
        var env = Env("[a]\nport=1111\n[b]\nport=2222\n");
        env.Variables["PGSERVICE"] = "a";
        Assert.Equal(1111, ConnectionSettings.Resolve(null, env: env).Hosts[0].Port);
        Assert.Equal(2222, ConnectionSettings.Resolve("service=b", env: env).Hosts[0].Port);
    }

    [Fact]
    public void The_first_value_of_a_keyword_in_the_section_wins()
    {
        var env = Env("[main]\nport=1111\nport=2222\n");
        Assert.Equal(1111, ConnectionSettings.Resolve("service=main", env: env).Hosts[0].Port);
    }

    [Fact]
    public void The_user_file_is_searched_before_the_system_file()
    {
        var env = Env("[main]\nport=1111\n", "[main]\nport=2222\nuser=sys\n[sysonly]\nport=3333\n");
        var s = ConnectionSettings.Resolve("service=main", env: env);
        Assert.Equal(1111, s.Hosts[0].Port);
        // The system file is not merged in when the user file defines the service.
        Assert.Equal("alice", s.User);
        Assert.Equal(3333, ConnectionSettings.Resolve("service=sysonly", env: env).Hosts[0].Port);
    }

    [Fact]
    public void PGSERVICEFILE_and_PGSYSCONFDIR_move_the_files()
    {
        var env = Env("[main]\nport=1111\n", "[main]\nport=2222\n");
        env.Files["/srv/my.conf"] = "[main]\nport=4444\n";
        env.Files["/opt/pg/etc/pg_service.conf"] = "[main]\nport=5555\n[sys]\nport=6666\n";
        env.Variables["PGSERVICEFILE"] = "/srv/my.conf";
        Assert.Equal(4444, ConnectionSettings.Resolve("service=main", env: env).Hosts[0].Port);

        env.Variables["PGSYSCONFDIR"] = "/opt/pg/etc";
        env.Variables.Remove("PGSERVICEFILE");
        env.Files.Remove(UserFile);
        Assert.Equal(5555, ConnectionSettings.Resolve("service=main", env: env).Hosts[0].Port);
        Assert.Equal(6666, ConnectionSettings.Resolve("service=sys", env: env).Hosts[0].Port);
    }

    [Fact]
    public void An_unknown_service_is_libpqs_error()
    {
        var env = Env("[main]\nport=1\n");
        var error = Assert.Throws<ConnectionSettingsException>(() => ConnectionSettings.Resolve("service=x", env: env));
        Assert.Equal("definition of service \"x\" not found", error.Message);

        env.Variables["PGSERVICE"] = "y";
        error = Assert.Throws<ConnectionSettingsException>(() => ConnectionSettings.Resolve(null, env: env));
        Assert.Equal("definition of service \"y\" not found", error.Message);
    }

    [Fact]
    public void No_home_directory_leaves_the_system_file()
    {
        var env = Env(null, "[main]\nport=2222\n");
        env.HomeDirectory = null;
        Assert.Equal([null, SystemFile], ServiceFile.Candidates(env));
        Assert.Equal(2222, ConnectionSettings.Resolve("service=main", env: env).Hosts[0].Port);
    }
}
