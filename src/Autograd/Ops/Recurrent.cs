using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// The pointwise part of the LSTM and GRU cells as single ops (PyTorch's fused cell kernels): gates from the input and
// hidden projections, their nonlinearities and the state update in one pass forward and one backward, instead of about
// ten nodes per step. The rule is written in differentiable ops (the composite, which serves createGraph and so second
// order); the one-pass kernel is registered beside it as the fused first-order form.
public static partial class Tensor
{
    private static readonly OpInfo LstmCellOp = new("LstmCell", Saved.None,
        "∂a_i = dc'·g·i(1 − i), ∂a_f = dc'·c·f(1 − f), ∂a_g = dc'·i(1 − g²), ∂a_o = g_h·tanh(c')·o(1 − o) with dc' = g_c + g_h·o·(1 − tanh²c'), a = x_gates + h_gates",
        "∂h_gates = ∂x_gates",
        "∂c = dc'·f");
    private static readonly OpInfo GruCellOp = new("GruCell", Saved.None,
        "∂x_gates = [∂a_r, ∂a_z, ∂a_n] with ∂a_n = g·(1 − z)(1 − n²), ∂a_z = g·(h − n)·z(1 − z), ∂a_r = ∂a_n·h_n·r(1 − r)",
        "∂h_gates = [∂a_r, ∂a_z, ∂a_n·r]",
        "∂h = g·z");

    /// <summary>
    /// The LSTM cell's update from its gate pre-activations, as PyTorch's fused LSTM cell: with a = x_gates + h_gates
    /// ([N, 4H] each, x_gates = x·W_ihᵀ + b_ih and h_gates = h·W_hhᵀ + b_hh) split in the order [i, f, g, o]:
    /// i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'). Returns (h', c'), each
    /// [N, H], as views of one [2, N, H] result. Derivatives, with dc' = g_c + g_h ⊙ o ⊙ (1 − tanh²c'):
    /// ∂a_i = dc' ⊙ g ⊙ i(1 − i), ∂a_f = dc' ⊙ c ⊙ f(1 − f), ∂a_g = dc' ⊙ i ⊙ (1 − g²), ∂a_o = g_h ⊙ tanh(c') ⊙ o(1 − o)
    /// (the same for both gate inputs) and ∂c = dc' ⊙ f.
    /// </summary>
    public static (Tensor<T> H, Tensor<T> C) LstmCell<T>(Tensor<T> inputGates, Tensor<T> hiddenGates, Tensor<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, hidden) = CellShapes("LstmCell", 4, inputGates, hiddenGates, c, "c");
        int n = rows * hidden;
        var result = Buffers.Rent<T>(2 * n, clear: false);
        // Kept by the fused backward (not pooled: it lives as long as the graph).
        var work = GC.AllocateUninitializedArray<T>(Kernels.Recurrent.LstmWork * n);
        Kernels.Recurrent.LstmForward<T>(Values(inputGates), Values(hiddenGates), Values(c), result.AsSpan(0, n),
            result.AsSpan(n, n), work, rows, hidden);
        var y = Graph.Record(new Tensor<T>(result, [2, rows, hidden]), LstmCellOp, [inputGates, hiddenGates, c],
            (g, _, x) => LstmCellRule(g, x, hidden),
            fused: (g, _, x) =>
            {
                var gs = Values(g);
                var dGates = new Tensor<T>(Buffers.Rent<T>(4 * n, clear: false), [rows, 4 * hidden]);
                var dc = new Tensor<T>(Buffers.Rent<T>(n, clear: false), [rows, hidden]);
                Kernels.Recurrent.LstmBackward<T>(gs[..n], gs[n..], Values(x[2]), work, dGates.Span, dc.Span, rows, hidden);
                return [x[0].RequiresGrad ? dGates : null, x[1].RequiresGrad ? dGates : null, x[2].RequiresGrad ? dc : null];
            });
        return (y.Select(0, 0), y.Select(0, 1));
    }

    /// <summary>LstmCell's derivative in differentiable ops, recomputing the gates from the inputs.</summary>
    private static Tensor<T>?[] LstmCellRule<T>(Tensor<T> grad, Tensor<T>[] x, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dGates, dc) = LstmCellGrads(grad.Select(0, 0), grad.Select(0, 1), x[0], x[1], x[2], hidden);
        return [x[0].RequiresGrad ? dGates : null, x[1].RequiresGrad ? dGates : null, x[2].RequiresGrad ? dc : null];
    }

    /// <summary>The LSTM cell's gate gradient ∂a [N, 4H] and ∂c [N, H] from the gradients gh of h' and gc of c', in
    /// differentiable ops (the gates recomputed from xg + hg and c).</summary>
    private static (Tensor<T> Gates, Tensor<T> C) LstmCellGrads<T>(Tensor<T> gh, Tensor<T> gc, Tensor<T> inputGates,
        Tensor<T> hiddenGates, Tensor<T> c, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = (inputGates + hiddenGates).Split(hidden, -1);
        Tensor<T> i = a[0].Sigmoid(), f = a[1].Sigmoid(), g = a[2].Tanh(), o = a[3].Sigmoid();
        var tc = (f * c + i * g).Tanh();
        var dc = gc + gh * o * (T.One - tc * tc);
        var dGates = Concat([dc * g * i * (T.One - i), dc * c * f * (T.One - f), dc * i * (T.One - g * g), gh * tc * o * (T.One - o)], -1);
        return (dGates, dc * f);
    }

    /// <summary>
    /// The GRU cell's update from its projections, as PyTorch's fused GRU cell: with x_gates = x·W_ihᵀ + b_ih and
    /// h_gates = h·W_hhᵀ + b_hh ([N, 3H] each, order [r, z, n]): r = σ(x_r + h_r), z = σ(x_z + h_z),
    /// n = tanh(x_n + r ⊙ h_n), h' = (1 − z) ⊙ n + z ⊙ h, [N, H]. Derivatives: ∂a_n = g ⊙ (1 − z)(1 − n²),
    /// ∂a_z = g ⊙ (h − n) ⊙ z(1 − z), ∂a_r = ∂a_n ⊙ h_n ⊙ r(1 − r); ∂x_gates = [∂a_r, ∂a_z, ∂a_n],
    /// ∂h_gates = [∂a_r, ∂a_z, ∂a_n ⊙ r], ∂h = g ⊙ z.
    /// </summary>
    public static Tensor<T> GruCell<T>(Tensor<T> inputGates, Tensor<T> hiddenGates, Tensor<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, hidden) = CellShapes("GruCell", 3, inputGates, hiddenGates, h, "h");
        int n = rows * hidden;
        var result = Buffers.Rent<T>(n, clear: false);
        var work = GC.AllocateUninitializedArray<T>(Kernels.Recurrent.GruWork * n);
        Kernels.Recurrent.GruForward<T>(Values(inputGates), Values(hiddenGates), Values(h), result, work, rows, hidden);
        return Graph.Record(new Tensor<T>(result, [rows, hidden]), GruCellOp, [inputGates, hiddenGates, h],
            (g, _, x) => GruCellRule(g, x, hidden),
            fused: (g, _, x) =>
            {
                var dInput = new Tensor<T>(Buffers.Rent<T>(3 * n, clear: false), [rows, 3 * hidden]);
                var dHidden = new Tensor<T>(Buffers.Rent<T>(3 * n, clear: false), [rows, 3 * hidden]);
                var dh = new Tensor<T>(Buffers.Rent<T>(n, clear: false), [rows, hidden]);
                Kernels.Recurrent.GruBackward<T>(Values(g), Values(x[2]), work, dInput.Span, dHidden.Span, dh.Span, rows, hidden);
                return [x[0].RequiresGrad ? dInput : null, x[1].RequiresGrad ? dHidden : null, x[2].RequiresGrad ? dh : null];
            });
    }

    /// <summary>GruCell's derivative in differentiable ops, recomputing the gates from the inputs.</summary>
    private static Tensor<T>?[] GruCellRule<T>(Tensor<T> grad, Tensor<T>[] x, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dInput, dHidden, dh) = GruCellGrads(grad, x[0], x[1], x[2], hidden);
        return [x[0].RequiresGrad ? dInput : null, x[1].RequiresGrad ? dHidden : null, x[2].RequiresGrad ? dh : null];
    }

    /// <summary>The GRU cell's gradients of its input gates, hidden gates ([N, 3H] each) and state h [N, H] from the
    /// gradient <paramref name="grad"/> of h', in differentiable ops (the gates recomputed from the inputs).</summary>
    private static (Tensor<T> Input, Tensor<T> Hidden, Tensor<T> H) GruCellGrads<T>(Tensor<T> grad, Tensor<T> inputGates,
        Tensor<T> hiddenGates, Tensor<T> h, int hidden) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T>[] xs = inputGates.Split(hidden, -1), hs = hiddenGates.Split(hidden, -1);
        Tensor<T> r = (xs[0] + hs[0]).Sigmoid(), z = (xs[1] + hs[1]).Sigmoid();
        var n = (xs[2] + r * hs[2]).Tanh();
        var dn = grad * (T.One - z) * (T.One - n * n);
        var dz = grad * (h - n) * z * (T.One - z);
        var dr = dn * hs[2] * r * (T.One - r);
        return (Concat([dr, dz, dn], -1), Concat([dr, dz, dn * r], -1), grad * z);
    }

    /// <summary>Checks gate inputs [N, gates·H] (both the same shape) and a state [N, H]; returns (N, H).</summary>
    private static (int Rows, int Hidden) CellShapes<T>(string op, int gates, Tensor<T> inputGates, Tensor<T> hiddenGates,
        Tensor<T> state, string stateName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(inputGates);
        ArgumentNullException.ThrowIfNull(hiddenGates);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Rank != 2)
            throw new ArgumentException($"{op}: {stateName} must be [N, H], got shape {Shapes.Format(state.Dims)}");
        int[] expected = [state.Dims[0], gates * state.Dims[1]];
        if (!Shapes.Equal(inputGates.Dims, expected) || !Shapes.Equal(hiddenGates.Dims, expected))
            throw new ArgumentException($"{op}: gates must both be [N, {gates}·H] = {Shapes.Format(expected)} for {stateName} of shape {Shapes.Format(state.Dims)}, got {Shapes.Format(inputGates.Dims)} and {Shapes.Format(hiddenGates.Dims)}");
        return (state.Dims[0], state.Dims[1]);
    }

    /// <summary>The elements of <paramref name="t"/> in row-major order: its storage when contiguous, else a copy.</summary>
    private static ReadOnlySpan<T> Values<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (array, offset) = t.RowMajor();
        return array.AsSpan(offset, t.NumElements);
    }
}
