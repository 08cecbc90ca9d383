namespace PgWire.Host;

public static class Program
{
    internal const string Usage = "usage: pgwire <command> [options]\n\ncommands:\n  simpsql    psql-compatible command-line client (pgwire simpsql --help)\n  lrepl      stream one table's snapshot and changes into a file (pgwire lrepl -h)\n  iceberg    show an Iceberg table's rows or snapshots, or maintain it (pgwire iceberg -h)\n";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.Write(Usage);
            return 1;
        }

        switch (args[0])
        {
            case "-h":
            case "--help":
                Console.Out.Write(Usage);
                return 0;
            case "simpsql":
                InterruptSignal.Honour();
                UseInterpretedDynamicCode();
                return await Simpsql.SimpsqlCommand.RunAsync(args[1..]).ConfigureAwait(false);
            case "lrepl":
                InterruptSignal.Honour();
                return await Lrepl.LreplCommand.RunAsync(args[1..]).ConfigureAwait(false);
            case "iceberg":
                return await Iceberg.IcebergCommand.RunAsync(args[1..]).ConfigureAwait(false);
            default:
                Console.Error.Write(Usage);
                return 1;
        }
    }

    /// <summary>
    /// Makes the libraries interpret what they would otherwise compile to IL at run time: Akka's
    /// configuration compiles two regular expressions when the actor system reads its settings,
    /// and reflection emits invoke stubs, each then compiled by the JIT at start-up, which costs a
    /// short command (simpsql) about 25 ms of CPU for code that runs a handful of times. It must be
    /// set before anything reads the switch. lrepl keeps compiled code: its state journal
    /// (linq2db) runs compiled expressions for every write.
    /// </summary>
    private static void UseInterpretedDynamicCode() =>
        AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);
}
