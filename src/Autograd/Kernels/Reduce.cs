using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Reductions over one block of dims of a contiguous buffer viewed as [outer, n, inner].</summary>
internal static class Reduce
{
    /// <summary>Columns per parallel block when a single [n, inner] slab is summed over its rows (256: the 1024 gate
    /// columns of a recurrent layer's bias gradient split four ways instead of running on one core).</summary>
    private const int ColumnBlock = 256;

    /// <summary>dst[o, i] = Σ_j src[offset + (o·n + j)·inner + i], in parallel over o (or over blocks of columns i when
    /// outer is 1). Every output element is summed in the same order whatever the thread count.</summary>
    public static void Sum<T>(T[] src, int offset, int outer, int n, int inner, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            Chunks.ForItems(outer, n, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) dst[o] = TensorPrimitives.Sum(src.AsSpan(offset + o * n, n));
            });
            return;
        }
        if (outer > 1)
        {
            Chunks.ForItems(outer, (long)n * inner, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) SumRows(src, offset + o * n * inner, n, inner, 0, inner, dst.AsSpan(o * inner, inner));
            });
            return;
        }
        int blocks = (inner + ColumnBlock - 1) / ColumnBlock;
        if (blocks < 4 && (long)n * inner >= Chunks.ParallelWork)
        {
            SumRowChunks(src, offset, n, inner, dst);
            return;
        }
        Chunks.ForItems(blocks, (long)n * ColumnBlock, (b0, b1) =>
        {
            int i0 = b0 * ColumnBlock, i1 = Math.Min(inner, b1 * ColumnBlock);
            SumRows(src, offset, n, inner, i0, i1, dst.AsSpan(i0, i1 - i0));
        });
    }

    /// <summary>
    /// A tall slab with few columns (a bias gradient Σ_rows G over [2048, 128]): its column blocks alone would leave
    /// cores idle, so the rows are cut into chunks of <see cref="Chunks.Grain"/> elements or more, each summed in order
    /// into its own partial row on any core, and the partials added in chunk order. The chunks depend on the shape
    /// alone, so the bits do not depend on the thread count.
    /// </summary>
    private static void SumRowChunks<T>(T[] src, int offset, int n, int inner, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rowsPer = Math.Max(1, Chunks.Grain / inner), chunks = (n + rowsPer - 1) / rowsPer;
        T[] partial = Scratch.Rent<T>(chunks * inner);
        try
        {
            Chunks.ForItems(chunks, (long)rowsPer * inner, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    int j0 = c * rowsPer, rows = Math.Min(n, j0 + rowsPer) - j0;
                    SumRows(src, offset + j0 * inner, rows, inner, 0, inner, partial.AsSpan(c * inner, inner));
                }
            });
            var acc = dst.AsSpan(0, inner);
            partial.AsSpan(0, inner).CopyTo(acc);
            for (int c = 1; c < chunks; c++) TensorPrimitives.Add(acc, partial.AsSpan(c * inner, inner), acc);
        }
        finally
        {
            Scratch.Return(partial);
        }
    }

    /// <summary>
    /// dst = Σ over the dims <paramref name="sortedDims"/> (ascending, distinct) of the contiguous array of
    /// <paramref name="shape"/> at <paramref name="offset"/>, the kept dims in row-major order. Runs of adjacent dims are
    /// reduced in one pass each, last run first (so earlier dim indices stay valid), through scratch buffers.
    /// </summary>
    public static void SumDims<T>(T[] src, int offset, int[] shape, int[] sortedDims, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sortedDims.Length == 0)
        {
            src.AsSpan(offset, dst.Length).CopyTo(dst);
            return;
        }
        var currentShape = (int[])shape.Clone();
        T[] current = src;
        int currentOffset = offset;
        for (int k = sortedDims.Length - 1; k >= 0;)
        {
            int end = sortedDims[k], start = end;
            while (k > 0 && sortedDims[k - 1] == start - 1) start = sortedDims[--k];
            k--;
            var (outer, n, inner) = Split(currentShape, start, end);
            T[] next = k < 0 ? dst : Scratch.Rent<T>(outer * inner);
            if (n == 0) next.AsSpan(0, outer * inner).Clear();
            else Sum(current, currentOffset, outer, n, inner, next);
            if (current != src) Scratch.Return(current);
            for (int d = start; d <= end; d++) currentShape[d] = 1;
            current = next;
            currentOffset = 0;
        }
    }

    /// <summary>acc = Σ_j slab[j, i0..i1) for a row-major [n, inner] slab at <paramref name="start"/>.</summary>
    private static void SumRows<T>(T[] src, int start, int n, int inner, int i0, int i1, Span<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        src.AsSpan(start + i0, i1 - i0).CopyTo(acc);
        for (int j = 1; j < n; j++)
            TensorPrimitives.Add(acc, src.AsSpan(start + j * inner + i0, i1 - i0), acc);
    }

    /// <summary>dst[o, i] = argmax_j src[o, j, i] (or argmin), first occurrence on ties; NaN wins like PyTorch.</summary>
    public static void ArgExtreme<T>(ReadOnlySpan<T> src, int outer, int n, int inner, bool max, Span<int> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * n * inner + i;
                int best = 0;
                T bestValue = src[baseIndex];
                for (int j = 1; j < n && !T.IsNaN(bestValue); j++)
                {
                    T v = src[baseIndex + j * inner];
                    if (T.IsNaN(v) || (max ? v > bestValue : v < bestValue))
                    {
                        best = j;
                        bestValue = v;
                    }
                }
                dst[o * inner + i] = best;
            }
        }
    }

    /// <summary>The <see cref="ArgExtreme{T}(ReadOnlySpan{T}, int, int, int, bool, Span{int})"/> indices as whole numbers in T.</summary>
    public static void ArgExtreme<T>(ReadOnlySpan<T> src, int outer, int n, int inner, bool max, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] indices = Scratch.Rent<int>(outer * inner);
        ArgExtreme(src, outer, n, inner, max, indices.AsSpan(0, outer * inner));
        for (int i = 0; i < outer * inner; i++) dst[i] = T.CreateChecked(indices[i]);
        Scratch.Return(indices);
    }

    // Per-channel kernels over a contiguous [N, C, S] buffer (batch normalisation): channel c owns the N rows
    // x[n, c, 0..S). Statistics run in parallel over channels, elementwise passes over rows; each channel's sums
    // are accumulated row by row in a fixed order (in double), so results do not depend on the thread count.

    /// <summary>mean[c] and biased variance[c] of the N·S values of channel c, in two passes: Σx, then Σ(x − mean)².</summary>
    public static void ChannelMoments<T>(T[] x, int offset, int batch, int channels, int size, double[] mean, double[] variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double count = (double)batch * size;
        Chunks.ForItems(channels, 2L * batch * size, (c0, c1) =>
        {
            var centered = new T[size];
            for (int c = c0; c < c1; c++)
            {
                double sum = 0;
                for (int n = 0; n < batch; n++) sum += double.CreateTruncating(TensorPrimitives.Sum(Row(x, offset, n, c, channels, size)));
                double m = sum / count;
                T mt = T.CreateTruncating(m);
                double squares = 0;
                for (int n = 0; n < batch; n++)
                {
                    TensorPrimitives.Subtract(Row(x, offset, n, c, channels, size), mt, centered);
                    squares += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(centered));
                }
                // Σ(x − mt)² = Σ(x − m)² + count·(m − mt)², mt being m rounded to T.
                double shift = m - double.CreateTruncating(mt);
                mean[c] = m;
                variance[c] = Math.Max(squares / count - shift * shift, 0);
            }
        });
    }

    /// <summary>dst[n, c, :] = (x[n, c, :] − center[c])·scale[c] + shift[c].</summary>
    public static void ChannelAffine<T>(T[] x, int offset, int batch, int channels, int size, T[] center, T[] scale, T[] shift, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chunks.ForItems(batch * channels, size, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int c = r % channels;
                var d = dst.AsSpan(r * size, size);
                TensorPrimitives.Subtract(x.AsSpan(offset + r * size, size), center[c], d);
                ScaleShift(d, scale[c], shift[c]);
            }
        });
    }

    /// <summary>sumG[c] = Σ g and sumGX[c] = Σ g·(x − mean[c]) over channel c.</summary>
    public static void ChannelGradSums<T>(T[] g, int gOffset, T[] x, int xOffset, int batch, int channels, int size,
        double[] mean, double[] sumG, double[] sumGX) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chunks.ForItems(channels, 2L * batch * size, (c0, c1) =>
        {
            var centered = new T[size];
            for (int c = c0; c < c1; c++)
            {
                T mt = T.CreateTruncating(mean[c]);
                double sg = 0, sgx = 0;
                for (int n = 0; n < batch; n++)
                {
                    var gr = Row(g, gOffset, n, c, channels, size);
                    TensorPrimitives.Subtract(Row(x, xOffset, n, c, channels, size), mt, centered);
                    sg += double.CreateTruncating(TensorPrimitives.Sum(gr));
                    sgx += double.CreateTruncating(TensorPrimitives.Dot(gr, centered));
                }
                sumG[c] = sg;
                // Σ g·(x − m) = Σ g·(x − mt) − (m − mt)·Σ g.
                sumGX[c] = sgx - (mean[c] - double.CreateTruncating(mt)) * sg;
            }
        });
    }

    /// <summary>dst[n, c, :] = a[c]·g[n, c, :] + b[c]·(x[n, c, :] − center[c]) + k[c].</summary>
    public static void ChannelCombine<T>(T[] g, int gOffset, T[] x, int xOffset, int batch, int channels, int size,
        T[] a, T[] b, T[] center, T[] k, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chunks.ForItems(batch * channels, 2L * size, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int c = r % channels;
                var d = dst.AsSpan(r * size, size);
                TensorPrimitives.Subtract(x.AsSpan(xOffset + r * size, size), center[c], d);
                ScaleShift(d, b[c], k[c]);
                TensorPrimitives.MultiplyAdd(g.AsSpan(gOffset + r * size, size), a[c], d, d);
            }
        });
    }

    /// <summary>d = d·a + b (TensorPrimitives has no scalar-scalar MultiplyAdd).</summary>
    private static void ScaleShift<T>(Span<T> d, T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> va = new(a), vb = new(b);
            for (; i <= d.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(d.Slice(i)) * va + vb).CopyTo(d.Slice(i));
        }
        for (; i < d.Length; i++) d[i] = d[i] * a + b;
    }

    private static ReadOnlySpan<T> Row<T>(T[] data, int offset, int n, int c, int channels, int size) =>
        data.AsSpan(offset + (n * channels + c) * size, size);

    /// <summary>Splits a shape around dims [start, end] into outer · n · inner.</summary>
    public static (int Outer, int N, int Inner) Split(ReadOnlySpan<int> shape, int start, int end)
    {
        int outer = 1, n = 1, inner = 1;
        for (int i = 0; i < start; i++) outer *= shape[i];
        for (int i = start; i <= end; i++) n *= shape[i];
        for (int i = end + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, n, inner);
    }
}
