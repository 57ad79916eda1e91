namespace Autograd.Tests.Kernels;

/// <summary>
/// Copies of large strided views (past the parallel threshold of 2^18 elements, so they run in chunks of rows on all
/// cores). Oracle: each element of the copy equals the source element its index names, computed from the fill formula.
/// </summary>
public class StridedCopyTests
{
    [Fact]
    public void ALargePermutedViewCopiesEveryElementToItsPlace()
    {
        // x[a, b, c] = a·10⁴ + b·10² + c over [40, 80, 100] (320 000 elements); y = xᵀ with dims (2, 0, 1), so
        // y[c, a, b] = x[a, b, c].
        int na = 40, nb = 80, nc = 100;
        var values = new double[na * nb * nc];
        for (int a = 0; a < na; a++)
            for (int b = 0; b < nb; b++)
                for (int c = 0; c < nc; c++) values[(a * nb + b) * nc + c] = a * 1e4 + b * 1e2 + c;
        var y = Tensor.FromArray(values, [na, nb, nc]).Permute(2, 0, 1).Contiguous().ToArray();
        for (int c = 0; c < nc; c++)
            for (int a = 0; a < na; a++)
                for (int b = 0; b < nb; b++) Assert.Equal(a * 1e4 + b * 1e2 + c, y[(c * na + a) * nb + b]);
    }

    [Fact]
    public void ALargeBroadcastAndAnOffsetViewCopyCorrectly()
    {
        // A row of 500 expanded to 600 rows (stride 0): row r of the copy is the row. And columns [3, 503) of a [600, 510]
        // matrix m[r, k] = r·1000 + k: element (r, k) of the copy is m[r, k + 3].
        var row = Tensor.FromArray(Enumerable.Range(0, 500).Select(k => (double)k).ToArray(), [1, 500]);
        var wide = row.Expand([600, 500]).Contiguous().ToArray();
        for (int r = 0; r < 600; r += 7)
            for (int k = 0; k < 500; k++) Assert.Equal(k, wide[r * 500 + k]);
        var m = Tensor.FromArray(Enumerable.Range(0, 600 * 510).Select(i => (double)(i / 510 * 1000 + i % 510)).ToArray(), [600, 510]);
        var cols = m.Narrow(1, 3, 500).Contiguous().ToArray();
        for (int r = 0; r < 600; r++)
            for (int k = 0; k < 500; k += 3) Assert.Equal(r * 1000 + k + 3, cols[r * 500 + k]);
    }

    [Fact]
    public void AnEmptyViewPastTheEndOfItsArrayCopiesAndReadsAsEmpty()
    {
        // The second half of [x, x] joined along the last dim, x [1, 3]: a view at offset 3 with row stride 6; narrowing
        // its one row to none puts the empty view's offset at 3 + 6 = 9, past the array's 6 elements. Oracle: an empty
        // tensor has no elements to read, so every path gives empty results; and Cumprod along that size-1 dim, whose
        // backward pads such an empty crop, gives the gradient of y = x (cumprod over one element): all ones.
        var x = Tensor.FromArray([1.0, 2, 3], [1, 3], requiresGrad: true);
        var view = Tensor.Concat([x, x], 1).Narrow(1, 3, 3);
        var empty = view.Narrow(0, 1, 0);
        Assert.Empty(empty.ToArray());
        Assert.Empty(empty.Contiguous().ToArray());
        Assert.Equal(0, empty.AsReadOnlySpan().Length);
        view.Cumprod(0).Sum().Backward();
        Assert.Equal([1.0, 1, 1], x.Grad!.ToArray());
    }
}
