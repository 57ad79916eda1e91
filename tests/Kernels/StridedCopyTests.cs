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
}
