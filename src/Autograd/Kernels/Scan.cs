using System.Numerics;

namespace Autograd.Kernels;

/// <summary>Cumulative sums and first-order linear recurrences along one dim of a row-major array viewed as [outer, n, inner].</summary>
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
    /// <summary>
    /// The first-order linear recurrence y[i] = b[i] + a[i]·y[i − 1] with y[−1] = 0 (forward; y[i + 1] and y[n] = 0 when
    /// <paramref name="reverse"/>), or with <paramref name="b"/> null the cumulative product y[i] = a[i]·y[i − 1] with
    /// y[−1] = 1; a and b are contiguous from their offsets, y row-major from 0.
    /// </summary>
    public static void LinearRecurrence<T>(T[] a, int aOffset, T[]? b, int bOffset, int outer, int n, int inner, bool reverse, T[] y)
        where T : unmanaged, INumberBase<T>
    {
        int lane = n * inner;
        Chunks.ForItems(outer, lane, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                var factor = a.AsSpan(aOffset + o * lane, lane);
                var addend = b is null ? default : b.AsSpan(bOffset + o * lane, lane);
                var dst = y.AsSpan(o * lane, lane);
                for (int step = 0; step < n; step++)
                {
                    int i = reverse ? n - 1 - step : step;
                    var row = dst.Slice(i * inner, inner);
                    var f = factor.Slice(i * inner, inner);
                    if (step == 0)
                    {
                        if (b is null) f.CopyTo(row);
                        else addend.Slice(i * inner, inner).CopyTo(row);
                        continue;
                    }
                    var previous = dst.Slice((reverse ? i + 1 : i - 1) * inner, inner);
                    if (b is null)
                        for (int r = 0; r < inner; r++) row[r] = f[r] * previous[r];
                    else
                    {
                        var add = addend.Slice(i * inner, inner);
                        for (int r = 0; r < inner; r++) row[r] = add[r] + f[r] * previous[r];
                    }
                }
            }
        });
    }
}
