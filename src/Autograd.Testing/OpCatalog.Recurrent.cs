using System.Numerics;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// The fused recurrent cell ops. LstmCell returns (h', c'): the row checks both at once as [h'; 2·c'] (weighting c' so
// that a swap of the two would show).
public static partial class OpCatalog
{
    private static OpInfo<T>[] RecurrentRows<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        new("LstmCell", "LstmCell(Tensor, Tensor, Tensor)", x => LstmBoth(Tensor.LstmCell(x[0], x[1], x[2])), g => CellCase(g, 4, transposed: false),
            NaiveRecurrent.Lstm),
        new("LstmCell of transposed gates", "LstmCell(Tensor, Tensor, Tensor)", x => LstmBoth(Tensor.LstmCell(x[0].MT, x[1], x[2])),
            g => CellCase(g, 4, transposed: true), x => NaiveRecurrent.Lstm([x[0].MT, x[1], x[2]])),
        new("GruCell", "GruCell(Tensor, Tensor, Tensor)", x => Tensor.GruCell(x[0], x[1], x[2]), g => CellCase(g, 3, transposed: false), NaiveRecurrent.Gru),
        new("GruCell of transposed gates", "GruCell(Tensor, Tensor, Tensor)", x => Tensor.GruCell(x[0].MT, x[1], x[2]),
            g => CellCase(g, 3, transposed: true), x => NaiveRecurrent.Gru([x[0].MT, x[1], x[2]])),
        new("LstmSequence", "LstmSequence(Tensor, Tensor, Tensor, Tensor, Tensor, bool)", x => LstmPacked(Tensor.LstmSequence(x[0], x[1], x[2], x[3], x[4])),
            g => SequenceCase(g, 4, states: 2), x => NaiveRecurrent.LstmSequence(x, reverse: false)),
        new("LstmSequence reverse", "LstmSequence(Tensor, Tensor, Tensor, Tensor, Tensor, bool)",
            x => LstmPacked(Tensor.LstmSequence(x[0], x[1], x[2], x[3], x[4], reverse: true)),
            g => SequenceCase(g, 4, states: 2), x => NaiveRecurrent.LstmSequence(x, reverse: true)),
        new("GruSequence", "GruSequence(Tensor, Tensor, Tensor, Tensor, bool)", x => Tensor.GruSequence(x[0], x[1], x[2], x[3]).Output,
            g => SequenceCase(g, 3, states: 1), x => NaiveRecurrent.GruSequence(x, reverse: false)),
        new("GruSequence reverse", "GruSequence(Tensor, Tensor, Tensor, Tensor, bool)",
            x => Tensor.GruSequence(x[0], x[1], x[2], x[3], reverse: true).Output,
            g => SequenceCase(g, 3, states: 1), x => NaiveRecurrent.GruSequence(x, reverse: true)),
    ];

    /// <summary>Every step's h, then 2·c of the last step ([L + 1, N, H]).</summary>
    private static Tensor<T> LstmPacked<T>((Tensor<T> Output, Tensor<T> H, Tensor<T> C) r) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor.Concat([r.Output, (r.C * T.CreateChecked(2)).Unsqueeze(0)], 0);

    /// <summary>Input gates [L, N, G·H], <paramref name="states"/> states [N, H], W_hh [G·H, H] and b_hh [G·H], with
    /// L from 1 to 3 (a sequence of one has no carried state; three carry it twice).</summary>
    private static Tensor<double>[] SequenceCase(Choices g, int gates, int states)
    {
        int steps = 1 + g.NextInt(3), n = Dim(g), h = Dim(g);
        return [Uniform(g, [steps, n, gates * h]), .. Enumerable.Range(0, states).Select(_ => Uniform(g, [n, h])),
            Uniform(g, [gates * h, h]), Uniform(g, [gates * h])];
    }

    private static Tensor<T> LstmBoth<T>((Tensor<T> H, Tensor<T> C) state) where T : unmanaged, IFloatingPointIeee754<T> =>
        Weighted([state.H, state.C], 0);

    /// <summary>Input gates [N, gates·H] (stored as [gates·H, N] when <paramref name="transposed"/>, for rows that read
    /// them through MT), hidden gates [N, gates·H] and a state [N, H].</summary>
    private static Tensor<double>[] CellCase(Choices g, int gates, bool transposed)
    {
        int n = Dim(g), h = Dim(g);
        return [Uniform(g, transposed ? [gates * h, n] : [n, gates * h]), Uniform(g, [n, gates * h]), Uniform(g, [n, h])];
    }
}
