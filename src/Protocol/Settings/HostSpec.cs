namespace PgWire.Protocol.Settings;

/// <summary>
/// One server to try. <see cref="Host"/> is a host name, an IPv4 address, an IPv6 address
/// (without brackets), or an absolute directory path naming a Unix-domain socket directory.
/// </summary>
public sealed record HostSpec(string Host, int Port)
{
    /// <summary>
    /// A numeric address from <c>hostaddr</c>. When set, TCP connects to this address and
    /// <see cref="Host"/> is used only for password file lookup and certificate checks.
    /// </summary>
    public string? Address { get; init; }

    /// <summary>Whether this entry means a Unix-domain socket rather than TCP.</summary>
    public bool IsUnixSocket => Address is null && IsSocketDirectory(Host);

    /// <summary>
    /// The socket file, <c>&lt;dir&gt;/.s.PGSQL.&lt;port&gt;</c>, when <see cref="IsUnixSocket"/>; otherwise null.
    /// </summary>
    public string? UnixSocketPath => IsUnixSocket ? $"{Host.TrimEnd('/')}/.s.PGSQL.{Port}" : null;

    internal static bool IsSocketDirectory(string host) =>
        host.StartsWith('/') || host.StartsWith('@');
}
