using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Long short-term memory cell, as PyTorch's nn.LSTMCell. With gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh split in PyTorch's
/// order [i, f, g, o]: i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c' = f ⊙ c + i ⊙ g and h' = o ⊙ tanh(c'). For x [N, in]
/// (or [in]) and h, c [N, H] (or [H], zeros when not given). Parameters weight_ih [4H, in], weight_hh [4H, H], bias_ih and
/// bias_hh [4H] (rows 0..H are i, H..2H f, 2H..3H g, 3H..4H o), initialised U(−1/√H, 1/√H).
/// </summary>
public sealed class LSTMCell<T> : RecurrentCellBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell, drawing its parameters from <paramref name="generator"/>.</summary>
    public LSTMCell(int inputSize, int hiddenSize, Generator generator, bool bias = true)
        : base(CellKind.Lstm, inputSize, hiddenSize, generator, bias) { }

    /// <summary>(h', c') from x and h = c = 0. A direct call: unlike <see cref="Module{T}.Forward"/> it does not run the
    /// module's hooks.</summary>
    public new (Tensor<T> H, Tensor<T> C) Forward(Tensor<T> input) => Forward(input, null);

    /// <summary>(h', c') from x and the state (h, c) (zeros when null). A direct call that does not run the module's hooks.</summary>
    public (Tensor<T> H, Tensor<T> C) Forward(Tensor<T> input, (Tensor<T> H, Tensor<T> C)? state)
    {
        var (h, c) = StepCell(input, state?.H, state?.C);
        return (h, c!);
    }

    /// <summary>h' from x and h = c = 0 (the cell state c' is dropped; use the typed overloads to keep it).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => StepCell(input, null, null).H;
}
