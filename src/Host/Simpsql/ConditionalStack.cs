namespace PgWire.Host.Simpsql;

/// <summary>Where a script is inside one \if ... \endif block.</summary>
internal enum BranchState
{
    /// <summary>In a true branch: lines run.</summary>
    True,

    /// <summary>In a false branch, no branch taken yet: a later \elif or \else may run.</summary>
    False,

    /// <summary>Inside a block that is itself skipped: nothing in it runs, whatever its conditions.</summary>
    Ignored,

    /// <summary>In \elif or \else after a branch already ran: skipped.</summary>
    Done,

    /// <summary>In a true \else branch.</summary>
    ElseTrue,

    /// <summary>In an \else branch after a branch already ran (or in an ignored block).</summary>
    ElseFalse,
}

/// <summary>
/// The nesting of \if blocks of one input. A branch that is skipped remembers how long the query buffer
/// and how deep the parentheses were when it began, so that leaving it forgets the text it added.
/// </summary>
internal sealed class ConditionalStack
{
    private readonly Stack<Entry> _entries = new();

    public bool IsEmpty => _entries.Count == 0;

    /// <summary>True when lines run: outside any \if, or in a branch taken.</summary>
    public bool Active => _entries.Count == 0 || _entries.Peek().State is BranchState.True or BranchState.ElseTrue;

    public BranchState Top => _entries.Peek().State;

    public void Push(BranchState state) => _entries.Push(new Entry { State = state });

    public void Pop() => _entries.Pop();

    public void Poke(BranchState state) => _entries.Peek().State = state;

    /// <summary>Records where the query buffer stood as a skipped branch begins.</summary>
    public void SaveQueryState(int bufferLength, int parenDepth)
    {
        var top = _entries.Peek();
        top.BufferLength = bufferLength;
        top.ParenDepth = parenDepth;
    }

    public (int BufferLength, int ParenDepth) SavedQueryState
    {
        get
        {
            var top = _entries.Peek();
            return (top.BufferLength, top.ParenDepth);
        }
    }

    private sealed class Entry
    {
        public BranchState State { get; set; }

        public int BufferLength { get; set; }

        public int ParenDepth { get; set; }
    }
}
