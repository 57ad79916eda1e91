namespace Autograd.Tests.Engine;

/// <summary>The public, read-only graph view (<see cref="Tensor{T}.GradFn"/>, <see cref="Node{T}"/>).</summary>
public class GraphViewTests
{
    [Fact]
    public void APlusAHasTwoEdgesToTheSameTensor()
    {
        var a = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = a + a;
        var node = y.GradFn!;
        Assert.Equal("Add", node.Name);
        Assert.Equal(2, node.Edges.Count);
        Assert.Same(a, node.Edges[0].Input);
        Assert.Same(a, node.Edges[1].Input);
        Assert.Equal(new[] { 0, 1 }, node.Edges.Select(e => e.Slot));
        Assert.Null(node.Edges[0].Node); // a leaf
        Assert.Equal("∂(a + b)/∂a = 1", node.Formula(0));
        Assert.Empty(node.SavedTensors); // addition reads no tensor in backward
    }

    [Fact]
    public void WalkingFromTheLossReachesEveryOpWithItsFormulaAndSavedTensors()
    {
        // L = Σ exp(x·w): nodes Sum ← Exp ← Mul; Mul saves both operands, Exp its output.
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var w = Tensor.FromArray(new double[] { 3, 4 }, requiresGrad: true);
        var p = x * w;
        var e = p.Exp();
        var loss = e.Sum();
        var sum = loss.GradFn!;
        var exp = sum.Edges[0].Node!;
        var mul = exp.Edges[0].Node!;
        Assert.Equal(new[] { "Sum", "Exp", "Mul" }, new[] { sum.Name, exp.Name, mul.Name });
        Assert.Equal("∂(a·b)/∂a = b", mul.Edges[0].Formula);
        Assert.Equal("∂(a·b)/∂b = a", mul.Edges[1].Formula);
        Assert.Equal(new[] { x, w }, mul.SavedTensors);
        Assert.Same(e, Assert.Single(exp.SavedTensors));
        // Sequence numbers follow recording order.
        Assert.True(mul.SequenceNumber < exp.SequenceNumber && exp.SequenceNumber < sum.SequenceNumber);
        Assert.Equal($"Mul#{mul.SequenceNumber}", mul.ToString());
    }

    [Fact]
    public void BackwardReleasesTheNodesUnlessRetained()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = (x * 2.0).Sum();
        var node = y.GradFn!;
        y.Backward(retainGraph: true);
        Assert.False(node.IsReleased);
        y.Backward();
        Assert.True(node.IsReleased);
        Assert.Empty(node.Edges);
    }

    [Fact]
    public void NoGraphIsRecordedUnderNoGradOrWithoutInputsThatRequireGrad()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 });
        Assert.Null((x * x).GradFn);
        var w = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        using (Tensor.NoGrad()) Assert.Null((w * w).GradFn);
    }
}
