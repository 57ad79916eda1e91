using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-layer long short-term memory, as PyTorch's nn.LSTM. At each step, with gates x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
/// split in the order [i, f, g, o]: i, f, o through σ, g through tanh, c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'). Layouts,
/// parameter names (weight_ih_l0 [4H, in], …, _reverse), lengths and dropout as described on <see cref="RecurrentBase{T}"/>;
/// the states h and c are both [numLayers·D, N, H].
/// </summary>
public sealed class LSTM<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layers, drawing every parameter from U(−1/√H, 1/√H) with <paramref name="generator"/>, which
    /// also draws the dropout masks.</summary>
    public LSTM(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, bool bias = true,
        bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(CellKind.Lstm, inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>(output, (h_n, c_n)) from zero initial states. A direct call: unlike <see cref="Module{T}.Forward"/> it
    /// does not run the module's hooks.</summary>
    public new (Tensor<T> Output, (Tensor<T> H, Tensor<T> C) State) Forward(Tensor<T> input) => Forward(input, null, null);

    /// <summary>(output, (h_n, c_n)) from the initial states (h_0, c_0), each [numLayers·D, N, H]. A direct call that does
    /// not run the hooks.</summary>
    public (Tensor<T> Output, (Tensor<T> H, Tensor<T> C) State) Forward(Tensor<T> input, (Tensor<T> H, Tensor<T> C)? state) =>
        Forward(input, state, null);

    /// <summary>(output, (h_n, c_n)) for sequences of the given lengths (see <see cref="RecurrentBase{T}"/>), zero initial
    /// states. A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, (Tensor<T> H, Tensor<T> C) State) Forward(Tensor<T> input, int[] lengths) => Forward(input, null, lengths);

    /// <summary>(output, (h_n, c_n)) from (h_0, c_0) (zeros when null) for sequences of the given lengths (all full when
    /// null). A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, (Tensor<T> H, Tensor<T> C) State) Forward(Tensor<T> input, (Tensor<T> H, Tensor<T> C)? state, int[]? lengths)
    {
        var (output, h, c) = Run(input, state?.H, state?.C, lengths);
        return (output, (h, c!));
    }
}
