namespace Autograd.Tests.Core;

/// <summary>IndexTensor and BoolTensor: the typed index and mask arguments, beside the older T-valued forms.</summary>
public class TypedArgumentTests
{
    private static Tensor<double> Iota(params int[] shape) =>
        Tensor.FromArray([.. Enumerable.Range(1, shape.Aggregate(1, (p, d) => p * d)).Select(i => (double)i)], shape, requiresGrad: true);

    [Fact]
    public void MaskedFillWithABoolMaskBroadcastsAndMasksTheGradient()
    {
        var x = Iota(2, 3);
        var mask = new BoolTensor([true, false, true], 3);
        var y = x.MaskedFill(mask, -1);
        // columns 0 and 2 filled in both rows: [[−1, 2, −1], [−1, 5, −1]]
        Assert.Equal([-1.0, 2, -1, -1, 5, -1], y.ToArray());
        y.Sum().Backward();
        // ∂y/∂x = 1 where the mask is false (column 1), else 0
        Assert.Equal([0.0, 1, 0, 0, 1, 0], x.Grad!.ToArray());
        // same result as the 0/1 form
        Assert.Equal(y.ToArray(), Iota(2, 3).MaskedFill(Tensor.FromArray([1.0, 0, 1], [3]), -1).ToArray());
        var error = Assert.ThrowsAny<ArgumentException>(() => x.MaskedFill(new BoolTensor([true, false], 2), 0));
        Assert.Contains("MaskedFill", error.Message);
        Assert.Contains("[2]", error.Message);
        Assert.Contains("[2, 3]", error.Message);
    }

    [Fact]
    public void WhereWithABoolMask()
    {
        var a = Tensor.FromArray([1.0, 2], [2]);
        var b = Tensor.FromArray([10.0, 20], [2]);
        // true picks a, false picks b
        Assert.Equal([1.0, 20], Tensor.Where(new BoolTensor([true, false], 2), a, b).ToArray());
        Assert.Equal([7.0, 2], Tensor.Where(new BoolTensor([false, true], 2), a, 7.0).ToArray());
    }

    [Fact]
    public void GatherAndIndexSelectTakeTypedPositions()
    {
        var x = Iota(2, 3);
        // out[i, j] = x[i, index[i, j]]: row 0 picks columns 2, 0 → [3, 1]; row 1 picks 1, 1 → [5, 5]
        var y = x.Gather(1, new IndexTensor([2, 0, 1, 1], 2, 2));
        Assert.Equal([3.0, 1, 5, 5], y.ToArray());
        y.Sum().Backward();
        // scatter-add of ones: x[0, 2], x[0, 0] once each, x[1, 1] twice
        Assert.Equal([1.0, 0, 1, 0, 2, 0], x.Grad!.ToArray());
        // rows 1, 0, 1 of x
        Assert.Equal([4.0, 5, 6, 1, 2, 3, 4, 5, 6], Iota(2, 3).IndexSelect(0, IndexTensor.Of(1, 0, 1)).ToArray());
        // x[0] += s[0] + s[1] (both index 0): [1 + 1 + 1, …]
        var added = Iota(2, 3).IndexAdd(0, IndexTensor.Of(0, 0), Tensor.Ones<double>(2, 3));
        Assert.Equal([3.0, 4, 5, 4, 5, 6], added.ToArray());
        // out[index[0, j], j] += src[0, j] for dim 0: [1, 0, 1] with src [10, 20, 30] → x[1, 0] += 10, x[0, 1] += 20, x[1, 2] += 30
        var scattered = Iota(2, 3).ScatterAdd(0, new IndexTensor([1, 0, 1], 1, 3), Tensor.FromArray([10.0, 20, 30], [1, 3]));
        Assert.Equal([1.0, 22, 3, 14, 5, 36], scattered.ToArray());
    }

    [Fact]
    public void TypedPositionsAreChecked()
    {
        var x = Iota(2, 3);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, new IndexTensor([3, 0], 2, 1)));
        Assert.Contains("Gather", range.Message);
        Assert.Contains("3", range.Message);
        Assert.Contains("dim 1", range.Message);
        var oneDim = Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(0, new IndexTensor([0, 1], 1, 2)));
        Assert.Contains("IndexSelect: indices must be 1-D, got shape [1, 2]", oneDim.Message);
        Assert.Contains("do not fill shape [2, 2]", Assert.ThrowsAny<ArgumentException>(() => new IndexTensor([1, 2, 3], 2, 2)).Message);
        // a T-valued index must hold whole numbers
        var whole = Assert.ThrowsAny<ArgumentException>(() => x.Gather(1, Tensor.FromArray([0.5, 1], [2, 1])));
        Assert.Contains("Gather: index value 0.5 at position 0 is not a whole number", whole.Message);
    }

    [Fact]
    public void ConversionsRoundTrip()
    {
        var index = new IndexTensor([2, 0, 1, 5], 2, 2);
        Assert.Equal([2, 2], index.Shape);
        Assert.Equal(1, index[1, 0]);
        Assert.Equal([2.0, 0, 1, 5], index.ToTensor<double>().ToArray());
        Assert.Equal(index.ToArray(), IndexTensor.FromTensor(index.ToTensor<float>()).ToArray());
        Assert.Equal([4], index.Reshape(-1).Shape);
        var mask = BoolTensor.FromTensor(Tensor.FromArray([0.0, -2, double.NaN], [3]));
        // x ≠ 0: 0 → false, −2 → true, NaN → true
        Assert.Equal([false, true, true], mask.ToArray());
        Assert.Equal([0.0, 1, 1], mask.ToTensor<double>().ToArray());
    }
}
