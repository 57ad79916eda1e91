using Autograd.Engine;

namespace Autograd.PropertyTests;

/// <summary>
/// Laws of the recorded rules themselves, over every registry row: every node (including the nodes of a recorded
/// backward) states the formula of each local derivative; every fused first-order form registered beside a composite
/// rule computes what the composite computes; every in-place accumulation form adds exactly the composite gradient.
/// The composite rule is the oracle: it is what the first- and second-order gradient checks verify against finite
/// differences.
/// </summary>
public class RuleProperties
{
    private const int CasesPerOp = 6;

    public static TheoryData<string> Ops => new(OpCatalog.All.Select(o => o.Name));

    [Theory, MemberData(nameof(Ops))]
    public void EveryNodeStatesTheFormulaOfEachLocalDerivative(string op)
    {
        var row = OpCatalog.Get(op);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var inputs = row.Draw(seed).Inputs;
            var y = row.F(inputs);
            var nodes = Nodes(y);
            // The backward's own graph (createGraph) holds nodes too: TanhBackward, Conv2dInputGrad, …
            var differentiable = inputs.Where(x => x.RequiresGrad).ToArray();
            if (y.RequiresGrad && differentiable.Length > 0)
            {
                var grads = Tensor.Grad([y], differentiable, [Tensor.OnesLike(y)], createGraph: true, allowUnused: true);
                foreach (var g in grads) nodes.AddRange(Nodes(g));
            }
            foreach (var node in nodes)
                for (int i = 0; i < node.Edges.Count; i++)
                {
                    string formula = node.Edges[i].Formula;
                    Assert.False(string.IsNullOrWhiteSpace(formula), $"{op}: node '{node.Name}' has no formula for operand {i}");
                    Assert.Contains("∂", formula);
                }
        }
    }

    /// <summary>Fused forms seen over the whole registry, so the property below cannot pass by comparing nothing.</summary>
    private static readonly string[] FusedOps = ["Softmax", "LogSoftmax", "BatchNorm", "Conv2d", "LstmCell", "GruCell", "LstmSequence", "GruSequence", "LayerNorm", "ScaledDotProductAttention", "PackedSelfAttention", "Gelu", "FeedForward"];
    private static readonly string[] AccumulatingOps = ["MatMul", "Linear", "FeedForward"];

    [Fact]
    public void FusedFirstOrderFormsAgreeWithTheirCompositeRules()
    {
        var compared = new HashSet<string>();
        foreach (var (what, gen, node, g, composite) in NodeCases(7919, n => n.Fused is not null))
        {
            Tensor<double>?[] fused;
            using (Tensor.NoGrad()) fused = node.Fused!(g, node.Output!, node.Inputs);
            Assert.Equal(composite.Length, fused.Length);
            for (int i = 0; i < composite.Length; i++)
            {
                Assert.Equal(composite[i] is null, fused[i] is null);
                if (composite[i] is null) continue;
                AssertClose($"{what}, operand {i}", composite[i]!, fused[i]!);
            }
            compared.Add(node.Name);
        }
        Assert.Equal(FusedOps.Order(), compared.Order());
    }

    /// <summary>In-place forms seen over the whole registry, by formula (the three affine forms share the name "Affine").</summary>
    private static readonly string[] InPlaceForms =
        ["∂(a·s + c)/∂a = s", "∂(−a + c)/∂a = −1", "∂(a/s + c)/∂a = 1/s", "∂tanh x/∂x = 1 − tanh² x = 1 − y²", "∂σ(x)/∂x = σ(x)(1 − σ(x)) = y(1 − y)"];

    [Fact]
    public void InPlaceFormsTurnTheUpstreamGradientIntoTheCompositeGradientBitForBit()
    {
        // The engine scales a gradient it alone holds through the op's in-place form instead of calling the rule; the
        // user must not be able to tell which ran, so the bits must be the composite's.
        var compared = new HashSet<string>();
        foreach (var (what, gen, node, g, composite) in NodeCases(7927, n => n.Info.GradInPlace is not null))
        {
            var grad = g.Clone();
            var input = node.Inputs[0];
            double[] inputBefore = input.ToArray(), outputBefore = node.Output!.ToArray();
            ((GradInPlace<double>)node.Info.GradInPlace!)(grad, node.Output!, input);
            Assert.Equal(composite[0]!.ToArray(), grad.ToArray());
            Assert.Equal(inputBefore, input.ToArray());
            Assert.Equal(outputBefore, node.Output!.ToArray());
            compared.Add(node.Info.Formula(0));
        }
        Assert.Equal(InPlaceForms.Order(), compared.Order());
    }

    [Fact]
    public void InPlaceAccumulationAddsExactlyTheCompositeGradient()
    {
        var compared = new HashSet<string>();
        foreach (var (what, gen, node, g, composite) in NodeCases(104729, n => n.Accumulate is not null))
        {
            var inputs = node.Inputs;
            for (int j = 0; j < inputs.Length; j++)
            {
                if (composite[j] is not { } gj) continue;
                var start = TensorGen.Uniform(gen, [.. inputs[j].Shape], grad: false);
                var destination = start.Clone();
                bool done;
                using (Tensor.NoGrad()) done = node.Accumulate!(j, g, inputs, destination);
                if (!done)
                {
                    Assert.Equal(start.ToArray(), destination.ToArray()); // declined: changed nothing
                    continue;
                }
                Tensor<double> expected;
                using (Tensor.NoGrad()) expected = start + gj.SumTo([.. inputs[j].Shape]);
                AssertClose($"{what}, operand {j}", expected, destination);
                compared.Add(node.Name);
            }
        }
        Assert.Equal(AccumulatingOps.Order(), compared.Order());
    }

    /// <summary>
    /// For every registry row and case seed (drawn with <paramref name="salt"/>), every node of the op's graph that
    /// <paramref name="select"/> picks, with a random upstream gradient and the composite rule's gradients for it.
    /// </summary>
    private static IEnumerable<(string What, Choices Gen, Node<double> Node, Tensor<double> G, Tensor<double>?[] Composite)> NodeCases(
        ulong salt, Func<Node<double>, bool> select)
    {
        foreach (var row in OpCatalog.All)
            for (ulong seed = 1; seed <= CasesPerOp; seed++)
            {
                var gen = new Choices(seed * salt);
                foreach (var node in Nodes(row.F(row.Inputs(gen))).Where(select))
                {
                    var g = TensorGen.Uniform(gen, [.. node.Output!.Shape], grad: false);
                    Tensor<double>?[] composite;
                    using (Tensor.NoGrad()) composite = node.Derivative!(g, node.Output!, node.Inputs);
                    yield return ($"{row.Name} / {node.Name}, seed {seed}", gen, node, g, composite);
                }
            }
    }

    private static void AssertClose(string what, Tensor<double> expected, Tensor<double> actual)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        double[] e = expected.ToArray(), a = actual.ToArray();
        for (int k = 0; k < e.Length; k++)
            Assert.True(Math.Abs(e[k] - a[k]) <= 1e-10 * (1 + Math.Abs(e[k])), $"{what}: element {k} is {a[k]}, composite gives {e[k]}");
    }

    /// <summary>Every node reachable from <paramref name="root"/>, each once, by an explicit stack.</summary>
    private static List<Node<double>> Nodes(Tensor<double> root)
    {
        var seen = new HashSet<Node<double>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node<double>>();
        if (root.GradFn is { } first) stack.Push(first);
        var list = new List<Node<double>>();
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!seen.Add(node)) continue;
            list.Add(node);
            foreach (var edge in node.Edges)
                if (edge.Node is { } next) stack.Push(next);
        }
        return list;
    }
}
