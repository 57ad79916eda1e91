using Autograd.Engine;

namespace Autograd;

/// <summary>
/// Names the ops recorded inside <c>using (groups.Begin("name")) { … }</c> blocks, so that a large picture can draw
/// each group as one box: <c>loss.ToSvg(groupOf: groups.Of)</c>. A block marks a range of the recording thread's node
/// sequence numbers, so it costs two counter reads and nothing per op; blocks nest, and an op belongs to the innermost
/// block around it. Only ops recorded on the thread that opened the block belong to it (each thread numbers its own
/// ops); leaves belong to no block.
/// </summary>
public sealed class GraphGroups
{
    private readonly List<(string Name, long Start, long End)> _ranges = [];

    /// <summary>Starts the group <paramref name="name"/>; it ends when the returned handle is disposed.</summary>
    public IDisposable Begin(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // A number of its own marks the start: every op recorded from here on has a larger one.
        int index = _ranges.Count;
        _ranges.Add((name, NodeSequence.Next(), long.MaxValue));
        return new End(this, index);
    }

    /// <summary>The innermost group whose block recorded <paramref name="node"/>'s op, or null (a leaf, or an op
    /// recorded outside every block). Pass it as <c>groupOf</c> to <see cref="Tensor{T}.ToSvg"/> or <see cref="Tensor{T}.ToHtml"/>.</summary>
    public string? Of(SnapshotNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.SequenceNumber is not { } seq) return null;
        string? found = null;
        long latest = long.MinValue;
        foreach (var (name, start, end) in _ranges)
            if (start < seq && seq < end && start > latest) (found, latest) = (name, start);
        return found;
    }

    private sealed class End(GraphGroups groups, int index) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            var (name, start, _) = groups._ranges[index];
            groups._ranges[index] = (name, start, NodeSequence.Next());
        }
    }
}
