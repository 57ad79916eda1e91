using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-layer gated recurrent unit, as PyTorch's nn.GRU. At each step, in the gate order [r, z, n]:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
/// h' = (1 − z) ⊙ n + z ⊙ h. Layouts, parameter names (weight_ih_l0 [3H, in], …, _reverse), lengths and dropout as
/// described on <see cref="RecurrentBase{T}"/>.
/// </summary>
public sealed class GRU<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layers, drawing every parameter from U(−1/√H, 1/√H) with <paramref name="generator"/>, which
    /// also draws the dropout masks.</summary>
    public GRU(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, bool bias = true,
        bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(CellKind.Gru, inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>(output, h_n) from zero initial states. A direct call: unlike <see cref="Module{T}.Forward"/> it does not
    /// run the module's hooks.</summary>
    public new (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input) => Forward(input, null, null);

    /// <summary>(output, h_n) from the initial state h_0 [numLayers·D, N, H]. A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, Tensor<T>? h0) => Forward(input, h0, null);

    /// <summary>(output, h_n) for sequences of the given lengths (see <see cref="RecurrentBase{T}"/>), zero initial states.
    /// A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, int[] lengths) => Forward(input, null, lengths);

    /// <summary>(output, h_n) from h_0 (zeros when null) for sequences of the given lengths (all full when null). A direct
    /// call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, Tensor<T>? h0, int[]? lengths)
    {
        var (output, h, _) = Run(input, h0, null, lengths);
        return (output, h);
    }
}
