using Autograd.Engine;

namespace Autograd.Tests.Engine;

/// <summary>
/// A leaf's first gradient taken without a copy when the op's fused rule returns fresh tensors
/// (<see cref="OpInfo.FreshFusedGradients"/>), and copied whenever the tensor could be held elsewhere: shared between two
/// slots, the upstream gradient, an operand, or seen by a hook. Oracles: hand derivations of the gradients, and storage
/// identity (<see cref="Tensor{T}.SharesStorageWith"/>) for the aliasing; a change made in place through one leaf's
/// gradient must leave every other tensor as it was.
/// </summary>
public class GradientAdoptionTests
{
    /// <summary>y = a + b (as a two-input op whose fused rule is declared fresh), with the fused rule given.</summary>
    private static readonly OpInfo FreshAdd = new("FreshAdd", Saved.None, "∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1") { FreshFusedGradients = true };

    private static Tensor<double> Record(Tensor<double> a, Tensor<double> b, Derivative<double> fused) =>
        Graph.Record(Tensor.FromArray((a.ToArray().Zip(b.ToArray(), (x, y) => x + y)).ToArray(), [.. a.Shape]), FreshAdd,
            [a, b], (g, _, _) => [g, g], fused: fused);

    private static Tensor<double> Leaf(params double[] values) => Tensor.FromArray(values, [values.Length], requiresGrad: true);

    [Fact]
    public void AttentionGradientsAreAdoptedOncePerLeafAndSurviveTheScope()
    {
        // Oracle for the values: a second backward through the same (retained) graph doubles every gradient, since
        // ∂/∂x of 2·L is 2·∂L/∂x. The first pass's gradients were adopted inside the scope: they must still hold the
        // doubled values after it ends and after a second scope rented buffers of the same sizes.
        var g = new Generator(3);
        var q = Tensor.Randn<double>([2, 5, 4], g, requiresGrad: true);
        var k = Tensor.Randn<double>([2, 5, 4], g, requiresGrad: true);
        var v = Tensor.Randn<double>([2, 5, 3], g, requiresGrad: true);
        double[] dq, dk, dv;
        using (Tensor.Scope())
        {
            var loss = q.ScaledDotProductAttention(k, v, null, true, 0.5).Square().Sum();
            loss.Backward(retainGraph: true);
            (dq, dk, dv) = (q.Grad!.ToArray(), k.Grad!.ToArray(), v.Grad!.ToArray());
            Assert.False(q.Grad.SharesStorageWith(k.Grad!));
            Assert.False(q.Grad.SharesStorageWith(v.Grad!));
            Assert.False(k.Grad!.SharesStorageWith(v.Grad!));
            loss.Backward();
        }
        using (Tensor.Scope())
        {
            var (q2, k2, v2) = (q.Detach().Clone(), k.Detach().Clone(), v.Detach().Clone());
            q2.RequiresGrad = k2.RequiresGrad = v2.RequiresGrad = true;
            q2.ScaledDotProductAttention(k2, v2, null, true, 0.5).Square().Sum().Backward();
        }
        Assert.Equal(dq.Select(x => 2 * x), q.Grad!.ToArray());
        Assert.Equal(dk.Select(x => 2 * x), k.Grad!.ToArray());
        Assert.Equal(dv.Select(x => 2 * x), v.Grad!.ToArray());
    }

    [Fact]
    public void OneLeafInThreeSlotsGetsTheSumOfItsGradients()
    {
        // Oracle: x in the q, k and v slots gets ∂L/∂q + ∂L/∂k + ∂L/∂v, computed on three separate leaves with x's values;
        // the first slot's gradient is adopted and the others are added into it, so they must not alias it.
        var g = new Generator(4);
        var x = Tensor.Randn<double>([3, 4, 4], g, requiresGrad: true);
        x.ScaledDotProductAttention(x, x, null, false, 0.7).Square().Sum().Backward();
        var (q, k, v) = (x.Detach().Clone(), x.Detach().Clone(), x.Detach().Clone());
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        q.ScaledDotProductAttention(k, v, null, false, 0.7).Square().Sum().Backward();
        double[] expected = [.. q.Grad!.ToArray().Select((d, i) => d + k.Grad!.ToArray()[i] + v.Grad!.ToArray()[i])];
        double[] actual = x.Grad!.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void OneTensorReturnedForTwoSlotsIsCopiedForEach()
    {
        // y = a + b, L = Σ y: ∂L/∂a = ∂L/∂b = 1. The fused rule returns one fresh tensor for both slots (as a rule that
        // hands the same dGates to two inputs): neither leaf may hold it shared with the other, so accumulating into
        // a's gradient (a second backward through a alone: ∂(2·Σ a)/∂a = 2) leaves b's gradient at 1.
        var (a, b) = (Leaf(1, 2), Leaf(3, 4));
        Record(a, b, (g, _, _) =>
        {
            var shared = Tensor.FromArray(g.ToArray(), [.. g.Shape]);
            return [shared, shared];
        }).Sum().Backward();
        Assert.False(a.Grad!.SharesStorageWith(b.Grad!));
        (a * 2.0).Sum().Backward();
        Assert.Equal([3.0, 3], a.Grad.ToArray());
        Assert.Equal([1.0, 1], b.Grad!.ToArray());
    }

    [Fact]
    public void DistinctFreshTensorsAreAdoptedAndStayApart()
    {
        // ∂(Σ (a + b))/∂a = ∂/∂b = 1; each slot gets its own fresh tensor, which the leaves take as they are. An in-place
        // change through a's gradient (the optimizer's zeroing) must not reach b's.
        var (a, b) = (Leaf(1, 2), Leaf(3, 4));
        Tensor<double>[] returned = [];
        Record(a, b, (g, _, _) =>
            returned = [Tensor.FromArray(g.ToArray(), [.. g.Shape]), Tensor.FromArray(g.ToArray(), [.. g.Shape])]).Sum().Backward();
        Assert.Same(returned[0], a.Grad);
        Assert.Same(returned[1], b.Grad);
        a.Grad!.AsSpan().Clear();
        Assert.Equal([1.0, 1], b.Grad!.ToArray());
    }

    [Fact]
    public void TheUpstreamGradientIsNeverAdopted()
    {
        // y = a + b with y.Backward(G): ∂/∂a = G. The fused rule passes G on for a (and a fresh copy for b): a's gradient
        // must be a copy, so a later change to G (the caller's tensor) leaves a.Grad = G as it was.
        var (a, b) = (Leaf(1, 2), Leaf(3, 4));
        var upstream = Tensor.FromArray([5.0, 7], [2]);
        Record(a, b, (g, _, _) => [g, Tensor.FromArray(g.ToArray(), [.. g.Shape])]).Backward(upstream);
        Assert.False(a.Grad!.SharesStorageWith(upstream));
        upstream.AsSpan().Fill(0);
        Assert.Equal([5.0, 7], a.Grad.ToArray());
    }

    [Fact]
    public void AnOperandOrAViewOfOneIsNeverAdopted()
    {
        // A (wrong but possible) fused rule returning the operand b itself for a, and a reshaped view of b for b: both
        // leaves must get copies (∂/∂a read as b = [3, 4], ∂/∂b likewise), so zeroing a's gradient changes neither b nor
        // b's gradient.
        var (a, b) = (Leaf(1, 2), Leaf(3, 4));
        Record(a, b, (_, _, xs) => [xs[1].Detach(), xs[1].Detach().Reshape(2)]).Sum().Backward();
        Assert.False(a.Grad!.SharesStorageWith(b));
        Assert.False(b.Grad!.SharesStorageWith(b));
        a.Grad.AsSpan().Clear();
        Assert.Equal([3.0, 4], b.ToArray());
        Assert.Equal([3.0, 4], b.Grad.ToArray());
    }

    [Fact]
    public void AHookedLeafGetsACopyOfWhatItsHookSaw()
    {
        // ∂(Σ (a + b))/∂a = 1; a's hook keeps the tensor it is shown. a's gradient must not be that tensor's storage:
        // zeroing a.Grad leaves the hook's tensor at 1.
        var (a, b) = (Leaf(1, 2), Leaf(3, 4));
        Tensor<double>? seen = null;
        a.RegisterHook(g => { seen = g; return null; });
        Record(a, b, (g, _, _) => [Tensor.FromArray(g.ToArray(), [.. g.Shape]), Tensor.FromArray(g.ToArray(), [.. g.Shape])])
            .Sum().Backward();
        Assert.False(a.Grad!.SharesStorageWith(seen!));
        a.Grad.AsSpan().Clear();
        Assert.Equal([1.0, 1], seen!.ToArray());
    }

    [Fact]
    public void LargeBroadcastGradientsAccumulateIntoAnExistingGrad()
    {
        // Above the parallel threshold (2¹⁸ elements) a strided or broadcast gradient is added into .Grad in chunks.
        // Oracles by hand: ∂(3·Σx)/∂x = 3 everywhere (a scalar expanded: one run of stride 0), and ∂(Σⱼ wⱼ·Σᵢ xᵢⱼ)/∂xᵢⱼ = wⱼ
        // (a row expanded down 700 rows: many runs); a second backward adds the same again, and the first one, into a
        // zeroed .Grad, sets it.
        var x = Tensor.Zeros<float>([700, 400]);
        x.RequiresGrad = true;
        var w = Tensor.FromArray(Enumerable.Range(0, 400).Select(j => (float)(j % 7) - 3).ToArray(), [400]);
        x.Grad = Tensor.Zeros<float>([700, 400]);
        (x.Sum() * 3f).Backward();
        (x.Sum() * 3f).Backward();
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(6f, v));
        x.Grad = Tensor.Zeros<float>([700, 400]);
        (x.Sum(0) * w).Sum().Backward();
        (x.Sum(0) * w).Sum().Backward();
        var grad = x.Grad!.ToArray();
        for (int i = 0; i < grad.Length; i++) Assert.Equal(2 * ((i % 400) % 7 - 3f), grad[i]);
        // A transposed gradient (rows at different offsets): ∂(Σ xᵀ ⊙ m)/∂x = mᵀ.
        var m = Tensor.FromArray(Enumerable.Range(0, 400 * 700).Select(k => (float)(k % 11)).ToArray(), [400, 700]);
        x.Grad = Tensor.Zeros<float>([700, 400]);
        (x.Transpose(0, 1) * m).Sum().Backward();
        grad = x.Grad!.ToArray();
        for (int i = 0; i < 700; i++)
            for (int j = 0; j < 400; j++) Assert.Equal((float)((j * 700 + i) % 11), grad[i * 400 + j]);
    }
}
