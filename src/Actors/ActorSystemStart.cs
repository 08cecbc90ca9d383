using Akka.Actor;

namespace PgWire.Actors;

/// <summary>Creating an actor system on a thread of its own, for a command that has other start-up work to do meanwhile.</summary>
public static class ActorSystemStart
{
    /// <summary>
    /// Runs <paramref name="create"/> on a new background thread named <paramref name="threadName"/>
    /// (not the thread pool, whose few threads a command's start soon takes) and gives its system,
    /// or its exception.
    /// </summary>
    public static Task<ActorSystem> OnOwnThread(string threadName, Func<ActorSystem> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var started = new TaskCompletionSource<ActorSystem>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                started.SetResult(create());
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        })
        { IsBackground = true, Name = threadName }.Start();
        return started.Task;
    }
}
