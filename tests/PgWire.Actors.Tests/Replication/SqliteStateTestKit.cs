using Akka.TestKit.Xunit2;
using PgWire.Actors.Replication;

namespace PgWire.Actors.Tests.Replication;

/// <summary>A TestKit whose actor system keeps lrepl's state journal in SQLite in a directory of its own, removed afterwards.</summary>
public abstract class SqliteStateTestKit : TestKit
{
    protected SqliteStateTestKit(string systemName)
        : this(StreamTestSupport.NewDir(), systemName)
    {
    }

    private SqliteStateTestKit(string dir, string systemName)
        : base(LreplRunner.PersistenceConfig(Path.Combine(dir, "lrepl-state.db")), systemName)
    {
        Dir = dir;
    }

    /// <summary>The directory holding the state database; tests may use it as the config directory.</summary>
    protected string Dir { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
