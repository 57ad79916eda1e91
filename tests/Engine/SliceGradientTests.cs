namespace Autograd.Tests.Engine;

/// <summary>
/// Backward through many slices of one computed tensor (each time step of a sequence projected by one GEMM): the engine
/// adds each slice's gradient into that tensor's pending gradient in place instead of padding it to the whole shape.
/// Oracles: hand derivations of the sums, and the same graph with the slices' rule (a leaf input takes the rule path).
/// </summary>
public class SliceGradientTests
{
    [Fact]
    public void SlicesOfAComputedTensorGetTheirOwnRowsOfTheGradient()
    {
        // p = 2x (x of shape [3, 2]); L = Σ_t (t + 1)·Σ p[t] + Σ p: ∂L/∂p[t, j] = (t + 1) + 1, so ∂L/∂x[t, j] = 2(t + 2).
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [3, 2], requiresGrad: true);
        var p = x * 2.0;
        var loss = p.Sum();
        for (int t = 0; t < 3; t++) loss = loss + p.Select(0, t).Sum() * (t + 1.0);
        loss.Backward();
        Assert.Equal([4.0, 4, 6, 6, 8, 8], x.Grad!.ToArray());
    }

    [Fact]
    public void NarrowAlongAnInnerDimAndRepeatedSlicesAddUp()
    {
        // p = x + 0 (shape [2, 4]); L = Σ p[:, 1:3] + Σ p[:, 1:3] + Σ p[:, 2:4]·3: ∂L/∂x = [0, 2, 5, 3] on every row.
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8], [2, 4], requiresGrad: true);
        var p = x + 0.0;
        var loss = p.Narrow(1, 1, 2).Sum() + p.Narrow(1, 1, 2).Sum() + p.Narrow(1, 2, 2).Sum() * 3.0;
        loss.Backward();
        Assert.Equal([0.0, 2, 5, 3, 0, 2, 5, 3], x.Grad!.ToArray());
    }

    [Fact]
    public void AHookOnTheSlicedTensorSeesTheWholeGradientOnce()
    {
        // ∂L/∂p = [1, 1, 2, 2] for L = Σ p + Σ p[1] with p of shape [2, 2]; the hook runs once with all of it.
        var x = Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        var p = x * 1.0;
        var seen = new List<double[]>();
        p.RegisterHook(g => { seen.Add(g.ToArray()); return null; });
        (p.Sum() + p.Select(0, 1).Sum()).Backward();
        Assert.Equal([1.0, 1, 2, 2], Assert.Single(seen));
    }

    [Fact]
    public void SecondOrderThroughSlicesStillUsesTheRecordedRule()
    {
        // L = Σ_t (p[t])² with p = x·x elementwise: ∂L/∂x = 2p·2x = 4x³, and ∂/∂x Σ ∂L/∂x = 12x².
        var x = Tensor.FromArray([1.0, 2, 3], [3, 1], requiresGrad: true);
        var p = x * x;
        var loss = Tensor.Scalar(0.0);
        for (int t = 0; t < 3; t++) loss = loss + p.Select(0, t).Square().Sum();
        var grad = Tensor.Grad([loss], [x], createGraph: true)[0];
        Assert.Equal([4.0, 32, 108], grad.ToArray());
        grad.Sum().Backward();
        Assert.Equal([12.0, 48, 108], x.Grad!.ToArray());
    }

    [Fact]
    public void ThePendingGradientOfASlicedTensorComesFromTheScopesPool()
    {
        // p [3, 100003] (2.4 MB of doubles, past the size cleared in parallel; an odd length no other test rents from the
        // process-wide pool while this one runs) is sliced three ways, as attention's packed
        // q/k/v are. Oracle for the values: ∂L/∂p[t] = t + 1, so ∂L/∂x = 2(t + 1), also in the second step, whose pending
        // gradient reuses the first step's array (a stale value left in it would show). Oracle for the storage: after one
        // step has filled the pool, a step allocates less than one pending gradient (it was a fresh array every step).
        var x = Tensor.Full([3, 100003], 1.0, requiresGrad: true);
        void Step()
        {
            using var scope = Tensor.Scope();
            var p = x * 2.0;
            var loss = p.Select(0, 0).Sum() + p.Select(0, 1).Sum() * 2.0 + p.Select(0, 2).Sum() * 3.0;
            loss.Backward();
        }
        Step();
        x.Grad = null;
        Step();
        var grad = x.Grad!.ToArray();
        for (int t = 0; t < 3; t++) Assert.All(grad.AsSpan(t * 100003, 100003).ToArray(), v => Assert.Equal(2.0 * (t + 1), v));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 3 * 100003 * sizeof(double), $"a step allocated {allocated} bytes");
    }

    [Fact]
    public void NarrowAndConcatResultsComeFromTheScopesPool()
    {
        // Narrow's backward pads its gradient to the whole shape and Concat builds a new tensor: both results are rented.
        // Oracle for the values: a [2, 40001], c = concat(a, a) along dim 1 is [2, 80002] and L = Σ c[:, 0:50001] takes all
        // of the first copy and columns [0, 10000) of the second, so ∂L/∂a[i, j] = 1 + (j < 10000 ? 1 : 0). (40001 columns:
        // lengths no other test rents from the process-wide pool while this one runs.)
        var a = Tensor.Full([2, 40001], 1.0, requiresGrad: true);
        void Step()
        {
            using var scope = Tensor.Scope();
            var b = a * 1.0;
            Tensor.Concat([b, b], 1).Narrow(1, 0, 50001).Sum().Backward();
        }
        Step();
        a.Grad = null;
        Step();
        var grad = a.Grad!.ToArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 40001; j += 997) Assert.Equal(j < 10000 ? 2.0 : 1.0, grad[i * 40001 + j]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 2 * 40001 * sizeof(double), $"a step allocated {allocated} bytes");
    }
}
