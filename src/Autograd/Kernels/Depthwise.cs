using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Kernels;

/// <summary>
/// Depthwise 2-D convolution (PyTorch's <c>groups</c> = input channels C, with a channel multiplier m = O/C): output
/// channel o reads only input channel o / m, through its own kh×kw filter w[o, 0, ·, ·]:
/// <code>y[n, o, i, j] = b[o] + Σ_{p,q} w[o, 0, p, q] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw]</code>
/// (terms outside x left out). As im2col + GEMM per channel it was one small product per channel, each with its own
/// column matrix; here every term is a multiply-add straight from the image. With unit strides a plane goes through
/// <see cref="PlaneWork{T}"/>: one flat vector pass per kernel tap over a zero-padded copy. Other strides walk the taps
/// row by row. Measured on the 2-core AVX-512 machine, 3×3 depthwise forward and backward (dense upstream gradient),
/// against libtorch in the same sittings: [32, 32, 56, 56] 13.8–16.3 ms against 21.4–22.4 (the per-channel im2col
/// form: 216–237); [32, 64, 28, 28] 5.2–7.1 against 5.2–5.5 (115–158); stride 2 on [32, 128, 14, 14] 5.2–9.7 against
/// 2.4 (60–75).
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
        int m = outChannels / g.Channels, oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, outPlane = oh * ow;
        Planes(images * outChannels, (long)outPlane * g.KernelH * g.KernelW, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k0, k1) =>
        {
            PlaneWork<T>? work = null;
            for (int k = k0; k < k1; k++)
            {
                int o = k % outChannels, c = o / m;
                var xs = x.AsSpan(xOffset + (k / outChannels * g.Channels + c) * plane, plane);
                var ys = y.AsSpan(k * outPlane, outPlane);
                ys.Fill(bias is null ? T.Zero : bias[o]);
                var taps = w.AsSpan(wOffset + o * g.KernelH * g.KernelW, g.KernelH * g.KernelW);
                if (g.StrideH == 1 && g.StrideW == 1)
                {
                    work ??= new PlaneWork<T>(g.KernelH, g.KernelW, g.DilationH, g.DilationW, oh, ow);
                    work.Correlate(xs, g.Height, g.Width, g.PadH, g.PadW, taps, ys);
                    continue;
                }
                for (int i = 0; i < oh; i++)
                    for (int p = 0; p < g.KernelH; p++)
                    {
                        int h = i * g.StrideH - g.PadH + p * g.DilationH;
                        if (h < 0 || h >= g.Height) continue;
                        for (int q = 0; q < g.KernelW; q++)
                        {
                            var (j0, j1, shift) = Columns(g, ow, q);
                            if (j0 < j1)
                                Accumulate(xs.Slice(h * g.Width, g.Width), j0 * g.StrideW + shift, g.StrideW,
                                    w[wOffset + (o * g.KernelH + p) * g.KernelW + q], ys.Slice(i * ow + j0, j1 - j0));
                        }
                    }
            }
        });
    }

    /// <summary>dx [N, C, H, W] = the adjoint of <see cref="Forward{T}"/> in x applied to u [N, O, OH, OW] (from
    /// <paramref name="uOffset"/>): each u[n, o, i, j]·w[o, 0, p, q] added back to the pixel it was read from.</summary>
    public static void InputGrad<T>(T[] u, int uOffset, T[] w, int wOffset, Conv2dGeometry g, int images, int outChannels, T[] dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, outPlane = oh * ow;
        Planes(images * g.Channels, (long)m * outPlane * g.KernelH * g.KernelW, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k0, k1) =>
        {
            Span<T> flipped = stackalloc T[g.KernelH * g.KernelW];
            PlaneWork<T>? work = null;
            for (int k = k0; k < k1; k++)
            {
                int c = k % g.Channels;
                var ds = dx.AsSpan(k * plane, plane);
                ds.Clear();
                for (int o = c * m; o < (c + 1) * m; o++)
                {
                    var us = u.AsSpan(uOffset + (k / g.Channels * outChannels + o) * outPlane, outPlane);
                    if (g.StrideH == 1 && g.StrideW == 1)
                    {
                        // With unit strides the adjoint is a correlation too: dx[h, v] = Σ_{p,q} w[p, q]·u[h + ph − p·dh,
                        // v + pw − q·dw], i.e. the kernel flipped, over u padded by (k − 1)·d − pad.
                        Flip(w.AsSpan(wOffset + o * g.KernelH * g.KernelW, g.KernelH * g.KernelW), flipped);
                        work ??= new PlaneWork<T>(g.KernelH, g.KernelW, g.DilationH, g.DilationW, g.Height, g.Width);
                        work.Correlate(us, oh, ow, (g.KernelH - 1) * g.DilationH - g.PadH, (g.KernelW - 1) * g.DilationW - g.PadW, flipped, ds);
                        continue;
                    }
                    for (int i = 0; i < oh; i++)
                        for (int p = 0; p < g.KernelH; p++)
                        {
                            int h = i * g.StrideH - g.PadH + p * g.DilationH;
                            if (h < 0 || h >= g.Height) continue;
                            for (int q = 0; q < g.KernelW; q++)
                            {
                                var (j0, j1, shift) = Columns(g, ow, q);
                                if (j0 < j1)
                                    Scatter(us.Slice(i * ow + j0, j1 - j0), w[wOffset + (o * g.KernelH + p) * g.KernelW + q],
                                        ds.Slice(h * g.Width, g.Width), j0 * g.StrideW + shift, g.StrideW);
                            }
                        }
                }
            }
        });
    }

    /// <summary>dw [O, 1, kh, kw] = the adjoint of <see cref="Forward{T}"/> in w: dw[o, 0, p, q] = Σ_{n,i,j}
    /// u[n, o, i, j] · x[n, o/m, i·sh − ph + p·dh, j·sw − pw + q·dw].</summary>
    public static void WeightGrad<T>(T[] x, int xOffset, T[] u, int uOffset, Conv2dGeometry g, int images, int outChannels, T[] dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = outChannels / g.Channels, oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, outPlane = oh * ow;
        Planes(outChannels, (long)images * outPlane * g.KernelH * g.KernelW, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            if (g.StrideH == 1 && g.StrideW == 1)
            {
                var work = new PlaneWork<T>(g.KernelH, g.KernelW, g.DilationH, g.DilationW, oh, ow);
                for (int o = o0; o < o1; o++)
                {
                    var sums = dw.AsSpan(o * g.KernelH * g.KernelW, g.KernelH * g.KernelW);
                    sums.Clear();
                    for (int n = 0; n < images; n++)
                        work.AddTapDots(x.AsSpan(xOffset + (n * g.Channels + o / m) * plane, plane), g.Height, g.Width, g.PadH, g.PadW,
                            u.AsSpan(uOffset + (n * outChannels + o) * outPlane, outPlane), sums);
                }
                return;
            }
            for (int o = o0; o < o1; o++)
                for (int p = 0; p < g.KernelH; p++)
                    for (int q = 0; q < g.KernelW; q++)
                    {
                        var (j0, j1, shift) = Columns(g, ow, q);
                        T sum = T.Zero;
                        for (int n = 0; n < images && j0 < j1; n++)
                        {
                            var xs = x.AsSpan(xOffset + (n * g.Channels + o / m) * plane, plane);
                            var us = u.AsSpan(uOffset + (n * outChannels + o) * outPlane, outPlane);
                            for (int i = 0; i < oh; i++)
                            {
                                int h = i * g.StrideH - g.PadH + p * g.DilationH;
                                if (h >= 0 && h < g.Height)
                                    sum += Dot(us.Slice(i * ow + j0, j1 - j0), xs.Slice(h * g.Width, g.Width), j0 * g.StrideW + shift, g.StrideW);
                            }
                        }
                        dw[(o * g.KernelH + p) * g.KernelW + q] = sum;
                    }
        });
    }

    /// <summary>The kernel's taps in reverse order (p, q → kh − 1 − p, kw − 1 − q), written to <paramref name="into"/>.</summary>
    private static void Flip<T>(ReadOnlySpan<T> taps, Span<T> into)
    {
        for (int t = 0; t < taps.Length; t++) into[taps.Length - 1 - t] = taps[t];
    }

    /// <summary>The output columns [j0, j1) whose tap q lands inside the row (column j reads j·sw + shift), and the shift
    /// q·dw − pw.</summary>
    private static (int J0, int J1, int Shift) Columns(Conv2dGeometry g, int ow, int q)
    {
        int shift = q * g.DilationW - g.PadW;
        int j0 = shift >= 0 ? 0 : (-shift + g.StrideW - 1) / g.StrideW;
        int j1 = Math.Min(ow, shift >= g.Width ? 0 : (g.Width - 1 - shift) / g.StrideW + 1);
        return (j0, j1, shift);
    }

    /// <summary>y[j] += a · row[start + j·stride] for every j of y. With stride 1 in vectors (the rows are short, a few
    /// dozen elements, so an inline loop: a library call per row and tap cost more than the arithmetic); each element is
    /// a·x + y either way, rounded alike.</summary>
    private static void Accumulate<T>(ReadOnlySpan<T> row, int start, int stride, T a, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stride == 1)
        {
            var xs = row.Slice(start, y.Length);
            int j = 0, w = Vector<T>.Count;
            var va = new Vector<T>(a);
            for (; j <= y.Length - w; j += w) (new Vector<T>(xs[j..]) * va + new Vector<T>(y[j..])).CopyTo(y[j..]);
            for (; j < y.Length; j++) y[j] += a * xs[j];
            return;
        }
        for (int j = 0; j < y.Length; j++) y[j] += a * row[start + j * stride];
    }

    /// <summary>row[start + j·stride] += a · u[j] for every j of u.</summary>
    private static void Scatter<T>(ReadOnlySpan<T> u, T a, Span<T> row, int start, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stride == 1)
        {
            Accumulate(u, 0, 1, a, row.Slice(start, u.Length));
            return;
        }
        for (int j = 0; j < u.Length; j++) row[start + j * stride] += a * u[j];
    }

    /// <summary>Σ_j u[j] · row[start + j·stride]; with stride 1 in vector lanes, summed across them at the end.</summary>
    private static T Dot<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> row, int start, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int j = 0;
        if (stride == 1)
        {
            var xs = row.Slice(start, u.Length);
            int w = Vector<T>.Count;
            var acc = Vector<T>.Zero;
            for (; j <= u.Length - w; j += w) acc += new Vector<T>(u[j..]) * new Vector<T>(xs[j..]);
            sum = Vector.Sum(acc);
            for (; j < u.Length; j++) sum += u[j] * xs[j];
            return sum;
        }
        for (; j < u.Length; j++) sum += u[j] * row[start + j * stride];
        return sum;
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
/// A depthwise correlation of one plane with unit strides as flat vector passes: the source is copied into a zero-padded
/// plane of width Wp = OW + (kw − 1)·dw, so that tap (p, q) reads the flat run starting p·dh·Wp + q·dw, and the output is
/// computed over rows of width Wp (the last (kw − 1)·dw columns of each, which straddle two rows, are dropped). Each tap
/// is then one multiply-add over OH·Wp contiguous elements (or one dot product for the weight gradient) instead of one
/// per output row: rows of a few dozen elements left the work to call overhead and short loops. Buffers are reused from
/// plane to plane. The weight gradient's dot products also multiply the dropped columns, by zeros of the upstream
/// gradient: an infinite input there gives NaN rather than leaving that weight's gradient finite.
/// </summary>
internal sealed class PlaneWork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _kh, _kw, _dh, _dw, _outH, _outW, _padW;
    private readonly T[] _source, _result;

    public PlaneWork(int kh, int kw, int dh, int dw, int outH, int outW)
    {
        (_kh, _kw, _dh, _dw, _outH, _outW) = (kh, kw, dh, dw, outH, outW);
        _padW = outW + (kw - 1) * dw;
        // (kw − 1)·dw of slack: the last tap's run ends that far past the padded plane.
        _source = new T[(outH + (kh - 1) * dh) * _padW + (kw - 1) * dw];
        _result = new T[outH * _padW];
    }

    /// <summary>The source plane [rows × cols] placed at (padH, padW) of the padded plane, zeros elsewhere (a negative
    /// padding crops).</summary>
    private void Place(ReadOnlySpan<T> src, int rows, int cols, int padH, int padW)
    {
        Array.Clear(_source);
        int height = _outH + (_kh - 1) * _dh;
        for (int r = Math.Max(0, padH); r < Math.Min(height, rows + padH); r++)
        {
            int c0 = Math.Max(0, padW), c1 = Math.Min(_padW, cols + padW);
            if (c0 < c1) src.Slice((r - padH) * cols + (c0 - padW), c1 - c0).CopyTo(_source.AsSpan(r * _padW + c0, c1 - c0));
        }
    }

    /// <summary>dst [OH × OW] += Σ_{p,q} taps[p·kw + q]·src[i − padH + p·dh, j − padW + q·dw] (zero outside src), summed
    /// per element as dst, then the taps in order.</summary>
    public void Correlate(ReadOnlySpan<T> src, int rows, int cols, int padH, int padW, ReadOnlySpan<T> taps, Span<T> dst)
    {
        Place(src, rows, cols, padH, padW);
        var result = _result.AsSpan();
        for (int i = 0; i < _outH; i++) dst.Slice(i * _outW, _outW).CopyTo(result.Slice(i * _padW, _outW));
        int length = _outH * _padW;
        for (int p = 0; p < _kh; p++)
            for (int q = 0; q < _kw; q++)
                MultiplyAdd(_source.AsSpan(p * _dh * _padW + q * _dw, length), taps[p * _kw + q], result);
        for (int i = 0; i < _outH; i++) result.Slice(i * _padW, _outW).CopyTo(dst.Slice(i * _outW, _outW));
    }

    /// <summary>sums[p·kw + q] += Σ_{i,j} u[i, j]·src[i − padH + p·dh, j − padW + q·dw] for u [OH × OW] (zero outside
    /// src): one dot product per tap over u laid out Wp wide with zeros past OW.</summary>
    public void AddTapDots(ReadOnlySpan<T> src, int rows, int cols, int padH, int padW, ReadOnlySpan<T> u, Span<T> sums)
    {
        Place(src, rows, cols, padH, padW);
        var upstream = _result.AsSpan();
        upstream.Clear();
        for (int i = 0; i < _outH; i++) u.Slice(i * _outW, _outW).CopyTo(upstream.Slice(i * _padW, _outW));
        int length = _outH * _padW;
        for (int p = 0; p < _kh; p++)
            for (int q = 0; q < _kw; q++)
                sums[p * _kw + q] += Dot(upstream, _source.AsSpan(p * _dh * _padW + q * _dw, length));
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
