using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using PgWire.Actors.Replication;

namespace PgWire.Actors;

/// <summary>
/// Work a command would otherwise do on its critical path, done instead on a thread-pool thread
/// while the actor system starts (which keeps one core busy for tens of milliseconds): sockets and
/// the hashes SCRAM uses, then, for a snapshot, compiling the per-row methods marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>, which are compiled fully optimized on
/// first call, that is when the first rows arrive. Such methods are left out of the precompiled
/// (ReadyToRun) image, so the query path has none: its frame scanning and delivery start from the
/// image's optimized code and are recompiled in the background once they run often.
/// </summary>
public static class StartupWarmUp
{
    /// <summary>Types whose <see cref="MethodImplOptions.AggressiveOptimization"/> methods a snapshot copy uses (a test keeps the list complete).</summary>
    internal static readonly Type[] SnapshotTypes = [typeof(JsonValues), typeof(CopyTextRowWriter), typeof(CopyTextJsonWriter), typeof(CopyTextCsvWriter), SnapshotCopier.CopyObserverType, Replication.Iceberg.IcebergSnapshotSink.ColumnParserType];

    private static int _started;

    /// <summary>
    /// Starts the warm-up once per process; the hashes of password authentication are left out when
    /// every host is a unix-domain socket (<paramref name="localSocketsOnly"/>: trust or peer
    /// authentication as a rule), the snapshot's methods
    /// unless <paramref name="snapshot"/>.
    /// </summary>
    public static void Start(bool localSocketsOnly, bool snapshot = false)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            WarmRandom();
            WarmNetwork();
            if (!localSocketsOnly)
            {
                WarmAuth();
            }

            if (snapshot && RuntimeFeature.IsDynamicCodeCompiled)
            {
                CompileHotMethods(SnapshotTypes);
            }
        });
    }

    /// <summary>The methods of <paramref name="types"/> marked for full optimization on first call.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Only where code is compiled at run time; a natively compiled build does not call it.")]
    internal static IEnumerable<MethodInfo> HotMethods(IEnumerable<Type> types) =>
        types
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0 && !m.IsAbstract && !m.ContainsGenericParameters);

    private static void CompileHotMethods(Type[] types)
    {
        foreach (var method in HotMethods(types))
        {
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                // Compiled on first call instead.
            }
        }
    }

    private static void WarmRandom()
    {
        // The actor system seeds its random numbers from the cryptographic generator while it
        // starts, which loads OpenSSL: done here first, it is off the actor system's start.
        Span<byte> seed = stackalloc byte[8];
        RandomNumberGenerator.Fill(seed);
    }

    private static void WarmNetwork()
    {
        // Sockets and address parsing, loaded and compiled before the connection needs them;
        // nothing is connected and nothing is sent.
        _ = IPAddress.Parse("127.0.0.1");
        using (new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
        {
        }
    }

    private static void WarmAuth()
    {
        // The primitives of SCRAM.
        Span<byte> salt = stackalloc byte[16];
        RandomNumberGenerator.Fill(salt);
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2("pgwire"u8, salt, 1, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        _ = SHA256.HashData(HMACSHA256.HashData(salted, salt));
    }
}
