using System.Numerics;
using System.Numerics.Tensors;

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
        int h = hidden;
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * LstmWork * h, LstmWork * h);
            var gates = w[..(4 * h)];
            TensorPrimitives.Add(xg.Slice(r * 4 * h, 4 * h), hg.Slice(r * 4 * h, 4 * h), gates);
            TensorPrimitives.Sigmoid(gates[..(2 * h)], gates[..(2 * h)]);
            TensorPrimitives.Tanh(gates.Slice(2 * h, h), gates.Slice(2 * h, h));
            TensorPrimitives.Sigmoid(gates.Slice(3 * h, h), gates.Slice(3 * h, h));
            var cRow = c1.Slice(r * h, h);
            var tc = w.Slice(4 * h, h);
            TensorPrimitives.Multiply(gates.Slice(h, h), c.Slice(r * h, h), cRow);
            TensorPrimitives.FusedMultiplyAdd(gates[..h], gates.Slice(2 * h, h), cRow, cRow);
            TensorPrimitives.Tanh(cRow, tc);
            TensorPrimitives.Multiply(gates.Slice(3 * h, h), tc, h1.Slice(r * h, h));
        }
    }

    /// <summary>
    /// LSTM backward from the upstream gradients gh (of h') and gc (of c') and the forward's workspace:
    /// dc' = gc + gh·o·(1 − tanh²c'); ∂a_i = dc'·g·i(1 − i), ∂a_f = dc'·c·f(1 − f), ∂a_g = dc'·i·(1 − g²),
    /// ∂a_o = gh·tanh(c')·o(1 − o) into <paramref name="dGates"/> [rows, 4H]; ∂c = dc'·f into <paramref name="dc"/>.
    /// </summary>
    public static void LstmBackward<T>(ReadOnlySpan<T> gh, ReadOnlySpan<T> gc, ReadOnlySpan<T> c, ReadOnlySpan<T> work,
        Span<T> dGates, Span<T> dc, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden, width = Vector<T>.Count;
        var one = Vector<T>.One;
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * LstmWork * h, LstmWork * h);
            var d = dGates.Slice(r * 4 * h, 4 * h);
            ReadOnlySpan<T> ghRow = gh.Slice(r * h, h), gcRow = gc.Slice(r * h, h), cRow = c.Slice(r * h, h);
            var dcRow = dc.Slice(r * h, h);
            int j = 0;
            // Whole vectors, then the same formulas per element: no fused multiply-adds either way, so both round alike.
            for (; j <= h - width; j += width)
            {
                Vector<T> i = new(w[j..]), f = new(w[(h + j)..]), g = new(w[(2 * h + j)..]), o = new(w[(3 * h + j)..]);
                Vector<T> tc = new(w[(4 * h + j)..]), ghe = new(ghRow[j..]);
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
        int h = hidden;
        for (int r = 0; r < rows; r++)
        {
            var w = work.Slice(r * GruWork * h, GruWork * h);
            ReadOnlySpan<T> x = xg.Slice(r * 3 * h, 3 * h), hp = hg.Slice(r * 3 * h, 3 * h);
            var rz = w[..(2 * h)];
            TensorPrimitives.Add(x[..(2 * h)], hp[..(2 * h)], rz);
            TensorPrimitives.Sigmoid(rz, rz);
            Span<T> n = w.Slice(2 * h, h), hn = w.Slice(3 * h, h);
            hp.Slice(2 * h, h).CopyTo(hn);
            TensorPrimitives.FusedMultiplyAdd(rz[..h], hn, x.Slice(2 * h, h), n);
            TensorPrimitives.Tanh(n, n);
            var out1 = h1.Slice(r * h, h);
            TensorPrimitives.Subtract(hPrev.Slice(r * h, h), n, out1);
            TensorPrimitives.FusedMultiplyAdd(rz.Slice(h, h), out1, n, out1);
        }
    }

    /// <summary>
    /// GRU backward from the upstream gradient gh of h' and the forward's workspace: ∂a_z = gh·(h − n)·z(1 − z),
    /// ∂a_n = gh·(1 − z)·(1 − n²), ∂a_r = ∂a_n·h_n·r(1 − r); the input gates get [∂a_r, ∂a_z, ∂a_n], the hidden gates
    /// [∂a_r, ∂a_z, ∂a_n·r], and h gets gh·z.
    /// </summary>
    public static void GruBackward<T>(ReadOnlySpan<T> gh, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> work, Span<T> dInput,
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
