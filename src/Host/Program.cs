namespace PgWire.Host;

public static class Program
{
    private const string Usage = "usage: pgwire <command> [options]\n\ncommands:\n  simpsql    psql-compatible command-line client (pgwire simpsql --help)\n  lrepl      stream one table's snapshot and changes into a file (pgwire lrepl -h)\n";

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
                return await Simpsql.SimpsqlCommand.RunAsync(args[1..]).ConfigureAwait(false);
            case "lrepl":
                return await Lrepl.LreplCommand.RunAsync(args[1..]).ConfigureAwait(false);
            default:
                Console.Error.Write(Usage);
                return 1;
        }
    }
}
