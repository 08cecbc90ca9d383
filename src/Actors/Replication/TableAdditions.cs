using PgWire.Protocol.Replication;

namespace PgWire.Actors.Replication;

/// <summary>
/// Tables that join a running stream: with every table of the publication followed, one added to
/// the publication while the stream runs. Shared by the stream actor, its decoder, their restarts
/// and whoever copies the new tables, so that a restarted stream routes them as its predecessor did.
/// <para>
/// The decoder makes an addition when the stream first carries a table it does not follow
/// (<see cref="Add"/>): the table gets the next route and its committed transactions are kept back
/// by the stream, whose reported flush position stays at <see cref="TableAddition.Hold"/> so that
/// the server keeps the WAL from there. Whoever copies the table under a snapshot of its own records
/// the copy as durable and then <see cref="TableAddition.Join"/>s it: the transactions kept back that
/// the copy holds are dropped, the later ones go to the table's pipeline, and the table's recorded
/// position takes the hold's place.
/// </para>
/// </summary>
/// <param name="firstRoute">The route of the first table added: the number of tables the stream started with.</param>
/// <param name="jsonFormat">The <see cref="JsonLineFormat"/> version a new table's data file is written in.</param>
public sealed class TableAdditions(int firstRoute, int jsonFormat)
{
    private readonly List<TableAddition> _added = [];
    private volatile int _count;

    /// <summary>The route of the first table added.</summary>
    public int FirstRoute { get; } = firstRoute;

    /// <summary>The <see cref="JsonLineFormat"/> version of a new table's lines.</summary>
    public int JsonFormat { get; } = jsonFormat;

    /// <summary>Called (on the decoder's thread) with each table added, once its route is made.</summary>
    public Action<TableAddition>? Started { get; init; }

    /// <summary>
    /// Called (on the stream's thread) when a table added cannot join live (more kept back than the
    /// stream may hold while it is copied): the stream keeps holding the flush position, and whoever
    /// runs it starts it again, copying the table as a table new to the slot.
    /// </summary>
    public Action<TableAddition>? GivenUp { get; init; }

    /// <summary>How many tables were added.</summary>
    public int Count => _count;

    /// <summary>The tables added, in route order.</summary>
    public IReadOnlyList<TableAddition> All
    {
        get
        {
            lock (_added)
            {
                return [.. _added];
            }
        }
    }

    /// <summary>The addition of route <paramref name="route"/>.</summary>
    public TableAddition this[int route]
    {
        get
        {
            lock (_added)
            {
                return _added[route - FirstRoute];
            }
        }
    }

    /// <summary>The addition of <paramref name="schema"/>.<paramref name="table"/>, made with the next route the first time it is met.</summary>
    public TableAddition Add(string schema, string table)
    {
        TableAddition addition;
        lock (_added)
        {
            if (_added.Find(a => a.Schema == schema && a.Table == table) is { } known)
            {
                return known;
            }

            addition = new TableAddition(schema, table, FirstRoute + _added.Count, new StreamTable(schema, table, JsonFormat));
            _added.Add(addition);
            _count = _added.Count;
        }

        Started?.Invoke(addition);
        return addition;
    }
}

/// <summary>One table added to a running stream (see <see cref="TableAdditions"/>).</summary>
public sealed class TableAddition
{
    private readonly object _gate = new();
    private Lsn _hold = Lsn.Invalid;
    private StreamSinkRoute? _way;
    private Lsn _skipUpTo;
    private Lsn _flushed;
    private bool _givenUp;

    internal TableAddition(string schema, string table, int route, StreamTable stream)
    {
        Schema = schema;
        Table = table;
        Route = route;
        Stream = stream;
    }

    public string Schema { get; }

    public string Table { get; }

    /// <summary>The table's route in the stream.</summary>
    public int Route { get; }

    /// <summary>How the decoder types the table's values.</summary>
    public StreamTable Stream { get; }

    /// <summary>
    /// The flush position the stream held when it first routed the table (invalid until then): no
    /// later one is reported to the server until the table joins, so a restart finds its changes.
    /// </summary>
    public Lsn Hold
    {
        get
        {
            lock (_gate)
            {
                return _hold;
            }
        }
    }

    /// <summary>Sets <see cref="Hold"/> unless it is set; returns it.</summary>
    internal Lsn HoldAt(Lsn position)
    {
        lock (_gate)
        {
            if (!_hold.IsValid)
            {
                _hold = position;
            }

            return _hold;
        }
    }

    /// <summary>Where the table's changes go once it joined: its sink, position store and progress; null before.</summary>
    public StreamSinkRoute? Way
    {
        get
        {
            lock (_gate)
            {
                return _way;
            }
        }
    }

    /// <summary>Commits at or before this are in the table's copy; those after it go to <see cref="Way"/>.</summary>
    public Lsn SkipUpTo
    {
        get
        {
            lock (_gate)
            {
                return _skipUpTo;
            }
        }
    }

    /// <summary>The flush position recorded with the table's copy (its consistent point).</summary>
    public Lsn Flushed
    {
        get
        {
            lock (_gate)
            {
                return _flushed;
            }
        }
    }

    /// <summary>Whether the stream gave up keeping the table's changes back (see <see cref="TableAdditions.GivenUp"/>).</summary>
    public bool IsGivenUp
    {
        get
        {
            lock (_gate)
            {
                return _givenUp;
            }
        }
    }

    /// <summary>Marks the addition given up unless it joined; false when it had joined.</summary>
    internal bool GiveUp()
    {
        lock (_gate)
        {
            if (_way is not null)
            {
                return false;
            }

            _givenUp = true;
            return true;
        }
    }

    /// <summary>
    /// The table's copy is recorded as durable: commits at or before <paramref name="skipUpTo"/> are in
    /// it, its recorded flush position is <paramref name="flushed"/>, and the stream sends its later
    /// changes to <paramref name="way"/> (once told, see <see cref="AdditionJoined"/>). False when the
    /// stream gave the addition up first: the table then joins when the run starts again.
    /// </summary>
    public bool Join(StreamSinkRoute way, Lsn skipUpTo, Lsn flushed)
    {
        ArgumentNullException.ThrowIfNull(way);
        lock (_gate)
        {
            if (_givenUp)
            {
                return false;
            }

            _way = way;
            _skipUpTo = skipUpTo;
            _flushed = flushed;
            return true;
        }
    }
}

/// <summary>Tells the stream that a table added to it has joined (<see cref="TableAddition.Join"/>).</summary>
public sealed class AdditionJoined
{
    public static readonly AdditionJoined Instance = new();

    private AdditionJoined()
    {
    }
}
