using System.Numerics;
using System.Runtime.Intrinsics;
using Autograd.Checking;
using Autograd.Kernels;

namespace Autograd.Tests.Core;

/// <summary>The fused LayerNorm op: hand-computed values and gradients, agreement with the batch-norm composite it
/// replaces, finite differences (first and second order) and its errors.</summary>
public class LayerNormOpTests
{
    [Fact]
    public void ValuesOfOneRow()
    {
        var x = Tensor.FromArray([1.0, 2, 3], [1, 3]);
        // μ = 2, σ² = (1 + 0 + 1)/3 = 2/3; with ε = 0: (x − 2)/√(2/3) = [−√1.5, 0, √1.5]
        var y = x.LayerNorm([3], eps: 0).ToArray();
        Assert.Equal(-Math.Sqrt(1.5), y[0], 1e-15);
        Assert.Equal(0.0, y[1], 1e-15);
        Assert.Equal(Math.Sqrt(1.5), y[2], 1e-15);
        // γ = [1, 2, 3], β = [0, 0, 10]: [−√1.5, 0, 3√1.5 + 10]
        var affine = x.LayerNorm([3], Tensor.FromArray([1.0, 2, 3], [3]), Tensor.FromArray([0.0, 0, 10], [3]), eps: 0).ToArray();
        Assert.Equal(3 * Math.Sqrt(1.5) + 10, affine[2], 1e-14);
    }

    [Fact]
    public void GradientsByHand()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 5, 5, 8], [2, 3], requiresGrad: true);
        var w = Tensor.FromArray([1.0, 1, 1], [3], requiresGrad: true);
        var b = Tensor.FromArray([0.0, 0, 0], [3], requiresGrad: true);
        x.LayerNorm([3], w, b, eps: 0).Sum().Backward();
        // Σⱼ x̂ⱼ = 0 for every x, so ∂Σy/∂x = 0 (γ = 1); ∂/∂β = Σ_rows g = [2, 2, 2];
        // ∂/∂γ = Σ_rows x̂: row 0 x̂ = [−√1.5, 0, √1.5]; row 1 μ = 6, σ² = (1 + 1 + 4)/3 = 2, x̂ = [−1, −1, 2]/√2
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(0.0, v, 1e-14));
        Assert.Equal([2.0, 2, 2], b.Grad!.ToArray());
        var dw = w.Grad!.ToArray();
        Assert.Equal(-Math.Sqrt(1.5) - 1 / Math.Sqrt(2), dw[0], 1e-14);
        Assert.Equal(-1 / Math.Sqrt(2), dw[1], 1e-14);
        Assert.Equal(Math.Sqrt(1.5) + 2 / Math.Sqrt(2), dw[2], 1e-14);
    }

    [Fact]
    public void AgreesWithTheBatchNormCompositeAndFiniteDifferences()
    {
        var g = new Generator(3);
        var x = Tensor.Rand<double>([2, 3, 4], g, -2, 2, requiresGrad: true);
        var w = Tensor.Rand<double>([4], g, -2, 2, requiresGrad: true);
        var b = Tensor.Rand<double>([4], g, -2, 2, requiresGrad: true);
        var v = Tensor.Rand<double>([2, 3, 4], g, -1, 1);
        // The composite this op replaces: each row as a channel of a [1, rows, D] batch norm, then γ and β.
        var composite = x.Reshape(1, 6, 4).BatchNorm().Reshape(2, 3, 4) * w + b;
        var fused = x.LayerNorm([4], w, b);
        Assert.All(fused.ToArray().Zip(composite.ToArray()), p => Assert.Equal(p.Second, p.First, 1e-13));
        var expected = Tensor.Grad([(composite * v).Sum()], [x, w, b]);
        var actual = Tensor.Grad([(fused * v).Sum()], [x, w, b]);
        for (int i = 0; i < 3; i++)
            Assert.All(actual[i]!.ToArray().Zip(expected[i]!.ToArray()), p => Assert.Equal(p.Second, p.First, 1e-12));
        Assert.True(GradCheck.Check(xs => xs[0].LayerNorm([4], xs[1], xs[2]), [x, w, b]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(xs => xs[0].LayerNorm([3, 4], null, xs[1].Reshape(1, 4).Expand(3, 4)), [x, b]).Passed);
    }

    [Theory]
    [InlineData(37, true)]   // whole vectors at every width (8 or 16 floats, 4 or 8 doubles) and a ragged rest
    [InlineData(37, false)]
    [InlineData(128, true)]  // a transformer's d_model: whole vectors only
    [InlineData(5, true)]    // shorter than one vector
    public void AgreesWithTheCompositeInEveryPartOfARow(int size, bool affine)
    {
        // Oracle: the batch-norm composite (each row a channel of a [1, rows, D] batch norm, then γ and β), in double to
        // 1e-12, and in float to a few float ulps of the values (|y| ≲ 4, gradients ≲ 30 here).
        Agrees<double>(size, affine, 1e-12);
        Agrees<float>(size, affine, 2e-4);
    }

    private static void Agrees<T>(int size, bool affine, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var g = new Generator((ulong)size);
        T lo = T.CreateChecked(-2), hi = T.CreateChecked(2);
        var x = Tensor.Rand<T>([6, size], g, lo, hi, requiresGrad: true);
        var w = affine ? Tensor.Rand<T>([size], g, lo, hi, requiresGrad: true) : null;
        var b = affine ? Tensor.Rand<T>([size], g, lo, hi, requiresGrad: true) : null;
        var v = Tensor.Rand<T>([6, size], g, -T.One, T.One);
        var normalised = x.Reshape(1, 6, size).BatchNorm().Reshape(6, size);
        var composite = affine ? normalised * w! + b! : normalised;
        var fused = x.LayerNorm([size], w, b);
        Assert.All(fused.ToArray().Zip(composite.ToArray()), p => Assert.Equal(double.CreateChecked(p.Second), double.CreateChecked(p.First), tolerance));
        Tensor<T>[] inputs = affine ? [x, w!, b!] : [x];
        var expected = Tensor.Grad([(composite * v).Sum()], inputs);
        var actual = Tensor.Grad([(fused * v).Sum()], inputs);
        for (int i = 0; i < inputs.Length; i++)
            Assert.All(actual[i]!.ToArray().Zip(expected[i]!.ToArray()),
                p => Assert.Equal(double.CreateChecked(p.Second), double.CreateChecked(p.First), 10 * tolerance));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(37)]
    [InlineData(128)]
    public void BothVectorWidthsMatchTheFormulaRowByRow(int size)
    {
        // The row kernels at Vector<T>'s width (what an AVX2 machine runs) and at 512 bits (run natively here or by the
        // runtime's software fallback), against the formulas evaluated in double: μ, r = 1/√(σ² + ε), y = (x − μ)·r·γ + β,
        // and with x̂ = (x − μ)·r, ĝ = g·γ: dx = r·(ĝ − Σĝ/D − x̂·Σĝx̂/D), dγ += g·x̂, dβ += g.
        var rng = new Random(size);
        float[] Values() => [.. Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 4 - 2))];
        float[] x = Values(), g = Values(), gamma = Values(), beta = Values();
        const double eps = 1e-5;
        double mu = x.Average(v => (double)v), r = 1 / Math.Sqrt(x.Average(v => (v - mu) * (v - mu)) + eps);
        double[] xh = [.. x.Select(v => (v - mu) * r)], gh = [.. g.Select((v, i) => (double)v * gamma[i])];
        double sumG = gh.Sum(), sumGX = gh.Select((v, i) => v * xh[i]).Sum();
        double[] y = [.. xh.Select((v, i) => v * gamma[i] + beta[i])], dx = [.. gh.Select((v, i) => r * (v - sumG / size - xh[i] * sumGX / size))];
        void Check(float[] actual, double[] expected, double tolerance) =>
            Assert.All(actual.Zip(expected), p => Assert.Equal(p.Second, p.First, tolerance));
        foreach (bool wide in new[] { false, true })
        {
            float[] yOut = new float[size], dxOut = new float[size], dgamma = new float[size], dbeta = new float[size];
            var (m, inv) = wide
                ? LayerNorm.Rows<float, Vector512<float>, Vector512Ops<float>>.Forward(x, gamma, beta, eps, yOut)
                : LayerNorm.Rows<float, Vector<float>, VectorOps<float>>.Forward(x, gamma, beta, eps, yOut);
            if (wide) LayerNorm.Rows<float, Vector512<float>, Vector512Ops<float>>.Backward(g, x, m, inv, gamma, dxOut, dgamma, dbeta);
            else LayerNorm.Rows<float, Vector<float>, VectorOps<float>>.Backward(g, x, m, inv, gamma, dxOut, dgamma, dbeta);
            Assert.Equal(mu, m, 1e-6);
            Assert.Equal(r, inv, 1e-5 * r);
            Check(yOut, y, 1e-5);
            Check(dxOut, dx, 1e-4);
            Check(dgamma, [.. g.Select((v, i) => v * xh[i])], 1e-5);
            Check(dbeta, [.. g.Select(v => (double)v)], 0);
        }
    }

    [Fact]
    public void ShapesAreChecked()
    {
        var x = Tensor.Zeros<double>(2, 3);
        Assert.Contains("LayerNorm: input shape [2, 3] does not end with the normalized shape [2]",
            Assert.ThrowsAny<ArgumentException>(() => x.LayerNorm([2])).Message);
        Assert.Contains("LayerNorm: weight has shape [2], expected [3]",
            Assert.ThrowsAny<ArgumentException>(() => x.LayerNorm([3], Tensor.Zeros<double>(2))).Message);
    }
}
