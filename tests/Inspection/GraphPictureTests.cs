using System.Text.RegularExpressions;

namespace Autograd.Tests.Inspection;

/// <summary>Graph snapshots and their DOT and Mermaid renderings, checked by parsing the text they produce.</summary>
public partial class GraphPictureTests
{
    [GeneratedRegex("""^\s*(\w+) -> (\w+) \[label="((?:[^"\\]|\\.)*)"\];$""", RegexOptions.Multiline)]
    private static partial Regex DotEdge();

    [GeneratedRegex("""^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"(?:, peripheries=2)?\];$""", RegexOptions.Multiline)]
    private static partial Regex DotNode();

    [GeneratedRegex("""^\s*(\w+) -->\|"([^"|]*)"\| (\w+)$""")]
    private static partial Regex MermaidEdge();

    [GeneratedRegex("""^\s*(\w+)\["([^"\[\]|<>]*(?:<br/>[^"\[\]|<>]*)*)"\]$""")]
    private static partial Regex MermaidNode();

    private static Tensor<double> Vec(params double[] v) => Tensor.FromArray(v, [v.Length], requiresGrad: true);

    private static List<(string From, string To, string Label)> DotEdges(string dot) =>
        DotEdge().Matches(dot).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    private static Dictionary<string, string> DotLabels(string dot) =>
        DotNode().Matches(dot).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    /// <summary>Independent oracle: the distinct op nodes reachable from <paramref name="root"/> (explicit stack over
    /// GradFn/Edges) and the number of operand slots over all of them.</summary>
    private static (List<Node<double>> Nodes, int Edges) Reachable(Tensor<double> root)
    {
        var nodes = new List<Node<double>>();
        var stack = new Stack<Node<double>>();
        stack.Push(root.GradFn!);
        int edges = 0;
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (nodes.Any(n => ReferenceEquals(n, node))) continue;
            nodes.Add(node);
            edges += node.Edges.Count;
            foreach (var e in node.Edges) if (e.Node is { } p) stack.Push(p);
        }
        return (nodes, edges);
    }

    /// <summary>A two-layer perceptron's loss: L = mean((relu(x·W1 + b1)·W2 − t)²).</summary>
    private static (Tensor<double> Loss, Tensor<double>[] Leaves) Mlp()
    {
        var x = Tensor.FromArray(new double[] { 1, -2, 0.5, 3, 0, -1 }, [2, 3]);
        var w1 = Tensor.FromArray(new double[] { 0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, 1.1, 1.2 }, [3, 4], requiresGrad: true);
        var b1 = Tensor.FromArray(new double[] { 0.1, 0.2, 0.3, 0.4 }, [4], requiresGrad: true);
        var w2 = Tensor.FromArray(new double[] { 1, -1, 0.5, 2 }, [4, 1], requiresGrad: true);
        var t = Tensor.FromArray(new double[] { 1, 0 }, [2, 1]);
        var h = (x.MatMul(w1) + b1).Relu();
        var d = h.MatMul(w2) - t;
        return ((d * d).Mean(), [x, w1, b1, w2, t]);
    }

    [Fact]
    public void APlusAHasTwoEdgesFromAToTheAddNodeLabelledWithSlotsZeroAndOne()
    {
        var a = Vec(1, 2);
        var y = a + a;
        var edges = DotEdges(y.ToDot());
        // One leaf (leaf0 = a) and one op (n0 = Add); an edge per operand slot, both from a.
        Assert.Equal(2, edges.Count);
        Assert.All(edges, e => Assert.Equal(("leaf0", "n0"), (e.From, e.To)));
        Assert.Equal(new[] { "0: ∂(a + b)/∂a = 1", "1: ∂(a + b)/∂b = 1" }, edges.Select(e => e.Label).Order(StringComparer.Ordinal));
        var mermaidEdges = y.ToMermaid().Split('\n').Where(l => l.Contains("-->", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, mermaidEdges.Count);
    }

    [Fact]
    public void AnMlpGivesOneNodePerRecordedOpInSequenceOrder()
    {
        var (loss, leaves) = Mlp();
        var (oracle, oracleEdges) = Reachable(loss);
        var snapshot = loss.Snapshot();
        var ops = snapshot.Nodes.Where(n => !n.IsLeaf).ToList();
        Assert.Equal(oracle.Count, ops.Count);
        // Ids n0, n1, … follow ascending sequence numbers and name the same ops as the oracle sorted by them.
        Assert.Equal(oracle.OrderBy(n => n.SequenceNumber).Select(n => n.Name), ops.Select(n => n.Op));
        Assert.Equal(Enumerable.Range(0, ops.Count).Select(i => $"n{i}"), ops.Select(n => n.Id));
        Assert.True(ops.Zip(ops.Skip(1)).All(p => p.First.SequenceNumber < p.Second.SequenceNumber));
        Assert.Equal(ops[^1].Id, snapshot.RootId);
        Assert.Equal(loss.GradFn!.Name, ops[^1].Op);
        // Every leaf tensor appears once; x and t do not require grad, so they are "input".
        Assert.Equal(leaves.Length, snapshot.Nodes.Count(n => n.IsLeaf));
        Assert.Equal(2, snapshot.Nodes.Count(n => n.Op == "input"));

        var dot = loss.ToDot();
        var labels = DotLabels(dot);
        Assert.Equal(snapshot.Nodes.Count, labels.Count);
        Assert.Equal(oracle.Count, labels.Keys.Count(k => k.StartsWith('n')));
        Assert.Equal(oracleEdges, DotEdges(dot).Count);
        // Every edge joins two drawn nodes.
        Assert.All(DotEdges(dot), e => Assert.True(labels.ContainsKey(e.From) && labels.ContainsKey(e.To), $"{e.From} -> {e.To}"));
    }

    [Fact]
    public void SmallTensorsShowTheirValuesAndLargeOnesASummary()
    {
        var small = Vec(1, 2.5, -0.125);
        var large = Tensor.Arange<double>(1000);
        large.RequiresGrad = true;
        var y = (small * 2.0).Sum() + large.Sum();
        var labels = DotLabels(y.ToDot());
        var smallLabel = labels.Values.Single(l => l.Contains("Double [3]", StringComparison.Ordinal) && l.Contains(": leaf", StringComparison.Ordinal));
        Assert.Contains("value [1, 2.5, -0.125]", smallLabel);
        // 0, 1, …, 999: min 0, max 999, mean (0 + 999)/2 = 499.5.
        var largeLabel = labels.Values.Single(l => l.Contains("Double [1000]", StringComparison.Ordinal) && l.Contains(": leaf", StringComparison.Ordinal));
        Assert.Contains("value min 0 max 999 mean 499.5 (1000 elements)", largeLabel);
        Assert.DoesNotContain("998", largeLabel);
        // small * 2 = [2, 5, -0.25], listed with G4 formatting.
        Assert.Contains(labels.Values, l => l.Contains("value [2, 5, -0.25]", StringComparison.Ordinal));
    }

    [Fact]
    public void AfterBackwardWithRetainGraphTheLeavesShowTheirGradients()
    {
        var x = Vec(1, 2);
        var w = Vec(3, 4);
        var loss = (x * w).Sum();
        Assert.DoesNotContain("grad [", loss.ToDot());
        loss.Backward(retainGraph: true);
        var labels = DotLabels(loss.ToDot());
        // L = Σ xᵢ·wᵢ: ∂L/∂x = w = [3, 4], ∂L/∂w = x = [1, 2]. x is used first (slot 0 of Mul), so it is leaf0.
        Assert.Contains("grad [3, 4]", labels["leaf0"]);
        Assert.Contains("grad [1, 2]", labels["leaf1"]);
        Assert.Contains("value [1, 2]", labels["leaf0"]);
        // Non-leaves that do not retain their gradient show none.
        Assert.DoesNotContain("grad", labels["n0"]);
        // Mermaid writes the brackets as entity codes #91; and #93;.
        Assert.Contains("grad #91;3, 4#93;", loss.ToMermaid());
    }

    [Fact]
    public void ARetainedNonLeafShowsItsGradient()
    {
        var x = Vec(1, 2);
        var p = x * x;
        p.RetainGrad();
        var loss = p.Sum();
        loss.Backward(retainGraph: true);
        // ∂(Σ p)/∂p = 1 for each element; ∂L/∂x = 2x = [2, 4].
        var snapshot = loss.Snapshot();
        Assert.Equal("[1, 1]", snapshot["n0"].Grad!.ToString());
        Assert.Equal("[2, 4]", snapshot["leaf0"].Grad!.ToString());
    }

    [Fact]
    public void TheSameProgramRendersByteIdenticalText()
    {
        var (first, _) = Mlp();
        var (second, _) = Mlp();
        // The raw sequence numbers differ between the two runs; the rendered ids do not.
        Assert.NotEqual(first.GradFn!.SequenceNumber, second.GradFn!.SequenceNumber);
        Assert.Equal(first.ToDot(), second.ToDot());
        Assert.Equal(first.ToMermaid(), second.ToMermaid());
        first.Backward(retainGraph: true);
        second.Backward(retainGraph: true);
        Assert.Equal(first.ToDot(), second.ToDot());
    }

    [Fact]
    public void AFreedGraphThrowsSayingToDrawBeforeBackwardOrRetainIt()
    {
        var x = Vec(1, 2);
        var loss = (x * x).Sum();
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.ToDot());
        Assert.Contains("before backward", ex.Message);
        Assert.Contains("retainGraph: true", ex.Message);
        Assert.Contains("'Sum'", ex.Message);
        Assert.Throws<InvalidOperationException>(() => loss.ToMermaid());
    }

    [Fact]
    public void MermaidStartsWithFlowchartAndHasOneLinePerEdge()
    {
        var (loss, _) = Mlp();
        var (oracle, oracleEdges) = Reachable(loss);
        var lines = loss.ToMermaid().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("flowchart", lines[0]);
        var edgeLines = lines.Where(l => l.Contains("-->", StringComparison.Ordinal)).ToList();
        Assert.Equal(oracleEdges, edgeLines.Count);
        Assert.All(edgeLines, l => Assert.Matches(MermaidEdge(), l));
        var nodeLines = lines.Skip(1).Where(l => !l.Contains("-->", StringComparison.Ordinal)).ToList();
        Assert.All(nodeLines, l => Assert.Matches(MermaidNode(), l));
        Assert.Equal(oracle.Count + 5, nodeLines.Count); // ops plus the five leaves x, W1, b1, W2, t
    }

    /// <summary>A function whose formula holds every character DOT or Mermaid treat as syntax.</summary>
    private sealed class Awkward : Function<double>
    {
        public override string Formula(int input) => "say \"hi\" [x] <y> |z| {w} #1; a\\b";

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0] * 2.0;

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [g * 2.0];
    }

    [Fact]
    public void QuotesBracketsAnglesAndBarsAreEscaped()
    {
        var y = new Awkward().Apply(Vec(1, 2));
        var dot = y.ToDot();
        // The edge line still parses as one quoted label, with the quote and backslash escaped.
        var edge = Assert.Single(DotEdges(dot));
        Assert.Equal("0: say \\\"hi\\\" [x] <y> |z| {w} #1; a\\\\b", edge.Label);
        var mermaid = y.ToMermaid();
        var line = Assert.Single(mermaid.Split('\n'), l => l.Contains("-->", StringComparison.Ordinal));
        var m = MermaidEdge().Match(line);
        Assert.True(m.Success, line);
        // Entity codes: " 34, [ 91, ] 93, < 60, > 62, | 124, { 123, } 125, # 35, ; 59.
        Assert.Equal("0: say #34;hi#34; #91;x#93; #60;y#62; #124;z#124; #123;w#125; #35;1#59; a\\b", m.Groups[2].Value);
    }

    [Fact]
    public void FloatTensorsAndLeafRootsAreDrawnToo()
    {
        var f = Tensor.FromArray(new float[] { 0.1f, 2f }, [2], requiresGrad: true);
        var snapshot = (f * f).Snapshot();
        // 0.1f is 0.100000001490116… as a double; G4 prints 0.1. (0.1f)² ≈ 0.01.
        Assert.Equal("Single", snapshot["leaf0"].ElementType);
        Assert.Equal("[0.1, 2]", snapshot["leaf0"].Values.ToString());
        Assert.Equal("[0.01, 4]", snapshot["n0"].Values.ToString());
        var leafOnly = Vec(5).Snapshot();
        Assert.Equal("leaf0", Assert.Single(leafOnly.Nodes).Id);
        Assert.Empty(leafOnly.Edges);
        Assert.Empty(DotEdges(Vec(5).ToDot()));
    }

    [Fact]
    public void AnOpFreedByAnEarlierBackwardIsDrawnAsFreedWithoutInputs()
    {
        var x = Vec(1, 2);
        var y = x * 3.0;
        y.Sum().Backward(); // frees y's node
        var z = (y + y).Sum();
        var snapshot = z.Snapshot();
        // z = Σ (y + y): Affine (freed) n0, Add n1, Sum n2; y = 3x = [3, 6] still shows its values.
        Assert.Equal(new[] { "Affine", "Add", "Sum" }, snapshot.Nodes.Select(n => n.Op));
        Assert.True(snapshot["n0"].IsReleased);
        Assert.Equal("[3, 6]", snapshot["n0"].Values.ToString());
        Assert.Contains("n0: Affine (freed)", z.ToDot());
        Assert.Equal(new[] { ("n0", "n1", 0), ("n0", "n1", 1), ("n1", "n2", 0) }, snapshot.Edges.Select(e => (e.From, e.To, e.Slot)));
    }

    [Fact]
    public void TheGraphOfAGradientRecordedWithCreateGraphCanBeDrawn()
    {
        var x = Vec(2);
        var y = (x * x * x).Sum();
        y.Backward(retainGraph: false, createGraph: true);
        // d(x³)/dx = 3x² = 12 at x = 2; the gradient is itself the result of recorded ops.
        var grad = x.Grad!;
        Assert.NotNull(grad.GradFn);
        var snapshot = grad.Snapshot();
        Assert.Equal("[12]", snapshot[snapshot.RootId].Values.ToString());
        Assert.Equal(Reachable(grad).Nodes.Count, snapshot.Nodes.Count(n => !n.IsLeaf));
        Assert.StartsWith("digraph", grad.ToDot());
    }
}
