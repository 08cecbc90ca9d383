using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Messages;
using PgWire.Protocol.Settings;
using PgWire.Protocol.Types;
using PgWire.Tests.Shared;
using Xunit;

namespace PgWire.Actors.Tests.Types;

/// <summary>
/// One connection to the test cluster with the settings the replication sessions force, a few
/// session-local enum and domain types, and the type catalog loaded from pg_type.
/// </summary>
public sealed class BinaryTextSession : IAsyncLifetime
{
    /// <summary>The settings under which binary and text output must agree.</summary>
    public const string ForcedOptions = "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=1 -c bytea_output=hex -c client_encoding=UTF8";

    private const string Setup = """
        CREATE TYPE pg_temp.mood AS ENUM ('sad', 'ok', 'very happy', 'NULL', 'quo"te', 'back\slash', 'ünï{c}', 'a,b');
        CREATE DOMAIN pg_temp.posint AS int4 CHECK (VALUE > 0);
        CREATE DOMAIN pg_temp.label AS text;
        CREATE DOMAIN pg_temp.label2 AS pg_temp.label CHECK (VALUE <> 'x');
        CREATE DOMAIN pg_temp.money2 AS numeric(12, 2);
        CREATE DOMAIN pg_temp.mood_d AS pg_temp.mood;
        CREATE DOMAIN pg_temp.intlist AS int4[];
        CREATE DOMAIN pg_temp.stamp AS timestamptz;
        """;

    private ActorSystem? _system;

    public PgClient Client { get; private set; } = null!;

    public PgTypeCatalog Catalog { get; private set; } = new();

    public async Task InitializeAsync()
    {
        if (!TestCluster.Available)
        {
            return;
        }

        _system = ActorSystem.Create("binary-text-tests");
        var conninfo = $"host={TestCluster.Host} port={TestCluster.Port} dbname={TestCluster.Database} user={TestCluster.ScramUser} password={TestCluster.Password} sslmode=disable options='{ForcedOptions}'";
        Client = await PgClient.ConnectAsync(_system, ConnectionSettings.Resolve(conninfo, env: new EmptyEnvironment()));
        await RunAsync(Setup);
        await LoadCatalogAsync();
    }

    public async Task DisposeAsync()
    {
        if (_system is null)
        {
            return;
        }

        await Client.DisposeAsync();
        await _system.Terminate();
    }

    /// <summary>Runs a simple query and fails on any error.</summary>
    public async Task<TextRowsObserver> RunAsync(string sql)
    {
        var observer = new TextRowsObserver();
        await Client.ExecuteAsync(sql, observer);
        Assert.True(observer.Error is null, $"{sql}: {observer.Error?.Message}");
        return observer;
    }

    private async Task LoadCatalogAsync()
    {
        Catalog = new PgTypeCatalog(Client.Session.ServerVersionNumber);
        var rows = await RunAsync(PgTypeCatalog.LoadQuery);
        foreach (var row in rows.Rows)
        {
            Catalog.AddRow(uint.Parse(row[0]!), row[1]![0], uint.Parse(row[2]!), uint.Parse(row[3]!));
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (whose columns are listed twice: first in text, then the same
    /// columns in binary) and returns every row as (text values, binary values, column type OIDs).
    /// </summary>
    public async Task<PairedRows> FetchPairedAsync(string sql, IReadOnlyList<string?> parameters, int columns)
    {
        var formats = new short[2 * columns];
        formats.AsSpan(columns).Fill(1);
        var observer = new PairedRows(columns);
        await Client.ExecuteExtendedAsync(sql, parameters, formats, observer);
        Assert.True(observer.Error is null, $"{sql}: {observer.Error?.Message}");
        return observer;
    }
}

/// <summary>Rows whose first half of columns came as text and second half as binary.</summary>
public sealed class PairedRows : QueryObserver
{
    private readonly int _columns;

    public PairedRows(int columns) => _columns = columns;

    public IReadOnlyList<FieldDescription> Fields { get; private set; } = [];

    public List<(byte[]? Text, byte[]? Binary)[]> Rows { get; } = [];

    public override void OnRowDescription(RowDescription description) => Fields = description.Fields;

    public override void OnRow(ReadOnlySpan<byte> dataRow)
    {
        var reader = new DataRowReader(dataRow);
        var values = new byte[]?[reader.ColumnCount];
        var i = 0;
        while (reader.MoveNext(out var value, out var isNull))
        {
            values[i++] = isNull ? null : value.ToArray();
        }

        var row = new (byte[]?, byte[]?)[_columns];
        for (var c = 0; c < _columns; c++)
        {
            row[c] = (values[c], values[c + _columns]);
        }

        Rows.Add(row);
    }
}
