using Akka.Actor;

namespace PgWire.Actors;

/// <summary>
/// Props whose actor is made by a plain delegate. <c>Props.Create(() => new T(...))</c> takes an
/// expression tree and compiles a small method per constructor argument the first time, which
/// costs start-up time; a delegate needs neither compilation nor reflection, and a restart calls it
/// again for a fresh instance.
/// </summary>
public static class DelegateProps
{
    public static Props Create<T>(Func<T> factory)
        where T : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Props.CreateBy(new Producer<T>(factory));
    }

    private sealed class Producer<T>(Func<T> factory) : IIndirectActorProducer
        where T : ActorBase
    {
        public Type ActorType => typeof(T);

        public ActorBase Produce() => factory();

        public void Release(ActorBase actor)
        {
        }
    }
}
