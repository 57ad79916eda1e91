using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// One recurrent layer in one direction over a whole sequence, as cuDNN and oneDNN run it: per step one GEMM for the
/// hidden projection h·W_hhᵀ + b_hh and the fused cell of <see cref="Recurrent"/>, with no graph nodes in between; the
/// backward walks the steps in reverse with one GEMM per step for the state's gradient, and leaves ∂W_hh and ∂b_hh to
/// the caller as one product over all steps. Layouts (all contiguous, row-major): gates [L, N, G·H] (G = 4 for LSTM,
/// 3 for GRU), states [N, H], per-step states [L, N, H], the weight W_hh [G·H, H]. Step s runs time index
/// t = s, or t = L − 1 − s in reverse; "the previous state" of the first step run is the initial state.
/// </summary>
internal static class RecurrentSequence
{
    /// <summary>From this many elements per step the pointwise cell is split over the cores.</summary>
    private const int ParallelElements = 8192;

    /// <summary>Time index of step <paramref name="s"/> of <paramref name="steps"/>.</summary>
    public static int TimeOf(int s, int steps, bool reverse) => reverse ? steps - 1 - s : s;

    /// <summary>
    /// LSTM over the sequence: for each step, a = xg[t] + h·W_hhᵀ + b_hh, then the cell (c_t = f·c + i·g,
    /// h_t = o·tanh c_t). Writes h_t to <paramref name="hs"/>[t], c_t to <paramref name="cs"/>[t] and the cell's
    /// workspace [i, f, g, o, tanh c_t] to <paramref name="work"/>[t] ([L, N, 5H]).
    /// </summary>
    public static void LstmForward<T>(T[] xg, int xgOffset, T[] h0, T[] c0, T[] weight, T[]? bias, T[] hs, T[] cs,
        T[] work, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 4 * hidden, lw = Recurrent.LstmWork * hidden;
        Forward(h0, weight, bias, hs, steps, rows, hidden, gates, reverse, (s, t, prev, hp, r0, r1) =>
        {
            (T[] c, int cOffset) = s == 0 ? (c0, 0) : (cs, prev * n);
            int x0 = xgOffset + t * rows * gates, s0 = t * n;
            Recurrent.LstmForward<T>(xg.AsSpan(x0 + r0 * gates, (r1 - r0) * gates), hp.AsSpan(r0 * gates, (r1 - r0) * gates),
                c.AsSpan(cOffset + r0 * hidden, (r1 - r0) * hidden), hs.AsSpan(s0 + r0 * hidden, (r1 - r0) * hidden),
                cs.AsSpan(s0 + r0 * hidden, (r1 - r0) * hidden), work.AsSpan((t * rows + r0) * lw, (r1 - r0) * lw), r1 - r0, hidden);
        });
    }

    /// <summary>
    /// LSTM backward over the sequence from the gradients of every h_t (<paramref name="gh"/> [L, N, H]) and of the
    /// last c (<paramref name="gcLast"/> [N, H]): walking back, the cell's backward with the state gradients carried
    /// (∂h_{t−1} = ∂a_t·W_hh, ∂c_{t−1} = dc'·f) writes ∂a_t to <paramref name="dGates"/>[t] ([L, N, 4H], also the
    /// gradient of the input gates); the initial states' gradients go to <paramref name="dh0"/> and <paramref name="dc0"/>.
    /// </summary>
    public static void LstmBackward<T>(T[] gh, int ghOffset, ReadOnlySpan<T> gcLast, T[] c0, T[] cs, T[] work, T[] weight,
        T[] dGates, T[] dh0, T[] dc0, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 4 * hidden;
        T[] dh = Scratch.Rent<T>(n), dc = Scratch.Rent<T>(n), dcPrev = Scratch.Rent<T>(n), g = Scratch.Rent<T>(n);
        try
        {
            dh.AsSpan(0, n).Clear();
            gcLast.CopyTo(dc);
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                (T[] c, int cOffset) = s == 0 ? (c0, 0) : (cs, prev * n);
                TensorPrimitives.Add(gh.AsSpan(ghOffset + t * n, n), dh.AsSpan(0, n), g.AsSpan(0, n));
                int w0 = t * rows * Recurrent.LstmWork * hidden, d0 = t * rows * gates;
                T[] dcIn = dc, dcOut = dcPrev;
                Rows(rows, hidden, (r0, r1) => Recurrent.LstmBackward<T>(g.AsSpan(r0 * hidden, (r1 - r0) * hidden),
                    dcIn.AsSpan(r0 * hidden, (r1 - r0) * hidden), c.AsSpan(cOffset + r0 * hidden, (r1 - r0) * hidden),
                    work.AsSpan(w0 + r0 * Recurrent.LstmWork * hidden, (r1 - r0) * Recurrent.LstmWork * hidden),
                    dGates.AsSpan(d0 + r0 * gates, (r1 - r0) * gates), dcOut.AsSpan(r0 * hidden, (r1 - r0) * hidden), r1 - r0, hidden));
                (dc, dcPrev) = (dcPrev, dc);
                // ∂h_{t−1} = ∂a_t·W_hh.
                Gemm.Multiply(dGates, d0, gates, false, weight, 0, hidden, false, dh, 0, hidden, rows, hidden, gates, accumulate: false);
            }
            dh.AsSpan(0, n).CopyTo(dh0);
            dc.AsSpan(0, n).CopyTo(dc0);
        }
        finally
        {
            Scratch.Return(dh);
            Scratch.Return(dc);
            Scratch.Return(dcPrev);
            Scratch.Return(g);
        }
    }

    /// <summary>
    /// GRU over the sequence: for each step, h_g = h·W_hhᵀ + b_hh, then the cell (h_t = n + z·(h − n)). Writes h_t to
    /// <paramref name="hs"/>[t] and the cell's workspace [r, z, n, h_n] to <paramref name="work"/>[t] ([L, N, 4H]).
    /// </summary>
    public static void GruForward<T>(T[] xg, int xgOffset, T[] h0, T[] weight, T[]? bias, T[] hs, T[] work,
        int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 3 * hidden, gw = Recurrent.GruWork * hidden;
        Forward(h0, weight, bias, hs, steps, rows, hidden, gates, reverse, (s, t, prev, hp, r0, r1) =>
        {
            (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
            int x0 = xgOffset + t * rows * gates, s0 = t * n;
            Recurrent.GruForward<T>(xg.AsSpan(x0 + r0 * gates, (r1 - r0) * gates), hp.AsSpan(r0 * gates, (r1 - r0) * gates),
                h.AsSpan(hOffset + r0 * hidden, (r1 - r0) * hidden), hs.AsSpan(s0 + r0 * hidden, (r1 - r0) * hidden),
                work.AsSpan((t * rows + r0) * gw, (r1 - r0) * gw), r1 - r0, hidden);
        });
    }

    /// <summary>
    /// GRU backward over the sequence from the gradients of every h_t (<paramref name="gh"/> [L, N, H]): walking back,
    /// the cell's backward writes the input gates' gradient to <paramref name="dInput"/>[t] and the hidden projection's to
    /// <paramref name="dHidden"/>[t] (both [L, N, 3H]); the state gradient carried is g·z + ∂h_g·W_hh. The initial
    /// state's gradient goes to <paramref name="dh0"/>.
    /// </summary>
    public static void GruBackward<T>(T[] gh, int ghOffset, T[] h0, T[] hs, T[] work, T[] weight, T[] dInput, T[] dHidden,
        T[] dh0, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 3 * hidden;
        T[] dh = Scratch.Rent<T>(n), g = Scratch.Rent<T>(n);
        try
        {
            dh.AsSpan(0, n).Clear();
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
                TensorPrimitives.Add(gh.AsSpan(ghOffset + t * n, n), dh.AsSpan(0, n), g.AsSpan(0, n));
                int w0 = t * rows * Recurrent.GruWork * hidden, d0 = t * rows * gates;
                Rows(rows, hidden, (r0, r1) => Recurrent.GruBackward<T>(g.AsSpan(r0 * hidden, (r1 - r0) * hidden),
                    h.AsSpan(hOffset + r0 * hidden, (r1 - r0) * hidden),
                    work.AsSpan(w0 + r0 * Recurrent.GruWork * hidden, (r1 - r0) * Recurrent.GruWork * hidden),
                    dInput.AsSpan(d0 + r0 * gates, (r1 - r0) * gates), dHidden.AsSpan(d0 + r0 * gates, (r1 - r0) * gates),
                    dh.AsSpan(r0 * hidden, (r1 - r0) * hidden), r1 - r0, hidden));
                // ∂h_{t−1} = g·z + ∂h_g·W_hh.
                Gemm.Multiply(dHidden, d0, gates, false, weight, 0, hidden, false, dh, 0, hidden, rows, hidden, gates, accumulate: true);
            }
            dh.AsSpan(0, n).CopyTo(dh0);
        }
        finally
        {
            Scratch.Return(dh);
            Scratch.Return(g);
        }
    }

    /// <summary>One step's cell on rows [r0, r1): (step s, time t, previous time, hidden projection hp, r0, r1).</summary>
    private delegate void Cell<T>(int s, int t, int prev, T[] hp, int r0, int r1);

    /// <summary>The forward walk shared by the cells: per step the hidden projection of the previous h (h_0 first), then
    /// the cell on row ranges.</summary>
    private static void Forward<T>(T[] h0, T[] weight, T[]? bias, T[] hs, int steps, int rows, int hidden,
        int gates, bool reverse, Cell<T> cell) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden;
        var hp = Scratch.Rent<T>(rows * gates);
        try
        {
            for (int s = 0; s < steps; s++)
            {
                int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
                HiddenProjection(h, hOffset, weight, bias, hp, rows, hidden, gates);
                Rows(rows, hidden, (r0, r1) => cell(s, t, prev, hp, r0, r1));
            }
        }
        finally
        {
            Scratch.Return(hp);
        }
    }

    /// <summary>hp [N, G·H] = h·W_hhᵀ + b_hh: the bias copied into every row, then one accumulating GEMM.</summary>
    private static void HiddenProjection<T>(T[] h, int hOffset, T[] weight, T[]? bias, T[] hp, int rows, int hidden, int gates)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias is not null)
            for (int r = 0; r < rows; r++) bias.AsSpan(0, gates).CopyTo(hp.AsSpan(r * gates, gates));
        Gemm.Multiply(h, hOffset, hidden, false, weight, 0, hidden, true, hp, 0, gates, rows, gates, hidden, accumulate: bias is not null);
    }

    /// <summary>Runs <paramref name="body"/> over row ranges: one range, or two halves on the cores when a step is large.</summary>
    private static void Rows(int rows, int hidden, Action<int, int> body)
    {
        if (rows < 2 || rows * hidden < ParallelElements || Workers.Threads < 2)
        {
            body(0, rows);
            return;
        }
        int tasks = Math.Min(Workers.Threads, rows), per = (rows + tasks - 1) / tasks;
        Workers.For((rows + per - 1) / per, k => body(k * per, Math.Min(rows, (k + 1) * per)));
    }
}
