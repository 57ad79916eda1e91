using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// A whole recurrent layer (one direction) as one op: what PyTorch's _VF.lstm / _VF.gru and cuDNN do. The per-step
// form (a Linear and a fused cell per step) records about three nodes per step and packs W_hh every step; here the
// steps run inside one kernel and ∂W_hh is one product over all steps. The rule is written in differentiable ops (the
// per-step cells replayed, then backpropagation through time), which serves createGraph and so second order; the
// kernel's backward is the fused first-order form.
public static partial class Tensor
{
    private static readonly OpInfo LstmSequenceOp = new("LstmSequence", Saved.Output,
        "∂xg_t = ∂a_t, the cell's gate gradient at step t with ∂h_t = g_t + ∂a_{t+1}·W_hh and ∂c_t = dc'_{t+1}·f_{t+1}",
        "∂h_0 = ∂a_1·W_hh", "∂c_0 = dc'_1·f_1", "∂W_hh = Σ_t ∂a_tᵀ·h_{t−1}", "∂b_hh = Σ_t Σ_rows ∂a_t");
    private static readonly OpInfo GruSequenceOp = new("GruSequence", Saved.Output,
        "∂xg_t = [∂a_r, ∂a_z, ∂a_n] at step t with ∂h_t = g_t + ∂h_{t+1}·z_{t+1} + ∂hg_{t+1}·W_hh",
        "∂h_0 = g·z_1 + ∂hg_1·W_hh", "∂W_hh = Σ_t ∂hg_tᵀ·h_{t−1} with ∂hg = [∂a_r, ∂a_z, ∂a_n·r]", "∂b_hh = Σ_t Σ_rows ∂hg_t");

    /// <summary>
    /// An LSTM layer in one direction over a whole sequence, from the input gates xg = x·W_ihᵀ + b_ih of every step
    /// [L, N, 4H] (order i, f, g, o), the initial state h_0, c_0 [N, H], W_hh [4H, H] and b_hh [4H] (or null):
    /// for t = 0 … L − 1 (or L − 1 … 0 when <paramref name="reverse"/>), a = xg_t + h·W_hhᵀ + b_hh,
    /// (h, c) = <see cref="LstmCell{T}"/>(xg_t, h·W_hhᵀ + b_hh, c). Returns every step's h [L, N, H] (time order)
    /// and the last state (h, c). Equal to the per-step composition; one node, with one GEMM per step each way.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> H, Tensor<T> C) LstmSequence<T>(Tensor<T> inputGates, Tensor<T> h0, Tensor<T> c0,
        Tensor<T> weightHh, Tensor<T>? biasHh, bool reverse = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (steps, rows, hidden) = SequenceShapes("LstmSequence", 4, inputGates, h0, weightHh, biasHh);
        CheckState("LstmSequence", "c0", c0, rows, hidden);
        int n = rows * hidden;
        var (xg, xgOffset) = inputGates.RowMajor();
        // What the backward reads, in pooled tensors of the current scope (reading them after it ended throws): private
        // copies of the initial states, W_hh packed for both passes, and every step's c and cell workspace.
        Tensor<T> h0s = PrivateCopy(h0), c0s = PrivateCopy(c0);
        var (forwardWeight, backwardWeight) = PackedWeights(weightHh, 4, out var weightsAlive);
        var bias = biasHh is null ? null : PrivateCopy(biasHh);
        Tensor<T> cs = Pooled<T>(steps * n), work = Pooled<T>(steps * Kernels.Recurrent.LstmWork * n);
        // [L + 1, N, H]: every step's h, then the last c.
        var result = Buffers.Rent<T>((steps + 1) * n, clear: false);
        var y = new Tensor<T>(result, [steps + 1, rows, hidden]);
        RecurrentSequence.LstmForward(xg, xgOffset, h0s.Storage, c0s.Storage, forwardWeight, bias?.Storage, result, cs.Storage,
            work.Storage, steps, rows, hidden, reverse);
        cs.Storage.AsSpan(RecurrentSequence.TimeOf(steps - 1, steps, reverse) * n, n).CopyTo(result.AsSpan(steps * n, n));
        Tensor<T>[] inputs = biasHh is null ? [inputGates, h0, c0, weightHh] : [inputGates, h0, c0, weightHh, biasHh];
        y = Graph.Record(y, LstmSequenceOp, inputs,
            (g, _, x) => LstmSequenceRule(g, x, reverse),
            fused: (g, output, x) =>
            {
                var (gy, gyOffset) = g.RowMajor();
                weightsAlive();
                var dGates = Buffers.Rent<T>(steps * 4 * n, clear: false);
                T[] dh0 = Buffers.Rent<T>(n, clear: false), dc0 = Buffers.Rent<T>(n, clear: false);
                RecurrentSequence.LstmBackward(gy, gyOffset, gy, gyOffset + steps * n, c0s.Storage, cs.Storage, work.Storage,
                    backwardWeight, dGates, dh0, dc0, steps, rows, hidden, reverse);
                var (dW, dB) = WeightGrads(x, 3, dGates, output, h0s.Storage, steps, rows, 4 * hidden, hidden, reverse);
                var grads = new Tensor<T>?[x.Length];
                grads[0] = x[0].RequiresGrad ? new Tensor<T>(dGates, [steps, rows, 4 * hidden]) : null;
                grads[1] = x[1].RequiresGrad ? new Tensor<T>(dh0, [rows, hidden]) : null;
                grads[2] = x[2].RequiresGrad ? new Tensor<T>(dc0, [rows, hidden]) : null;
                grads[3] = dW;
                if (x.Length > 4) grads[4] = dB;
                return grads;
            });
        return (y.Narrow(0, 0, steps), y.Select(0, RecurrentSequence.TimeOf(steps - 1, steps, reverse)), y.Select(0, steps));
    }

    /// <summary>
    /// A GRU layer in one direction over a whole sequence, from the input gates xg = x·W_ihᵀ + b_ih of every step
    /// [L, N, 3H] (order r, z, n), the initial state h_0 [N, H], W_hh [3H, H] and b_hh [3H] (or null): for t = 0 … L − 1
    /// (or L − 1 … 0 when <paramref name="reverse"/>), h = <see cref="GruCell{T}"/>(xg_t, h·W_hhᵀ + b_hh, h). Returns every
    /// step's h [L, N, H] (time order) and the last h. Equal to the per-step composition; one node.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> H) GruSequence<T>(Tensor<T> inputGates, Tensor<T> h0, Tensor<T> weightHh,
        Tensor<T>? biasHh, bool reverse = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (steps, rows, hidden) = SequenceShapes("GruSequence", 3, inputGates, h0, weightHh, biasHh);
        int n = rows * hidden;
        var (xg, xgOffset) = inputGates.RowMajor();
        Tensor<T> h0s = PrivateCopy(h0), work = Pooled<T>(steps * Kernels.Recurrent.GruWork * n);
        var (forwardWeight, backwardWeight) = PackedWeights(weightHh, 3, out var weightsAlive);
        var bias = biasHh is null ? null : PrivateCopy(biasHh);
        var result = Buffers.Rent<T>(steps * n, clear: false);
        var y = new Tensor<T>(result, [steps, rows, hidden]);
        RecurrentSequence.GruForward(xg, xgOffset, h0s.Storage, forwardWeight, bias?.Storage, result, work.Storage, steps, rows, hidden, reverse);
        Tensor<T>[] inputs = biasHh is null ? [inputGates, h0, weightHh] : [inputGates, h0, weightHh, biasHh];
        y = Graph.Record(y, GruSequenceOp, inputs,
            (g, _, x) => GruSequenceRule(g, x, reverse),
            fused: (g, output, x) =>
            {
                var (gy, gyOffset) = g.RowMajor();
                weightsAlive();
                var dInput = Buffers.Rent<T>(steps * 3 * n, clear: false);
                var dHidden = Buffers.Rent<T>(steps * 3 * n, clear: false);
                var dh0 = Buffers.Rent<T>(n, clear: false);
                RecurrentSequence.GruBackward(gy, gyOffset, h0s.Storage, output.Storage, work.Storage, backwardWeight, dInput, dHidden,
                    dh0, steps, rows, hidden, reverse);
                var (dW, dB) = WeightGrads(x, 2, dHidden, output, h0s.Storage, steps, rows, 3 * hidden, hidden, reverse);
                var grads = new Tensor<T>?[x.Length];
                grads[0] = x[0].RequiresGrad ? new Tensor<T>(dInput, [steps, rows, 3 * hidden]) : null;
                grads[1] = x[1].RequiresGrad ? new Tensor<T>(dh0, [rows, hidden]) : null;
                grads[2] = dW;
                if (x.Length > 3) grads[3] = dB;
                return grads;
            });
        return (y, y.Select(0, RecurrentSequence.TimeOf(steps - 1, steps, reverse)));
    }

    /// <summary>LstmSequence's derivative in differentiable ops: the forward replayed step by step, then the cell's rule
    /// walked back with the state gradients carried.</summary>
    private static Tensor<T>?[] LstmSequenceRule<T>(Tensor<T> grad, Tensor<T>[] x, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T> xg = x[0], w = x[3];
        Tensor<T>? b = x.Length > 4 ? x[4] : null;
        int steps = xg.Dims[0], hidden = w.Dims[1];
        var (hPrev, cPrev, hp) = (new Tensor<T>[steps], new Tensor<T>[steps], new Tensor<T>[steps]);
        Tensor<T> h = x[1], c = x[2];
        for (int s = 0; s < steps; s++)
        {
            int t = RecurrentSequence.TimeOf(s, steps, reverse);
            (hPrev[t], cPrev[t], hp[t]) = (h, c, h.Linear(w, b));
            (h, c) = LstmCell(xg.Select(0, t), hp[t], c);
        }
        var dGates = new Tensor<T>[steps];
        Tensor<T>? dh = null;
        var dc = grad.Select(0, steps);
        for (int s = steps - 1; s >= 0; s--)
        {
            int t = RecurrentSequence.TimeOf(s, steps, reverse);
            var gh = dh is null ? grad.Select(0, t) : grad.Select(0, t) + dh;
            (dGates[t], dc) = LstmCellGrads(gh, dc, xg.Select(0, t), hp[t], cPrev[t], hidden);
            dh = dGates[t].MatMul(w);
        }
        return SequenceGrads(x, 3, dGates, dGates, hPrev, [dh!, dc]);
    }

    /// <summary>GruSequence's derivative in differentiable ops: the forward replayed step by step, then the cell's rule
    /// walked back with the state gradient carried.</summary>
    private static Tensor<T>?[] GruSequenceRule<T>(Tensor<T> grad, Tensor<T>[] x, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T> xg = x[0], w = x[2];
        Tensor<T>? b = x.Length > 3 ? x[3] : null;
        int steps = xg.Dims[0], hidden = w.Dims[1];
        var (hPrev, hp) = (new Tensor<T>[steps], new Tensor<T>[steps]);
        Tensor<T> h = x[1];
        for (int s = 0; s < steps; s++)
        {
            int t = RecurrentSequence.TimeOf(s, steps, reverse);
            (hPrev[t], hp[t]) = (h, h.Linear(w, b));
            h = GruCell(xg.Select(0, t), hp[t], h);
        }
        var (dInput, dHidden) = (new Tensor<T>[steps], new Tensor<T>[steps]);
        Tensor<T>? dh = null;
        for (int s = steps - 1; s >= 0; s--)
        {
            int t = RecurrentSequence.TimeOf(s, steps, reverse);
            var gh = dh is null ? grad.Select(0, t) : grad.Select(0, t) + dh;
            (dInput[t], dHidden[t], var dState) = GruCellGrads(gh, xg.Select(0, t), hp[t], hPrev[t], hidden);
            dh = dState + dHidden[t].MatMul(w);
        }
        return SequenceGrads(x, 2, dInput, dHidden, hPrev, [dh!]);
    }

    /// <summary>The gradients of (xg, states…, W_hh, b_hh) from the per-step gate gradients: xg's stacked in time order,
    /// ∂W_hh = Σ_t ∂hg_tᵀ·h_{t−1}, ∂b_hh = Σ_t Σ_rows ∂hg_t; null where an input needs none.</summary>
    private static Tensor<T>?[] SequenceGrads<T>(Tensor<T>[] x, int weightIndex, Tensor<T>[] dInput, Tensor<T>[] dHidden,
        Tensor<T>[] hPrev, Tensor<T>[] dStates) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grads = new Tensor<T>?[x.Length];
        if (x[0].RequiresGrad) grads[0] = Stack(dInput, 0);
        for (int k = 0; k < dStates.Length; k++)
            if (x[1 + k].RequiresGrad) grads[1 + k] = dStates[k];
        if (x[weightIndex].RequiresGrad) grads[weightIndex] = Concat(dHidden, 0).MT.MatMul(Concat(hPrev, 0));
        if (x.Length > weightIndex + 1 && x[weightIndex + 1].RequiresGrad) grads[weightIndex + 1] = Concat(dHidden, 0).Sum(0);
        return grads;
    }

    /// <summary>
    /// ∂W_hh = Σ_t ∂hg_tᵀ·h_{t−1} and ∂b_hh = the column sums of ∂hg (null where the weight or bias, inputs
    /// <paramref name="weightIndex"/> and the one after it, need none). The states before the steps are the outputs
    /// shifted by one step, which lie contiguous in the output: one product over the L − 1 steps that follow another,
    /// then the first step's with h_0 added, and no copy of the states.
    /// </summary>
    private static (Tensor<T>? Weight, Tensor<T>? Bias) WeightGrads<T>(Tensor<T>[] x, int weightIndex, T[] dHidden, Tensor<T> output,
        T[] h0, int steps, int rows, int gates, int hidden, bool reverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T>? dW = null, dB = null;
        if (x[weightIndex].RequiresGrad)
        {
            var (hs, offset) = output.RowMajor();
            int n = rows * hidden, later = (steps - 1) * rows;
            // Forward: step t ≥ 1 follows output t − 1; reverse: step t ≤ L − 2 follows output t + 1.
            int gradStart = reverse ? 0 : rows * gates, stateStart = offset + (reverse ? n : 0);
            int first = RecurrentSequence.TimeOf(0, steps, reverse);
            var w = Buffers.Rent<T>(gates * hidden, clear: false);
            Gemm.Multiply(dHidden, gradStart, gates, true, hs, stateStart, hidden, false, w, 0, hidden, gates, hidden, later, accumulate: false);
            Gemm.Multiply(dHidden, first * rows * gates, gates, true, h0, 0, hidden, false, w, 0, hidden, gates, hidden, rows, accumulate: true);
            dW = new Tensor<T>(w, [gates, hidden]);
        }
        if (x.Length > weightIndex + 1 && x[weightIndex + 1].RequiresGrad)
        {
            var b = Buffers.Rent<T>(gates, clear: false);
            Kernels.Reduce.Sum(dHidden, 0, 1, steps * rows, gates, b);
            dB = new Tensor<T>(b, [gates]);
        }
        return (dW, dB);
    }

    /// <summary>Checks gates [L, N, G·H], a state [N, H], W_hh [G·H, H] and b_hh [G·H]; returns (L, N, H).</summary>
    private static (int Steps, int Rows, int Hidden) SequenceShapes<T>(string op, int gates, Tensor<T> inputGates, Tensor<T> h0,
        Tensor<T> weightHh, Tensor<T>? biasHh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputGates);
        ArgumentNullException.ThrowIfNull(h0);
        ArgumentNullException.ThrowIfNull(weightHh);
        if (weightHh.Rank != 2 || weightHh.Dims[0] != gates * weightHh.Dims[1])
            throw new ArgumentException($"{op}: weightHh must be [{gates}·H, H], got shape {Shapes.Format(weightHh.Dims)}");
        int hidden = weightHh.Dims[1];
        if (inputGates.Rank != 3 || inputGates.Dims[0] < 1 || inputGates.Dims[2] != gates * hidden)
            throw new ArgumentException($"{op}: inputGates must be [L ≥ 1, N, {gates * hidden}] for H = {hidden}, got shape {Shapes.Format(inputGates.Dims)}");
        int rows = inputGates.Dims[1];
        CheckState(op, "h0", h0, rows, hidden);
        if (biasHh is not null && (biasHh.Rank != 1 || biasHh.Dims[0] != gates * hidden))
            throw new ArgumentException($"{op}: biasHh must be [{gates * hidden}], got shape {Shapes.Format(biasHh.Dims)}");
        return (inputGates.Dims[0], rows, hidden);
    }

    private static void CheckState<T>(string op, string name, Tensor<T> state, int rows, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state, name);
        if (!Shapes.Equal(state.Dims, [rows, hidden]))
            throw new ArgumentException($"{op}: {name} must be [N, H] = [{rows}, {hidden}], got shape {Shapes.Format(state.Dims)}");
    }

    /// <summary>
    /// W_hh [G·H, H] packed for the forward's products (as W_hhᵀ) and the backward's (as W_hh): private copies, which
    /// later in-place changes of the weight cannot reach, in pooled tensors of the current scope; <paramref name="alive"/>
    /// reads their storage, which throws once the scope has ended (call it before the backward uses them).
    /// </summary>
    private static (PackedOperand<T> Forward, PackedOperand<T> Backward) PackedWeights<T>(Tensor<T> weightHh, int gates, out Action alive)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (w, offset) = weightHh.RowMajor();
        int hidden = weightHh.Dims[1];
        var holders = new List<Tensor<T>>(2);
        T[] Rent(int length)
        {
            var t = Pooled<T>(length);
            holders.Add(t);
            return t.Storage;
        }
        var packed = (Gemm.PackB(w, offset, hidden, true, hidden, gates * hidden, rent: Rent),
            Gemm.PackB(w, offset, hidden, false, gates * hidden, hidden, rent: Rent));
        alive = () => { foreach (var t in holders) _ = t.Storage; };
        return packed;
    }

    /// <summary>A pooled tensor of <paramref name="length"/> elements, tied to the current scope.</summary>
    private static Tensor<T> Pooled<T>(int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(Buffers.Rent<T>(length, clear: false), [length]);

    /// <summary>A private contiguous copy of <paramref name="t"/> in a pooled tensor, which later in-place changes of
    /// <paramref name="t"/> cannot reach.</summary>
    private static Tensor<T> PrivateCopy<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var copy = Pooled<T>(t.NumElements);
        var (array, offset) = t.RowMajor();
        array.AsSpan(offset, t.NumElements).CopyTo(copy.Storage);
        return copy;
    }
}
