using System.Net.Sockets;
using Akka.Actor;

namespace PgWire.Actors.Connection;

/// <summary>
/// Takes a connection's socket reads onto the thread that waits for the connection's messages
/// (<see cref="ClientInbox"/> for a client that connected blocking, <see cref="PgClient.Connect"/>).
/// That thread reads the socket itself, blocking as libpq does, and the connection actor, on the
/// calling-thread dispatcher, processes what it read on the same thread: one wake-up per answer of
/// the server (the kernel's, of the waiting thread), instead of one of the socket engine's thread
/// and a second when it hands the bytes over. Nothing is read while nobody waits, as with libpq:
/// what the server sends between queries (a notification, a notice) is read with the next query's
/// answer.
/// </summary>
internal interface ICallerReads
{
    /// <summary>Hands over the connection's next read; a waiting reader runs it once.</summary>
    void Offer(ConnectionActor.CallerRead read);

    /// <summary>Takes back a read not yet run (the connection is closing).</summary>
    void Withdraw(ConnectionActor.CallerRead read);
}

public sealed partial class ConnectionActor
{
    /// <summary>
    /// One socket read into the connection's receive buffer, run by the thread that waits for the
    /// connection (<see cref="ICallerReads"/>); its outcome goes to the actor as an awaited read's would.
    /// </summary>
    internal sealed class CallerRead
    {
        private readonly Stream _stream;
        private readonly Socket? _socket;
        private readonly Memory<byte> _memory;
        private readonly IActorRef _self;
        private int _aborted;

        public CallerRead(Stream stream, Socket? socket, Memory<byte> memory, IActorRef self)
        {
            _stream = stream;
            _socket = socket;
            _memory = memory;
            _self = self;
        }

        /// <summary>True once <see cref="Abort"/> ended the read.</summary>
        public bool Aborted => Volatile.Read(ref _aborted) == 1;

        /// <summary>Reads on the calling thread, blocking until the server sends something.</summary>
        public void Run()
        {
            object outcome;
            try
            {
                var total = _stream.Read(_memory.Span);
                // While more is already there, fill the buffer further; not through TLS, where the
                // bytes waiting may hold no data (a session ticket), and a second read would block.
                while (total > 0 && _memory.Length - total >= 16 * 1024 && _stream is NetworkStream && _socket is { Available: > 0 })
                {
                    var n = _stream.Read(_memory.Span[total..]);
                    if (n == 0)
                    {
                        break;
                    }

                    total += n;
                }

                outcome = new ReadCompleted(total);
            }
            catch (Exception ex)
            {
                outcome = new ReadFailed(ex);
            }

            _self.Tell(outcome);
        }

        /// <summary>The same read for a reader that awaits instead of blocking.</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            object outcome;
            await using (cancellationToken.UnsafeRegister(static s => ((CallerRead)s!).Abort(), this).ConfigureAwait(false))
            {
                try
                {
                    outcome = new ReadCompleted(await _stream.ReadAsync(_memory, CancellationToken.None).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    outcome = new ReadFailed(ex);
                }
            }

            _self.Tell(outcome);
        }

        /// <summary>Ends a read in progress: the socket is shut down, so the read returns.</summary>
        public void Abort()
        {
            Interlocked.Exchange(ref _aborted, 1);
            try
            {
                _socket?.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // already closed
            }
        }
    }
}
