using System.Collections.ObjectModel;
using System.Numerics;
using Autograd.Engine;

namespace Autograd;

/// <summary>
/// One operand slot of one <see cref="DerivationStep"/>: the chain-rule term ∂L/∂x += ∂L/∂y · ∂y/∂x for the tensor x
/// in this slot of the op that produced y. The same tensor in two slots (a + a) gives two terms.
/// </summary>
public sealed class DerivationTerm
{
    internal DerivationTerm(int slot, string inputId, string inputName, IReadOnlyList<int> inputShape, string formula,
        TensorValues? local, TensorValues? contribution, TensorValues? accumulated, string? matrixForm)
    {
        Slot = slot;
        InputId = inputId;
        InputName = inputName;
        InputShape = inputShape;
        Formula = formula;
        Local = local;
        Contribution = contribution;
        Accumulated = accumulated;
        MatrixForm = matrixForm;
    }

    /// <summary>The operand position, from 0.</summary>
    public int Slot { get; }

    /// <summary>The input tensor's id in <see cref="GraphSnapshot.Of{T}"/> ("n0", "leaf1", …).</summary>
    public string InputId { get; }

    /// <summary>The name the derivation uses for the input: the one given to Explain, else <see cref="InputId"/>.</summary>
    public string InputName { get; }

    /// <summary>The input tensor's shape.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The local derivative of the op with respect to this operand, as the op states it (e.g. ∂(a·b)/∂a = b).</summary>
    public string Formula { get; }

    /// <summary>For an op with a one-element output, the local derivative ∂y/∂x itself (the vector–Jacobian product
    /// with upstream 1, summed to the input's shape); null for larger outputs or when the op gives this slot none.</summary>
    public TensorValues? Local { get; }

    /// <summary>The term ∂L/∂y · ∂y/∂x (the op's vector–Jacobian product for this slot, summed to the input's shape as
    /// the engine does to undo broadcasting); null when the input needs no gradient or the op gives it none.</summary>
    public TensorValues? Contribution { get; }

    /// <summary>∂L/∂x accumulated over every term so far, in the order the engine adds them; null with no contribution.</summary>
    public TensorValues? Accumulated { get; }

    /// <summary>The matrix form of the product for ops that have one (MatMul, Linear), from the op's formula; else null.</summary>
    public string? MatrixForm { get; }
}

/// <summary>
/// One node of the backward pass: the op that produced a tensor y, the upstream gradient ∂L/∂y (complete, since every
/// consumer of y ran before), and one <see cref="DerivationTerm"/> per operand slot.
/// </summary>
public sealed class DerivationStep
{
    internal DerivationStep(string nodeId, string name, string op, IReadOnlyList<int> shape, TensorValues value,
        TensorValues upstream, IReadOnlyList<DerivationTerm> terms)
    {
        Value = value;
        NodeId = nodeId;
        Name = name;
        Op = op;
        Shape = shape;
        Upstream = upstream;
        Terms = terms;
    }

    /// <summary>The op's id in <see cref="GraphSnapshot.Of{T}"/> ("n0", "n1", …).</summary>
    public string NodeId { get; }

    /// <summary>The name the derivation uses for the op's output: the one given to Explain, else <see cref="NodeId"/>.</summary>
    public string Name { get; }

    /// <summary>The op's name, e.g. "Mul".</summary>
    public string Op { get; }

    /// <summary>The shape of the op's output.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The op's output y as the forward pass computed it.</summary>
    public TensorValues Value { get; }

    /// <summary>The upstream gradient ∂L/∂y of the op's output y.</summary>
    public TensorValues Upstream { get; }

    /// <summary>One term per operand slot, in slot order.</summary>
    public IReadOnlyList<DerivationTerm> Terms { get; }
}

/// <summary>
/// The chain rule applied to the graph behind a one-element tensor L, with the numbers: for every op in backward order
/// the upstream gradient and, per operand slot, the local derivative and the contribution ∂L/∂y · ∂y/∂x; for every
/// tensor x the gradient ∂L/∂x as the sum of its terms. Made by <see cref="Explanation.Explain{T}"/>. The numbers come
/// from each op's own rule, applied node by node and summed in the engine's order, so the leaves' gradients equal
/// (bit for bit) what <see cref="Tensor{T}.Backward()"/> gives, with two exceptions: tensor hooks are not run, and an op
/// that the engine lets add straight into a leaf's existing .Grad (a GEMM that accumulates, when the leaf is used
/// more than once) may round differently (tested to agree within 1e-12, relative to max(1, |gradient|), in double).
/// </summary>
public sealed class Derivation
{
    internal Derivation(string rootName, string elementType, IReadOnlyList<DerivationStep> steps,
        IReadOnlyList<(string Id, string Name, IReadOnlyList<int> Shape, TensorValues Gradient, int Terms)> gradients)
    {
        RootName = rootName;
        ElementType = elementType;
        Steps = steps;
        var byId = new Dictionary<string, TensorValues>();
        foreach (var g in gradients) byId[g.Id] = g.Gradient;
        Gradients = new ReadOnlyDictionary<string, TensorValues>(byId);
        Order = gradients;
    }

    /// <summary>The name of the root, "L" unless another was given.</summary>
    public string RootName { get; }

    /// <summary>The element type's name, e.g. "Double".</summary>
    public string ElementType { get; }

    /// <summary>The steps in backward order (a reverse topological order: each op after every op that consumes its
    /// output; the order the engine runs them).</summary>
    public IReadOnlyList<DerivationStep> Steps { get; }

    /// <summary>∂L/∂x for every tensor x in the graph that gets a gradient (the root's is 1), by snapshot id.</summary>
    public IReadOnlyDictionary<string, TensorValues> Gradients { get; }

    internal IReadOnlyList<(string Id, string Name, IReadOnlyList<int> Shape, TensorValues Gradient, int Terms)> Order { get; }

    /// <summary>Plain text: one block per step, then every gradient as the sum of its terms, e.g.
    /// <c>∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · −3 = 6</c>. Negative numbers use the minus sign U+2212.</summary>
    public override string ToString() => DerivationText.Plain(this);

    /// <summary>Markdown: a table per step (slot, formula, product, accumulated gradient), then the gradients as a list.</summary>
    public string ToMarkdown() => DerivationText.Markdown(this);

    /// <summary>LaTeX: one <c>align*</c> environment with a line <c>\frac{\partial L}{\partial a} = …</c> per term and
    /// per summed gradient.</summary>
    public string ToLatex() => DerivationText.Latex(this);
}

/// <summary><see cref="Derivation"/>s of tensors.</summary>
public static class Explanation
{
    /// <summary>
    /// Explains ∂L/∂x for every tensor x in the graph behind the one-element tensor <paramref name="loss"/> (L): walks
    /// the graph with an explicit stack in the engine's backward order, applies each op's local-derivative rule to the
    /// upstream gradient ∂L/∂y (the vector–Jacobian product, per operand slot), sums each contribution to its input's
    /// shape and accumulates the terms of every tensor in the order the engine does. Changes no .Grad and keeps the
    /// graph. <paramref name="names"/> optionally names tensors (e.g. <c>(a, "a")</c>); others go by snapshot id.
    /// </summary>
    /// <exception cref="ArgumentException">The root has more than one element.</exception>
    /// <exception cref="InvalidOperationException">A backward without retainGraph freed the graph, or the root does
    /// not require grad.</exception>
    public static Derivation Explain<T>(this Tensor<T> loss, params (Tensor<T> Tensor, string Name)[] names)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.NumElements != 1)
            throw new ArgumentException($"Explain: the root has shape {Shapes.Format(loss.Dims)} ({loss.NumElements} elements); explain a one-element loss (reduce it first, e.g. with Sum())", nameof(loss));
        if (!loss.RequiresGrad)
            throw new InvalidOperationException($"Explain: the root (shape {Shapes.Format(loss.Dims)}) does not require grad and has no graph to explain");
        var ops = Walk(loss);
        var snapshot = GraphSnapshot.Of(loss);
        var ids = Ids(loss, ops, snapshot);
        var given = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        foreach (var (tensor, name) in names) given[tensor] = name;
        string Name(Tensor<T> t) => given.TryGetValue(t, out var n) ? n : ReferenceEquals(t, loss) ? "L" : ids[t];
        return new Replay<T>(loss, ids, Name).Run();
    }

    /// <summary>Every op reachable from the root with the tensor it produced (explicit stack); throws if any was freed.</summary>
    private static List<(Node<T> Node, Tensor<T> Output)> Walk<T>(Tensor<T> root) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var found = new List<(Node<T>, Tensor<T>)>();
        if (root.GradFn is not { } top) return found;
        var seen = new HashSet<Node<T>>(ReferenceEqualityComparer.Instance) { top };
        var stack = new Stack<(Node<T>, Tensor<T>)>();
        stack.Push((top, root));
        while (stack.Count > 0)
        {
            var (node, output) = stack.Pop();
            if (node.IsReleased)
                throw new InvalidOperationException(
                    $"Explain: the graph through '{node.Name}' (output shape {Shapes.Format(output.Dims)}) was freed by a Backward() without retainGraph; " +
                    "call Explain() before Backward(), or pass retainGraph: true to Backward().");
            found.Add((node, output));
            for (int i = 0; i < node.InputCount; i++)
            {
                var input = node.Input(i);
                if (input.GradFn is { } producer && seen.Add(producer)) stack.Push((producer, input));
            }
        }
        return found;
    }

    /// <summary>Each tensor's snapshot id: ops "n0".. by sequence number (as the snapshot numbers them), inputs by the
    /// snapshot's edge into their consumer's slot, so leaf ids are the snapshot's own.</summary>
    private static Dictionary<Tensor<T>, string> Ids<T>(Tensor<T> root, List<(Node<T> Node, Tensor<T> Output)> ops,
        GraphSnapshot snapshot) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ids = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        if (root.GradFn is null)
        {
            ids[root] = snapshot.RootId;
            return ids;
        }
        var ordered = ops.OrderBy(o => o.Node.SequenceNumber).ToList();
        var from = snapshot.Edges.ToDictionary(e => (e.To, e.Slot), e => e.From);
        for (int i = 0; i < ordered.Count; i++) ids[ordered[i].Output] = "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 0; i < ordered.Count; i++)
        {
            var (node, output) = ordered[i];
            for (int j = 0; j < node.InputCount; j++) ids.TryAdd(node.Input(j), from[(ids[output], j)]);
        }
        return ids;
    }
}
