using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// The pointwise part of the LSTM and GRU cells, one pass per row forward and backward (PyTorch's fused cell kernels).
/// Gate blocks follow PyTorch's order: LSTM rows [i, f, g, o], GRU rows [r, z, n], each of H elements. The forward keeps
/// in a workspace what the backward needs, so that the backward evaluates no transcendental function.
/// </summary>
internal static class Recurrent
{
    /// <summary>Workspace elements per row of <see cref="LstmForward{T}"/>: i, f, g, o and tanh(c').</summary>
    public const int LstmWork = 5;

    /// <summary>Workspace elements per row of <see cref="GruForward{T}"/>: r, z, n and the hidden projection h_n.</summary>
    public const int GruWork = 4;

    /// <summary>
    /// LSTM forward on <paramref name="rows"/> rows: a = xg + (hg + b); i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g);
    /// c' = f·c + i·g; h' = o·tanh(c'). <paramref name="work"/> receives [i, f, g, o, tanh(c')] per row. The bias b
    /// [4H] (none when empty) is added to every row of hg here, as the product h·W_hhᵀ + b would have it, so that a
    /// caller need not copy it into each row before the product.
    /// </summary>
    public static void LstmForward<T>(ReadOnlySpan<T> xg, ReadOnlySpan<T> hg, ReadOnlySpan<T> c, Span<T> h1, Span<T> c1,
        Span<T> work, int rows, int hidden, ReadOnlySpan<T> bias = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) LstmForward<T, Vector512<T>, Vector512Ops<T>>(xg, hg, bias, c, h1, c1, work, rows, hidden);
        else LstmForward<T, Vector<T>, VectorOps<T>>(xg, hg, bias, c, h1, c1, work, rows, hidden);
    }

    /// <summary><see cref="LstmForward{T}"/> on vectors <typeparamref name="TV"/> (512-bit where the hardware has them:
    /// the cell's three sigmoids and two tanh per element are most of its cost, and they take half the instructions).</summary>
    private static void LstmForward<T, TV, TW>(ReadOnlySpan<T> xg, ReadOnlySpan<T> hg, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> h1,
        Span<T> c1, Span<T> work, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        int h = hidden, width = TW.Count;
        Span<T> pad = stackalloc T[9 * width];
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * LstmWork * h, LstmWork * h);
            ReadOnlySpan<T> x = xg.Slice(r * 4 * h, 4 * h), p = hg.Slice(r * 4 * h, 4 * h), cRow = c.Slice(r * h, h);
            Span<T> hOut = h1.Slice(r * h, h), cOut = c1.Slice(r * h, h);
            // Blocks of one vector counted from the row's start; the last, partial one goes through the same vector code
            // zero-padded on the stack, so every element is computed alike wherever it lies.
            for (int j = 0; j < h; j += width)
            {
                int count = Math.Min(width, h - j);
                if (count == width)
                {
                    LstmBlock<T, TV, TW>(Load<T, TV, TW>(x, j), Load<T, TV, TW>(x, h + j), Load<T, TV, TW>(x, 2 * h + j),
                        Load<T, TV, TW>(x, 3 * h + j), LoadPlus<T, TV, TW>(p, b, j), LoadPlus<T, TV, TW>(p, b, h + j),
                        LoadPlus<T, TV, TW>(p, b, 2 * h + j), LoadPlus<T, TV, TW>(p, b, 3 * h + j), Load<T, TV, TW>(cRow, j),
                        out var i, out var f, out var g, out var o, out var tc, out var cNew);
                    TW.Store(i, ref w[j], 0);
                    TW.Store(f, ref w[h + j], 0);
                    TW.Store(g, ref w[2 * h + j], 0);
                    TW.Store(o, ref w[3 * h + j], 0);
                    TW.Store(tc, ref w[4 * h + j], 0);
                    TW.Store(cNew, ref cOut[j], 0);
                    TW.Store(TW.Mul(o, tc), ref hOut[j], 0);
                    continue;
                }
                pad.Clear();
                for (int k = 0; k < 4; k++)
                {
                    x.Slice(k * h + j, count).CopyTo(pad[(k * width)..]);
                    CopyPlus(p, b, k * h + j, count, pad[((4 + k) * width)..]);
                }
                cRow.Slice(j, count).CopyTo(pad[(8 * width)..]);
                LstmBlock<T, TV, TW>(Load<T, TV, TW>(pad, 0), Load<T, TV, TW>(pad, width), Load<T, TV, TW>(pad, 2 * width),
                    Load<T, TV, TW>(pad, 3 * width), Load<T, TV, TW>(pad, 4 * width), Load<T, TV, TW>(pad, 5 * width),
                    Load<T, TV, TW>(pad, 6 * width), Load<T, TV, TW>(pad, 7 * width), Load<T, TV, TW>(pad, 8 * width),
                    out var ti, out var tf, out var tg, out var to, out var ttc, out var tcNew);
                Store<T, TV, TW>(ti, pad, w.Slice(j, count));
                Store<T, TV, TW>(tf, pad, w.Slice(h + j, count));
                Store<T, TV, TW>(tg, pad, w.Slice(2 * h + j, count));
                Store<T, TV, TW>(to, pad, w.Slice(3 * h + j, count));
                Store<T, TV, TW>(ttc, pad, w.Slice(4 * h + j, count));
                Store<T, TV, TW>(tcNew, pad, cOut.Slice(j, count));
                Store<T, TV, TW>(TW.Mul(to, ttc), pad, hOut.Slice(j, count));
            }
        }
    }

    /// <summary>One vector of the LSTM cell: the gates from a = x + h, c' = f·c + i·g (one fused multiply-add), tanh c'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmBlock<T, TV, TW>(TV xi, TV xf, TV xg, TV xo, TV hi, TV hf, TV hg, TV ho, TV c, out TV i, out TV f,
        out TV g, out TV o, out TV tc, out TV cNew) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        i = TW.Apply<SigmoidFunction<T>>(TW.Add(xi, hi));
        f = TW.Apply<SigmoidFunction<T>>(TW.Add(xf, hf));
        g = TW.Apply<TanhFunction<T>>(TW.Add(xg, hg));
        o = TW.Apply<SigmoidFunction<T>>(TW.Add(xo, ho));
        cNew = TW.Fma(i, g, TW.Mul(f, c));
        tc = TW.Apply<TanhFunction<T>>(cNew);
    }

    /// <summary>The vector at element <paramref name="at"/> of <paramref name="s"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Load<T, TV, TW>(ReadOnlySpan<T> s, int at) where T : unmanaged where TV : struct where TW : struct, IVectorOps<TV, T> =>
        TW.Load(ref MemoryMarshal.GetReference(s), (nuint)at);

    /// <summary>One vector of p from <paramref name="at"/>, plus the same of b when b is not empty (the bias of the
    /// hidden projection p; within a row, b's index equals p's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LoadPlus<T, TV, TW>(ReadOnlySpan<T> p, ReadOnlySpan<T> b, int at) where T : unmanaged where TV : struct where TW : struct, IVectorOps<TV, T> =>
        b.IsEmpty ? Load<T, TV, TW>(p, at) : TW.Add(Load<T, TV, TW>(p, at), Load<T, TV, TW>(b, at));

    /// <summary>The scalar form of <see cref="LoadPlus{T, TV, TW}"/> for a partial block: <paramref name="count"/> elements
    /// of p (plus b) from <paramref name="at"/> into dst.</summary>
    private static void CopyPlus<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> b, int at, int count, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < count; k++) dst[k] = b.IsEmpty ? p[at + k] : p[at + k] + b[at + k];
    }

    /// <summary>The first dst.Length lanes of v into dst, through the scratch span.</summary>
    private static void Store<T, TV, TW>(TV v, Span<T> scratch, Span<T> dst) where T : unmanaged where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        TW.Store(v, ref scratch[0], 0);
        scratch[..dst.Length].CopyTo(dst);
    }

    /// <summary>
    /// LSTM backward from the upstream gradients gh (of h') and gc (of c') and the forward's workspace:
    /// dc' = gc + gh·o·(1 − tanh²c'); ∂a_i = dc'·g·i(1 − i), ∂a_f = dc'·c·f(1 − f), ∂a_g = dc'·i·(1 − g²),
    /// ∂a_o = gh·tanh(c')·o(1 − o) into <paramref name="dGates"/> [rows, 4H]; ∂c = dc'·f into <paramref name="dc"/>.
    /// </summary>
    public static void LstmBackward<T>(ReadOnlySpan<T> gh, ReadOnlySpan<T> gc, ReadOnlySpan<T> c, ReadOnlySpan<T> work,
        Span<T> dGates, Span<T> dc, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T> =>
        LstmBackward(gh, [], gc, c, work, dGates, dc, rows, hidden);

    /// <summary><see cref="LstmBackward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, int, int)"/>
    /// with the gradient of h' given as two parts, gh + <paramref name="ghCarried"/> (empty: none), added as it is read.</summary>
    public static void LstmBackward<T>(ReadOnlySpan<T> gh, ReadOnlySpan<T> ghCarried, ReadOnlySpan<T> gc, ReadOnlySpan<T> c,
        ReadOnlySpan<T> work, Span<T> dGates, Span<T> dc, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) LstmBackward<T, Vector512<T>, Vector512Ops<T>>(gh, ghCarried, gc, c, work, dGates, dc, rows, hidden);
        else LstmBackward<T, Vector<T>, VectorOps<T>>(gh, ghCarried, gc, c, work, dGates, dc, rows, hidden);
    }

    private static void LstmBackward<T, TV, TW>(ReadOnlySpan<T> gh, ReadOnlySpan<T> ghCarried, ReadOnlySpan<T> gc, ReadOnlySpan<T> c,
        ReadOnlySpan<T> work, Span<T> dGates, Span<T> dc, int rows, int hidden)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        bool carried = !ghCarried.IsEmpty;
        int h = hidden, width = TW.Count;
        var one = TW.Splat(T.One);
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * LstmWork * h, LstmWork * h);
            var d = dGates.Slice(r * 4 * h, 4 * h);
            ReadOnlySpan<T> ghRow = gh.Slice(r * h, h), gcRow = gc.Slice(r * h, h), cRow = c.Slice(r * h, h);
            var carriedRow = carried ? ghCarried.Slice(r * h, h) : default;
            var dcRow = dc.Slice(r * h, h);
            int j = 0;
            // Whole vectors, then the same formulas per element: no fused multiply-adds either way, so both round alike.
            for (; j <= h - width; j += width)
            {
                TV i = Load<T, TV, TW>(w, j), f = Load<T, TV, TW>(w, h + j), g = Load<T, TV, TW>(w, 2 * h + j), o = Load<T, TV, TW>(w, 3 * h + j);
                TV tc = Load<T, TV, TW>(w, 4 * h + j), ghe = Load<T, TV, TW>(ghRow, j);
                if (carried) ghe = TW.Add(ghe, Load<T, TV, TW>(carriedRow, j));
                var dcNext = TW.Add(Load<T, TV, TW>(gcRow, j), TW.Mul(TW.Mul(ghe, o), TW.Sub(one, TW.Mul(tc, tc))));
                TW.Store(TW.Mul(TW.Mul(TW.Mul(dcNext, g), i), TW.Sub(one, i)), ref d[j], 0);
                TW.Store(TW.Mul(TW.Mul(TW.Mul(dcNext, Load<T, TV, TW>(cRow, j)), f), TW.Sub(one, f)), ref d[h + j], 0);
                TW.Store(TW.Mul(TW.Mul(dcNext, i), TW.Sub(one, TW.Mul(g, g))), ref d[2 * h + j], 0);
                TW.Store(TW.Mul(TW.Mul(TW.Mul(ghe, tc), o), TW.Sub(one, o)), ref d[3 * h + j], 0);
                TW.Store(TW.Mul(dcNext, f), ref dcRow[j], 0);
            }
            for (; j < h; j++)
            {
                T i = w[j], f = w[h + j], g = w[2 * h + j], o = w[3 * h + j], tc = w[4 * h + j], ghe = ghRow[j];
                if (carried) ghe += carriedRow[j];
                T dcNext = gcRow[j] + ghe * o * (T.One - tc * tc);
                d[j] = dcNext * g * i * (T.One - i);
                d[h + j] = dcNext * cRow[j] * f * (T.One - f);
                d[2 * h + j] = dcNext * i * (T.One - g * g);
                d[3 * h + j] = ghe * tc * o * (T.One - o);
                dcRow[j] = dcNext * f;
            }
        }
    }

    /// <summary>
    /// GRU forward on <paramref name="rows"/> rows: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n),
    /// h' = n + z·(h − n). <paramref name="work"/> receives [r, z, n, h_n] per row.
    /// </summary>
    public static void GruForward<T>(ReadOnlySpan<T> xg, ReadOnlySpan<T> hg, ReadOnlySpan<T> hPrev, Span<T> h1,
        Span<T> work, int rows, int hidden, ReadOnlySpan<T> bias = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) GruForward<T, Vector512<T>, Vector512Ops<T>>(xg, hg, bias, hPrev, h1, work, rows, hidden);
        else GruForward<T, Vector<T>, VectorOps<T>>(xg, hg, bias, hPrev, h1, work, rows, hidden);
    }

    private static void GruForward<T, TV, TW>(ReadOnlySpan<T> xg, ReadOnlySpan<T> hg, ReadOnlySpan<T> b, ReadOnlySpan<T> hPrev,
        Span<T> h1, Span<T> work, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        int h = hidden, width = TW.Count;
        Span<T> pad = stackalloc T[7 * width];
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * GruWork * h, GruWork * h);
            ReadOnlySpan<T> x = xg.Slice(r * 3 * h, 3 * h), p = hg.Slice(r * 3 * h, 3 * h), hRow = hPrev.Slice(r * h, h);
            var hOut = h1.Slice(r * h, h);
            // Blocks of one vector from the row's start; a partial last block runs zero-padded through the same code.
            for (int j = 0; j < h; j += width)
            {
                int count = Math.Min(width, h - j);
                if (count == width)
                {
                    var hn = LoadPlus<T, TV, TW>(p, b, 2 * h + j);
                    GruBlock<T, TV, TW>(Load<T, TV, TW>(x, j), Load<T, TV, TW>(x, h + j), Load<T, TV, TW>(x, 2 * h + j),
                        LoadPlus<T, TV, TW>(p, b, j), LoadPlus<T, TV, TW>(p, b, h + j), hn, Load<T, TV, TW>(hRow, j),
                        out var reset, out var z, out var n, out var hNew);
                    TW.Store(reset, ref w[j], 0);
                    TW.Store(z, ref w[h + j], 0);
                    TW.Store(n, ref w[2 * h + j], 0);
                    TW.Store(hn, ref w[3 * h + j], 0);
                    TW.Store(hNew, ref hOut[j], 0);
                    continue;
                }
                pad.Clear();
                for (int k = 0; k < 3; k++)
                {
                    x.Slice(k * h + j, count).CopyTo(pad[(k * width)..]);
                    CopyPlus(p, b, k * h + j, count, pad[((3 + k) * width)..]);
                }
                hRow.Slice(j, count).CopyTo(pad[(6 * width)..]);
                GruBlock<T, TV, TW>(Load<T, TV, TW>(pad, 0), Load<T, TV, TW>(pad, width), Load<T, TV, TW>(pad, 2 * width),
                    Load<T, TV, TW>(pad, 3 * width), Load<T, TV, TW>(pad, 4 * width), Load<T, TV, TW>(pad, 5 * width),
                    Load<T, TV, TW>(pad, 6 * width), out var tr, out var tz, out var tn, out var th);
                pad.Slice(5 * width, count).CopyTo(w.Slice(3 * h + j, count));
                Store<T, TV, TW>(tr, pad, w.Slice(j, count));
                Store<T, TV, TW>(tz, pad, w.Slice(h + j, count));
                Store<T, TV, TW>(tn, pad, w.Slice(2 * h + j, count));
                Store<T, TV, TW>(th, pad, hOut.Slice(j, count));
            }
        }
    }

    /// <summary>One vector of the GRU cell: r, z = σ(x + h), n = tanh(x_n + r·h_n), h' = n + z·(h − n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruBlock<T, TV, TW>(TV xr, TV xz, TV xn, TV hr, TV hz, TV hn, TV hPrev, out TV reset, out TV z, out TV n,
        out TV hNew) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        reset = TW.Apply<SigmoidFunction<T>>(TW.Add(xr, hr));
        z = TW.Apply<SigmoidFunction<T>>(TW.Add(xz, hz));
        n = TW.Apply<TanhFunction<T>>(TW.Fma(reset, hn, xn));
        hNew = TW.Fma(z, TW.Sub(hPrev, n), n);
    }

    /// <summary>
    /// GRU backward from the upstream gradient gh of h' and the forward's workspace: ∂a_z = gh·(h − n)·z(1 − z),
    /// ∂a_n = gh·(1 − z)·(1 − n²), ∂a_r = ∂a_n·h_n·r(1 − r); the input gates get [∂a_r, ∂a_z, ∂a_n], the hidden gates
    /// [∂a_r, ∂a_z, ∂a_n·r], and h gets gh·z.
    /// </summary>
    public static void GruBackward<T>(ReadOnlySpan<T> gh, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> work, Span<T> dInput,
        Span<T> dHidden, Span<T> dh, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T> =>
        GruBackward(gh, carried: false, hPrev, work, dInput, dHidden, dh, rows, hidden);

    /// <summary><see cref="GruBackward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, int, int)"/>
    /// where, when <paramref name="carried"/>, the gradient of h' is gh + dh (dh's values on entry, each read before
    /// it is overwritten).</summary>
    public static void GruBackward<T>(ReadOnlySpan<T> gh, bool carried, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> work, Span<T> dInput,
        Span<T> dHidden, Span<T> dh, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) GruBackward<T, Vector512<T>, Vector512Ops<T>>(gh, carried, hPrev, work, dInput, dHidden, dh, rows, hidden);
        else GruBackward<T, Vector<T>, VectorOps<T>>(gh, carried, hPrev, work, dInput, dHidden, dh, rows, hidden);
    }

    private static void GruBackward<T, TV, TW>(ReadOnlySpan<T> gh, bool carried, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> work, Span<T> dInput,
        Span<T> dHidden, Span<T> dh, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        int h = hidden, width = TW.Count;
        var one = TW.Splat(T.One);
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * GruWork * h, GruWork * h);
            Span<T> dx = dInput.Slice(r * 3 * h, 3 * h), dhp = dHidden.Slice(r * 3 * h, 3 * h), dhRow = dh.Slice(r * h, h);
            ReadOnlySpan<T> ghRow = gh.Slice(r * h, h), hRow = hPrev.Slice(r * h, h);
            int j = 0;
            // Whole vectors, then the same formulas per element: no fused multiply-adds either way, so both round alike.
            for (; j <= h - width; j += width)
            {
                TV reset = Load<T, TV, TW>(w, j), z = Load<T, TV, TW>(w, h + j), n = Load<T, TV, TW>(w, 2 * h + j), hn = Load<T, TV, TW>(w, 3 * h + j);
                var g = Load<T, TV, TW>(ghRow, j);
                if (carried) g = TW.Add(g, Load<T, TV, TW>(dhRow, j));
                var dn = TW.Mul(TW.Mul(g, TW.Sub(one, z)), TW.Sub(one, TW.Mul(n, n)));
                var dz = TW.Mul(TW.Mul(TW.Mul(g, TW.Sub(Load<T, TV, TW>(hRow, j), n)), z), TW.Sub(one, z));
                var dr = TW.Mul(TW.Mul(TW.Mul(dn, hn), reset), TW.Sub(one, reset));
                TW.Store(dr, ref dx[j], 0);
                TW.Store(dr, ref dhp[j], 0);
                TW.Store(dz, ref dx[h + j], 0);
                TW.Store(dz, ref dhp[h + j], 0);
                TW.Store(dn, ref dx[2 * h + j], 0);
                TW.Store(TW.Mul(dn, reset), ref dhp[2 * h + j], 0);
                TW.Store(TW.Mul(g, z), ref dhRow[j], 0);
            }
            for (; j < h; j++)
            {
                T reset = w[j], z = w[h + j], n = w[2 * h + j], hn = w[3 * h + j], g = ghRow[j];
                if (carried) g += dhRow[j];
                T dn = g * (T.One - z) * (T.One - n * n);
                T dz = g * (hRow[j] - n) * z * (T.One - z);
                T dr = dn * hn * reset * (T.One - reset);
                dx[j] = dhp[j] = dr;
                dx[h + j] = dhp[h + j] = dz;
                dx[2 * h + j] = dn;
                dhp[2 * h + j] = dn * reset;
                dhRow[j] = g * z;
            }
        }
    }
}
