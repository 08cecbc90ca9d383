using Akka.Actor;

namespace PgWire.Actors.Replication;

/// <summary>
/// One replicated table's pipeline: it owns and supervises the table's sink and its state journal
/// (the recorded position), and is the one address of both. The slot-level
/// <see cref="ReplicationStreamActor"/> sends it the table's batches and position requests; what
/// belongs to the sink (<see cref="TransactionBatch"/>, <see cref="GetSinkPosition"/>,
/// <see cref="FlushSink"/>) goes to the sink, everything else (<see cref="Durable"/>,
/// <see cref="CaughtUp"/>, <see cref="GetLreplState"/>, the snapshot's records) to the journal,
/// forwarded with the original sender so that answers go straight back to whoever asked.
/// <para>
/// The journal is made on the first message for it (a run that takes a snapshot starts it once
/// the copy is under way), under a back-off supervisor that answers
/// <see cref="StateStoreUnavailable"/> while the store is away. The sink is made by
/// <see cref="StartSink"/> once the table's state is known. A sink that throws is restarted (it
/// starts again from its last durable batch, see the sink contract); one that cannot start is
/// stopped, and then this actor stops too: whoever watches it (the runner) ends the run with the
/// reason, since nothing of the table can become durable any more.
/// </para>
/// </summary>
public sealed class TablePipelineActor : UntypedActor
{
    private readonly Props _journalProps;
    private IActorRef? _journal;
    private IActorRef? _sink;

    private TablePipelineActor(Props journalProps) => _journalProps = journalProps;

    // A switch rather than ReceiveActor handlers, which compile an expression tree the first time
    // an actor of this type is made: the pipeline is made while a run connects.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartSink start:
                if (_sink is not null)
                {
                    throw new InvalidOperationException("the table's sink is already started");
                }

                _sink = Context.ActorOf(start.Props, "sink");
                Context.Watch(_sink);
                break;
            case TransactionBatch or GetSinkPosition or FlushSink:
                ToSink(message);
                break;
            case Terminated t:
                if (t.ActorRef.Equals(_sink))
                {
                    Context.Stop(Self);
                }

                break;
            default:
                _journal ??= Context.ActorOf(_journalProps, "journal");
                _journal.Forward(message);
                break;
        }
    }

    /// <param name="journalProps">The table's state journal (with its back-off supervisor).</param>
    public static Props Props(Props journalProps) => DelegateProps.Create(() => new TablePipelineActor(journalProps));

    /// <summary>Starts the table's sink, a child of the pipeline, with the pipeline as its position store.</summary>
    public sealed record StartSink(Props Props);

    private void ToSink(object message)
    {
        if (_sink is null)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException("the table's sink is not started yet")));
            return;
        }

        _sink.Forward(message);
    }

    /// <summary>
    /// A sink that throws starts again from its last durable batch; one that cannot start, or was
    /// killed, stays stopped. The journal's supervisor handles the journal itself.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex => ex switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    });
}
