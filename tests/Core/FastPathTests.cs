using Autograd.Checking;

namespace Autograd.Tests.Core;

/// <summary>The fast paths of elementwise ops, reductions, masks, pooling, softmax and batch norm against naive loops, large
/// enough to run in parallel chunks, with lengths that leave vector tails.</summary>
public class FastPathTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 4 - 2);
        return a;
    }

    private static Tensor<float> T(int seed, params int[] shape) => Tensor.FromArray(Random(shape.Aggregate(1, (a, b) => a * b), seed), shape);

    [Fact]
    public void PerChannelBiasAddMatchesNaiveLoop()
    {
        // Oracle: y[n, c, h, w] = x[n, c, h, w] + b[c], elementwise in float (exact).
        int n = 5, c = 7, h = 41, w = 43;
        var x = T(1, n, c, h, w);
        var b = T(2, 1, c, 1, 1);
        var y = (x + b).ToArray();
        float[] xs = x.ToArray(), bs = b.ToArray();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] + bs[i / (h * w) % c], y[i]);
    }

    [Fact]
    public void RowVectorAndTransposedOperandsMatchNaiveLoop()
    {
        // Oracle: y[i, j] = a[j, i] · r[j] for a transposed view a.MT and a row vector r, elementwise (exact).
        int rows = 301, cols = 517;
        var a = T(3, cols, rows);
        var r = T(4, cols);
        var y = (a.MT * r).ToArray();
        float[] av = a.ToArray(), rv = r.ToArray();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) Assert.Equal(av[j * rows + i] * rv[j], y[i * cols + j]);
    }

    [Fact]
    public void MaskedDerivativesMatchScalarDefinitionIncludingTailsAndNaN()
    {
        // Oracle: relu' = 1 for x > 0 else 0; leaky' = 1 or slope; clamp' = 1 on [lo, hi] (bounds included) else 0;
        // NaN is outside every range, so its gradient is g·0 = 0 (or g·slope).
        var xs = Random(70_003, 5);
        xs[0] = 0; xs[1] = float.NaN; xs[2] = -0.5f; xs[3] = 1f; xs[^1] = 0;
        var x = Tensor.FromArray(xs, [xs.Length], requiresGrad: true);
        var g = T(6, xs.Length);
        var gs = g.ToArray();
        (Func<Tensor<float>, Tensor<float>> f, Func<float, float> d)[] cases =
        [
            (t => t.Relu(), v => v > 0 ? 1 : 0),
            (t => t.LeakyRelu(0.2f), v => v > 0 ? 1 : 0.2f),
            (t => t.Clamp(-0.5f, 1f), v => v >= -0.5f && v <= 1f ? 1 : 0),
        ];
        foreach (var (f, d) in cases)
        {
            x.Grad = null;
            f(x).Backward(g);
            var dx = x.Grad!.ToArray();
            for (int i = 0; i < xs.Length; i++) Assert.Equal(gs[i] * d(xs[i]), dx[i]);
        }
    }

    [Fact]
    public void ChannelSumsMatchNaiveAndAreReproducible()
    {
        // Oracle: per-channel sums of [N, C, H, W] and column sums of a matrix, accumulated naively in double.
        var x = T(7, 9, 13, 29, 31);
        var s = x.Sum([0, 2, 3]).ToArray();
        var xs = x.ToArray();
        for (int c = 0; c < 13; c++)
        {
            double want = 0;
            for (int n = 0; n < 9; n++) for (int i = 0; i < 29 * 31; i++) want += xs[(n * 13 + c) * 29 * 31 + i];
            Assert.Equal(want, s[c], 1e-2);
        }
        Assert.Equal(s, x.Sum([0, 2, 3]).ToArray());
        var m = T(8, 3001, 2500);
        var cols = m.Sum(0).ToArray();
        var ms = m.ToArray();
        foreach (int j in new[] { 0, 1023, 1024, 2499 })
        {
            double want = 0;
            for (int i = 0; i < 3001; i++) want += ms[i * 2500 + j];
            Assert.Equal(want, cols[j], 1e-2);
        }
        Assert.Equal(cols, m.Sum(0).ToArray());
        // A tall narrow slab (a bias gradient's shape) is summed in row chunks whose partials are added in order.
        var tall = T(9, 4099, 130);
        var tallCols = tall.Sum(0).ToArray();
        var ts = tall.ToArray();
        for (int j = 0; j < 130; j++)
        {
            double want = 0;
            for (int i = 0; i < 4099; i++) want += ts[i * 130 + j];
            Assert.Equal(want, tallCols[j], 1e-2);
        }
    }

    [Fact]
    public void MaxPool2x2ForwardAndBackwardMatchNaiveLoops()
    {
        // Oracle: the maximum of each 2×2 block (first of equals, row by row; NaN wins) and its gradient routed to it.
        int n = 3, c = 11, h = 29, w = 27, oh = h / 2, ow = w / 2;
        var xs = Random(n * c * h * w, 9);
        xs[0] = xs[1] = xs[w] = xs[w + 1] = 1.5f;
        xs[2] = -1; xs[3] = float.NaN;
        var x = Tensor.FromArray(xs, [n, c, h, w], requiresGrad: true);
        var y = x.MaxPool2d(2);
        var g = T(10, n, c, oh, ow);
        y.Backward(g);
        float[] ys = y.ToArray(), gs = g.ToArray(), dx = x.Grad!.ToArray(), want = new float[xs.Length];
        for (int q = 0, o = 0; q < n * c; q++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    int best = -1;
                    foreach (int t in new[] { 0, 1, w, w + 1 })
                    {
                        int k = q * h * w + 2 * i * w + 2 * j + t;
                        if (best < 0 || xs[k] > xs[best] || (float.IsNaN(xs[k]) && !float.IsNaN(xs[best]))) best = k;
                    }
                    Assert.Equal(xs[best], ys[o]);
                    want[best] += gs[o];
                }
        Assert.Equal(want, dx);
        Assert.True(float.IsNaN(ys[1]));
    }

    /// <summary>The pre-fusion formula: (x − μ)/√(σ² + ε)·γ + β from composite ops.</summary>
    private static Tensor<TT> Composite<TT>(Tensor<TT> x, Tensor<TT> w, Tensor<TT> b) where TT : unmanaged, System.Numerics.IFloatingPointIeee754<TT>
    {
        int[] dims = [0, 2, 3];
        var mean = x.Mean(dims, keepDim: true);
        var v = x.Var(dims, keepDim: true, correction: 0);
        return (x - mean) / (v + TT.CreateChecked(1e-5)).Sqrt() * w.Reshape(1, -1, 1, 1) + b.Reshape(1, -1, 1, 1);
    }

    [Fact]
    public void FusedBatchNormMatchesCompositeForwardAndBackward()
    {
        // Oracle: the composite formula through the generic ops, in double; the fused float results agree to float rounding.
        var shape = new[] { 6, 5, 17, 19 };
        var xd = Tensor.FromArray(Random(6 * 5 * 17 * 19, 11).Select(v => (double)v * 3 + 10).ToArray(), shape, requiresGrad: true);
        var wd = Tensor.FromArray(new double[] { 1, -2, 0.5, 3, 1.5 }, [5], requiresGrad: true);
        var bd = Tensor.FromArray(new double[] { 0, 1, -1, 2, 0.25 }, [5], requiresGrad: true);
        var gd = Tensor.FromArray(Random(xd.NumElements, 12).Select(v => (double)v).ToArray(), shape);
        Composite(xd, wd, bd).Backward(gd);
        var xf = Tensor.FromArray(xd.ToArray().Select(v => (float)v).ToArray(), shape, requiresGrad: true);
        var wf = Tensor.FromArray(wd.ToArray().Select(v => (float)v).ToArray(), [5], requiresGrad: true);
        var bf = Tensor.FromArray(bd.ToArray().Select(v => (float)v).ToArray(), [5], requiresGrad: true);
        var yf = xf.BatchNorm(wf, bf);
        yf.Backward(Tensor.FromArray(gd.ToArray().Select(v => (float)v).ToArray(), shape));
        AssertClose(Composite(xd, wd, bd).ToArray(), yf.ToArray(), 1e-4);
        AssertClose(xd.Grad!.ToArray(), xf.Grad!.ToArray(), 1e-4);
        AssertClose(wd.Grad!.ToArray(), wf.Grad!.ToArray(), 1e-2);
        AssertClose(bd.Grad!.ToArray(), bf.Grad!.ToArray(), 1e-2);
        Assert.Equal(yf.ToArray(), xf.BatchNorm(wf, bf).ToArray());
    }

    [Fact]
    public void BatchNormSecondOrderMatchesFiniteDifferences()
    {
        // Oracle: finite differences of the first and second derivatives (the recorded backward is the composite form).
        var g = new Generator(5);
        Tensor<double>[] inputs =
        [
            Tensor.Randn<double>([3, 2, 2, 2], g, requiresGrad: true),
            Tensor.Randn<double>([2], g, requiresGrad: true),
            Tensor.Randn<double>([2], g, requiresGrad: true),
        ];
        GradCheck.Assert(x => x[0].BatchNorm(x[1], x[2]), inputs);
    }

    [Fact]
    public void OneElementTanhAndSigmoidBackwardMatchTheSpanPathAndTheHandDerivation()
    {
        // Oracle: tanh' = 1 − tanh², σ' = σ(1 − σ) at x = 0.3, in the same float operations as the span path, so the
        // one-element path must give the same bits as element 0 of a two-element tensor.
        foreach (bool tanh in new[] { true, false })
        {
            var one = Tensor.FromArray(new[] { 0.3f }, requiresGrad: true);
            var two = Tensor.FromArray(new[] { 0.3f, -1.7f }, requiresGrad: true);
            Func<Tensor<float>, Tensor<float>> f = t => tanh ? t.Tanh() : t.Sigmoid();
            f(one).Backward(Tensor.FromArray(new[] { 1.5f }));
            f(two).Backward(Tensor.FromArray(new[] { 1.5f, 1f }));
            float y = f(Tensor.FromArray(new[] { 0.3f })).Item();
            Assert.Equal(1.5f * (tanh ? 1 - y * y : y * (1 - y)), one.Grad!.Item());
            Assert.Equal(two.Grad!.ToArray()[0], one.Grad.Item());
        }
    }

    [Fact]
    public void OneElementTanhAndSigmoidSecondOrderMatchFiniteDifferences()
    {
        // Oracle: finite differences of the first and second derivatives through the recorded TanhBackward/SigmoidBackward.
        GradCheck.Assert(x => x[0].Tanh(), [Tensor.Scalar(0.4, requiresGrad: true)]);
        GradCheck.Assert(x => x[0].Sigmoid(), [Tensor.Scalar(-0.8, requiresGrad: true)]);
    }

    [Fact]
    public void ScalarProductAndQuotientRulesKeepTheirOwnConstant()
    {
        // d/dx (2x + 3x + x/4 + x/5) = 2 + 3 + 0.25 + 0.2 = 5.45: each op's rule uses its own constant, though rules
        // for a repeated constant are shared.
        var x = Tensor.Scalar(1.0, requiresGrad: true);
        (x * 2.0 + x * 3.0 + x / 4.0 + x / 5.0 + x * 3.0 - x * 3.0).Backward();
        Assert.Equal(5.45, x.Grad!.Item(), 12);
        // d/dx (x·0) = +0 and d/dx (x·(−0)) = −0 with an upstream gradient of 1: the sign of a zero constant is kept.
        foreach (double zero in new[] { 0.0, -0.0, 0.0 })
        {
            x.ZeroGrad();
            (x * zero).Backward();
            Assert.Equal(double.IsNegative(zero), double.IsNegative(x.Grad!.Item()));
        }
    }

    [Theory]
    [InlineData(10)]  // short rows: plain loops
    [InlineData(77)]  // long rows: vectorised reductions, with a vector tail
    public void SoftmaxAndLogSoftmaxMatchNaiveRowsForwardAndBackward(int n)
    {
        // Oracle: per row in double, p = exp(x − m) / Σ exp(x − m); log-softmax = log p; the first-order backward
        // (fused kernel) of Σ v ⊙ y is p ⊙ (v − Σ v ⊙ p) for softmax and v − p·Σ v for log-softmax.
        int rows = 33;
        var x = T(20, rows, n);
        var v = T(21, rows, n);
        float[] xs = x.ToArray(), vs = v.ToArray();
        var p = new double[xs.Length];
        var wantSoft = new double[xs.Length];
        var wantLog = new double[xs.Length];
        for (int r = 0; r < rows; r++)
        {
            double m = double.NegativeInfinity, sum = 0, vSum = 0, vDot = 0;
            for (int j = 0; j < n; j++) m = Math.Max(m, xs[r * n + j]);
            for (int j = 0; j < n; j++) sum += Math.Exp(xs[r * n + j] - m);
            for (int j = 0; j < n; j++) p[r * n + j] = Math.Exp(xs[r * n + j] - m) / sum;
            for (int j = 0; j < n; j++) { vSum += vs[r * n + j]; vDot += vs[r * n + j] * p[r * n + j]; }
            for (int j = 0; j < n; j++)
            {
                wantSoft[r * n + j] = p[r * n + j] * (vs[r * n + j] - vDot);
                wantLog[r * n + j] = vs[r * n + j] - p[r * n + j] * vSum;
            }
        }
        foreach (bool log in new[] { false, true })
        {
            var leaf = Tensor.FromArray(xs, [rows, n], requiresGrad: true);
            var y = log ? leaf.LogSoftmax(-1) : leaf.Softmax(-1);
            AssertClose(log ? [.. p.Select(q => Math.Log(q))] : p, y.ToArray(), 1e-5);
            y.Backward(v);
            AssertClose(log ? wantLog : wantSoft, leaf.Grad!.ToArray(), 1e-5);
        }
    }

    private static void AssertClose(double[] want, float[] got, double tol)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tol * (1 + Math.Abs(want[i])), $"element {i}: want {want[i]}, got {got[i]}");
    }
}
