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
}
