namespace PgWire.Actors.Connection;

/// <summary>
/// The queue between a connection actor and <see cref="PgClient"/>: the actor's events are written
/// on whatever thread the actor runs on; the client takes them either awaiting (the continuation
/// runs on the thread pool, never on the writer's thread) or blocking its own thread until one is
/// there, which costs one wake-up of the waiting thread and no thread-pool work item. When the
/// connection hands its socket reads over (<see cref="ICallerReads"/>), the waiting thread runs them.
/// </summary>
internal sealed class ClientInbox : ICallerReads
{
    private readonly Queue<object> _queue = new();
    private readonly object _lock = new();
    private TaskCompletionSource? _waiter;
    private int _blockedReaders;
    private ConnectionActor.CallerRead? _pendingRead;
    private ConnectionActor.CallerRead? _runningRead;

    public void Write(object message)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _queue.Enqueue(message);
            waiter = _waiter;
            _waiter = null;
            if (_blockedReaders > 0)
            {
                Monitor.Pulse(_lock);
            }
        }

        waiter?.TrySetResult();
    }

    public bool TryRead(out object message)
    {
        lock (_lock)
        {
            return _queue.TryDequeue(out message!);
        }
    }

    public void Offer(ConnectionActor.CallerRead read)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _pendingRead = read;
            waiter = _waiter;
            _waiter = null;
            if (_blockedReaders > 0)
            {
                Monitor.Pulse(_lock);
            }
        }

        waiter?.TrySetResult();
    }

    public void Withdraw(ConnectionActor.CallerRead read)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_pendingRead, read))
            {
                _pendingRead = null;
            }
        }
    }

    /// <summary>
    /// Blocks the calling thread until a message is there, or <paramref name="cancellationToken"/> is
    /// cancelled; a socket read the connection handed over meanwhile is run on this thread (cancelling
    /// ends it by shutting the socket down).
    /// </summary>
    public object Read(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_queue.TryDequeue(out var ready))
            {
                return ready;
            }
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state =>
            {
                var inbox = (ClientInbox)state!;
                lock (inbox._lock)
                {
                    Monitor.PulseAll(inbox._lock);
                    inbox._runningRead?.Abort();
                }
            }, this)
            : default;
        while (true)
        {
            ConnectionActor.CallerRead read;
            lock (_lock)
            {
                _blockedReaders++;
                try
                {
                    while (true)
                    {
                        if (_queue.TryDequeue(out var message))
                        {
                            return message;
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        if (_pendingRead is { } pending)
                        {
                            read = pending;
                            _pendingRead = null;
                            _runningRead = read;
                            break;
                        }

                        Monitor.Wait(_lock);
                    }
                }
                finally
                {
                    _blockedReaders--;
                }
            }

            try
            {
                read.Run();
            }
            finally
            {
                lock (_lock)
                {
                    _runningRead = null;
                }
            }

            if (read.Aborted)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Waits for a message without blocking a thread (a read handed over is awaited).</summary>
    public async ValueTask<object> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            ConnectionActor.CallerRead? read;
            lock (_lock)
            {
                if (_queue.TryDequeue(out var message))
                {
                    return message;
                }

                read = _pendingRead;
                _pendingRead = null;
                if (read is null)
                {
                    _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wait = _waiter?.Task ?? Task.CompletedTask;
            }

            if (read is not null)
            {
                await read.RunAsync(cancellationToken).ConfigureAwait(false);
                if (read.Aborted)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                continue;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
