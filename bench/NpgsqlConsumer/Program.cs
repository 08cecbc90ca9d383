using System.Diagnostics;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

// A plain pgoutput consumer for comparison: reads every column of every insert as a string
// and stops after the given number of inserts.
// With --linger it stays alive after printing its result, so its CPU time can be read from /proc.
// usage: NpgsqlConsumer CONNECTION-STRING SLOT PUBLICATION COUNT [--linger]
if (args.Length is not (4 or 5) || (args.Length == 5 && args[4] != "--linger"))
{
    Console.Error.WriteLine("usage: NpgsqlConsumer CONNECTION-STRING SLOT PUBLICATION COUNT [--linger]");
    return 2;
}

var target = long.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
await using var connection = new LogicalReplicationConnection(args[0]);
await connection.Open();
using var cts = new CancellationTokenSource();
var slot = new PgOutputReplicationSlot(args[1]);
var options = new PgOutputReplicationOptions(args[2], PgOutputProtocolVersion.V1);
long inserts = 0;
long chars = 0;
var clock = Stopwatch.StartNew();
await foreach (var message in connection.StartReplication(slot, options, cts.Token))
{
    if (message is InsertMessage insert)
    {
        await foreach (var value in insert.NewRow)
        {
            var text = await value.Get<string>();
            chars += text?.Length ?? 0;
        }

        inserts++;
    }

    if (message is CommitMessage)
    {
        connection.SetReplicationStatus(message.WalEnd);
        if (inserts >= target)
        {
            break;
        }
    }
}

await connection.SendStatusUpdate();
Console.WriteLine($"inserts={inserts} chars={chars} seconds={clock.Elapsed.TotalSeconds:F3}");
if (args.Length == 5)
{
    await Task.Delay(Timeout.Infinite);
}

return 0;
