namespace PgWire.Host;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: pgwire <simpsql|lrepl> [options]");
        return args.Length == 0 ? 1 : 1;
    }
}
