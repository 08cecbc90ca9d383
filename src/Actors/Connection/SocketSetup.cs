using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using PgWire.Protocol.Settings;

namespace PgWire.Actors.Connection;

/// <summary>
/// What libpq does to a socket between connecting and the first byte it sends: TCP keepalives
/// and the user timeout on TCP connections (<c>keepalives</c>, <c>keepalives_idle</c>,
/// <c>keepalives_interval</c>, <c>keepalives_count</c>, <c>tcp_user_timeout</c>), and on a
/// Unix-domain socket the check that the server runs as the <c>requirepeer</c> user.
/// </summary>
internal static partial class SocketSetup
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>Sets the socket up for <paramref name="settings"/>; returns why the connection cannot go on, or null.</summary>
    public static string? Prepare(Socket socket, HostSpec host, ConnectionSettings? settings)
    {
        if (settings is null)
        {
            return null;
        }

        return ConnectionActor.IsUnixSocket(host) ? CheckPeer(socket, settings.RequirePeer) : SetTcpOptions(socket, settings.Tcp);
    }

    private static string? SetTcpOptions(Socket socket, TcpSettings settings)
    {
        (bool Enabled, int? IdleSeconds, int? IntervalSeconds, int? Count, int? UserTimeoutMilliseconds) tcp;
        try
        {
            tcp = settings.Parse();
        }
        catch (ConnectionSettingsException ex)
        {
            return ex.Message;
        }

        var step = "setsockopt(SO_KEEPALIVE)";
        try
        {
            if (tcp.Enabled)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                if (tcp.IdleSeconds is > 0 and var idle)
                {
                    step = "setsockopt(TCP_KEEPIDLE)";
                    socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
                }

                if (tcp.IntervalSeconds is > 0 and var interval)
                {
                    step = "setsockopt(TCP_KEEPINTVL)";
                    socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
                }

                if (tcp.Count is > 0 and var count)
                {
                    step = "setsockopt(TCP_KEEPCNT)";
                    socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
                }
            }

            if (tcp.UserTimeoutMilliseconds is > 0 and var timeout && OperatingSystem.IsLinux())
            {
                step = "setsockopt(TCP_USER_TIMEOUT)";
                Span<byte> value = stackalloc byte[4];
                BitConverter.TryWriteBytes(value, timeout);
                socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, value);
            }

            return null;
        }
        catch (SocketException ex)
        {
            return $"{step} failed: {ex.Message}";
        }
    }

    private static string? CheckPeer(Socket socket, string? requirePeer)
    {
        if (string.IsNullOrEmpty(requirePeer))
        {
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            return "requirepeer parameter is not supported on this platform";
        }

        uint uid;
        try
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            Span<byte> credentials = stackalloc byte[12];
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) < 12)
            {
                return "could not get peer credentials: short answer";
            }

            uid = BitConverter.ToUInt32(credentials[4..8]);
        }
        catch (SocketException ex)
        {
            return $"could not get peer credentials: {ex.Message}";
        }

        var name = UserName(uid, out var error);
        if (name is null)
        {
            return error ?? $"local user with ID {uid} does not exist";
        }

        return name == requirePeer ? null : $"requirepeer specifies \"{requirePeer}\", but actual peer user name is \"{name}\"";
    }

    /// <summary>The name of the user with ID <paramref name="uid"/> (the system's user database, as getpwuid_r reads it).</summary>
    internal static unsafe string? UserName(uint uid, out string? error)
    {
        error = null;

        // struct passwd starts with char *pw_name; 64 bytes hold the whole struct on every Linux ABI.
        var entry = stackalloc byte[64];
        for (var size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* text = buffer)
            {
                byte* result = null;
                var rc = GetPwUidR(uid, entry, text, (nuint)size, &result);
                if (rc == 34 /* ERANGE */)
                {
                    continue;
                }

                if (rc != 0)
                {
                    error = $"could not look up local user ID {uid}: {Marshal.GetPInvokeErrorMessage(rc)}";
                    return null;
                }

                if (result is null)
                {
                    return null;
                }

                var name = *(byte**)result;
                return name is null ? null : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
            }
        }

        error = $"could not look up local user ID {uid}: entry too long";
        return null;
    }

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int GetPwUidR(uint uid, byte* entry, byte* buffer, nuint size, byte** result);
}
