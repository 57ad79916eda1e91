using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Autograd;

/// <summary>
/// The values of one tensor as a graph picture shows them: every element (row-major) for a tensor of at most
/// <see cref="MaxListed"/> elements, otherwise only a summary (count, min, max, mean). Stored as doubles.
/// </summary>
public sealed class TensorValues
{
    /// <summary>Tensors with at most this many elements are listed in full; larger ones are summarised.</summary>
    public const int MaxListed = 16;

    private TensorValues(IReadOnlyList<double>? elements, int count, double min, double max, double mean)
    {
        Elements = elements;
        Count = count;
        Min = min;
        Max = max;
        Mean = mean;
    }

    /// <summary>Every element in row-major order, or null when the tensor is summarised.</summary>
    public IReadOnlyList<double>? Elements { get; }

    /// <summary>True when only the summary is kept (more than <see cref="MaxListed"/> elements).</summary>
    public bool IsSummary => Elements is null;

    /// <summary>Number of elements.</summary>
    public int Count { get; }

    /// <summary>Smallest element (NaN when any element is NaN or there are none).</summary>
    public double Min { get; }

    /// <summary>Largest element (NaN when any element is NaN or there are none).</summary>
    public double Max { get; }

    /// <summary>Arithmetic mean Σ xᵢ / n (NaN when there are no elements).</summary>
    public double Mean { get; }

    /// <summary>Reads the elements of <paramref name="tensor"/> (a copy: later changes to the tensor do not show).</summary>
    internal static TensorValues Of<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var raw = tensor.ToArray();
        var values = new double[raw.Length];
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            double v = double.CreateChecked(raw[i]);
            values[i] = v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }
        if (values.Length == 0) min = max = double.NaN;
        double mean = values.Length == 0 ? double.NaN : sum / values.Length;
        var listed = values.Length <= MaxListed ? new ReadOnlyCollection<double>(values) : null;
        return new TensorValues(listed, values.Length, min, max, mean);
    }

    /// <summary>Formats one value with the invariant culture, 4 significant digits (e.g. 0.3333, 1e-09).</summary>
    public static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>"[1, 2, 3]" for a listed tensor, "min 0 max 999 mean 499.5 (1000 elements)" for a summarised one.</summary>
    public override string ToString()
    {
        if (Elements is null)
            return $"min {Format(Min)} max {Format(Max)} mean {Format(Mean)} ({Count.ToString(CultureInfo.InvariantCulture)} elements)";
        var sb = new StringBuilder("[");
        for (int i = 0; i < Elements.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Format(Elements[i]));
        }
        return sb.Append(']').ToString();
    }
}

/// <summary>One tensor of a <see cref="GraphSnapshot"/>: a recorded op's result, or a leaf.</summary>
public sealed class SnapshotNode
{
    internal SnapshotNode(string id, string op, long? sequenceNumber, IReadOnlyList<int> shape, string elementType,
        TensorValues values, TensorValues? grad, bool isReleased)
    {
        Id = id;
        Op = op;
        SequenceNumber = sequenceNumber;
        Shape = shape;
        ElementType = elementType;
        Values = values;
        Grad = grad;
        IsReleased = isReleased;
    }

    /// <summary>Identifier relative to the snapshot: "n0", "n1", … for ops in recording order, "leaf0", "leaf1", … for
    /// leaves in the order the recorded ops first use them. The same program gives the same ids on every run.</summary>
    public string Id { get; }

    /// <summary>The op's name (e.g. "Mul"); "leaf" for a leaf that requires grad; "input" for one that does not.</summary>
    public string Op { get; }

    /// <summary>The op node's raw <see cref="Node{T}.SequenceNumber"/> (null for a leaf). Not used in renderings: it
    /// differs between runs in one process.</summary>
    public long? SequenceNumber { get; }

    /// <summary>True for a tensor that no recorded op produced.</summary>
    public bool IsLeaf => SequenceNumber is null;

    /// <summary>The tensor's shape.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The element type's name, e.g. "Double" or "Single".</summary>
    public string ElementType { get; }

    /// <summary>The tensor's values (all of them or a summary).</summary>
    public TensorValues Values { get; }

    /// <summary>The tensor's <see cref="Tensor{T}.Grad"/> when computed (a leaf's, or a non-leaf's that retains its
    /// gradient), otherwise null.</summary>
    public TensorValues? Grad { get; }

    /// <summary>True for an op whose node an earlier backward freed (its inputs are no longer known).</summary>
    public bool IsReleased { get; }

    /// <summary>"[2, 3]" style shape text.</summary>
    public string ShapeText => Shapes.Format([.. Shape]);

    /// <summary>The label lines a rendering shows: id and op, element type and shape, values, gradient.</summary>
    public IReadOnlyList<string> LabelLines
    {
        get
        {
            var lines = new List<string> { $"{Id}: {Op}{(IsReleased ? " (freed)" : "")}", $"{ElementType} {ShapeText}", $"value {Values}" };
            if (Grad is not null) lines.Add($"grad {Grad}");
            return lines;
        }
    }
}

/// <summary>One operand slot: the tensor <see cref="From"/> fills slot <see cref="Slot"/> of the op <see cref="To"/>,
/// whose local derivative with respect to it is <see cref="Formula"/>. An op that uses a tensor twice (a + a) has two.</summary>
/// <param name="From">Id of the input tensor's node.</param>
/// <param name="To">Id of the consuming op's node.</param>
/// <param name="Slot">The operand position, from 0.</param>
/// <param name="Formula">The local derivative with respect to this operand, e.g. <c>∂(a·b)/∂a = b</c>.</param>
public readonly record struct SnapshotEdge(string From, string To, int Slot, string Formula);

/// <summary>
/// A deterministic, detached picture of the graph behind a tensor: every tensor reachable through recorded ops, with
/// op, shape, element type, values and gradient, and one edge per operand slot with its local-derivative formula.
/// Ids are relative to the snapshot (ops by sequence number, leaves by first use), never addresses, so the same
/// program renders byte-identical text on every run.
/// </summary>
public sealed class GraphSnapshot
{
    private GraphSnapshot(IReadOnlyList<SnapshotNode> nodes, IReadOnlyList<SnapshotEdge> edges, string rootId)
    {
        Nodes = nodes;
        Edges = edges;
        RootId = rootId;
    }

    /// <summary>Leaves in first-use order, then ops in recording order (the root, recorded last, comes last).</summary>
    public IReadOnlyList<SnapshotNode> Nodes { get; }

    /// <summary>One edge per operand slot: by consuming op in recording order, then by slot.</summary>
    public IReadOnlyList<SnapshotEdge> Edges { get; }

    /// <summary>The number of nodes above which <see cref="ToSvg"/>, <see cref="Tensor{T}.ToSvg"/> and
    /// <see cref="Tensor{T}.ToHtml"/> collapse the groups their grouping function names.</summary>
    public const int DefaultCollapseAbove = 200;

    /// <summary>Id of the tensor the snapshot was taken from.</summary>
    public string RootId { get; }

    /// <summary>The node with id <paramref name="id"/>.</summary>
    public SnapshotNode this[string id] =>
        Nodes.FirstOrDefault(n => n.Id == id) ?? throw new KeyNotFoundException($"GraphSnapshot: no node '{id}' (ids: {string.Join(", ", Nodes.Select(n => n.Id))})");

    /// <summary>Graphviz DOT text of this snapshot (see <see cref="Tensor{T}.ToDot"/>).</summary>
    public string ToDot() => GraphText.Dot(this);

    /// <summary>Mermaid flowchart text of this snapshot (see <see cref="Tensor{T}.ToMermaid"/>).</summary>
    public string ToMermaid() => GraphText.Mermaid(this);

    /// <summary>SVG picture of this snapshot laid out by the library (see <see cref="Tensor{T}.ToSvg"/>).</summary>
    public string ToSvg(int collapseAbove = DefaultCollapseAbove, Func<SnapshotNode, string?>? groupOf = null) =>
        GraphSvg.Render(DrawnGraph.Of(this, collapseAbove, groupOf), standalone: true);

    /// <summary>
    /// Takes the snapshot of the graph behind <paramref name="root"/> (an explicit-stack walk over
    /// <see cref="Node{T}.Edges"/>, no recursion). Throws when a backward without <c>retainGraph</c> already freed it.
    /// </summary>
    public static GraphSnapshot Of<T>(Tensor<T> root) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.GradFn is { IsReleased: true } freed)
            throw new InvalidOperationException(
                $"GraphSnapshot: the graph behind this tensor (shape {Shapes.Format(root.Dims)}, op '{freed.Name}') was freed by a Backward() " +
                "without retainGraph; draw it before backward, or pass retainGraph: true to Backward().");

        // Reachable op nodes, each with the tensor it produced, in discovery order.
        var found = new List<(Node<T> Node, Tensor<T> Output)>();
        if (root.GradFn is { } top)
        {
            var seen = new HashSet<Node<T>>(ReferenceEqualityComparer.Instance) { top };
            var stack = new Stack<(Node<T>, Tensor<T>)>();
            stack.Push((top, root));
            while (stack.Count > 0)
            {
                var (node, output) = stack.Pop();
                found.Add((node, output));
                foreach (var edge in node.Edges)
                    if (edge.Node is { } producer && seen.Add(producer))
                        stack.Push((producer, edge.Input));
            }
        }
        // Recording order; OrderBy is stable, so nodes of different threads with equal numbers keep discovery order.
        var ops = found.OrderBy(f => f.Node.SequenceNumber).ToList();
        var opIds = new Dictionary<Node<T>, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < ops.Count; i++) opIds[ops[i].Node] = "n" + i.ToString(CultureInfo.InvariantCulture);

        var leafIds = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        var leaves = new List<Tensor<T>>();
        string LeafId(Tensor<T> leaf)
        {
            if (!leafIds.TryGetValue(leaf, out var id))
            {
                id = "leaf" + leaves.Count.ToString(CultureInfo.InvariantCulture);
                leafIds[leaf] = id;
                leaves.Add(leaf);
            }
            return id;
        }
        if (root.GradFn is null) LeafId(root);

        var edges = new List<SnapshotEdge>();
        foreach (var (node, _) in ops)
            foreach (var edge in node.Edges)
                edges.Add(new SnapshotEdge(edge.Node is { } producer ? opIds[producer] : LeafId(edge.Input), opIds[node], edge.Slot, edge.Formula));

        var nodes = new List<SnapshotNode>(leaves.Count + ops.Count);
        foreach (var leaf in leaves)
            nodes.Add(Describe(leafIds[leaf], leaf.RequiresGrad ? "leaf" : "input", null, leaf, false));
        foreach (var (node, output) in ops)
            nodes.Add(Describe(opIds[node], node.Name, node.SequenceNumber, output, node.IsReleased));
        string rootId = root.GradFn is { } r ? opIds[r] : leafIds[root];
        return new GraphSnapshot(nodes.AsReadOnly(), edges.AsReadOnly(), rootId);
    }

    private static SnapshotNode Describe<T>(string id, string op, long? sequence, Tensor<T> tensor, bool released)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(id, op, sequence, new ReadOnlyCollection<int>([.. tensor.Shape]), typeof(T).Name, TensorValues.Of(tensor),
            tensor.Grad is { } g ? TensorValues.Of(g) : null, released);
}
