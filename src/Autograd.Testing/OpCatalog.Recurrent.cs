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
    ];

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
