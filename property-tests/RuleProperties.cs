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

    public static TheoryData<string> Ops => new(OpRegistry.All.Select(o => o.Name));

    [Theory, MemberData(nameof(Ops))]
    public void EveryNodeStatesTheFormulaOfEachLocalDerivative(string op)
    {
        var row = OpRegistry.Get(op);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var inputs = row.Inputs(new Generator(seed));
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
    private static readonly string[] FusedOps = ["Softmax", "LogSoftmax", "BatchNorm", "Conv2d"];
    private static readonly string[] AccumulatingOps = ["MatMul", "Linear"];

    [Fact]
    public void FusedFirstOrderFormsAgreeWithTheirCompositeRules()
    {
        var compared = new HashSet<string>();
        foreach (var row in OpRegistry.All)
            for (ulong seed = 1; seed <= CasesPerOp; seed++)
            {
                var gen = new Generator(seed * 7919);
                foreach (var node in Nodes(row.F(row.Inputs(gen))).Where(n => n.Fused is not null))
                {
                    var output = node.Output!;
                    var g = Sample.Uniform(gen, [.. output.Shape], grad: false);
                    Tensor<double>?[] composite, fused;
                    using (Tensor.NoGrad())
                    {
                        composite = node.Derivative!(g, output, node.Inputs);
                        fused = node.Fused!(g, output, node.Inputs);
                    }
                    Assert.Equal(composite.Length, fused.Length);
                    for (int i = 0; i < composite.Length; i++)
                    {
                        Assert.Equal(composite[i] is null, fused[i] is null);
                        if (composite[i] is null) continue;
                        AssertClose($"{row.Name} / {node.Name} operand {i}, seed {seed}", composite[i]!, fused[i]!);
                    }
                    compared.Add(node.Name);
                }
            }
        Assert.Equal(FusedOps.Order(), compared.Order());
    }

    [Fact]
    public void InPlaceAccumulationAddsExactlyTheCompositeGradient()
    {
        var compared = new HashSet<string>();
        foreach (var row in OpRegistry.All)
            for (ulong seed = 1; seed <= CasesPerOp; seed++)
            {
                var gen = new Generator(seed * 104729);
                foreach (var node in Nodes(row.F(row.Inputs(gen))).Where(n => n.Accumulate is not null))
                {
                    var output = node.Output!;
                    var g = Sample.Uniform(gen, [.. output.Shape], grad: false);
                    Tensor<double>?[] composite;
                    using (Tensor.NoGrad()) composite = node.Derivative!(g, output, node.Inputs);
                    for (int j = 0; j < node.Inputs.Length; j++)
                    {
                        if (composite[j] is not { } gj) continue;
                        var input = node.Inputs[j];
                        var start = Sample.Uniform(gen, [.. input.Shape], grad: false);
                        var destination = start.Clone();
                        bool done;
                        using (Tensor.NoGrad()) done = node.Accumulate!(j, g, node.Inputs, destination);
                        if (!done)
                        {
                            Assert.Equal(start.ToArray(), destination.ToArray()); // declined: changed nothing
                            continue;
                        }
                        Tensor<double> expected;
                        using (Tensor.NoGrad()) expected = start + gj.SumTo([.. input.Shape]);
                        AssertClose($"{row.Name} / {node.Name} operand {j}, seed {seed}", expected, destination);
                        compared.Add(node.Name);
                    }
                }
            }
        Assert.Equal(AccumulatingOps.Order(), compared.Order());
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
