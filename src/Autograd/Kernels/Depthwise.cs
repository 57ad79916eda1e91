using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Autograd.Kernels;

/// <summary>
/// Depthwise 2-D convolution (PyTorch's <c>groups</c> = input channels C, with a channel multiplier m = O/C): output
/// channel o reads only input channel o / m, through its own kh×kw filter w[o, 0, ·, ·]:
/// <code>y[n, o, i, j] = b[o] + Σ_{p,q} w[o, 0, p, q] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw]</code>
/// (terms outside x left out). As im2col + GEMM per channel it was one small product per channel, each with its own
/// column matrix; here every term is a multiply-add straight from the image, a plane at a time through
/// <see cref="PlaneWork{T}"/>: one flat vector pass per kernel tap. Measured on the 2-core AVX-512 machine, 3×3
/// depthwise forward and backward (dense upstream gradient), against libtorch in the same sittings: [32, 32, 56, 56]
/// 15.8–18.0 ms against 28.8–33.6 (the per-channel im2col form: 174–207); [32, 64, 28, 28] 8.0–8.7 against 3.9–5.1
/// (113–146); stride 2 on [32, 128, 14, 14] 3.6–4.8 against 1.7–2.4 (60–61).
/// <para>The three kernels are the op and its two adjoints (in x and in w), so the derivatives of each are the others:
/// the same closure the im2col convolution has (see Ops/Convolution.cs). Each output element is summed in one fixed
/// order (bias, then the taps; the weight gradient over batches of images, each over positions), and a task owns whole
/// channels (all images of one), so the results do not depend on the number of threads.</para>
/// </summary>
internal static class Depthwise
{
    /// <summary>y [N, O, OH, OW] = the depthwise convolution of x [N, C, H, W] (from <paramref name="xOffset"/>) with
    /// w [O, 1, kh, kw] (from <paramref name="wOffset"/>), plus <paramref name="bias"/> [O] when given.</summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, Conv2dGeometry g, int images, int outChannels, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Channels(outChannels, (long)images * outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            var work = new PlaneWork<T>(g, images);
            for (int o = o0; o < o1; o++)
            {
                for (int n = 0; n < images; n++) y.AsSpan((n * outChannels + o) * outPlane, outPlane).Fill(bias is null ? T.Zero : bias[o]);
                for (int n = 0; n < images; n += work.Batch)
                    work.Correlate(Math.Min(work.Batch, images - n), x, xOffset + (n * g.Channels + o / m) * plane, g.Channels * plane,
                        w.AsSpan(wOffset + o * taps, taps), y, (n * outChannels + o) * outPlane, outChannels * outPlane);
            }
        });
    }

    /// <summary>dx [N, C, H, W] = the adjoint of <see cref="Forward{T}"/> in x applied to u [N, O, OH, OW] (from
    /// <paramref name="uOffset"/>): each u[n, o, i, j]·w[o, 0, p, q] added back to the pixel it was read from.</summary>
    public static void InputGrad<T>(T[] u, int uOffset, T[] w, int wOffset, Conv2dGeometry g, int images, int outChannels, T[] dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Channels(g.Channels, (long)images * m * outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c0, c1) =>
        {
            var work = new PlaneWork<T>(g, images);
            for (int c = c0; c < c1; c++)
            {
                for (int n = 0; n < images; n++) dx.AsSpan((n * g.Channels + c) * plane, plane).Clear();
                for (int o = c * m; o < (c + 1) * m; o++)
                    for (int n = 0; n < images; n += work.Batch)
                        work.Scatter(Math.Min(work.Batch, images - n), u, uOffset + (n * outChannels + o) * outPlane, outChannels * outPlane,
                            w.AsSpan(wOffset + o * taps, taps), dx, (n * g.Channels + c) * plane, g.Channels * plane);
            }
        });
    }

    /// <summary>dw [O, 1, kh, kw] = the adjoint of <see cref="Forward{T}"/> in w: dw[o, 0, p, q] = Σ_{n,i,j}
    /// u[n, o, i, j] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw].</summary>
    public static void WeightGrad<T>(T[] x, int xOffset, T[] u, int uOffset, Conv2dGeometry g, int images, int outChannels, T[] dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Channels(outChannels, (long)images * outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            var work = new PlaneWork<T>(g, images);
            for (int o = o0; o < o1; o++)
            {
                var sums = dw.AsSpan(o * taps, taps);
                sums.Clear();
                for (int n = 0; n < images; n += work.Batch)
                    work.AddTapDots(Math.Min(work.Batch, images - n), x, xOffset + (n * g.Channels + o / m) * plane, g.Channels * plane,
                        u, uOffset + (n * outChannels + o) * outPlane, outChannels * outPlane, sums);
            }
        });
    }

    /// <summary>body(k0, k1) over [0, count) channels of <paramref name="itemWork"/> multiply-adds each, in parallel chunks
    /// of whole channels when the total is large.</summary>
    private static void Channels(int count, long itemWork, Action<int, int> body)
    {
        int threads = Workers.ThreadCount;
        long grain = Math.Max(1, (count + 4L * threads - 1) / (4L * threads));
        Chunks.For(count, grain, count * Math.Max(itemWork, 1), body);
    }
}

/// <summary>
/// One channel of a depthwise correlation, all images at once, as flat vector passes. Tap (p, q) reads source row
/// i·sh + p·dh and column j·sw + q·dw (of the source placed at (ph, pw) in a zero-padded plane) for output (i, j). The
/// padded plane is split into sh·sw phase planes by row and column remainder: phase (ψ, φ) holds the padded rows t·sh + ψ
/// and columns c·sw + φ, R = OH + ⌊(kh − 1)·dh / sh⌋ rows of W′ = OW + ⌊(kw − 1)·dw / sw⌋. The images' blocks of R rows
/// are stacked in each phase, a batch of as many images as fit 32 KB at a time. Tap (p, q) then reads phase
/// (p·dh mod sh, q·dw mod sw) at the flat offset ⌊p·dh / sh⌋·W′ + ⌊q·dw / sw⌋ from output (n, i, j) at
/// (n·R + i)·W′ + j, so each tap is one multiply-add (or dot
/// product) over all images' outputs laid out W′ wide and R rows per image; the rows and columns past OH and OW, which
/// straddle rows or images, are dropped (or zero in an upstream gradient). With unit strides there is one phase, the
/// padded plane itself. Rows of a few dozen elements, one call per row and tap, had left the work to call overhead and
/// short loops; small planes, one at a time, to their fixed costs. An infinite input in a dropped place gives the
/// weight gradient NaN (0·∞) rather than leaving it finite.
/// </summary>
internal sealed class PlaneWork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Bytes of phase planes a batch of images may fill: the passes over them stay in the core's L1 and L2
    /// (stacking all 32 images of a 56 × 56 layer, 430 KB, made its forward and backward 1.3× slower than one at a time).</summary>
    private const int BatchBytes = 32 * 1024;

    private readonly Conv2dGeometry _g;
    private readonly int _outH, _outW, _rows, _width, _block, _planeSize;
    private readonly T[] _phases, _result;
    private int _images, _length;

    /// <summary>Images per call: as many as fit <see cref="BatchBytes"/>, at least one, at most the images of the layer.</summary>
    public int Batch { get; }

    public PlaneWork(Conv2dGeometry g, int images)
    {
        (_g, _outH, _outW) = (g, g.OutH, g.OutW);
        _rows = _outH + (g.KernelH - 1) * g.DilationH / g.StrideH;
        _width = _outW + (g.KernelW - 1) * g.DilationW / g.StrideW;
        _block = _rows * _width;
        Batch = (int)Math.Clamp(BatchBytes / ((long)g.StrideH * g.StrideW * _block * Unsafe.SizeOf<T>()), 1, Math.Max(images, 1));
        // The last tap's run ends ⌊(kw − 1)·dw / sw⌋ past the images' blocks.
        _planeSize = Batch * _block + (g.KernelW - 1) * g.DilationW / g.StrideW;
        _phases = new T[g.StrideH * g.StrideW * _planeSize];
        _result = new T[Batch * _block];
    }

    /// <summary>Sets the number of images of the next pass (at most <see cref="Batch"/>) and clears the phase planes.</summary>
    private void Begin(int images)
    {
        _images = images;
        _length = ((images - 1) * _rows + _outH) * _width;
        Array.Clear(_phases);
    }

    /// <summary>Where tap t = p·kw + q reads: the start of its run in the phase planes.</summary>
    private int TapStart(int t)
    {
        int p = t / _g.KernelW, q = t % _g.KernelW, rowStep = p * _g.DilationH, colStep = q * _g.DilationW;
        int phase = rowStep % _g.StrideH * _g.StrideW + colStep % _g.StrideW;
        return phase * _planeSize + rowStep / _g.StrideH * _width + colStep / _g.StrideW;
    }

    /// <summary>Either copies each image's source plane (image n at offset + n·stride of src) to its place in the phase
    /// planes, or (the adjoint) adds the value at that place to the pixel of dx: the rows and columns of each phase whose
    /// padded position falls inside the source.</summary>
    private void Walk(T[] src, int offset, int stride, bool toPhases)
    {
        int sh = _g.StrideH, sw = _g.StrideW, width = _g.Width, plane = _g.Height * width;
        for (int psi = 0; psi < sh; psi++)
            for (int phi = 0; phi < sw; phi++)
            {
                // Columns c with source column c·sw + φ − pw in [0, W).
                int c0 = Math.Max(0, (_g.PadW - phi + sw - 1) / sw), c1 = Math.Min(_width, (width + _g.PadW - phi + sw - 1) / sw);
                if (c0 >= c1) continue;
                int v0 = c0 * sw + phi - _g.PadW;
                for (int n = 0; n < _images; n++)
                {
                    var phase = _phases.AsSpan((psi * sw + phi) * _planeSize + n * _block, _block);
                    var image = src.AsSpan(offset + n * stride, plane);
                    for (int t = 0; t < _rows; t++)
                    {
                        int r = t * sh + psi - _g.PadH;
                        if (r < 0 || r >= _g.Height) continue;
                        var cells = phase.Slice(t * _width, _width);
                        var row = image.Slice(r * width, width);
                        if (toPhases)
                        {
                            if (sw == 1) row.Slice(v0, c1 - c0).CopyTo(cells[c0..]);
                            else for (int c = c0; c < c1; c++) cells[c] = row[c * sw + phi - _g.PadW];
                        }
                        else if (sw == 1) TensorPrimitives.Add(row.Slice(v0, c1 - c0), cells.Slice(c0, c1 - c0), row.Slice(v0, c1 - c0));
                        else for (int c = c0; c < c1; c++) row[c * sw + phi - _g.PadW] += cells[c];
                    }
                }
            }
    }

    /// <summary>The images' OH × OW planes (image n at offset + n·stride) into the result buffer, R rows of W′ per image,
    /// zeros elsewhere.</summary>
    private Span<T> Widened(T[] planes, int offset, int stride)
    {
        var wide = _result.AsSpan(0, _images * _block);
        wide.Clear();
        for (int n = 0; n < _images; n++)
            for (int i = 0; i < _outH; i++)
                planes.AsSpan(offset + n * stride + i * _outW, _outW).CopyTo(wide.Slice(n * _block + i * _width, _outW));
        return wide;
    }

    /// <summary>dst += Σ_t taps[t]·(what tap t reads of src), per image (src and dst planes of image n at their offsets
    /// + n·stride), summed per element as dst, then the taps in order.</summary>
    public void Correlate(int images, T[] src, int srcOffset, int srcStride, ReadOnlySpan<T> taps, T[] dst, int dstOffset, int dstStride)
    {
        Begin(images);
        Walk(src, srcOffset, srcStride, toPhases: true);
        var result = Widened(dst, dstOffset, dstStride);
        for (int t = 0; t < taps.Length; t++) TensorPrimitives.MultiplyAdd(_phases.AsSpan(TapStart(t), _length), taps[t], result[.._length], result[.._length]);
        for (int n = 0; n < _images; n++)
            for (int i = 0; i < _outH; i++)
                result.Slice(n * _block + i * _width, _outW).CopyTo(dst.AsSpan(dstOffset + n * dstStride + i * _outW, _outW));
    }

    /// <summary>sums[t] += Σ_{n,i,j} u[n, i, j]·(what tap t reads of src at (n, i, j)): one dot product per tap.</summary>
    public void AddTapDots(int images, T[] src, int srcOffset, int srcStride, T[] u, int uOffset, int uStride, Span<T> sums)
    {
        Begin(images);
        Walk(src, srcOffset, srcStride, toPhases: true);
        var upstream = Widened(u, uOffset, uStride);
        for (int t = 0; t < sums.Length; t++) sums[t] += TensorPrimitives.Dot<T>(upstream[.._length], _phases.AsSpan(TapStart(t), _length));
    }

    /// <summary>dx += the adjoint of <see cref="Correlate"/> applied to u: each tap's run of the phase planes gets
    /// taps[t]·u (in tap order), then every source pixel takes the value of its place in the phase planes.</summary>
    public void Scatter(int images, T[] u, int uOffset, int uStride, ReadOnlySpan<T> taps, T[] dx, int dxOffset, int dxStride)
    {
        Begin(images);
        var upstream = Widened(u, uOffset, uStride);
        for (int t = 0; t < taps.Length; t++)
        {
            var run = _phases.AsSpan(TapStart(t), _length);
            TensorPrimitives.MultiplyAdd(upstream[.._length], taps[t], run, run);
        }
        Walk(dx, dxOffset, dxStride, toPhases: false);
    }
}
