using System.Numerics;

namespace Autograd.Kernels;

/// <summary>
/// One recurrent layer in one direction over a whole sequence, as cuDNN and oneDNN run it: per step one GEMM for the
/// hidden projection h·W_hhᵀ and the fused cell of <see cref="Recurrent"/> (which adds b_hh), with no graph nodes in
/// between; the backward walks the steps in reverse with one GEMM per step for the state's gradient, and leaves ∂W_hh
/// and ∂b_hh to the caller as one product over all steps. W_hh comes packed once per pass
/// (<see cref="Gemm.PackB{T}"/>): as W_hhᵀ [H, G·H] for the forward, as W_hh [G·H, H] for the backward. The batch rows
/// are independent through time, so with several cores each takes a block of rows through every step on its own (one
/// fork for the whole sequence, not two per step); a batch too small to split runs whole, its per-step products on all
/// cores. Layouts (all contiguous, row-major): gates [L, N, G·H] (G = 4 for LSTM, 3 for GRU), states [N, H], per-step
/// states [L, N, H]. Step s runs time index t = s, or t = L − 1 − s in reverse; "the previous state" of the first step
/// run is the initial state.
/// </summary>
internal static class RecurrentSequence
{
    /// <summary>Fewest batch rows per block when the rows are split over the cores.</summary>
    private const int MinRowsPerBlock = 4;

    /// <summary>From this many multiply-adds per step's hidden product the batch rows are split over the cores.</summary>
    private const long SplitWork = 32L * 32 * 32;

    /// <summary>Time index of step <paramref name="s"/> of <paramref name="steps"/>.</summary>
    public static int TimeOf(int s, int steps, bool reverse) => reverse ? steps - 1 - s : s;

    /// <summary>
    /// LSTM over the sequence: for each step, a = xg[t] + h·W_hhᵀ + b_hh, then the cell (c_t = f·c + i·g,
    /// h_t = o·tanh c_t). Writes h_t to <paramref name="hs"/>[t], c_t to <paramref name="cs"/>[t] and the cell's
    /// workspace [i, f, g, o, tanh c_t] to <paramref name="work"/>[t] ([L, N, 5H]).
    /// </summary>
    public static void LstmForward<T>(T[] xg, int xgOffset, T[] h0, T[] c0, PackedOperand<T> weight, T[]? bias, T[] hs, T[] cs,
        T[] work, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 4 * hidden, lw = Recurrent.LstmWork * hidden;
        Forward(h0, weight, hs, steps, rows, hidden, gates, reverse, (s, t, prev, hp, r0, r1) =>
        {
            (T[] c, int cOffset) = s == 0 ? (c0, 0) : (cs, prev * n);
            int m = r1 - r0, s0 = t * n + r0 * hidden;
            Recurrent.LstmForward<T>(xg.AsSpan(xgOffset + (t * rows + r0) * gates, m * gates), hp.AsSpan(0, m * gates),
                c.AsSpan(cOffset + r0 * hidden, m * hidden), hs.AsSpan(s0, m * hidden), cs.AsSpan(s0, m * hidden),
                work.AsSpan((t * rows + r0) * lw, m * lw), m, hidden, bias.AsSpan(0, bias is null ? 0 : gates));
        });
    }

    /// <summary>
    /// LSTM backward over the sequence from the gradients of every h_t (<paramref name="gh"/> [L, N, H]) and of the
    /// last c (<paramref name="gcLast"/> [N, H]): walking back, the cell's backward with the state gradients carried
    /// (∂h_{t−1} = ∂a_t·W_hh, ∂c_{t−1} = dc'·f) writes ∂a_t to <paramref name="dGates"/>[t] ([L, N, 4H], also the
    /// gradient of the input gates); the initial states' gradients go to <paramref name="dh0"/> and <paramref name="dc0"/>.
    /// </summary>
    public static void LstmBackward<T>(T[] gh, int ghOffset, T[] gcLast, int gcOffset, T[] c0, T[] cs, T[] work, PackedOperand<T> weight,
        T[] dGates, T[] dh0, T[] dc0, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 4 * hidden, lw = Recurrent.LstmWork * hidden;
        Blocks(rows, gates, hidden, (r0, r1, threads) =>
        {
            int m = r1 - r0, mh = m * hidden;
            T[] dh = Scratch.Rent<T>(mh), dc = Scratch.Rent<T>(mh), dcPrev = Scratch.Rent<T>(mh);
            try
            {
                dh.AsSpan(0, mh).Clear();
                gcLast.AsSpan(gcOffset + r0 * hidden, mh).CopyTo(dc);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                    (T[] c, int cOffset) = s == 0 ? (c0, 0) : (cs, prev * n);
                    int d0 = (t * rows + r0) * gates;
                    Recurrent.LstmBackward<T>(gh.AsSpan(ghOffset + t * n + r0 * hidden, mh), dh.AsSpan(0, mh), dc.AsSpan(0, mh), c.AsSpan(cOffset + r0 * hidden, mh),
                        work.AsSpan((t * rows + r0) * lw, m * lw), dGates.AsSpan(d0, m * gates), dcPrev.AsSpan(0, mh), m, hidden);
                    (dc, dcPrev) = (dcPrev, dc);
                    // ∂h_{t−1} = ∂a_t·W_hh.
                    Gemm.MultiplyPacked(dGates, d0, gates, weight, dh, 0, hidden, m, accumulate: false, thisThreadOnly: !threads);
                }
                dh.AsSpan(0, mh).CopyTo(dh0.AsSpan(r0 * hidden));
                dc.AsSpan(0, mh).CopyTo(dc0.AsSpan(r0 * hidden));
            }
            finally
            {
                Scratch.Return(dh);
                Scratch.Return(dc);
                Scratch.Return(dcPrev);
            }
        });
    }

    /// <summary>
    /// GRU over the sequence: for each step, h_g = h·W_hhᵀ + b_hh, then the cell (h_t = n + z·(h − n)). Writes h_t to
    /// <paramref name="hs"/>[t] and the cell's workspace [r, z, n, h_n] to <paramref name="work"/>[t] ([L, N, 4H]).
    /// </summary>
    public static void GruForward<T>(T[] xg, int xgOffset, T[] h0, PackedOperand<T> weight, T[]? bias, T[] hs, T[] work,
        int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 3 * hidden, gw = Recurrent.GruWork * hidden;
        Forward(h0, weight, hs, steps, rows, hidden, gates, reverse, (s, t, prev, hp, r0, r1) =>
        {
            (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
            int m = r1 - r0;
            Recurrent.GruForward<T>(xg.AsSpan(xgOffset + (t * rows + r0) * gates, m * gates), hp.AsSpan(0, m * gates),
                h.AsSpan(hOffset + r0 * hidden, m * hidden), hs.AsSpan(t * n + r0 * hidden, m * hidden),
                work.AsSpan((t * rows + r0) * gw, m * gw), m, hidden, bias.AsSpan(0, bias is null ? 0 : gates));
        });
    }

    /// <summary>
    /// GRU backward over the sequence from the gradients of every h_t (<paramref name="gh"/> [L, N, H]): walking back,
    /// the cell's backward writes the input gates' gradient to <paramref name="dInput"/>[t] and the hidden projection's to
    /// <paramref name="dHidden"/>[t] (both [L, N, 3H]); the state gradient carried is g·z + ∂h_g·W_hh. The initial
    /// state's gradient goes to <paramref name="dh0"/>.
    /// </summary>
    public static void GruBackward<T>(T[] gh, int ghOffset, T[] h0, T[] hs, T[] work, PackedOperand<T> weight, T[] dInput, T[] dHidden,
        T[] dh0, int steps, int rows, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden, gates = 3 * hidden, gw = Recurrent.GruWork * hidden;
        Blocks(rows, gates, hidden, (r0, r1, threads) =>
        {
            int m = r1 - r0, mh = m * hidden;
            var dh = Scratch.Rent<T>(mh);
            try
            {
                dh.AsSpan(0, mh).Clear();
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                    (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
                    int d0 = (t * rows + r0) * gates;
                    Recurrent.GruBackward<T>(gh.AsSpan(ghOffset + t * n + r0 * hidden, mh), carried: true, h.AsSpan(hOffset + r0 * hidden, mh), work.AsSpan((t * rows + r0) * gw, m * gw),
                        dInput.AsSpan(d0, m * gates), dHidden.AsSpan(d0, m * gates), dh.AsSpan(0, mh), m, hidden);
                    // ∂h_{t−1} = g·z + ∂h_g·W_hh.
                    Gemm.MultiplyPacked(dHidden, d0, gates, weight, dh, 0, hidden, m, accumulate: true, thisThreadOnly: !threads);
                }
                dh.AsSpan(0, mh).CopyTo(dh0.AsSpan(r0 * hidden));
            }
            finally
            {
                Scratch.Return(dh);
            }
        });
    }

    /// <summary>One step's cell on rows [r0, r1): (step s, time t, previous time, hidden projection hp of those rows, r0, r1).</summary>
    private delegate void Cell<T>(int s, int t, int prev, T[] hp, int r0, int r1);

    /// <summary>The forward walk shared by the cells: per step the hidden projection h·W_hhᵀ of the previous h (h_0
    /// first), then the cell, which adds b_hh, on each block of rows.</summary>
    private static void Forward<T>(T[] h0, PackedOperand<T> weight, T[] hs, int steps, int rows, int hidden,
        int gates, bool reverse, Cell<T> cell) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * hidden;
        Blocks(rows, gates, hidden, (r0, r1, threads) =>
        {
            int m = r1 - r0;
            var hp = Scratch.Rent<T>(m * gates);
            try
            {
                for (int s = 0; s < steps; s++)
                {
                    int t = TimeOf(s, steps, reverse), prev = TimeOf(s - 1, steps, reverse);
                    (T[] h, int hOffset) = s == 0 ? (h0, 0) : (hs, prev * n);
                    Gemm.MultiplyPacked(h, hOffset + r0 * hidden, hidden, weight, hp, 0, gates, m, accumulate: false, thisThreadOnly: !threads);
                    cell(s, t, prev, hp, r0, r1);
                }
            }
            finally
            {
                Scratch.Return(hp);
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/>(r0, r1, threads) over blocks of batch rows: one block per core, each on its own core
    /// through every step (threads false: its products on that core only), when the batch and the step's product are
    /// large enough; otherwise one block of all rows, its products on all cores (threads true). Each element is computed
    /// alike either way, so the split changes no bit.
    /// </summary>
    private static void Blocks(int rows, int gates, int hidden, Action<int, int, bool> body)
    {
        int cores = Workers.Threads;
        if (cores < 2 || rows < 2 * MinRowsPerBlock || (long)rows * gates * hidden < SplitWork)
        {
            body(0, rows, true);
            return;
        }
        int blocks = Math.Min(cores, rows / MinRowsPerBlock), per = (rows + blocks - 1) / blocks;
        Workers.For((rows + per - 1) / per, b => body(b * per, Math.Min(rows, (b + 1) * per), false));
    }
}
