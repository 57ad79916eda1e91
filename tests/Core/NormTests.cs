using Autograd.Checking;

namespace Autograd.Tests.Core;

/// <summary>Norm (p = 1, 2, ∞) and FrobeniusNorm: values, gradients and the subgradients at 0 and at ties.</summary>
public class NormTests
{
    private static Tensor<double> Leaf(double[] data, params int[] shape) => Tensor.FromArray(data, shape, requiresGrad: true);

    [Fact]
    public void NormValuesOverAllAndSomeDims()
    {
        var x = Tensor.FromArray([3.0, -4, 0, 12], [2, 2]);
        // 2-norm of all: √(9 + 16 + 0 + 144) = 13; 1-norm: 3 + 4 + 0 + 12 = 19; ∞-norm: 12
        Assert.Equal(13.0, x.Norm().Item(), 1e-14);
        Assert.Equal(19.0, x.Norm(1).Item());
        Assert.Equal(12.0, x.Norm(double.PositiveInfinity).Item());
        // rows: 2-norms [5, 12], kept as [2, 1]
        var rows = x.Norm(2, [1], keepDim: true);
        Assert.Equal([2, 1], rows.Shape);
        Assert.Equal([5.0, 12], rows.ToArray());
        // columns: ∞-norms [max(3, 0), max(4, 12)] = [3, 12]
        Assert.Equal([3.0, 12], x.Norm(double.PositiveInfinity, [0]).ToArray());
        // Frobenius of each [2, 2] matrix in a batch of 2: √(1+4+9+16) = √30 and √(25+36+49+64) = √174
        var batch = Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
        var fro = batch.FrobeniusNorm().ToArray();
        Assert.Equal(Math.Sqrt(30), fro[0], 1e-14);
        Assert.Equal(Math.Sqrt(174), fro[1], 1e-14);
    }

    [Fact]
    public void NormGradients()
    {
        var x = Leaf([3.0, -4], 2);
        x.Norm().Backward();
        // ∂‖x‖/∂x = x/‖x‖ = [3/5, −4/5]
        Assert.Equal(0.6, x.Grad!.ToArray()[0], 1e-15);
        Assert.Equal(-0.8, x.Grad!.ToArray()[1], 1e-15);
        var y = Leaf([3.0, -4, 0], 3);
        y.Norm(1).Backward();
        // ∂Σ|x|/∂x = sign(x), 0 at 0
        Assert.Equal([1.0, -1, 0], y.Grad!.ToArray());
        var z = Leaf([3.0, -4, 1], 3);
        z.Norm(double.PositiveInfinity).Backward();
        // max |x| = 4 at position 1: gradient sign(−4) = −1 there only
        Assert.Equal([0.0, -1, 0], z.Grad!.ToArray());
        Assert.True(GradCheck.CheckSecondOrder(xs => xs[0].Norm(2, [0]), [Leaf([0.5, -1.5, 2, 0.25], 2, 2)]).Passed);
    }

    [Fact]
    public void SubgradientsAtZeroAndAtTies()
    {
        var x = Leaf([0.0, 0, 1, 2], 2, 2);
        x.Norm(2, [1]).Sum().Backward();
        // Row 0 is all zeros: x/‖x‖ is 0/0, and the rule gives PyTorch's 0; row 1: [1, 2]/√5.
        var g = x.Grad!.ToArray();
        Assert.Equal([0.0, 0], g[..2]);
        Assert.Equal(1 / Math.Sqrt(5), g[2], 1e-15);
        Assert.Equal(2 / Math.Sqrt(5), g[3], 1e-15);
        // ∞-norm with a tie |−2| = |2|: the gradient goes to the first of them only (stated in the doc).
        var t = Leaf([-2.0, 2, 1], 3);
        t.Norm(double.PositiveInfinity).Backward();
        Assert.Equal([-1.0, 0, 0], t.Grad!.ToArray());
    }

    [Fact]
    public void NormRejectsUnsupportedOrdersAndBadDims()
    {
        var x = Tensor.FromArray([1.0, 2], [2]);
        Assert.Contains("Norm: p = 3 is not supported; use 1, 2 or ∞", Assert.ThrowsAny<ArgumentException>(() => x.Norm(3)).Message);
        Assert.Contains("Norm", Assert.ThrowsAny<ArgumentException>(() => x.Norm(2, [1])).Message);
        Assert.Contains("FrobeniusNorm: needs at least 2 dims, got shape [2]", Assert.ThrowsAny<ArgumentException>(() => x.FrobeniusNorm()).Message);
    }
}
