using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Gated recurrent unit cell, as PyTorch's nn.GRUCell, in PyTorch's gate order [r, z, n]:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h; note that r multiplies W_hn h + b_hn,
/// bias included. For x [N, in] (or [in]) and h [N, H] (or [H], zeros when not given). Parameters weight_ih [3H, in],
/// weight_hh [3H, H], bias_ih and bias_hh [3H] (rows 0..H are r, H..2H z, 2H..3H n), initialised U(−1/√H, 1/√H).
/// </summary>
public sealed class GRUCell<T> : RecurrentCellBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell, drawing its parameters from <paramref name="generator"/>.</summary>
    public GRUCell(int inputSize, int hiddenSize, Generator generator, bool bias = true)
        : base(CellKind.Gru, inputSize, hiddenSize, generator, bias) { }

    /// <summary>h' from x and h = 0. A direct call: unlike <see cref="Module{T}.Forward"/> it does not run the module's hooks.</summary>
    public new Tensor<T> Forward(Tensor<T> input) => StepCell(input, null, null).H;

    /// <summary>h' = (1 − z) ⊙ n + z ⊙ h. A direct call that does not run the module's hooks.</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T>? hidden) => StepCell(input, hidden, null).H;

    /// <summary>h' from x and h = 0.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => StepCell(input, null, null).H;
}
