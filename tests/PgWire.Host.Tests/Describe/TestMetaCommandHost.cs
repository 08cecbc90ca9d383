using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Host.Psql;
using PgWire.Host.Simpsql;
using PgWire.Protocol.Settings;
using PgWire.Tests.Shared;

namespace PgWire.Host.Tests.Describe;

/// <summary>A meta-command host over a live connection that captures standard output and error.</summary>
internal sealed class TestMetaCommandHost : IMetaCommandHost, IAsyncDisposable
{
    private readonly ActorSystem _system;

    private TestMetaCommandHost(ActorSystem system, PgClient client)
    {
        _system = system;
        Client = client;
    }

    public PgClient Client { get; }

    public PrintOptions Print { get; } = new();

    public StringWriter Stdout { get; } = new() { NewLine = "\n" };

    public StringWriter Stderr { get; } = new() { NewLine = "\n" };

    public TextWriter Out => Stdout;

    public TextWriter Err => Stderr;

    /// <summary>psql's ECHO_HIDDEN as this host plays it: null (off), "on" or "noexec".</summary>
    public string? EchoHidden { get; set; }

    /// <summary>Every query shown through <see cref="ShowHiddenQuery"/>.</summary>
    public List<string> ShownQueries { get; } = [];

    public bool EchoesHiddenQueries => EchoHidden is not null;

    public bool ShowHiddenQuery(string sql)
    {
        if (EchoHidden is null)
        {
            return true;
        }

        ShownQueries.Add(sql);
        return EchoHidden != "noexec";
    }

    public static async Task<TestMetaCommandHost> ConnectAsync()
    {
        DescribeFixture.Ensure();
        var system = ActorSystem.Create("describe-tests");
        var settings = ConnectionSettings.Resolve(
            $"host={TestCluster.Host} port={TestCluster.Port} dbname={DescribeFixture.Database} " +
            $"user={TestCluster.SuperUser} password={TestCluster.SuperUserPassword} sslmode=disable",
            env: new EmptyEnvironment());
        var client = await PgClient.ConnectAsync(system, settings);
        return new TestMetaCommandHost(system, client);
    }

    public async Task<bool> RunQueryAndPrintAsync(string sql, string? title, IReadOnlyList<string>? footers, CancellationToken ct)
    {
        var observer = new ResultCollector();
        await Client.ExecuteAsync(sql, observer, ct);
        if (observer.Error is not null)
        {
            await Err.WriteAsync("ERROR:  " + observer.Error.Message + "\n");
            return false;
        }

        var options = Print.Clone();
        options.Title = title;
        ResultPrinter.Print(new ResultSet(observer.Columns, observer.Rows) { Footers = footers }, options, Out);
        return true;
    }

    /// <summary>Runs one command and returns what it wrote, clearing the captured streams.</summary>
    public async Task<(bool? Result, string Stdout, string Stderr)> RunAsync(string command, string args)
    {
        Stdout.GetStringBuilder().Clear();
        Stderr.GetStringBuilder().Clear();
        bool? result = await PgWire.Host.Psql.Describe.DescribeCommands.TryRunAsync(command, args, this, CancellationToken.None);
        return (result, Stdout.ToString(), Stderr.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _system.Terminate();
    }


    private sealed class ResultCollector : IQueryObserver
    {
        public IReadOnlyList<ResultColumn> Columns { get; private set; } = [];

        public List<string?[]> Rows { get; } = [];

        public PgWire.Protocol.Messages.PostgresErrorFields? Error { get; private set; }

        public void OnRowDescription(PgWire.Protocol.Messages.RowDescription description) =>
            Columns = description.Fields.Select(f => new ResultColumn(f.Name, f.TypeOid)).ToList();

        public void OnRow(ReadOnlySpan<byte> dataRow)
        {
            var reader = new PgWire.Protocol.Messages.DataRowReader(dataRow);
            var row = new string?[reader.ColumnCount];
            int i = 0;
            while (reader.MoveNext(out var value, out bool isNull))
            {
                row[i++] = isNull ? null : System.Text.Encoding.UTF8.GetString(value);
            }

            Rows.Add(row);
        }

        public void OnCommandComplete(PgWire.Protocol.Messages.CommandComplete complete)
        {
        }

        public void OnEmptyQuery()
        {
        }

        public void OnError(PgWire.Protocol.Messages.PostgresErrorFields error) => Error ??= error;

        public void OnNotice(PgWire.Protocol.Messages.PostgresErrorFields notice)
        {
        }

        public void OnCopyOutStart(PgWire.Protocol.Messages.CopyResponse response)
        {
        }

        public void OnCopyOutData(ReadOnlySpan<byte> data)
        {
        }

        public Task OnCopyInAsync(
            PgWire.Protocol.Messages.CopyResponse response,
            Func<ReadOnlyMemory<byte>, ValueTask> send,
            CancellationToken cancellationToken) =>
            throw new InvalidOperationException("COPY is not expected here");
    }
}
