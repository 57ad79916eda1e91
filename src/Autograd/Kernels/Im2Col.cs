using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// Shape of a 2-D convolution over one image [C, H, W] with a kh×kw kernel, stride (sh, sw),
/// zero padding (ph, pw) and dilation (dh, dw).
/// </summary>
/// <param name="Channels">Input channels C.</param>
/// <param name="Height">Input height H.</param>
/// <param name="Width">Input width W.</param>
/// <param name="KernelH">Kernel height kh.</param>
/// <param name="KernelW">Kernel width kw.</param>
/// <param name="StrideH">Vertical stride sh.</param>
/// <param name="StrideW">Horizontal stride sw.</param>
/// <param name="PadH">Zero rows added above and below (ph).</param>
/// <param name="PadW">Zero columns added left and right (pw).</param>
/// <param name="DilationH">Vertical spacing between kernel taps (dh).</param>
/// <param name="DilationW">Horizontal spacing between kernel taps (dw).</param>
public readonly record struct Conv2dGeometry(
    int Channels, int Height, int Width, int KernelH, int KernelW,
    int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0, int DilationH = 1, int DilationW = 1)
{
    /// <summary>Output height: ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1.</summary>
    public int OutH => Convolution.ConvOutputSize(Height, KernelH, StrideH, PadH, DilationH);

    /// <summary>Output width: ⌊(W + 2·pw − dw·(kw − 1) − 1) / sw⌋ + 1.</summary>
    public int OutW => Convolution.ConvOutputSize(Width, KernelW, StrideW, PadW, DilationW);

    /// <summary>Rows of the column matrix: C·kh·kw.</summary>
    public int ColumnRows => Channels * KernelH * KernelW;

    /// <summary>Columns of the column matrix: outH·outW.</summary>
    public int ColumnCols => OutH * OutW;

    /// <summary>Elements of the image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;
}

/// <summary>
/// im2col / col2im: lay out every receptive field of an image as a column so that a convolution becomes
/// one matrix product, weight[outC, C·kh·kw] · columns[C·kh·kw, outH·outW].
/// </summary>
public static class Convolution
{
    /// <summary>
    /// Output length of a convolution or pooling along one axis:
    /// ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is out of range or the output would be empty.</exception>
    public static int ConvOutputSize(int input, int kernel, int stride, int padding, int dilation)
    {
        if (input < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1)
            throw new ArgumentException(
                $"ConvOutputSize: need input, kernel, stride, dilation ≥ 1 and padding ≥ 0 " +
                $"(input {input}, kernel {kernel}, stride {stride}, padding {padding}, dilation {dilation}).");
        int span = dilation * (kernel - 1) + 1;
        if (input + 2 * padding < span)
            throw new ArgumentException(
                $"ConvOutputSize: dilated kernel spans {span} but the padded input is only {input + 2 * padding}.");
        return (input + 2 * padding - span) / stride + 1;
    }

    /// <summary>
    /// columns[(c·kh + i)·kw + j, oh·outW + ow] = image[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw], or 0 where
    /// that position lies in the padding. <paramref name="columns"/> is overwritten.
    /// </summary>
    /// <param name="image">One image [C, H, W], row-major.</param>
    /// <param name="g">Convolution geometry.</param>
    /// <param name="columns">Destination [C·kh·kw, outH·outW], row-major.</param>
    public static void Im2Col<T>(ReadOnlySpan<T> image, in Conv2dGeometry g, Span<T> columns)
        where T : INumberBase<T> =>
        Im2Col(image, g, columns, g.ColumnCols);

    /// <summary>
    /// <see cref="Im2Col{T}(ReadOnlySpan{T}, in Conv2dGeometry, Span{T})"/> into a wider matrix: row r of the
    /// columns starts at r·<paramref name="ldColumns"/>, so a batch of images can share one matrix
    /// [C·kh·kw, N·outH·outW] with image n at column offset n·outH·outW. Only the outH·outW columns of each row are written.
    /// </summary>
    /// <param name="image">One image [C, H, W], row-major.</param>
    /// <param name="g">Convolution geometry.</param>
    /// <param name="columns">Destination: C·kh·kw rows of outH·outW elements, row r starting at r·ldColumns.</param>
    /// <param name="ldColumns">Row stride of the destination (at least outH·outW).</param>
    public static void Im2Col<T>(ReadOnlySpan<T> image, in Conv2dGeometry g, Span<T> columns, int ldColumns)
        where T : INumberBase<T>
    {
        int outH = g.OutH, outW = g.OutW;
        Check(image.Length, columns.Length, ldColumns, g, nameof(Im2Col));
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    Span<T> dst = columns.Slice(row * ldColumns, outH * outW);
                    int offW = kj * g.DilationW - g.PadW;
                    var (w0, w1) = ValidRange(offW, g.StrideW, g.Width, outW);
                    if (IsBand(g, outW))
                    {
                        CopyBand(image, g, c, ki, offW, w0, w1, dst);
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++)
                    {
                        Span<T> d = dst.Slice(oh * outW, outW);
                        int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                        if ((uint)ih >= (uint)g.Height)
                        {
                            d.Clear();
                            continue;
                        }
                        ReadOnlySpan<T> src = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        d[..w0].Clear();
                        d[w1..].Clear();
                        if (g.StrideW == 1)
                            src.Slice(w0 + offW, w1 - w0).CopyTo(d[w0..w1]);
                        else
                            for (int ow = w0; ow < w1; ow++)
                                d[ow] = src[ow * g.StrideW + offW];
                    }
                }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col{T}(ReadOnlySpan{T}, in Conv2dGeometry, Span{T})"/>: image[c, ih, iw] += Σ columns[(c·kh + i)·kw + j, oh·outW + ow]
    /// over every (i, j, oh, ow) that Im2Col reads from (ih, iw). Accumulates into <paramref name="image"/>.
    /// </summary>
    /// <param name="columns">Column matrix [C·kh·kw, outH·outW], row-major.</param>
    /// <param name="g">Convolution geometry.</param>
    /// <param name="image">Image [C, H, W] to accumulate into.</param>
    public static void Col2Im<T>(ReadOnlySpan<T> columns, in Conv2dGeometry g, Span<T> image)
        where T : unmanaged, INumberBase<T> =>
        Col2Im(columns, g, image, g.ColumnCols);

    /// <summary>
    /// <see cref="Col2Im{T}(ReadOnlySpan{T}, in Conv2dGeometry, Span{T})"/> from a wider matrix whose row r starts
    /// at r·<paramref name="ldColumns"/>: the adjoint of the strided <see cref="Im2Col{T}(ReadOnlySpan{T}, in Conv2dGeometry, Span{T}, int)"/>.
    /// </summary>
    /// <param name="columns">C·kh·kw rows of outH·outW elements, row r starting at r·ldColumns.</param>
    /// <param name="g">Convolution geometry.</param>
    /// <param name="image">Image [C, H, W] to accumulate into.</param>
    /// <param name="ldColumns">Row stride of the columns (at least outH·outW).</param>
    public static void Col2Im<T>(ReadOnlySpan<T> columns, in Conv2dGeometry g, Span<T> image, int ldColumns)
        where T : unmanaged, INumberBase<T>
    {
        int outH = g.OutH, outW = g.OutW;
        Check(image.Length, columns.Length, ldColumns, g, nameof(Col2Im));
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    ReadOnlySpan<T> srcRow = columns.Slice(row * ldColumns, outH * outW);
                    int offW = kj * g.DilationW - g.PadW;
                    var (w0, w1) = ValidRange(offW, g.StrideW, g.Width, outW);
                    if (w0 >= w1)
                        continue;
                    if (IsBand(g, outW))
                    {
                        AddBand(srcRow, g, c, ki, offW, w0, w1, image);
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                        if ((uint)ih >= (uint)g.Height)
                            continue;
                        ReadOnlySpan<T> s = srcRow.Slice(oh * outW, outW);
                        Span<T> dst = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        if (g.StrideW == 1)
                        {
                            Span<T> d = dst.Slice(w0 + offW, w1 - w0);
                            TensorPrimitives.Add(d, s[w0..w1], d);
                        }
                        else
                        {
                            for (int ow = w0; ow < w1; ow++)
                                dst[ow * g.StrideW + offW] += s[ow];
                        }
                    }
                }
    }

    // Band fast path. With unit strides and outW = W (e.g. 3×3 with padding 1), output row oh reads input row
    // oh + shift, so a kernel tap's whole valid band of rows [h0, h1) is one contiguous run of the image, shifted
    // by offW; only the wrapped-around cells at the row edges (ow < w0 or ow ≥ w1) lie in the padding.
    private static bool IsBand(in Conv2dGeometry g, int outW) => g.StrideH == 1 && g.StrideW == 1 && outW == g.Width;

    /// <summary>Output rows [h0, h1) whose input row oh + shift lies inside the image.</summary>
    private static (int Start, int End) BandRows(in Conv2dGeometry g, int ki, int outH, out int shift)
    {
        shift = ki * g.DilationH - g.PadH;
        int h0 = Math.Clamp(-shift, 0, outH);
        return (h0, Math.Clamp(g.Height - shift, h0, outH));
    }

    /// <summary>Im2Col of one tap's row: one copy of the band, then zeros at the padded edges and rows.</summary>
    private static void CopyBand<T>(ReadOnlySpan<T> image, in Conv2dGeometry g, int c, int ki, int offW, int w0, int w1, Span<T> dst)
        where T : INumberBase<T>
    {
        int width = g.Width;
        var (h0, h1) = BandRows(g, ki, g.OutH, out int shift);
        if (h0 == h1 || w0 == w1)
        {
            dst.Clear();
            return;
        }
        dst[..(h0 * width)].Clear();
        dst[(h1 * width)..].Clear();
        int length = (h1 - h0 - 1) * width + (w1 - w0);
        image.Slice((c * g.Height + h0 + shift) * width + w0 + offW, length).CopyTo(dst.Slice(h0 * width + w0, length));
        for (int oh = h0; oh < h1; oh++)
        {
            Span<T> d = dst.Slice(oh * width, width);
            for (int ow = 0; ow < w0; ow++) d[ow] = T.Zero;
            for (int ow = w1; ow < width; ow++) d[ow] = T.Zero;
        }
    }

    /// <summary>Col2Im of one tap's row: one vector add over the band when no cell wraps, else one add per row.</summary>
    private static void AddBand<T>(ReadOnlySpan<T> src, in Conv2dGeometry g, int c, int ki, int offW, int w0, int w1, Span<T> image)
        where T : unmanaged, INumberBase<T>
    {
        int width = g.Width;
        var (h0, h1) = BandRows(g, ki, g.OutH, out int shift);
        if (h0 == h1)
            return;
        Span<T> plane = image.Slice(c * g.Height * width, g.Height * width);
        if (w0 == 0 && w1 == width)
        {
            Span<T> d = plane.Slice((h0 + shift) * width, (h1 - h0) * width);
            TensorPrimitives.Add(d, src.Slice(h0 * width, d.Length), d);
            return;
        }
        // One add over the whole run from (h0, w0) to (h1 − 1, w1) instead of one short add per row: the run also
        // covers the wrapped cells between rows (ow ≥ w1, then ow < w0 of the next row), which hold gradients of the
        // padding and must add nothing, so their destinations are saved before the add and restored after it.
        int valid = w1 - w0, wrap = width - valid, length = (h1 - h0 - 1) * width + valid;
        Span<T> run = plane.Slice((h0 + shift) * width + w0 + offW, length);
        T[] saved = Scratch.Rent<T>((h1 - h0 - 1) * wrap);
        int k = 0;
        for (int r = valid; r < length; r += width)
            for (int q = 0; q < wrap; q++) saved[k++] = run[r + q];
        TensorPrimitives.Add(run, src.Slice(h0 * width + w0, length), run);
        k = 0;
        for (int r = valid; r < length; r += width)
            for (int q = 0; q < wrap; q++) run[r + q] = saved[k++];
        Scratch.Return(saved);
    }

    /// <summary>
    /// Lays a batch [N, O, L] out as one matrix [O, N·L]: rows[o, b·L + l] = batch[b, o, l], so that a convolution
    /// over the whole batch is one matrix product. Copies whole runs of L elements, images in parallel. With
    /// <paramref name="runSums"/>, also sums each run while it is in cache: runSums[b·O + o] = Σ_l batch[b, o, l]
    /// (a bias gradient without a second pass over the batch).
    /// </summary>
    /// <param name="batch">Source [N, O, L], row-major, starting at <paramref name="batchOffset"/>.</param>
    /// <param name="batchOffset">Index of the source's first element.</param>
    /// <param name="rows">Destination [O, N·L], row-major, starting at index 0.</param>
    /// <param name="n">Images N.</param>
    /// <param name="channels">Channels O.</param>
    /// <param name="length">Elements per channel L.</param>
    /// <param name="runSums">Optional destination of the N·O run sums.</param>
    public static void BatchToRows<T>(T[] batch, int batchOffset, T[] rows, int n, int channels, int length, T[]? runSums = null)
        where T : INumberBase<T>
    {
        long total = (long)n * channels * length;
        if (n < 0 || channels < 0 || length < 0 || batchOffset < 0 || batchOffset + total > batch.Length || total > rows.Length
            || (runSums is not null && runSums.Length < (long)n * channels))
            throw new ArgumentException(
                $"{nameof(BatchToRows)}: [{n}, {channels}, {length}] does not fit the batch ({batch.Length} elements " +
                $"from {batchOffset}), the rows ({rows.Length} elements) or the run sums ({runSums?.Length ?? 0} elements).");
        int ld = n * length;
        void Image(int b)
        {
            for (int o = 0; o < channels; o++)
            {
                var run = batch.AsSpan(batchOffset + (b * channels + o) * length, length);
                run.CopyTo(rows.AsSpan(o * ld + b * length, length));
                if (runSums is not null) runSums[b * channels + o] = TensorPrimitives.Sum<T>(run);
            }
        }
        // Below ~256 KiB of floats a copy is faster than waking a second thread.
        if (total < 64 * 1024)
            for (int b = 0; b < n; b++) Image(b);
        else
            Workers.For(n, Image);
    }

    /// <summary>Output columns [w0, w1) whose input column ow·stride + offset lies inside [0, width).</summary>
    private static (int Start, int End) ValidRange(int offset, int stride, int width, int outW)
    {
        int start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - 1 - offset;
        int end = last < 0 ? 0 : Math.Min(outW, last / stride + 1);
        start = Math.Min(start, outW);
        return (start, Math.Max(start, end));
    }

    private static void Check(int imageLength, int columnsLength, int ld, in Conv2dGeometry g, string op)
    {
        if (g.Channels < 1)
            throw new ArgumentException($"{op}: channels must be ≥ 1 (got {g.Channels}).");
        if (ld < g.ColumnCols)
            throw new ArgumentException($"{op}: column stride {ld} is less than outH·outW = {g.ColumnCols}.");
        long need = (long)(g.ColumnRows - 1) * ld + g.ColumnCols;
        if (imageLength < g.ImageSize || columnsLength < need)
            throw new ArgumentException(
                $"{op}: image [{g.Channels}, {g.Height}, {g.Width}] needs {g.ImageSize} elements (has {imageLength}); " +
                $"columns [{g.ColumnRows}, {g.ColumnCols}] with row stride {ld} need {need} (has {columnsLength}).");
    }
}
