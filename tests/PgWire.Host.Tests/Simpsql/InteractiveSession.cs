using System.Globalization;
using System.Text;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Host.Simpsql;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;

namespace PgWire.Host.Tests.Simpsql;

/// <summary>An interactive simpsql session on the test cluster, fed by a line reader the test chooses.</summary>
internal sealed class InteractiveSession : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly FlushHookStream _stdout = new();
    private readonly StringWriter _stderr = new() { NewLine = "\n" };

    private InteractiveSession(ActorSystem system, PgClient client, ISettingsEnvironment env)
    {
        _system = system;
        Session = new SimpsqlSession(system, client, _stdout, _stderr, env) { Interactive = true };
    }

    public SimpsqlSession Session { get; }

    public string Stdout
    {
        get
        {
            Session.FlushAll();
            return Encoding.UTF8.GetString(_stdout.ToArray());
        }
    }

    public string Stderr => _stderr.ToString();

    /// <summary>Called each time the session flushes its standard output (the output so far, not flushed again).</summary>
    public void OnStdoutFlush(Action<string> flushed) => _stdout.Flushed = () => flushed(Encoding.UTF8.GetString(_stdout.ToArray()));

    private sealed class FlushHookStream : MemoryStream
    {
        public Action? Flushed { get; set; }

        public override void Flush()
        {
            base.Flush();
            Flushed?.Invoke();
        }
    }

    /// <summary>The environment a session sees: the test cluster, the given user, and no password from anywhere else.</summary>
    public static OverlayEnvironment Environment(string user, string? password) => new(new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["PGHOST"] = TestCluster.Host,
        ["PGPORT"] = TestCluster.Port.ToString(CultureInfo.InvariantCulture),
        ["PGDATABASE"] = TestCluster.Database,
        ["PGUSER"] = user,
        ["PGPASSWORD"] = password,
        ["PGPASSFILE"] = "/nonexistent/pgpass",
        ["PGSSLMODE"] = "disable",
        ["PGCONNECT_TIMEOUT"] = "10",
    });

    public static async Task<InteractiveSession> StartAsync(string user = TestCluster.SuperUser, string? password = TestCluster.SuperUserPassword, string? clientEncoding = null)
    {
        var env = Environment(user, password);
        var system = ActorSystem.Create("simpsql-test", "akka { loglevel = OFF\nstdout-loglevel = OFF }");
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal) { ["client_encoding"] = clientEncoding };
        var client = await PgClient.ConnectAsync(system, ConnectionSettings.Resolve(null, overrides, env, anyClientEncoding: clientEncoding is not null));
        return new InteractiveSession(system, client, env);
    }

    public Task<int> RunAsync(ILineReader reader) => Session.RunInputAsync(reader, TextReader.Null, null);

    /// <summary>Runs typed lines, with <paramref name="rawInput"/> as what COPY FROM STDIN reads.</summary>
    public Task<int> RunAsync(ILineReader reader, TextReader rawInput) => Session.RunInputAsync(reader, rawInput, null);

    public async ValueTask DisposeAsync()
    {
        await Session.Client.DisposeAsync();
        await _system.Terminate();
    }
}
