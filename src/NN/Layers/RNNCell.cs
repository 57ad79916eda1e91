using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Elman RNN cell, as PyTorch's nn.RNNCell: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) with act = tanh or relu, for
/// x [N, in] (or [in]) and h [N, H] (or [H], zeros when not given). Parameters weight_ih [H, in], weight_hh [H, H],
/// bias_ih and bias_hh [H], initialised U(−1/√H, 1/√H).
/// </summary>
public sealed class RNNCell<T> : RecurrentCellBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>Creates the cell, drawing its parameters from <paramref name="generator"/>.</summary>
    public RNNCell(int inputSize, int hiddenSize, Generator generator, bool bias = true, string nonlinearity = "tanh")
        : base(RecurrentMath.Nonlinearity(nonlinearity, "RNNCell"), inputSize, hiddenSize, generator, bias) => Nonlinearity = nonlinearity;

    /// <summary>h' from x and h = 0. A direct call: unlike <see cref="Module{T}.Forward"/> it does not run the module's hooks.</summary>
    public new Tensor<T> Forward(Tensor<T> input) => StepCell(input, null, null).H;

    /// <summary>h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). A direct call that does not run the module's hooks.</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T>? hidden) => StepCell(input, hidden, null).H;

    /// <summary>h' from x and h = 0.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => StepCell(input, null, null).H;

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{base.ExtraRepr()}, nonlinearity={Nonlinearity}";
}
