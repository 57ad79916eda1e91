using System.Numerics;

namespace Autograd.Kernels;

/// <summary>Cumulative sums along one dim of a row-major array viewed as [outer, n, inner].</summary>
internal static class Scan
{
    /// <summary>
    /// y[o, i, r] = Σ_{j ≤ i} x[o, j, r] (forward), or Σ_{j ≥ i} x[o, j, r] when <paramref name="reverse"/>;
    /// x starts at <paramref name="offset"/> of <paramref name="x"/>.
    /// </summary>
    public static void CumulativeSum<T>(T[] x, int offset, int outer, int n, int inner, bool reverse, T[] y)
        where T : unmanaged, INumberBase<T>
    {
        int lane = n * inner;
        Chunks.ForItems(outer, lane, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                var src = x.AsSpan(offset + o * lane, lane);
                var dst = y.AsSpan(o * lane, lane);
                for (int step = 0; step < n; step++)
                {
                    int i = reverse ? n - 1 - step : step;
                    var row = dst.Slice(i * inner, inner);
                    src.Slice(i * inner, inner).CopyTo(row);
                    if (step == 0) continue;
                    var previous = dst.Slice((reverse ? i + 1 : i - 1) * inner, inner);
                    for (int r = 0; r < inner; r++) row[r] += previous[r];
                }
            }
        });
    }
}
