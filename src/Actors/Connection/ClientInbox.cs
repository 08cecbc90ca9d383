namespace PgWire.Actors.Connection;

/// <summary>
/// The queue between a connection actor and <see cref="PgClient"/>: the actor's events are written
/// on whatever thread the actor runs on; the client takes them either awaiting (the continuation
/// runs on the thread pool, never on the writer's thread) or blocking its own thread until one is
/// there, which costs one wake-up of the waiting thread and no thread-pool work item.
/// </summary>
internal sealed class ClientInbox
{
    private readonly Queue<object> _queue = new();
    private readonly object _lock = new();
    private TaskCompletionSource? _waiter;
    private int _blockedReaders;

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

    /// <summary>Blocks the calling thread until a message is there, or <paramref name="cancellationToken"/> is cancelled.</summary>
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
                }
            }, this)
            : default;
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
                    Monitor.Wait(_lock);
                }
            }
            finally
            {
                _blockedReaders--;
            }
        }
    }

    /// <summary>Waits for a message without blocking a thread.</summary>
    public async ValueTask<object> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_queue.TryDequeue(out var message))
                {
                    return message;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
