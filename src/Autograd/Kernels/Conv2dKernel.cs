using System.Numerics;

namespace Autograd.Kernels;

/// <summary>
/// 2-D convolution of a contiguous batch [N, C, H, W] with weights [O, C, kh, kw] as im2col + GEMM, and its two
/// adjoints, with the thread scheduling and scratch buffers they need.
/// </summary>
/// <remarks>
/// The batch is laid out as one matrix: image n's columns are columns n·L .. n·L + L − 1 of COLS [C·kh·kw, N·L]
/// (L = outH·outW). The forward runs one W·COLSₙ per image and core into y directly; the input gradient one
/// dCOLSₙ = Wᵀ·Gₙ per image and core, folded back by col2im while it is in cache (small batches use one wide product
/// over G' [O, N·L], a block copy of the gradient); dW = G'·COLSᵀ is one large GEMM. Temporaries come from
/// <see cref="Scratch"/>; every step is deterministic, whatever the thread scheduling. A bias is fused: each image's
/// output rows start as b[o] and the product is added to them, so there is no broadcast add pass.
/// </remarks>
internal static class Conv2dKernel
{
    /// <summary>
    /// y[n, o, :] = b[o] + W[o, :]·COLSₙ for the batch x (N images of g.ImageSize at <paramref name="xOffset"/>) and
    /// weights w [O, C·kh·kw]. When <paramref name="columns"/> is given ([C·kh·kw, N·L]) the im2col matrix is left in it
    /// for the weight gradient; otherwise it lives in scratch.
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, Conv2dGeometry g, int n, int o, T[] y, T[]? columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = g.ColumnRows, l = g.ColumnCols, width = checked(n * l), image = g.ImageSize;
        T[] cols = columns ?? Scratch.Rent<T>(checked(rows * width));
        // Y_n = W·COLS[:, n·L .. n·L + L) written straight into y [N, O, L]: one product per image and core with
        // the shared W beat one wide product followed by a permuting copy (measured: 9 vs 11 ms, 0.8 vs 1.7 ms; and
        // 4.5 vs 4.8 + 0.2 ms for conv 32→64 on 14×14, batch 64, after the packing changes).
        if (n >= 2 * Workers.ThreadCount)
        {
            // Each image's columns are multiplied right after they are laid out, while they are still in the core's
            // cache, instead of after the whole batch's columns went through memory (conv 32→64 on 14×14, batch 64:
            // the product ran at ~85–100 GFLOP/s from memory).
            Workers.For(n, i =>
            {
                Convolution.Im2Col<T>(x.AsSpan(xOffset + i * image, image), g, cols.AsSpan(i * l), width);
                if (bias is not null) FillBias(y, i, bias, l);
                Gemm.MultiplyOnThisThread(w, wOffset, rows, false, cols, i * l, width, false, y, i * o * l, l, o, l, rows, accumulate: bias is not null);
            });
        }
        else
        {
            Im2ColBatch(x, xOffset, g, n, cols);
            if (bias is not null)
                for (int i = 0; i < n; i++) FillBias(y, i, bias, l);
            Gemm.MultiplyBatched(n, w, wOffset, 0, rows, false, cols, 0, l, width, false,
                y, 0, o * l, l, o, l, rows, accumulate: bias is not null);
        }
        if (columns is null) Scratch.Return(cols);
    }

    /// <summary>Rows o of image i of y [N, O, L] set to b[o].</summary>
    private static void FillBias<T>(T[] y, int i, T[] b, int l)
    {
        int o = b.Length;
        for (int q = 0; q < o; q++) y.AsSpan((i * o + q) * l, l).Fill(b[q]);
    }

    /// <summary>dx = col2im(Wᵀ·G') for the upstream gradient grad [N, O, L] at <paramref name="gradOffset"/>;
    /// <paramref name="dx"/> [N, C, H, W] is overwritten.</summary>
    public static void InputGrad<T>(T[] grad, int gradOffset, T[] w, int wOffset, Conv2dGeometry g, int n, int o, T[] dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = g.ColumnRows, l = g.ColumnCols, width = checked(n * l), image = g.ImageSize;
        if (width == 0)
        {
            // No images: the gradient is as empty as the input.
            Array.Clear(dx);
        }
        else if (n >= 2 * Workers.ThreadCount)
        {
            // One image per core: dCOLS_n = Wᵀ·G_n reads G_n = grad[n] in place and lands in a per-image buffer that
            // col2im then reads from the core's cache, instead of the whole batch's columns going through memory.
            Workers.For(n, i =>
            {
                T[] columns = Scratch.Rent<T>(rows * l);
                Gemm.MultiplyOnThisThread(w, wOffset, rows, true, grad, gradOffset + i * o * l, l, false, columns, 0, l, rows, l, o, accumulate: false);
                Span<T> dxi = dx.AsSpan(i * image, image);
                dxi.Clear();
                Convolution.Col2Im<T>(columns, g, dxi, l);
                Scratch.Return(columns);
            });
        }
        else
        {
            T[] gradRows = Scratch.Rent<T>(checked(o * width));
            Convolution.BatchToRows(grad, gradOffset, gradRows, n, o, l);
            T[] columns = Scratch.Rent<T>(checked(rows * width));
            Gemm.Multiply(w, wOffset, rows, true, gradRows, 0, width, false, columns, 0, width, rows, width, o, accumulate: false);
            Scratch.Return(gradRows);
            Array.Clear(dx);
            Workers.For(n, i => Convolution.Col2Im<T>(columns.AsSpan(i * l), g, dx.AsSpan(i * image, image), width));
            Scratch.Return(columns);
        }
    }

    /// <summary>Weight columns (C·kh·kw) below which the weight gradient is computed transposed: the width of a float
    /// register tile on AVX2 (16).</summary>
    private const int FewWeightColumns = 16;

    /// <summary>
    /// dW = G'·COLSᵀ into <paramref name="dw"/> [O, C·kh·kw], reusing the forward's <paramref name="columns"/> when given.
    /// With <paramref name="biasSums"/> (one per output channel), also writes Σ_{n,i,j} G[n, o, i, j] there: each image's
    /// run summed, then the images in order.
    /// </summary>
    public static void WeightGrad<T>(T[] x, int xOffset, T[] grad, int gradOffset, Conv2dGeometry g, int n, int o, T[]? columns, T[] dw, T[]? biasSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = g.ColumnRows, l = g.ColumnCols, width = checked(n * l);
        T[]? rented = null;
        if (columns is null)
        {
            columns = rented = Scratch.Rent<T>(checked(rows * width));
            Im2ColBatch(x, xOffset, g, n, columns);
        }
        T[] gradRows = Scratch.Rent<T>(checked(o * width));
        T[]? runSums = biasSums is null ? null : Scratch.Rent<T>(n * o);
        Convolution.BatchToRows(grad, gradOffset, gradRows, n, o, l, runSums);
        if (runSums is not null)
        {
            for (int q = 0; q < o; q++)
            {
                T sum = n > 0 ? runSums[q] : T.Zero;
                for (int b = 1; b < n; b++) sum += runSums[b * o + q];
                biasSums![q] = sum;
            }
            Scratch.Return(runSums);
        }
        if (width == 0)
        {
            // No images (or an empty output): dW is an empty sum.
            Array.Clear(dw);
        }
        else if (rows < FewWeightColumns && o > rows)
        {
            // Fewer weight columns (C·kh·kw, e.g. 9 for a first 3×3 layer on one channel) than a register tile is wide:
            // dWᵀ = COLS·G'ᵀ fills whole tiles and splits over threads without packing B twice. Each element is the same
            // chain of products over the batch either way, so the transpose copied back is bit-identical.
            T[] transposed = Scratch.Rent<T>(rows * o);
            Gemm.Multiply(columns, 0, width, false, gradRows, 0, width, true, transposed, 0, o, rows, o, width, accumulate: false);
            for (int q = 0; q < o; q++)
                for (int r = 0; r < rows; r++) dw[q * rows + r] = transposed[r * o + q];
            Scratch.Return(transposed);
        }
        else
        {
            Gemm.Multiply(gradRows, 0, width, false, columns, 0, width, true, dw, 0, rows, o, rows, width, accumulate: false);
        }
        Scratch.Return(gradRows);
        if (rented is not null) Scratch.Return(rented);
    }

    /// <summary>Im2col of every image into one matrix [C·kh·kw, N·L]: image i fills columns i·L .. i·L + L − 1.</summary>
    private static void Im2ColBatch<T>(T[] x, int xOffset, Conv2dGeometry g, int n, T[] columns) where T : unmanaged, INumberBase<T>
    {
        int l = g.ColumnCols, image = g.ImageSize, width = n * l;
        Workers.For(n, i => Convolution.Im2Col<T>(x.AsSpan(xOffset + i * image, image), g, columns.AsSpan(i * l), width));
    }
}
