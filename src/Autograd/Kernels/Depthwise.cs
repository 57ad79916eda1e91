using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Kernels;

/// <summary>
/// Depthwise 2-D convolution (PyTorch's <c>groups</c> = input channels C, with a channel multiplier m = O/C): output
/// channel o reads only input channel o / m, through its own kh×kw filter w[o, 0, ·, ·]:
/// <code>y[n, o, i, j] = b[o] + Σ_{p,q} w[o, 0, p, q] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw]</code>
/// (terms outside x left out). As im2col + GEMM per channel it was one small product per channel, each with its own
/// column matrix; here every term is a multiply-add straight from the image, a plane at a time through
/// <see cref="PlaneWork{T}"/>: one flat vector pass per kernel tap. Measured on the 2-core AVX-512 machine, 3×3
/// depthwise forward and backward (dense upstream gradient), against libtorch in the same sittings: [32, 32, 56, 56]
/// 14.2–18.3 ms against 30.8–35.8 (the per-channel im2col form: 216–302); [32, 64, 28, 28] 7.2–7.7 against 5.5–15.7
/// (122–151); stride 2 on [32, 128, 14, 14] 6.6–7.5 against 2.4–2.5 (69–78): small planes pay their fixed costs (the
/// phase planes placed and cleared per plane).
/// <para>The three kernels are the op and its two adjoints (in x and in w), so the derivatives of each are the others:
/// the same closure the im2col convolution has (see Ops/Convolution.cs). Each output element is summed in one fixed
/// order (bias, then the taps; the weight gradient over images, then positions), and a task owns whole planes or whole
/// filters, so the results do not depend on the number of threads.</para>
/// </summary>
internal static class Depthwise
{
    /// <summary>y [N, O, OH, OW] = the depthwise convolution of x [N, C, H, W] (from <paramref name="xOffset"/>) with
    /// w [O, 1, kh, kw] (from <paramref name="wOffset"/>), plus <paramref name="bias"/> [O] when given.</summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, Conv2dGeometry g, int images, int outChannels, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Planes(images * outChannels, (long)outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k0, k1) =>
        {
            var work = new PlaneWork<T>(g);
            for (int k = k0; k < k1; k++)
            {
                int o = k % outChannels;
                var ys = y.AsSpan(k * outPlane, outPlane);
                ys.Fill(bias is null ? T.Zero : bias[o]);
                work.Correlate(x.AsSpan(xOffset + (k / outChannels * g.Channels + o / m) * plane, plane), w.AsSpan(wOffset + o * taps, taps), ys);
            }
        });
    }

    /// <summary>dx [N, C, H, W] = the adjoint of <see cref="Forward{T}"/> in x applied to u [N, O, OH, OW] (from
    /// <paramref name="uOffset"/>): each u[n, o, i, j]·w[o, 0, p, q] added back to the pixel it was read from.</summary>
    public static void InputGrad<T>(T[] u, int uOffset, T[] w, int wOffset, Conv2dGeometry g, int images, int outChannels, T[] dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Planes(images * g.Channels, (long)m * outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k0, k1) =>
        {
            var work = new PlaneWork<T>(g);
            for (int k = k0; k < k1; k++)
            {
                var ds = dx.AsSpan(k * plane, plane);
                ds.Clear();
                for (int o = k % g.Channels * m; o < (k % g.Channels + 1) * m; o++)
                    work.Scatter(u.AsSpan(uOffset + (k / g.Channels * outChannels + o) * outPlane, outPlane), w.AsSpan(wOffset + o * taps, taps), ds);
            }
        });
    }

    /// <summary>dw [O, 1, kh, kw] = the adjoint of <see cref="Forward{T}"/> in w: dw[o, 0, p, q] = Σ_{n,i,j}
    /// u[n, o, i, j] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw].</summary>
    public static void WeightGrad<T>(T[] x, int xOffset, T[] u, int uOffset, Conv2dGeometry g, int images, int outChannels, T[] dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, plane = g.Height * g.Width, outPlane = g.OutH * g.OutW, taps = g.KernelH * g.KernelW;
        Planes(outChannels, (long)images * outPlane * taps, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            var work = new PlaneWork<T>(g);
            for (int o = o0; o < o1; o++)
            {
                var sums = dw.AsSpan(o * taps, taps);
                sums.Clear();
                for (int n = 0; n < images; n++)
                    work.AddTapDots(x.AsSpan(xOffset + (n * g.Channels + o / m) * plane, plane), u.AsSpan(uOffset + (n * outChannels + o) * outPlane, outPlane), sums);
            }
        });
    }

    /// <summary>body(k0, k1) over [0, count) items of <paramref name="itemWork"/> multiply-adds each, in parallel chunks of
    /// whole items when the total is large.</summary>
    private static void Planes(int count, long itemWork, Action<int, int> body)
    {
        int threads = Workers.ThreadCount;
        long grain = Math.Max(1, (count + 4L * threads - 1) / (4L * threads));
        Chunks.For(count, grain, count * Math.Max(itemWork, 1), body);
    }
}

/// <summary>
/// One plane of a depthwise correlation as flat vector passes. Tap (p, q) reads source row i·sh + p·dh and column
/// j·sw + q·dw (of the source placed at (ph, pw) in a zero-padded plane) for output (i, j). The padded plane is split
/// into sh·sw phase planes by row and column remainder: phase (ψ, φ) holds the padded rows t·sh + ψ and columns c·sw + φ,
/// W′ = OW + ⌊(kw − 1)·dw / sw⌋ wide. Tap (p, q) then reads phase (p·dh mod sh, q·dw mod sw) at the flat offset
/// ⌊p·dh / sh⌋·W′ + ⌊q·dw / sw⌋ + i·W′ + j, so each tap is one multiply-add (or dot product) over OH·W′ contiguous
/// elements, with the output laid out W′ wide (its last W′ − OW columns, which straddle two rows, dropped or zero). With
/// unit strides there is one phase, the padded plane itself. Rows of a few dozen elements, one call per row and tap,
/// had left the work to call overhead and short loops. An infinite input in a dropped column gives the weight gradient
/// NaN (0·∞) rather than leaving it finite.
/// </summary>
internal sealed class PlaneWork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Conv2dGeometry _g;
    private readonly int _outH, _outW, _rows, _width, _planeSize, _length;
    private readonly T[] _phases, _result;

    public PlaneWork(Conv2dGeometry g)
    {
        (_g, _outH, _outW) = (g, g.OutH, g.OutW);
        _rows = _outH + (g.KernelH - 1) * g.DilationH / g.StrideH;
        _width = _outW + (g.KernelW - 1) * g.DilationW / g.StrideW;
        // The last tap's run ends ⌊(kw − 1)·dw / sw⌋ past the phase plane.
        _planeSize = _rows * _width + (g.KernelW - 1) * g.DilationW / g.StrideW;
        _length = _outH * _width;
        _phases = new T[g.StrideH * g.StrideW * _planeSize];
        _result = new T[_length];
    }

    /// <summary>Where tap t = p·kw + q reads: the start of its run in the phase planes.</summary>
    private int TapStart(int t)
    {
        int p = t / _g.KernelW, q = t % _g.KernelW, rowStep = p * _g.DilationH, colStep = q * _g.DilationW;
        int phase = rowStep % _g.StrideH * _g.StrideW + colStep % _g.StrideW;
        return phase * _planeSize + rowStep / _g.StrideH * _width + colStep / _g.StrideW;
    }

    /// <summary>The source plane [H × W] into the phase planes (zeros where the padded plane is outside it).</summary>
    private void Place(ReadOnlySpan<T> src)
    {
        Array.Clear(_phases);
        Walk(src, default, toPhases: true);
    }

    /// <summary>Either copies each source pixel to its place in the phase planes or (the adjoint) adds the value at that
    /// place to the pixel: rows and columns of each phase whose padded position falls inside the source.</summary>
    private void Walk(ReadOnlySpan<T> src, Span<T> dx, bool toPhases)
    {
        int sh = _g.StrideH, sw = _g.StrideW, width = _g.Width;
        for (int psi = 0; psi < sh; psi++)
            for (int phi = 0; phi < sw; phi++)
            {
                var phase = _phases.AsSpan((psi * sw + phi) * _planeSize, _planeSize);
                // Columns c with source column c·sw + φ − pw in [0, W).
                int c0 = Math.Max(0, (_g.PadW - phi + sw - 1) / sw), c1 = Math.Min(_width, (width + _g.PadW - phi + sw - 1) / sw);
                if (c0 >= c1) continue;
                for (int t = 0; t < _rows; t++)
                {
                    int r = t * sh + psi - _g.PadH;
                    if (r < 0 || r >= _g.Height) continue;
                    var cells = phase.Slice(t * _width, _width);
                    int v0 = c0 * sw + phi - _g.PadW;
                    if (toPhases)
                    {
                        var row = src.Slice(r * width, width);
                        if (sw == 1) row.Slice(v0, c1 - c0).CopyTo(cells[c0..]);
                        else for (int c = c0; c < c1; c++) cells[c] = row[c * sw + phi - _g.PadW];
                    }
                    else
                    {
                        var row = dx.Slice(r * width, width);
                        if (sw == 1) Add(cells.Slice(c0, c1 - c0), row.Slice(v0, c1 - c0));
                        else for (int c = c0; c < c1; c++) row[c * sw + phi - _g.PadW] += cells[c];
                    }
                }
            }
    }

    /// <summary>The OH × OW plane <paramref name="plane"/> into the W′-wide buffer, zeros in the columns past OW.</summary>
    private Span<T> Widened(ReadOnlySpan<T> plane)
    {
        var wide = _result.AsSpan();
        for (int i = 0; i < _outH; i++)
        {
            plane.Slice(i * _outW, _outW).CopyTo(wide.Slice(i * _width, _outW));
            wide.Slice(i * _width + _outW, _width - _outW).Clear();
        }
        return wide;
    }

    /// <summary>dst [OH × OW] += Σ_t taps[t]·(what tap t reads of src), summed per element as dst, then the taps in order.</summary>
    public void Correlate(ReadOnlySpan<T> src, ReadOnlySpan<T> taps, Span<T> dst)
    {
        Place(src);
        var result = Widened(dst);
        for (int t = 0; t < taps.Length; t++) MultiplyAdd(_phases.AsSpan(TapStart(t), _length), taps[t], result);
        for (int i = 0; i < _outH; i++) result.Slice(i * _width, _outW).CopyTo(dst.Slice(i * _outW, _outW));
    }

    /// <summary>sums[t] += Σ_{i,j} u[i, j]·(what tap t reads of src at (i, j)): one dot product per tap.</summary>
    public void AddTapDots(ReadOnlySpan<T> src, ReadOnlySpan<T> u, Span<T> sums)
    {
        Place(src);
        var upstream = Widened(u);
        for (int t = 0; t < sums.Length; t++) sums[t] += Dot(upstream, _phases.AsSpan(TapStart(t), _length));
    }

    /// <summary>dx [H × W] += the adjoint of <see cref="Correlate"/> applied to u [OH × OW]: each tap's run of the phase
    /// planes gets taps[t]·u (in tap order), then every source pixel takes the value of its place in the phase planes.</summary>
    public void Scatter(ReadOnlySpan<T> u, ReadOnlySpan<T> taps, Span<T> dx)
    {
        Array.Clear(_phases);
        var upstream = Widened(u);
        for (int t = 0; t < taps.Length; t++) MultiplyAdd(upstream, taps[t], _phases.AsSpan(TapStart(t), _length));
        Walk(default, dx, toPhases: false);
    }

    /// <summary>y += x, in vectors.</summary>
    private static void Add(ReadOnlySpan<T> x, Span<T> y)
    {
        int j = 0, w = Vector<T>.Count;
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        for (; j <= y.Length - w; j += w) (Vector.LoadUnsafe(ref xs, (nuint)j) + Vector.LoadUnsafe(ref ys, (nuint)j)).StoreUnsafe(ref ys, (nuint)j);
        for (; j < y.Length; j++) y[j] += x[j];
    }

    /// <summary>y += a·x (a product then a sum, not fused), in vectors.</summary>
    private static void MultiplyAdd(ReadOnlySpan<T> x, T a, Span<T> y)
    {
        int j = 0, w = Vector<T>.Count;
        var va = new Vector<T>(a);
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        for (; j <= y.Length - w; j += w)
            (Vector.LoadUnsafe(ref xs, (nuint)j) * va + Vector.LoadUnsafe(ref ys, (nuint)j)).StoreUnsafe(ref ys, (nuint)j);
        for (; j < y.Length; j++) y[j] += a * x[j];
    }

    /// <summary>Σ x·y over two runs of the same length, in vector lanes summed at the end.</summary>
    private static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        int j = 0, w = Vector<T>.Count;
        Vector<T> a0 = Vector<T>.Zero, a1 = Vector<T>.Zero;
        ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        for (; j <= x.Length - 2 * w; j += 2 * w)
        {
            a0 += Vector.LoadUnsafe(ref xs, (nuint)j) * Vector.LoadUnsafe(ref ys, (nuint)j);
            a1 += Vector.LoadUnsafe(ref xs, (nuint)(j + w)) * Vector.LoadUnsafe(ref ys, (nuint)(j + w));
        }
        T sum = Vector.Sum(a0 + a1);
        for (; j < x.Length; j++) sum += x[j] * y[j];
        return sum;
    }
}
