using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-layer Elman RNN, as PyTorch's nn.RNN: at each step h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) with
/// act = tanh or relu. Layouts, parameter names (weight_ih_l0, …, _reverse), lengths and dropout as described on
/// <see cref="RecurrentBase{T}"/>; gates = 1, so weight_ih_l{k} is [H, in_k].
/// </summary>
public sealed class RNN<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>Creates the layers, drawing every parameter from U(−1/√H, 1/√H) with <paramref name="generator"/>, which
    /// also draws the dropout masks.</summary>
    public RNN(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, string nonlinearity = "tanh",
        bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false)
        : base(RecurrentMath.Nonlinearity(nonlinearity, "RNN"), inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) =>
        Nonlinearity = nonlinearity;

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

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{base.ExtraRepr()}, nonlinearity={Nonlinearity}";
}
