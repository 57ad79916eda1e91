namespace Autograd;

public sealed partial class Tensor<T>
{
    /// <summary>A deterministic snapshot of the graph behind this tensor (see <see cref="GraphSnapshot.Of{T}"/>).</summary>
    public GraphSnapshot Snapshot() => GraphSnapshot.Of(this);

    /// <summary>
    /// The graph behind this tensor as Graphviz DOT text: one box per tensor with op, element type, shape, values and
    /// (after <see cref="Backward()"/>) gradient; one edge per operand slot labelled with the slot and the local
    /// derivative, so <c>a + a</c> shows two edges. Draw before backward, or back-propagate with <c>retainGraph: true</c>.
    /// </summary>
    public string ToDot() => GraphSnapshot.Of(this).ToDot();

    /// <summary>
    /// The graph behind this tensor as a Mermaid <c>flowchart</c> (renders in GitHub Markdown), with the same content
    /// as <see cref="ToDot"/>: one node per tensor, one line per operand slot.
    /// </summary>
    public string ToMermaid() => GraphSnapshot.Of(this).ToMermaid();

    /// <summary>
    /// The graph behind this tensor as an SVG picture laid out by the library itself (a layered layout, data flowing
    /// left to right, no native dependency): one box per tensor with its op, element type, shape, values (a summary
    /// for large tensors) and, after <see cref="Backward()"/>, gradient; one arrow per operand slot, so <c>a + a</c>
    /// draws two, numbered by slot. Boxes never overlap and arrows end on their boxes' borders. When the graph has
    /// more than <paramref name="collapseAbove"/> nodes and <paramref name="groupOf"/> is given, the nodes it puts in
    /// one group (e.g. one module's) are drawn as one box; it returns null for a node that keeps its own box. The same
    /// graph gives the same bytes. Draw before backward, or back-propagate with <c>retainGraph: true</c>.
    /// </summary>
    public string ToSvg(int collapseAbove = GraphSnapshot.DefaultCollapseAbove, Func<SnapshotNode, string?>? groupOf = null) =>
        GraphSnapshot.Of(this).ToSvg(collapseAbove, groupOf);

    /// <summary>
    /// One self-contained HTML page (inline SVG of <see cref="ToSvg"/>, inline CSS and script, no external reference:
    /// it works offline) where hovering a box shows its formulas and values and, for a one-element tensor L, a slider
    /// steps through the backward pass of <see cref="Explanation.Explain{T}"/>: at each step the op y, the upstream
    /// gradient ∂L/∂y and per operand x the local derivative ∂y/∂x, the product ∂L/∂y · ∂y/∂x and the accumulated
    /// ∂L/∂x, with y's box highlighted. Open it as <c>page.html?step=N</c> to start at step N (from 0).
    /// </summary>
    public string ToHtml(int collapseAbove = GraphSnapshot.DefaultCollapseAbove, Func<SnapshotNode, string?>? groupOf = null)
    {
        var snapshot = GraphSnapshot.Of(this);
        var graph = DrawnGraph.Of(snapshot, collapseAbove, groupOf);
        string? note = null;
        if (NumElements != 1) note = $"no backward pass to step through: the root has shape {Shapes.Format(Dims)}, not one element";
        else if (!RequiresGrad) note = "no backward pass to step through: the root does not require grad";
        else if (snapshot.Nodes.FirstOrDefault(n => n.IsReleased) is { } freed)
            note = $"no backward pass to step through: {freed.Id} ({freed.Op}) was freed by an earlier Backward()";
        var derivation = note is null ? this.Explain() : null;
        string title = $"Autograd graph: {snapshot.Nodes.Count} nodes, {snapshot.Edges.Count} edges";
        return GraphHtml.Render(graph, derivation, note, title);
    }
}
