namespace Autograd.Tests.Core;

/// <summary>Cumsum, Sort, TopK and Argsort on small hand-derived cases: values, indices, gradients and error messages.</summary>
public class ScanSortTests
{
    private static Tensor<double> Leaf(double[] data, params int[] shape) => Tensor.FromArray(data, shape, requiresGrad: true);

    [Fact]
    public void CumsumValuesAlongEachDim()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [2, 3]);
        // Along dim 1 (rows [1, 2, 3] and [4, 5, 6]): [1, 1+2, 1+2+3] = [1, 3, 6] and [4, 9, 15].
        Assert.Equal([1.0, 3, 6, 4, 9, 15], x.Cumsum(1).ToArray());
        // Along dim 0 (columns): first row unchanged, second row [1+4, 2+5, 3+6] = [5, 7, 9].
        Assert.Equal([1.0, 2, 3, 5, 7, 9], x.Cumsum(0).ToArray());
        // dim −1 is dim 1.
        Assert.Equal(x.Cumsum(1).ToArray(), x.Cumsum(-1).ToArray());
    }

    [Fact]
    public void CumsumGradientIsTheReverseCumulativeSumOfTheWeights()
    {
        var x = Leaf([1.0, 2, 3, 4], 4);
        var w = Tensor.FromArray([1.0, 10, 100, 1000], [4]);
        (x.Cumsum(0) * w).Sum().Backward();
        // ∂Σᵢ wᵢyᵢ/∂xⱼ = Σ_{i≥j} wᵢ: [1111, 1110, 1100, 1000].
        Assert.Equal([1111.0, 1110, 1100, 1000], x.Grad!.ToArray());
    }

    [Fact]
    public void CumsumSecondOrderRunsThroughTheSameOps()
    {
        var x = Leaf([1.0, 2, 3], 3);
        // L = Σᵢ yᵢ², y = cumsum(x): ∂L/∂xⱼ = Σ_{i≥j} 2yᵢ. y = [1, 3, 6], so ∂L/∂x = [20, 18, 12].
        var y = x.Cumsum(0);
        var grad = Tensor.Grad([(y * y).Sum()], [x], createGraph: true)[0]!;
        Assert.Equal([20.0, 18, 12], grad.ToArray());
        // ∂(Σⱼ ∂L/∂xⱼ)/∂xₖ = Σⱼ Σ_{i≥j} 2·[i≥k] = Σ_{i≥k} 2(i+1) (0-based i): k=0: 2+4+6 = 12, k=1: 4+6 = 10, k=2: 6.
        var second = Tensor.Grad([grad.Sum()], [x])[0]!;
        Assert.Equal([12.0, 10, 6], second.ToArray());
    }

    [Fact]
    public void SortIsStableWithTies()
    {
        var x = Tensor.FromArray([3.0, 1, 3, 2, 1], [5]);
        var (values, indices) = x.Sort();
        // Ascending: the 1s at positions 1 and 4 keep that order, then 2 (position 3), then the 3s at 0 and 2.
        Assert.Equal([1.0, 1, 2, 3, 3], values.ToArray());
        Assert.Equal([1, 4, 3, 0, 2], indices.ToArray());
        var (down, downIndices) = x.Sort(descending: true);
        // Descending: the 3s (0, 2), the 2 (3), the 1s (1, 4); ties still in their original order.
        Assert.Equal([3.0, 3, 2, 1, 1], down.ToArray());
        Assert.Equal([0, 2, 3, 1, 4], downIndices.ToArray());
    }

    [Fact]
    public void SortAlongDim0AndItsGradient()
    {
        var x = Leaf([5.0, 1, 2, 7, 3, 4], 3, 2);
        var (values, indices) = x.Sort(0);
        // Columns [5, 2, 3] → [2, 3, 5] at rows [1, 2, 0]; [1, 7, 4] → [1, 4, 7] at rows [0, 2, 1].
        Assert.Equal([2.0, 1, 3, 4, 5, 7], values.ToArray());
        Assert.Equal([1, 0, 2, 2, 0, 1], indices.ToArray());
        Assert.IsType<IndexTensor>(indices); // typed positions: no whole numbers in floats, no gradient
        // Σ wⱼ·sortedⱼ with w = [1, 2, 3, 4, 5, 6]: x[r, c] receives the weight of the place it was sorted to.
        // x[0,0]=5 → place (2,0), w 5; x[1,0]=2 → (0,0), w 1; x[2,0]=3 → (1,0), w 3;
        // x[0,1]=1 → (0,1), w 2; x[1,1]=7 → (2,1), w 6; x[2,1]=4 → (1,1), w 4.
        (values * Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [3, 2])).Sum().Backward();
        Assert.Equal([5.0, 2, 1, 6, 3, 4], x.Grad!.ToArray());
    }

    [Fact]
    public void TopKValuesIndicesAndGradientToTheSelectedPositionsOnly()
    {
        var x = Leaf([0.5, 4, -1, 3, 2], 5);
        var (values, indices) = x.TopK(2);
        // The two largest: 4 (position 1), then 3 (position 3).
        Assert.Equal([4.0, 3], values.ToArray());
        Assert.Equal([1, 3], indices.ToArray());
        (values * Tensor.FromArray([10.0, 20], [2])).Sum().Backward();
        // ∂(10·x₁ + 20·x₃)/∂x = 10 at position 1, 20 at position 3, 0 elsewhere.
        Assert.Equal([0.0, 10, 0, 20, 0], x.Grad!.ToArray());
    }

    [Fact]
    public void TopKSmallestAlongDim0()
    {
        var x = Tensor.FromArray([5.0, 1, 2, 7, 3, 4], [3, 2]);
        var (values, indices) = x.TopK(2, dim: 0, largest: false);
        // Column 0 [5, 2, 3]: smallest 2 (row 1), 3 (row 2); column 1 [1, 7, 4]: 1 (row 0), 4 (row 2).
        Assert.Equal([2, 2], values.Shape);
        Assert.Equal([2.0, 1, 3, 4], values.ToArray());
        Assert.Equal([1, 0, 2, 2], indices.ToArray());
    }

    [Fact]
    public void ErrorsNameTheOpAndTheShapes()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [2, 3]);
        var k = Assert.ThrowsAny<ArgumentException>(() => x.TopK(4));
        Assert.Contains("TopK", k.Message);
        Assert.Contains("k = 4", k.Message);
        Assert.Contains("[2, 3]", k.Message);
        Assert.Contains("TopK", Assert.ThrowsAny<ArgumentException>(() => x.TopK(-1)).Message);
        Assert.Contains("Sort", Assert.ThrowsAny<ArgumentException>(() => x.Sort(2)).Message);
        Assert.Contains("Cumsum", Assert.ThrowsAny<ArgumentException>(() => x.Cumsum(-3)).Message);
    }

    [Fact]
    public void EdgeCasesZeroKScalarsAndNaN()
    {
        var x = Tensor.FromArray([2.0, double.NaN, 1], [3]);
        // k = 0 selects nothing: shape [0] (torch.topk(x, 0) likewise).
        Assert.Equal([0], x.TopK(0).Values.Shape);
        // NaN sorts as the largest (PyTorch): [1, 2, NaN] from positions [2, 0, 1].
        var (values, indices) = x.Sort();
        Assert.Equal([1.0, 2, double.NaN], values.ToArray());
        Assert.Equal([2, 0, 1], indices.ToArray());
        // A 0-dimensional tensor: cumsum and sort return it unchanged, its index 0.
        var s = Tensor.FromArray([5.0], []);
        Assert.Equal(5.0, s.Cumsum(0).Item());
        Assert.Equal([0], s.Sort().Indices.ToArray());
        Assert.Equal(5.0, s.TopK(1).Values.Item());
    }
    [Fact]
    public void ArgsortIsStableAndMatchesSortsIndices()
    {
        var x = Tensor.FromArray([3.0, 1, 3, 2, 1, double.NaN], [6]);
        // Ascending, ties in original order, NaN last: 1s at 1 and 4, 2 at 3, 3s at 0 and 2, NaN at 5.
        Assert.Equal([1, 4, 3, 0, 2, 5], x.Argsort().ToArray());
        // Descending: NaN first (the largest), then 3s (0, 2), the 2 (3), the 1s (1, 4).
        Assert.Equal([5, 0, 2, 3, 1, 4], x.Argsort(descending: true).ToArray());
        var m = Tensor.FromArray([5.0, 1, 2, 7, 3, 4], [3, 2]);
        // Columns [5, 2, 3] → positions [1, 2, 0]; [1, 7, 4] → [0, 2, 1]; laid out [3, 2] as [[1, 0], [2, 2], [0, 1]].
        var order = m.Argsort(0);
        Assert.Equal([3, 2], order.Shape);
        Assert.Equal([1, 0, 2, 2, 0, 1], order.ToArray());
        Assert.Equal(m.Sort(0).Indices.ToArray(), order.ToArray());
        // Gathering with the positions sorts each column (typed index argument).
        Assert.Equal(m.Sort(0).Values.ToArray(), m.Gather(0, order).ToArray());
        Assert.Equal([0], Tensor.Scalar(2.0).Argsort().ToArray());
        Assert.Contains("Argsort", Assert.ThrowsAny<ArgumentException>(() => m.Argsort(2)).Message);
    }
}
