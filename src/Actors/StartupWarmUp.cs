using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgWire.Actors.Connection;
using PgWire.Actors.Replication;
using PgWire.Protocol.Framing;
using PgWire.Protocol.Settings;

namespace PgWire.Actors;

/// <summary>
/// Work a command would otherwise do on its critical path, done instead on a thread-pool thread
/// while the actor system starts (which keeps one core busy for tens of milliseconds): loading
/// the system's trusted root certificates a TLS handshake's chain building reads, sockets and the
/// hashes SCRAM uses, then compiling the per-row methods marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>, which are compiled fully optimized on
/// first call, that is when the first rows arrive.
/// </summary>
public static class StartupWarmUp
{
    /// <summary>Types whose <see cref="MethodImplOptions.AggressiveOptimization"/> methods every query uses.</summary>
    internal static readonly Type[] QueryTypes = [typeof(FrameScanner), typeof(ConnectionActor), typeof(PgClient)];

    /// <summary>The same for a snapshot copy (a test keeps the two lists complete).</summary>
    internal static readonly Type[] SnapshotTypes = [typeof(JsonValues), typeof(CopyTextRowWriter), typeof(CopyTextJsonWriter), typeof(CopyTextCsvWriter), SnapshotCopier.CopyObserverType, Replication.Iceberg.IcebergSnapshotSink.ColumnParserType];

    private static int _started;

    /// <summary>
    /// Starts the warm-up once per process; the TLS part is left out when <paramref name="mode"/>
    /// means no TLS at all, the snapshot's methods unless <paramref name="snapshot"/>.
    /// </summary>
    public static void Start(SslMode mode, bool snapshot = false)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            if (mode != SslMode.Disable)
            {
                WarmTls();
            }

            WarmNetworkAndAuth();
            CompileHotMethods(snapshot ? [.. QueryTypes, .. SnapshotTypes] : QueryTypes);
        });
    }

    /// <summary>The methods of <paramref name="types"/> marked for full optimization on first call.</summary>
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

    private static void WarmNetworkAndAuth()
    {
        // Sockets, address parsing and the primitives of SCRAM, loaded and compiled before the
        // connection needs them; nothing is connected and nothing is sent.
        _ = IPAddress.Parse("127.0.0.1");
        using (new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
        {
        }

        Span<byte> salt = stackalloc byte[16];
        RandomNumberGenerator.Fill(salt);
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2("pgwire"u8, salt, 1, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        _ = SHA256.HashData(HMACSHA256.HashData(salted, salt));
    }

    private static void WarmTls()
    {
        try
        {
            // The system's trusted roots, which the handshake's chain building loads (and caches)
            // otherwise: reading and parsing the bundle is most of a first handshake's cost.
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly);
            foreach (var certificate in store.Certificates)
            {
                certificate.Dispose();
            }
        }
        catch (CryptographicException)
        {
            // Only a head start: the handshake reports real problems.
        }
    }
}
