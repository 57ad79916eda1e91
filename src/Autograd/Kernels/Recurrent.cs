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
    /// LSTM forward on <paramref name="rows"/> rows: a = xg + hg; i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g);
    /// c' = f·c + i·g; h' = o·tanh(c'). <paramref name="work"/> receives [i, f, g, o, tanh(c')] per row.
    /// </summary>
    public static void LstmForward<T>(ReadOnlySpan<T> xg, ReadOnlySpan<T> hg, ReadOnlySpan<T> c, Span<T> h1, Span<T> c1,
        Span<T> work, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden, width = Vector256<T>.Count;
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
                    LstmBlock(Load(x, j), Load(x, h + j), Load(x, 2 * h + j), Load(x, 3 * h + j), Load(p, j), Load(p, h + j),
                        Load(p, 2 * h + j), Load(p, 3 * h + j), Load(cRow, j), out var i, out var f, out var g, out var o, out var tc, out var cNew);
                    i.StoreUnsafe(ref w[j]);
                    f.StoreUnsafe(ref w[h + j]);
                    g.StoreUnsafe(ref w[2 * h + j]);
                    o.StoreUnsafe(ref w[3 * h + j]);
                    tc.StoreUnsafe(ref w[4 * h + j]);
                    cNew.StoreUnsafe(ref cOut[j]);
                    (o * tc).StoreUnsafe(ref hOut[j]);
                    continue;
                }
                pad.Clear();
                for (int k = 0; k < 4; k++)
                {
                    x.Slice(k * h + j, count).CopyTo(pad[(k * width)..]);
                    p.Slice(k * h + j, count).CopyTo(pad[((4 + k) * width)..]);
                }
                cRow.Slice(j, count).CopyTo(pad[(8 * width)..]);
                LstmBlock(Load(pad, 0), Load(pad, width), Load(pad, 2 * width), Load(pad, 3 * width), Load(pad, 4 * width),
                    Load(pad, 5 * width), Load(pad, 6 * width), Load(pad, 7 * width), Load(pad, 8 * width),
                    out var ti, out var tf, out var tg, out var to, out var ttc, out var tcNew);
                Store(ti, pad, w.Slice(j, count));
                Store(tf, pad, w.Slice(h + j, count));
                Store(tg, pad, w.Slice(2 * h + j, count));
                Store(to, pad, w.Slice(3 * h + j, count));
                Store(ttc, pad, w.Slice(4 * h + j, count));
                Store(tcNew, pad, cOut.Slice(j, count));
                Store(to * ttc, pad, hOut.Slice(j, count));
            }
        }
    }

    /// <summary>One vector of the LSTM cell: the gates from a = x + h, c' = f·c + i·g (one fused multiply-add), tanh c'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmBlock<T>(Vector256<T> xi, Vector256<T> xf, Vector256<T> xg, Vector256<T> xo, Vector256<T> hi,
        Vector256<T> hf, Vector256<T> hg, Vector256<T> ho, Vector256<T> c, out Vector256<T> i, out Vector256<T> f,
        out Vector256<T> g, out Vector256<T> o, out Vector256<T> tc, out Vector256<T> cNew) where T : unmanaged, IFloatingPointIeee754<T>
    {
        i = SigmoidFunction<T>.Invoke(xi + hi);
        f = SigmoidFunction<T>.Invoke(xf + hf);
        g = TanhFunction<T>.Invoke(xg + hg);
        o = SigmoidFunction<T>.Invoke(xo + ho);
        cNew = Avx2Kernel<T>.Fma(i, g, f * c);
        tc = TanhFunction<T>.Invoke(cNew);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Load<T>(ReadOnlySpan<T> s, int at) where T : unmanaged =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)at);

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
        bool carried = !ghCarried.IsEmpty;
        int h = hidden, width = Vector<T>.Count;
        var one = Vector<T>.One;
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
                Vector<T> i = new(w[j..]), f = new(w[(h + j)..]), g = new(w[(2 * h + j)..]), o = new(w[(3 * h + j)..]);
                Vector<T> tc = new(w[(4 * h + j)..]), ghe = new(ghRow[j..]);
                if (carried) ghe += new Vector<T>(carriedRow[j..]);
                var dcNext = new Vector<T>(gcRow[j..]) + ghe * o * (one - tc * tc);
                (dcNext * g * i * (one - i)).CopyTo(d[j..]);
                (dcNext * new Vector<T>(cRow[j..]) * f * (one - f)).CopyTo(d[(h + j)..]);
                (dcNext * i * (one - g * g)).CopyTo(d[(2 * h + j)..]);
                (ghe * tc * o * (one - o)).CopyTo(d[(3 * h + j)..]);
                (dcNext * f).CopyTo(dcRow[j..]);
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
        Span<T> work, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden, width = Vector256<T>.Count;
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
                    var hn = Load(p, 2 * h + j);
                    GruBlock(Load(x, j), Load(x, h + j), Load(x, 2 * h + j), Load(p, j), Load(p, h + j), hn, Load(hRow, j),
                        out var reset, out var z, out var n, out var hNew);
                    reset.StoreUnsafe(ref w[j]);
                    z.StoreUnsafe(ref w[h + j]);
                    n.StoreUnsafe(ref w[2 * h + j]);
                    hn.StoreUnsafe(ref w[3 * h + j]);
                    hNew.StoreUnsafe(ref hOut[j]);
                    continue;
                }
                pad.Clear();
                for (int k = 0; k < 3; k++)
                {
                    x.Slice(k * h + j, count).CopyTo(pad[(k * width)..]);
                    p.Slice(k * h + j, count).CopyTo(pad[((3 + k) * width)..]);
                }
                hRow.Slice(j, count).CopyTo(pad[(6 * width)..]);
                GruBlock(Load(pad, 0), Load(pad, width), Load(pad, 2 * width), Load(pad, 3 * width), Load(pad, 4 * width),
                    Load(pad, 5 * width), Load(pad, 6 * width), out var tr, out var tz, out var tn, out var th);
                p.Slice(2 * h + j, count).CopyTo(w.Slice(3 * h + j, count));
                Store(tr, pad, w.Slice(j, count));
                Store(tz, pad, w.Slice(h + j, count));
                Store(tn, pad, w.Slice(2 * h + j, count));
                Store(th, pad, hOut.Slice(j, count));
            }
        }
    }

    /// <summary>One vector of the GRU cell: r, z = σ(x + h), n = tanh(x_n + r·h_n), h' = n + z·(h − n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruBlock<T>(Vector256<T> xr, Vector256<T> xz, Vector256<T> xn, Vector256<T> hr, Vector256<T> hz,
        Vector256<T> hn, Vector256<T> hPrev, out Vector256<T> reset, out Vector256<T> z, out Vector256<T> n, out Vector256<T> hNew)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        reset = SigmoidFunction<T>.Invoke(xr + hr);
        z = SigmoidFunction<T>.Invoke(xz + hz);
        n = TanhFunction<T>.Invoke(Avx2Kernel<T>.Fma(reset, hn, xn));
        hNew = Avx2Kernel<T>.Fma(z, hPrev - n, n);
    }

    /// <summary>The first dst.Length lanes of v into dst, through the scratch span.</summary>
    private static void Store<T>(Vector256<T> v, Span<T> scratch, Span<T> dst) where T : unmanaged
    {
        v.StoreUnsafe(ref scratch[0]);
        scratch[..dst.Length].CopyTo(dst);
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
        int h = hidden, width = Vector<T>.Count;
        var one = Vector<T>.One;
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * GruWork * h, GruWork * h);
            Span<T> dx = dInput.Slice(r * 3 * h, 3 * h), dhp = dHidden.Slice(r * 3 * h, 3 * h), dhRow = dh.Slice(r * h, h);
            ReadOnlySpan<T> ghRow = gh.Slice(r * h, h), hRow = hPrev.Slice(r * h, h);
            int j = 0;
            // Whole vectors, then the same formulas per element: no fused multiply-adds either way, so both round alike.
            for (; j <= h - width; j += width)
            {
                Vector<T> reset = new(w[j..]), z = new(w[(h + j)..]), n = new(w[(2 * h + j)..]), hn = new(w[(3 * h + j)..]);
                var g = new Vector<T>(ghRow[j..]);
                if (carried) g += new Vector<T>(dhRow[j..]);
                var dn = g * (one - z) * (one - n * n);
                var dz = g * (new Vector<T>(hRow[j..]) - n) * z * (one - z);
                var dr = dn * hn * reset * (one - reset);
                dr.CopyTo(dx[j..]);
                dr.CopyTo(dhp[j..]);
                dz.CopyTo(dx[(h + j)..]);
                dz.CopyTo(dhp[(h + j)..]);
                dn.CopyTo(dx[(2 * h + j)..]);
                (dn * reset).CopyTo(dhp[(2 * h + j)..]);
                (g * z).CopyTo(dhRow[j..]);
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
