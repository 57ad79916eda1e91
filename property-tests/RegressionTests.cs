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
}
