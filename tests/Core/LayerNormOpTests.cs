using Autograd.Checking;

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
