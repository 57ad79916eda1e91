using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-layer gated recurrent unit, as PyTorch's nn.GRU. At each step, in the gate order [r, z, n]:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
/// h' = (1 − z) ⊙ n + z ⊙ h. Layouts, parameter names (weight_ih_l0 [3H, in], …, _reverse), lengths and dropout as
/// described on <see cref="RecurrentBase{T}"/>; the typed calls (<see cref="RecurrentHidden{T}"/>) return (output, h_n).
/// </summary>
public sealed class GRU<T> : RecurrentHidden<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layers, drawing every parameter from U(−1/√H, 1/√H) with <paramref name="generator"/>, which
    /// also draws the dropout masks.</summary>
    public GRU(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, bool bias = true,
        bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(CellKind.Gru, inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) { }
}
