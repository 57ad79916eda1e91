using Autograd.Kernels;

namespace Autograd.Tests.Core;

/// <summary>
/// GELU's fused first-order derivative g·(Φ(x) + x·φ(x)), one pass of the erf kernel, against the composite rule
/// (Erf and Exp ops, the form createGraph takes) and against an oracle built from independently tested pieces: Φ(x) =
/// gelu(x)/x from the forward kernel (within 10⁻¹⁴ relative of a decimal reference, <see cref="ErfGeluTests"/>) and
/// φ(x) = e^(−x²/2)/√(2π) from Math.Exp with x² split exactly.
/// </summary>
[Collection(nameof(ProcessSettings))]
public class GeluDerivativeTests
{
    private static double[] Grid(double lo, double hi, int n) => [.. Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1))];

    /// <summary>(Φ(x) + x·φ(x), Φ(x) + |x|·φ(x)): the derivative and the scale its error is measured against (the two
    /// terms cancel near x ≈ −0.75, where a relative error of the difference means nothing).</summary>
    private static (double Value, double Scale) Oracle(double x)
    {
        double cdf = x == 0 ? 0.5 : Tensor.FromArray([x], [1]).Gelu().Item() / x;
        double h = x * x, l = Math.FusedMultiplyAdd(x, x, -h);
        double density = Math.Exp(-h / 2) * (1 - l / 2) / Math.Sqrt(2 * Math.PI);
        return (cdf + x * density, cdf + Math.Abs(x) * density);
    }

    /// <summary>∂Σ(w ⊙ gelu(x))/∂x by the plain backward (fused) and under createGraph (the composite rule).</summary>
    private static (T[] Fused, T[] Composite) Both<T>(T[] values, T[] weights) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = Tensor.FromArray(values, [values.Length], requiresGrad: true);
        var w = Tensor.FromArray(weights, [weights.Length]);
        var fused = Tensor.Grad([(x.Gelu() * w).Sum()], [x])[0].ToArray();
        var composite = Tensor.Grad([(x.Gelu() * w).Sum()], [x], createGraph: true)[0].Detach().ToArray();
        return (fused, composite);
    }

    /// <summary>The fused derivative within <paramref name="oracle"/>·w·scale of the oracle, and within
    /// w·(<paramref name="absolute"/> + <paramref name="relative"/>·scale) of the composite rule.</summary>
    private static void AssertMatches<T>(T[] x, T[] w, double oracle, double absolute, double relative)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (fused, composite) = Both(x, w);
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateChecked(x[i]), wi = double.CreateChecked(w[i]), f = double.CreateChecked(fused[i]), c = double.CreateChecked(composite[i]);
            var (value, scale) = Oracle(xi);
            Assert.True(Math.Abs(f - wi * value) <= oracle * wi * scale, $"x = {xi:R}: fused {f:R}, oracle {wi * value:R}");
            Assert.True(Math.Abs(f - c) <= wi * (absolute + relative * scale), $"x = {xi:R}: fused {f:R}, composite {c:R}");
        }
    }

    [Fact]
    public void FusedDoubleMatchesTheOracleAndTheCompositeRule()
    {
        double[] x = [.. Grid(-12, 12, 4801), -0.7518, 1e-300, -1e-300, Math.Sqrt(2), -Math.Sqrt(2)];
        // The composite forms Φ as ½ + ½·erf(x/√2), which loses its relative precision on the negative tail (an absolute
        // error of about 10⁻¹⁶), and rounds x² inside exp (x²·ε relative, 1.6·10⁻¹⁴ at |x| = 12).
        AssertMatches(x, [.. x.Select((_, i) => 0.5 + (i % 7) * 0.25)], oracle: 1e-13, absolute: 1e-15, relative: 1e-13);
    }

    [Fact]
    public void FusedFloatMatchesTheOracleAndTheCompositeRule()
    {
        // float's ε is 1.2·10⁻⁷: the series, the exp and a few products stay inside 10⁻⁶ of the scale; the composite's
        // ½ + ½·erf loses up to a few 10⁻⁸ absolute.
        float[] x = [.. Grid(-9, 9, 3601).Select(v => (float)v), 1e-30f, -1e-30f];
        AssertMatches(x, [.. x.Select((_, i) => 0.5f + (i % 5) * 0.5f)], oracle: 1e-6, absolute: 3e-7, relative: 1e-6);
    }

    [Fact]
    public void FloatTailDownToTheSubnormalsFollowsTheDoubleKernel()
    {
        // Oracle: GELU and its slope in double (within 10⁻¹⁴ of a decimal reference, ErfGeluTests, and of Oracle above);
        // float's exp is its own inline one, so its far tail is checked here, into float's subnormals (below 1.2·10⁻³⁸;
        // steps of 1.4·10⁻⁴⁵). There Φ(x) = ½·e·s·F is formed through three products each rounded to the subnormal grid
        // (half a step each, 2.1·10⁻⁴⁵ in all) before being multiplied by |x| ≤ 14.5: 3.1·10⁻⁴⁴ bounds that, and the
        // slope's x·φ(x) (one rounding of e, times |x|/√(2π) ≤ 6) too.
        float[] x = [.. Grid(-14.5, -8, 1301).Select(v => (float)v)];
        var xf = Tensor.FromArray(x, [x.Length], requiresGrad: true);
        var y = xf.Gelu();
        y.Backward(Tensor.OnesLike(y));
        var xd = Tensor.FromArray([.. x.Select(v => (double)v)], [x.Length], requiresGrad: true);
        var yd = xd.Gelu();
        yd.Backward(Tensor.OnesLike(yd));
        float[] got = y.ToArray(), slope = xf.Grad!.ToArray();
        double[] want = yd.ToArray(), wantSlope = xd.Grad!.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(got[i] - want[i]) <= 1e-6 * Math.Abs(want[i]) + 3.1e-44, $"gelu({x[i]}) = {got[i]:R}, expected {want[i]:R}");
            Assert.True(Math.Abs(slope[i] - wantSlope[i]) <= 1e-6 * Math.Abs(wantSlope[i]) + 3.1e-44, $"gelu'({x[i]}) = {slope[i]:R}, expected {wantSlope[i]:R}");
        }
    }

    [Theory]
    [InlineData(3.0f, 0.5f)]
    [InlineData(0.5f, 3.0f)]
    public void ANaNDoesNotChangeItsNeighboursResults(float common, float odd)
    {
        // Oracle: the same values without the NaN. The kernel evaluates its two series on groups of vectors, each
        // skipped when no lane needs it; a NaN in one vector must not hide that a lane of another vector does. Each of
        // the first 64 positions holds the NaN in turn, with one odd value (in the other series' region) elsewhere.
        for (int nan = 0; nan < 64; nan++)
        {
            var clean = Enumerable.Repeat(common, 64).ToArray();
            clean[(nan + 8) % 64] = odd;
            var dirty = (float[])clean.Clone();
            dirty[nan] = float.NaN;
            var a = Tensor.FromArray(clean, [64], requiresGrad: true);
            var b = Tensor.FromArray(dirty, [64], requiresGrad: true);
            float[] ya = a.Gelu().ToArray(), yb = b.Gelu().ToArray(), ea = a.Erf().ToArray(), eb = b.Erf().ToArray();
            for (int i = 0; i < 64; i++)
            {
                if (i == nan) continue;
                Assert.Equal(ya[i], yb[i]);
                Assert.Equal(ea[i], eb[i]);
            }
            Assert.True(float.IsNaN(yb[nan]) && float.IsNaN(eb[nan]));
        }
    }

    [Fact]
    public void RecordedForwardGivesTheSameBitsAsTheUnrecordedOne()
    {
        // Oracle: the forward under NoGrad (the plain GELU pass); the recorded forward, which also writes the slope, must
        // not change y.
        var values = Tensor.Randn<float>([3, 1000], new Generator(4)).ToArray();
        var x = Tensor.FromArray(values, [3, 1000], requiresGrad: true);
        float[] plain;
        using (Tensor.NoGrad()) plain = x.Gelu().ToArray();
        Assert.Equal(plain, x.Gelu().ToArray());
    }

    [Fact]
    public void SignedZerosNaNAndInfinities()
    {
        // d/dx gelu at ±0 is Φ(0) = ½; NaN in x or in the upstream gradient gives NaN, as the forward does; at ±∞ the
        // derivative's limits Φ(±∞) + lim x·φ(x) = 1 and 0 (the composite rule gives ∞·0 = NaN there).
        var x = Tensor.FromArray([0.0, -0.0, double.NaN, 1, double.PositiveInfinity, double.NegativeInfinity], [6], requiresGrad: true);
        var g = Tensor.FromArray([2.0, 2, 1, double.NaN, 3, 3], [6]);
        var d = Tensor.Grad([x.Gelu()], [x], [g])[0].ToArray();
        Assert.Equal(1.0, d[0]);
        Assert.Equal(1.0, d[1]);
        Assert.True(double.IsNaN(d[2]), $"gelu'(NaN) = {d[2]}");
        Assert.True(double.IsNaN(d[3]), $"NaN upstream gave {d[3]}");
        Assert.Equal(3.0, d[4]);
        Assert.Equal(0.0, d[5]);
        var f = Tensor.FromArray([float.NaN, -0f], [2], requiresGrad: true);
        f.Gelu().Sum().Backward();
        Assert.True(float.IsNaN(f.Grad!.ToArray()[0]));
        Assert.Equal(0.5f, f.Grad!.ToArray()[1]);
    }

    [Fact]
    public void StridedInputAndGradientGiveTheContiguousResult()
    {
        // Oracle: the same values laid out contiguously; the fused form gathers views before its pass.
        var values = Tensor.Randn<double>([7, 5], new Generator(5));
        var weights = Tensor.Randn<double>([5, 7], new Generator(6));
        var x = Tensor.FromArray(values.ToArray(), [7, 5], requiresGrad: true);
        (x.MT.Gelu() * weights).Sum().Backward();
        var xc = Tensor.FromArray(values.MT.Contiguous().ToArray(), [5, 7], requiresGrad: true);
        (xc.Gelu() * weights).Sum().Backward();
        Assert.Equal(xc.Grad!.MT.Contiguous().ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void LargeTensorsGiveTheSameBitsForOneTwoAndThreeThreads()
    {
        // Oracle: the one-thread run; 2²⁰ + 5 elements pass the parallel threshold and leave a partial last vector.
        var x0 = Tensor.Randn<float>([(1 << 20) + 5], new Generator(8)).ToArray();
        int before = Workers.ThreadCount;
        try
        {
            var runs = new[] { 1, 2, 3 }.Select(threads =>
            {
                Workers.ThreadCount = threads;
                var x = Tensor.FromArray(x0, [x0.Length], requiresGrad: true);
                var y = x.Gelu();
                (y * y).Sum().Backward();
                return (Y: y.ToArray(), G: x.Grad!.ToArray());
            }).ToArray();
            for (int t = 1; t < runs.Length; t++)
            {
                Assert.Equal(runs[0].Y, runs[t].Y);
                Assert.Equal(runs[0].G, runs[t].G);
            }
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }
}
