using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Softmax and log-softmax over contiguous rows: max-shifted forward (stable for logits of any size) and the
/// fused first-order backward.</summary>
internal static class Softmax
{
    /// <summary>Rows shorter than this are reduced by plain loops: a vectorised call costs more than it saves on them.</summary>
    private const int ShortRow = 32;

    /// <summary>
    /// <see cref="Forward{T}(ReadOnlySpan{T}, Span{T}, int, bool)"/> over all of <paramref name="y"/> (x from
    /// <paramref name="xOffset"/>), the rows in parallel chunks: rows are independent and every value is computed lane by
    /// lane, so the chunking changes no bit.
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] y, int n, bool log) where T : unmanaged, IFloatingPointIeee754<T> =>
        Chunks.ForItems(y.Length / n, RowCost * n, (r0, r1) =>
            Forward<T>(x.AsSpan(xOffset + r0 * n, (r1 - r0) * n), y.AsSpan(r0 * n, (r1 - r0) * n), n, log));

    /// <summary>
    /// <see cref="Backward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int, bool)"/> over all of <paramref name="dx"/>,
    /// the rows in parallel chunks (no bit depends on the chunking).
    /// </summary>
    public static void Backward<T>(T[] g, int gOffset, T[] y, int yOffset, T[] dx, int n, bool log) where T : unmanaged, IFloatingPointIeee754<T> =>
        Chunks.ForItems(dx.Length / n, RowCost * n, (r0, r1) =>
            Backward<T>(g.AsSpan(gOffset + r0 * n, (r1 - r0) * n), y.AsSpan(yOffset + r0 * n, (r1 - r0) * n), dx.AsSpan(r0 * n, (r1 - r0) * n), n, log));

    /// <summary>Passes over a row, about, for sizing the parallel chunks.</summary>
    private const long RowCost = 4;

    /// <summary>
    /// y = softmax or log-softmax of each row of n values of x: the rows are shifted by their max, then exp runs over the
    /// whole block in one vectorised call (rather than once per short row), then each row is normalised by its sum s:
    /// y = e / s, or y = (x − m) − log s.
    /// </summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int n, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += n)
        {
            ReadOnlySpan<T> xr = x.Slice(start, n);
            T max = RowMax(xr);
            if (T.IsInfinity(max)) max = T.Zero;
            Apply(xr, y.Slice(start, n), max, divide: false);
        }
        int rows = x.Length / n;
        T[] scratch = Scratch.Rent<T>(rows + (log ? x.Length : 0));
        Span<T> sums = scratch.AsSpan(0, rows), e = log ? scratch.AsSpan(rows, x.Length) : y;
        VectorMap.Apply<T, ExpFunction<T>>(y, e);
        for (int r = 0; r < rows; r++) sums[r] = RowSum(e.Slice(r * n, n));
        if (log) VectorMap.Apply<T, LogFunction<T>>(sums, sums);
        for (int r = 0; r < rows; r++)
        {
            Span<T> yr = y.Slice(r * n, n);
            Apply(yr, yr, sums[r], divide: !log);
        }
        Scratch.Return(scratch);
    }

    /// <summary>
    /// The first-order backward of softmax (dx = y ⊙ (g − Σ g ⊙ y)) or log-softmax (dx = g − exp(y) ⊙ Σ g) over
    /// contiguous rows of n values, in one pass per row and no temporaries.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> gs, ReadOnlySpan<T> ys, Span<T> dx, int n, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = ys.Length;
        if (log) VectorMap.Apply<T, ExpFunction<T>>(ys, dx);
        for (int start = 0; n > 0 && start < total; start += n)
        {
            ReadOnlySpan<T> gr = gs.Slice(start, n), yr = ys.Slice(start, n);
            Span<T> dr = dx.Slice(start, n);
            if (log)
            {
                // dx = g − exp(y)·Σ g, with exp(y) already in dx.
                TensorPrimitives.MultiplyAdd(dr, -RowSum(gr), gr, dr);
            }
            else
            {
                // dx = y ⊙ (g − Σ g ⊙ y).
                T dot = n < ShortRow ? RowDot(gr, yr) : TensorPrimitives.Dot(gr, yr);
                TensorPrimitives.Subtract(gr, dot, dr);
                TensorPrimitives.Multiply(dr, yr, dr);
            }
        }
    }

    private static T RowMax<T>(ReadOnlySpan<T> r) where T : IFloatingPointIeee754<T>
    {
        if (r.Length >= ShortRow) return TensorPrimitives.Max(r);
        T max = r[0];
        for (int i = 1; i < r.Length; i++)
        {
            T v = r[i];
            // NaN propagates, as TensorPrimitives.Max does.
            if (v > max || T.IsNaN(v)) max = v;
            if (T.IsNaN(max)) break;
        }
        return max;
    }

    /// <summary>dst = src − s, or src / s when <paramref name="divide"/>.</summary>
    private static void Apply<T>(ReadOnlySpan<T> src, Span<T> dst, T s, bool divide) where T : IFloatingPointIeee754<T>
    {
        if (src.Length >= ShortRow)
        {
            if (divide) TensorPrimitives.Divide(src, s, dst);
            else TensorPrimitives.Subtract(src, s, dst);
            return;
        }
        if (divide)
            for (int i = 0; i < src.Length; i++) dst[i] = src[i] / s;
        else
            for (int i = 0; i < src.Length; i++) dst[i] = src[i] - s;
    }

    private static T RowSum<T>(ReadOnlySpan<T> r) where T : IFloatingPointIeee754<T>
    {
        if (r.Length >= ShortRow) return TensorPrimitives.Sum(r);
        T sum = T.Zero;
        foreach (T v in r) sum += v;
        return sum;
    }

    private static T RowDot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
