namespace Autograd.Tests.Engine;

/// <summary>
/// The engine scales a gradient in place through an elementwise op's in-place form (<c>GradInPlace</c>: tanh, sigmoid,
/// a · s, −a, a / s) only when the backward pass alone holds it: its own seed, a sum it made, or such a gradient
/// scaled in place. Anything that may hold the gradient (a hook, RetainGrad, Grad's results, a seed the user passed)
/// keeps it as it was. Oracles: the chain rule written out by hand in the same operations and order (so equal bits),
/// hand derivations for the small graphs, and the values a holder saw, which must not change afterwards.
/// </summary>
public class InPlaceGradientTests
{
    private static Tensor<double> Scalar(double v) => Tensor.Scalar(v, requiresGrad: true);

    /// <summary>
    /// y = tanh(y·s + c), n times, from x: the bytes this thread allocates in its backward, with the gradient it got and
    /// the chain rule's product. dy_n/dx = Π (1 − y_i²)·s, multiplied from the last step back, as the engine does:
    /// g ← g·(1 − y_i²) (tanh), then g ← g·s (the affine step; + c passes g on). The same float operations in the same
    /// order, so the same bits.
    /// </summary>
    private static (long Bytes, float Gradient, float Expected) ScalarChainBackward(int n)
    {
        const float s = 1.0001f, c = 0.001f;
        (Tensor<float> X, Tensor<float> Y, float[] Ys) Build()
        {
            var x = Tensor.Scalar(0.5f, requiresGrad: true);
            var y = x;
            var ys = new float[n];
            for (int i = 0; i < n; i++)
            {
                y = (y * s + c).Tanh();
                ys[i] = y.Item();
            }
            return (x, y, ys);
        }
        Build().Y.Backward(); // warm-up: the code paths compiled before counting
        var (x, y, ys) = Build();
        long before = GC.GetAllocatedBytesForCurrentThread();
        y.Backward();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        float expected = 1f;
        for (int i = n - 1; i >= 0; i--)
        {
            expected *= 1f - ys[i] * ys[i];
            expected *= s;
        }
        return (bytes, x.Grad!.Item(), expected);
    }

    [Fact]
    public void AScalarChainGetsTheChainRuleProductWithoutAllocatingPerNode()
    {
        const int n = 2000;
        var (bytes, gradient, expected) = ScalarChainBackward(n);
        Assert.Equal(expected, gradient);
        // A rule's result array alone is 32 bytes per node, a new gradient 128 more; in place, only the engine's two
        // stacks grow (about 16 bytes per node at their largest, doubling as they go).
        Assert.True(bytes < 32L * n, $"backward of {n} steps allocated {bytes} bytes");
    }

    [Fact]
    public void AnotherThreadsAnomalyScopeLeavesThisThreadsBackwardAsItIs()
    {
        // Anomaly mode is per thread. With a scope open on another thread, this thread's backward still scales in place
        // (it took the checked path and allocated 368 bytes per node, seen when the suite ran an anomaly test beside the
        // test above) and gives the same bits.
        const int n = 2000;
        using var opened = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            using (Tensor.DetectAnomaly())
            {
                opened.Set();
                release.Wait();
            }
        });
        other.Start();
        opened.Wait();
        try
        {
            var (bytes, gradient, expected) = ScalarChainBackward(n);
            Assert.Equal(expected, gradient);
            Assert.True(bytes < 32L * n, $"backward of {n} steps allocated {bytes} bytes");
        }
        finally
        {
            release.Set();
            other.Join();
        }
    }

    [Fact]
    public void AHookOnAnIntermediateKeepsTheGradientItSaw()
    {
        // c = 2·tanh(x): ∂c/∂b = 2 at b = tanh(x). The seed is the engine's and is scaled in place to 2 by the affine
        // node; b's hook sees that tensor, so b's tanh node must not scale it again in place.
        var x = Scalar(0.3);
        var b = x.Tanh();
        Tensor<double>? seen = null;
        b.RegisterHook(g => { seen = g; return null; });
        (b * 2.0).Backward();
        Assert.Equal(2.0, seen!.Item());
        Assert.Equal(2.0 * (1 - Math.Tanh(0.3) * Math.Tanh(0.3)), x.Grad!.Item(), 15);
    }

    [Fact]
    public void ARetainedGradientIsTheUnscaledOne()
    {
        var x = Scalar(-0.4);
        var b = x.Sigmoid();
        b.RetainGrad();
        (b * -3.0).Backward();
        // ∂c/∂b = −3; ∂c/∂x = −3·σ(x)(1 − σ(x)).
        double sig = 1 / (1 + Math.Exp(0.4));
        Assert.Equal(-3.0, b.Grad!.Item());
        Assert.Equal(-3.0 * sig * (1 - sig), x.Grad!.Item(), 15);
    }

    [Fact]
    public void GradReturnsAnIntermediatesGradientUnscaled()
    {
        // Tensor.Grad with b among the inputs returns ∂c/∂b = 0.5 (c = b / 2) and ∂c/∂x = 0.5·(1 − tanh² x); the first
        // is the tensor the engine then hands to b's node, which must not scale it in place.
        var x = Scalar(0.8);
        var b = x.Tanh();
        var grads = Tensor.Grad([b / 2.0], [b, x]);
        Assert.Equal(0.5, grads[0].Item());
        Assert.Equal(0.5 * (1 - Math.Tanh(0.8) * Math.Tanh(0.8)), grads[1].Item(), 15);
    }

    [Fact]
    public void AGradientTheUserPassedIsNotChanged()
    {
        var x = Tensor.FromArray([0.1, -0.2, 0.7], [3], requiresGrad: true);
        var seed = Tensor.FromArray([1.0, 2.0, 3.0], [3]);
        (-(x.Tanh() * 4.0)).Backward(seed);
        Assert.Equal([1.0, 2.0, 3.0], seed.ToArray());
        // ∂/∂x_i of −4·tanh(x_i), weighted by seed_i.
        double[] xs = [0.1, -0.2, 0.7], seeds = [1, 2, 3];
        for (int i = 0; i < 3; i++)
            Assert.Equal(-4 * seeds[i] * (1 - Math.Tanh(xs[i]) * Math.Tanh(xs[i])), x.Grad!.ToArray()[i], 14);
    }

    [Fact]
    public void ASumTheEngineMadeIsScaledInPlaceCorrectly()
    {
        // b feeds two affine nodes, so its pending gradient is the engine's sum 2 + 3 = 5, which b's tanh node may
        // scale in place: ∂/∂x = 5·(1 − tanh² x). x feeds a second branch too: + 7 (the Affine shift passes it on).
        var x = Scalar(0.25);
        var b = x.Tanh();
        var loss = b * 2.0 + b * 3.0 + (x * 7.0 + 1.0);
        loss.Backward();
        double t = Math.Tanh(0.25);
        Assert.Equal(5 * (1 - t * t) + 7, x.Grad!.Item(), 14);
    }

    [Fact]
    public void ARecordedBackwardStaysDifferentiable()
    {
        // createGraph: nothing is scaled in place. c = 3·tanh(x): c' = 3(1 − t²), c'' = −6t(1 − t²).
        var x = Scalar(0.6);
        var first = Tensor.Grad([x.Tanh() * 3.0], [x], createGraph: true)[0];
        var second = Tensor.Grad([first], [x])[0];
        double t = Math.Tanh(0.6);
        Assert.Equal(3 * (1 - t * t), first.Item(), 14);
        Assert.Equal(-6 * t * (1 - t * t), second.Item(), 14);
    }

    [Fact]
    public void ASavedOutputChangedInPlaceStillThrowsOnTheInPlacePath()
    {
        // The seed (the engine's) reaches tanh's node as the engine's own: the in-place path must still check the
        // output it reads.
        var x = Scalar(0.2);
        var b = x.Tanh();
        var c = b * 2.0;
        b.AsSpan()[0] = 0.9;
        var e = Assert.Throws<InvalidOperationException>(() => c.Backward());
        Assert.Contains("Tanh", e.Message);
        Assert.Contains("modified in place", e.Message);
    }

    [Theory]
    [InlineData(2, "input 2")]
    [InlineData(3, "input 3")]
    public void AnOpReadingAllItsInputsChecksEveryOne(int changed, string named)
    {
        // FeedForward reads all five of its operands (x, W₁, W₂, b₁, b₂): W₂ by its first-order rule, b₁ when the
        // pre-activation is recomputed for second order. Changing either in place after the forward fails by name.
        var x = Tensor.FromArray([0.5, -1.0], [1, 2], requiresGrad: true);
        var w1 = Tensor.FromArray([1.0, 2.0, -1.0, 0.5], [2, 2], requiresGrad: true);
        var w2 = Tensor.FromArray([0.3, -0.7], [1, 2], requiresGrad: true);
        var b1 = Tensor.FromArray([0.1, 0.2], [2], requiresGrad: true);
        var b2 = Tensor.FromArray([0.4], [1], requiresGrad: true);
        var y = x.FeedForward(w1, b1, w2, b2).Sum();
        Tensor<double>[] operands = [x, w1, w2, b1, b2];
        using (Tensor.NoGrad()) operands[changed].AddInPlace(Tensor.OnesLike(operands[changed]));
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("FeedForward", e.Message);
        Assert.Contains(named, e.Message);
        Assert.Contains("modified in place", e.Message);
    }
}
