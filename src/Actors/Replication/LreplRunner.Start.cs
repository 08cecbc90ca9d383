using System.Reflection;
using System.Runtime.CompilerServices;
using Akka.Actor;
using PgWire.Actors.Connection;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Replication;

/// <summary>The start of a standalone run: what is done while its actor system starts.</summary>
public static partial class LreplRunner
{
    /// <summary>
    /// Creates the run's actor system on a thread of its own: its start keeps a core busy for tens
    /// of milliseconds, while the config dir is taken and the connections get under way on others.
    /// </summary>
    private static Task<ActorSystem> StartSystem(LreplOptions options) => ActorSystemStart.OnOwnThread("lrepl start", () => CreateSystem(options));

    /// <summary>
    /// Compiles the pipeline's start (the state machine of <see cref="RunOnceAsync"/>) on the calling
    /// thread while the actor system starts instead of once it is up: where no precompiled code holds
    /// it (a framework-dependent publish, dotnet build) that is tens of milliseconds of a first run's
    /// start. The composite image holds it since it is compiled with LanguageExt as a reference, and
    /// then this only looks the code up.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Only where code is compiled at run time; a natively compiled build returns before the lookup.")]
    private static void CompilePipelineStart()
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled)
        {
            // Natively compiled: everything is compiled already.
            return;
        }

        try
        {
            if (typeof(LreplRunner).GetMethod(nameof(RunOnceAsync), BindingFlags.NonPublic | BindingFlags.Static)?.GetCustomAttribute<AsyncStateMachineAttribute>()?.StateMachineType
                    .GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } moveNext)
            {
                RuntimeHelpers.PrepareMethod(moveNext.MethodHandle);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or AmbiguousMatchException)
        {
            // Compiled on first call instead.
        }
    }

    /// <summary>
    /// What a standalone run prepares before its actor system is up, handed to the pipeline's first
    /// start: the config dir, already taken for this process (nothing on the server is created
    /// before that), and the two connections' first steps (socket, TLS, startup message; see
    /// <see cref="EarlyConnection"/>), which the first connections of the run adopt. Each is taken
    /// once; what nobody took is closed by <see cref="Dispose"/>.
    /// </summary>
    internal sealed class EarlyStart : IDisposable
    {
        private LreplConfigDir? _dir;

        private EarlyStart(LreplConfigDir? dir, EarlyConnection? normal, EarlyConnection? replication)
        {
            _dir = dir;
            Normal = normal;
            Replication = replication;
        }

        /// <summary>The first steps of the check and copy connection (normal settings).</summary>
        public EarlyConnection? Normal { get; }

        /// <summary>The first steps of the replication connection.</summary>
        public EarlyConnection? Replication { get; }

        /// <summary>
        /// Takes the config dir (unless the run follows --all-tables, whose data files are known only
        /// once the publication is read), then starts connecting. Fails as the run would when the
        /// dir cannot be taken; settings that do not resolve start no connection (the run reports them).
        /// </summary>
        public static EarlyStart Begin(LreplOptions options)
        {
            var dir = options.AllTables ? null : LreplConfigDir.Open(options.ConfigDir, options.DataPath);
            try
            {
                return new EarlyStart(dir, Early(options, null), Early(options, "database"));
            }
            catch
            {
                dir?.Dispose();
                throw;
            }
        }

        private static EarlyConnection? Early(LreplOptions options, string? replication)
        {
            try
            {
                return EarlyConnection.Start(Resolve(options, replication));
            }
            catch (LreplException)
            {
                return null;
            }
        }

        /// <summary>The config dir taken for the run, once; null when there is none.</summary>
        public LreplConfigDir? TakeDir() => Interlocked.Exchange(ref _dir, null);

        public void Dispose()
        {
            Interlocked.Exchange(ref _dir, null)?.Dispose();
            Normal?.DisposeIfNotTaken();
            Replication?.DisposeIfNotTaken();
        }
    }
}
