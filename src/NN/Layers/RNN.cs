using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-layer Elman RNN, as PyTorch's nn.RNN: at each step h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) with
/// act = tanh or relu. Layouts, parameter names (weight_ih_l0, …, _reverse), lengths and dropout as described on
/// <see cref="RecurrentBase{T}"/>; gates = 1, so weight_ih_l{k} is [H, in_k]. The typed calls
/// (<see cref="RecurrentHidden{T}"/>) return (output, h_n).
/// </summary>
public sealed class RNN<T> : RecurrentHidden<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>Creates the layers, drawing every parameter from U(−1/√H, 1/√H) with <paramref name="generator"/>, which
    /// also draws the dropout masks.</summary>
    public RNN(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, string nonlinearity = "tanh",
        bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(RecurrentMath.Nonlinearity(nonlinearity, "RNN"), inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) =>
        Nonlinearity = nonlinearity;

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{base.ExtraRepr()}, nonlinearity={Nonlinearity}";
}
