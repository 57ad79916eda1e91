namespace Autograd.PropertyTests;

/// <summary>Regression tests for core bugs the properties found, each with a hand-derived oracle.</summary>
public class RegressionTests
{
    [Fact]
    public void EmptyTensorIsContiguous()
    {
        // A tensor with a zero-size dim has no elements, hence no gaps; it was reported as non-contiguous, so
        // AsSpan threw and Contiguous() returned a tensor that was still "non-contiguous".
        var empty = Tensor.Zeros<double>(2, 0, 3);
        Assert.True(empty.IsContiguous);
        Assert.Equal(0, empty.AsSpan().Length);
        Assert.True(empty.Contiguous().IsContiguous);
    }

    [Fact]
    public void ConcatWithAnEmptyPieceBackpropagates()
    {
        // y = concat([a (2×0), b (2×2)], dim 1) = b, so d Σy/da is empty (2×0) and d Σy/db = ones (2×2).
        var a = Tensor.Zeros<double>(2, 0);
        a.RequiresGrad = true;
        var b = Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        Tensor.Concat([a, b], 1).Sum().Backward();
        Assert.Equal([2, 0], a.Grad!.Shape);
        Assert.Equal([1.0, 1, 1, 1], b.Grad!.ToArray());
    }

    [Fact]
    public void SoftplusIsLinearAboveTheThresholdAndSoIsItsDerivative()
    {
        // β = 2, threshold 3: at x = 2, βx = 4 > 3, so softplus(x) = x and d/dx = 1 (PyTorch's rule), not σ(4) ≈ 0.982.
        // At x = 1, βx = 2 ≤ 3: d/dx = σ(2) = 1/(1 + e⁻²) = 0.8807970779778823.
        var x = Tensor.FromArray([2.0, 1.0], requiresGrad: true);
        x.Softplus(2.0, 3.0).Sum().Backward();
        Assert.Equal(2.0, x.Softplus(2.0, 3.0).ToArray()[0]);
        Assert.Equal(1.0, x.Grad!.ToArray()[0], 12);
        Assert.Equal(0.8807970779778823, x.Grad!.ToArray()[1], 12);
    }
}
