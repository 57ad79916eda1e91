using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// What <see cref="RNNCell{T}"/>, <see cref="LSTMCell{T}"/> and <see cref="GRUCell{T}"/> share, as PyTorch's RNNCellBase:
/// the parameters weight_ih [gates·H, in], weight_hh [gates·H, H], bias_ih and bias_hh [gates·H] (gates = 1, 4, 3),
/// all initialised U(−1/√H, 1/√H), and the checks of one step's input [N, in] (or [in], unbatched) and state [N, H] (or [H]).
/// </summary>
public abstract class RecurrentCellBase<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CellKind _kind;

    /// <summary>Features of the input x.</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state h (and of the LSTM cell state c).</summary>
    public int HiddenSize { get; }

    /// <summary>W_ih, the input-to-hidden weights of all gates stacked in the gate order: [gates·H, in].</summary>
    [Parameter]
    public Tensor<T> WeightIh { get; }

    /// <summary>W_hh, the hidden-to-hidden weights of all gates stacked in the gate order: [gates·H, H].</summary>
    [Parameter]
    public Tensor<T> WeightHh { get; }

    /// <summary>b_ih [gates·H], or null without bias.</summary>
    [Parameter]
    public Tensor<T>? BiasIh { get; }

    /// <summary>b_hh [gates·H], or null without bias.</summary>
    [Parameter]
    public Tensor<T>? BiasHh { get; }

    private protected RecurrentCellBase(CellKind kind, int inputSize, int hiddenSize, Generator generator, bool bias)
    {
        ArgumentNullException.ThrowIfNull(generator);
        _kind = kind;
        RecurrentMath.CheckSizes(TypeName, inputSize, hiddenSize);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        int rows = RecurrentMath.Gates(kind) * hiddenSize;
        WeightIh = Parameter(RecurrentMath.Uniform<T>(generator, hiddenSize, rows, inputSize));
        WeightHh = Parameter(RecurrentMath.Uniform<T>(generator, hiddenSize, rows, hiddenSize));
        if (bias)
        {
            BiasIh = Parameter(RecurrentMath.Uniform<T>(generator, hiddenSize, rows));
            BiasHh = Parameter(RecurrentMath.Uniform<T>(generator, hiddenSize, rows));
        }
    }

    /// <summary>One step of the cell from <paramref name="input"/> [N, in] or [in] and the state (zeros when null).</summary>
    private protected (Tensor<T> H, Tensor<T>? C) StepCell(Tensor<T> input, Tensor<T>? h, Tensor<T>? c)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (1 or 2) || input.Shape[^1] != InputSize)
            throw new ArgumentException(input.Rank is 1 or 2
                ? $"{TypeName}: input has {input.Shape[^1]} features, expected {InputSize} (input shape {TensorShape.Format(input.Shape)})"
                : $"{TypeName}: input must be [N, {InputSize}] or [{InputSize}], got shape {TensorShape.Format(input.Shape)}");
        bool batched = input.Rank == 2;
        var x = batched ? input : input.Unsqueeze(0);
        int[] stateShape = batched ? [x.Shape[0], HiddenSize] : [HiddenSize];
        var h0 = State("hidden state h", h, stateShape, input);
        var c0 = _kind == CellKind.Lstm ? State("cell state c", c, stateShape, input) : null;
        var (h1, c1) = RecurrentMath.Step(_kind, x.Linear(WeightIh, BiasIh), h0, c0, WeightHh, BiasHh);
        return batched ? (h1, c1) : (h1.Squeeze(0), c1?.Squeeze(0));
    }

    /// <summary>The state as [N, H] (zeros when null) after checking its shape against <paramref name="expected"/>.</summary>
    private Tensor<T> State(string what, Tensor<T>? state, int[] expected, Tensor<T> input)
    {
        if (state is null) return Tensor.Zeros<T>(expected.Length == 2 ? expected : [1, HiddenSize]);
        if (!state.Shape.SequenceEqual(expected))
            throw new ArgumentException($"{TypeName}: {what} has shape {TensorShape.Format(state.Shape)}, expected {TensorShape.Format(expected)} (input shape {TensorShape.Format(input.Shape)})");
        return expected.Length == 2 ? state : state.Unsqueeze(0);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{InputSize}, {HiddenSize}{(BiasIh is null ? ", bias=false" : "")}";
}
