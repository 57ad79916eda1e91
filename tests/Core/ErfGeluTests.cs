using System.Numerics;
using System.Runtime.Intrinsics;
using Autograd.Kernels;

namespace Autograd.Tests.Core;

/// <summary>
/// The vectorised erf and GELU kernels against an independent reference: erf by its Maclaurin series summed in decimal
/// (28 digits; for |z| ≤ 3 the terms' magnitudes sum to less than e⁹ ≈ 8·10³, so the rounding error stays below 10⁻²⁴)
/// and, for |z| &gt; 3, erfc = e^(−z²)/(√π·CF(z)) with CF its continued fraction (Abramowitz &amp; Stegun 7.1.14) summed
/// in decimal at depth 300 (converged to 10⁻²⁰ there), times Math.Exp; the kernels fit their tail on the same continued
/// fraction but evaluate it through a 40-term Chebyshev series and a vectorised exp, which is what this checks.
/// </summary>
public class ErfGeluTests
{
    /// <summary>erf z and erfc z (= 1 − erf z, computed without cancellation where it is small) at z = x·√c, c = 1 for
    /// erf and ½ for GELU's Φ; the tail's factor e^(−c·x²) is formed from x² split exactly by a fused multiply-add, so
    /// rounding z does not cost a relative error of x²·ε there.</summary>
    private static (double Erf, double Erfc) Reference(double x, double c = 1)
    {
        double z = c == 1 ? x : x * Math.Sqrt(c), a = Math.Abs(z);
        if (a > 3)
        {
            decimal ad = Exact(a), f = ad;
            for (int k = 300; k >= 1; k--) f = ad + k / 2m / f;
            double h = x * x, l = Math.FusedMultiplyAdd(x, x, -h);
            double erfc = Math.Exp(-c * h) * (1 - c * l) / (double)(1.7724538509055160272981674833m * f);
            return z > 0 ? (1 - erfc, erfc) : (erfc - 1, 2 - erfc);
        }
        if (a < 1e-20) return (z * 1.1283791670955125738961589031, 1); // erf z = 2z/√π (1 − z²/3 + …)
        decimal d = Exact(z), d2 = d * d, term = d, sum = d;
        for (int n = 1; n < 200 && term != 0; n++)
        {
            term *= -d2 / n;
            sum += term / (2 * n + 1);
        }
        decimal erf = sum * 1.1283791670955125738961589031m; // 2/√π
        return ((double)erf, (double)(1 - erf));
    }

    /// <summary>The double's value as a decimal to 28 digits (a plain cast keeps only 15).</summary>
    private static decimal Exact(double v)
    {
        long bits = BitConverter.DoubleToInt64Bits(v);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = (bits & 0xFFFFFFFFFFFFFL) | (exponent == 0 ? 0 : 1L << 52);
        decimal d = mantissa;
        int shift = exponent == 0 ? 1074 : 1075 - exponent;
        for (; shift >= 62; shift -= 62) d /= 4611686018427387904m; // 2⁶²
        if (shift > 0) d /= 1L << shift;
        return v < 0 ? -d : d;
    }

    private static double[] Grid(double lo, double hi, int n) => [.. Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1))];

    [Fact]
    public void ErfDoubleIsWithinFourUlpOfTheReference()
    {
        // Grid over [−7, 7] plus the region boundary ±1 and its neighbours, 0 and −0.
        double[] x = [.. Grid(-7, 7, 7001), 1, Math.BitDecrement(1.0), Math.BitIncrement(1.0), -1, 0, -0.0, 1e-300, 6, 30];
        var y = Tensor.FromArray(x, [x.Length]).Erf().ToArray();
        double worst = 0, at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Reference(x[i]).Erf;
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected), error = Math.Abs(y[i] - expected) / ulp;
            if (error > worst) (worst, at) = (error, x[i]);
        }
        // Measured: 4 ulp, just above |x| = 1 where erfc = e^(−x²)·s·F(s) takes over (Clenshaw's rounding over 40 terms
        // near s = 1, about 10⁻¹⁵ of erfc ≈ 0.16, reaches the result 1 − erfc as a few ulp).
        Assert.True(worst <= 4, $"erf: worst error {worst} ulp at x = {at:R}");
        Assert.True(double.IsNegative(Tensor.FromArray([-0.0], [1]).Erf().Item()), "erf(−0) = −0");
        Assert.True(double.IsNaN(Tensor.FromArray([double.NaN], [1]).Erf().Item()));
        Assert.Equal([1.0, -1], Tensor.FromArray([double.PositiveInfinity, double.NegativeInfinity], [2]).Erf().ToArray());
    }

    [Fact]
    public void ErfFloatIsWithinFourUlpOfTheReference()
    {
        // Float is computed in float (11 series terms, 15 Chebyshev terms), so its rounding is float's.
        float[] x = [.. Grid(-5, 5, 4001).Select(v => (float)v), 1, MathF.BitIncrement(1f), -0.001f];
        var y = Tensor.FromArray(x, [x.Length]).Erf().ToArray();
        double worst = 0, at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Reference(x[i]).Erf;
            float rounded = (float)expected;
            double ulp = MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded), error = Math.Abs(y[i] - expected) / ulp;
            if (error > worst) (worst, at) = (error, x[i]);
        }
        Assert.True(worst <= 4, $"erf (float): worst error {worst} ulp at x = {at:R}");
    }

    [Fact]
    public void GeluFloatIsWithinRelativeSixTimesTenToTheMinusSeven()
    {
        // float's ε is 1.2·10⁻⁷; a few roundings of the tail's argument, its 12-term series, the exp and the final
        // products stay inside 10⁻⁶, down the negative tail too (Φ from erfc, without cancellation). Measured: 4.4·10⁻⁷
        // at worst over 200 001 points of [−9, 9] (near x = −8.2); the bound below is 6·10⁻⁷, which 9 terms of the
        // series instead of 12 exceed.
        float[] x = [.. Grid(-9, 9, 3001).Select(v => (float)v)];
        foreach (bool slope in new[] { false, true })
        {
            // The training forward computes GELU together with its slope (ErfMode.GeluAndSlope): the same values.
            var input = Tensor.FromArray(x, [x.Length], requiresGrad: slope);
            var y = input.Gelu().ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i] == 0) continue;
                double expected = x[i] * 0.5 * Reference(-(double)x[i], 0.5).Erfc;
                Assert.True(Math.Abs(y[i] - expected) <= 6e-7 * Math.Abs(expected), $"gelu({x[i]}) = {y[i]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void GeluDoubleIsWithinRelativeTenToTheMinusFourteen()
    {
        // gelu(x) = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)) = ½ erfc(−x/√2); relative error, so the far negative tail counts too.
        double[] x = [.. Grid(-12, 12, 6001), Math.Sqrt(2), -Math.Sqrt(2)];
        var y = Tensor.FromArray(x, [x.Length]).Gelu().ToArray();
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] == 0) { Assert.Equal(0.0, y[i]); continue; }
            double expected = x[i] * 0.5 * Reference(-x[i], 0.5).Erfc;
            worst = Math.Max(worst, Math.Abs(y[i] - expected) / Math.Abs(expected));
        }
        Assert.True(worst <= 1e-14, $"gelu: worst relative error {worst}");
    }

    [Fact]
    public void GeluKeepsNaNAndTheInfinities()
    {
        // IEEE: NaN in gives NaN out; gelu(+∞) = +∞·Φ(+∞) = +∞, and the slope Φ(x) + x·φ(x) at +∞ is 1. The kernel clamps
        // x to [−40, 40] with the hardware's min and max, which return their second operand when either is NaN: x has
        // to be that operand, or NaN would come out as a number. Float and double, with and without the slope.
        foreach (bool slope in new[] { false, true })
        {
            var f = Tensor.FromArray([float.NaN, float.PositiveInfinity, 3f], [3], requiresGrad: slope).Gelu().ToArray();
            Assert.True(float.IsNaN(f[0]), $"gelu(NaN) = {f[0]} (slope {slope})");
            Assert.Equal(float.PositiveInfinity, f[1]);
            var d = Tensor.FromArray([double.NaN, double.PositiveInfinity], [2], requiresGrad: slope).Gelu().ToArray();
            Assert.True(double.IsNaN(d[0]), $"gelu(NaN) = {d[0]} (slope {slope})");
            Assert.Equal(double.PositiveInfinity, d[1]);
        }
        var x = Tensor.FromArray([float.NaN, float.PositiveInfinity], [2], requiresGrad: true);
        x.Gelu().Sum().Backward();
        Assert.True(float.IsNaN(x.Grad!.ToArray()[0]));
        Assert.Equal(1f, x.Grad!.ToArray()[1]);
        Assert.True(float.IsNaN(Tensor.FromArray([float.NaN], [1]).Erf().Item()));
    }

    [Fact]
    public void GeluGradientIsPhiPlusXTimesPhiDensity()
    {
        var x = Tensor.FromArray([-1.0, 0, 2], [3], requiresGrad: true);
        x.Gelu().Sum().Backward();
        // d/dx x·Φ(x) = Φ(x) + x·φ(x): at 0 it is Φ(0) = ½; at 2: Φ(2) + 2φ(2) with φ(2) = e⁻²/√(2π)
        var g = x.Grad!.ToArray();
        Assert.Equal(0.5, g[1], 1e-15);
        double phi2 = Math.Exp(-2) / Math.Sqrt(2 * Math.PI), cdf2 = 0.5 * (1 + Reference(2, 0.5).Erf);
        Assert.Equal(cdf2 + 2 * phi2, g[2], 1e-15);
        double phi1 = Math.Exp(-0.5) / Math.Sqrt(2 * Math.PI), cdfm1 = 0.5 * Reference(1, 0.5).Erfc;
        Assert.Equal(cdfm1 - phi1, g[0], 1e-15);
    }

    /// <summary>The kernels' inputs for the width check: both series' ranges and the switch between them, the far tails,
    /// signed zeros, infinities and NaN, in a length that leaves a ragged last group at both widths.</summary>
    private static double[] WidthCheckInputs()
    {
        var rng = new Random(7);
        var values = Enumerable.Range(0, 997).Select(_ => (rng.NextDouble() - 0.5) * 24).ToList();
        values.AddRange([0.0, -0.0, 1.0, -1.0, Math.Sqrt(2), -Math.Sqrt(2), 1e-30, -1e-30, 40, -40, 41, -41, 1e10, -1e10,
            double.PositiveInfinity, double.NegativeInfinity, double.NaN]);
        return [.. values];
    }

    [Fact]
    public void EveryWidthGivesTheSameBits()
    {
        // Each lane runs the same operations alone, so the 512-bit form (taken where the hardware has it; emulated,
        // still rounding each operation once, where not) must match the Vector<T> form bit for bit, in every mode.
        var xd = WidthCheckInputs();
        var xf = xd.Select(v => (float)v).ToArray();
        foreach (var mode in new[] { ErfMode.Erf, ErfMode.Gelu, ErfMode.GeluAndSlope })
        {
            var (d1, s1, d2, s2) = (new double[xd.Length], new double[xd.Length], new double[xd.Length], new double[xd.Length]);
            ErfCore<double>.Run<Vector<double>, VectorOps<double>>(xd, d1, s1, mode);
            ErfCore<double>.Run<Vector512<double>, Vector512Ops<double>>(xd, d2, s2, mode);
            Assert.Equal(d1.Select(BitConverter.DoubleToInt64Bits), d2.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(s1.Select(BitConverter.DoubleToInt64Bits), s2.Select(BitConverter.DoubleToInt64Bits));
            var (f1, t1, f2, t2) = (new float[xf.Length], new float[xf.Length], new float[xf.Length], new float[xf.Length]);
            ErfCore<float>.Run<Vector<float>, VectorOps<float>>(xf, f1, t1, mode);
            ErfCore<float>.Run<Vector512<float>, Vector512Ops<float>>(xf, f2, t2, mode);
            Assert.Equal(f1.Select(BitConverter.SingleToInt32Bits), f2.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(t1.Select(BitConverter.SingleToInt32Bits), t2.Select(BitConverter.SingleToInt32Bits));
            // And the results are those of the function: erf(1) and GELU(1) = Φ(1), at the input 1.0.
            int one = Array.IndexOf(xd, 1.0);
            double expected = mode == ErfMode.Erf ? Reference(1).Erf : 0.5 * (1 + Reference(1, 0.5).Erf);
            Assert.Equal(expected, d1[one], 1e-15);
        }
    }
}
